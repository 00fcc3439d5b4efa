"""Hostile input at every form and query parameter: never a 500, never an unescaped echo.

Hypothesis throws overlong strings, control characters, NUL bytes, HTML and script,
bad dates, bad links and huge page numbers at the public pages, the JSON API, the staff
worklist, the update form and the login form.
"""

import datetime

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import CounterpartFactory, PledgeFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert('pwned')</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "'; DROP TABLE tracker_pledge; --",
    "\x00",
    "%00",
    "../../etc/passwd",
    "9" * 40,
    "-1",
    "2025-02-30",
    "99999-12-31",
    "0000-00-00",
    "\u202e\u0000\ufffe",
    "http://",
    "data:text/html,<script>alert(1)</script>",
]
DANGEROUS = ["<script>alert('pwned')</script>", "<img src=x onerror=alert(1)>"]

hostile_text = st.one_of(
    st.sampled_from(PAYLOADS),
    st.text(max_size=50),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=2000, max_size=6000),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=30),  # control characters
    st.builds(
        lambda a, p, b: a + p + b,
        st.text(max_size=10),
        st.sampled_from(PAYLOADS),
        st.text(max_size=10),
    ),
)
HYPOTHESIS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def record():
    pledge = PledgeFactory(counterparts=[CounterpartFactory()], topics=[TopicFactory()])
    PledgeFactory(statement=pledge.statement)
    return pledge


def assert_safe(response):
    assert response.status_code < 500, response.status_code
    if not getattr(response, "streaming", False):
        body = response.content.decode("utf-8", "replace")
        for dangerous in DANGEROUS:
            assert dangerous not in body, f"unescaped echo of {dangerous!r}"


FILTERS = [
    "q",
    "status",
    "counterpart",
    "topic",
    "statement",
    "speaker",
    "year",
    "overdue",
    "page",
    "sort",
    "quiet",
    "unrated",
]
params = st.dictionaries(st.sampled_from(FILTERS), hostile_text, max_size=5)


@HYPOTHESIS
@given(query=params, htmx=st.booleans())
def test_public_lists_and_api(client, record, query, htmx):
    headers = {"HX-Request": "true"} if htmx else {}
    for url in [
        "/en/pledges/",
        "/api/pledges.json",
        "/en/statements/",
        "/pledges.csv",
        record.statement.get_absolute_url(),
        record.counterparts.get().get_absolute_url(),
    ]:
        assert_safe(client.get(url, query, headers=headers))


@HYPOTHESIS
@given(slug=hostile_text)
def test_public_detail_pages_with_hostile_slugs(client, record, slug):
    for prefix in ["/en/pledges/", "/en/statements/", "/en/counterparts/", "/en/topics/"]:
        assert_safe(client.get(prefix + slug.replace("/", "") + "/"))


@HYPOTHESIS
@given(query=params)
def test_staff_worklist(client, record, query):
    client.force_login(UserFactory(username="editor", groups=["Editors"]))
    assert_safe(client.get(reverse("staff:worklist"), query))
    assert_safe(client.get(reverse("staff:worklist"), query, headers={"HX-Request": "true"}))
    history = reverse("staff:history", args=[record.pk])
    assert_safe(client.get(history, {"page": query.get("page", "")}))


@HYPOTHESIS
@given(
    status=hostile_text | st.sampled_from(["in_progress", "achieved"]),
    as_of=hostile_text | st.dates().map(datetime.date.isoformat),
    public_note=hostile_text,
    internal_note=hostile_text,
    version=hostile_text | st.integers().map(str),
    url=hostile_text,
    title=hostile_text,
    total_forms=st.sampled_from(["1", "0", "-1", "abc", "999999", ""]),
    htmx=st.booleans(),
)
def test_update_form(
    client,
    record,
    status,
    as_of,
    public_note,
    internal_note,
    version,
    url,
    title,
    total_forms,
    htmx,
):
    client.force_login(UserFactory(username="editor", groups=["Editors"]))
    prefix = f"p{record.pk}"
    data = {
        f"{prefix}-status": status,
        f"{prefix}-as_of": as_of,
        f"{prefix}-public_note": public_note,
        f"{prefix}-internal_note": internal_note,
        f"{prefix}-version": version,
        f"{prefix}-evidence-TOTAL_FORMS": total_forms,
        f"{prefix}-evidence-INITIAL_FORMS": "0",
        f"{prefix}-evidence-0-url": url,
        f"{prefix}-evidence-0-title": title,
    }
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(reverse("staff:record_update", args=[record.pk]), data, headers=headers)
    assert_safe(response)
    for saved in record.updates.prefetch_related("evidence"):
        # Whatever got through is a real web link, never javascript: or data:.
        for evidence in saved.evidence.all():
            assert evidence.url.startswith(("http://", "https://"))


@HYPOTHESIS
@given(username=hostile_text, password=hostile_text, next_url=hostile_text)
def test_login_form(client, settings, username, password, next_url):
    settings.AXES_ENABLED = False
    response = client.post(
        reverse("login") + "?next=" + next_url, {"username": username, "password": password}
    )
    assert_safe(response)


@HYPOTHESIS
@given(term=hostile_text)
def test_admin_search(client, record, term):
    client.force_login(UserFactory(username="curator", groups=["Curators"], is_staff=True))
    for name in ["admin:tracker_statement_changelist", "admin:tracker_pledge_changelist"]:
        assert_safe(client.get(reverse(name), {"q": term}))
