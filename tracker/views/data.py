"""The export files: /pledges.csv, and the data package at /data/ with its page.

Every file is served from the newest complete build (tracker.export_files), built in the
background after each write: a download costs one small query and a file read, and its
ETag, Last-Modified and Record-Revision header name the revision the file shows, which
may be a build or so behind the record while staff write.
"""

import functools

from django.core.cache import cache
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language, gettext

from tracker import datapackage, export_files, tasks
from tracker.caching import public_view

CONTENT_TYPES = {".json": "application/json", ".csv": "text/csv; charset=utf-8"}
# A reader who finds the served build behind the record (a write whose build is queued,
# a new day or release) checks that a build is queued, at most this often.
ASK_SECONDS = 10


def _build(request):
    """The build this request is answered from, chosen once per request."""
    if not hasattr(request, "export_build"):
        build = export_files.current_build()
        if export_files.is_behind(build) and cache.add("exports:asked", 1, ASK_SECONDS):
            tasks.queue_export_build()
        request.export_build = build
    return request.export_build


def build_version(request, *args, **kwargs):
    """A public_view scope: the served build, whatever the record's revision now."""
    build = _build(request)
    return f"x{build.revision}.{build.folder.rsplit('-', 1)[-1]}"


def build_last_modified(request, *args, **kwargs):
    return export_files.last_modified(_build(request))


def _file(request, path, **kwargs):
    build = _build(request)
    try:
        opened = (export_files.folder(build) / path).open("rb")
    except FileNotFoundError:  # pruned since it was chosen: a newer build is in place
        response = HttpResponse(status=503, content_type="text/plain; charset=utf-8")
        response.content = gettext("A newer export has just been built: ask again.") + "\n"
        response["Retry-After"] = "1"
        return response
    response = FileResponse(opened, **kwargs)
    response["Record-Revision"] = str(build.revision)
    response["Record-As-Of"] = build.revision_at.isoformat(timespec="seconds")
    return response


def exported(view=None, *, params=()):
    if view is None:
        return functools.partial(exported, params=params)
    return public_view(scope=build_version, last_modified=build_last_modified, params=params)(view)


@exported(params=["lang"])
def pledges_csv(request):
    """Every public pledge, one row each (tracker.exports has the columns), its texts in
    the language ?lang= names (tracker.i18n.output_language: English by default)."""
    return _file(
        request,
        export_files.CSV_NAMES.get(get_language(), export_files.CSV_NAME),
        as_attachment=True,
        filename="pledges.csv",
        content_type="text/csv; charset=utf-8",
    )


@exported
def data_file(request, filename):
    """One file of the package."""
    if filename not in datapackage.FILES:
        raise Http404("No such file in the data package.")
    zipped = filename == datapackage.ZIP_NAME
    return _file(
        request,
        f"{export_files.PACKAGE}/{filename}",
        as_attachment=zipped,
        filename=filename,
        content_type=None if zipped else CONTENT_TYPES[filename[filename.rindex(".") :]],
    )


@exported  # the page describes the served build: a new build changes it, a write does not
def data_page(request):
    """The package's page: its dictionary in the reader's language (datapackage.json, for
    the tools that read it, stays in English), and which state of the record it holds."""
    build = _build(request)
    folder = export_files.folder(build) / export_files.PACKAGE
    tables = [
        {
            "table": t,
            "title": gettext(t.title),
            "description": gettext(t.description),
            "columns": [
                {
                    "name": column.name,
                    "type": column.type,
                    "required": column.required,
                    "enum": column.enum,
                    "description": gettext(column.description),
                }
                for column in t.columns
            ],
            "foreign_keys": t.resource()["schema"]["foreignKeys"],
            "size": (folder / t.path).stat().st_size,
        }
        for t in datapackage.TABLES
    ]
    context = {
        "tables": tables,
        "zip_name": datapackage.ZIP_NAME,
        "zip_size": (folder / datapackage.ZIP_NAME).stat().st_size,
        "build": build,
    }
    return render(request, "public/data.html", context)
