import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
# Web requests never wait on one query for longer than this (PostgreSQL; see settings).
os.environ.setdefault("DATABASE_STATEMENT_TIMEOUT", "5s")
application = get_wsgi_application()
