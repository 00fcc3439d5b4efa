"""The CSV and JSON exports: complete, parseable, safe in a spreadsheet, filtered like the site."""

import csv
import io

import jsonschema
import pytest

from tests.factories import PledgeFactory, StatementFactory
from tests.public_record import body
from tracker.models import DatePrecision, Specificity, Status

pytestmark = pytest.mark.django_db

# Written out, not read from the code: dropping a column or a field from the code and its
# constant alike must fail here.
CSV_COLUMNS = [
    "slug",
    "title",
    "status",
    "status_label",
    "overdue",
    "target_date",
    "target_precision",
    "target_display",
    "statement_title",
    "statement_date",
    "statement_date_precision",
    "statement_url",
    "counterparts",
    "topics",
    "responsible_body",
    "made_by",
    "made_by_doubt",
    "statement_date_basis",
    "specificity",
    "quote",
    "last_update",
    "url",
    "untranslated",
]
JSON_FIELDS = [
    "slug",
    "url",
    "title",
    "title_ko",
    "status",
    "status_label",
    "overdue",
    "score",
    "quote",
    "description",
    "description_ko",
    "specificity",
    "target",
    "statement",
    "made_by",
    "counterparts",
    "topics",
    "responsible_body",
    "responsible_body_ko",
    "last_update",
]


# CSV


def read_csv(client):
    response = client.get("/pledges.csv")
    assert response.status_code == 200
    assert response.streaming
    raw = b"".join(response.streaming_content)
    return response, raw, list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_csv_is_a_utf8_attachment_with_a_bom(client, record):
    response, raw, _ = read_csv(client)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="pledges.csv"'
    assert raw.startswith("\ufeff".encode())


def test_csv_has_one_row_per_public_pledge_with_the_documented_columns(client, record):
    _, _, rows = read_csv(client)
    assert list(rows[0]) == CSV_COLUMNS
    assert sorted(row["slug"] for row in rows) == sorted(p.slug for p in record.public_pledges)


def test_csv_row_carries_status_dates_statement_and_links(client, record):
    _, _, rows = read_csv(client)
    trees = next(row for row in rows if row["slug"] == record.trees.slug)
    assert trees["status"] == "in_progress" and trees["status_label"] == "In progress"
    assert trees["overdue"] == "yes"
    assert trees["target_date"] == "2020-01-01" and trees["target_precision"] == "year"
    assert trees["target_display"] == "2020"
    assert trees["statement_title"] == "Keynote at the Korea–ASEAN forum"
    assert trees["statement_date"] == "2025-09-01"
    assert trees["statement_url"] == f"http://testserver/en/statements/{record.forum.slug}/"
    assert trees["counterparts"] == "Japan" and trees["topics"] == "Climate"
    assert trees["quote"] == "We will plant a million trees by 2020."
    assert trees["url"] == f"http://testserver/en/pledges/{record.trees.slug}/"
    assert trees["last_update"]
    dialogue = next(row for row in rows if row["slug"] == record.dialogue.slug)
    assert dialogue["statement_date"] == "" and dialogue["statement_date_precision"] == "unknown"


def test_csv_keeps_korean_and_curly_quotes_intact(client, record):
    _, _, rows = read_csv(client)
    centre = next(row for row in rows if row["slug"] == record.centre.slug)
    assert centre["title"] == "Open a “Korea–ASEAN centre” in Seoul, 경제 협력"
    assert centre["quote"] == "open a “Korea–ASEAN centre” in Seoul"


def test_csv_joins_several_counterparts(client, record):
    record.trees.counterparts.add(record.asean)
    _, _, rows = read_csv(client)
    trees = next(row for row in rows if row["slug"] == record.trees.slug)
    assert sorted(trees["counterparts"].split("; ")) == ["ASEAN", "Japan"]


def test_csv_defuses_formula_injection(client, record):
    _, _, rows = read_csv(client)
    formula = next(row for row in rows if row["slug"] == record.formula.slug)
    assert formula["title"] == "'=SUM(A1) keep our word"
    assert formula["quote"] == "'=SUM(A1) we will keep our word."
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@")), value


# JSON

PLEDGE_SCHEMA = {
    "type": "object",
    "required": JSON_FIELDS,
    "additionalProperties": False,
    "properties": {
        "slug": {"type": "string", "pattern": "^[-a-z0-9]+$"},
        "url": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "title_ko": {"type": ["string", "null"], "minLength": 1},
        "status": {"enum": Status.values},
        "status_label": {"enum": [label for _, label in Status.choices]},
        "overdue": {"type": "boolean"},
        "score": {"enum": [1, 0, -1, None]},
        "quote": {"type": "string", "minLength": 1},
        "description": {"type": "string"},
        "description_ko": {"type": ["string", "null"], "minLength": 1},
        "specificity": {"enum": Specificity.values},
        "target": {
            "type": "object",
            "required": ["date", "precision", "deadline", "display", "note", "basis"],
            "additionalProperties": False,
            "properties": {
                "date": {"type": ["string", "null"], "format": "date"},
                "precision": {"enum": DatePrecision.values},
                "deadline": {"type": ["string", "null"], "format": "date"},
                "display": {"type": "string"},
                "note": {"type": "string"},
                "basis": {"enum": ["stated", "inferred", None]},
            },
        },
        "statement": {
            "type": "object",
            "required": [
                "slug",
                "title",
                "title_ko",
                "language",
                "url",
                "date",
                "date_precision",
                "display_date",
                "date_note",
                "date_basis",
            ],
            "additionalProperties": False,
            "properties": {
                "slug": {"type": "string"},
                "title": {"type": "string"},
                "title_ko": {"type": ["string", "null"], "minLength": 1},
                "language": {"enum": ["ko", "en"]},
                "url": {"type": "string", "format": "uri"},
                "date": {"type": ["string", "null"], "format": "date"},
                "date_precision": {"enum": DatePrecision.values},
                "display_date": {"type": "string"},
                "date_note": {"type": "string"},
                "date_basis": {"$ref": "#/$defs/grounds"},
            },
        },
        "made_by": {
            "oneOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "required": ["key", "kind", "name", "name_ko", "office", "attribution"],
                    "additionalProperties": False,
                    "properties": {
                        "key": {"type": "string", "pattern": "^[-a-z0-9]+$"},
                        "kind": {"enum": ["person", "body"]},
                        "name": {"type": "string", "minLength": 1},
                        "name_ko": {"type": ["string", "null"], "minLength": 1},
                        "office": {"type": ["string", "null"]},
                        "attribution": {"oneOf": [{"type": "null"}, {"$ref": "#/$defs/grounds"}]},
                    },
                },
            ]
        },
        "counterparts": {"type": "array", "items": {"$ref": "#/$defs/named"}},
        "topics": {"type": "array", "items": {"$ref": "#/$defs/named"}},
        "responsible_body": {"type": ["string", "null"]},
        "responsible_body_ko": {"type": ["string", "null"], "minLength": 1},
        "last_update": {
            "oneOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "required": ["status", "as_of", "note", "note_ko"],
                    "additionalProperties": False,
                    "properties": {
                        "status": {"enum": Status.values},
                        "as_of": {"type": "string", "format": "date"},
                        "note": {"type": "string"},
                        "note_ko": {"type": ["string", "null"], "minLength": 1},
                    },
                },
            ]
        },
    },
}

RESPONSE_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["count", "next", "previous", "results"],
    "additionalProperties": False,
    "properties": {
        "count": {"type": "integer", "minimum": 0},
        "next": {"type": ["string", "null"]},
        "previous": {"type": ["string", "null"]},
        "results": {"type": "array", "items": PLEDGE_SCHEMA},
    },
    "$defs": {
        "named": {
            "type": "object",
            "required": ["slug", "name", "name_ko"],
            "additionalProperties": False,
            "properties": {
                "slug": {"type": "string"},
                "name": {"type": "string"},
                "name_ko": {"type": ["string", "null"], "minLength": 1},
            },
        },
        "grounds": {
            "type": "object",
            "required": ["basis", "note", "source", "doubt"],
            "additionalProperties": False,
            "properties": {
                "basis": {"enum": ["stated", "inferred", "other_source"]},
                "note": {"type": "string"},
                "source": {
                    "oneOf": [
                        {"type": "null"},
                        {
                            "type": "object",
                            "required": ["url", "title"],
                            "additionalProperties": False,
                            "properties": {
                                "url": {"type": "string", "format": "uri"},
                                "title": {"type": "string", "minLength": 1},
                            },
                        },
                    ]
                },
                "doubt": {"type": ["string", "null"]},
            },
        },
    },
}


def get_json(client, params=None, status=200):
    response = client.get("/api/pledges.json", params or {})
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def test_json_matches_its_schema(client, record):
    data = get_json(client)
    jsonschema.validate(
        data, RESPONSE_SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    assert data["count"] == 5 and data["next"] is None and data["previous"] is None


def test_json_pledge_carries_what_the_page_shows(client, record):
    data = get_json(client, {"status": "achieved"})
    (aid,) = data["results"]
    assert aid["slug"] == record.aid.slug
    assert aid["url"] == f"http://testserver/en/pledges/{record.aid.slug}/"
    assert aid["score"] == 1 and aid["overdue"] is False
    assert aid["target"] == {
        "date": "2027-01-01",
        "precision": "year",
        "deadline": "2027-12-31",
        "display": "2027",
        "note": "",
        "basis": "stated",
    }
    assert aid["statement"]["display_date"] == "1 September 2025"
    assert aid["statement"]["date_basis"]["basis"] == "stated"
    assert aid["made_by"] == {
        "key": "cho-hyun-minister-of-foreign-affairs",
        "kind": "person",
        "name": "Cho Hyun",
        "name_ko": None,
        "office": "Minister of Foreign Affairs",
        "attribution": {"basis": "stated", "note": "", "source": None, "doubt": None},
    }
    assert aid["counterparts"] == [{"slug": "asean", "name": "ASEAN", "name_ko": None}]
    assert aid["responsible_body"] == "Ministry of Foreign Affairs"
    assert aid["last_update"]["status"] == "achieved"
    assert "SECRET" not in str(data)


def test_json_fields_are_all_documented_on_the_about_page(client, record):
    html = body(client.get("/en/about/"))
    for name in get_json(client)["results"][0]:
        assert f"<code>{name}</code>" in html


def test_csv_columns_are_all_listed_on_the_about_page(client, record):
    html = body(client.get("/en/about/"))
    for name in CSV_COLUMNS:
        assert f"<code>{name}</code>" in html


@pytest.mark.parametrize(
    "query",
    [
        {"status": "achieved"},
        {"counterpart": "japan"},
        {"topic": "development-aid"},
        {"statement": "economic-security-talks"},
        {"speaker": "lee-mi-yeon-director-general-of-the-bilateral-economic-diplomacy-bureau"},
        {"speaker": "body-ministry-of-foreign-affairs"},
        {"year": "2025"},
        {"overdue": "1"},
        {"q": "trees"},
    ],
)
def test_json_filters_match_the_pledge_list(client, record, query):
    slugs = {p["slug"] for p in get_json(client, query)["results"]}
    html = body(client.get("/en/pledges/", query))
    listed = {p.slug for p in record.public_pledges if f'href="/en/pledges/{p.slug}/"' in html}
    assert slugs == listed and slugs


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "bogus"}, "status"),
        ({"counterpart": "hidden-counterpart"}, "counterpart"),
        ({"year": "abc"}, "year"),
        ({"statement": "no such"}, "statement"),
        ({"page": "abc"}, "page"),
        ({"page": "0"}, "page"),
        ({"page": "99999999999999999999"}, "page"),
    ],
)
def test_json_rejects_bad_parameters_with_400_naming_them(client, record, query, field):
    data = get_json(client, query, status=400)
    assert field in data["errors"]


def test_json_paginates_with_absolute_links_that_keep_the_filters(client, db):
    statement = StatementFactory()
    for _ in range(120):
        PledgeFactory(statement=statement)
    first = get_json(client, {"year": "2025"})
    assert first["count"] == 120 and len(first["results"]) == 100
    assert first["next"] == "http://testserver/api/pledges.json?year=2025&page=2"
    second = get_json(client, {"year": "2025", "page": "2"})
    assert len(second["results"]) == 20 and second["next"] is None
    assert second["previous"] == "http://testserver/api/pledges.json?year=2025&page=1"
