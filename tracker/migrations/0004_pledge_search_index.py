"""A GIN index for full-text search on PostgreSQL (SQLite searches with LIKE instead).

The index expression is the one PledgeQuerySet.search() builds, compiled by Django
itself, so the planner can use it. It is not in the model's Meta because SQLite has no
GIN indexes.
"""

from django.db import migrations

INDEX_NAME = "pledge_search_gin"


def search_index(apps):
    from django.contrib.postgres.indexes import GinIndex

    from tracker.models import SEARCH_VECTOR

    return GinIndex(SEARCH_VECTOR, name=INDEX_NAME)


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("tracker", "Pledge"), search_index(apps))


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("tracker", "Pledge"), search_index(apps))


class Migration(migrations.Migration):
    dependencies = [("tracker", "0003_revision")]

    operations = [migrations.RunPython(add_index, remove_index)]
