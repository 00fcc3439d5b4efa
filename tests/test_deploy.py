"""Production settings: `check --deploy` is clean, a missing secret stops start-up, strict CSP.

Settings are read once per process, so the production cases run manage.py in a subprocess
with the environment a deployment would have. As in a deployment, static files are
collected first (CompressedManifestStaticFilesStorage needs its manifest once DEBUG is
off); they go to a temporary STATIC_ROOT, through a settings module that changes only that.
"""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management.utils import get_random_secret_key

MANAGE = str(settings.BASE_DIR / "manage.py")

SETTINGS_MODULE = """\
from tracker.settings import *  # noqa: F403

STATIC_ROOT = {static_root!r}
"""


def deployment_environ(**env):
    """os.environ without any deployment variables, then DEBUG off and the given ones."""
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SECURE_", "SESSION_", "CSRF_", "DJANGO_"))
        and key not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "REDIS_URL", "PYTHONPATH"}
    }
    environ.update(DEBUG="0", **env)
    return environ


def production_environ(folder, **env):
    """The environment of a production process whose static files are collected in folder."""
    (folder / "deploy_settings.py").write_text(
        SETTINGS_MODULE.format(static_root=str(folder / "static"))
    )
    environ = deployment_environ(
        **{
            "SECRET_KEY": get_random_secret_key(),
            "ALLOWED_HOSTS": "pledges.example",
            "DJANGO_SETTINGS_MODULE": "deploy_settings",
            "PYTHONPATH": os.pathsep.join([str(folder), str(settings.BASE_DIR)]),
            **env,
        }
    )
    result = manage("collectstatic", "--noinput", "-v0", env=environ)
    assert result.returncode == 0, result.stderr
    return environ


def manage(*args, env):
    return subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
        [sys.executable, MANAGE, *args],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_production_settings(tmp_path):
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", env=production_environ(tmp_path)
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "secret_key",
    [None, "", "django-insecure-local-development-only", "too-short-0123456789"],
    ids=["unset", "empty", "dev-key", "short"],
)
def test_production_refuses_to_start_without_a_real_secret_key(secret_key):
    env = deployment_environ(ALLOWED_HOSTS="pledges.example")
    if secret_key is not None:
        env["SECRET_KEY"] = secret_key

    result = manage("check", env=env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "set SECRET_KEY to a random value of at least 32 characters" in result.stderr


@pytest.mark.parametrize("url", ["/en/accounts/login/", "/no-such-page/"])
def test_pages_have_a_strict_content_security_policy(client, db, url):
    response = client.get(url)

    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
