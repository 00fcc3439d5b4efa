import os

import pytest
from django.core.cache import cache
from django.utils import translation

from tests.factories import UserFactory
from tests.public_record import build_record
from tracker.caching import revision_memo


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """MD5 instead of PBKDF2: hashing a password dominated the suite's time. Only tests;
    production keeps Django's default hashers."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_collection_modifyitems(items):
    """Every transactional test restores the migrated data itself (serialized_rollback).

    A transactional test ends by emptying the database. Without serialized rollback Django
    then re-creates content types and permissions with new primary keys, and the next test
    that does use serialized rollback fails to load the migrated data over them (a unique
    constraint on content types); with it, nothing is re-created and the next test loads
    the same data into an empty database. So the order of the files no longer matters.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None or marker.kwargs.get("serialized_rollback"):
            continue
        fixtures = set(getattr(item, "fixturenames", ()))
        if marker.kwargs.get("transaction") or fixtures & {"transactional_db", "live_server"}:
            kwargs = {**marker.kwargs, "serialized_rollback": True}
            item.add_marker(pytest.mark.django_db(*marker.args, **kwargs), append=False)


@pytest.fixture(autouse=True)
def _english():
    """The suite reads the English site: reverse() gives /en/ addresses. A test of the
    Korean site asks for /ko/ addresses itself (tests/test_i18n.py). Korean is still the
    site's default for a request that names no language."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _empty_cache(settings):
    """Each test starts with an empty page cache, as a fresh deployment would, and reads
    the revision from the database on every request (tests/test_caching.py tests the memo)."""
    settings.TRACKER_REVISION_MEMO_SECONDS = 0
    revision_memo.forget()
    cache.clear()
    yield
    revision_memo.forget()
    cache.clear()


@pytest.fixture(autouse=True)
def _origin(settings, tmp_path):
    """Absolute links name the test client's host (tests/test_hardening.py checks that they
    come from this setting, never from the request); exports are built in the test's own
    directory, each as soon as it is queued."""
    settings.TRACKER_ORIGIN = "http://testserver"
    settings.TRACKER_EXPORT_DIR = str(tmp_path / "exports")
    settings.TRACKER_EXPORT_INTERVAL = 0  # a test's builds run when its worker runs


@pytest.fixture
def record(db):
    """The small public record (tests/public_record.py): what must show, and what never may."""
    return build_record()


@pytest.fixture
def reader(db):
    return UserFactory(username="reader", groups=["Readers"])


@pytest.fixture
def editor(db):
    return UserFactory(username="editor", groups=["Editors"])


@pytest.fixture
def curator(db):
    return UserFactory(username="curator", groups=["Curators"], is_staff=True)


@pytest.fixture
def reader_client(client, reader):
    client.force_login(reader)
    return client


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def curator_client(client, curator):
    client.force_login(curator)
    return client


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; the tests are skipped where it is missing."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium)")
    # Playwright's sync API runs an event loop; let the ORM work under it in live_server tests.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser page that fails the test on any console error or failed request."""
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors
    yield page
    context.close()
    assert not errors, f"console errors: {errors}"


@pytest.fixture
def web(settings):
    """A web server on loopback (tests/webserver.py) that the evidence fetcher may reach:
    only its own address and port are on the fetcher's test-only allowlist."""
    from tests.webserver import serve

    server = serve()
    settings.TRACKER_FETCH_TEST_ALLOWLIST = [f"127.0.0.1:{server.port}"]
    settings.TRACKER_FETCH_MAX_BYTES = 4096
    yield server
    server.shutdown()
    server.server_close()
