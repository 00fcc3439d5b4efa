"""Korean and English: each page's address in both languages.

Every HTML page lives under /ko/ and /en/ (tracker/urls.py), with the same path after the
prefix; the address without a prefix picks the reader's language (LocaleMiddleware). The
rules for translators are in the README's "Translating" section.
"""

import functools
from dataclasses import dataclass

from django.conf import settings
from django.urls import translate_url
from django.utils import translation
from django.utils.translation import get_language, get_language_from_path

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
