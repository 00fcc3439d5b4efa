"""A server-side cache for public pages, keyed on the record's revision.

Every write to the record moves the Revision (tracker.signals), and the key contains it,
so a write makes every cached page stale at once, in every worker: the next request
renders afresh. Old entries simply expire. With REDIS_URL the cache is shared by all
app servers; without it each process keeps its own.
"""

import functools
import hashlib

from django.conf import settings
from django.core.cache import cache

PAGE_CACHE_SECONDS = 600


def _anonymous(request):
    """Only visitors without a session or pending messages all see the same page."""
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def cache_on(version_func):
    """Cache a view's successful GET responses under version_func(request) and the URL."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in ("GET", "HEAD") or not _anonymous(request):
                return view(request, *args, **kwargs)
            raw = f"{version_func(request)}|{request.get_full_path()}"
            key = "page:" + hashlib.sha256(raw.encode()).hexdigest()
            response = cache.get(key)
            if response is None:
                response = view(request, *args, **kwargs)
                if response.status_code == 200 and not response.streaming:
                    if hasattr(response, "render") and callable(response.render):
                        response.render()
                    cache.set(key, response, PAGE_CACHE_SECONDS)
            return response

        return wrapper

    return decorator
