"""Conditional GET and the page cache for public pages, behind one decorator: @public_view.

Every write to the record moves the Revision (tracker.signals). A public page's ETag names
that revision and everything else the page depends on (the day, the release, page or htmx
fragment), and it is also the page's cache key, so a write makes every cached page stale at
once: the next request renders afresh, and old entries simply expire. With REDIS_URL the
cache is shared by all app servers; without it each process keeps its own.

An anonymous reader's page costs one query (the revision) and one cache read; a browser
holding the page gets a 304.
"""

import contextvars
import datetime
import functools
import hashlib
import time
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.dispatch import receiver
from django.http import HttpResponsePermanentRedirect
from django.template.loader import get_template
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from django.utils.translation import get_language
from django.views.decorators.http import condition, require_safe

from tracker.htmx import is_fragment
from tracker.models import Revision, aware_datetime, revision_moved

PAGE_CACHE_SECONDS = 600
# How long one request may take to render a page before others stop waiting for it and
# render it too (they serve the copy before it meanwhile, within TRACKER_STALE_SECONDS).
RENDER_SECONDS = 10


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


# The public request being answered in this thread, so that everything it renders (the
# page, its tallies, its rows) names one revision, read once.
_public_request = contextvars.ContextVar("public_request", default=None)


def _revision(request=None):
    """The record's revision, read once per request."""
    request = request or _public_request.get()
    if request is None:
        return revision_memo.get()
    if not hasattr(request, "tracker_revision"):
        request.tracker_revision = revision_memo.get()
    return request.tracker_revision


def _moved(revision):
    # The time as well as the number: a flushed and reloaded database counts from 0 again.
    return f"{revision.number}.{int(revision.changed_at.timestamp() * 1e6):x}"


def _moved_broadly(revision):
    return f"b{revision.broad}.{int(revision.broad_at.timestamp() * 1e6):x}"


def _stamp(moment):
    return f"{int(moment.timestamp() * 1e6):x}"


# Scopes: what a page shows, as a version that moves whenever the page may change. -------


def every_write(request, *args, **kwargs):
    """The version of a page that shows many pledges: any write moves it."""
    return _moved(_revision(request))


def one_pledge(request, slug, **kwargs):
    """The version of a page about one pledge (its page, badge, feeds, JSON): moved by
    writes to the record at large and by writes to this pledge's own history, not by
    status updates to other pledges. One query by the slug's unique index."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, updated_at FROM tracker_pledge WHERE slug = %s", [slug])
        row = cursor.fetchone()
    own = f"p{row[0]}.{_stamp(aware_datetime(row[1]))}" if row else "none"
    return f"{_moved_broadly(_revision(request))}.{own}"


def representation():
    """What, besides the record, decides how a page or a fragment of one reads: the day
    (overdue depends on it), the release (a new one may render the same record
    differently) and the language. Part of every ETag, page cache key and fragment key,
    so each language is its own representation, cached apart."""
    return [f"{timezone.localdate():%Y%m%d}", settings.TRACKER_RELEASE, get_language()]


def revision_key(broad=False):
    """Names the record as it stands today, in this release: what per-revision answers
    and files (the CSV export) are kept under. `broad`: as it stands for what status
    updates do not change (which pledges are public, their names and counts)."""
    moved = (_moved_broadly if broad else _moved)(_revision())
    return ":".join([moved, *representation()])


def per_revision(name, compute, timeout=PAGE_CACHE_SECONDS, broad=False):
    """compute()'s answer for the record as it stands today, shared by every worker.

    For what many pages need and only a write can change (tallies, filter choices): a
    page rendered afresh then costs its own rows, not a pass over the whole record.
    Overdue counts depend on the date, so the day is part of the key too; the release,
    because a new one may hold (and unpickle) the answer differently. With `broad`, an
    answer that no status update changes is kept across status updates.
    """
    key = f"per-revision:{name}:{revision_key(broad)}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout)
    return value


def cached_rows(rows, ids, name, produce, *, variant=""):
    """produce(row) for each of the rows of `rows` whose pks are `ids`, in that order,
    each kept in the cache under `name`.

    A row's key names the record's broad revision and the row's own `updated_at` (which
    its status updates move), so a list page produces only the rows no other page has
    produced since they changed, and loads only those in full; the others cost one
    narrow query and one cache read for them all. `variant` names anything else a row
    shows that its model does not hold (an annotation that depends on the page).
    """
    stamps = dict(rows.order_by().filter(pk__in=ids).values_list("pk", "updated_at"))
    common = ":".join(["row", name, variant, revision_key(broad=True)])
    keys = {pk: f"{common}:{pk}:{_stamp(stamp)}" for pk, stamp in stamps.items()}
    found = cache.get_many(keys.values())
    if missing := [pk for pk, key in keys.items() if key not in found]:
        fresh = {keys[pk]: produce(row) for pk, row in rows.order_by().in_bulk(missing).items()}
        cache.set_many(fresh, PAGE_CACHE_SECONDS)
        found.update(fresh)
    return [found[keys[pk]] for pk in ids if keys.get(pk) in found]


def rendered(template_name):
    """For cached_rows: the row's HTML, rendered from `template_name` as `pledge`."""

    def produce(row):
        return str(get_template(template_name).render({"pledge": row}))

    return produce


def revision_last_modified(request, *args, **kwargs):
    midnight = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate(), datetime.time.min)
    )
    return max(_revision(request).changed_at, midnight)


def _shared(request):
    """Only visitors without a session or pending messages all see the same page."""
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def _variant(request):
    # The page and its htmx fragment are different representations of one URL.
    return "fragment" if is_fragment(request) else "page"


def _cache_key(request):
    """One entry per URL and representation, whatever the version: it holds the page
    last rendered, with the ETag it was rendered for."""
    raw = "|".join([request.get_full_path(), _variant(request), *representation()])
    return "page:" + hashlib.sha256(raw.encode()).hexdigest()


def _answer_from(request, response, last_modified=None):
    return (
        get_conditional_response(
            request, etag=response["ETag"], last_modified=last_modified, response=response
        )
        or response
    )


def public_view(view=None, *, params=(), scope=every_write, last_modified=revision_last_modified):
    """A public GET view: conditional GET from the revision, and the page cache.

    Anonymous readers all get the same page: its ETag names the page's version (`scope`:
    `every_write` by default, `one_pledge` for a page about one pledge), the day, the
    release and the representation; Last-Modified comes from the record's revision (for a
    feed too, whose own Last-Modified would only follow its newest item). Browsers
    revalidate on every use, so a new status update is visible on the next request. A
    signed-in reader's page may hold their messages (naming unpublished records): private,
    with no ETag a shared cache could match to the public page, and never cached here.

    One copy per URL and representation is cached, with the ETag it was rendered for. When
    the version has moved, the request that finds it so renders the page afresh; other
    requests for the same page meanwhile get the copy before it if it was rendered at most
    TRACKER_STALE_SECONDS ago, instead of all rendering it at once (0: never).

    `last_modified(request, ...)` gives Last-Modified: the revision's time by default; a
    file built earlier (tracker.export_files) gives its own.

    `params` names the query parameters the view reads. Any other (a tracking tag, a
    cache-buster) is redirected away before the cache is consulted, so the cache holds one
    entry per page the site really has, and a flood of made-up parameters costs a redirect
    each, never a render or a cache entry.
    """
    if view is None:
        return functools.partial(
            public_view, params=params, scope=scope, last_modified=last_modified
        )
    known = frozenset(params)

    def etag(request, *args, **kwargs):
        if not hasattr(request, "tracker_etag"):
            version = scope(request, *args, **kwargs)
            parts = [version, *representation(), _variant(request)]
            request.tracker_etag = '"' + "-".join(parts) + '"'
        return request.tracker_etag

    conditional_view = condition(etag_func=etag, last_modified_func=last_modified)(view)

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        token = _public_request.set(request)
        try:
            return answer(request, *args, **kwargs)
        finally:
            _public_request.reset(token)

    def answer(request, *args, **kwargs):
        if not _shared(request):
            response = view(request, *args, **kwargs)
            patch_cache_control(response, private=True, no_cache=True)
            patch_vary_headers(response, ["HX-Request", "Cookie"])
            return response
        if any(name not in known for name in request.GET):
            kept = [(k, v) for k, values in request.GET.lists() if k in known for v in values]
            query = f"?{urlencode(kept)}" if kept else ""
            return HttpResponsePermanentRedirect(request.path + query)
        current = etag(request, *args, **kwargs)
        key = _cache_key(request)
        claim = None
        if (kept := cache.get(key)) is not None:
            kept_etag, rendered_at, response = kept
            if kept_etag == current:
                modified = int(last_modified(request, *args, **kwargs).timestamp())
                return _answer_from(request, response, modified)
            if time.time() - rendered_at <= settings.TRACKER_STALE_SECONDS:
                claim = f"rendering:{key}:{current}"
                if not cache.add(claim, 1, RENDER_SECONDS):
                    # Another request is rendering this version: the copy before will do.
                    return _answer_from(request, response)
        try:
            return render(request, key, current, *args, **kwargs)
        finally:
            if claim:
                cache.delete(claim)

    def render(request, key, current, *args, **kwargs):
        response = conditional_view(request, *args, **kwargs)
        patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
        patch_vary_headers(response, ["HX-Request", "Cookie"])
        if response.status_code == 200:
            response.headers["Last-Modified"] = http_date(
                last_modified(request, *args, **kwargs).timestamp()
            )
            if not response.streaming:
                # One chunk: a feed is written in thousands of small pieces, slow to unpickle.
                response.content = response.content
                cache.set(key, (current, time.time(), response), PAGE_CACHE_SECONDS)
        return response

    return require_safe(wrapper)
