"""``newstrace serve --workers 2`` as a user starts it: the answers of its worker
processes are not held back by Nagle's algorithm (see newstrace.server.tcp_listener)."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from newstrace.store import Store
from tests.fixtures.load import load_into

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(sock: socket.socket, path: str) -> bytes:
    """One keep-alive GET on ``sock``, its whole response (Content-Length bodies)."""
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    while len(body) < length:
        body += sock.recv(65536)
    return head


def test_workers_answer_keep_alive_requests_without_delayed_ack_waits(tmp_path: Path
                                                                     ) -> None:
    db = str(tmp_path / "served.db")
    with Store.open(db) as store:
        load_into(store)
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    server = subprocess.Popen([sys.executable, "-m", "newstrace", "serve", "--db", db,
                               "--port", str(port), "--workers", "2"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                sock = socket.create_connection(("127.0.0.1", port), timeout=10)
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
        with sock:
            assert b" 200 " in _get(sock, "/api/health").split(b"\r\n")[0] + b" "
            took = []
            for path in ["/api/health", "/api/claims?limit=2"] * 10:
                start = time.perf_counter()
                _get(sock, path)
                took.append(time.perf_counter() - start)
        # with Nagle on, each answer after the first waited ~40 ms for the delayed ACK
        assert statistics.median(took) < 0.02, took
    finally:
        server.terminate()
        server.wait(30)
