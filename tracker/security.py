"""Who is asking: the client's address behind a trusted proxy.

Behind a proxy every request arrives from the proxy's address, so REMOTE_ADDR names the
proxy, not the client. Each trusted proxy appends the address it saw to X-Forwarded-For,
so with TRACKER_TRUSTED_PROXIES = n the client is the n-th address from the right; what a
client writes into the header itself comes before that and is never believed.
"""

from django.conf import settings


def client_address(request):
    """The client's IP address (django-axes' AXES_CLIENT_IP_CALLABLE)."""
    count = settings.TRACKER_TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if count and len(hops) >= count:
        return hops[-count]
    return request.META.get("REMOTE_ADDR")
