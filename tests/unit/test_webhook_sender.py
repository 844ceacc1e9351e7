"""The HTTP sender against a real local server: what counts as a response, what is refused."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from credstack.adapters.webhook_sender import HttpWebhookSender


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", "0")))
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("location", "/ok")
        elif self.path == "/busy":
            self.send_response(503)
            self.send_header("retry-after", "120")
        elif self.path == "/slow":
            time.sleep(1.5)
            self.send_response(200)
        elif self.path == "/big":
            self.send_response(200)
            self.send_header("content-length", str(10**6))
            self.end_headers()
            self.wfile.write(b"x" * 10**6)
            return
        else:
            self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def base() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def send(url: str, **options: float) -> tuple[int | None, str | None, float | None]:
    sender = HttpWebhookSender(allow_local=True, **options)  # type: ignore[arg-type]
    result = sender.send(url, {"content-type": "application/json"}, b"{}")
    return result.status, result.error, result.retry_after


def test_a_2xx_is_delivered(base: str) -> None:
    assert send(f"{base}/ok") == (200, None, None)


def test_a_redirect_is_not_followed(base: str) -> None:
    status, error, _ = send(f"{base}/redirect")
    assert status == 302
    assert error
    assert error.startswith("302")


def test_retry_after_is_read(base: str) -> None:
    status, _, retry_after = send(f"{base}/busy")
    assert (status, retry_after) == (503, 120.0)


def test_a_slow_receiver_times_out(base: str) -> None:
    status, error, _ = send(f"{base}/slow", timeout=0.3)
    assert status is None
    assert error
    assert "no response" in error


def test_a_large_answer_is_not_read_whole(base: str) -> None:
    assert send(f"{base}/big", max_response=10)[0] == 200


def test_nothing_is_sent_to_local_addresses_unless_allowed(base: str) -> None:
    strict = HttpWebhookSender()
    refused = strict.send(f"{base}/ok", {}, b"{}")
    assert refused.status is None
    assert refused.error
    assert "https" in refused.error
    # a host name that resolves to a loopback address is refused when it is looked up
    named = strict.send("https://localhost/ok", {}, b"{}")
    assert named.status is None
    assert named.error
    assert "non-public address" in named.error


def test_an_unreachable_receiver_is_a_failure_not_an_exception() -> None:
    status, error, _ = send("http://127.0.0.1:9/none", timeout=1)
    assert status is None
    assert error
    assert "no response" in error
