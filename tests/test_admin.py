import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import (
    BodyFactory,
    CounterpartFactory,
    PersonFactory,
    PledgeFactory,
    SpeakerFactory,
    StatusUpdateFactory,
    SuggestionReviewFactory,
    TopicFactory,
)
from tracker.models import Correction, Pledge, Statement

pytestmark = pytest.mark.django_db


@pytest.fixture
def records():
    pledge = PledgeFactory(counterparts=[CounterpartFactory()], topics=[TopicFactory()])
    SpeakerFactory(statement=pledge.statement)
    StatusUpdateFactory(pledge=pledge)
    Correction.record(pledge, {"Title": ["a", "b"]}, reason="A typo.", author=None)
    BodyFactory()
    PersonFactory()
    SuggestionReviewFactory(statement=pledge.statement)
    return pledge


def admin_urls():
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label != "tracker":
            continue
        yield model, model_admin


@pytest.mark.parametrize("model", [m for m, _ in admin_urls()], ids=lambda m: m.__name__)
def test_every_changelist_and_change_form_answers_a_curator(curator_client, records, model):
    info = model._meta.app_label, model._meta.model_name
    changelist = curator_client.get(reverse("admin:{}_{}_changelist".format(*info)))
    assert changelist.status_code == 200
    obj = model.objects.first()
    change = curator_client.get(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
    assert change.status_code == 200
    assert str(obj) in change.content.decode()


@pytest.mark.parametrize("model", [m for m, _ in admin_urls()], ids=lambda m: m.__name__)
def test_anonymous_is_sent_to_the_admin_login(client, records, model):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_changelist_filters_answer(curator_client, records):
    url = reverse("admin:tracker_statement_changelist")
    for query in [
        "?kind__exact=speech",
        "?is_published__exact=1",
        "?pledges__status=not_yet_rated",
        f"?pledges__counterparts__id__exact={records.counterparts.get().pk}",
        "?q=bridge",
    ]:
        response = curator_client.get(url + query)
        assert response.status_code == 200, query
        assert records.statement.title in response.content.decode(), query


def test_autocomplete_finds_counterparts(curator_client):
    CounterpartFactory(name="Minerals Security Partnership")
    response = curator_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "minerals",
            "app_label": "tracker",
            "model_name": "pledge",
            "field_name": "counterparts",
        },
    )
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Minerals Security Partnership"]


def _statement_form(text, quote, **extra):
    data = {
        "title": "Keynote",
        "slug": "",
        "kind": "speech",
        "issuing_body": "",
        "event": "",
        "venue": "",
        "date": "2025-09-01",
        "date_precision": "day",
        "date_note": "",
        "date_basis": "stated",
        "publisher": "",
        "source_url": "",
        "source_file": "",
        "language": "en",
        "text": text,
        "notes": "",
        "is_published": "on",
        "speaker_set-TOTAL_FORMS": "0",
        "speaker_set-INITIAL_FORMS": "0",
        "pledges-TOTAL_FORMS": "1",
        "pledges-INITIAL_FORMS": "0",
        "pledges-0-quote": quote,
        "pledges-0-title": "Build the bridge",
        "pledges-0-slug": "",
        "pledges-0-target_precision": "unknown",
        "pledges-0-target_note": "",
        "pledges-0-target_basis": "stated",
        "pledges-0-specificity": "concrete",
        "pledges-0-is_published": "on",
    }
    data.update(extra)
    return data


def test_curator_adds_a_statement_with_its_pledge(curator_client):
    text = "Thank you.\n\nWe will build the bridge by 2026.\n\nGoodbye."
    response = curator_client.post(
        reverse("admin:tracker_statement_add"),
        _statement_form(text, "We will build the bridge by 2026."),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    statement = Statement.objects.get()
    assert statement.slug == "keynote"
    assert statement.pledges.get().quote == "We will build the bridge by 2026."


def test_admin_shows_the_quote_error_and_saves_nothing(curator_client):
    response = curator_client.post(
        reverse("admin:tracker_statement_add"),
        _statement_form("We will build the bridge.", "We will build a tunnel."),
    )
    assert response.status_code == 200
    assert "must appear word for word" in response.content.decode()
    assert not Statement.objects.exists()
    assert not Pledge.objects.exists()


def test_quote_is_checked_against_the_text_being_saved(curator_client, records):
    statement = records.statement
    url = reverse("admin:tracker_statement_change", args=[statement.pk])
    data = _statement_form("The text was rewritten.", records.quote)
    data.update(
        {
            "pledges-INITIAL_FORMS": "1",
            "pledges-0-id": str(records.pk),
            "pledges-0-statement": str(statement.pk),
            "pledges-0-slug": records.slug,
        }
    )
    response = curator_client.post(url, data)
    assert response.status_code == 200
    assert "must appear word for word" in response.content.decode()
    statement.refresh_from_db()
    assert statement.text != "The text was rewritten."


def test_bulk_unpublish_hides_pledges(curator_client, records):
    response = curator_client.post(
        reverse("admin:tracker_pledge_changelist"),
        {"action": "unpublish", "_selected_action": [records.pk]},
        follow=True,
    )
    assert "1 record unpublished." in response.content.decode()
    assert not Pledge.objects.public().exists()


def test_history_inline_is_read_only(curator_client, records):
    response = curator_client.get(reverse("admin:tracker_pledge_change", args=[records.pk]))
    html = response.content.decode()
    assert "Work has begun." in html
    assert 'name="updates-0-public_note"' not in html


def test_editor_cannot_enter_the_admin(editor_client):
    response = editor_client.get(reverse("admin:tracker_pledge_changelist"))
    assert response.status_code == 302


def test_a_pledges_maker_is_chosen_among_its_statements_speakers(curator_client, records):
    own = SpeakerFactory(statement=records.statement)
    elsewhere = SpeakerFactory()
    html = curator_client.get(
        reverse("admin:tracker_pledge_change", args=[records.pk])
    ).content.decode()
    maker = html[html.index('name="maker"') : html.index("</select>", html.index('name="maker"'))]
    assert f'value="{own.pk}"' in maker
    assert f'value="{elsewhere.pk}"' not in maker
