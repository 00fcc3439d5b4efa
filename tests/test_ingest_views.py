"""The ingest screen: each step, the wrong user and method, htmx, and every bad input."""

import io
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse, reverse_lazy

from tests.factories import (
    CounterpartFactory,
    PersonFactory,
    PledgeFactory,
    StatementFactory,
    UserFactory,
    blank_pdf,
)
from tracker.models import CounterpartAlias, Pledge, Restatement, Statement, SuggestionReview

URL = reverse_lazy("staff:statement_new")
SEED_004 = (Path(__file__).parent / "data" / "seeds" / "004_73bb6c3186199ea4.txt").read_text()
SPEECH = """Ministry of Foreign Affairs
Home
Keynote on Mongolia Partnership (September 1, 2025)

Korea and Mongolia have been friends for three decades, and our ties are deep.

This October, Korea will host the Mongolia Forum in Seoul, where we will propose a joint fund.

The two countries must seek a path towards closer ties.

Observers will watch for what follows.

Copyright 2025. All rights reserved.
"""

pytestmark = pytest.mark.django_db


@pytest.fixture
def names(db):
    mongolia = CounterpartFactory(name="Mongolia")
    CounterpartAlias.objects.create(counterpart=mongolia, alias="Ulaanbaatar")
    return {"mongolia": mongolia, "person": PersonFactory(name="Cho Tae-yul")}


def statement_data(response):
    """The statement step's fields as the browser would send them back."""
    data = {"step": "statement"}
    for field in response.context["form"]:
        value = field.value()
        data[field.html_name] = "" if value is None else value
    return data


def review_data(response, decisions, **changes):
    """The review step's fields with a decision on each suggestion."""
    data = {"step": "review"}
    form = response.context["form"]
    for name, value in form.cleaned_data.items():
        if name == "date":
            value = str(value) if value else ""
        elif name == "speakers":
            value = [p.pk for p in value]
        data[name] = value
    formset = response.context["suggestion_forms"]
    data.update(
        {
            "s-TOTAL_FORMS": formset.total_form_count(),
            "s-INITIAL_FORMS": 0,
            "a-TOTAL_FORMS": 1,
            "a-INITIAL_FORMS": 0,
        }
    )
    for i, sform in enumerate(formset):
        for name in sform.fields:
            value = sform.initial.get(name)
            if name in ("counterparts", "topics"):
                data[f"s-{i}-{name}"] = value or []
            else:
                data[f"s-{i}-{name}"] = "" if value is None else value
        data[f"s-{i}-decision"] = decisions[i]
    for key, value in changes.items():
        data[key] = value
    return data


def to_review(client, text=SPEECH):
    response = client.post(URL, {"step": "source", "text": text})
    assert response.status_code == 200, response.content.decode()[:2000]
    response = client.post(URL, statement_data(response))
    assert response.status_code == 200
    return response


def test_curator_sees_the_source_form(curator_client):
    response = curator_client.get(URL)
    assert response.status_code == 200
    assert b'name="text"' in response.content and b'type="file"' in response.content


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/en/accounts/login/" in response["Location"]


def test_editor_without_the_curators_permission_is_refused(editor_client):
    assert editor_client.get(URL).status_code == 403
    assert editor_client.post(URL, {"step": "source", "text": SPEECH}).status_code == 403


def test_wrong_method_is_refused(curator_client):
    assert curator_client.put(URL).status_code == 405


def test_pasted_page_is_cleaned_and_its_metadata_suggested(curator_client, names):
    response = curator_client.post(URL, {"step": "source", "text": SPEECH})
    form = response.context["form"]
    assert form.initial["title"] == "Keynote on Mongolia Partnership (September 1, 2025)"
    assert form.initial["date"] == "1 September 2025"
    assert form.initial["kind"] == "speech"
    assert "Copyright" not in form.initial["text"] and "Home" not in form.initial["text"]
    assert b"removed" in response.content


def test_htmx_gets_only_the_step(curator_client, names):
    response = curator_client.post(
        URL, {"step": "source", "text": SPEECH}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="ingest-step"') and "<html" not in body


def test_review_shows_the_text_with_highlighted_suggestions(curator_client, names):
    response = to_review(curator_client)
    quotes = [s.quote for _, s in response.context["rows"]]
    assert quotes == [
        "This October, Korea will host the Mongolia Forum in Seoul, where we will propose a "
        "joint fund."
    ]
    assert b'<mark id="mark-0" class="suggested"' in response.content
    (sform, suggestion) = response.context["rows"][0]
    assert sform.initial["target"] == "October 2025"
    assert [c.name for c in suggestion.counterparts] == ["Mongolia"]


def test_saving_keeps_every_decision_and_nothing_is_published(curator_client, names, curator):
    response = to_review(curator_client)
    selection = "The two countries must seek a path towards closer ties."
    data = review_data(
        response,
        ["accept"],
        **{
            "s-0-title": "Host the Mongolia Forum",
            "a-0-quote": selection,
            "a-0-title": "Seek closer ties",
            "a-0-specificity": "aspirational",
        },
    )
    response = curator_client.post(URL, data)
    assert response.status_code == 201, response.content.decode()[:3000]
    statement = Statement.objects.get()
    assert not statement.is_published
    assert statement.date_precision == "day"
    pledges = list(statement.pledges.order_by("pk"))
    assert [p.title for p in pledges] == ["Host the Mongolia Forum", "Seek closer ties"]
    assert all(p.quote in statement.text and not p.is_published for p in pledges)
    assert pledges[0].target_precision == "month"
    assert [c.name for c in pledges[0].counterparts.all()] == ["Mongolia"]
    decisions = list(SuggestionReview.objects.values_list("decision", "reviewer"))
    assert decisions == [("edited", curator.pk), ("added", curator.pk)]


def test_rejections_are_kept(curator_client, names):
    response = to_review(curator_client)
    response = curator_client.post(URL, review_data(response, ["reject"]))
    assert response.status_code == 201
    assert Pledge.objects.count() == 0
    review = SuggestionReview.objects.get()
    assert review.decision == "rejected" and review.confidence > 0 and review.reasons


def test_a_restatement_links_the_existing_pledge(curator_client, names):
    earlier = StatementFactory(text="Intro.\n\nKorea will host the Mongolia Forum in Seoul.")
    pledge = PledgeFactory(statement=earlier, title="Host the Mongolia Forum")
    response = to_review(curator_client)
    (sform, suggestion) = response.context["rows"][0]
    assert [m.candidate.pk for m in suggestion.restates] == [pledge.pk]
    response = curator_client.post(URL, review_data(response, ["restatement"]))
    assert response.status_code == 201
    restatement = Restatement.objects.get()
    assert restatement.pledge == pledge and restatement.statement.title.startswith("Keynote")
    assert SuggestionReview.objects.get().decision == "restatement"


def test_an_undecided_suggestion_saves_nothing(curator_client, names):
    response = to_review(curator_client)
    response = curator_client.post(URL, review_data(response, [""]))
    assert response.status_code == 422
    assert b"Accept, reject or mark" in response.content
    assert Statement.objects.count() == 0 and SuggestionReview.objects.count() == 0


def test_a_quote_not_in_the_text_saves_nothing(curator_client, names):
    response = to_review(curator_client)
    data = review_data(
        response,
        ["accept"],
        **{
            "a-0-quote": "We will build a moon base.",
            "a-0-title": "Moon",
            "a-0-specificity": "concrete",
        },
    )
    response = curator_client.post(URL, data)
    assert response.status_code == 422
    assert "not word for word in the text" in response.content.decode()
    assert Statement.objects.count() == 0 and Pledge.objects.count() == 0


def test_a_span_outside_the_text_saves_nothing(curator_client, names):
    response = to_review(curator_client)
    response = curator_client.post(URL, review_data(response, ["accept"], **{"s-0-end": 10**6}))
    assert response.status_code == 422
    assert Statement.objects.count() == 0


def test_publishing_puts_statement_and_pledges_on_the_public_site(curator_client, names, client):
    response = to_review(curator_client)
    curator_client.post(URL, review_data(response, ["accept"]))
    statement = Statement.objects.get()
    response = curator_client.post(URL, {"step": "publish", "statement": statement.pk})
    assert response.status_code == 200 and b"Published" in response.content
    public = client.get(statement.get_absolute_url())
    assert public.status_code == 200
    assert b"<mark" in public.content and b"Mongolia Forum" in public.content


@pytest.mark.parametrize("pk", ["", "abc", "999999"])
def test_publishing_an_unknown_statement_is_a_404(curator_client, pk):
    assert curator_client.post(URL, {"step": "publish", "statement": pk}).status_code == 404


def test_publishing_needs_the_change_permission(client, names):
    user = UserFactory(username="adder")
    user.user_permissions.add(Permission.objects.get(codename="add_statement"))
    client.force_login(user)
    statement = StatementFactory(is_published=False)
    assert client.post(URL, {"step": "publish", "statement": statement.pk}).status_code == 403
    statement.refresh_from_db()
    assert not statement.is_published


# Bad input: a clear message, a 4xx, nothing saved.


@pytest.mark.parametrize("text", ["", "   \n\n\t "])
def test_empty_text_gets_a_message(curator_client, text):
    response = curator_client.post(URL, {"step": "source", "text": text})
    assert response.status_code == 422
    assert "The text is empty" in response.content.decode()


def test_binary_junk_gets_a_message(curator_client):
    junk = io.BytesIO(bytes(range(256)) * 50)
    junk.name = "junk.txt"
    response = curator_client.post(URL, {"step": "source", "file": junk})
    assert response.status_code == 422
    assert "binary" in response.content.decode()


def test_a_ten_megabyte_paste_gets_a_message_and_saves_nothing(curator_client):
    response = curator_client.post(URL, {"step": "source", "text": "We will act. " * 800_000})
    assert response.status_code == 413
    assert "Too much data" in response.content.decode()
    assert Statement.objects.count() == 0


def _pdf(password=None):
    upload = io.BytesIO(blank_pdf(password))
    upload.name = "statement.pdf"
    return upload


def test_encrypted_pdf_gets_a_message(curator_client):
    response = curator_client.post(URL, {"step": "source", "file": _pdf("secret")})
    assert response.status_code == 422
    assert "encrypted" in response.content.decode()


def test_image_only_pdf_gets_a_message(curator_client):
    response = curator_client.post(URL, {"step": "source", "file": _pdf()})
    assert response.status_code == 422
    assert "no text layer" in response.content.decode()


def test_html_full_of_scripts_is_never_rendered_unescaped(curator_client, names):
    html = (
        "<html><body><script>alert('x')</script><article>"
        "<p>We will open a consulate in Ulaanbaatar next year, the minister said today.</p>"
        "<p>Our ties with Mongolia &lt;script&gt;alert(1)&lt;/script&gt; go back decades.</p>"
        "<p><img src=x onerror=alert(2)>Trade has grown steadily over the past ten years.</p>"
        "</article></body></html>"
    )
    response = curator_client.post(URL, {"step": "source", "text": html})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<script>alert" not in body and "onerror=alert" not in body
    response = curator_client.post(URL, statement_data(response))
    body = response.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<script>alert(1)" not in body


def test_a_date_the_parser_cannot_read_gets_a_message(curator_client, names):
    response = curator_client.post(URL, {"step": "source", "text": SPEECH})
    data = statement_data(response)
    data["date"] = "the day after the summit"
    response = curator_client.post(URL, data)
    assert response.status_code == 422
    assert "is not a date we can read" in response.content.decode()
    assert Statement.objects.count() == 0


def test_an_unreadable_target_date_gets_a_message(curator_client, names):
    response = to_review(curator_client)
    response = curator_client.post(URL, review_data(response, ["accept"], **{"s-0-target": "soon"}))
    assert response.status_code == 422
    assert "is not a date we can read" in response.content.decode()
    assert Statement.objects.count() == 0


def test_the_same_document_twice_is_caught_and_linked(curator_client):
    existing = StatementFactory(
        title="Outcome of the forum",
        text=SEED_004.split("Outcome of ROK-Japan New Cooperation Vision Forum\n\n\n", 1)[
            1
        ].strip(),
    )
    response = curator_client.post(URL, {"step": "source", "text": SEED_004})
    assert response.status_code == 422
    body = response.content.decode()
    assert "already in the tracker" in body
    assert reverse("admin:tracker_statement_change", args=[existing.pk]) in body
    # Going on anyway (or a second curator saving first) is refused too.
    response = curator_client.post(URL, statement_data(response))
    assert response.status_code == 422
    assert Statement.objects.count() == 1


def test_an_unknown_step_is_a_bad_request(curator_client):
    assert curator_client.post(URL, {"step": "delete-everything"}).status_code == 400


def _review_queries(client):
    response = client.post(URL, {"step": "source", "text": SPEECH})
    data = statement_data(response)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(URL, data)
    assert response.status_code == 200
    return len(queries)


def test_the_review_page_runs_as_many_queries_whatever_the_size_of_the_record(
    curator_client, names
):
    small = _review_queries(curator_client)
    for n in range(30):
        CounterpartFactory()
        PledgeFactory(title=f"Forum {n}", counterparts=[names["mongolia"]])
    large = _review_queries(curator_client)
    assert large == small
    assert small <= 20
