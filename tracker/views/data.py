"""The data package at /data/: its page with the dictionary, and its files.

The files are built once per revision (tracker.datapackage.package_folder) and served from
disk, so a reader's download costs a cache read and a file read, and a client holding the
file gets a 304.
"""

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.translation import gettext

from tracker import datapackage
from tracker.caching import public_view, revision_key

CONTENT_TYPES = {".json": "application/json", ".csv": "text/csv; charset=utf-8"}


def _package():
    return datapackage.package_folder(revision_key())


@public_view
def data_page(request):
    """The package's page: its dictionary in the reader's language (datapackage.json, for
    the tools that read it, stays in English)."""
    folder = _package()
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
    }
    return render(request, "public/data.html", context)


@public_view
def data_file(request, filename):
    """One file of the package; public_view gives it the revision's ETag, so a client
    holding it gets a 304 for one query, and a signed-in reader's copy stays private."""
    if filename not in datapackage.FILES:
        raise Http404("No such file in the data package.")
    folder = _package()
    zipped = filename == datapackage.ZIP_NAME
    return FileResponse(
        (folder / filename).open("rb"),
        as_attachment=zipped,
        filename=filename,
        content_type=None if zipped else CONTENT_TYPES[filename[filename.rindex(".") :]],
    )
