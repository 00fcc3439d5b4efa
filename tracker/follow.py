"""Following a pledge, or every pledge concerning a counterpart, by email: no account.

- Double opt-in: asking to follow stores the address unconfirmed and mails a link; only
  a confirmed address gets news. Unconfirmed addresses are deleted after a week.
- The address is kept for this alone, and deleted when the reader unsubscribes. Every
  message has a one-click unsubscribe link, and List-Unsubscribe headers (RFC 8058) so a
  mail program can offer its own button.
- Asking is rate-limited, per client address and per email address, so the form cannot
  be used to flood someone's inbox.
- Links carry signed tokens (django.core.signing), so nothing secret is stored.
"""

import datetime

from django import forms
from django.conf import settings
from django.contrib.auth.base_user import BaseUserManager
from django.core import signing
from django.core.cache import cache
from django.core.mail import EmailMessage, mailers
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tracker.i18n import shown
from tracker.models import Follow, Pledge

CONFIRM_SALT = "tracker.follow.confirm"
UNSUBSCRIBE_SALT = "tracker.follow.unsubscribe"
CONFIRM_WITHIN = datetime.timedelta(days=7)

# How many follow requests one client address may make an hour, and how many
# confirmation messages one email address may be sent a day.
REQUESTS_PER_CLIENT_HOUR = 10
CONFIRMATIONS_PER_ADDRESS_DAY = 3


class FollowForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Your email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_email(self):
        return BaseUserManager.normalize_email(self.cleaned_data["email"])


class RateLimited(Exception):
    pass


class BadToken(Exception):
    pass


def within_limit(key, limit, seconds):
    """Count one more use of `key`; False once it has been used `limit` times in the window."""
    key = f"tracker:limit:{key}"
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key) <= limit
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=seconds)
        return True


def request_follow(email, target, client, language=None):
    """Record an unconfirmed follow of `target` (a pledge or a counterpart) and mail the link.

    `language` is the language of the page the reader asked from (the active one by
    default): the confirmation and every later message are written in it. An address that
    already follows it gets no second message. Raises RateLimited.
    """
    language = _supported(language or translation.get_language())
    if not within_limit(f"client:{client}", REQUESTS_PER_CLIENT_HOUR, 3600):
        raise RateLimited
    Follow.objects.filter(
        confirmed_at__isnull=True, created_at__lt=timezone.now() - CONFIRM_WITHIN
    ).delete()
    field = "pledge" if isinstance(target, Pledge) else "counterpart"
    follow, created = Follow.objects.get_or_create(
        email=email, **{field: target}, defaults={"language": language}
    )
    if follow.confirmed_at is None:
        if not created and follow.language != language:  # asked again, from the other language
            follow.language = language
            follow.save(update_fields=["language"])
        if not within_limit(f"email:{email}", CONFIRMATIONS_PER_ADDRESS_DAY, 86400):
            raise RateLimited
        _send([_confirmation_message(follow)])
    return follow


def _supported(language):
    """One of settings.LANGUAGES, as the tracker's pages and messages are written in."""
    try:
        return translation.get_supported_language_variant(language or settings.LANGUAGE_CODE)
    except LookupError:
        return settings.LANGUAGE_CODE


def _token(follow, salt):
    return signing.dumps({"id": follow.pk, "email": follow.email}, salt=salt)


def follow_for_token(token, salt, max_age=None):
    """The Follow a link's token names, or BadToken if the link is forged, expired or spent."""
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
        return Follow.objects.select_related("pledge", "counterpart").get(
            pk=data["id"], email=data["email"]
        )
    except (signing.BadSignature, KeyError, TypeError, Follow.DoesNotExist) as error:
        raise BadToken from error


def confirm(token):
    follow = follow_for_token(token, CONFIRM_SALT, max_age=CONFIRM_WITHIN)
    if follow.confirmed_at is None:
        follow.confirmed_at = timezone.now()
        follow.save(update_fields=["confirmed_at"])
    return follow


def unsubscribe(token):
    """Delete the follow, and with it the address. Returns what was followed."""
    follow = follow_for_token(token, UNSUBSCRIBE_SALT)
    target = follow.target
    follow.delete()
    return target


def notify_status_change(update):
    """Send one message to each confirmed follower of the update's pledge or counterparts.

    Only a public pledge's status change is news; returns how many messages were sent.
    """
    pledge = Pledge.objects.public().filter(pk=update.pledge_id).first()
    if pledge is None or not update.status_changed:
        return 0
    # A counterpart's followers hear of the pledges its page lists: those naming it, or a
    # grouping it belongs to (Pledge.objects.concerning).
    named = pledge.counterparts.all()
    follows = (
        Follow.objects.confirmed()
        .filter(Q(pledge=pledge) | Q(counterpart__in=named) | Q(counterpart__groupings__in=named))
        .select_related("counterpart")
        .order_by("email", F("counterpart").asc(nulls_first=True))  # the pledge's own first
    )
    seen, messages = set(), []
    for follow in follows:
        if follow.email not in seen:
            seen.add(follow.email)
            messages.append(_status_message(follow, pledge, update))
    _send(messages)
    return len(messages)


def _absolute(path):
    """Messages are sent outside any request: links start from the configured origin."""
    return settings.TRACKER_ORIGIN + path


def _message(follow, template, subject, context):
    """Called inside translation.override(follow.language): links and words alike."""
    unsubscribe_url = _absolute(
        reverse("follow_unsubscribe", args=[_token(follow, UNSUBSCRIBE_SALT)])
    )
    body = render_to_string(
        template, {**context, "follow": follow, "unsubscribe_url": unsubscribe_url}
    )
    return EmailMessage(
        subject=subject,
        body=body,
        to=[follow.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def _confirmation_message(follow):
    with translation.override(follow.language):
        target = follow.target
        target = shown(target, "title" if follow.pledge_id else "name").marked
        confirm_url = _absolute(reverse("follow_confirm", args=[_token(follow, CONFIRM_SALT)]))
        return _message(
            follow,
            "email/follow_confirm.txt",
            _("Confirm: follow “%(target)s” on Korea Pledge Tracker") % {"target": target},
            {"target": target, "confirm_url": confirm_url, "days": CONFIRM_WITHIN.days},
        )


def _status_message(follow, pledge, update):
    with translation.override(follow.language):
        # English puts the status in lower case mid-sentence; Korean has no case.
        status = update.get_status_display().lower()
        return _message(
            follow,
            "email/status_change.txt",
            _("%(pledge)s: now %(status)s")
            % {"pledge": shown(pledge, "title").marked, "status": status},
            {
                "pledge": pledge,
                "update": update,
                "pledge_url": _absolute(pledge.get_absolute_url()),
            },
        )


def _send(messages):
    if messages:
        with mailers.default as mailer:  # one connection for all of them
            mailer.send_messages(messages)
