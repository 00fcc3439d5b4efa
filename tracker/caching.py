"""A server-side cache for public pages, keyed on the record's revision.

Every write to the record moves the Revision (tracker.signals). A public page's ETag
names that revision and everything else the page depends on, and it is also the page's
cache key, so a write makes every cached page stale at once, in every worker: the next
request renders afresh, and old entries simply expire. With REDIS_URL the cache is
shared by all app servers; without it each process keeps its own.

The middleware sits near the top of the stack, so a cached page skips sessions, CSRF,
authentication and the view itself: one cache read, plus one query for the revision on
SQLite (on PostgreSQL, RevisionWatcher below remembers it between writes).
"""

import hashlib
import logging
import os
import threading
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpResponsePermanentRedirect
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import get_conditional_response

PAGE_CACHE_SECONDS = 600
logger = logging.getLogger(__name__)


def cache_publicly(view, params=()):
    """Mark a view whose GET answer is the same for every anonymous visitor.

    `params` names the query parameters the view reads. Any other parameter (a tracking
    tag, a cache-buster) is redirected away before the cache is consulted, so the cache
    holds one entry per page the site really has, and a flood of made-up parameters
    costs a redirect each, never a render or a cache entry.
    """
    view.cache_publicly = True
    view.query_params = frozenset(params)
    return view


def anonymous_read(request):
    """Only visitors without a session or pending messages all see the same page."""
    cookies = request.COOKIES
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in cookies
        and "messages" not in cookies
    )


def per_revision(name, compute, timeout=PAGE_CACHE_SECONDS):
    """compute()'s answer for the record as it stands today, shared by every worker.

    For what many pages need and only a write can change (tallies, filter choices): a
    page rendered afresh then costs its own rows, not a pass over the whole record.
    Overdue counts depend on the date, so the day is part of the key too.
    """
    from tracker.models import Revision

    revision = Revision.current()
    moved = f"{revision.number}.{int(revision.changed_at.timestamp() * 1e6):x}"
    key = f"per-revision:{name}:{moved}:{timezone.localdate():%Y%m%d}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout)
    return value


class PublicPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def _public_view(request):
        """Only public views are looked up: the admin, staff pages, /healthz and 404s never
        touch the cache or the revision (and so not the database) here."""
        try:
            view = resolve(request.path_info).func
        except Resolver404:
            return None
        return view if getattr(view, "cache_publicly", False) else None

    def __call__(self, request):
        view = self._public_view(request) if anonymous_read(request) else None
        if view is None:
            return self.get_response(request)
        known = getattr(view, "query_params", frozenset())
        if any(name not in known for name in request.GET):
            kept = [(k, v) for k, values in request.GET.lists() if k in known for v in values]
            query = f"?{urlencode(kept)}" if kept else ""
            return HttpResponsePermanentRedirect(request.path + query)
        from tracker.views.public import revision_etag, revision_last_modified

        etag = revision_etag(request)
        raw = f"{etag}|{request.get_full_path()}"
        key = "page:" + hashlib.sha256(raw.encode()).hexdigest()
        response = cache.get(key)
        if response is not None:
            last_modified = int(revision_last_modified(request).timestamp())
            return (
                get_conditional_response(
                    request, etag=etag, last_modified=last_modified, response=response
                )
                or response
            )
        response = self.get_response(request)
        if response.status_code == 200 and not response.streaming and response.get("ETag") == etag:
            # One chunk: a feed is written in thousands of small pieces, slow to unpickle.
            response.content = response.content
            cache.set(key, response, PAGE_CACHE_SECONDS)
        return response


class RevisionWatcher:
    """On PostgreSQL, keep the record's revision in memory, dropped the moment any process
    commits a write, so a cached page is served without a single query.

    Revision.bump() sends NOTIFY in the writer's transaction; PostgreSQL delivers it at
    commit (never on rollback) to a listener thread in every worker process, which drops
    the remembered revision. Until the listener is connected and listening, and whenever
    it loses its connection, every request reads the revision from the database as before,
    so a broken listener can make pages slower, never stale.
    """

    CHANNEL = "tracker_revision"

    def __init__(self):
        self._lock = threading.Lock()
        self._pid = None
        self._listening = False
        self._generation = 0
        self._revision = None
        self._thread = None
        self._stopping = threading.Event()

    def enabled(self):
        return connection.vendor == "postgresql" and settings.TRACKER_REVISION_LISTEN

    def get(self, load):
        """The revision: remembered, or load()ed from the database and remembered."""
        if not self.enabled():
            return load()
        self._start_in_this_process()
        with self._lock:
            if self._listening and self._revision is not None:
                return self._revision
            generation = self._generation
        revision = load()
        with self._lock:
            # Not inside a transaction (it may roll back), and only if no write was
            # announced while we read.
            if (
                self._listening
                and generation == self._generation
                and not connection.in_atomic_block
            ):
                self._revision = revision
        return revision

    def invalidate(self):
        with self._lock:
            self._generation += 1
            self._revision = None

    def notify(self, cursor):
        """Announce a write to every process; delivered when the transaction commits."""
        if self.enabled():
            cursor.execute("SELECT pg_notify(%s, '')", [self.CHANNEL])
        self.invalidate()
        transaction.on_commit(self.invalidate)

    def stop(self):
        """Stop this process's listener (tests; a process about to drop its database)."""
        thread = self._thread
        if thread is not None:
            self._stopping.set()
            thread.join(timeout=5)
        with self._lock:
            self._pid = self._thread = None
            self._listening = False
            self._revision = None

    def _start_in_this_process(self):
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            # A fresh process (gunicorn forks its workers): listen on a connection of our own.
            self._pid = os.getpid()
            self._listening = False
            self._revision = None
            self._stopping = threading.Event()
        params = {
            key: value
            for key, value in connection.get_connection_params().items()
            if key not in {"cursor_factory", "context", "prepare_threshold"}
        }
        self._thread = threading.Thread(
            target=self._listen,
            args=(params, self._stopping),
            daemon=True,
            name="revision-listener",
        )
        self._thread.start()

    def _listen(self, params, stopping):
        import psycopg

        while not stopping.is_set():
            try:
                with psycopg.connect(**params, autocommit=True) as listener:
                    listener.execute(f"LISTEN {self.CHANNEL}")
                    with self._lock:
                        self._listening = True
                        self._generation += 1
                        self._revision = None
                    while not stopping.is_set():
                        for _ in listener.notifies(timeout=1.0):
                            self.invalidate()
            except psycopg.Error:
                logger.warning("revision listener lost its connection; retrying", exc_info=True)
            with self._lock:
                self._listening = False
                self._revision = None
            stopping.wait(1)


revision_watcher = RevisionWatcher()
