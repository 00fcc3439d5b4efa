"""The record as data: absolute links, and (soon) the CSV columns and the JSON fields."""

from django.conf import settings


def absolute_url(path):
    """The address of a path on this site, from the configured origin (never the Host)."""
    return settings.TRACKER_ORIGIN + path
