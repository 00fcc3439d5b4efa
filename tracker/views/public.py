"""Public, read-only pages. Everything here goes through the .public() querysets."""

from django.http import HttpResponse


def _todo(request, *args, **kwargs):
    return HttpResponse("Not built yet.", status=501)


home = pledge_list = pledges_csv = pledge_detail = statement_list = statement_detail = _todo
counterpart_list = counterpart_detail = topic_list = topic_detail = about = pledges_json = _todo
