"""From a source document to suggested pledges: cleaning, sentences, cues, dates, names.

Each module works on plain strings and is testable alone; `suggest.suggest()` ties them
together for the staff ingest screen and `manage.py ingest`.
"""
