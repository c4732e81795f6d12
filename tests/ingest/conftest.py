"""A local HTTP server (127.0.0.1 only) with pages that succeed, fail, redirect and stall."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

ARTICLE_HTML = b"""<!doctype html><html><head><title>Local article</title>
<meta property="og:site_name" content="Local Times"></head><body><article>
<h1>Local article</h1><p>The council said on Monday that the bridge would reopen in May,
after repairs that cost more than expected.</p></article></body></html>"""

ROUTES: dict[str, tuple[int, str, bytes]] = {
    "/article": (200, "text/html; charset=utf-8", ARTICLE_HTML),
    "/missing": (404, "text/html", b"not here"),
    "/broken": (500, "text/html", b"oops"),
    "/binary": (200, "application/pdf", b"%PDF-1.7\n\x00\x01\x02binary"),
}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/slow":
            time.sleep(1.5)
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/article")
            self.end_headers()
            return
        if self.path == "/huge":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            for _ in range(64):  # 4 MB, no Content-Length: the cap must stop the read
                self.wfile.write(b"<p>" + b"x" * 65536 + b"</p>")
            return
        if self.path.startswith("/feed-page/"):
            body = ARTICLE_HTML.replace(b"Local article", self.path.encode())
            status, ctype = 200, "text/html"
        else:
            status, ctype, body = ROUTES.get(self.path, (200, "text/html", ARTICLE_HTML))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def http_base() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
