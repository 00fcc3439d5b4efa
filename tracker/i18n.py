"""Korean and English: each page's address in both languages.

Every HTML page lives under /ko/ and /en/ (tracker/urls.py), with the same path after the
prefix; the address without a prefix picks the reader's language (LocaleMiddleware). The
rules for translators are in the README's "Translating" section.
"""

import functools
import re
from dataclasses import dataclass

from django.conf import settings
from django.urls import translate_url
from django.utils import translation
from django.utils.html import conditional_escape, format_html
from django.utils.translation import get_language, get_language_from_path, gettext

# What the outputs without a language prefix (CSV, badge, API, data files) speak when the
# address names no language: the one their consumers read before there were two.
OUTPUT_LANGUAGE = "en"


@dataclass(frozen=True)
class PageAddresses:
    """One page's addresses (path and query): `by_language` in each language, `chooser`
    without a prefix (it redirects by Accept-Language: hreflang's x-default)."""

    by_language: dict
    chooser: str


def page_addresses(request):
    """The addresses of the page being answered, or None if it has no language versions
    (an error page for an address that does not exist, or a page rendered without a
    request)."""
    if request is None or getattr(request, "resolver_match", None) is None:
        return None
    language = get_language_from_path(request.path_info)
    if language is None:
        return None
    here = request.get_full_path()
    by_language = {code: translate_url(here, code) for code, _ in settings.LANGUAGES}
    prefix = f"/{language}/"
    chooser = "/" + here.removeprefix(prefix) if here.startswith(prefix) else here
    return PageAddresses(by_language=by_language, chooser=chooser)


def other_languages():
    """(code, name) of every language but the active one, each name in its own language."""
    current = get_language()
    return [(code, name) for code, name in settings.LANGUAGES if code != current]


def output_language(view):
    """For an output without a language prefix: its words (and dates) are in the language
    `?lang=` names, English by default, never the one Accept-Language asks for, so one
    address always gives the same file. The view lists "lang" in its public_view params
    if it takes ?lang= (otherwise the parameter is redirected away).

    The language stays active after the view returns: a streamed body is written later,
    and the response's Content-Language and ETag name it (LocaleMiddleware activates the
    next request's language afresh)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        language = request.GET.get("lang")
        translation.activate(language if language in dict(settings.LANGUAGES) else OUTPUT_LANGUAGE)
        return view(request, *args, **kwargs)

    return wrapper


# Content in both languages (README "Content in both languages") ----------------------

# The languages of the record's own texts. Each translated field has a Korean twin,
# `<name>_ko`; the field itself is English, except where the record says otherwise
# (a statement's title is in the statement's language: `text_language`).
CONTENT_LANGUAGES = ("ko", "en")


@dataclass(frozen=True)
class Shown:
    """A translated field as a page shows it: `text` in `lang`, and `missing` when the
    page's language has none yet, so the other language's text stands in, marked."""

    text: str
    lang: str
    missing: bool = False

    def __str__(self):
        return self.text

    def __bool__(self):
        return bool(self.text)

    @property
    def lang_attr(self):
        """` lang="en"` for an element holding text in another language than the page."""
        return format_html(' lang="{}"', self.lang) if self.missing else ""

    @property
    def marker(self):
        """The visible "not yet translated" marker, as HTML ("" when translated)."""
        if not self.missing:
            return ""
        return format_html(' <span class="untranslated">{}</span>', gettext("not yet translated"))

    @property
    def marked(self):
        """As plain text (a title, an attribute, a feed): with the marker in brackets."""
        if not self.missing:
            return self.text
        return gettext("%(text)s (not yet translated)") % {"text": self.text}

    def html(self):
        """Inline HTML: the text, and when it stands in, its `lang` and the marker."""
        if not self.missing:
            return conditional_escape(self.text)
        return format_html('<span lang="{}">{}</span>{}', self.lang, self.text, self.marker)


def shown(obj, name, language=None):
    """`obj`'s field `name` in `language` (the active one by default); where that is
    empty, the other language's, marked missing; never blank while either has text."""
    language = language or get_language()
    language = language if language in CONTENT_LANGUAGES else OUTPUT_LANGUAGE
    texts = {}
    for code, text in (
        (text_language(obj, name), getattr(obj, name, "") or ""),
        ("ko", getattr(obj, f"{name}_ko", "") or ""),
    ):
        if text and text.strip() and code not in texts:
            texts[code] = text
    if language in texts:
        return Shown(texts[language], language)
    for code, text in texts.items():
        return Shown(text, code, missing=True)
    return Shown("", language)


def text_language(obj, name):
    """The language of `obj`'s untranslated field `name`: English, unless the object says
    (a statement's title is in its own language)."""
    language_of = getattr(obj, "text_language", None)
    return language_of(name) if language_of else "en"


@dataclass(frozen=True)
class Label:
    """A stored text in both languages as a plain label (a <select>'s option), read in the
    active language when shown, so one cached list of choices serves both. `language` is
    the language of `text` (a Korean statement's title is Korean)."""

    text: str
    text_ko: str = ""
    language: str = "en"
    suffix: str = ""

    def text_language(self, name):
        return self.language

    def __str__(self):
        return shown(self, "text").marked + self.suffix


HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]")


def written_language(text):
    """The language a text kept in one language only is written in, by its script:
    Korean if it has Hangul, English otherwise (the record's two languages)."""
    return "ko" if HANGUL.search(text) else "en"


def as_written(text):
    """Curator text that has no translation field (a speaker's office, notes on a date,
    a target or a source, an evidence link's title) as HTML: where it is written in the
    other language than the page's, in a `lang` span so that it is read aloud in its own.
    No "not yet translated" marker: nothing is waiting to be translated."""
    if not text:
        return ""
    language = written_language(text)
    if language == get_language():
        return conditional_escape(text)
    return format_html('<span lang="{}">{}</span>', language, text)
