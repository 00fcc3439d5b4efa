import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from tracker.models import Pledge, Statement, StatusUpdate

pytestmark = pytest.mark.django_db


@pytest.fixture
def debug(settings):
    settings.DEBUG = True  # the test runner turns DEBUG off; demo runs with it on


def test_demo_loads_the_fixtures_and_creates_the_accounts(debug, capsys):
    call_command("demo", "--no-serve")
    out = capsys.readouterr().out
    assert Statement.objects.count() == 5
    assert Pledge.objects.count() >= 25
    User = get_user_model()
    editor = User.objects.get(username="editor")
    curator = User.objects.get(username="curator")
    assert editor.check_password("demo") and editor.has_perm("tracker.add_statusupdate")
    assert not editor.is_staff
    assert curator.is_staff and curator.has_perm("tracker.change_pledge")
    assert "editor" in out and "curator" in out and "demo" in out


def test_demo_twice_neither_duplicates_nor_fails(debug, capsys):
    call_command("demo", "--no-serve")
    counts = (Statement.objects.count(), Pledge.objects.count(), get_user_model().objects.count())
    call_command("demo", "--no-serve")
    assert counts == (
        Statement.objects.count(),
        Pledge.objects.count(),
        get_user_model().objects.count(),
    )
    assert "not loaded again" in capsys.readouterr().out


def test_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("demo", "--no-serve")
    assert not get_user_model().objects.filter(username="editor").exists()


def test_seed_bulk_builds_consistent_synthetic_volume(capsys):
    call_command("seed_bulk", "--scale", "S")
    assert Statement.objects.filter(slug__startswith="bulk-").count() == 20
    pledges = Pledge.objects.filter(slug__startswith="bulk-")
    assert pledges.count() == 200
    assert StatusUpdate.objects.filter(pledge__in=pledges).count() == 2000
    for pledge in pledges.select_related("latest_update"):
        # The denormalised status is the latest update's, as record_update would leave it.
        if pledge.latest_update is None:
            assert pledge.status == "not_yet_rated" and pledge.version == 0
        else:
            assert pledge.status == pledge.latest_update.status
            assert pledge.version == pledge.updates.count()
        assert pledge.quote in pledge.statement.text
    call_command("seed_bulk", "--scale", "S", "--reset")
    assert Pledge.objects.filter(slug__startswith="bulk-").count() == 200
