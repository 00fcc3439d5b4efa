"""Search on SQLite through an FTS5 index of PledgeSearch (text and tokens), in place of a
LIKE scan of every row (150-490 ms at scale L). PostgreSQL has its GIN index (0014): nothing
is done there.

An external-content table: the index stores no copy of the texts, only the words, and reads
the rows from tracker_pledgesearch. Triggers keep it in step with every write to that table,
whatever makes it: Pledge.save(), refresh_search(), seed_bulk's bulk inserts and raw
deletes, a pledge's cascading delete, loaddata, a test's flush. Code that wrote the index
itself would miss the writes that bypass it.

`porter unicode61`: English words stemmed, as PostgreSQL's `english` stems them (Porter's
stemmer, not Snowball's: the same for nearly every word); Hangul passes through both as it
is, so the tokens' pieces are indexed whole. `remove_diacritics 2`: "Türkiye" is found by
"turkiye", as on PostgreSQL it is not (a superset, harmless).

If a later migration rebuilds tracker_pledgesearch (SQLite's way to alter a column), the
triggers go with the old table: tests/test_search.py's edit tests fail then; run this
migration's `create` again.
"""

from django.db import migrations

TABLE = "tracker_pledgesearch_fts"

CREATE = [
    f"""CREATE VIRTUAL TABLE {TABLE} USING fts5(
        text, tokens,
        content='tracker_pledgesearch', content_rowid='pledge_id',
        tokenize='porter unicode61 remove_diacritics 2'
    )""",
    f"""CREATE TRIGGER {TABLE}_insert AFTER INSERT ON tracker_pledgesearch BEGIN
        INSERT INTO {TABLE} (rowid, text, tokens) VALUES (new.pledge_id, new.text, new.tokens);
    END""",
    f"""CREATE TRIGGER {TABLE}_delete AFTER DELETE ON tracker_pledgesearch BEGIN
        INSERT INTO {TABLE} ({TABLE}, rowid, text, tokens)
        VALUES ('delete', old.pledge_id, old.text, old.tokens);
    END""",
    f"""CREATE TRIGGER {TABLE}_update AFTER UPDATE ON tracker_pledgesearch BEGIN
        INSERT INTO {TABLE} ({TABLE}, rowid, text, tokens)
        VALUES ('delete', old.pledge_id, old.text, old.tokens);
        INSERT INTO {TABLE} (rowid, text, tokens) VALUES (new.pledge_id, new.text, new.tokens);
    END""",
    # The rows already there.
    f"INSERT INTO {TABLE} ({TABLE}) VALUES ('rebuild')",
]

DROP = [
    f"DROP TRIGGER IF EXISTS {TABLE}_insert",
    f"DROP TRIGGER IF EXISTS {TABLE}_delete",
    f"DROP TRIGGER IF EXISTS {TABLE}_update",
    f"DROP TABLE IF EXISTS {TABLE}",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in CREATE:
            schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("tracker", "0017_content_in_both_languages")]

    operations = [migrations.RunPython(create, drop)]
