"""Conditional GET and the page cache for public pages, behind one decorator: @public_view.

Every write to the record moves the Revision (tracker.signals). A public page's ETag names
that revision and everything else the page depends on (the day, the release, page or htmx
fragment), and it is also the page's cache key, so a write makes every cached page stale at
once: the next request renders afresh, and old entries simply expire. With REDIS_URL the
cache is shared by all app servers; without it each process keeps its own.

An anonymous reader's page costs one query (the revision) and one cache read; a browser
holding the page gets a 304.
"""

import datetime
import functools
import hashlib
import time
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpResponsePermanentRedirect
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from django.utils.translation import get_language
from django.views.decorators.http import condition, require_safe

from tracker.htmx import is_fragment
from tracker.models import Revision, revision_moved

PAGE_CACHE_SECONDS = 600


class RevisionMemo:
    """The revision, remembered in this process for TRACKER_REVISION_MEMO_SECONDS.

    A write in this process forgets it at once, and again when it commits (so a reader
    that read the old revision meanwhile does not keep it); a write in another process
    shows here within that lifetime, whatever sits between the app and the database.
    0 reads it on every request. Public views only read, so no revision read here comes
    from inside a transaction that may still roll back.
    """

    def __init__(self):
        self._remembered = (0.0, None)  # (expires, revision): replaced whole, never mutated

    def get(self):
        expires, revision = self._remembered
        if revision is not None and time.monotonic() < expires:
            return revision
        revision = Revision.current()
        if lifetime := settings.TRACKER_REVISION_MEMO_SECONDS:
            self._remembered = (time.monotonic() + lifetime, revision)
        return revision

    def forget(self):
        self._remembered = (0.0, None)


revision_memo = RevisionMemo()


@receiver(revision_moved, dispatch_uid="tracker-revision-memo")
def _forget_the_revision(sender, **kwargs):
    # Now, for this request; and at commit, for a reader that read the old one meanwhile.
    revision_memo.forget()
    transaction.on_commit(revision_memo.forget)


def _revision(request):
    """The record's revision, read once per request."""
    if not hasattr(request, "tracker_revision"):
        request.tracker_revision = revision_memo.get()
    return request.tracker_revision


def _moved(revision):
    # The time as well as the number: a flushed and reloaded database counts from 0 again.
    return f"{revision.number}.{int(revision.changed_at.timestamp() * 1e6):x}"


def revision_key():
    """Names the record as it stands today, in this release: what per-revision answers
    and files (the CSV export) are kept under."""
    today = f"{timezone.localdate():%Y%m%d}"
    return f"{_moved(revision_memo.get())}:{today}:{settings.TRACKER_RELEASE}"


def per_revision(name, compute, timeout=PAGE_CACHE_SECONDS):
    """compute()'s answer for the record as it stands today, shared by every worker.

    For what many pages need and only a write can change (tallies, filter choices): a
    page rendered afresh then costs its own rows, not a pass over the whole record.
    Overdue counts depend on the date, so the day is part of the key too; the release,
    because a new one may hold (and unpickle) the answer differently.
    """
    key = f"per-revision:{name}:{revision_key()}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout)
    return value


def revision_etag(request, *args, **kwargs):
    # Overdue depends on today's date, so the day is part of the version too; the page
    # and its htmx fragment are different representations, so they get different tags;
    # a new release may render the same record differently; each language is its own
    # representation (and the cache key, taken from this tag, keeps them apart).
    variant = "fragment" if is_fragment(request) else "page"
    moved = _moved(_revision(request))
    release = settings.TRACKER_RELEASE
    language = get_language()
    return f'"{moved}-{timezone.localdate():%Y%m%d}-{release}-{language}-{variant}"'


def revision_last_modified(request, *args, **kwargs):
    midnight = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate(), datetime.time.min)
    )
    return max(_revision(request).changed_at, midnight)


def _shared(request):
    """Only visitors without a session or pending messages all see the same page."""
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def _cache_key(request):
    raw = f"{revision_etag(request)}|{request.get_full_path()}"
    return "page:" + hashlib.sha256(raw.encode()).hexdigest()


def public_view(view=None, *, params=()):
    """A public GET view: conditional GET from the revision, and the page cache.

    Anonymous readers all get the same page: its ETag and Last-Modified come from the
    record's revision (for a feed too, whose own Last-Modified would only follow its newest
    item), browsers revalidate on every use, so a new status update is visible on the next
    request, and one copy per URL, variant and revision is cached. A signed-in reader's page
    may hold their messages (naming unpublished records): private, with no ETag a shared
    cache could match to the public page, and never cached here.

    `params` names the query parameters the view reads. Any other (a tracking tag, a
    cache-buster) is redirected away before the cache is consulted, so the cache holds one
    entry per page the site really has, and a flood of made-up parameters costs a redirect
    each, never a render or a cache entry.
    """
    if view is None:
        return functools.partial(public_view, params=params)
    known = frozenset(params)
    conditional_view = condition(
        etag_func=revision_etag, last_modified_func=revision_last_modified
    )(view)

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _shared(request):
            response = view(request, *args, **kwargs)
            patch_cache_control(response, private=True, no_cache=True)
            patch_vary_headers(response, ["HX-Request", "Cookie"])
            return response
        if any(name not in known for name in request.GET):
            kept = [(k, v) for k, values in request.GET.lists() if k in known for v in values]
            query = f"?{urlencode(kept)}" if kept else ""
            return HttpResponsePermanentRedirect(request.path + query)
        key = _cache_key(request)
        response = cache.get(key)
        if response is not None:
            last_modified = int(revision_last_modified(request).timestamp())
            return (
                get_conditional_response(
                    request, etag=response["ETag"], last_modified=last_modified, response=response
                )
                or response
            )
        response = conditional_view(request, *args, **kwargs)
        patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
        patch_vary_headers(response, ["HX-Request", "Cookie"])
        if response.status_code == 200:
            response.headers["Last-Modified"] = http_date(
                revision_last_modified(request).timestamp()
            )
            if not response.streaming:
                # One chunk: a feed is written in thousands of small pieces, slow to unpickle.
                response.content = response.content
                cache.set(key, response, PAGE_CACHE_SECONDS)
        return response

    return require_safe(wrapper)
