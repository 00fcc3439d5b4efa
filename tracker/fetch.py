"""Fetch an evidence address safely on the open internet.

The fetcher is handed addresses that editors typed, so it must not become a way into
the machine it runs on or the network around it:
- http and https only, on ports 80 and 443;
- the host is resolved here and every address it resolves to must be public: loopback,
  private, link-local (cloud metadata lives there), shared, reserved and multicast
  addresses are refused; the connection goes to the address that was checked, so a
  second DNS answer cannot swap in another;
- redirects are followed by hand, each new address checked the same way;
- a size limit on the body and a time limit on the whole fetch; no cookies are kept
  or sent, and no credentials in addresses.

settings.TRACKER_FETCH_TEST_ALLOWLIST names "address:port" pairs exempt from the
address and port rules: tests use it to reach a server on loopback.
"""

import hashlib
import ipaddress
import socket
import time
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import urllib3
from django.conf import settings

from tracker.ingest import clean

ALLOWED_SCHEMES = {"http": 80, "https": 443}
ALLOWED_PORTS = {80, 443}
MAX_REDIRECTS = 5
CHUNK = 64 * 1024
USER_AGENT = "KoreaPledgeTracker-EvidenceVault/1.0"


class Refused(Exception):
    """The fetcher will not fetch this address, or will not take this answer."""


class FetchFailed(Exception):
    """The address could not be fetched: no answer, a timeout, a broken connection."""


@dataclass
class Page:
    url: str
    final_url: str
    status: int
    content_type: str
    body: bytes

    @property
    def sha256(self):
        return hashlib.sha256(self.body).hexdigest()

    @property
    def ok(self):
        return 200 <= self.status < 300


def fetch(url, *, max_bytes=None, timeout=None):
    """Fetch `url`, following redirects, and return the Page it ends on.

    Raises Refused when a rule forbids the address or the answer, FetchFailed when the
    network lets us down. An HTTP error status is not an exception: the Page says it.
    """
    max_bytes = max_bytes or settings.TRACKER_FETCH_MAX_BYTES
    deadline = time.monotonic() + (timeout or settings.TRACKER_FETCH_TIMEOUT)
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        target = check_address(current)
        response = _request(target, deadline)
        try:
            location = response.headers.get("Location")
            if response.status in (301, 302, 303, 307, 308) and location:
                current = urljoin(current, location)
                continue
            body = _read_capped(response, max_bytes, deadline)
        finally:
            response.release_conn()
        content_type = response.headers.get("Content-Type", "")
        return Page(url, current, response.status, content_type[:200], body)
    raise Refused(f"More than {MAX_REDIRECTS} redirects.")


@dataclass
class Target:
    scheme: str
    host: str  # as the address gives it (IDNA-encoded): for the Host header and TLS
    port: int
    ip: str  # the checked address to connect to
    path: str


def check_address(url):
    """The Target to connect to for `url`, or Refused saying which rule it breaks."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise Refused(f"Not a valid address: {error}.") from error
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise Refused(f"Only http and https addresses are fetched, not {scheme or 'this'}:.")
    if parts.username or parts.password:
        raise Refused("Addresses with a user name or password are not fetched.")
    if not parts.hostname:
        raise Refused("The address has no host.")
    try:
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise Refused("The host name is not valid.") from error
    port = port or ALLOWED_SCHEMES[scheme]
    ips = resolve(host, port)
    allowlist = set(settings.TRACKER_FETCH_TEST_ALLOWLIST)
    if not all(f"{ip}:{port}" in allowlist for ip in ips):
        if port not in ALLOWED_PORTS:
            raise Refused(f"Only ports 80 and 443 are fetched, not {port}.")
        for ip in ips:
            if reason := non_public_reason(ip):
                raise Refused(f"{host} resolves to {ip}, {reason}.")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme, host, port, ips[0], path)


def resolve(host, port):
    """Every address the host resolves to (a literal address resolves to itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise FetchFailed(f"The host {host} could not be resolved.") from error
    ips = list(dict.fromkeys(info[4][0] for info in infos))
    if not ips:
        raise FetchFailed(f"The host {host} could not be resolved.")
    return ips


def non_public_reason(ip):
    """Why an address may not be fetched, or None for a public one."""
    address = ipaddress.ip_address(ip.split("%")[0])
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address (where cloud metadata services live)"
    if address.is_multicast:
        return "a multicast address"
    if address.is_private:
        return "a private address"
    if not address.is_global:
        return "not a public address"
    return None


def _request(target, deadline):
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FetchFailed("The fetch took too long.")
    timeout = urllib3.Timeout(connect=min(5, remaining), read=min(10, remaining))
    default_port = ALLOWED_SCHEMES[target.scheme]
    host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            target.ip,
            target.port,
            timeout=timeout,
            retries=False,
            maxsize=1,
            # TLS is checked against the name in the address, not the address we connect to.
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
        )
    else:
        pool = urllib3.HTTPConnectionPool(
            target.ip, target.port, timeout=timeout, retries=False, maxsize=1
        )
    headers = {
        "Host": host_header,
        "User-Agent": USER_AGENT,
        "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.8",
        "Accept-Encoding": "identity",
    }
    try:
        return pool.urlopen(
            "GET",
            target.path,
            headers=headers,
            redirect=False,
            preload_content=False,
            assert_same_host=False,
        )
    except urllib3.exceptions.HTTPError as error:
        raise FetchFailed(f"No answer from {target.host}: {type(error).__name__}.") from error


def _read_capped(response, max_bytes, deadline):
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise Refused(f"The body is larger than {max_bytes:,} bytes.")
    body = bytearray()
    try:
        for chunk in response.stream(CHUNK, decode_content=True):
            body += chunk
            if len(body) > max_bytes:
                raise Refused(f"The body is larger than {max_bytes:,} bytes.")
            if time.monotonic() > deadline:
                raise FetchFailed("The fetch took too long.")
    except urllib3.exceptions.HTTPError as error:
        raise FetchFailed(f"The answer broke off: {type(error).__name__}.") from error
    return bytes(body)


# Extracting the title and text ----------------------------------------------------------

SKIPPED_TAGS = {"script", "style", "noscript", "template", "svg", "head"}
BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
    "section", "article", "header", "footer", "blockquote", "pre", "dd", "dt", "hr",
}  # fmt: skip


class _TextExtractor(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.title, self.parts = [], []
        self._skipping, self._in_title = 0, False

    def handle_starttag(self, tag, attrs):
        if tag == "title":
            self._in_title = True
        elif tag in SKIPPED_TAGS:
            self._skipping += 1
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        elif tag in SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data):
        if self._in_title:
            self.title.append(data)
        elif not self._skipping:
            self.parts.append(data)


def extract(page, max_chars=None):
    """(title, text) of a page: HTML without its markup and scripts, plain text as it is,
    a PDF's text layer; nothing for other types."""
    max_chars = max_chars or settings.TRACKER_FETCH_MAX_TEXT
    mime, _, params = page.content_type.partition(";")
    mime = mime.strip().lower()
    charset = "utf-8"
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip('"')
    try:
        decoded = page.body.decode(charset, errors="replace")
    except LookupError:
        decoded = page.body.decode("utf-8", errors="replace")
    if mime in ("text/html", "application/xhtml+xml"):
        parser = _TextExtractor()
        parser.feed(decoded)
        parser.close()
        title, text = " ".join("".join(parser.title).split()), "".join(parser.parts)
    elif mime.startswith("text/"):
        title, text = "", decoded
    elif mime == "application/pdf":
        try:  # the ingest screen's reader: pypdf, refusing encrypted and image-only files
            cleaned = clean.from_pdf(page.body)
        except clean.SourceError:
            return "", ""
        title, text = cleaned.title, cleaned.text
    else:
        return "", ""
    lines = (" ".join(line.split()) for line in text.splitlines())
    text = "\n".join(line for line in lines if line)
    return title[:500], text[:max_chars]
