"""The ingest screen in a real Chromium: a curator turns seed 004 into published pledges.

Screenshots of each step, at 1280 and 390 pixels wide, go to /tmp/shots/ingest for people
to look at (not to the repository).
"""

import tempfile
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.factories import CounterpartFactory, PersonFactory, UserFactory
from tracker.models import CounterpartAlias, Pledge, Statement, SuggestionReview

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
SHOTS = Path(tempfile.gettempdir()) / "shots" / "ingest"
SEED_004 = (Path(__file__).parent / "data" / "seeds" / "004_73bb6c3186199ea4.txt").read_text()
MISSED = (
    "he called for collective wisdom to ensure that the peoples of the two countries can feel "
    "the real benefits of improved ROK-Japan relations"
)


@pytest.fixture
def curator_world(transactional_db):
    japan = CounterpartFactory(name="Japan")
    CounterpartAlias.objects.create(counterpart=japan, alias="Tokyo")
    PersonFactory(name="Cho Tae-yul")
    UserFactory(username="curator", groups=["Curators"], is_staff=True)


def shoot(page, name, top=True):
    """What the curator sees in the window (the text and save bars are sticky, which a
    full-page screenshot would draw mid-page)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    # caret="initial": hiding the caret leaves style attributes on inputs, which htmx
    # would then copy across a swap (and the CSP rightly refuses).
    if top:
        page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"{name}.png"), caret="initial")


def serious_violations(page):
    return [
        f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in Axe().run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def select_in_text(page, passage):
    """Select a passage of the statement text, as a drag with the mouse would."""
    page.evaluate(
        """(passage) => {
          const container = document.getElementById("ingest-text");
          const walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT);
          let node, seen = "";
          const nodes = [];
          while ((node = walker.nextNode())) { nodes.push([node, seen.length]); seen += node.data; }
          const start = seen.indexOf(passage), end = start + passage.length;
          const at = (offset) => {
            for (const [n, from] of nodes) {
              if (offset <= from + n.data.length) return [n, offset - from];
            }
          };
          const range = document.createRange();
          range.setStart(...at(start));
          range.setEnd(...at(end));
          const selection = window.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
        }""",
        passage,
    )


def test_curator_turns_a_press_release_into_published_pledges(page, live_server, curator_world):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/en/staff/statements/new/")
    page.get_by_label("Username").fill("curator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/en/staff/statements/new/")

    page.get_by_label("Paste the text").fill(SEED_004)
    shoot(page, "1-source")
    page.get_by_role("button", name="Clean the text").click()

    # Step 2: metadata suggested from the document; its year is not printed, so we give it.
    title = page.get_by_label("Title", exact=True)
    title.wait_for()
    assert title.input_value() == "Outcome of ROK-Japan New Cooperation Vision Forum"
    assert page.get_by_label("Cho Tae-yul").is_checked()
    assert "바로가기" not in page.get_by_label("Text", exact=True).input_value()
    page.get_by_label("Date").fill("20 May 2024")
    shoot(page, "2-statement")
    assert not serious_violations(page)
    page.get_by_role("button", name="Suggest pledges").click()

    # Step 3: the suggestions, highlighted in the text.
    cards = page.locator(".ingest-suggestions fieldset.suggestion:not(.suggestion--added)")
    cards.first.wait_for()
    count = cards.count()
    assert count >= 2
    assert page.locator("#ingest-text mark.suggested").count() == count
    plans = cards.filter(has_text="plans to thoroughly prepare")
    consult = cards.filter(has_text="it will continue to communicate")
    page.set_viewport_size({"width": 390, "height": 844})
    shoot(page, "3-review-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    shoot(page, "3-review-1280")
    assert not serious_violations(page)

    plans.get_by_text("Accept", exact=True).click()
    consult.get_by_text("Accept", exact=True).click()
    consult.get_by_label("Title").fill(
        "Keep consulting people from various fields on ROK–Japan relations"
    )
    mark = page.locator("#mark-" + plans.get_attribute("id").removeprefix("suggestion-"))
    assert mark.get_attribute("class") == "suggested is-accepted"
    page.get_by_role("button", name="Reject all undecided").click()

    select_in_text(page, MISSED)
    page.get_by_role("button", name="Make a pledge from the selection").click()
    added = page.locator(".suggestion--added").first
    assert added.get_by_label("Quote").input_value() == MISSED
    added.get_by_label("Title").fill("Seek more mature good-neighbourly relations with Japan")
    shoot(page, "4-decided", top=False)
    page.get_by_role("button", name="Save statement and pledges").click()

    page.get_by_text("Saved, not yet published").wait_for()
    statement = Statement.objects.get()
    assert not statement.is_published
    assert sorted(SuggestionReview.objects.values_list("decision", flat=True)) == [
        "accepted",
        "added",
        "edited",
        *["rejected"] * (count - 2),
    ]
    shoot(page, "5-saved")
    page.get_by_role("button", name="Publish the statement and its pledges").click()
    page.get_by_text("Published.", exact=True).wait_for()
    page.get_by_role("link", name=f"“{statement.title}” on the public site").click()

    # The public page: the three pledges, their quotes highlighted verbatim in the text.
    page.wait_for_url(f"**{statement.get_absolute_url()}")
    marks = page.locator(".source-text mark").all_inner_texts()
    quotes = list(Pledge.objects.filter(statement=statement).values_list("quote", flat=True))
    assert len(quotes) == 3
    for quote in quotes:
        assert any(quote in " ".join(mark.split()) or quote == mark for mark in marks), quote
    assert MISSED in " ".join(marks)
    shoot(page, "6-public")
