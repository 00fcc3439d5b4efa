"""A server-side cache for public pages, keyed on the record's revision.

Every write to the record moves the Revision (tracker.signals). A public page's ETag
names that revision and everything else the page depends on, and it is also the page's
cache key, so a write makes every cached page stale at once, in every worker: the next
request renders afresh, and old entries simply expire. With REDIS_URL the cache is
shared by all app servers; without it each process keeps its own.

The middleware sits near the top of the stack, so a cached page skips sessions, CSRF,
authentication and the view itself: one query (the revision) and one cache read.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.urls import Resolver404, resolve
from django.utils.cache import get_conditional_response

PAGE_CACHE_SECONDS = 600


def cache_publicly(view):
    """Mark a view whose GET answer is the same for every anonymous visitor."""
    view.cache_publicly = True
    return view


def _anonymous_read(request):
    """Only visitors without a session or pending messages all see the same page."""
    cookies = request.COOKIES
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in cookies
        and "messages" not in cookies
    )


class PublicPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    @staticmethod
    def _public(request):
        """Only public views are looked up: the admin, staff pages, /healthz and 404s never
        touch the cache or the revision (and so not the database) here."""
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        return getattr(match.func, "cache_publicly", False)

    def __call__(self, request):
        if not (_anonymous_read(request) and self._public(request)):
            return self.get_response(request)
        from tracker.views.public import revision_etag, revision_last_modified

        etag = revision_etag(request)
        raw = f"{etag}|{request.get_full_path()}"
        key = "page:" + hashlib.sha256(raw.encode()).hexdigest()
        response = cache.get(key)
        if response is not None:
            last_modified = int(revision_last_modified(request).timestamp())
            return get_conditional_response(
                request, etag=etag, last_modified=last_modified, response=response
            ) or response
        response = self.get_response(request)
        if (
            response.status_code == 200
            and not response.streaming
            and response.get("ETag") == etag
        ):
            # One chunk: a feed is written in thousands of small pieces, slow to unpickle.
            response.content = response.content
            cache.set(key, response, PAGE_CACHE_SECONDS)
        return response


