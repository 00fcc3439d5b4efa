"""Date and number formats per language (settings.FORMAT_MODULE_PATH).

Templates name a format, never spell one: `|date:"DATE_FORMAT"` ("2025년 9월 1일",
"1 September 2025"), "SHORT_DATE_FORMAT" for dense staff tables, "YEAR_MONTH_FORMAT" for a
month alone, "SHORT_DATETIME_FORMAT" for when something was recorded. What is not set here
comes from Django's own locale formats.
"""
