"""The JSON API: every endpoint's real responses match the OpenAPI document; nothing hidden."""

import json

import openapi_spec_validator
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openapi_core import OpenAPI
from openapi_core.exceptions import OpenAPIError
from openapi_core.testing import MockRequest, MockResponse

from tests.factories import PledgeFactory
from tests.public_record import LEAK_MARKERS, body, build_record
from tracker.models import Pledge, ReviewState, Status, StatusUpdate

pytestmark = pytest.mark.django_db


@pytest.fixture
def spec(client):
    return OpenAPI.from_dict(client.get("/api/openapi.json").json())


def urls(record):
    """Each documented path, with the real addresses that exercise it."""
    return {
        "/api/pledges.json": [
            "/api/pledges.json",
            "/api/pledges.json?counterpart=asean&status=not_yet_rated&page=1",
            # Each other filter of /pledges/, so each documented parameter is exercised.
            "/api/pledges.json?q=aid&topic=development-aid",
            "/api/pledges.json?statement=economic-security-talks&year=2025",
            "/api/pledges.json?speaker=cho-hyun-minister-of-foreign-affairs",
            "/api/pledges.json?overdue=1",
        ],
        "/api/pledges/{slug}.json": [
            f"/api/pledges/{record.aid.slug}.json",  # updates, evidence, a restatement
            f"/api/pledges/{record.dialogue.slug}.json",  # a statement with no date
            f"/api/pledges/{record.trees.slug}.json",
        ],
        "/api/statements.json": ["/api/statements.json", "/api/statements.json?page=1"],
        "/api/counterparts.json": ["/api/counterparts.json", "/api/counterparts.json?page=1"],
        "/api/topics.json": ["/api/topics.json", "/api/topics.json?page=1"],
    }


def all_urls(record):
    return [url for group in urls(record).values() for url in group]


def checked(client, spec, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    # The plain request and response (Django's adapter reads the route, which drops the
    # ".json" after a path parameter).
    path, _, query = url.partition("?")
    request = MockRequest(
        "http://testserver", "get", path, args=dict(response.wsgi_request.GET.items())
    )
    spec.validate_response(
        request,
        MockResponse(
            response.content,
            status_code=response.status_code,
            content_type=response["Content-Type"],
        ),
    )
    return response


def test_every_documented_endpoint_answers_as_documented(client, spec, record):
    documented = client.get("/api/openapi.json").json()["paths"]
    assert set(documented) == set(urls(record))
    for url in all_urls(record):
        checked(client, spec, url)
    # Errors are documented too, and answer as documented.
    for url in [
        "/api/statements.json?page=99",
        "/api/counterparts.json?page=0",
        "/api/topics.json?page=x",
        "/api/pledges.json?status=nonsense",
        "/api/pledges.json?year=twenty&counterpart=nosuch",
        "/api/pledges.json?page=99",
    ]:
        checked(client, spec, url, status=400)
    for slug in ["draft-pledge", "pledge-of-hidden-statement", "nosuch"]:
        checked(client, spec, f"/api/pledges/{slug}.json", status=404)


def test_every_documented_parameter_is_exercised_above(client, record):
    """So no documented filter escapes the validation of its real responses."""
    documented = client.get("/api/openapi.json").json()["paths"]
    for path, exercised in urls(record).items():
        names = {p["name"] for p in documented[path]["get"].get("parameters", [])}
        used = {
            pair.split("=")[0] for url in exercised for pair in url.partition("?")[2].split("&")
        }
        assert names - {"slug"} <= used, path


def test_a_response_that_drifts_from_the_document_fails_validation(client, spec, record):
    """A field added to (or dropped from) a response without the document is caught."""
    real = client.get("/api/counterparts.json").json()
    request = MockRequest("http://testserver", "get", "/api/counterparts.json")

    def validate(data):
        response = MockResponse(json.dumps(data).encode(), content_type="application/json")
        spec.validate_response(request, response)

    validate(real)
    added = {**real, "results": [{**real["results"][0], "population": 1}]}
    dropped = {**real, "results": [{k: v for k, v in real["results"][0].items() if k != "kind"}]}
    for drifted in (added, dropped):
        with pytest.raises(OpenAPIError):
            validate(drifted)


def test_a_pledge_comes_with_its_whole_public_history(client, record):
    data = client.get(f"/api/pledges/{record.aid.slug}.json").json()
    assert data["quote"] == record.aid.quote
    public_updates = list(record.aid.updates.order_by("-as_of", "-created_at", "-pk"))
    assert [u["as_of"] for u in data["history"]] == [u.as_of.isoformat() for u in public_updates]
    assert data["history"][0]["status"] == data["status"]
    assert any(u["evidence"] for u in data["history"])
    assert [r["slug"] for r in data["restatements"]] == ["economic-security-talks"]
    # A restatement in an unpublished statement is not listed.
    trees = client.get(f"/api/pledges/{record.trees.slug}.json").json()
    assert trees["restatements"] == []


def test_lists_hold_what_the_pages_hold(client, record):
    statements = client.get("/api/statements.json").json()
    assert {s["slug"] for s in statements["results"]} == {
        "korea-asean-forum",
        "economic-security-talks",
    }
    forum = next(s for s in statements["results"] if s["slug"] == "korea-asean-forum")
    assert forum["pledge_count"] == 4  # the draft pledge is not counted
    counterparts = client.get("/api/counterparts.json").json()["results"]
    assert {c["slug"]: c["pledge_count"] for c in counterparts} == {"asean": 2, "japan": 2}
    topics = client.get("/api/topics.json").json()["results"]
    assert {t["slug"] for t in topics} == {"development-aid", "climate"}


def test_pages_link_to_each_other(client, spec):
    PledgeFactory.create_batch(101)
    first = checked(client, spec, "/api/pledges.json?status=not_yet_rated").json()
    assert first["count"] == 101 and len(first["results"]) == 100
    assert first["next"] == "http://testserver/api/pledges.json?status=not_yet_rated&page=2"
    second = checked(client, spec, first["next"].removeprefix("http://testserver")).json()
    assert len(second["results"]) == 1 and second["previous"]


def test_nothing_unpublished_or_internal_in_any_endpoint(client, record):
    for url in [*all_urls(record), "/api/openapi.json", "/en/api/"]:
        text = body(client.get(url))
        found = [m for m in LEAK_MARKERS if m.lower() in text.lower()]
        assert not found, f"{url} shows {found}"
    for slug in ["draft-pledge", "pledge-of-hidden-statement"]:
        assert client.get(f"/api/pledges/{slug}.json").status_code == 404


def test_the_api_page_describes_every_endpoint_and_field(client):
    html = body(client.get("/en/api/"))
    document = client.get("/api/openapi.json").json()
    for path in document["paths"]:
        assert f"<code>GET {path}</code>" in html
    assert "<code>history[].evidence[].url</code>" in html
    assert 'href="/api/openapi.json"' in html


def test_query_counts_do_not_grow_with_the_record(client, django_assert_max_num_queries):
    record = build_record()

    # Rendered afresh with nothing cached: the pledge list also builds its filter choices
    # (6 queries) and reads its rows' versions, and a statement filter looks its statement
    # up (as /pledges/?statement= does); one pledge reads its own version.
    def budget(url):
        if url.startswith("/api/pledges.json"):
            return 14 if "statement=" in url else 13
        return 11 if "/pledges/" in url else 9

    budgets = {url: budget(url) for url in all_urls(record)}

    def counts():
        result = {}
        for url in budgets:
            cache.clear()  # rendered afresh: rows another page produced would be cached
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200, url
            result[url] = len(queries)
        return result

    small = counts()
    call_command("seed_bulk", scale="S", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Pledge.objects.public().count() > 150
    # The busiest pledge, with the most updates and evidence, costs what a quiet one does.
    busy = Pledge.objects.public().filter(updates__evidence__isnull=False).order_by("-version")
    busy_url = f"/api/pledges/{busy.first().slug}.json"
    assert counts() == small
    for url, most in {**budgets, busy_url: 11}.items():
        cache.clear()
        with django_assert_max_num_queries(most, info=url):
            client.get(url)


def test_the_document_is_a_valid_openapi_3_1_document_a_client_generator_can_read(client):
    document = client.get("/api/openapi.json").json()
    openapi_spec_validator.validate(document)  # raises on an invalid document
    assert document["openapi"] == "3.1.0"
    operations = [op["operationId"] for path in document["paths"].values() for op in path.values()]
    assert len(operations) == len(set(operations)) == 5  # each named once, for generated methods
    broken = {**document, "paths": {"/api/x.json": {"get": {"responses": {"200": {}}}}}}
    with pytest.raises(openapi_spec_validator.validation.exceptions.OpenAPIValidationError):
        openapi_spec_validator.validate(broken)


def test_the_document_is_json_with_a_server(client):
    document = json.loads(body(client.get("/api/openapi.json")))
    assert document["openapi"].startswith("3.")
    assert document["servers"] == [{"url": "http://testserver"}]


def test_an_unapproved_status_update_is_not_in_the_api(client, record):
    StatusUpdate.objects.create(
        pledge=record.aid,
        status=Status.BROKEN,
        as_of=timezone.localdate(),
        public_note="UNAPPROVED UPDATE NOTE",
        review_state=ReviewState.PROPOSED,
    )
    data = client.get(f"/api/pledges/{record.aid.slug}.json").json()
    assert "UNAPPROVED" not in json.dumps(data)
    assert data["history"][0]["status"] == data["status"] != Status.BROKEN
