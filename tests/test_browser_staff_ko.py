"""The staff workspace in Korean, in a real Chromium: a Korean-speaking editor does the whole
day's work at /ko/ (log in, filter, record an update, fix a mistake, review a colleague's
proposal) and meets no English word on the way, except the data itself (titles, quotes,
names: tracker content, not interface) and the keys on the keyboard hint.

The leftover check reads what a person sees (innerText, plus the names screen readers get
from aria-label and visually hidden text), takes out the record's own text, and fails on any
run of Latin letters that remains. Screenshots of each state go to /tmp/shots/staff-ko.
"""

import datetime
import re
import tempfile
from pathlib import Path

import pytest

from tests.factories import (
    CounterpartFactory,
    PledgeFactory,
    StatementFactory,
    UserFactory,
)
from tracker.models import Pledge, Statement, Status, StatusUpdate, SuggestionReview

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
SHOTS = Path(tempfile.gettempdir()) / "shots" / "staff-ko"

# Words that are not English interface text: keyboard keys, file formats and units.
NOT_ENGLISH = {"J", "K", "Enter", "Ctrl", "Esc", "HTML", "PDF", "MB", "OCR", "UTF", "CP"}


@pytest.fixture
def world(transactional_db):
    mongolia = CounterpartFactory(name="Mongolia")
    japan = CounterpartFactory(name="Japan")
    summit = StatementFactory(title="Address at the Korea-Mongolia summit")
    consulate = PledgeFactory(
        title="Open a consulate in Ulaanbaatar",
        statement=summit,
        counterparts=[mongolia],
        target_date=datetime.date(2024, 6, 1),
        target_precision="month",
    )
    hydrogen = PledgeFactory(title="Joint hydrogen fund with Japan", counterparts=[japan])
    editor = UserFactory(username="pyo", groups=["Editors"])
    colleague = UserFactory(username="han", groups=["Editors"])
    hydrogen.record_update(
        status=Status.ACHIEVED,
        as_of=datetime.date(2025, 9, 3),
        public_note="Fund charter signed by both ministers.",
        author=colleague,
    )
    return {"consulate": consulate, "hydrogen": hydrogen, "editor": editor}


def shoot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True, caret="initial")


def record_text():
    """Everything the record itself says: shown as it is, in its own language."""
    from tracker.models import Body, Counterpart, Evidence, Person, Speaker

    texts = []
    for pledge in Pledge.objects.all():
        texts += [pledge.title, pledge.quote, pledge.description]
    for statement in Statement.objects.all():
        texts += [statement.title, statement.publisher]
    texts += list(Counterpart.objects.values_list("name", flat=True))
    texts += list(Person.objects.values_list("name", flat=True))
    texts += list(Speaker.objects.values_list("office", flat=True))
    texts += list(Body.objects.values_list("name", flat=True))
    texts += list(StatusUpdate.objects.values_list("public_note", flat=True))
    texts += list(StatusUpdate.objects.values_list("internal_note", flat=True))
    texts += list(Evidence.objects.values_list("title", flat=True))
    from django.contrib.auth import get_user_model

    texts += list(get_user_model().objects.values_list("username", flat=True))
    return sorted((text for text in texts if text), key=len, reverse=True)


SEEN = """() => {
  const parts = [document.title, document.body.innerText];
  for (const el of document.querySelectorAll("[aria-label], .visually-hidden")) {
    parts.push(el.getAttribute("aria-label") || el.textContent);
  }
  for (const el of document.querySelectorAll("input[placeholder], textarea[placeholder]")) {
    parts.push(el.getAttribute("placeholder"));
  }
  // Text marked as another language (the switcher's "English") is meant to be in it.
  const foreign = [...document.querySelectorAll("[lang]:not([lang^=ko])")].map(
    (el) => el.innerText
  );
  return { seen: parts.join("\\n"), foreign: foreign };
}"""


def english_left(page, extra=()):
    """Latin-letter words on the page that are neither the record's text nor keys."""
    found = page.evaluate(SEEN)
    seen = found["seen"]
    data = [*found["foreign"], *record_text(), *extra]
    for text in sorted((text for text in data if text.strip()), key=len, reverse=True):
        seen = seen.replace(text, " ")
    seen = re.sub(r"https?://\S*", " ", seen)  # addresses (links, the URL hint) are data
    # So is what the interface quotes: titles, a document's words (which may hold quotes).
    seen = re.sub(r"“[^\n]*”", " ", seen)
    words = set(re.findall(r"[A-Za-z][A-Za-z'’-]*", seen))
    return sorted(words - NOT_ENGLISH)


def test_a_korean_editor_does_the_whole_staff_flow_in_korean(browser, live_server, world):
    from playwright.sync_api import expect

    context = browser.new_context(locale="ko-KR")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    consulate, hydrogen = world["consulate"], world["hydrogen"]
    try:
        # Log in at the Korean address; the login page is Korean.
        page.goto(live_server.url + "/ko/accounts/login/?next=/ko/staff/")
        expect(page.locator("h1")).to_have_text("담당자 로그인")
        assert page.locator("html").get_attribute("lang") == "ko"
        assert english_left(page) == []
        shoot(page, "login")
        page.get_by_label("사용자 이름").fill("pyo")
        page.get_by_label("비밀번호").fill(PASSWORD)
        page.get_by_role("button", name="로그인").click()

        # The worklist: filter by a counterpart.
        expect(page.locator("h1")).to_have_text("작업 목록")
        assert "/ko/staff/" in page.url
        page.get_by_label("상대국·기구", exact=True).select_option(label="Mongolia (미번역)")
        expect(page).to_have_url(re.compile(r"/ko/staff/\?counterpart=mongolia$"))
        expect(page.locator("tbody.pledge")).to_have_count(1)
        expect(page.locator(".result-count")).to_contain_text("공약 1건")
        assert english_left(page) == []
        shoot(page, "worklist")

        # Open the update form and submit it with two mistakes: Korean messages, in place.
        row = page.locator(f"#pledge-{consulate.pk}")
        row.get_by_role("link", name=re.compile("경과 기록$")).click()
        form = row.locator("form.update-form")
        expect(form.get_by_label("새 이행 상태")).to_be_focused()
        form.get_by_label("새 이행 상태").select_option(label="이행 중")
        form.get_by_label("기준일").fill("2099-01-01")
        form.get_by_label("링크 1").fill("https://www.mofa.go.kr/consulate")
        form.get_by_role("button", name="경과 기록 저장").click()
        form = row.locator("form.update-form")
        expect(form.locator(".form-problem")).to_be_focused()
        expect(form).to_contain_text("기준일은 미래 날짜일 수 없습니다.")
        expect(form).to_contain_text("공개 설명에 그 이유를 적어 주십시오.")
        expect(form).to_contain_text("이 링크의 제목을 입력해 주십시오.")
        expect(page.locator("#messages")).to_contain_text("저장하지 않았습니다")
        assert english_left(page) == []
        shoot(page, "update-errors")

        # Fix them and save: the announcement is Korean.
        form.get_by_label("기준일").fill("2025-10-01")
        form.get_by_label("공개 설명(한국어)").fill("영사관 건물 임차 계약을 체결했습니다.")
        form.get_by_label("제목 1").fill("외교부 보도자료")
        form.get_by_role("button", name="경과 기록 저장").click()
        expect(row.locator(".badge--in_progress")).to_have_text("이행 중")
        expect(page.locator("#messages")).to_contain_text(
            "저장했습니다: “Open a consulate in Ulaanbaatar (미번역)”, 2025. 10. 1. 기준 이행 중."
        )
        assert english_left(page) == []
        shoot(page, "saved")
        consulate.refresh_from_db()
        assert consulate.status == Status.IN_PROGRESS

        # Review a colleague's proposal: from the count in the navigation to approval.
        page.get_by_role("link", name=re.compile("^검토 대기")).first.click()
        expect(page).to_have_url(re.compile(r"/ko/staff/\?awaiting_review=on$"))
        page.locator(f"#pledge-{hydrogen.pk}").get_by_role(
            "link", name=re.compile("^검토 대기")
        ).click()
        expect(page.locator("h1")).to_contain_text("경과 기록 검토")
        expect(page.locator(".review-proposal")).to_contain_text("이행 완료")
        assert english_left(page) == []
        shoot(page, "review")
        page.get_by_label("의견").fill("보도자료로 확인했습니다.")
        page.get_by_role("button", name="승인 및 공개").click()
        expect(page.locator("#messages")).to_contain_text("승인했습니다")
        expect(page.locator("#messages")).to_contain_text("이행 완료")
        assert english_left(page) == []
        hydrogen.refresh_from_db()
        assert hydrogen.status == Status.ACHIEVED
        assert not errors, errors
    finally:
        context.close()


def korean_page(browser):
    """A page in a browser that asks for Korean, failing on any script error."""
    context = browser.new_context(locale="ko-KR")
    page = context.new_page()
    page.script_errors = []
    page.on("pageerror", lambda exc: page.script_errors.append(str(exc)))
    return context, page


def log_in(page, live_server, username, path="/ko/staff/"):
    page.goto(live_server.url + path)
    page.get_by_label("사용자 이름").fill(username)
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_a_conflict_a_bulk_update_and_the_staff_error_pages_are_korean(browser, live_server, world):
    from playwright.sync_api import expect

    consulate = world["consulate"]
    UserFactory(username="yun", groups=["Readers"])
    context, page = korean_page(browser)
    other_context, other = korean_page(browser)
    try:
        log_in(page, live_server, "pyo")
        log_in(other, live_server, "han")
        mine = page.locator(f"#pledge-{consulate.pk}")
        theirs = other.locator(f"#pledge-{consulate.pk}")
        mine.get_by_role("link", name=re.compile("경과 기록$")).click()
        theirs.get_by_role("link", name=re.compile("경과 기록$")).click()
        theirs.get_by_label("새 이행 상태").select_option(label="미착수")
        theirs.get_by_label("공개 설명(한국어)").fill("국회가 예산을 동결했습니다.")
        theirs.get_by_role("button", name="경과 기록 저장").click()
        expect(theirs.locator(".badge--not_started")).to_be_visible()

        mine.get_by_label("새 이행 상태").select_option(label="이행 중")
        mine.get_by_label("공개 설명(한국어)").fill("5월 3일 착공했습니다.")
        mine.get_by_role("button", name="경과 기록 저장").click()
        conflict = mine.locator(".conflict")
        expect(conflict).to_be_focused()
        expect(conflict).to_contain_text(
            "작성하시는 동안 다른 사람이 이 공약의 경과를 기록했습니다"
        )
        expect(conflict).to_contain_text("저장되지 않았습니다")
        expect(page.locator("#messages")).to_contain_text("다른 사람이 먼저")
        assert english_left(page) == []
        shoot(page, "conflict")
        expect(mine.get_by_role("button", name="내 경과 기록 그대로 저장")).to_be_visible()

        # Bulk: tick both pledges, one update for them, sent without a status.
        page.goto(live_server.url + "/ko/staff/")
        for checkbox in page.locator("input[name=pledge][form=bulk-select]").all():
            checkbox.check()
        page.get_by_role("button", name="선택한 공약 일괄 경과 기록").click()
        expect(page.locator("h1")).to_have_text("공약 2건 일괄 경과 기록")
        page.get_by_label("공개 설명(한국어)").fill("양국 외교장관 회담에서 함께 논의했습니다.")
        page.get_by_role("button", name="공약 2건 경과 기록 저장").click()
        expect(page.locator(".form-problem")).to_contain_text("아무것도 저장하지 않았습니다")
        expect(page.locator(".field--status")).to_contain_text("필수 항목입니다")
        assert english_left(page) == []
        shoot(page, "bulk-errors")

        # The staff 404, and the 403 a reader meets.
        page.goto(live_server.url + "/ko/staff/pledges/999999/")
        expect(page.locator("h1")).to_have_text("찾을 수 없음")
        assert english_left(page) == []
        shoot(page, "404")
        other.locator("form.inline-form button").click()  # log out han
        log_in(other, live_server, "yun")
        other.goto(live_server.url + f"/ko/staff/pledges/{consulate.pk}/update/")
        expect(other.locator("h1")).to_have_text("권한 없음")
        expect(other.locator(".lede")).to_contain_text(
            "이 계정(yun)에는 이 작업을 할 권한이 없습니다."
        )
        assert english_left(other) == []
        shoot(other, "403")
        assert not page.script_errors and not other.script_errors
    finally:
        other_context.close()
        context.close()


def test_too_many_failed_log_ins_lock_out_in_korean(browser, live_server, world, settings):
    from playwright.sync_api import expect

    context, page = korean_page(browser)
    try:
        page.goto(live_server.url + "/ko/accounts/login/")
        page.get_by_label("사용자 이름").fill("pyo")
        page.get_by_label("비밀번호").fill("not the password")
        page.get_by_role("button", name="로그인").click()
        expect(page.locator(".form-problem")).to_contain_text("비밀번호")
        assert english_left(page) == []
        shoot(page, "login-failed")
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            page.get_by_label("사용자 이름").fill("pyo")
            page.get_by_label("비밀번호").fill("not the password")
            page.get_by_role("button", name="로그인").click()
        expect(page.locator("h1")).to_have_text("로그인 실패 횟수 초과")
        expect(page.locator(".auth-card")).to_contain_text("로그인이 잠겼습니다")
        expect(page.locator(".auth-card")).to_contain_text("(시:분:초)")
        assert english_left(page) == []
        shoot(page, "lockout")
    finally:
        context.close()


SEED_004 = (Path(__file__).parent / "data" / "seeds" / "004_73bb6c3186199ea4.txt").read_text()


def test_a_curator_ingests_a_statement_in_korean(browser, live_server, transactional_db):
    """Each ingest step in Korean. The statement is English: its text (marked lang="en"),
    the suggested quotes and anything in quotation marks are the document's words."""
    from playwright.sync_api import expect

    from tests.factories import PersonFactory

    PersonFactory(name="Cho Tae-yul")
    UserFactory(username="kang", groups=["Curators"], is_staff=True)
    context, page = korean_page(browser)

    def interface_english():
        quotes = page.locator(".suggestion__quote").all_inner_texts()
        typed = [area.input_value() for area in page.locator("textarea").all()]
        return english_left(page, extra=[*quotes, *typed, "Cho Tae-yul"])

    try:
        log_in(page, live_server, "kang", path="/ko/staff/statements/new/")
        expect(page.locator("h1")).to_have_text("새 발표문")
        assert interface_english() == []
        shoot(page, "ingest-1-source")
        page.get_by_role("button", name="본문 정리").click()  # nothing pasted
        expect(page.locator("div.form-problem")).to_contain_text("내용이 없습니다")
        assert interface_english() == []
        shoot(page, "ingest-1-source-error")
        page.get_by_label("본문 붙여 넣기").fill(SEED_004)
        page.get_by_role("button", name="본문 정리").click()

        date = page.get_by_label("날짜")
        date.wait_for()
        expect(page.locator(".ingest-steps [aria-current=step]")).to_have_text("발표문 정보")
        date.fill("2024년 5월 20일")  # a Korean date is read as well
        assert interface_english() == []
        shoot(page, "ingest-2-statement")
        page.get_by_role("button", name="공약 후보 제안").click()

        cards = page.locator(".ingest-suggestions fieldset.suggestion:not(.suggestion--added)")
        cards.first.wait_for()
        first = cards.first
        first.locator("summary", has_text="제안 근거").click()
        expect(first.locator(".reasons")).to_contain_text("“")
        assert re.search(r"[가-힣]", first.locator(".reasons li").first.inner_text())
        assert interface_english() == []
        shoot(page, "ingest-3-review")

        first.get_by_text("채택", exact=True).click()
        page.get_by_role("button", name="미결정 후보 모두 기각").click()
        page.get_by_role("button", name="발표문과 공약 저장").click()
        expect(page.locator(".saved-summary")).to_contain_text("저장했습니다(아직 비공개)")
        assert interface_english() == []
        shoot(page, "ingest-4-saved")
        assert Statement.objects.get().date == datetime.date(2024, 5, 20)
        # What the curator decided is kept in the record's language, English.
        reasons = [r for review in SuggestionReview.objects.all() for r in review.reasons]
        assert reasons and not any(re.search(r"[가-힣]", reason) for reason in reasons)
        assert not page.script_errors
    finally:
        context.close()
