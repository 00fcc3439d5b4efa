"""Search in Korean: PledgeSearch, one row per pledge with what search finds it by, filled for
existing pledges; on PostgreSQL its parsed document and a GIN index on it, in place of 0004's
expression index on the pledge table.

The document is parsed here as tracker.models.SEARCH_DOCUMENT does. The index is not in the
model's Meta because SQLite has no GIN indexes.
"""

import django.db.models.deletion
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import migrations, models

from tracker.search import columns_by_pledge

OLD_INDEX = GinIndex(
    SearchVector("title", "quote", "description", config="english"), name="pledge_search_gin"
)
NEW_INDEX = GinIndex(fields=["document"], name="pledge_search_document_gin")


def compress_rows(apps, schema_editor):
    """On PostgreSQL, compress a row's texts and document once it passes 128 bytes (not 2 KB):
    a search's bitmap scan reads the heap for each match's pledge, and the heap shrinks from
    47 to 14 MB at scale L."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE tracker_pledgesearch SET (toast_tuple_target = 128)")


def fill(apps, schema_editor):
    Pledge = apps.get_model("tracker", "Pledge")
    PledgeSearch = apps.get_model("tracker", "PledgeSearch")
    published = apps.get_model("tracker", "StatusUpdate").objects.filter(review_state="approved")
    rows = columns_by_pledge(Pledge.objects.order_by(), published)
    PledgeSearch.objects.bulk_create(
        [PledgeSearch(pledge_id=pk, text=text, tokens=tokens) for pk, text, tokens in rows],
        batch_size=1000,
    )
    if schema_editor.connection.vendor == "postgresql":
        document = SearchVector("text", config="english") + SearchVector("tokens", config="simple")
        PledgeSearch.objects.update(document=document)


def swap_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("tracker", "Pledge"), OLD_INDEX)
        schema_editor.add_index(apps.get_model("tracker", "PledgeSearch"), NEW_INDEX)


def swap_back(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("tracker", "PledgeSearch"), NEW_INDEX)
        schema_editor.add_index(apps.get_model("tracker", "Pledge"), OLD_INDEX)


class Migration(migrations.Migration):
    dependencies = [("tracker", "0013_edit_history_and_corrections")]

    operations = [
        migrations.CreateModel(
            name="PledgeSearch",
            fields=[
                (
                    "pledge",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_index",
                        serialize=False,
                        to="tracker.pledge",
                    ),
                ),
                ("text", models.TextField(blank=True, default="")),
                ("tokens", models.TextField(blank=True, default="")),
                ("document", SearchVectorField(editable=False, null=True)),
            ],
        ),
        migrations.RunPython(compress_rows, migrations.RunPython.noop),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(swap_index, swap_back),
    ]
