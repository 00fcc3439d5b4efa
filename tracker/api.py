"""The JSON API beyond the pledge list: its rows, its pagination and its OpenAPI document.

OPENAPI is the one description of every endpoint; tests/test_api.py validates each
endpoint's real responses against it with openapi-core, and every object schema forbids
fields it does not name, so neither the document nor the responses can drift.
"""

from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import Count, Prefetch, Q
from django.urls import reverse
from django.utils.translation import gettext, gettext_noop, pgettext_lazy

from tracker.datapackage import LICENSE
from tracker.exports import API_FIELDS
from tracker.filters import CachedRowsPaginator, RowsPaginator
from tracker.models import (
    Counterpart,
    CounterpartKind,
    DatePrecision,
    Evidence,
    Language,
    Pledge,
    Restatement,
    Speaker,
    Specificity,
    Statement,
    StatementKind,
    Status,
    StatusUpdate,
    Topic,
    absolute_url,
    iso_date,
)

PER_PAGE = 100


class BadPage(Exception):
    pass


def paginate(request, rows, serialise, per_page=PER_PAGE, cached=None):
    """{count, next, previous, results} for the requested page of rows; with `cached` (a
    name), each row's serialisation is kept per row (tracker.caching.cached_rows)."""
    if cached:
        paginator = CachedRowsPaginator(rows, per_page, cached, serialise)
        serialise = dict
    else:
        paginator = RowsPaginator(rows, per_page)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except (PageNotAnInteger, EmptyPage) as error:
        raise BadPage(str(error)) from error

    def link(number):
        params = request.GET.copy()
        params["page"] = number
        return absolute_url(f"{request.path}?{params.urlencode()}")

    return {
        "count": paginator.count,
        "next": link(page.next_page_number()) if page.has_next() else None,
        "previous": link(page.previous_page_number()) if page.has_previous() else None,
        "results": [serialise(row) for row in page],
    }


def _link(obj):
    return {"slug": obj.slug, "url": absolute_url(obj.get_absolute_url())}


# A pledge with its history ------------------------------------------------------------------


def pledge_with_history():
    """Public pledges with everything their page shows, in a fixed number of queries."""
    return (
        Pledge.objects.public()
        .with_overdue()
        .select_related("statement__issuing_body", "responsible_body", "maker__person")
        .prefetch_related(
            "counterparts",
            "topics",
            Prefetch("statement__speaker_set", queryset=Speaker.objects.select_related("person")),
            Prefetch(
                "updates",
                # The pledge is public, so all its published updates are: no second pass
                # over the public pledges (an IN subquery that cost 25 ms a page on SQLite).
                queryset=StatusUpdate.objects.published()
                .timeline()
                .select_related("reviewed_by")
                .prefetch_related(
                    Prefetch("evidence", queryset=Evidence.objects.select_related("archive")),
                    Prefetch("source_statement", queryset=Statement.objects.public()),
                ),
            ),
            Prefetch(
                "restatements",
                queryset=Restatement.objects.filter(
                    statement__in=Statement.objects.public()
                ).select_related("statement"),
            ),
        )
    )


def pledge_detail(pledge):
    """Pledge.to_dict() with its whole public history, latest first, and restatements."""
    return {
        **pledge.to_dict(),
        "history": [
            {
                "status": update.status,
                "previous_status": update.previous_status or None,
                "as_of": iso_date(update.as_of),
                "note": update.public_note,
                "note_ko": update.public_note_ko or None,
                "source_statement": _link(update.source_statement)
                if update.source_statement
                else None,
                "evidence": [{"title": e.title, "url": e.url} for e in update.evidence.all()],
            }
            for update in pledge.updates.all()
        ],
        "restatements": [
            {
                **_link(r.statement),
                "title": r.statement.title,
                "title_ko": r.statement.title_ko or None,
                "quote": r.quote,
                "note": r.note,
            }
            for r in pledge.restatements.all()
        ],
    }


# Statements, counterparts, topics -----------------------------------------------------------


def statement_rows():
    public = Pledge.objects.public()
    return (
        Statement.objects.public()
        .select_related("issuing_body", "translation_of")
        .prefetch_related(
            Prefetch("speaker_set", queryset=Speaker.objects.select_related("person"))
        )
        .annotate(pledge_count=Count("pledges", filter=Q(pledges__in=public)))
        .order_by("-date", "pk")
    )


def statement_dict(statement):
    return {
        **_link(statement),
        "title": statement.title,
        "title_ko": statement.title_ko or None,
        "language": statement.language,
        "translation_of": _link(original)
        if (original := statement.translation_of) and original.is_published
        else None,
        "kind": statement.kind,
        "date": iso_date(statement.date),
        "date_precision": statement.date_precision,
        "display_date": statement.display_date,
        "issuing_body": body.name if (body := statement.issuing_body) else None,
        "issuing_body_ko": (body.name_ko or None) if body else None,
        "speakers": [
            {"name": s.person.name, "name_ko": s.person.name_ko or None, "office": s.office}
            for s in statement.speaker_set.all()
        ],
        "event": statement.event,
        "publisher": statement.publisher,
        "source_url": statement.source_url or None,
        "pledge_count": statement.pledge_count,
        "pledges": absolute_url(f"{reverse('pledges_json')}?statement={statement.slug}"),
    }


def counterpart_rows():
    return Counterpart.objects.with_pledge_counts(Pledge.objects.public()).order_by("name")


def counterpart_dict(counterpart):
    return {
        **_link(counterpart),
        "name": counterpart.name,
        "name_ko": counterpart.name_ko or None,
        "kind": counterpart.kind,
        "pledge_count": counterpart.n,
        "pledges": absolute_url(f"{reverse('pledges_json')}?counterpart={counterpart.slug}"),
    }


def topic_rows():
    public = Pledge.objects.public()
    return (
        Topic.objects.annotate(n=Count("pledges", filter=Q(pledges__in=public)))
        .filter(n__gt=0)
        .order_by("name")
    )


def topic_dict(topic):
    return {
        **_link(topic),
        "name": topic.name,
        "name_ko": topic.name_ko or None,
        "pledge_count": topic.n,
        "pledges": absolute_url(f"{reverse('pledges_json')}?topic={topic.slug}"),
    }


# The OpenAPI document -----------------------------------------------------------------------


def _string(description="", nullable=False, **extra):
    schema = {"type": ["string", "null"] if nullable else "string", **extra}
    if description:
        schema["description"] = description
    return schema


def _object(properties, description=""):
    schema = {
        "type": "object",
        "additionalProperties": False,
        "required": list(properties),
        "properties": properties,
    }
    if description:
        schema["description"] = description
    return schema


def _ref(name, nullable=False):
    ref = {"$ref": f"#/components/schemas/{name}"}
    return {"oneOf": [ref, {"type": "null"}]} if nullable else ref


def _page_of(name):
    return _object(
        {
            "count": {
                "type": "integer",
                "description": gettext_noop("How many in all, on every page."),
            },
            "next": _string(gettext_noop("The next page's address."), nullable=True, format="uri"),
            "previous": _string(
                gettext_noop("The previous page's address."), nullable=True, format="uri"
            ),
            "results": {"type": "array", "items": _ref(name)},
        },
        gettext_noop("One page of results."),
    )


API_DESCRIPTIONS = {name: meaning for name, _, meaning in API_FIELDS}
STATUS = _string(gettext_noop("Status code."), enum=Status.values)
LANGUAGE = _string(
    gettext_noop("The language of the statement's text and of its quotes: ko or en."),
    enum=Language.values,
)
PRECISION = _string(enum=DatePrecision.values)
GROUNDS = _object(
    {
        "basis": _string(gettext_noop("stated, inferred or other_source.")),
        "note": _string(gettext_noop("Our reasoning.")),
        "source": {
            "oneOf": [
                _object({"url": _string(format="uri"), "title": _string()}),
                {"type": "null"},
            ]
        },
        "doubt": _string(gettext_noop("Why we doubt it."), nullable=True),
    },
    gettext_noop("Where a date or a name comes from."),
)
# Every translated field has a `_ko` sibling: the tracker's own Korean, null until written.
KOREAN = gettext_noop(
    "The Korean of the field before it: the tracker's own translation (a Korean statement's "
    "title is its own), null where not yet translated."
)


def _korean():
    return _string(KOREAN, nullable=True)


NAMED = _object({"slug": _string(), "name": _string(), "name_ko": _korean()})


def _pledge_schema():
    d = API_DESCRIPTIONS
    return _object(
        {
            "slug": _string(d["slug"]),
            "url": _string(d["url"], format="uri"),
            "title": _string(d["title"]),
            "title_ko": _korean(),
            "status": {**STATUS, "description": d["status"]},
            "status_label": _string(d["status_label"]),
            "overdue": {"type": "boolean", "description": d["overdue"]},
            "score": {
                "type": ["integer", "null"],
                "enum": [1, 0, -1, None],
                "description": d["score"],
            },
            "quote": _string(d["quote"]),
            "description": _string(d["description"]),
            "description_ko": _korean(),
            "specificity": _string(d["specificity"], enum=Specificity.values),
            "target": _object(
                {
                    "date": _string(nullable=True, format="date"),
                    "precision": PRECISION,
                    "deadline": _string(nullable=True, format="date"),
                    "display": _string(),
                    "basis": _string(nullable=True),
                    "note": _string(),
                },
                d["target"],
            ),
            "statement": _object(
                {
                    "slug": _string(),
                    "title": _string(),
                    "title_ko": _korean(),
                    "language": LANGUAGE,
                    "url": _string(format="uri"),
                    "date": _string(nullable=True, format="date"),
                    "date_precision": PRECISION,
                    "display_date": _string(),
                    "date_note": _string(),
                    "date_basis": _ref("Grounds"),
                },
                d["statement"],
            ),
            "made_by": {
                "oneOf": [
                    _object(
                        {
                            "key": _string(),
                            "kind": _string(enum=["person", "body"]),
                            "name": _string(),
                            "name_ko": _korean(),
                            "office": _string(nullable=True),
                            "attribution": _ref("Grounds", nullable=True),
                        }
                    ),
                    {"type": "null"},
                ],
                "description": d["made_by"],
            },
            "counterparts": {"type": "array", "items": _ref("Named")},
            "topics": {"type": "array", "items": _ref("Named")},
            "responsible_body": _string(d["responsible_body"], nullable=True),
            "responsible_body_ko": _korean(),
            "last_update": {
                "oneOf": [
                    _object(
                        {
                            "status": STATUS,
                            "as_of": _string(format="date"),
                            "note": _string(),
                            "note_ko": _korean(),
                        }
                    ),
                    {"type": "null"},
                ],
                "description": d["last_update"],
            },
        },
        gettext_noop("A pledge, as in the list."),
    )


def _pledge_detail_schema():
    base = _pledge_schema()
    link = {"slug": _string(), "url": _string(format="uri")}
    properties = {
        **base["properties"],
        "history": {
            "type": "array",
            "description": gettext_noop("Every public status update, latest first."),
            "items": _object(
                {
                    "status": STATUS,
                    "previous_status": _string(nullable=True, enum=[*Status.values, None]),
                    "as_of": _string(
                        gettext_noop("When the reported event happened."), format="date"
                    ),
                    "note": _string(gettext_noop("Why: our public explanation.")),
                    "note_ko": _korean(),
                    "source_statement": {"oneOf": [_object(link), {"type": "null"}]},
                    "evidence": {
                        "type": "array",
                        "items": _object({"title": _string(), "url": _string(format="uri")}),
                    },
                }
            ),
        },
        "restatements": {
            "type": "array",
            "description": gettext_noop("Later statements that made the same commitment."),
            "items": _object(
                {
                    **link,
                    "title": _string(),
                    "title_ko": _korean(),
                    "quote": _string(gettext_noop("Verbatim.")),
                    "note": _string(),
                }
            ),
        },
    }
    return _object(properties, gettext_noop("A pledge with its full public history."))


def _parameter(name, description, schema=None):
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


PAGE = _parameter(
    "page", gettext_noop("The page number, from 1."), {"type": "integer", "minimum": 1}
)
PLEDGE_FILTERS = [
    _parameter("q", gettext_noop("Search words in the title, quote and description.")),
    _parameter("status", gettext_noop("A status code."), {"type": "string", "enum": Status.values}),
    _parameter(
        "counterpart", gettext_noop("A counterpart's slug (a country's includes its groupings').")
    ),
    _parameter("topic", gettext_noop("A topic's slug.")),
    _parameter("statement", gettext_noop("A statement's slug: pledges made or restated in it.")),
    _parameter(
        "speaker", gettext_noop("Who made it: an attribution key, or body- and a body's slug.")
    ),
    _parameter("year", gettext_noop("The statement's year."), {"type": "integer"}),
    _parameter(
        "overdue", gettext_noop("1 for overdue pledges only."), {"type": "string", "enum": ["1"]}
    ),
    PAGE,
]
ERRORS = {
    "description": gettext_noop("A parameter is not valid: errors names it."),
    "content": {"application/json": {"schema": _ref("Errors")}},
}
NOT_FOUND = {"description": gettext_noop("No public record with that slug.")}


def _ok(schema_name, description):
    return {
        "description": description,
        "content": {"application/json": {"schema": _ref(schema_name)}},
    }


def _list(path, name, summary, parameters, schema):
    return {
        path: {
            "get": {
                "operationId": name,
                "summary": summary,
                "parameters": parameters,
                "responses": {"200": _ok(schema, summary), "400": ERRORS},
            }
        }
    }


def openapi(server):
    """The OpenAPI 3.1 document of the JSON API, for a server at `server`."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Korea Pledge Tracker API",
            "version": "1",
            "description": gettext_noop(
                "Korea's diplomatic pledges, the statements they were made in and the dated, "
                "evidenced history of each pledge's status. Read-only, no key; only what the "
                "site publishes. Lists are paginated, 100 a page."
            ),
            "license": {"name": LICENSE["title"], "identifier": LICENSE["name"]},
        },
        "servers": [{"url": server}],
        "paths": {
            **_list(
                "/api/pledges.json",
                "listPledges",
                gettext_noop("Pledges, with the filters of /pledges/."),
                PLEDGE_FILTERS,
                "PledgePage",
            ),
            "/api/pledges/{slug}.json": {
                "get": {
                    "operationId": "getPledge",
                    "summary": gettext_noop("One pledge with its full public history."),
                    "parameters": [
                        {
                            "name": "slug",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {
                        "200": _ok("PledgeDetail", gettext_noop("The pledge.")),
                        "404": NOT_FOUND,
                    },
                }
            },
            **_list(
                "/api/statements.json",
                "listStatements",
                gettext_noop("Statements, latest first."),
                [PAGE],
                "StatementPage",
            ),
            **_list(
                "/api/counterparts.json",
                "listCounterparts",
                gettext_noop("Counterparts with public pledges, by name."),
                [PAGE],
                "CounterpartPage",
            ),
            **_list(
                "/api/topics.json",
                "listTopics",
                gettext_noop("Topics with public pledges, by name."),
                [PAGE],
                "TopicPage",
            ),
        },
        "components": {
            "schemas": {
                "Grounds": GROUNDS,
                "Named": NAMED,
                "Pledge": _pledge_schema(),
                "PledgeDetail": _pledge_detail_schema(),
                "PledgePage": _page_of("Pledge"),
                "Statement": _object(
                    {
                        "slug": _string(gettext_noop("Permanent identifier.")),
                        "url": _string(gettext_noop("Its page."), format="uri"),
                        "title": _string(gettext_noop("As the source gives it, in its language.")),
                        "title_ko": _korean(),
                        "language": LANGUAGE,
                        "translation_of": {
                            "oneOf": [
                                _object({"slug": _string(), "url": _string(format="uri")}),
                                {"type": "null"},
                            ],
                            "description": gettext_noop(
                                "The original this statement is a version of in another "
                                "language (the ministry's English version of a Korean "
                                "original), if that original is public; else null."
                            ),
                        },
                        "kind": _string(enum=StatementKind.values),
                        "date": _string(nullable=True, format="date"),
                        "date_precision": PRECISION,
                        "display_date": _string(),
                        "issuing_body": _string(nullable=True),
                        "issuing_body_ko": _korean(),
                        "speakers": {
                            "type": "array",
                            "items": _object(
                                {"name": _string(), "name_ko": _korean(), "office": _string()}
                            ),
                        },
                        "event": _string(),
                        "publisher": _string(),
                        "source_url": _string(gettext_noop("The source document."), nullable=True),
                        "pledge_count": {"type": "integer"},
                        "pledges": _string(gettext_noop("Its pledges in the API."), format="uri"),
                    },
                    gettext_noop("A statement."),
                ),
                "StatementPage": _page_of("Statement"),
                "Counterpart": _object(
                    {
                        "slug": _string(),
                        "url": _string(format="uri"),
                        "name": _string(),
                        "name_ko": _korean(),
                        "kind": _string(enum=CounterpartKind.values),
                        "pledge_count": {
                            "type": "integer",
                            "description": gettext_noop(
                                "Public pledges concerning it, through a grouping it belongs "
                                "to too."
                            ),
                        },
                        "pledges": _string(gettext_noop("Its pledges in the API."), format="uri"),
                    },
                    gettext_noop("A country, organisation, region or grouping."),
                ),
                "CounterpartPage": _page_of("Counterpart"),
                "Topic": _object(
                    {
                        "slug": _string(),
                        "url": _string(format="uri"),
                        "name": _string(),
                        "name_ko": _korean(),
                        "pledge_count": {"type": "integer"},
                        "pledges": _string(gettext_noop("Its pledges in the API."), format="uri"),
                    },
                    gettext_noop("A topic."),
                ),
                "TopicPage": _page_of("Topic"),
                "Errors": _object(
                    {
                        "errors": {
                            "type": "object",
                            "description": gettext_noop(
                                "For each bad parameter, a list of messages."
                            ),
                            "additionalProperties": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {"message": {"type": "string"}},
                                    "required": ["message"],
                                },
                            },
                        }
                    }
                ),
            }
        },
    }


# The document, for people: the API page --------------------------------------------------------
#
# The document stays in English: it is for developers and their tools. The page shows it in
# the reader's language: each description above is marked with gettext_noop, so the catalogue
# has it, and is translated here, as it is shown.

TYPE_WORDS = {
    "string": pgettext_lazy("data type", "string"),
    "integer": pgettext_lazy("data type", "integer"),
    "number": pgettext_lazy("data type", "number"),
    "boolean": pgettext_lazy("data type", "boolean"),
    "object": pgettext_lazy("data type", "object"),
    "array": pgettext_lazy("data type", "array"),
    "null": pgettext_lazy("data type", "null"),
    "date": pgettext_lazy("data type", "date"),
    "datetime": pgettext_lazy("data type", "date and time"),
}
LOCATIONS = {
    "query": pgettext_lazy("where an API parameter goes", "query string"),
    "path": pgettext_lazy("where an API parameter goes", "path"),
}


def _translated(text):
    return gettext(text) if text else ""


def _type(schema):
    """A schema in a few words: "string or null", "array of Named", "Grounds"."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[1]
    if "oneOf" in schema:
        return " or ".join(_type(s) for s in schema["oneOf"])
    kind = schema.get("type", "object")
    if kind == "array":
        return f"array of {_type(schema['items'])}"
    return " or ".join(kind) if isinstance(kind, list) else kind


def type_in_words(text):
    """A type as _type() or a data dictionary writes it ("string or null", "array of Named",
    "date") in the page's language; a schema's own name (Named) stays as it is."""
    words = []
    for part in text.split(" or "):
        if part.startswith("array of "):
            items = type_in_words(part.removeprefix("array of "))
            words.append(gettext("array of %(items)s") % {"items": items})
        else:
            words.append(str(TYPE_WORDS.get(part, part)))
    shown = words[0]
    for word in words[1:]:
        shown = gettext("%(first)s or %(second)s") % {"first": shown, "second": word}
    return shown


def operations(document):
    rows = []
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            rows.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": _translated(op["summary"]),
                    "parameters": [
                        {
                            "name": p["name"],
                            "location": LOCATIONS[p["in"]],
                            "required": p["required"],
                            "description": _translated(p.get("description", "")),
                            "type": type_in_words(_type(p["schema"])),
                            "enum": p["schema"].get("enum"),
                        }
                        for p in op["parameters"]
                    ],
                    "responses": [
                        {
                            "code": code,
                            "description": _translated(r["description"]),
                            "schema": _type(r["content"]["application/json"]["schema"])
                            if "content" in r
                            else None,
                        }
                        for code, r in op["responses"].items()
                    ],
                }
            )
    return rows


def schemas(document):
    """Each named schema with its fields: name, type, meaning (nested objects flattened
    as parent.child)."""

    def fields(properties, prefix=""):
        for name, schema in properties.items():
            yield {
                "name": prefix + name,
                "type": type_in_words(_type(schema)),
                "description": _translated(schema.get("description", "")),
                "enum": [v for v in schema.get("enum", []) if v is not None],
            }
            nested = [schema, *schema.get("oneOf", [])]
            for part in nested:
                if part.get("type") == "object" and "properties" in part:
                    yield from fields(part["properties"], f"{prefix}{name}.")
                if part.get("type") == "array" and "properties" in part.get("items", {}):
                    yield from fields(part["items"]["properties"], f"{prefix}{name}[].")

    return [
        {
            "name": name,
            "description": _translated(s.get("description", "")),
            "fields": list(fields(s.get("properties", {}))),
        }
        for name, s in document["components"]["schemas"].items()
    ]
