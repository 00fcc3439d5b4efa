"""Atom feeds of status changes."""

from django.contrib.syndication.views import Feed


class StatusChangeFeed(Feed):
    title = "Pledge status changes"
    link = "/"

    def items(self):
        return []


class CounterpartFeed(StatusChangeFeed):
    def get_object(self, request, slug):
        return slug
