"""The evidence fetcher: its happy path, and every refusal that keeps it safe on the open
internet. Only the loopback server of tests/webserver.py is on its test allowlist."""

import socket

import pytest

from tests.test_ingest_clean import _pdf_with_text
from tracker import fetch
from tracker.fetch import FetchFailed, Page, Refused


def test_it_fetches_a_page_with_its_status_type_and_hash(web):
    page = fetch.fetch(web.url("/page"))
    assert page.status == 200
    assert page.final_url == web.url("/page")
    assert page.content_type == "text/html; charset=utf-8"
    assert page.body.startswith(b"<!doctype html>")
    assert len(page.sha256) == 64


def test_it_extracts_the_title_and_the_text_without_scripts_or_styles(web):
    title, text = fetch.extract(fetch.fetch(web.url("/page")))
    assert title == "Joint statement on the bridge"
    assert "The two ministers opened the bridge on 1 October." in text
    assert "tracking" not in text and "color: red" not in text


def test_it_extracts_the_text_of_a_pdf():
    body = _pdf_with_text("The consulate opened on 1 March.")
    _, text = fetch.extract(Page("u", "u", 200, "application/pdf", body))
    assert "The consulate opened on 1 March." in text


def test_an_unreadable_pdf_gives_no_text_rather_than_an_error():
    assert fetch.extract(Page("u", "u", 200, "application/pdf", b"%PDF-1.4 junk")) == ("", "")


def test_extracted_text_is_capped():
    page = Page("u", "u", 200, "text/plain", ("word " * 1000).encode())
    _, text = fetch.extract(page, max_chars=100)
    assert len(text) == 100


def test_it_follows_a_redirect_and_records_the_final_address(web):
    page = fetch.fetch(web.url("/redirect?to=/page"))
    assert page.final_url == web.url("/page")
    assert page.status == 200


def test_an_error_status_is_an_answer_not_an_exception(web):
    page = fetch.fetch(web.url("/missing"))
    assert page.status == 404
    assert not page.ok


def test_it_sends_and_keeps_no_cookies(web):
    fetch.fetch(web.url("/cookie"))
    paths = [path for path, _ in web.requests]
    assert paths == ["/cookie", "/page"]
    assert all("Cookie" not in headers for _, headers in web.requests)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "gopher://example.org/1",
        "ftp://example.org/file",
        "javascript:alert(1)",
    ],
)
def test_schemes_other_than_http_and_https_are_refused(url):
    with pytest.raises(Refused, match="Only http and https"):
        fetch.fetch(url)


def test_ports_other_than_80_and_443_are_refused():
    with pytest.raises(Refused, match="Only ports 80 and 443"):
        fetch.fetch("http://93.184.215.14:8080/")


def test_credentials_in_the_address_are_refused():
    with pytest.raises(Refused, match="user name or password"):
        fetch.fetch("http://user:secret@93.184.215.14/")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/", "loopback"),
        ("http://127.8.9.10/", "loopback"),
        ("http://[::1]/", "loopback"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://10.1.2.3/", "private"),
        ("http://172.16.0.1/", "private"),
        ("http://192.168.1.1/", "private"),
        ("http://[fd00::1]/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[fe80::1]/", "link-local"),
        ("http://0.0.0.0/", "private"),
        ("http://100.100.100.200/", "not a public address"),  # shared space: a metadata host
        ("http://224.0.0.1/", "multicast"),
        ("http://2130706433/", "loopback"),  # 127.0.0.1 written as one number
    ],
)
def test_non_public_addresses_are_refused(url, reason):
    with pytest.raises(Refused, match=reason):
        fetch.fetch(url)


def test_a_dns_name_for_loopback_is_refused():
    # /etc/hosts resolves it: no patching needed.
    with pytest.raises(Refused, match="localhost resolves to .*loopback"):
        fetch.fetch("http://localhost/")


@pytest.fixture
def dns(monkeypatch):
    """Make chosen host names resolve to chosen addresses, as a hostile DNS server would."""
    answers = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            family = socket.AF_INET6 if ":" in answers[host][0] else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (ip, port)) for ip in answers[host]]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


@pytest.mark.parametrize(
    ("ips", "reason"),
    [
        (["10.0.0.5"], "private"),
        (["192.168.0.10"], "private"),
        (["169.254.169.254"], "link-local"),
        (["fd00:ec2::254"], "private"),  # the metadata service's IPv6 address
        (["93.184.215.14", "127.0.0.1"], "loopback"),  # one bad answer is enough
    ],
)
def test_dns_names_resolving_to_private_addresses_are_refused(dns, ips, reason):
    dns["evidence.example.org"] = ips
    with pytest.raises(Refused, match=f"evidence.example.org resolves to .*{reason}"):
        fetch.fetch("https://evidence.example.org/report")


def test_a_name_that_does_not_resolve_fails_without_refusal():
    with pytest.raises(FetchFailed, match="could not be resolved"):
        fetch.fetch("http://no-such-host.invalid/")


def test_a_redirect_to_loopback_is_refused(web):
    with pytest.raises(Refused, match="127.0.0.1 resolves to 127.0.0.1, a loopback address"):
        fetch.fetch(web.url("/redirect?to=http://127.0.0.1/admin/"))
    assert [path for path, _ in web.requests] == ["/redirect?to=http://127.0.0.1/admin/"]


def test_a_redirect_to_another_port_on_the_allowed_host_is_refused(web):
    with pytest.raises(Refused, match="Only ports 80 and 443"):
        fetch.fetch(web.url("/redirect?to=http://127.0.0.1:6379/"))


def test_a_redirect_to_the_metadata_service_is_refused(web):
    with pytest.raises(Refused, match="link-local"):
        fetch.fetch(web.url("/redirect?to=http://169.254.169.254/latest/meta-data/"))


def test_a_redirect_to_a_file_address_is_refused(web):
    with pytest.raises(Refused, match="Only http and https"):
        fetch.fetch(web.url("/redirect?to=file:///etc/passwd"))


def test_a_redirect_loop_is_cut_off(web):
    web.pages.pop("/page")
    loop = "/redirect?to=/redirect?to=/redirect?to=/redirect?to=/redirect?to=/redirect?to=/x"
    with pytest.raises(Refused, match="More than 5 redirects"):
        fetch.fetch(web.url(loop))


def test_an_oversized_body_is_refused_by_its_content_length(web):
    with pytest.raises(Refused, match="larger than 4,096 bytes"):
        fetch.fetch(web.url("/big"))


def test_an_oversized_body_without_a_length_is_cut_off_while_reading(web):
    with pytest.raises(Refused, match="larger than 4,096 bytes"):
        fetch.fetch(web.url("/big-unannounced"))


def test_a_slow_server_runs_into_the_time_limit(web, settings):
    settings.TRACKER_FETCH_TIMEOUT = 1
    with pytest.raises(FetchFailed):
        fetch.fetch(web.url("/slow"))


def test_the_allowlist_is_empty_outside_tests(web, settings):
    settings.TRACKER_FETCH_TEST_ALLOWLIST = ()
    with pytest.raises(Refused):
        fetch.fetch(web.url("/page"))
