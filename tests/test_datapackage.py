"""/data/: the whole public record as a Frictionless data package, valid and leak-free."""

import csv
import io
import json
import zipfile

import frictionless
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from tests.factories import published_update
from tests.public_record import LEAK_MARKERS, body, build_record
from tracker import export_files, tasks
from tracker.datapackage import DESCRIPTOR, TABLES, ZIP_NAME
from tracker.models import Evidence, Pledge, ReviewState, Status, StatusUpdate

pytestmark = pytest.mark.django_db


def unzip(client):
    response = client.get(f"/data/{ZIP_NAME}")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    return {name.split("/", 1)[1]: archive.read(name).decode() for name in archive.namelist()}


def rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_the_package_is_valid_and_every_foreign_key_resolves(client, record, tmp_path):
    files = unzip(client)
    assert set(files) == {DESCRIPTOR, *(t.path for t in TABLES)}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    report = frictionless.validate(tmp_path / DESCRIPTOR)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])

    # frictionless checks foreign keys too; this says so in plain terms, key by key.
    descriptor = json.loads(files[DESCRIPTOR])
    tables = {r["name"]: rows(files[r["path"]]) for r in descriptor["resources"]}
    checked = 0
    for resource in descriptor["resources"]:
        for fk in resource["schema"]["foreignKeys"]:
            target = fk["reference"]
            known = {row[target["fields"]] for row in tables[target["resource"]]}
            for row in tables[resource["name"]]:
                if value := row[fk["fields"]]:
                    assert value in known, (resource["name"], fk["fields"], value)
                    checked += 1
    assert checked > 20
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    assert descriptor["sources"]


def test_the_package_holds_the_public_record(client, record):
    files = unzip(client)
    pledges = {row["slug"]: row for row in rows(files["pledges.csv"])}
    assert set(pledges) == set(Pledge.objects.public().values_list("slug", flat=True))
    aid = pledges["double-aid-to-asean"]
    assert aid["quote"] == "We will double our aid to ASEAN by 2027"
    assert aid["statement"] == "korea-asean-forum"
    assert aid["target_date"] == "2027-01-01" and aid["target_precision"] == "year"
    # Text is kept as written: no spreadsheet apostrophe in a data package, Korean intact.
    assert pledges["keep-our-word"]["quote"] == "=SUM(A1) we will keep our word."
    assert "경제 협력" in pledges["korea-asean-centre"]["title"]

    updates = rows(files["status_updates.csv"])
    history = [u for u in updates if u["pledge"] == "double-aid-to-asean"]
    assert history and all(u["status"] in Status.values for u in history)
    assert (
        pledges["double-aid-to-asean"]["status"] == max(history, key=lambda u: u["as_of"])["status"]
    )
    evidence = rows(files["evidence.csv"])
    assert evidence and {e["status_update"] for e in evidence} <= {u["id"] for u in updates}
    restated = rows(files["restatements.csv"])
    assert [(r["pledge"], r["statement"]) for r in restated] == [
        ("double-aid-to-asean", "economic-security-talks")
    ]
    links = {(r["pledge"], r["counterpart"]) for r in rows(files["pledge_counterparts.csv"])}
    assert ("double-aid-to-asean", "asean") in links
    assert {r["slug"] for r in rows(files["topics.csv"])} == {"development-aid", "climate"}


def test_nothing_unpublished_or_internal_is_in_any_file(client, record):
    files = unzip(client)
    for name, text in files.items():
        found = [m for m in LEAK_MARKERS if m.lower() in text.lower()]
        assert not found, f"{name} holds {found}"
    # No column could carry an internal note, whatever its content.
    header = {
        field["name"]
        for r in json.loads(files[DESCRIPTOR])["resources"]
        for field in r["schema"]["fields"]
    }
    assert not {"internal_note", "author", "is_published"} & header


def test_files_are_built_once_per_revision_and_carry_an_etag(client, record):
    first = client.get("/data/pledges.csv")
    etag = first["ETag"]
    assert etag and first["Content-Type"].startswith("text/csv")
    assert client.get("/data/pledges.csv", headers={"if-none-match": etag}).status_code == 304
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/data/pledges.csv")
        body(again)
    # Only the revision (read for the cache key and for Last-Modified, as /pledges.csv
    # does with the memo off): no row is read, the files are not built again.
    assert all("tracker_revision" in q["sql"] for q in queries.captured_queries)
    assert again["ETag"] == etag

    # A new status is in the download once the background build of the new revision is
    # done (tests/test_export_files.py); until then the files before it are served.
    trees = record.trees
    new = Status.BROKEN if trees.status != Status.BROKEN else Status.ACHIEVED
    published_update(
        trees, status=new, as_of=timezone.localdate(), public_note="Noted.", author=None
    )
    assert client.get("/data/pledges.csv", headers={"if-none-match": etag}).status_code == 304
    tasks.build_exports.call()
    changed = client.get("/data/pledges.csv", headers={"if-none-match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag
    row = next(r for r in rows(body(changed)) if r["slug"] == trees.slug)
    assert row["status"] == new


def test_an_unknown_file_is_a_404(client, record):
    assert client.get("/data/secrets.csv").status_code == 404
    assert client.get("/data/..%2Fpledges.csv").status_code == 404


def test_the_page_gives_the_dictionary_and_the_download(client, record):
    html = body(client.get("/en/data/"))
    assert f'href="/data/{ZIP_NAME}"' in html
    for table in TABLES:
        assert f'href="/data/{table.path}"' in html
        for column in table.columns:
            assert escape(column.description) in html, column.name


def test_query_counts_do_not_grow_with_the_record(client, django_assert_max_num_queries):
    build_record()
    urls = ["/en/data/", f"/data/{DESCRIPTOR}", "/data/pledges.csv", f"/data/{ZIP_NAME}"]

    def counts():
        result = {}
        for url in urls:
            export_files.build()  # as the background task does after a write
            cache.clear()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
                b"".join(response.streaming_content) if response.streaming else response.content
            result[url] = len(queries)
        return result

    small = counts()
    call_command("seed_bulk", scale="S", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert counts() == small
    for url in urls:
        with django_assert_max_num_queries(13):
            client.get(url)


@pytest.mark.parametrize("state", [ReviewState.PROPOSED, ReviewState.RETURNED])
def test_an_unapproved_status_update_is_not_in_the_package(client, record, state):
    update = StatusUpdate.objects.create(
        pledge=record.aid,
        status=Status.BROKEN,
        as_of=timezone.localdate(),
        public_note="UNAPPROVED UPDATE NOTE",
        review_state=state,
    )
    Evidence.objects.create(update=update, url="https://example.org/unapproved", title="UNAPPROVED")
    files = unzip(client)
    for name, text in files.items():
        assert "UNAPPROVED" not in text, name
    assert str(update.pk) not in {r["id"] for r in rows(files["status_updates.csv"])}


# Licence and sources ----------------------------------------------------------------------

# Written out, not read from the code: the licence must be the same wherever it is published.
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/"


def test_the_licence_is_the_same_everywhere_it_is_published(client, record):
    descriptor = json.loads(unzip(client)[DESCRIPTOR])
    assert descriptor["licenses"] == [
        {
            "name": "CC-BY-4.0",
            "path": LICENCE_URL,
            "title": "Creative Commons Attribution 4.0 International",
        }
    ]
    assert "not ours to licence" in descriptor["description"]
    info = client.get("/api/openapi.json").json()["info"]
    assert info["license"] == {
        "name": "Creative Commons Attribution 4.0 International",
        "identifier": "CC-BY-4.0",
    }
    for page in ("/en/data/", "/en/about/"):
        html = body(client.get(page))
        assert f'<a href="{LICENCE_URL}" rel="license">' in html, page
        assert "<code>CC-BY-4.0</code>" in html, page
        assert "crediting “Korea Pledge Tracker”" in html, page
        assert "not ours to licence" in html, page
    assert '<a href="/en/about/#licence">Creative Commons' in body(client.get("/en/api/"))


def test_the_licence_reads_in_korean_on_the_korean_pages(client, record):
    title = "크리에이티브 커먼즈 저작자표시 4.0 국제"
    for page in ("/ko/data/", "/ko/about/"):
        html = body(client.get(page))
        assert f'<a href="{LICENCE_URL}" rel="license">{title}</a>' in html, page
        assert "<code>CC-BY-4.0</code>" in html, page
        assert "not ours to licence" not in html, page
    assert '<a href="/ko/about/#licence">크리에이티브 커먼즈' in body(client.get("/ko/api/"))


def test_every_published_statement_is_a_source_with_its_publisher(client, record):
    sources = json.loads(unzip(client)[DESCRIPTOR])["sources"]
    by_statement = {s["statement"]: s for s in sources if "statement" in s}
    assert set(by_statement) == {"korea-asean-forum", "economic-security-talks"}
    assert by_statement["korea-asean-forum"] == {
        "title": "Ministry of Foreign Affairs: Keynote at the Korea–ASEAN forum",
        "statement": "korea-asean-forum",
        "path": "https://www.mofa.go.kr/eng/example",
    }
    # No address on record, none given.
    assert "path" not in by_statement["economic-security-talks"]


def test_the_seed_documents_are_the_sources_with_no_address_made_up(client, db):
    call_command("loaddata", "tracker", verbosity=0)
    sources = json.loads(unzip(client)[DESCRIPTOR])["sources"]
    documents = [s for s in sources if "statement" in s]
    assert [s["title"].split(":", 1)[0] for s in documents] == [
        "Ministry of Foreign Affairs (외교부)",
        "AJP",
        "Publisher not named in the source",
        "The Asia Business Daily",
        "Ministry of Foreign Affairs",
    ]
    # The fixtures record no source address for the seed documents: no path is invented.
    assert not [s for s in documents if "path" in s]


def test_the_whole_record_is_one_click_from_every_page(client, record):
    for page in ("/en/", f"/en/pledges/{record.aid.slug}/", "/en/corrections/"):
        html = body(client.get(page))
        assert 'href="/en/data/">Open data</a>' in html, page
        assert 'href="/en/api/">API</a>' in html, page
    assert 'href="/ko/data/">공개 데이터</a>' in body(client.get("/ko/"))
    assert f'href="/data/{ZIP_NAME}" download>' in body(client.get("/en/data/"))
