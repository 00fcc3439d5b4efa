"""Cleaning: copied web pages, HTML, PDF, and the inputs we refuse."""

import io
import json
from pathlib import Path

import pytest

from tests.factories import blank_pdf
from tracker.ingest import clean

SEEDS = Path(__file__).parent / "data" / "seeds"
FIXTURE = Path(__file__).parent.parent / "fixtures" / "tracker.json"


def curated_texts():
    objects = json.loads(FIXTURE.read_text())
    return {
        o["fields"]["source_file"]: o["fields"]["text"]
        for o in objects
        if o["model"] == "tracker.statement"
    }


@pytest.mark.parametrize(
    "name",
    [
        "000_949190ef975bc5d8.txt",  # government site: Korean menus, metadata table, survey
        "002_c00f8aac215743d5.txt",  # blog: adverts, headline twice, comment widget
        "003_fb47b2f41d1c6a22.txt",  # newspaper: site controls, caption, copyright, social
        "004_73bb6c3186199ea4.txt",  # press release: menus and section label
    ],
)
def test_copied_web_page_comes_out_as_the_curators_cleaned_it(name):
    cleaned = clean.from_upload(name, (SEEDS / name).read_bytes())
    assert cleaned.text == curated_texts()[name]


def test_copied_news_page_keeps_its_title_and_one_copy_of_a_repeated_caption():
    cleaned = clean.from_upload("001.txt", (SEEDS / "001_651bf5a30ce6f62d.txt").read_bytes())
    assert cleaned.title == "Lee vows practical diplomacy with US, China, Japan, and Russia"
    assert cleaned.text.count("President Lee Jae Myung listens to remarks") == 1
    assert "기사 이미지" not in cleaned.text and "By Park Sae-jin" not in cleaned.text
    assert cleaned.text.endswith("long-term prosperity and security.")


def test_lines_broken_inside_a_paragraph_are_joined():
    cleaned = clean.clean_text(
        "A long enough opening sentence for the article starts here.\n\n"
        "We will safeguard our sovereignty, \nadvance our interests.\n\nThank you."
    )
    assert "We will safeguard our sovereignty, advance our interests." in cleaned.text.split("\n\n")
    assert cleaned.text.endswith("Thank you.")


HTML = """<!doctype html><html><head><title>Minister's remarks</title>
<script>alert("pwned")</script><style>p{color:red}</style></head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ul></nav>
<a href="#main">Skip to content</a>
<article id="main"><h1>Minister's remarks</h1>
<p>The minister spoke at length about the partnership between the two countries today.</p>
<p>We will open a consulate in Ulaanbaatar next year, and we will double scholarships.</p>
<p>Cooperation has grown steadily over the past decade in trade and culture alike.</p>
<script>document.write("<b>injected</b>")</script>
</article>
<footer>Copyright 2025 Ministry. All rights reserved. <a href="#">Share</a></footer>
</body></html>"""


def test_html_is_reduced_to_the_articles_paragraphs():
    cleaned = clean.from_upload("remarks.html", HTML.encode())
    paragraphs = cleaned.text.split("\n\n")
    assert (
        "We will open a consulate in Ulaanbaatar next year, and we will double scholarships."
        in (paragraphs)
    )
    assert len(paragraphs) >= 3
    for junk in ("alert", "injected", "Skip to content", "All rights reserved", "Home"):
        assert junk not in cleaned.text
    assert cleaned.kind == "html"


def test_pasted_html_is_recognised_and_cleaned():
    assert "alert" not in clean.from_paste(HTML).text


def _pdf_with_text(text):
    """A one-page PDF with a line of text, offsets computed so any reader accepts it."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n")
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def test_pdf_text_is_extracted():
    cleaned = clean.from_upload("speech.pdf", _pdf_with_text("We will open a consulate in 2026."))
    assert cleaned.kind == "pdf"
    assert "We will open a consulate in 2026." in cleaned.text


def test_encrypted_pdf_is_refused_with_a_reason():
    with pytest.raises(clean.SourceError, match="encrypted"):
        clean.from_upload("secret.pdf", blank_pdf(password="s3cret"))


def test_image_only_pdf_is_refused_with_a_reason():
    with pytest.raises(clean.SourceError, match="no text layer"):
        clean.from_upload("scan.pdf", blank_pdf())


def test_a_file_named_pdf_that_is_not_one_is_refused():
    with pytest.raises(clean.SourceError, match="not a PDF"):
        clean.from_upload("speech.pdf", b"We will open a consulate. " * 10)


@pytest.mark.parametrize("text", ["", "   \n\t  \n"])
def test_empty_text_is_refused(text):
    with pytest.raises(clean.SourceError, match="empty"):
        clean.from_paste(text)


def test_binary_junk_is_refused():
    junk = bytes(range(256)) * 40
    with pytest.raises(clean.SourceError, match="binary"):
        clean.from_upload("junk.txt", junk)
    with pytest.raises(clean.SourceError, match="binary"):
        clean.from_paste(junk.decode("latin-1"))


def test_a_paste_far_longer_than_a_statement_is_refused():
    with pytest.raises(clean.SourceError, match="at most"):
        clean.from_paste("We will build bridges. " * 20_000)


def test_korean_cp949_file_is_read():
    text = "외교부는 내년에 협력을 강화할 것입니다. 이것은 충분히 긴 문장입니다 그렇습니다."
    cleaned = clean.from_upload("ko.txt", text.encode("cp949"))
    assert "외교부는" in cleaned.text
    assert clean.language_of(cleaned.text) == "ko"
