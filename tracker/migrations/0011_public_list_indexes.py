"""Indexes for the public lists' order (EXPLAIN ANALYZE figures in the README).

The pledge index covers the lists' join and count, so they read an index, not the table.
The statement index follows the lists' order, date DESC NULLS LAST, so PostgreSQL walks it
instead of sorting every public pledge. SQLite cannot index NULLS LAST, so that one is
PostgreSQL's alone and lives outside the model state (SQLite rebuilds tables from it).
"""

from django.db import migrations, models

STATEMENT_ORDER = (
    "CREATE INDEX IF NOT EXISTS statement_public_order ON tracker_statement "
    "(date DESC NULLS LAST, title, id) WHERE is_published"
)


def create_statement_order(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(STATEMENT_ORDER)


def drop_statement_order(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS statement_public_order")


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0010_evidence_vault_and_follow"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="pledge",
            index=models.Index(
                condition=models.Q(("is_published", True)),
                fields=["statement", "id"],
                name="pledge_public_by_statement",
            ),
        ),
        migrations.RunPython(create_statement_order, drop_statement_order),
    ]
