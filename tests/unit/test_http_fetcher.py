"""The HTTP fetcher against a real local server: bounded in size and time, errors named."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator

import pytest

from credstack.adapters.http_fetcher import HttpFetcher
from credstack.vc.errors import FetchError


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/doc.json":
            body = b'{"ok": true}'
        elif self.path == "/big":
            body = b"x" * 5000
        elif self.path == "/slow":
            time.sleep(2)
            body = b"{}"
        elif self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.1:1/elsewhere")
            self.end_headers()
            return
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def fetch(url: str, *, timeout: float = 5, max_bytes: int = 1000, allow_http: bool = True) -> bytes:
    fetcher = HttpFetcher(allow_http=allow_http)
    return fetcher.fetch(url, accept="application/json", timeout=timeout, max_bytes=max_bytes)


def test_fetches_a_document(server: str) -> None:
    assert fetch(f"{server}/doc.json") == b'{"ok": true}'


def test_a_missing_document_carries_its_status(server: str) -> None:
    with pytest.raises(FetchError) as caught:
        fetch(f"{server}/nothing")
    assert caught.value.status == 404


def test_a_body_over_the_cap_is_refused(server: str) -> None:
    with pytest.raises(FetchError, match="larger than 1000 bytes"):
        fetch(f"{server}/big")


def test_a_slow_server_times_out(server: str) -> None:
    started = time.monotonic()
    with pytest.raises(FetchError, match="could not be reached"):
        fetch(f"{server}/slow", timeout=0.3)
    assert time.monotonic() - started < 1.5


def test_plain_http_is_refused_unless_allowed(server: str) -> None:
    with pytest.raises(FetchError, match="only https"):
        fetch(f"{server}/doc.json", allow_http=False)
    with pytest.raises(FetchError, match="only https"):
        fetch("file:///etc/passwd", allow_http=True)


def test_an_unreachable_host_is_not_an_http_status() -> None:
    with pytest.raises(FetchError) as caught:
        fetch("http://127.0.0.1:1/x", timeout=1)
    assert caught.value.status is None
