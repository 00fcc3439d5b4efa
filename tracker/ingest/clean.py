"""Source documents to clean text: HTML, PDF, plain text, and plain-text copies of web pages.

- HTML goes through trafilatura, which keeps the article and drops menus, scripts and
  footers; its paragraphs are kept.
- PDF text comes from pypdf; encrypted and image-only PDFs are refused with a message.
- Plain text, including a page copied from a browser with its menus and footers, is cleaned
  by line rules: site furniture ("skip to content", "Text Size", share and survey lines,
  copyright), lines in another script than the article's, repeated lines (a caption printed
  twice, a headline repeated), and short lines before the article starts or after it ends.
  Lines broken inside a paragraph are joined again.

Every refusal is a `SourceError` whose message is fit to show to the curator.
"""

import io
import re
import unicodedata
from dataclasses import dataclass, field

import trafilatura
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from tracker.models import STATEMENT_TEXT_LIMIT

MAX_CHARS = STATEMENT_TEXT_LIMIT  # about 50,000 words: far beyond any statement
MAX_BYTES = 5 * 1024 * 1024


class SourceError(ValueError):
    """A source we cannot turn into text; the message says why and what to do."""


@dataclass
class Cleaned:
    text: str
    title: str = ""
    kind: str = "text"  # text, html or pdf
    metadata: dict = field(default_factory=dict)  # what the format itself gives (HTML)
    removed: list = field(default_factory=list)  # lines dropped, for the curator to check


BOILERPLATE = re.compile(
    r"^(?:skip\s+to\s+(?:main\s+)?content|skip\s+navigation|jump\s+to\s+navigation|"
    r"text\s+size|font\s+size|close|top|back\s+to\s+top|print|share|share\s+this|menu|"
    r"search|open\s+search|sign\s+in|log\s+in|subscribe|advertisement|related\s+articles?|"
    r"post\s+a\s+comment|\d+\s+comments?|join\s+us\s+on\s+social!?|follow\s+us.*|"
    r"facebook|twitter|x|kakao(?:talk)?|line|email|copy\s+link|listen|"
    r"was\s+this\s+(?:page|information)\s+helpful\??.*|"
    r"(?:all\s+rights\s+reserved|copyright|©).*|.*\ball\s+rights\s+reserved\.?|"
    r"by\s+[\w .-]+\s+(?:posted|published|updated)\s*:.*|(?:posted|published|updated)\s*:.*)$",
    re.IGNORECASE,
)
SOURCE_CREDIT = re.compile(r"^(?:source|photo|image)\s*[:=].*$", re.IGNORECASE)
BRACKET_TAIL = re.compile(r"\s*\[[^\]]*\]\s*$")
TERMINAL = '.!?…"”’)'
SHORT = 4  # words: a line this short outside the article is site furniture


def _letters(text, hangul):
    count = 0
    for char in text:
        if char.isalpha():
            is_hangul = "HANGUL" in unicodedata.name(char, "")
            count += is_hangul == hangul
    return count


def language_of(text):
    """ "ko" when Hangul makes up most of the letters, otherwise "en"."""
    hangul, latin = _letters(text, True), _letters(text, False)
    return "ko" if hangul > latin else "en"


def _key(line):
    """A line reduced for spotting repeats: captions differ in a full stop or a credit."""
    return re.sub(r"\W+", "", BRACKET_TAIL.sub("", line).casefold())


def _is_prose(line):
    """A line of the article: a sentence, or too long for a headline."""
    words = len(line.split())
    return words >= 30 or (words >= SHORT and line.endswith(tuple('.!?…"”’')))


def clean_text(raw, *, reflow_all=False):
    """Clean plain text; returns Cleaned with the article's paragraphs and its title."""
    raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    language = language_of(raw)
    # Paragraphs are separated by blank lines; a single newline inside one may be a break
    # to join again (reflow) or a separate line of site furniture.
    blocks = [b for b in re.split(r"\n[ \t\u00a0]*\n", raw)]
    lines = []  # (text, starts_block)
    for block in blocks:
        first = True
        for line in block.split("\n"):
            line = line.strip(" \t\u00a0\u200b\ufeff")
            if line:
                lines.append((line, first))
                first = False
    removed, kept, seen, repeated = [], [], set(), set()
    for line, starts_block in lines:
        reason = _drop_reason(line, language, seen)
        if reason:
            removed.append(line)
            if reason == "repeated":
                repeated.add(_key(line))
            continue
        seen.add(_key(line))
        kept.append((line, starts_block))

    # Before the article: the headline, with site furniture above it and perhaps a
    # sub-headline or caption below it.
    first_prose = next((i for i, (line, _) in enumerate(kept) if _is_prose(line)), len(kept))
    leading = kept[:first_prose]
    title_at = _headline(leading, repeated)
    title = leading[title_at][0] if title_at is not None else ""
    body = []
    for i, (line, starts_block) in enumerate(leading):
        below_title = title_at is not None and i > title_at
        if below_title and len(line.split()) >= SHORT and not _key(title).startswith(_key(line)):
            body.append((line, starts_block))
        elif i != title_at:
            removed.append(line)
    body += kept[first_prose:]
    # After the article: short lines and credits are footers.
    while body and (
        (len(body[-1][0].split()) < SHORT and not body[-1][0].endswith(tuple(TERMINAL)))
        or SOURCE_CREDIT.match(body[-1][0])
    ):
        removed.append(body.pop()[0])

    paragraphs = []
    for line, starts_block in body:
        if paragraphs and _joins(paragraphs[-1], line, starts_block, reflow_all):
            if paragraphs[-1].endswith("-") and line[:1].islower():
                paragraphs[-1] = paragraphs[-1][:-1] + line
            else:
                paragraphs[-1] += " " + line
        else:
            paragraphs.append(line)
    text = "\n\n".join(paragraphs)
    return Cleaned(text=text, title=BRACKET_TAIL.sub("", title), removed=removed)


# A photo caption: long, and ending with a credit ("… on September 16. YONHAP",
# "[Image source=Yonhap News]", "(Photo: Reuters)").
CAPTION_CREDIT = re.compile(
    r"(?:\s[A-Z][A-Z0-9]{2,}\.?|\[(?:image|photo)[^\]]*\]|\((?:image|photo)[^)]*\))\s*$"
)


def _is_caption(line):
    return len(line.split()) >= 12 and bool(CAPTION_CREDIT.search(line))


def _headline(leading, repeated):
    """Which of the lines before the article is its headline: one printed twice (page
    title and heading, or a caption repeating it), else one of at least six words, else
    the first of at least four; None if there is none."""
    keys = [_key(line) for line, _ in leading]

    def rank(i):
        line, key = leading[i][0], keys[i]
        twice = key in repeated or any(k and k != key and key.startswith(k) for k in keys)
        return (twice, len(line.split()) >= 6)

    candidates = [
        i
        for i, (line, _) in enumerate(leading)
        if len(line.split()) >= SHORT and not _is_caption(line)
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda i: (rank(i), -i))


def _drop_reason(line, language, seen):
    if BOILERPLATE.match(line):
        return "site furniture"
    if language == "en" and _letters(line, True) > _letters(line, False):
        return "another script than the article's"
    if not any(char.isalpha() for char in line):
        return "no words"
    if re.fullmatch(r"\S+_\S+", line):
        return "a code, not words"
    if _key(line) in seen:
        return "repeated"
    return None


def _joins(previous, line, starts_block, reflow_all):
    """Join `line` to the paragraph before it: a line broken mid-sentence."""
    if starts_block and not reflow_all:
        return False
    if previous.endswith(tuple(TERMINAL)) and not line[:1].islower():
        return False
    return line[:1].islower() or reflow_all


def from_html(data):
    html = data if isinstance(data, str) else _decode(data)
    text = trafilatura.extract(
        html,
        output_format="txt",
        include_comments=False,
        include_tables=False,
        include_images=False,
        favor_precision=True,
        deduplicate=True,
    )
    if not text or not text.strip():
        raise SourceError(
            _(
                "We found no article text in this HTML page. Paste the text instead, or upload "
                "the page as saved by the browser (“Save page as… HTML only”)."
            )
        )
    meta = trafilatura.extract_metadata(html)
    metadata = {}
    if meta is not None:
        metadata = {
            key: getattr(meta, key)
            for key in ("title", "date", "sitename", "url", "author")
            if getattr(meta, key, None)
        }
    # trafilatura puts one paragraph on each line.
    cleaned = clean_text("\n\n".join(text.splitlines()))
    cleaned.kind = "html"
    cleaned.metadata = metadata
    cleaned.title = metadata.get("title") or cleaned.title
    return cleaned


def from_pdf(data):
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise SourceError(
                _("This PDF is encrypted. Save an unprotected copy, or paste its text instead.")
            )
        pages = [page.extract_text() or "" for page in reader.pages]
    except SourceError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as error:
        raise SourceError(
            _("This file is not a PDF we can read (%(error)s).") % {"error": error}
        ) from error
    text = "\n\n".join(pages)
    if sum(char.isalpha() for char in text) < 20:
        raise SourceError(
            _(
                "This PDF has no text layer: it is made of images (a scan). Run it through "
                "OCR first, or paste the text."
            )
        )
    cleaned = clean_text(text, reflow_all=True)
    cleaned.kind = "pdf"
    return cleaned


def _decode(data):
    if b"\x00" in data[:4096]:
        raise SourceError(
            _("This file is binary, not text. Upload HTML, plain text or PDF, or paste the text.")
        )
    for encoding in ("utf-8-sig", "cp949"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SourceError(
            _("This file is not text in an encoding we know (UTF-8 or Korean CP949).")
        )
    check_text(text)
    return text


def check_text(text):
    """Refuse empty text, junk and anything far longer than a statement."""
    if len(text) > MAX_CHARS:
        raise SourceError(
            _(
                "This text is %(length)s characters long; a statement is at most %(limit)s. "
                "Paste only the statement itself."
            )
            % {
                "length": number_format(len(text), force_grouping=True),
                "limit": number_format(MAX_CHARS, force_grouping=True),
            }
        )
    if not text.strip():
        raise SourceError(_("The text is empty. Paste the statement, or upload a file."))
    controls = sum(
        1
        for char in text
        if unicodedata.category(char) in ("Cc", "Co", "Cs", "Cn") and char not in "\n\r\t"
    )
    if controls > max(3, len(text) // 200) or "\ufffd" * 3 in text:
        raise SourceError(
            _(
                "This looks like binary data, not text. Upload HTML, plain text or PDF, "
                "or paste the text."
            )
        )
    if sum(char.isalpha() for char in text) < 20:
        raise SourceError(_("The text has almost no words in it. Paste the statement itself."))


def looks_like_html(text):
    head = text[:2000].lower()
    return (
        "<html" in head
        or "<!doctype html" in head
        or "<body" in head
        or (len(re.findall(r"</(?:p|div|span|a|li|script)>", text[:20000], re.I)) >= 3)
    )


def from_paste(text):
    check_text(text)
    if looks_like_html(text):
        return from_html(text)
    return clean_text(text)


def check_size(size):
    """Refuse a file far larger than a statement, before reading it."""
    if size > MAX_BYTES:
        raise SourceError(
            _("The file is %(size)s MB; the limit is %(limit)d MB. Upload the statement alone.")
            % {
                "size": number_format(size / 1024 / 1024, decimal_pos=1),
                "limit": MAX_BYTES // 1024 // 1024,
            }
        )


def from_upload(name, data):
    """A file the curator uploaded: PDF, HTML or plain text, told by its content."""
    check_size(len(data))
    if not data.strip():
        raise SourceError(_("The file is empty."))
    if data[:5] == b"%PDF-" or name.lower().endswith(".pdf"):
        if data[:5] != b"%PDF-":
            raise SourceError(_("This file is named .pdf but is not a PDF."))
        return from_pdf(data)
    text = _decode(data)
    if name.lower().endswith((".html", ".htm")) or looks_like_html(text):
        return from_html(text)
    return clean_text(text)
