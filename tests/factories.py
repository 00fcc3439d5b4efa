import datetime
import io
from importlib import import_module

import factory
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.management import create_contenttypes
from pypdf import PdfWriter

from tracker import models


def ensure_groups():
    """The role groups the migrations make (0002, the Curators' permissions from 0009, the
    reviewers' from 0012, the corrections log's from 0013).
    A transactional test's flush removes them (it re-creates permissions, not data), so
    factories put them back when needed. A serialized rollback (test_browser_admin) flushes
    without making content types and permissions again: those are made first."""
    for app_config in apps.get_app_configs():
        create_contenttypes(app_config, verbosity=0)
        create_permissions(app_config, verbosity=0)
    groups = import_module("tracker.migrations.0002_groups").GROUPS
    curators_too = import_module("tracker.migrations.0009_ingest").CURATOR_PERMISSIONS
    reviewers = import_module("tracker.migrations.0012_two_key_review").REVIEWERS
    corrections = import_module("tracker.migrations.0013_edit_history_and_corrections")
    curators_too = [*curators_too, *corrections.CURATOR_GRANTS]
    for name, codenames in groups.items():
        if name == "Curators":
            codenames = [*codenames, *curators_too]
        group, created = Group.objects.get_or_create(name=name)
        if created:
            if name in reviewers:
                codenames = [*codenames, "review_statusupdate"]
            group.permissions.set(
                Permission.objects.filter(content_type__app_label="tracker", codename__in=codenames)
            )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            ensure_groups()
            self.groups.set(Group.objects.filter(name__in=extracted))


class CounterpartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Counterpart

    name = factory.Sequence(lambda n: f"Country {n}")
    kind = models.CounterpartKind.COUNTRY


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Topic

    name = factory.Sequence(lambda n: f"Topic {n}")


class BodyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Body

    name = factory.Sequence(lambda n: f"Bureau {n}")


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Person

    name = factory.Sequence(lambda n: f"Speaker {n}")


class StatementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Statement

    title = factory.Sequence(lambda n: f"Statement {n}")
    kind = models.StatementKind.SPEECH
    date = datetime.date(2025, 9, 1)
    date_precision = models.DatePrecision.DAY
    text = factory.Sequence(
        lambda n: (
            f"Opening words {n}.\n\nWe will build bridge number {n} by next year.\n\nThank you."
        )
    )
    is_published = True


class SpeakerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Speaker

    statement = factory.SubFactory(StatementFactory)
    person = factory.SubFactory(PersonFactory)
    office = "Minister of Foreign Affairs"


class PledgeFactory(factory.django.DjangoModelFactory):
    """A pledge whose quote is the middle paragraph of its statement."""

    class Meta:
        model = models.Pledge
        skip_postgeneration_save = True

    statement = factory.SubFactory(StatementFactory)
    quote = factory.LazyAttribute(lambda o: o.statement.paragraphs[1])
    title = factory.Sequence(lambda n: f"Build bridge {n}")
    is_published = True

    @factory.post_generation
    def counterparts(self, create, extracted, **kwargs):
        if create and extracted:
            self.counterparts.set(extracted)

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        if create and extracted:
            self.topics.set(extracted)


class StatusUpdateFactory(factory.django.DjangoModelFactory):
    """A history row written directly; use pledge.record_update() to move the pledge too."""

    class Meta:
        model = models.StatusUpdate

    pledge = factory.SubFactory(PledgeFactory)
    status = models.Status.IN_PROGRESS
    previous_status = models.Status.NOT_YET_RATED
    as_of = datetime.date(2025, 10, 1)
    public_note = "Work has begun."


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Evidence

    update = factory.SubFactory(StatusUpdateFactory)
    url = factory.Sequence(lambda n: f"https://example.org/evidence/{n}")
    title = factory.Sequence(lambda n: f"Evidence {n}")


class SuggestionReviewFactory(factory.django.DjangoModelFactory):
    """A curator's decision on a suggested pledge: the first sentence of its statement."""

    class Meta:
        model = models.SuggestionReview

    statement = factory.SubFactory(StatementFactory)
    decision = models.ReviewDecision.REJECTED
    start = 0
    end = factory.LazyAttribute(lambda o: o.statement.text.index(".") + 1)
    quote = factory.LazyAttribute(lambda o: o.statement.text[o.start : o.end])
    confidence = 0.55
    reasons = factory.LazyFunction(lambda: ["future with an action verb “will build”"])


def blank_pdf(password=None):
    """A one-page PDF with no text layer (as a scan is), encrypted if a password is given."""
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def published_update(pledge, **kwargs):
    """pledge.record_update(), then, if the change needs a second key, approved by a
    curator who is not its author: the update as the public sees it."""
    update = pledge.record_update(**kwargs)
    if update.is_proposed:
        reviewer = UserFactory(username="second-key", groups=["Curators"])
        update.approve(reviewer)
        pledge.refresh_from_db()
    return update
