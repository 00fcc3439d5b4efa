"""The JSON API, and its OpenAPI document and page.

Thin views: tracker.api has the rows, their serialisation and the document.
"""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext

from tracker import api
from tracker.caching import one_pledge, public_view
from tracker.exports import HTMLSafeJSONEncoder
from tracker.filters import PLEDGE_LIST_PARAMS, PledgeFilter
from tracker.models import Pledge


def _json(data, status=200):
    return JsonResponse(
        data, status=status, encoder=HTMLSafeJSONEncoder, json_dumps_params={"ensure_ascii": False}
    )


def _list(request, rows, serialise, cached=None):
    try:
        return _json(api.paginate(request, rows, serialise, cached=cached))
    except api.BadPage as error:
        return _json({"errors": {"page": [{"message": str(error)}]}}, status=400)


@public_view(params=PLEDGE_LIST_PARAMS)
def pledges(request):
    """Pledges, with the filters of /pledges/: an unknown value is a 400 naming it."""
    rows = PledgeFilter(
        request.GET, Pledge.objects.public().for_list().select_related("responsible_body")
    )
    if rows.form.ignored:
        return _json({"errors": rows.form.errors.get_json_data()}, status=400)
    return _list(request, rows.qs, Pledge.to_dict, cached="api-pledge")


@public_view(scope=one_pledge)
def pledge(request, slug):
    return _json(api.pledge_detail(get_object_or_404(api.pledge_with_history(), slug=slug)))


@public_view(params=["page"])
def statements(request):
    return _list(request, api.statement_rows(), api.statement_dict)


@public_view(params=["page"])
def counterparts(request):
    return _list(request, api.counterpart_rows(), api.counterpart_dict)


@public_view(params=["page"])
def topics(request):
    return _list(request, api.topic_rows(), api.topic_dict)


@public_view
def openapi_json(request):
    return _json(api.openapi(settings.TRACKER_ORIGIN))


@public_view
def docs(request):
    document = api.openapi(settings.TRACKER_ORIGIN)
    context = {
        "document": document,
        "description": gettext(document["info"]["description"]),
        "licence": gettext(document["info"]["license"]["name"]),
        "operations": api.operations(document),
        "schemas": api.schemas(document),
    }
    return render(request, "public/api.html", context)
