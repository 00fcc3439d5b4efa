"""The record: statements, the pledges made in them, and the follow-up on each pledge."""

import calendar
import datetime
import hashlib
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchVector, SearchVectorField
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MaxLengthValidator, URLValidator
from django.db import connection, models, transaction
from django.db.models import Case, Count, Exists, F, OuterRef, Q, Subquery, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.functional import cached_property
from django.utils.text import slugify
from django.utils.translation import get_language, gettext, override, pgettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tracker import search as searching

# Length limits on free text, checked by every form (the admin's, the staff's) rather
# than by maxlength in the browser, which would silently cut pasted text. Generous for
# real records (the longest seed statement is about 70,000 characters) and small enough
# that no page, feed or export balloons with one note.
STATEMENT_TEXT_LIMIT = 300_000
QUOTE_LIMIT = 3_000
NOTE_LIMIT = 5_000


def length_limit(limit):
    return [MaxLengthValidator(limit)]


class DatePrecision(models.TextChoices):
    DAY = "day", _("Day")
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")
    UNKNOWN = "unknown", _("Unknown")


def start_of_period(date, precision):
    """The first day of the period a partial date stands for."""
    if date is None or precision == DatePrecision.UNKNOWN:
        return None
    if precision == DatePrecision.MONTH:
        return date.replace(day=1)
    if precision == DatePrecision.YEAR:
        return date.replace(month=1, day=1)
    return date


def end_of_period(date, precision):
    """The last day of the period a partial date stands for: a deadline's last day."""
    if date is None or precision == DatePrecision.UNKNOWN:
        return None
    if precision == DatePrecision.MONTH:
        return date.replace(day=calendar.monthrange(date.year, date.month)[1])
    if precision == DatePrecision.YEAR:
        return date.replace(month=12, day=31)
    return date


def format_partial_date(date, precision):
    """Show a date only as precisely as the source gives it, in the active language:
    "2025년 9월 1일" / "1 September 2025", "2025년 10월" / "October 2025", "2026년" / "2026"."""
    if date is None or precision == DatePrecision.UNKNOWN:
        return gettext("Date not stated")
    if precision == DatePrecision.YEAR:
        return pgettext("a year alone, as a date", "%(year)s") % {"year": date.year}
    if precision == DatePrecision.MONTH:
        return date_format(date, "YEAR_MONTH_FORMAT")
    return date_format(date, "DATE_FORMAT")


def iso_date(date):
    return date.isoformat() if date else None


def absolute_url(path):
    """The address of a path on this site, from the configured origin (never the Host)."""
    return settings.TRACKER_ORIGIN + path


class Basis(models.TextChoices):
    """Where a date or a name comes from."""

    STATED = "stated", _("Stated in the source")
    INFERRED = "inferred", _("Inferred")
    OTHER_SOURCE = "other_source", _("From another source")


@dataclass(frozen=True)
class Grounds:
    """The basis of one date or attribution, as shown next to it wherever it appears.

    `note` is the reasoning (inferred) or what the other source says (other source);
    `doubt`, when not empty, says why the team doubts it.
    """

    basis: str
    note: str = ""
    source_url: str = ""
    source_title: str = ""
    doubt: str = ""

    @property
    def label(self):
        return Basis(self.basis).label

    @property
    def is_doubtful(self):
        return bool(self.doubt)

    def as_dict(self):
        return {
            "basis": self.basis,
            "note": self.note,
            "source": {"url": self.source_url, "title": self.source_title}
            if self.source_url
            else None,
            "doubt": self.doubt or None,
        }


def basis_errors(basis, note, source_url, source_title, *, prefix=""):
    """What is missing for a basis to be checkable: reasoning, or a citation."""
    errors = {}
    if basis == Basis.INFERRED and not note.strip():
        errors[f"{prefix}basis_note"] = _("Say how it was inferred.")
    if basis == Basis.OTHER_SOURCE:
        if not source_url:
            errors[f"{prefix}source_url"] = _("Give the address of the other source.")
        if not source_title.strip():
            errors[f"{prefix}source_title"] = _("Give the title of the other source.")
    return errors


class Status(models.TextChoices):
    """Where a pledge stands. Overdue is never a status: it is computed from the target date."""

    NOT_YET_RATED = "not_yet_rated", _("Not yet rated")
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    STALLED = "stalled", _("Stalled")
    PARTIALLY_ACHIEVED = "partially_achieved", _("Partially achieved")
    ACHIEVED = "achieved", _("Achieved")
    BROKEN = "broken", _("Broken or abandoned")

    @classmethod
    def open_values(cls):
        """Statuses of pledges still being worked on: these can become overdue."""
        return [cls.NOT_YET_RATED, cls.NOT_STARTED, cls.IN_PROGRESS, cls.STALLED]

    @property
    def is_open(self):
        return self in Status.open_values()

    @property
    def score(self):
        """G7 Research Group compliance score: +1 full, 0 partial or in progress, -1 none."""
        return STATUS_SCORES[self]

    @property
    def description(self):
        return STATUS_DESCRIPTIONS[self]


STATUS_SCORES = {
    Status.NOT_YET_RATED: None,
    Status.NOT_STARTED: -1,
    Status.IN_PROGRESS: 0,
    Status.STALLED: 0,
    Status.PARTIALLY_ACHIEVED: 0,
    Status.ACHIEVED: 1,
    Status.BROKEN: -1,
}

STATUS_DESCRIPTIONS = {
    Status.NOT_YET_RATED: _("We have recorded the pledge but not yet assessed any follow-up."),
    Status.NOT_STARTED: _("Assessed, and no action towards the pledge is on the record yet."),
    Status.IN_PROGRESS: _("Documented action towards the pledge is under way."),
    Status.STALLED: _("Action began but has stopped, or is blocked, with no recent progress."),
    Status.PARTIALLY_ACHIEVED: _("Delivered in part, or in a weaker form than pledged."),
    Status.ACHIEVED: _("Delivered as pledged, with evidence."),
    Status.BROKEN: _("Abandoned, reversed or made impossible, with evidence."),
}


@dataclass
class TallyRow:
    status: Status
    count: int
    share: float  # percent of all pledges in the tally
    offset: float  # where its segment starts in the stacked bar, in percent

    @property
    def percent(self):
        return round(self.share)


class Tally:
    """How many pledges stand at each status, how many are overdue, and their G7 score.

    Made by Pledge.objects.public().tally() and .tallies_by(relation)."""

    def __init__(self, counts, overdue=0):
        self.counts = {status: counts.get(status.value, 0) for status in Status}
        self.total = sum(self.counts.values())
        self.overdue = overdue

    @classmethod
    def of(cls, pledges):
        """The tally of a public pledge queryset, in one grouped query."""
        rows = (
            pledges.with_overdue()
            .order_by()
            .values("status")
            .annotate(n=Count("pk"), late=Count("pk", filter=Q(is_overdue=True)))
        )
        counts, overdue = {}, 0
        for row in rows:
            counts[row["status"]] = row["n"]
            overdue += row["late"]
        return cls(counts, overdue)

    @cached_property
    def rows(self):
        rows, offset = [], 0.0
        for status, count in self.counts.items():
            share = 100 * count / self.total if self.total else 0.0
            rows.append(TallyRow(status, count, share, offset))
            offset += share
        return rows

    @cached_property
    def percent(self):
        """Whole percentages by status value, for templates: tally.percent.achieved."""
        return {row.status.value: row.percent for row in self.rows}

    @property
    def achieved(self):
        return self.counts[Status.ACHIEVED]

    @property
    def broken(self):
        return self.counts[Status.BROKEN]

    @property
    def rated(self):
        return self.total - self.counts[Status.NOT_YET_RATED]

    @property
    def score(self):
        """Achieved +1; partial, in progress or stalled 0; not started or broken -1;
        averaged over the rated pledges (not yet rated ones are left out)."""
        if not self.rated:
            return None
        points = sum(
            n * status.score for status, n in self.counts.items() if status.score is not None
        )
        return points / self.rated


@dataclass
class GroupTally:
    slug: str
    name: str
    tally: Tally
    name_ko: str = ""


class Specificity(models.TextChoices):
    CONCRETE = "concrete", _("Concrete: checkable")
    ASPIRATIONAL = "aspirational", _("Aspirational: a direction, hard to check")


class CounterpartKind(models.TextChoices):
    COUNTRY = "country", _("Country")
    ORGANISATION = "organisation", _("International organisation")
    REGION = "region", _("Region")
    GROUPING = "grouping", _("Grouping or initiative")


class StatementKind(models.TextChoices):
    SPEECH = "speech", _("Speech")
    PRESS_RELEASE = "press_release", _("Press release")
    CABINET_REMARKS = "cabinet_remarks", _("Cabinet-meeting remarks")
    NEWS_REPORT = "news_report", _("News report")
    READOUT = "readout", _("Meeting readout")


class Language(models.TextChoices):
    """The languages of the record's own texts: a statement's, a note's original."""

    KO = "ko", _("Korean")
    EN = "en", _("English")


class SluggedModel(models.Model):
    """A slug made from the title (or name) on first save, kept unique with a numeric suffix."""

    slug_source = "title"

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = self._unique_slug(getattr(self, self.slug_source))
        super().save(*args, **kwargs)

    def _unique_slug(self, text):
        max_length = self._meta.get_field("slug").max_length
        base = slugify(text)[: max_length - 5].strip("-") or "item"
        slug, n = base, 2
        siblings = type(self)._default_manager.exclude(pk=self.pk)
        while siblings.filter(slug=slug).exists():
            slug, n = f"{base}-{n}", n + 1
        return slug


class NamedModel(SluggedModel):
    """Reference data known by its name: counterparts, topics, bodies, people."""

    slug_source = "name"
    name = models.CharField(max_length=200, unique=True, verbose_name=_("name"))
    name_ko = models.CharField(
        max_length=200,
        blank=True,
        db_default="",
        help_text=_("The tracker's Korean translation of the name."),
        verbose_name=_("name (Korean)"),
    )
    slug = models.SlugField(max_length=200, unique=True, blank=True, verbose_name=_("slug"))

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name


class CounterpartQuerySet(models.QuerySet):
    def with_pledge_counts(self, pledges):
        """Those concerned by any of `pledges`, directly or through a grouping they belong
        to, each with `n`: how many of them concern it (a pledge counts once).

        Counted from the (pledge, counterpart) pairs and the memberships, read once each:
        a correlated subquery per counterpart took 12 s on SQLite at scale L.
        """
        named = defaultdict(set)
        pairs = Pledge.counterparts.through.objects.filter(pledge__in=pledges)
        for counterpart_id, pledge_id in pairs.values_list("counterpart_id", "pledge_id"):
            named[counterpart_id].add(pledge_id)
        concerned = defaultdict(set, {pk: set(ids) for pk, ids in named.items()})
        memberships = Counterpart.members.through.objects.values_list(
            "from_counterpart_id", "to_counterpart_id"
        )
        for grouping_id, member_id in memberships:
            concerned[member_id] |= named.get(grouping_id, set())
        counts = {pk: len(ids) for pk, ids in concerned.items() if ids}
        return self.filter(pk__in=counts).annotate(
            n=Case(
                *(When(pk=pk, then=Value(n)) for pk, n in counts.items()),
                default=Value(0),
                output_field=models.IntegerField(),
            )
        )


class PledgeGroup(NamedModel):
    """Reference data that gathers pledges on a public page of its own: a counterpart or a
    topic. The page, its feeds and its tally ask the group which pledges are its own."""

    class Meta(NamedModel.Meta):
        abstract = True

    def pledges_here(self, pledges):
        """Those of `pledges` that belong on this group's page."""
        raise NotImplementedError

    def kind_label(self):
        """What sort of group it is, under its name on its page ("" if nothing to say)."""
        return ""

    def members_listed(self):
        """The groups inside this one, named on its page."""
        return type(self).objects.none()

    def groupings_listed(self):
        """The groups this one belongs to whose public pledges its page also counts."""
        return type(self).objects.none()


class Counterpart(PledgeGroup):
    """A country, organisation, region or grouping that a pledge is made to or about."""

    Kind = CounterpartKind
    kind = models.CharField(max_length=20, choices=Kind, verbose_name=_("kind"))
    members = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="groupings",
        help_text=_(
            "For a grouping: the countries in it. Its pledges then also count for each "
            "member, marked as made via the grouping."
        ),
        verbose_name=_("members"),
    )
    history = HistoricalRecords()

    objects = CounterpartQuerySet.as_manager()

    class Meta(NamedModel.Meta):
        verbose_name = _("counterpart")
        verbose_name_plural = _("counterparts")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=CounterpartKind.values), name="counterpart_kind_valid"
            )
        ]

    def get_absolute_url(self):
        return reverse("counterpart_detail", args=[self.slug])

    def pledges_here(self, pledges):
        """Those naming it or a grouping it belongs to, each with the grouping it came
        through (`via_grouping`, None when named directly)."""
        return pledges.concerning(self.slug).with_via_grouping(self.slug)

    def kind_label(self):
        return self.get_kind_display()

    def members_listed(self):
        return self.members.all()

    def groupings_listed(self):
        return self.groupings.filter(pledges__in=Pledge.objects.public()).distinct()


class Topic(PledgeGroup):
    history = HistoricalRecords()

    class Meta(NamedModel.Meta):
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def get_absolute_url(self):
        return reverse("topic_detail", args=[self.slug])

    def pledges_here(self, pledges):
        return pledges.filter(topics=self)


class CounterpartAlias(models.Model):
    """Another name for a counterpart in statements: "Washington" for the United States."""

    counterpart = models.ForeignKey(
        Counterpart, on_delete=models.CASCADE, related_name="aliases", verbose_name=_("counterpart")
    )
    alias = models.CharField(max_length=200, unique=True, verbose_name=_("alias"))

    class Meta:
        verbose_name = _("counterpart alias")
        verbose_name_plural = _("counterpart aliases")
        ordering = ["alias"]

    def __str__(self):
        return f"{self.alias} → {self.counterpart}"


class TopicKeyword(models.Model):
    """A word or phrase that marks a pledge as being about a topic."""

    topic = models.ForeignKey(
        Topic, on_delete=models.CASCADE, related_name="keywords", verbose_name=_("topic")
    )
    keyword = models.CharField(max_length=200, verbose_name=_("keyword"))

    class Meta:
        verbose_name = _("topic keyword")
        verbose_name_plural = _("topic keywords")
        ordering = ["keyword"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "keyword"], name="topic_keyword_once")
        ]

    def __str__(self):
        return f"{self.keyword} → {self.topic}"


class Body(NamedModel):
    """A government body that issues statements or is responsible for pledges."""

    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        verbose_name=_("parent body"),
    )
    history = HistoricalRecords()

    class Meta(NamedModel.Meta):
        verbose_name = _("body")
        verbose_name_plural = _("bodies")


class Person(NamedModel):
    history = HistoricalRecords()

    class Meta(NamedModel.Meta):
        verbose_name = _("person")
        verbose_name_plural = _("people")


def content_hash(text):
    """The same document whatever its spacing or case: for spotting duplicates."""
    return hashlib.sha256(" ".join(text.split()).casefold().encode()).hexdigest()


class StatementQuerySet(models.QuerySet):
    def public(self):
        return self.filter(is_published=True)

    def with_text(self, text):
        """Statements holding the same text, by content hash.

        Rows loaded from fixtures (raw saves) have no hash yet; they get one here.
        """
        missing = list(Statement.objects.filter(content_hash="").only("pk", "text"))
        for statement in missing:
            statement.content_hash = content_hash(statement.text)
        Statement.objects.bulk_update(missing, ["content_hash"])
        return self.filter(content_hash=content_hash(text))


class Statement(SluggedModel):
    """A speech, press release, cabinet remarks, news report or meeting readout."""

    Kind = StatementKind
    title = models.CharField(max_length=300, verbose_name=_("title"))
    title_ko = models.CharField(
        max_length=300,
        blank=True,
        db_default="",
        help_text=_("The tracker's Korean translation of the title, if the source gives none."),
        verbose_name=_("title (Korean)"),
    )
    slug = models.SlugField(max_length=200, unique=True, blank=True, verbose_name=_("slug"))
    kind = models.CharField(max_length=20, choices=Kind, verbose_name=_("kind"))
    speakers = models.ManyToManyField(
        Person, through="Speaker", blank=True, verbose_name=_("speakers")
    )
    issuing_body = models.ForeignKey(
        Body,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="statements",
        verbose_name=_("issuing body"),
    )
    event = models.CharField(max_length=300, blank=True, verbose_name=_("event"))
    venue = models.CharField(max_length=300, blank=True, verbose_name=_("venue"))
    date = models.DateField(
        null=True,
        blank=True,
        help_text=_(
            "For month or year precision any day in the period will do: "
            "it is stored as the first day and shown only as precisely as the precision says."
        ),
        verbose_name=_("date"),
    )
    date_precision = models.CharField(
        max_length=10,
        choices=DatePrecision,
        default=DatePrecision.DAY,
        verbose_name=_("date precision"),
    )
    date_note = models.CharField(
        max_length=500,
        blank=True,
        help_text=_("What the source says about the date, in its words."),
        verbose_name=_("date note"),
    )
    date_basis = models.CharField(
        max_length=20,
        choices=Basis,
        default=Basis.STATED,
        help_text=_(
            "Where the date comes from: the source itself, our inference, or another source."
        ),
        verbose_name=_("date basis"),
    )
    date_basis_note = models.TextField(
        blank=True,
        validators=length_limit(NOTE_LIMIT),
        help_text=_("The reasoning (inferred), or what the other source says."),
        verbose_name=_("date basis note"),
    )
    date_source_url = models.URLField(
        max_length=500, blank=True, verbose_name=_("date source address")
    )
    date_source_title = models.CharField(
        max_length=300, blank=True, verbose_name=_("date source title")
    )
    date_doubt = models.CharField(
        max_length=500,
        blank=True,
        help_text=_("If we doubt the date: why. Shown wherever it is."),
        verbose_name=_("doubt about the date"),
    )
    publisher = models.CharField(
        max_length=200, blank=True, help_text=_("Publisher or outlet."), verbose_name=_("publisher")
    )
    source_url = models.URLField(max_length=500, blank=True, verbose_name=_("source address"))
    source_file = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("The archived source document this text comes from."),
        verbose_name=_("source file"),
    )
    language = models.CharField(
        max_length=10,
        choices=Language,
        default=Language.EN,
        help_text=_("The language of its text, and so of the quotes taken from it."),
        verbose_name=_("language"),
    )
    translation_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="translations",
        help_text=_(
            "If this statement is a version in another language of one in this tracker "
            "(the ministry's English version of a Korean original): that original."
        ),
        verbose_name=_("translation of"),
    )
    text = models.TextField(
        validators=length_limit(STATEMENT_TEXT_LIMIT),
        help_text=_(
            "The cleaned full text: paragraphs separated by a blank line, no site menus or footers."
        ),
        verbose_name=_("text"),
    )
    notes = models.TextField(
        validators=length_limit(NOTE_LIMIT),
        blank=True,
        help_text=_(
            "Public curator's notes: inconsistencies in the source, odd titles, "
            "what the source leaves unsaid."
        ),
        verbose_name=_("notes"),
    )
    is_published = models.BooleanField(default=False, db_index=True, verbose_name=_("published"))
    content_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated"))

    objects = StatementQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["updated_at"])

    # What a reader cites: a change to these once published needs a public reason.
    CORRECTED_FIELDS = ["title", "date", "date_precision", "issuing_body"]

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        ordering = [F("date").desc(nulls_last=True), "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=StatementKind.values), name="statement_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(date_precision__in=DatePrecision.values),
                name="statement_date_precision_valid",
            ),
            models.CheckConstraint(
                condition=Q(date_precision=DatePrecision.UNKNOWN) | Q(date__isnull=False),
                name="statement_date_given_unless_unknown",
            ),
            models.CheckConstraint(
                condition=Q(date_basis__in=Basis.values), name="statement_date_basis_valid"
            ),
            models.CheckConstraint(
                condition=Q(language__in=Language.values), name="statement_language_valid"
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.content_hash = content_hash(self.text)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("statement_detail", args=[self.slug])

    def clean(self):
        super().clean()
        errors = basis_errors(
            self.date_basis,
            self.date_basis_note,
            self.date_source_url,
            self.date_source_title,
            prefix="date_",
        )
        if self.date_precision != DatePrecision.UNKNOWN and self.date is None:
            errors["date"] = "Give a date, or set the precision to unknown."
        if message := self.translation_error():
            errors["translation_of"] = message
        if errors:
            raise ValidationError(errors)
        self.date = start_of_period(self.date, self.date_precision)

    def text_language(self, name):
        """The language of an untranslated field (tracker.i18n.shown): the title is as the
        source gives it, in the statement's language."""
        return self.language if name == "title" else Language.EN

    def translation_error(self):
        """Why `translation_of` cannot be what it names, or None."""
        original = self.translation_of
        if original is None:
            return None
        if self.pk and original.pk == self.pk:
            return _("A statement cannot be a translation of itself.")
        if original.language == self.language:
            return _("The original must be in another language than this statement.")
        if original.translation_of_id:
            return _(
                "That statement is itself a translation: link to its original, “%(original)s”."
            ) % {"original": original.translation_of}
        return None

    @property
    def display_date(self):
        return format_partial_date(self.date, self.date_precision)

    @property
    def date_grounds(self):
        return Grounds(
            self.date_basis,
            self.date_basis_note,
            self.date_source_url,
            self.date_source_title,
            self.date_doubt,
        )

    @property
    def publisher_display(self):
        return self.publisher or "Publisher not named in the source"

    @property
    def paragraphs(self):
        return [p.strip() for p in self.text.split("\n\n") if p.strip()]


class Speaker(models.Model):
    """A person speaking in a statement, with the office the source gives them."""

    statement = models.ForeignKey(
        Statement, on_delete=models.CASCADE, related_name="speaker_set", verbose_name=_("statement")
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="speaker_set", verbose_name=_("person")
    )
    office = models.CharField(
        max_length=300, help_text=_("The office as the source names it."), verbose_name=_("office")
    )
    role = models.CharField(
        max_length=100, blank=True, help_text=_("e.g. opening remarks"), verbose_name=_("role")
    )
    order = models.PositiveSmallIntegerField(default=0, verbose_name=_("order"))
    basis = models.CharField(
        max_length=20,
        choices=Basis,
        default=Basis.STATED,
        help_text=_("Where the name and office come from."),
        verbose_name=_("basis"),
    )
    basis_note = models.TextField(
        blank=True,
        validators=length_limit(NOTE_LIMIT),
        help_text=_("The reasoning (inferred), or what the other source says."),
        verbose_name=_("basis note"),
    )
    source_url = models.URLField(max_length=500, blank=True, verbose_name=_("source address"))
    source_title = models.CharField(max_length=300, blank=True, verbose_name=_("source title"))
    doubt = models.CharField(
        max_length=500,
        blank=True,
        help_text=_("If we doubt this name or office: why. Marked wherever it appears."),
        verbose_name=_("doubt"),
    )
    attribution = models.SlugField(
        max_length=220,
        default="",
        editable=False,
        db_index=True,
        help_text=_(
            "Person, office and doubt: the speaker filter's key, so one person's "
            "attributions under different offices, or doubted ones, are never merged."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("speaker")
        verbose_name_plural = _("speakers")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "person"], name="speaker_once_per_statement"
            ),
            models.CheckConstraint(condition=Q(basis__in=Basis.values), name="speaker_basis_valid"),
        ]

    def __str__(self):
        return f"{self.person}, {self.office}"

    def save(self, *args, **kwargs):
        self.attribution = attribution_key(self.person.name, self.office, self.doubt)
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        if errors := basis_errors(self.basis, self.basis_note, self.source_url, self.source_title):
            raise ValidationError(errors)

    @property
    def grounds(self):
        return Grounds(self.basis, self.basis_note, self.source_url, self.source_title, self.doubt)

    @property
    def label(self):
        """The attribution in words, as the speaker filter offers it."""
        label = f"{self.person.name}, {self.office}"
        return f"{label} (doubtful)" if self.doubt else label


def attribution_key(name, office, doubt=""):
    """One key per person, office and doubt: 'cho-tae-yul-foreign-minister-doubtful'."""
    key = slugify(f"{name} {office}")[:200].strip("-")
    return f"{key}-doubtful" if doubt else key


BODY_KEY_PREFIX = "body-"


@dataclass(frozen=True)
class Maker:
    """Who made a pledge: a speaker of its statement, or the issuing body."""

    key: str
    name: str
    office: str = ""
    grounds: Grounds | None = None
    is_body: bool = False
    name_ko: str = ""

    @property
    def label(self):
        if self.is_body:
            return self.name
        label = f"{self.name}, {self.office}"
        return f"{label} (doubtful)" if self.grounds and self.grounds.is_doubtful else label

    def as_dict(self):
        return {
            "key": self.key,
            "kind": "body" if self.is_body else "person",
            "name": self.name,
            "name_ko": self.name_ko or None,
            "office": self.office or None,
            "attribution": self.grounds.as_dict() if self.grounds else None,
        }


MIN_QUOTE_LENGTH = 20


def quote_error(quote, statement):
    """The message for a quote that is not verbatim in its statement, or None if it is."""
    if not quote:
        return _("Enter the verbatim quote.")
    if len(quote.strip()) < MIN_QUOTE_LENGTH:
        # A pledge is at least a clause; a word or a letter would mark every place it occurs.
        return _(
            "A quote this short (%(length)d characters) cannot be a pledge: copy at least "
            "%(minimum)d characters, the whole clause that makes the pledge."
        ) % {"length": len(quote.strip()), "minimum": MIN_QUOTE_LENGTH}
    if statement is None or quote in statement.text:
        return None
    return _(
        "The quote must appear word for word in the text of “%(statement)s”. Copy it from "
        "the statement text; check quotation marks, dashes and spaces."
    ) % {"statement": statement}


def _statement_of(obj):
    """The statement set on obj, even one not saved yet (as in an admin inline), or None."""
    try:
        return obj.statement
    except Statement.DoesNotExist:
        return None


# Migration 0004's index (title, quote and description, in English), which 0014 replaced;
# kept because that migration reads it.
SEARCH_VECTOR = SearchVector("title", "quote", "description", config="english")
# PledgeSearch.document on PostgreSQL: the English words of its text, stemmed, and its Korean
# n-grams as they are (tracker.search).
SEARCH_DOCUMENT = SearchVector("text", config="english") + SearchVector("tokens", config="simple")
# PledgeSearch's FTS5 index on SQLite (migration 0018): the pledges whose row matches.
FTS5_MATCH = "SELECT rowid FROM tracker_pledgesearch_fts WHERE tracker_pledgesearch_fts MATCH %s"


def named(group):
    """A counterpart or topic as the JSON API names it, in both languages."""
    return {"slug": group.slug, "name": group.name, "name_ko": group.name_ko or None}


class PledgeQuerySet(models.QuerySet):
    def public(self):
        """The one rule for what the public may see."""
        return self.filter(is_published=True, statement__is_published=True)

    def open(self):
        return self.filter(status__in=Status.open_values())

    def search(self, terms):
        """The pledges matching every word of a query, English or Korean (tracker.search).

        English words are matched by full-text search (PostgreSQL's `english`, with quoted
        phrases, `-word` and `or`; on SQLite, FTS5 read the same way), Korean words by their
        syllable n-grams on both. A query with nothing to search for (only punctuation, say)
        finds nothing.
        """
        terms = (terms or "").strip()
        if not terms:
            return self
        query = searching.parse(terms)
        if not query:
            return self.none()
        if connection.vendor == "postgresql":
            # A join on the pledge's own row of PledgeSearch, not an IN (subquery): a page of
            # 25 pledges loaded by id then checks those 25 rows, not the whole index again.
            return self.filter(search_index__document=self._tsquery(query))
        return self.filter(self._fts5(query))

    @staticmethod
    def _fts5(query):
        """SQLite: the pledges FTS5 finds for the query (tracker.search's fts5_groups): the
        groups with a required word in one MATCH, a group of exclusions alone as NOT IN."""
        groups = query.fts5_groups()
        if not groups:
            return Q(pk__in=[])
        required = [group for group in groups if group[0]]
        match = Q()
        if required:
            expressions = []
            for words, excluded in required:
                expression = "(" + " AND ".join(words) + ")"
                if excluded:
                    expression += " NOT (" + " OR ".join(excluded) + ")"
                expressions.append(expression)
            # The SQL is constant; the query is a parameter, its words quoted for FTS5.
            match = Q(pk__in=RawSQL(FTS5_MATCH, [" OR ".join(expressions)]))  # noqa: S611
        for words, excluded in groups:
            if not words:
                match |= ~Q(pk__in=RawSQL(FTS5_MATCH, [" OR ".join(excluded)]))  # noqa: S611
        return match

    @staticmethod
    def _tsquery(query):
        english = SearchQuery(query.english, config="english", search_type="websearch")
        if not query.korean_terms:
            return english
        korean = " & ".join(term.tsquery() for term in query.korean_terms)
        korean = SearchQuery(korean, config="simple", search_type="raw")
        return english & korean if query.english_terms else korean

    def refresh_search(self):
        """Rewrite these pledges' PledgeSearch rows from their texts and the public notes of
        their published updates: two reads, then one upsert per 1,000 pledges.

        save() and the publishing of a status update keep them in step; pledges written any
        other way (loaddata, bulk inserts) need this afterwards. Returns their number.
        """
        published = StatusUpdate.objects.published()
        rows = searching.columns_by_pledge(self.order_by(), published)
        PledgeSearch.write(rows)
        return len(rows)

    def overdue(self, today=None):
        today = today or timezone.localdate()
        return self.open().filter(target_deadline__lt=today)

    def made_by(self, key):
        """Pledges made by one attribution (see Speaker.attribution) or, for a key
        'body-<slug>', by one issuing body in a statement that names no maker."""
        if key.startswith(BODY_KEY_PREFIX):
            return self.filter(
                maker__isnull=True, statement__issuing_body__slug=key[len(BODY_KEY_PREFIX) :]
            )
        return self.filter(maker__attribution=key)

    def maker_choices(self):
        """(key, label) for every maker of these pledges, for the speaker filter: people
        first, then issuing bodies, in one query whatever the number of pledges."""
        rows = (
            self.order_by()
            .values_list(
                "maker__attribution",
                "maker__person__name",
                "maker__office",
                "maker__doubt",
                "statement__issuing_body__slug",
                "statement__issuing_body__name",
            )
            .distinct()
        )
        people, bodies = {}, {}
        for key, name, office, doubt, body_slug, body_name in rows:
            if key:
                people[key] = (name, office, doubt)
            elif body_slug:
                bodies[BODY_KEY_PREFIX + body_slug] = body_name
        choices = [
            (key, f"{name}, {office}" + (" (doubtful)" if doubt else ""))
            for key, (name, office, doubt) in sorted(people.items(), key=lambda kv: kv[1])
        ]
        return choices + sorted(bodies.items(), key=lambda kv: kv[1])

    def concerning(self, slug):
        """Pledges naming the counterpart, or a grouping it belongs to (the IP4 pledges
        count for Japan). A subquery, not a join, so no pledge is counted twice."""
        matching = Pledge.objects.filter(
            Q(counterparts__slug=slug) | Q(counterparts__members__slug=slug)
        )
        return self.filter(pk__in=matching.values("pk"))

    def with_via_grouping(self, slug):
        """Annotate `via_grouping` (name), `via_grouping_ko` (its Korean name) and
        `via_grouping_slug`: the grouping through which a pledge concerns the counterpart,
        or None when the pledge names it directly."""
        direct = Counterpart.pledges.through.objects.filter(
            pledge=OuterRef("pk"), counterpart__slug=slug
        )
        via = Counterpart.objects.filter(pledges=OuterRef("pk"), members__slug=slug).order_by(
            "name"
        )
        return self.annotate(
            via_grouping=Case(
                When(Exists(direct), then=Value(None)),
                default=Subquery(via.values("name")[:1]),
                output_field=models.CharField(),
            ),
            via_grouping_ko=Case(
                When(Exists(direct), then=Value(None)),
                default=Subquery(via.values("name_ko")[:1]),
                output_field=models.CharField(),
            ),
            via_grouping_slug=Case(
                When(Exists(direct), then=Value(None)),
                default=Subquery(via.values("slug")[:1]),
                output_field=models.CharField(),
            ),
        )

    def due_this_month(self, today=None):
        """Open pledges whose deadline falls in the current month (not those already past)."""
        today = today or timezone.localdate()
        month_end = end_of_period(today, DatePrecision.MONTH)
        return self.open().filter(
            target_deadline__gte=today.replace(day=1), target_deadline__lte=month_end
        )

    def quiet(self, now=None):
        """Open pledges with no update in TRACKER_QUIET_DAYS (if never updated, counted from
        when the pledge was added)."""
        since = (now or timezone.now()) - datetime.timedelta(days=settings.TRACKER_QUIET_DAYS)
        return self.open().filter(
            Q(latest_update__created_at__lt=since)
            | Q(latest_update__isnull=True, created_at__lt=since)
        )

    def updated_by(self, user, since):
        """Pledges that `user` recorded an update on at or after `since`."""
        updates = StatusUpdate.objects.filter(
            pledge=OuterRef("pk"), author=user, created_at__gte=since
        )
        return self.filter(Exists(updates))

    def for_list(self):
        """With what a list row or card shows, each in a fixed number of queries: the
        statement and its issuing body, the latest update, the maker, counterparts, topics
        and `is_overdue`."""
        return (
            self.with_overdue()
            .select_related("statement__issuing_body", "latest_update", "maker__person")
            .prefetch_related("counterparts", "topics")
        )

    def tally(self):
        """How these pledges stand: a Tally, in one grouped query."""
        return Tally.of(self)

    def tallies_by(self, relation):
        """A Tally for each counterpart (or topic) of these pledges, largest first.

        A grouping's pledges count for its members too, as the members' own pages count
        them, each pledge once: three queries for counterparts, one for topics.
        """
        per_status = {f"n_{s.value}": Count("pk", filter=Q(status=s)) for s in Status}
        rows = (
            self.with_overdue()
            .filter(**{f"{relation}__isnull": False})
            .order_by()
            .values(f"{relation}__slug", f"{relation}__name", f"{relation}__name_ko")
            .annotate(total=Count("pk"), late=Count("pk", filter=Q(is_overdue=True)), **per_status)
            .order_by("-total", f"{relation}__name")
        )
        groups = [
            GroupTally(
                row[f"{relation}__slug"],
                row[f"{relation}__name"],
                Tally({s.value: row[f"n_{s.value}"] for s in Status}, row["late"]),
                row[f"{relation}__name_ko"],
            )
            for row in rows
        ]
        if relation != "counterparts":
            return groups
        return self._with_grouping_members(groups)

    def _with_grouping_members(self, groups):
        groups = {g.slug: g for g in groups}
        through_groupings = self.filter(counterparts__members__isnull=False)
        named = set(  # every counterpart they name, not only the grouping: a second join
            self.model.objects.filter(pk__in=through_groupings.values("pk")).values_list(
                "pk", "counterparts__slug"
            )
        )
        via = (
            through_groupings.with_overdue()
            .values_list(
                "pk",
                "status",
                "is_overdue",
                "counterparts__members__slug",
                "counterparts__members__name",
                "counterparts__members__name_ko",
            )
            .order_by()
            .distinct()
        )
        for pk, status, late, slug, name, name_ko in via:
            if (pk, slug) in named:
                continue  # named directly as well: already counted
            named.add((pk, slug))
            group = groups.setdefault(slug, GroupTally(slug, name, Tally({}), name_ko))
            group.tally = Tally(
                {s.value: n + (s == status) for s, n in group.tally.counts.items()},
                group.tally.overdue + late,
            )
        return sorted(groups.values(), key=lambda g: (-g.tally.total, g.name))

    def with_dead_evidence(self):
        """Pledges with an evidence link that the vault last found dead (tracker.vault)."""
        dead = Evidence.objects.filter(health=EvidenceHealth.DEAD).values("update__pledge")
        return self.filter(pk__in=dead)

    def awaiting_review(self):
        """Pledges with a proposed status update that no second person has approved yet."""
        return self.filter(
            Exists(StatusUpdate.objects.awaiting_review().filter(pledge=OuterRef("pk")))
        )

    def with_overdue(self, today=None):
        today = today or timezone.localdate()
        return self.annotate(
            is_overdue=Case(
                When(
                    Q(status__in=Status.open_values(), target_deadline__lt=today),
                    then=Value(True),
                ),
                default=Value(False),
                output_field=models.BooleanField(),
            )
        )

    def refresh_status(self):
        """Set each pledge's status, latest_update and version from its status history.

        record_update() and approve() keep these in step as they write. History that
        arrives any other way, such as a fixture of status updates (fixtures/followup.json,
        approved by default), needs this afterwards, and refresh_search() for their notes.
        Only approved updates count. One UPDATE statement; returns the number of pledges.
        """
        history = StatusUpdate.objects.filter(pledge=OuterRef("pk")).published().order_by()
        latest = history.timeline()
        count = history.values("pledge").annotate(n=Count("pk")).values("n")
        changed = self.update(
            latest_update=Subquery(latest.values("pk")[:1]),
            status=Coalesce(Subquery(latest.values("status")[:1]), Value(Status.NOT_YET_RATED)),
            version=Coalesce(Subquery(count), 0),
        )
        Revision.bump()
        return changed


class StaleVersion(Exception):
    """Another update landed after the editor opened the form."""

    def __init__(self, pledge):
        super().__init__(pledge)
        self.pledge = pledge

    def __str__(self):
        return _("Pledge %(pk)s has changed (now version %(version)s).") % {
            "pk": self.pledge.pk,
            "version": self.pledge.version,
        }


class Pledge(SluggedModel):
    """A commitment made in a statement, held as a verbatim quote."""

    statement = models.ForeignKey(
        Statement,
        on_delete=models.PROTECT,
        related_name="pledges",
        help_text=_("The statement in which the pledge was (first) made."),
        verbose_name=_("statement"),
    )
    quote = models.TextField(
        validators=length_limit(QUOTE_LIMIT),
        help_text=_("Verbatim: must occur exactly in the statement's text."),
        verbose_name=_("quote"),
    )
    title = models.CharField(
        max_length=200, help_text=_("A short title in plain words."), verbose_name=_("title")
    )
    title_ko = models.CharField(
        max_length=200,
        blank=True,
        db_default="",
        help_text=_("The tracker's Korean translation of the title."),
        verbose_name=_("title (Korean)"),
    )
    slug = models.SlugField(max_length=200, unique=True, blank=True, verbose_name=_("slug"))
    description = models.TextField(
        validators=length_limit(NOTE_LIMIT), blank=True, verbose_name=_("description")
    )
    description_ko = models.TextField(
        validators=length_limit(NOTE_LIMIT),
        blank=True,
        db_default="",
        help_text=_("The tracker's Korean translation of the description."),
        verbose_name=_("description (Korean)"),
    )
    counterparts = models.ManyToManyField(
        Counterpart, blank=True, related_name="pledges", verbose_name=_("counterparts")
    )
    topics = models.ManyToManyField(
        Topic, blank=True, related_name="pledges", verbose_name=_("topics")
    )
    responsible_body = models.ForeignKey(
        Body,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pledges",
        verbose_name=_("responsible body"),
    )
    maker = models.ForeignKey(
        Speaker,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pledges_made",
        help_text=_(
            "The speaker of the statement who made this pledge. Leave empty when the "
            "source names no person: the statement's issuing body made it."
        ),
        verbose_name=_("made by"),
    )
    target_date = models.DateField(
        null=True,
        blank=True,
        help_text=_(
            "When it is due. For month or year precision any day in the period "
            "will do: the pledge is due by the period's last day."
        ),
        verbose_name=_("target date"),
    )
    target_precision = models.CharField(
        max_length=10,
        choices=DatePrecision,
        default=DatePrecision.UNKNOWN,
        verbose_name=_("target precision"),
    )
    target_note = models.CharField(max_length=500, blank=True, verbose_name=_("target note"))
    target_basis = models.CharField(
        max_length=20,
        choices=Basis,
        default=Basis.STATED,
        help_text=_("Where the target date comes from; the target note gives the reasoning."),
        verbose_name=_("target basis"),
    )
    target_deadline = models.DateField(
        null=True,
        blank=True,
        editable=False,
        db_index=True,
        help_text=_("Derived: the last day of the target period."),
        verbose_name=_("target deadline"),
    )
    specificity = models.CharField(
        max_length=20,
        choices=Specificity,
        default=Specificity.CONCRETE,
        verbose_name=_("specificity"),
    )
    status = models.CharField(
        max_length=20,
        choices=Status,
        default=Status.NOT_YET_RATED,
        editable=False,
        db_index=True,
        help_text=_("Denormalised from the latest status update."),
        verbose_name=_("status"),
    )
    latest_update = models.ForeignKey(
        "StatusUpdate",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("latest update"),
    )
    version = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text=_("Counts status updates; guards concurrent edits."),
        verbose_name=_("version"),
    )
    is_published = models.BooleanField(default=False, db_index=True, verbose_name=_("published"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated"))

    objects = PledgeQuerySet.as_manager()
    # The status fields move with each status update, which is its own history.
    history = HistoricalRecords(
        excluded_fields=["status", "latest_update", "version", "updated_at", "target_deadline"],
        m2m_fields=[counterparts, topics],
    )

    # What a reader cites: a change to these once published needs a public reason.
    CORRECTED_FIELDS = ["quote", "title", "statement", "target_date", "target_precision"]

    class Meta:
        verbose_name = _("pledge")
        verbose_name_plural = _("pledges")
        ordering = ["statement", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="pledge_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(specificity__in=Specificity.values), name="pledge_specificity_valid"
            ),
            models.CheckConstraint(
                condition=Q(target_precision__in=DatePrecision.values),
                name="pledge_target_precision_valid",
            ),
            models.CheckConstraint(
                condition=Q(target_precision=DatePrecision.UNKNOWN) | Q(target_date__isnull=False),
                name="pledge_target_given_unless_unknown",
            ),
            models.CheckConstraint(
                condition=Q(target_basis__in=[Basis.STATED, Basis.INFERRED]),
                name="pledge_target_basis_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "target_deadline"]),
            # Covers the public lists' join and count: an index-only scan, not the table.
            models.Index(
                fields=["statement", "id"],
                condition=Q(is_published=True),
                name="pledge_public_by_statement",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.target_deadline = end_of_period(self.target_date, self.target_precision)
        super().save(*args, **kwargs)
        searched = searching.translated_fields(Pledge, searching.SEARCHED_FIELDS)
        fields = kwargs.get("update_fields")
        if fields is None or set(fields) & set(searched):
            texts = [getattr(self, name) for name in searched]
            texts += StatusUpdate.objects.filter(pledge=self.pk).published().notes()
            PledgeSearch.write([(self.pk, *searching.search_columns(texts))])

    def get_absolute_url(self):
        return reverse("pledge_detail", args=[self.slug])

    def clean(self):
        super().clean()
        errors = {}
        if message := quote_error(self.quote, _statement_of(self)):
            errors["quote"] = message
        if self.target_precision != DatePrecision.UNKNOWN and self.target_date is None:
            errors["target_date"] = _("Give a target date, or set the precision to unknown.")
        if self.target_basis == Basis.INFERRED and not self.target_note.strip():
            errors["target_note"] = _("Say how the target date was inferred.")
        statement = _statement_of(self)
        if self.maker_id and statement and self.maker.statement_id != statement.pk:
            errors["maker"] = _("The maker must be one of this statement's speakers.")
        if errors:
            raise ValidationError(errors)

    @property
    def made_by(self):
        """Who made the pledge (a Maker), or None when the source names no one at all."""
        if self.maker_id:
            speaker = self.maker
            person = speaker.person
            return Maker(
                speaker.attribution,
                person.name,
                speaker.office,
                speaker.grounds,
                name_ko=person.name_ko,
            )
        body = self.statement.issuing_body
        if body:
            return Maker(BODY_KEY_PREFIX + body.slug, body.name, is_body=True, name_ko=body.name_ko)
        return None

    def to_dict(self):
        """The pledge as the JSON API gives it; tracker.exports.API_FIELDS says what each
        field means. From .with_overdue(), with counterparts and topics prefetched."""
        statement = self.statement
        update = self.latest_update
        return {
            "slug": self.slug,
            "url": absolute_url(self.get_absolute_url()),
            "title": self.title,
            "title_ko": self.title_ko or None,
            "status": self.status,
            "status_label": self.get_status_display(),
            "overdue": self.is_overdue,
            "score": self.status_enum.score,
            "quote": self.quote,
            "description": self.description,
            "description_ko": self.description_ko or None,
            "specificity": self.specificity,
            "target": {
                "date": iso_date(self.target_date),
                "precision": self.target_precision,
                "deadline": iso_date(self.target_deadline),
                "display": self.display_target,
                "basis": self.target_basis if self.target_grounds else None,
                "note": self.target_note,
            },
            "statement": {
                "slug": statement.slug,
                "title": statement.title,
                "title_ko": statement.title_ko or None,
                "language": statement.language,
                "url": absolute_url(statement.get_absolute_url()),
                "date": iso_date(statement.date),
                "date_precision": statement.date_precision,
                "display_date": statement.display_date,
                "date_note": statement.date_note,
                "date_basis": statement.date_grounds.as_dict(),
            },
            "made_by": maker.as_dict() if (maker := self.made_by) else None,
            "counterparts": [named(c) for c in self.counterparts.all()],
            "topics": [named(t) for t in self.topics.all()],
            "responsible_body": body.name if (body := self.responsible_body) else None,
            "responsible_body_ko": (body.name_ko or None) if body else None,
            "last_update": update
            and {
                "status": update.status,
                "as_of": iso_date(update.as_of),
                "note": update.public_note,
                "note_ko": update.public_note_ko or None,
            },
        }

    @property
    def target_grounds(self):
        if self.target_precision == DatePrecision.UNKNOWN:
            return None
        return Grounds(self.target_basis, self.target_note)

    @property
    def display_target(self):
        if self.target_precision == DatePrecision.UNKNOWN:
            return gettext("No target date")
        return format_partial_date(self.target_date, self.target_precision)

    def is_overdue_on(self, today=None):
        today = today or timezone.localdate()
        return (
            Status(self.status).is_open
            and self.target_deadline is not None
            and self.target_deadline < today
        )

    @property
    def status_enum(self):
        return Status(self.status)

    def update_errors(self, *, status, as_of, public_note, internal_note="", public_note_ko=""):
        """What an update to this pledge would break, by field, in the words editors see.

        The rules, said once: record_update() refuses what breaks them, and the staff forms
        show the same messages on the fields.
        """
        errors = {}
        notes = (
            ("public_note", public_note),
            ("public_note_ko", public_note_ko),
            ("internal_note", internal_note),
        )
        for name, note in notes:
            if len(note) > NOTE_LIMIT:
                errors[name] = _(
                    "Too long to save: at most %(limit)s characters, and this has %(length)s. "
                    "Shorten it; nothing was saved and your text is kept."
                ) % {"limit": number_format(NOTE_LIMIT, force_grouping=True), "length": len(note)}
        if as_of and as_of > timezone.localdate():
            errors["as_of"] = _("The as-of date cannot be in the future.")
        if self.needs_public_note(status, public_note + public_note_ko):
            errors["public_note"] = _(
                "The status changes from “%(status)s”: explain why in a public note."
            ) % {"status": self.get_status_display()}
        return errors

    def needs_public_note(self, status, public_note):
        """A change of status needs a public note saying why (in either language)."""
        return bool(status) and status != self.status and not public_note.strip()

    def record_update(
        self,
        *,
        status,
        as_of,
        public_note,
        author,
        internal_note="",
        evidence=(),
        expected_version=None,
        source_statement=None,
        public_note_ko="",
        note_language=None,
    ):
        """Append a status update and, unless it needs review, move the pledge's status.

        The current status is the latest published event's: the approved update with the
        latest as-of date (then the latest recorded). A backfilled update, dated before one
        already on record, joins the history without becoming current.

        All in one transaction. A change that needs a second person (see `needs_review`)
        is recorded as proposed: the public sees it only once another editor or curator
        approves it (StatusUpdate.approve). `evidence` is a sequence of (url, title)
        pairs. With `expected_version`, the update is refused with StaleVersion if another
        update was published since the editor's form was made, so none is ever silently
        overwritten.

        The public note may be given in English (`public_note`), Korean (`public_note_ko`)
        or both; `note_language` is the one its author wrote (by default the only one
        given, or the active language), and the other may follow later (translate_note()).
        """
        status = Status(status)
        if errors := self.update_errors(
            status=status,
            as_of=as_of,
            public_note=public_note,
            public_note_ko=public_note_ko,
            internal_note=internal_note,
        ):
            raise ValidationError(errors)
        note_language = note_language or written_language(public_note, public_note_ko)
        url_validator = URLValidator(schemes=["http", "https"])
        for url, title in evidence:
            url_validator(url)
            if not title.strip():
                raise ValidationError({"evidence": _("Every evidence link needs a title.")})

        try:
            with transaction.atomic():
                # Writers queue here: PostgreSQL locks the row, SQLite's IMMEDIATE
                # transactions lock the database. So the version check, the previous
                # status and the write agree.
                current = self._lock()
                if expected_version is not None and current.version != expected_version:
                    raise StaleVersion(self)
                history = StatusUpdate.objects.filter(pledge=self).published().timeline()
                if history.filter(as_of__gt=as_of).exists():
                    # Backfilled: the status in force just before its date, and the
                    # later event stays current (see /about/#backfill).
                    before = history.filter(as_of__lte=as_of).values_list("status", flat=True)
                    previous = before.first() or Status.NOT_YET_RATED
                else:
                    previous = current.status
                proposed = needs_review(previous, status)
                update = StatusUpdate.objects.create(
                    pledge=self,
                    status=status,
                    previous_status=previous,
                    as_of=as_of,
                    public_note=public_note,
                    public_note_ko=public_note_ko,
                    note_language=note_language,
                    internal_note=internal_note,
                    author=author,
                    source_statement=source_statement,
                    review_state=ReviewState.PROPOSED if proposed else ReviewState.APPROVED,
                    base_version=current.version,
                )
                Evidence.objects.bulk_create(
                    Evidence(update=update, url=url, title=title, order=i)
                    for i, (url, title) in enumerate(evidence)
                )
                if not proposed:
                    update._publish()
                # Once committed: announce it, published or proposed (its evidence is archived).
                transaction.on_commit(update._announce_recorded, robust=True)
        except StaleVersion as stale:
            # Leaving the atomic block rolled the history row back; show the newer state.
            stale.pledge = Pledge.objects.get(pk=self.pk)
            raise
        self.refresh_from_db(fields=["status", "latest_update", "version", "updated_at"])
        return update

    def _lock(self):
        """This pledge's status and version, locked until the transaction ends."""
        return Pledge.objects.select_for_update().only("status", "version").get(pk=self.pk)


class PledgeSearchQuerySet(models.QuerySet):
    def parse(self):
        """On PostgreSQL, set `document` from text and tokens, in one UPDATE."""
        if connection.vendor == "postgresql":
            self.update(document=SEARCH_DOCUMENT)


class PledgeSearch(models.Model):
    """What search finds a pledge by (tracker.search): its texts in every language and the
    public notes of its published updates, as `text` (English is matched here) and `tokens`
    (Korean n-grams). Derived, one row per pledge, written by Pledge.save() and
    PledgeQuerySet.refresh_search(); a table of its own so the pledges' rows stay narrow for
    every list that scans them."""

    pledge = models.OneToOneField(
        Pledge, on_delete=models.CASCADE, primary_key=True, related_name="search_index"
    )
    text = models.TextField(blank=True, default="")
    tokens = models.TextField(blank=True, default="")
    # PostgreSQL only (NULL on SQLite): text and tokens parsed (SEARCH_DOCUMENT), stored and
    # GIN-indexed (migration 0014). Parsed once per write: an expression index made the
    # planner parse each candidate row again at query time, about 1 ms a row at scale L.
    document = SearchVectorField(null=True, editable=False)

    objects = PledgeSearchQuerySet.as_manager()

    def __str__(self):
        return f"Search index of pledge {self.pledge_id}"

    @classmethod
    def write(cls, rows):
        """Insert or replace the rows for [(pledge_id, text, tokens)]: per 1,000 pledges,
        one upsert and, on PostgreSQL, one UPDATE that parses them."""
        rows = list(rows)
        for start in range(0, len(rows), 1000):
            batch = rows[start : start + 1000]
            cls.objects.bulk_create(
                [cls(pledge_id=pk, text=text, tokens=tokens) for pk, text, tokens in batch],
                update_conflicts=True,
                unique_fields=["pledge"],
                update_fields=["text", "tokens"],
            )
            cls.objects.filter(pk__in=[pk for pk, _, _ in batch]).parse()


def written_language(english, korean):
    """The language a note given in `english` and `korean` was written in: the only one
    given, else the author's (the active language)."""
    if korean.strip() and not english.strip():
        return Language.KO
    if english.strip() and not korean.strip():
        return Language.EN
    return Language.KO if get_language() == Language.KO else Language.EN


def needs_review(previous, new):
    """Whether a change from `previous` to `new` status needs a second person's approval.

    Settings decide: TRACKER_REVIEW_STATUSES lists the statuses whose every change needs
    review; a note-only update (status unchanged) goes straight out unless
    TRACKER_REVIEW_NOTE_ONLY is on.
    """
    if previous == new:
        return settings.TRACKER_REVIEW_NOTE_ONLY
    return new in settings.TRACKER_REVIEW_STATUSES


class Restatement(models.Model):
    """The same commitment made again in another statement: tracked once, cited each time."""

    pledge = models.ForeignKey(
        Pledge, on_delete=models.CASCADE, related_name="restatements", verbose_name=_("pledge")
    )
    statement = models.ForeignKey(
        Statement,
        on_delete=models.PROTECT,
        related_name="restatements",
        verbose_name=_("statement"),
    )
    quote = models.TextField(
        validators=length_limit(QUOTE_LIMIT),
        help_text=_("Verbatim: must occur exactly in this statement's text."),
        verbose_name=_("quote"),
    )
    note = models.TextField(validators=length_limit(NOTE_LIMIT), blank=True, verbose_name=_("note"))

    class Meta:
        verbose_name = _("restatement")
        verbose_name_plural = _("restatements")
        ordering = ["statement__date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["pledge", "statement"], name="restatement_once_per_statement"
            )
        ]

    def __str__(self):
        return _("%(pledge)s (restated in %(statement)s)") % {
            "pledge": self.pledge,
            "statement": self.statement,
        }

    def clean(self):
        super().clean()
        statement = _statement_of(self)
        if message := quote_error(self.quote, statement):
            raise ValidationError({"quote": message})
        if self.pledge_id and statement and self.pledge.statement_id == statement.pk:
            raise ValidationError(
                {"statement": _("This is the statement the pledge was first made in.")}
            )


class ReviewDecision(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted as suggested")
    EDITED = "edited", _("Accepted with edits")
    REJECTED = "rejected", _("Rejected")
    RESTATEMENT = "restatement", _("Marked as a restatement")
    ADDED = "added", _("Added by hand (missed by the suggester)")


class SuggestionReview(models.Model):
    """What a curator did with a suggested pledge: the record that measures the suggester.

    Accepted, edited and rejected suggestions give its precision in real use; passages the
    curator selected by hand ("added") are what it missed.
    """

    Decision = ReviewDecision
    statement = models.ForeignKey(
        Statement,
        on_delete=models.CASCADE,
        related_name="suggestion_reviews",
        verbose_name=_("statement"),
    )
    decision = models.CharField(max_length=20, choices=Decision, verbose_name=_("decision"))
    start = models.PositiveIntegerField(verbose_name=_("start"))
    end = models.PositiveIntegerField(verbose_name=_("end"))
    quote = models.TextField(verbose_name=_("quote"))
    confidence = models.FloatField(
        null=True,
        blank=True,
        help_text=_("Empty for added passages."),
        verbose_name=_("confidence"),
    )
    reasons = models.JSONField(default=list, blank=True, verbose_name=_("reasons"))
    pledge = models.ForeignKey(
        Pledge,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("pledge"),
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created"))

    class Meta:
        verbose_name = _("suggestion review")
        verbose_name_plural = _("suggestion reviews")
        ordering = ["statement", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision__in=ReviewDecision.values),
                name="suggestion_review_decision_valid",
            ),
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="suggestion_review_span_not_empty"
            ),
        ]

    def __str__(self):
        return f"{self.get_decision_display()}: {self.quote[:60]}"


class ReviewState(models.TextChoices):
    """Where a status update stands in the two-key review."""

    PROPOSED = "proposed", _("Awaiting review")
    APPROVED = "approved", _("Published")
    RETURNED = "returned", _("Returned to its author")
    WITHDRAWN = "withdrawn", _("Withdrawn after publication")


class UpdateDecision(models.TextChoices):
    """What a reviewer did with a proposed status update."""

    APPROVE = "approve", _("Approved")
    RETURN = "return", _("Returned with a comment")
    DISAGREE = "disagree", _("Disagreement recorded")


# A reviewer's role in words: on staff pages, and as the public names a reviewer when
# names are not shown.
STAFF_ROLES = {"curator": _("curator"), "editor": _("editor")}
PUBLIC_ROLES = {"curator": _("a curator"), "editor": _("an editor")}


def staff_role(user):
    """The role shown publicly in place of a name: curators correct the record itself."""
    return "curator" if user.has_perm("tracker.change_pledge") else "editor"


# Sent once the transaction that recorded a status update has committed, published or only
# proposed. Receivers get `update`. The archiving of its evidence hooks in here
# (tracker.signals queues tracker.tasks.archive_evidence).
update_recorded = Signal()

# Sent once the transaction that made a status update public has committed: straight out
# (record_update) or approved by a second person (StatusUpdate.approve). Receivers get
# `update` (a StatusUpdate with its pledge). Followers' notifications hook in here
# (tracker.signals queues tracker.tasks.notify_followers on a change of status).
update_published = Signal()


class StatusUpdateQuerySet(models.QuerySet):
    def public(self):
        """Approved updates of public pledges: the only ones the public ever sees."""
        return self.published().filter(pledge__in=Pledge.objects.public())

    def published(self):
        """Approved: through the second key, or a change that needed none."""
        return self.filter(review_state=ReviewState.APPROVED)

    def awaiting_review(self):
        return self.filter(review_state=ReviewState.PROPOSED)

    def notes(self):
        """The public notes of these updates (in each language), oldest event first: what
        search finds a pledge by (tracker.search)."""
        fields = searching.translated_fields(StatusUpdate, searching.NOTE_FIELDS)
        rows = self.order_by("as_of", "created_at", "pk").values_list(*fields)
        return [note for row in rows for note in row]

    def timeline(self):
        """Latest event first: by the as-of date each reports, then by when it was recorded.

        The first is the pledge's current status, however late it was recorded."""
        return self.order_by("-as_of", "-created_at", "-pk")


class StatusUpdate(models.Model):
    """One dated, evidenced step in a pledge's history.

    Append-only: what was said is never edited, corrections are new rows. Only the review
    fields move, through approve(), return_to_author() and disagree().
    """

    pledge = models.ForeignKey(
        Pledge, on_delete=models.CASCADE, related_name="updates", verbose_name=_("pledge")
    )
    status = models.CharField(max_length=20, choices=Status, verbose_name=_("status"))
    previous_status = models.CharField(
        max_length=20, choices=Status, blank=True, verbose_name=_("previous status")
    )
    as_of = models.DateField(
        help_text=_("When the reported event happened."), verbose_name=_("as of")
    )
    public_note = models.TextField(
        validators=length_limit(NOTE_LIMIT), blank=True, verbose_name=_("public note")
    )
    public_note_ko = models.TextField(
        validators=length_limit(NOTE_LIMIT),
        blank=True,
        db_default="",
        verbose_name=_("public note (Korean)"),
    )
    # Which of the two notes its author wrote: that one is what was said, never edited;
    # the other is the tracker's translation, which may follow later (translate_note()).
    note_language = models.CharField(
        max_length=10,
        choices=Language,
        default=Language.EN,
        db_default=Language.EN,
        help_text=_("The language the public note was written in; the other is a translation."),
        verbose_name=_("note's language"),
    )
    internal_note = models.TextField(
        validators=length_limit(NOTE_LIMIT),
        blank=True,
        help_text=_("Seen by staff only, never published."),
        verbose_name=_("internal note"),
    )
    source_statement = models.ForeignKey(
        Statement,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reported_updates",
        help_text=_("A statement in this tracker that reports the progress."),
        verbose_name=_("source statement"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="status_updates",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(
        default=timezone.now, db_index=True, verbose_name=_("recorded")
    )
    # Rows that arrive without a review state (curated fixtures, bulk seeds, the rows
    # from before two-key review) are the published record: approved. record_update()
    # always says which it is.
    review_state = models.CharField(
        max_length=10,
        choices=ReviewState,
        default=ReviewState.APPROVED,
        db_default=ReviewState.APPROVED,
        verbose_name=_("review state"),
    )
    base_version = models.PositiveIntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "The pledge's version when this was proposed: approving is refused if "
            "another update was published since."
        ),
        verbose_name=_("base version"),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviewed_updates",
        verbose_name=_("reviewed by"),
    )
    reviewer_role = models.CharField(
        max_length=20, blank=True, db_default="", verbose_name=_("reviewer role")
    )
    reviewed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("reviewed"))

    objects = StatusUpdateQuerySet.as_manager()
    # Records each update and each later translation of its note (translate_note()); the
    # review fields move by queryset updates and have their own history (Review).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("status update")
        verbose_name_plural = _("status updates")
        ordering = ["-created_at", "-pk"]
        get_latest_by = ["created_at", "pk"]
        permissions = [
            ("review_statusupdate", "Can approve, return or dispute another's status update")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="update_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(review_state__in=ReviewState.values), name="update_review_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(note_language__in=Language.values), name="update_note_language_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["pledge", "-created_at"]),
            models.Index(
                fields=["pledge"],
                condition=Q(review_state="proposed"),
                name="update_awaiting_review",
            ),
        ]

    def __str__(self):
        return _("%(pledge)s: %(status)s as of %(date)s") % {
            "pledge": self.pledge,
            "status": self.get_status_display(),
            "date": date_format(self.as_of),
        }

    def save(self, *args, **kwargs):
        translating = kwargs.get("update_fields") and set(kwargs["update_fields"]) == {
            self.translation_field
        }
        if not self._state.adding and not translating:
            raise ValueError("Status updates are append-only: record a correction as a new update.")
        super().save(*args, **kwargs)

    @property
    def translation_field(self):
        """The public note that is the tracker's translation: the other was written."""
        return "public_note" if self.note_language == Language.KO else "public_note_ko"

    def translate_note(self, text, *, author):
        """Add, correct or clear the translation of the public note.

        What was said does not change: the status, the date, the evidence and the note in
        its written language stay, so a published update stays published and a proposed
        one keeps waiting for the same review. The change is a version in the update's
        edit history, with who made it. Refused (ValidationError) when there is no note to
        translate or the text is too long; nothing is saved then.
        """
        text = text.strip()
        original = self.public_note_ko if self.note_language == Language.KO else self.public_note
        if text and not original.strip():
            raise ValidationError(
                {self.translation_field: _("This update has no public note to translate.")}
            )
        if len(text) > NOTE_LIMIT:
            raise ValidationError(
                {
                    self.translation_field: _(
                        "Too long to save: at most %(limit)s characters, and this has "
                        "%(length)s. Shorten it; nothing was saved and your text is kept."
                    )
                    % {"limit": number_format(NOTE_LIMIT, force_grouping=True), "length": len(text)}
                }
            )
        if text == getattr(self, self.translation_field):
            return False
        with transaction.atomic():
            self.pledge._lock()
            setattr(self, self.translation_field, text)
            self._history_user = author
            self._change_reason = "translation"
            self.save(update_fields=[self.translation_field])
            if self.review_state == ReviewState.APPROVED:
                Pledge.objects.filter(pk=self.pledge_id).refresh_search()  # its note is searchable
                Revision.bump(pledge=self.pledge_id)
        return True

    @property
    def status_changed(self):
        return self.previous_status != self.status

    @property
    def is_proposed(self):
        return self.review_state == ReviewState.PROPOSED

    @property
    def public_reviewer(self):
        """Who reviewed it, as the public sees it: a role, or a name if settings allow."""
        if settings.TRACKER_PUBLIC_STAFF_NAMES and self.reviewed_by:
            return self.reviewed_by.get_full_name() or self.reviewed_by.get_username()
        return PUBLIC_ROLES.get(self.reviewer_role, self.reviewer_role)

    # The second key --------------------------------------------------------------------

    def approve(self, reviewer, *, comment="", expected_version=None):
        """Publish a proposed update: the one place a reviewed update reaches the public.

        Refused (ValidationError) for its author or an update no longer awaiting review,
        and with StaleVersion if another update was published after it was proposed or
        after the reviewer opened it (`expected_version`): approving it would overwrite
        a state its author never saw.
        """
        self._check_reviewer(reviewer)
        try:
            with transaction.atomic():
                current = self.pledge._lock()
                self._check_still_proposed()
                if current.version != self.base_version or (
                    expected_version is not None and current.version != expected_version
                ):
                    raise StaleVersion(self.pledge)
                now = timezone.now()
                role = staff_role(reviewer)
                Review.objects.create(
                    update=self,
                    reviewer=reviewer,
                    reviewer_role=role,
                    decision=UpdateDecision.APPROVE,
                    comment=comment,
                    created_at=now,
                )
                self._set_review(
                    review_state=ReviewState.APPROVED,
                    reviewed_by=reviewer,
                    reviewer_role=role,
                    reviewed_at=now,
                )
                self._publish()
        except StaleVersion as stale:
            stale.pledge = Pledge.objects.get(pk=self.pledge_id)
            raise
        self.pledge.refresh_from_db(fields=["status", "latest_update", "version", "updated_at"])

    def return_to_author(self, reviewer, *, comment):
        """Send a proposal back with a comment; it never goes public.

        Its author may propose again, on top of the pledge's state by then."""
        self._decide(reviewer, UpdateDecision.RETURN, comment, ReviewState.RETURNED)

    def disagree(self, reviewer, *, comment):
        """Record that the reviewer disagrees. The update stays unpublished and awaiting review,
        for a third person to approve or return; the disagreement stays in the staff history."""
        self._decide(reviewer, UpdateDecision.DISAGREE, comment, ReviewState.PROPOSED)

    def withdraw(self, curator, *, reason):
        """Take a published update out of the public record: a correction to the status
        history, so it needs a curator and a public reason, logged as a Correction.

        The pledge's status falls back to the latest update still published."""
        if not curator.has_perm("tracker.change_pledge"):
            raise PermissionDenied(_("Only curators correct the published record."))
        with transaction.atomic():
            self.pledge._lock()
            state = StatusUpdate.objects.values_list("review_state", flat=True).get(pk=self.pk)
            if state != ReviewState.APPROVED:
                raise ValidationError(_("Only a published update can be withdrawn."))
            change = {
                f"Status update as of {self.as_of.day} {self.as_of:%B %Y}": [
                    f"{self.get_status_display()}: {self.public_note}".strip(": "),
                    "withdrawn",
                ]
            }
            Correction.record(self.pledge, change, reason=reason, author=curator)
            self._set_review(review_state=ReviewState.WITHDRAWN)
            latest = StatusUpdate.objects.filter(pledge=self.pledge_id).published().timeline()
            latest = latest.first()
            Pledge.objects.filter(pk=self.pledge_id).update(
                status=latest.status if latest else Status.NOT_YET_RATED,
                latest_update=latest,
                version=F("version") + 1,
                updated_at=timezone.now(),
            )
            Pledge.objects.filter(pk=self.pledge_id).refresh_search()  # its note is not
            Revision.bump(pledge=self.pledge_id, withdraws=True)

    def _decide(self, reviewer, decision, comment, state):
        self._check_reviewer(reviewer)
        if not comment.strip():
            raise ValidationError({"comment": _("Say why, for the author and the history.")})
        with transaction.atomic():
            self.pledge._lock()
            self._check_still_proposed()
            Review.objects.create(
                update=self,
                reviewer=reviewer,
                reviewer_role=staff_role(reviewer),
                decision=decision,
                comment=comment,
            )
            if state != self.review_state:
                self._set_review(review_state=state)

    def _check_reviewer(self, reviewer):
        if not reviewer.has_perm("tracker.review_statusupdate"):
            raise PermissionDenied(_("Only editors and curators review status updates."))
        if reviewer.pk == self.author_id:
            raise PermissionDenied(_("A second person must review this: you proposed it."))

    def _check_still_proposed(self):
        state = StatusUpdate.objects.values_list("review_state", flat=True).get(pk=self.pk)
        if state != ReviewState.PROPOSED:
            self.review_state = state
            raise ValidationError(
                _("This update is no longer awaiting review: its state is now “%(state)s”.")
                % {"state": self.get_review_state_display()}
            )

    def _set_review(self, **fields):
        StatusUpdate.objects.filter(pk=self.pk).update(**fields)
        for name, value in fields.items():
            setattr(self, name, value)

    def _publish(self):
        """Count this update in the pledge's history and set its current status: the latest
        published event's, so a backfilled update does not take over. Announced on commit."""
        latest = StatusUpdate.objects.filter(pledge=self.pledge_id).published().timeline()[0]
        Pledge.objects.filter(pk=self.pledge_id).update(
            status=latest.status,
            latest_update=latest,
            version=F("version") + 1,
            updated_at=timezone.now(),
        )
        Pledge.objects.filter(pk=self.pledge_id).refresh_search()  # its note is searchable
        Revision.bump(pledge=self.pledge_id)  # queryset.update() sends no signals
        transaction.on_commit(self._announce, robust=True)

    def _announce_recorded(self):
        """Once recorded and committed: send update_recorded."""
        update_recorded.send(sender=StatusUpdate, update=self)

    def _announce(self):
        """Once its publication is committed: send update_published."""
        update_published.send(sender=StatusUpdate, update=self)


class Review(models.Model):
    """One reviewer's decision on a proposed update: the staff history of the second key."""

    update = models.ForeignKey(StatusUpdate, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewer_role = models.CharField(max_length=20)
    decision = models.CharField(max_length=10, choices=UpdateDecision)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision__in=UpdateDecision.values), name="review_decision_valid"
            )
        ]

    def __str__(self):
        return _("%(decision)s by %(reviewer)s on %(date)s") % {
            "decision": self.get_decision_display(),
            "reviewer": self.reviewer,
            "date": date_format(timezone.localdate(self.created_at)),
        }

    @property
    def role_label(self):
        return STAFF_ROLES.get(self.reviewer_role, self.reviewer_role)


class EvidenceHealth(models.TextChoices):
    """What the last fetch of an evidence link found (tracker.vault)."""

    UNCHECKED = "unchecked", _("Not checked yet")
    LIVE = "live", _("Live")
    CHANGED = "changed", _("Changed since archived")
    DEAD = "dead", _("Dead")
    REFUSED = "refused", _("Not fetched: refused by the fetcher's safety rules")


class Evidence(models.Model):
    update = models.ForeignKey(StatusUpdate, on_delete=models.CASCADE, related_name="evidence")
    url = models.URLField(max_length=1000, validators=[URLValidator(schemes=["http", "https"])])
    title = models.CharField(max_length=300)
    order = models.PositiveSmallIntegerField(default=0)
    health = models.CharField(
        max_length=10,
        choices=EvidenceHealth,
        default=EvidenceHealth.UNCHECKED,
        db_default=EvidenceHealth.UNCHECKED,  # for bulk loaders that write SQL (seed_bulk)
        editable=False,
    )
    checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    archive = models.ForeignKey(
        "EvidenceCapture",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The archived copy: the first successful fetch of the address."),
    )

    class Meta:
        ordering = ["order", "pk"]
        verbose_name_plural = "evidence"
        constraints = [
            models.CheckConstraint(
                condition=Q(health__in=EvidenceHealth.values), name="evidence_health_valid"
            )
        ]
        indexes = [models.Index(fields=["health"])]

    def __str__(self):
        return self.title

    @property
    def memento_url(self):
        """A web archive's copy of the address nearest the date we archived it.

        The Wayback Machine answers /web/<14-digit datetime>/<address> with its capture
        closest to that moment (a Memento TimeGate), so the link works for any address.
        """
        if self.archive is None:
            return None
        moment = self.archive.fetched_at.astimezone(datetime.UTC)
        return f"https://web.archive.org/web/{moment:%Y%m%d%H%M%S}/{self.url}"


class EvidenceCapture(models.Model):
    """One fetch of an evidence address: what came back, and its health at that moment."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="captures")
    fetched_at = models.DateTimeField(default=timezone.now)
    health = models.CharField(max_length=10, choices=EvidenceHealth)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    final_url = models.URLField(max_length=2000, blank=True, help_text=_("After redirects."))
    content_type = models.CharField(max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, help_text=_("Of the body as received."))
    size = models.PositiveIntegerField(null=True, blank=True, help_text=_("Of the body, in bytes."))
    title = models.CharField(max_length=500, blank=True)
    text = models.TextField(
        blank=True,
        help_text=_("Extracted text, capped; kept only when it differs from the archive."),
    )
    error = models.CharField(max_length=300, blank=True, help_text=_("Why the fetch failed."))

    class Meta:
        ordering = ["-fetched_at", "-pk"]
        get_latest_by = ["fetched_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(health__in=EvidenceHealth.values), name="capture_health_valid"
            )
        ]

    def __str__(self):
        return f"{self.evidence.url} at {self.fetched_at:%Y-%m-%d %H:%M}: {self.health}"


class FollowQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(confirmed_at__isnull=False)


class Follow(models.Model):
    """A reader following a pledge, or every pledge concerning a counterpart, by email.

    No account: the address is kept only to send these messages, confirmed by a link
    (double opt-in), and the row is deleted when the reader unsubscribes (tracker.follow).
    """

    email = models.EmailField()
    pledge = models.ForeignKey(
        Pledge, null=True, blank=True, on_delete=models.CASCADE, related_name="follows"
    )
    counterpart = models.ForeignKey(
        Counterpart, null=True, blank=True, on_delete=models.CASCADE, related_name="follows"
    )
    # The language of the page the reader subscribed from: their messages are written in it.
    language = models.CharField(max_length=10, default="en")
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    objects = FollowQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(pledge__isnull=False, counterpart__isnull=True)
                | Q(pledge__isnull=True, counterpart__isnull=False),
                name="follow_one_target",
            ),
            models.UniqueConstraint(
                fields=["email", "pledge"],
                condition=Q(pledge__isnull=False),
                name="follow_pledge_once",
            ),
            models.UniqueConstraint(
                fields=["email", "counterpart"],
                condition=Q(counterpart__isnull=False),
                name="follow_counterpart_once",
            ),
        ]

    def __str__(self):
        return f"{self.email} follows {self.target}"

    @property
    def target(self):
        return self.pledge or self.counterpart


def start_of_week(now=None):
    """Monday 00:00, local time, of the current week."""
    today = timezone.localdate(now)
    monday = today - datetime.timedelta(days=today.weekday())
    return timezone.make_aware(datetime.datetime.combine(monday, datetime.time()))


class SavedFilters(models.Model):
    """An editor's last-used worklist filters: the worklist opens on them, in any session."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters"
    )
    query = models.TextField(blank=True, help_text=_("The worklist's query string, page left out."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "saved filters"

    def __str__(self):
        return f"{self.user}: ?{self.query}"


revision_moved = Signal()
"""Sent by Revision.bump(), so tracker.caching forgets the revision it remembers."""


class CorrectionQuerySet(models.QuerySet):
    def public(self):
        """Corrections to what the public can see: a public pledge or statement, newest
        first, with the record each names."""
        return self.filter(
            Q(pledge__in=Pledge.objects.public()) | Q(statement__in=Statement.objects.public())
        ).select_related("pledge", "statement")


def corrected_fields(instance):
    """{field label: [before, after]} for the cited fields of a published record that
    `instance` (unsaved) changes, compared with what is stored; {} for a draft."""
    stored = type(instance).objects.public().filter(pk=instance.pk).first()
    if stored is None:
        return {}
    changes = {}
    # The labels are stored with the correction: in the record's own language (English),
    # whatever language the curator's admin is in.
    with override("en"):
        for name in instance.CORRECTED_FIELDS:
            field = instance._meta.get_field(name)
            before, after = getattr(stored, field.attname), getattr(instance, field.attname)
            if before != after:
                if field.is_relation:
                    before, after = getattr(stored, name), getattr(instance, name)
                changes[str(field.verbose_name).capitalize()] = [_text(before), _text(after)]
    return changes


def _text(value):
    return "" if value is None else str(value)


class Correction(models.Model):
    """A public, dated explanation of a change to the published record.

    Made when a curator changes a published pledge's quote, title, statement or target,
    a published statement's title, date, body or speakers, or the published status
    history. Shown on the pledge page, on /corrections/ and in the corrections feed.
    """

    pledge = models.ForeignKey(
        Pledge,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="corrections",
        verbose_name=_("pledge"),
    )
    statement = models.ForeignKey(
        Statement,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="corrections",
        verbose_name=_("statement"),
    )
    changes = models.JSONField(
        default=dict, help_text=_("{field: [before, after]}"), verbose_name=_("changes")
    )
    reason = models.TextField(
        help_text=_("Public: why the record was corrected."), verbose_name=_("reason")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(
        default=timezone.now, db_index=True, verbose_name=_("created")
    )

    objects = CorrectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(pledge__isnull=False) | Q(statement__isnull=False),
                name="correction_names_a_record",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="correction_has_a_reason"),
        ]

    def __str__(self):
        return _("Correction to %(subject)s on %(date)s") % {
            "subject": self.subject,
            "date": date_format(timezone.localdate(self.created_at)),
        }

    def get_absolute_url(self):
        return f"{self.subject.get_absolute_url()}#correction-{self.pk}"

    @classmethod
    def record(cls, obj, changes, *, reason, author):
        """Log a correction to `obj`, a pledge or a statement."""
        if not reason.strip():
            raise ValidationError(
                {"public_reason": _("Give the public reason for this correction.")}
            )
        key = "pledge" if isinstance(obj, Pledge) else "statement"
        return cls.objects.create(
            **{key: obj}, changes=changes, reason=reason.strip(), author=author
        )

    @property
    def subject(self):
        """The pledge or statement corrected."""
        return self.pledge or self.statement

    @property
    def changed_fields(self):
        """What was corrected, in words: "quote, title"."""
        return ", ".join(self.changes).lower()


class Revision(models.Model):
    """One row that moves on every write to the record.

    Public pages use it for ETag/Last-Modified and as their cache key, so a new
    status update is visible at once, across every worker process.

    `number` moves on every write; `broad` on every write except those scoped to one
    pledge's own history (a status update published or withdrawn, its evidence archived),
    which move that pledge's `updated_at` instead. A page that shows one pledge, or a
    list row, keys on `broad` and the pledge's `updated_at`, so it stays cached while
    staff update other pledges; a page that shows many keys on `number`.
    """

    number = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(default=timezone.now)
    broad = models.PositiveBigIntegerField(default=0)
    broad_at = models.DateTimeField(default=timezone.now)
    # The number of the last write that took something out of the public record (an
    # unpublish, a withdrawn update, a deletion): no export built before it is served.
    withdrawn = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"Revision {self.number} at {self.changed_at:%Y-%m-%d %H:%M:%S}"

    @classmethod
    def bump(cls, pledge=None, *, withdraws=False):
        """Record a write; with `pledge` (a pk), one scoped to that pledge's history;
        `withdraws`: one that may take something out of the public record, so that no
        export file built before it is served again (tracker.export_files)."""
        now = timezone.now()
        fields = {"number": F("number") + 1, "changed_at": now}
        if withdraws:
            fields["withdrawn"] = F("number") + 1
        if pledge is None:
            fields.update(broad=F("broad") + 1, broad_at=now)
        else:
            Pledge.objects.filter(pk=pledge).update(updated_at=now)
        if not cls.objects.filter(pk=1).update(**fields):
            cls.objects.get_or_create(pk=1)
        revision_moved.send(sender=cls)

    @classmethod
    def current(cls):
        # Every public request may read this: one plain query, without the ORM's
        # compilation, which cost more than the query itself.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT number, changed_at, broad, broad_at FROM tracker_revision WHERE id = 1"
            )
            row = cursor.fetchone()
        if row is None:
            revision, _ = cls.objects.get_or_create(pk=1)
            return revision
        number, changed_at, broad, broad_at = row
        return cls(
            pk=1,
            number=number,
            changed_at=aware_datetime(changed_at),
            broad=broad,
            broad_at=aware_datetime(broad_at),
        )


class ExportBuild(models.Model):
    """One complete build of the export files (the full CSV and the data package) in a
    folder of TRACKER_EXPORT_DIR, read from one consistent view of the record at
    `revision`. A row is written only once every file is in place, so a row means a
    complete build (tracker.export_files)."""

    folder = models.CharField(max_length=100, unique=True)
    revision = models.PositiveBigIntegerField()
    revision_at = models.DateTimeField()
    key = models.CharField(max_length=200, help_text="The revision, day and release it is for.")
    built_at = models.DateTimeField(default=timezone.now)
    seconds = models.FloatField(default=0)

    class Meta:
        indexes = [models.Index(fields=["-revision", "-id"], name="exportbuild_newest")]

    def __str__(self):
        return f"Exports of revision {self.revision} ({self.folder})"


def aware_datetime(value):
    """A datetime column read without the ORM: SQLite hands back naive text."""
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)
    return value
