"""The staff workspace: editors log progress on pledges."""

from django.http import HttpResponse


def _todo(request, *args, **kwargs):
    return HttpResponse("Not built yet.", status=501)


worklist = pledge_detail = record_update = history = pledge_row = _todo
