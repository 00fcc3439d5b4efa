"""Following a pledge or a counterpart by email: double opt-in, one-click unsubscribe,
rate limits, the worker's messages on a status change, and the per-pledge Atom feed."""

import datetime
import re
import time
from urllib.parse import urlsplit

import feedparser
import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from tests.factories import (
    CounterpartFactory,
    PledgeFactory,
    StatusUpdateFactory,
    UserFactory,
    published_update,
)
from tests.public_record import body
from tracker import follow, tasks
from tracker.models import CounterpartKind, Follow, Status

AS_OF = datetime.date(2025, 10, 1)
pytestmark = pytest.mark.django_db


def ask(client, target_url, email="reader@example.org", **extra):
    return client.post(f"{target_url}follow/", {"email": email}, **extra)


def link(message, name):
    """The first link in a message's body whose path contains /follow/<name>/."""
    return re.search(rf"https?://\S+(/en/follow/{name}/\S+/)", message.body).group(1)


def confirmed_follow(client, target_url, email="reader@example.org"):
    mail.outbox.clear()
    ask(client, target_url, email)
    assert client.post(link(mail.outbox[-1], "confirm")).status_code == 200


def change_status(pledge, status=Status.ACHIEVED):
    """A status update as the public sees it: approved by a second person if it needs one."""
    return published_update(
        pledge, status=status, as_of=AS_OF, public_note="Opened on 1 October.", author=None
    )


def run_worker():
    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)


# Asking to follow ------------------------------------------------------------------------


def test_the_pledge_page_links_to_following_and_to_its_own_feed(client):
    pledge = PledgeFactory()
    page = body(client.get(pledge.get_absolute_url()))
    assert f'href="/en/pledges/{pledge.slug}/follow/">Follow by email</a>' in page
    feed = f"/en/pledges/{pledge.slug}/feed/"
    assert (
        '<link rel="alternate" type="application/atom+xml" title="Status changes: '
        f'{pledge.title}" href="{feed}">'
    ) in page


def test_the_follow_page_shows_a_form_and_says_how_the_address_is_used(client):
    pledge = PledgeFactory()
    response = client.get(f"/en/pledges/{pledge.slug}/follow/")
    assert response.status_code == 200
    page = body(response)
    assert 'type="email" name="email"' in page
    assert "delete it when you unsubscribe" in page
    assert response["Cache-Control"].startswith("max-age=0")


def test_asking_stores_the_address_unconfirmed_and_mails_a_confirmation_link(client, settings):
    settings.TRACKER_ORIGIN = "https://pledges.example"
    pledge = PledgeFactory(title="Open the bridge")
    response = ask(client, pledge.get_absolute_url(), "Reader@Example.ORG")
    assert response.status_code == 200
    assert "Check your email" in body(response)
    follow_row = Follow.objects.get()
    assert (follow_row.email, follow_row.pledge, follow_row.confirmed_at) == (
        "Reader@example.org",  # the domain is case-insensitive, the local part may not be
        pledge,
        None,
    )
    [message] = mail.outbox
    assert message.to == ["Reader@example.org"]
    assert message.subject == "Confirm: follow “Open the bridge” on Korea Pledge Tracker"
    assert "https://pledges.example/en/follow/confirm/" in message.body
    assert message.extra_headers["List-Unsubscribe"].startswith(
        "<https://pledges.example/en/follow/unsubscribe/"
    )
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_bad_address_is_refused_with_the_message_shown(client):
    pledge = PledgeFactory()
    response = ask(client, pledge.get_absolute_url(), "not an address")
    assert response.status_code == 400
    assert "Enter a valid email address." in body(response)
    assert not Follow.objects.exists()
    assert not mail.outbox


def test_asking_again_sends_no_second_message_once_confirmed(client):
    pledge = PledgeFactory()
    confirmed_follow(client, pledge.get_absolute_url())
    mail.outbox.clear()
    response = ask(client, pledge.get_absolute_url())
    assert "Check your email" in body(response)  # the same answer: it tells nobody who follows
    assert not mail.outbox
    assert Follow.objects.count() == 1


def test_a_counterpart_can_be_followed(client):
    counterpart = CounterpartFactory(name="Viet Nam")
    PledgeFactory(counterparts=[counterpart])
    assert "Follow by email" in body(client.get(counterpart.get_absolute_url()))
    response = ask(client, counterpart.get_absolute_url())
    assert response.status_code == 200
    assert Follow.objects.get().counterpart == counterpart
    assert "every pledge concerning Viet Nam" in mail.outbox[0].body


def test_unpublished_pledges_cannot_be_followed(client):
    pledge = PledgeFactory(is_published=False)
    assert client.get(f"/en/pledges/{pledge.slug}/follow/").status_code == 404
    assert ask(client, pledge.get_absolute_url()).status_code == 404


def test_other_methods_are_not_allowed(client):
    pledge = PledgeFactory()
    assert client.put(f"/en/pledges/{pledge.slug}/follow/").status_code == 405


def test_following_is_rate_limited_per_client(client):
    pledges = PledgeFactory.create_batch(follow.REQUESTS_PER_CLIENT_HOUR + 1)
    for i, pledge in enumerate(pledges[:-1]):
        assert ask(client, pledge.get_absolute_url(), f"r{i}@example.org").status_code == 200
    response = ask(client, pledges[-1].get_absolute_url(), "late@example.org")
    assert response.status_code == 429
    assert "Too many requests" in body(response)
    assert not Follow.objects.filter(email="late@example.org").exists()


def test_confirmations_to_one_address_are_rate_limited(client):
    pledges = PledgeFactory.create_batch(follow.CONFIRMATIONS_PER_ADDRESS_DAY + 1)
    for i, pledge in enumerate(pledges):
        other_client = Client(REMOTE_ADDR=f"192.0.2.{i}")
        response = ask(other_client, pledge.get_absolute_url(), "victim@example.org")
    assert response.status_code == 429
    assert len(mail.outbox) == follow.CONFIRMATIONS_PER_ADDRESS_DAY


def test_unconfirmed_addresses_are_deleted_after_a_week(client):
    old = Follow.objects.create(
        email="old@example.org",
        pledge=PledgeFactory(),
        created_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=8),
    )
    ask(client, PledgeFactory().get_absolute_url())
    assert not Follow.objects.filter(pk=old.pk).exists()


# Confirming ------------------------------------------------------------------------------


def test_opening_the_confirmation_link_asks_first_and_a_post_confirms(client):
    pledge = PledgeFactory(title="Open the bridge")
    ask(client, pledge.get_absolute_url())
    url = link(mail.outbox[0], "confirm")

    response = client.get(url)  # what a mail scanner does: it must change nothing
    assert response.status_code == 200
    assert "Yes, follow" in body(response)
    assert Follow.objects.get().confirmed_at is None

    response = client.post(url)
    assert response.status_code == 200
    assert "You are following “Open the bridge”" in body(response)
    assert Follow.objects.get().confirmed_at is not None


def test_a_forged_confirmation_link_is_refused(client):
    pledge = PledgeFactory()
    ask(client, pledge.get_absolute_url())
    url = link(mail.outbox[0], "confirm")
    forged = url.replace("/confirm/", "/confirm/x")
    response = client.post(forged)
    assert response.status_code == 400
    assert "This link does not work" in body(response)
    assert Follow.objects.get().confirmed_at is None


def test_a_confirmation_link_expires_after_a_week(client, monkeypatch):
    pledge = PledgeFactory()
    ask(client, pledge.get_absolute_url())
    url = link(mail.outbox[0], "confirm")
    later = time.time() + 8 * 86400
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.post(url).status_code == 400
    assert Follow.objects.get().confirmed_at is None


def test_an_unsubscribe_token_cannot_confirm(client):
    pledge = PledgeFactory()
    ask(client, pledge.get_absolute_url())
    token = link(mail.outbox[0], "unsubscribe").split("/")[-2]
    assert client.post(f"/en/follow/confirm/{token}/").status_code == 400


# Unsubscribing ---------------------------------------------------------------------------


def test_unsubscribe_asks_first_then_deletes_the_address(client):
    pledge = PledgeFactory()
    confirmed_follow(client, pledge.get_absolute_url())
    tasks.notify_followers.call(change_status(pledge).pk)
    url = link(mail.outbox[-1], "unsubscribe")

    response = client.get(url)
    assert response.status_code == 200
    assert 'method="post"' in body(response)
    assert Follow.objects.exists()

    response = client.post(url)
    assert response.status_code == 200
    assert "You have unsubscribed" in body(response)
    assert not Follow.objects.filter(email="reader@example.org").exists()
    assert client.post(url).status_code == 400  # spent


def test_one_click_unsubscribe_works_from_a_mail_program_without_a_csrf_token(client):
    pledge = PledgeFactory()
    confirmed_follow(client, pledge.get_absolute_url())
    url = urlsplit(mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>")).path
    mail_program = Client(enforce_csrf_checks=True)
    response = mail_program.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert not Follow.objects.exists()


# The messages the worker sends -----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_status_change_mails_each_confirmed_follower_once(client):
    counterpart = CounterpartFactory(name="Viet Nam")
    pledge = PledgeFactory(title="Open the bridge", counterparts=[counterpart])
    other = PledgeFactory()
    confirmed_follow(client, pledge.get_absolute_url(), "both@example.org")
    confirmed_follow(client, counterpart.get_absolute_url(), "both@example.org")
    confirmed_follow(client, counterpart.get_absolute_url(), "country@example.org")
    confirmed_follow(client, other.get_absolute_url(), "other@example.org")
    ask(client, pledge.get_absolute_url(), "unconfirmed@example.org")
    mail.outbox.clear()

    change_status(pledge)  # committed: the worker's task is queued
    assert not mail.outbox
    run_worker()

    assert sorted(m.to[0] for m in mail.outbox) == ["both@example.org", "country@example.org"]
    by_address = {m.to[0]: m for m in mail.outbox}
    message = by_address["both@example.org"]
    assert message.subject == "Open the bridge: now achieved"
    assert "Status: Achieved (was: not yet rated), as of 1 October 2025." in message.body
    assert "Opened on 1 October." in message.body
    assert "You get this because you follow this pledge." in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link(message, "unsubscribe") in message.extra_headers["List-Unsubscribe"]
    country = by_address["country@example.org"]
    assert "you follow pledges concerning Viet Nam" in country.body


@pytest.mark.django_db(transaction=True)
def test_each_follower_hears_in_the_language_they_asked_in(client, settings):
    """The language of the page a reader followed from is kept with the address: their
    confirmation and every later message are written in it, with links to pages in it."""
    settings.TRACKER_ORIGIN = "https://pledges.example"
    pledge = PledgeFactory(title="Open the bridge", title_ko="다리 개통")
    # The test client answers in this thread, and a /ko/ request leaves Korean active in it.
    english_page = pledge.get_absolute_url()
    with translation.override("ko"):
        korean_page = pledge.get_absolute_url()
    assert (english_page[:4], korean_page[:4]) == ("/en/", "/ko/")
    ask(client, korean_page, "seoul@example.org")
    assert Follow.objects.get(email="seoul@example.org").language == "ko"
    [confirmation] = mail.outbox
    assert confirmation.subject == "확인 요청: 한국 외교 공약 추적 “다리 개통” 알림 신청"
    assert "이 주소로 공약 “다리 개통”의 알림을 신청하셨습니다." in confirmation.body
    confirm = re.search(r"https://pledges.example(/ko/follow/confirm/\S+/)", confirmation.body)
    assert client.post(confirm.group(1)).status_code == 200
    confirmed_follow(client, english_page, "london@example.org")
    assert Follow.objects.get(email="london@example.org").language == "en"
    mail.outbox.clear()

    change_status(pledge)
    run_worker()

    by_address = {m.to[0]: m for m in mail.outbox}
    korean = by_address["seoul@example.org"]
    assert korean.subject == "다리 개통: 이행 상태 변경 – 이행 완료"
    assert "이행 상태: 이행 완료(이전: 평가 전), 2025년 10월 1일 기준." in korean.body
    assert f"https://pledges.example/ko/pledges/{pledge.slug}/" in korean.body
    assert "이 공약의 알림을 신청하셔서 이 메일을 받으셨습니다." in korean.body
    assert korean.extra_headers["List-Unsubscribe"].startswith(
        "<https://pledges.example/ko/follow/unsubscribe/"
    )
    english = by_address["london@example.org"]
    assert english.subject == "Open the bridge: now achieved"
    assert f"https://pledges.example/en/pledges/{pledge.slug}/" in english.body


@pytest.mark.django_db(transaction=True)
def test_a_proposal_mails_nobody_until_a_second_person_approves_it(client):
    pledge = PledgeFactory(title="Open the bridge")
    confirmed_follow(client, pledge.get_absolute_url())
    mail.outbox.clear()
    proposal = pledge.record_update(
        status=Status.ACHIEVED, as_of=AS_OF, public_note="Opened.", author=None
    )
    run_worker()
    assert proposal.is_proposed and not mail.outbox
    assert tasks.notify_followers.call(proposal.pk) == 0  # even if asked directly
    proposal.approve(UserFactory(username="reviewer", groups=["Editors"]))
    run_worker()
    assert [m.subject for m in mail.outbox] == ["Open the bridge: now achieved"]


@pytest.mark.django_db(transaction=True)
def test_an_update_that_keeps_the_status_mails_nobody(client):
    pledge = PledgeFactory()
    confirmed_follow(client, pledge.get_absolute_url())
    change_status(pledge, Status.IN_PROGRESS)
    run_worker()
    mail.outbox.clear()
    change_status(pledge, Status.IN_PROGRESS)
    run_worker()
    assert not mail.outbox


def test_an_unpublished_pledge_mails_nobody(client):
    pledge = PledgeFactory()
    confirmed_follow(client, pledge.get_absolute_url())
    mail.outbox.clear()
    pledge.is_published = False
    pledge.save()
    update = change_status(pledge)
    assert follow.notify_status_change(update) == 0
    assert not mail.outbox


# The per-pledge feed ---------------------------------------------------------------------


def test_each_pledge_has_its_own_atom_feed(client):
    pledge = PledgeFactory(title="Open the bridge")
    StatusUpdateFactory(pledge=pledge, public_note="Mine.")
    StatusUpdateFactory(public_note="Another pledge's.")
    response = client.get(f"/en/pledges/{pledge.slug}/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(body(response))
    assert not feed.bozo
    assert feed.feed.title == "Korea Pledge Tracker: Open the bridge"
    [entry] = feed.entries
    assert entry.title == "Open the bridge: Not yet rated → In progress"
    assert "Mine." in entry.summary


def test_an_unpublished_pledge_has_no_feed(client):
    pledge = PledgeFactory(is_published=False)
    assert client.get(f"/en/pledges/{pledge.slug}/feed/").status_code == 404


def test_a_member_countrys_followers_hear_of_a_pledge_to_its_grouping(client):
    japan = CounterpartFactory(name="Japan")
    ip4 = CounterpartFactory(name="IP4", kind=CounterpartKind.GROUPING)
    ip4.members.add(japan)
    pledge = PledgeFactory(counterparts=[ip4])
    assert client.get(f"/en/counterparts/{japan.slug}/follow/").status_code == 200
    confirmed_follow(client, japan.get_absolute_url(), "japan@example.org")
    mail.outbox.clear()
    assert follow.notify_status_change(change_status(pledge)) == 1
    assert mail.outbox[0].to == ["japan@example.org"]


def test_a_counterpart_without_public_pledges_cannot_be_followed(client):
    lonely = CounterpartFactory()
    assert client.get(f"/en/counterparts/{lonely.slug}/follow/").status_code == 404
