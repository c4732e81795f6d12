"""URL fetching: SSRF refusals, the operator allowance, the overall deadline, URL-list
comments and feed-item fallbacks.

Only loopback is ever contacted: an autouse guard makes any other connection attempt
fail the test, and the non-loopback cases use a fake resolver and are refused before
any connection is made.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from newstrace.ingest import http as fetch_http
from newstrace.ingest import iter_inputs
from newstrace.ingest.files import ReadError
from newstrace.ingest.http import Fetcher, Refused, check_url, vet_host
from newstrace.records import InputError, RawDocument

HINT = "(use --allow-private-addresses to fetch it)"
ARTICLE = (b"<!doctype html><html><head><title>Safe</title></head><body><article><h1>Safe"
           b"</h1><p>The council met on Monday and agreed the budget.</p></article></body></html>")


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail loudly if anything tries to connect anywhere but loopback."""
    real = socket.create_connection

    def guarded(address, *args, **kwargs):  # type: ignore[no-untyped-def]
        host = address[0]
        if not ipaddress.ip_address(host).is_loopback:
            raise AssertionError(f"test tried to connect to {host}")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", guarded)


def fake_resolver(table: dict[str, str]):  # type: ignore[no-untyped-def]
    def resolve(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
        if host not in table:  # the loopback test server
            return socket.getaddrinfo(host, port, *args, **kwargs)
        ip = ipaddress.ip_address(table[host])
        family = socket.AF_INET if ip.version == 4 else socket.AF_INET6
        sockaddr = (str(ip), port) if ip.version == 4 else (str(ip), port, 0, 0)
        return [(family, socket.SOCK_STREAM, 6, "", sockaddr)]
    return resolve


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        if self.path.startswith("/to/"):  # /to/<absolute URL>: a redirect there
            self.send_response(302)
            self.send_header("Location", self.path[len("/to/"):])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path == "/drip":  # one byte every 0.2 s, for 30 s
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "150")
            self.end_headers()
            try:
                for _ in range(150):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.2)
            except OSError:
                pass
            return
        if self.path == "/missing":
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(ARTICLE)))
        self.end_headers()
        self.wfile.write(ARTICLE)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def run(*inputs: str, **options: object) -> tuple[list[RawDocument], list[InputError]]:
    items = list(iter_inputs(list(inputs), **options))  # type: ignore[arg-type]
    return ([i for i in items if isinstance(i, RawDocument)],
            [i for i in items if isinstance(i, InputError)])


def reason(url: str, **options: object) -> str:
    docs, errors = run(url, timeout=2, **options)
    assert docs == [] and len(errors) == 1
    return errors[0].reason


# --- SSRF: refused by default -------------------------------------------------------------

@pytest.mark.parametrize(("url", "expected"), [
    ("http://127.0.0.1:5432/", f"refused: 127.0.0.1 is a loopback address {HINT}"),
    ("http://[::1]/api/report", f"refused: ::1 is a loopback address {HINT}"),
    ("http://2130706433/", f"refused: 2130706433 resolves to 127.0.0.1, a loopback address {HINT}"),
    ("http://0x7f000001/", f"refused: 0x7f000001 resolves to 127.0.0.1, a loopback address {HINT}"),
    ("http://127.1/", f"refused: 127.1 resolves to 127.0.0.1, a loopback address {HINT}"),
    ("http://0177.0.0.1/", "invalid URL: Invalid IPv4 address"),  # httpx: not even parsed
    ("http://0.0.0.0:8000/", f"refused: 0.0.0.0 is an unspecified address {HINT}"),
    ("http://[::ffff:127.0.0.1]/", f"refused: ::ffff:127.0.0.1 is a loopback address {HINT}"),
])
def test_loopback_forms_are_refused(url: str, expected: str) -> None:
    assert reason(url).startswith(expected)


def test_localhost_is_refused() -> None:
    # localhost may resolve to ::1 first or 127.0.0.1 first: either is refused
    assert reason("http://localhost:8000/api/report").startswith("refused: localhost resolves to ")
    assert "a loopback address" in reason("http://localhost/") and HINT in reason("http://localhost/")


@pytest.mark.parametrize(("address", "kind"), [
    ("10.0.0.1", "a private address"),
    ("192.168.1.5", "a private address"),
    ("172.16.0.9", "a private address"),
    ("fd12:3456::1", "a private address"),
    ("169.254.10.10", "a link-local address"),
    ("fe80::1", "a link-local address"),
    ("224.0.0.1", "a multicast address"),
    ("240.0.0.1", "a reserved address"),
    ("100.64.0.1", "a non-public address"),
    ("169.254.169.254", "a cloud metadata address"),
    ("fd00:ec2::254", "a cloud metadata address"),
])
def test_internal_addresses_after_resolution_are_refused(
        monkeypatch: pytest.MonkeyPatch, address: str, kind: str) -> None:
    monkeypatch.setattr(fetch_http, "resolve", fake_resolver({"news.test": address}))
    assert reason("http://news.test/story").startswith(
        f"refused: news.test resolves to {address}, {kind}")


def test_any_internal_address_among_several_refuses(monkeypatch: pytest.MonkeyPatch) -> None:
    def resolve(host, port, *args, **kwargs):  # type: ignore[no-untyped-def]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port))]
    monkeypatch.setattr(fetch_http, "resolve", resolve)
    with pytest.raises(Refused, match=r"10\.1\.2\.3, a private address"):
        vet_host("mixed.test", 80, allow_private=False)


def test_metadata_stays_refused_with_the_allowance(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch_http, "resolve", fake_resolver({"meta.test": "169.254.169.254"}))
    assert reason("http://meta.test/latest/meta-data/", allow_private_addresses=True) == (
        "refused: meta.test resolves to 169.254.169.254, a cloud metadata address")
    assert reason("http://169.254.169.254/", allow_private_addresses=True) == (
        "refused: 169.254.169.254 is a cloud metadata address")


def test_connects_to_the_vetted_address_not_a_second_lookup(
        monkeypatch: pytest.MonkeyPatch, server: str) -> None:
    # DNS rebinding: the first answer is vetted and used; a later answer is never asked for
    port = int(server.rsplit(":", 1)[1])
    answers = iter(["127.0.0.1", "10.0.0.1", "10.0.0.1"])

    def rebinding(host, p, *args, **kwargs):  # type: ignore[no-untyped-def]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), p))]
    monkeypatch.setattr(fetch_http, "resolve", rebinding)
    with Fetcher(timeout=2, max_bytes=100_000, allow_private=True) as fetcher:
        body, final, _ = fetcher.get(f"http://rebind.test:{port}/article")
    assert body == ARTICLE and final == f"http://rebind.test:{port}/article"


def test_a_url_list_is_refused_line_by_line(tmp_path: Path) -> None:
    (tmp_path / "urls.txt").write_text("http://127.0.0.1:5432/\nhttp://localhost/api/report\n")
    docs, errors = run(str(tmp_path / "urls.txt"), timeout=2)
    assert docs == [] and [e.source for e in errors] == ["http://127.0.0.1:5432/",
                                                          "http://localhost/api/report"]
    assert all(e.reason.startswith("refused: ") for e in errors)


def test_a_feed_does_not_fetch_internal_links(tmp_path: Path) -> None:
    (tmp_path / "feed.xml").write_text("""<rss version="2.0"><channel><title>T</title>
<item><title>Inside</title><link>http://127.0.0.1:5432/</link>
<description>The item's own teaser.</description></item></channel></rss>""")
    docs, errors = run(str(tmp_path / "feed.xml"), timeout=2)
    assert errors == [] and docs[0].content == "The item's own teaser."
    assert docs[0].hints["fetch_note"].startswith("linked page not used: refused: 127.0.0.1")


# --- redirects: each hop is checked -------------------------------------------------------

def test_redirect_to_an_internal_address_is_refused_at_the_hop(
        monkeypatch: pytest.MonkeyPatch, server: str) -> None:
    # the first server is allowed (loopback + allowance); the hop leads to metadata,
    # which the allowance never covers: refused before any connection is made
    monkeypatch.setattr(fetch_http, "resolve", fake_resolver({"meta.test": "fd00:ec2::254"}))
    assert reason(f"{server}/to/http://169.254.169.254/latest/", allow_private_addresses=True) \
        == "refused: 169.254.169.254 is a cloud metadata address"
    assert reason(f"{server}/to/http://meta.test/x", allow_private_addresses=True) \
        == "refused: meta.test resolves to fd00:ec2::254, a cloud metadata address"
    assert reason(f"{server}/to/file:///etc/passwd", allow_private_addresses=True) \
        == "refused: file scheme (only http and https are fetched)"


def test_redirect_hop_check_without_the_allowance() -> None:
    # the per-hop check itself, as each Location is checked before it is requested
    for hop in ("http://127.0.0.1:8000/api/report", "http://[::1]/", "http://10.0.0.1/"):
        with pytest.raises(Refused, match=r"^refused: .* address"):
            check_url(httpx.URL(hop), allow_private=False)
    check_url(httpx.URL("https://news.example/"), allow_private=False)  # names: at connect


def test_redirects_are_followed_and_capped(server: str) -> None:
    docs, errors = run(f"{server}/to/{server}/article", timeout=2, allow_private_addresses=True)
    assert errors == [] and docs[0].url == f"{server}/article"
    chain = f"{server}/article"
    for _ in range(6):
        chain = f"{server}/to/{chain}"
    assert reason(chain, allow_private_addresses=True) == "too many redirects"


# --- the operator allowance ---------------------------------------------------------------

def test_the_allowance_fetches_loopback(server: str) -> None:
    docs, errors = run(f"{server}/article", timeout=2, allow_private_addresses=True)
    assert errors == [] and docs[0].content == ARTICLE
    with Fetcher(timeout=2, max_bytes=100_000, allow_private=True) as fetcher:
        assert fetcher.get(f"{server}/article")[0] == ARTICLE
    with Fetcher(timeout=2, max_bytes=100_000) as fetcher, pytest.raises(ReadError, match=HINT):
        fetcher.get(f"{server}/article")


# --- the overall deadline -----------------------------------------------------------------

def test_a_dripping_server_is_cut_off_at_the_deadline(server: str) -> None:
    # 1 byte per 0.2 s for 30 s, with a 1 s deadline: every read is quick, the whole is not
    start = time.monotonic()
    docs, errors = run(f"{server}/drip", timeout=1, allow_private_addresses=True)
    assert time.monotonic() - start < 3
    assert docs == [] and [e.reason for e in errors] == ["timed out after 1 s"]


def test_deadline_alone(server: str) -> None:
    start = time.monotonic()
    with Fetcher(timeout=1, max_bytes=100_000, allow_private=True) as fetcher, \
            pytest.raises(ReadError, match=r"^timed out after 1 s$"):
        fetcher.get(f"{server}/drip")
    assert time.monotonic() - start < 3


def test_deadline_covers_redirects(server: str) -> None:
    start = time.monotonic()
    assert reason(f"{server}/to/{server}/to/{server}/drip", allow_private_addresses=True) \
        == "timed out after 2 s"
    assert time.monotonic() - start < 4


# --- URL lists and feeds ------------------------------------------------------------------

def test_url_list_comments_and_blank_lines_are_skipped(tmp_path: Path, server: str) -> None:
    (tmp_path / "urls.txt").write_bytes(
        f"\ufeff# my list\n\n{server}/article\n   \n# another comment\n"
        f"\t{server}/to/{server}/article  \n".encode())
    docs, errors = run(str(tmp_path / "urls.txt"), timeout=2, allow_private_addresses=True)
    assert errors == []
    assert [d.source for d in docs] == [f"{server}/article", f"{server}/to/{server}/article"]
    assert all(d.content == ARTICLE for d in docs)


def test_feed_item_link_failure_keeps_the_item_without_an_error(
        tmp_path: Path, server: str) -> None:
    (tmp_path / "feed.xml").write_text(f"""<rss version="2.0"><channel><title>T</title>
<item><title>Gone</title><link>{server}/missing</link>
<description>Teaser of a page that is gone.</description></item>
<item><title>Read</title><link>{server}/article</link>
<description>Teaser of a page that is there.</description></item>
<item><title>Empty</title><link>{server}/missing</link></item></channel></rss>""")
    docs, errors = run(str(tmp_path / "feed.xml"), timeout=2, allow_private_addresses=True)
    gone, read = docs
    assert gone.content == "Teaser of a page that is gone." and gone.hints["title"] == "Gone"
    assert gone.hints["fetch_note"] == "linked page not used: HTTP 404 Not Found"
    assert read.content == ARTICLE and read.hints["title"] == "Read"
    # an item with no text of its own and a failed link is the only one reported
    assert [(e.source.rsplit("#", 1)[1], e.reason) for e in errors] == [
        ("item-2", "feed item has no text and its link failed: HTTP 404 Not Found")]
