"""Headless Chromium (Debian's /usr/bin/chromium) for page tests, with the network blocked.

Every request the page makes is routed to a local recording proxy that answers 403, so a test
can assert that none left the page. Never downloads a browser.
"""

from __future__ import annotations

import http.server
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Chromium's own background traffic (update and clock checks), not made by the page under test.
BROWSER_SERVICES = ("update.googleapis.com", "clients2.google.com", "accounts.google.com")


@dataclass
class Recorder:
    requests: list[str] = field(default_factory=list)


@contextmanager
def recording_proxy() -> Iterator[tuple[int, Recorder]]:
    recorder = Recorder()

    class Handler(http.server.BaseHTTPRequestHandler):
        def _refuse(self) -> None:
            recorder.requests.append(f"{self.command} {self.path}")
            self.send_response(403)
            self.end_headers()

        do_GET = do_POST = do_CONNECT = do_HEAD = _refuse

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], recorder
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _chromium(args: list[str], port: int, profile: str) -> subprocess.CompletedProcess[str]:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is required under CI (Debian package chromium)")
        pytest.skip("chromium not installed")
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--disable-dev-shm-usage", f"--user-data-dir={profile}",
               f"--proxy-server=http://127.0.0.1:{port}", "--proxy-bypass-list=<-loopback>",
               "--virtual-time-budget=5000", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def load_page(page: Path, screenshot: Path) -> tuple[str, list[str]]:
    """The page's DOM after its scripts ran, and every request it tried to make."""
    with recording_proxy() as (port, recorder), tempfile.TemporaryDirectory() as profile:
        dom = _chromium(["--dump-dom", page.as_uri()], port, profile)
        shot = _chromium([f"--screenshot={screenshot}", "--window-size=1280,1600", page.as_uri()],
                         port, profile)
        assert dom.returncode == 0, dom.stderr[-2000:]
        assert shot.returncode == 0 and screenshot.exists(), shot.stderr[-2000:]
        page_requests = [r for r in recorder.requests
                         if not any(host in r.split()[1] for host in BROWSER_SERVICES)]
        return dom.stdout, page_requests


def print_pdf(page: Path, pdf: Path) -> tuple[str, int]:
    """The page printed to PDF by Chromium (its own print layout: @page, page breaks): the
    page's DOM and the number of pages printed."""
    with recording_proxy() as (port, _), tempfile.TemporaryDirectory() as profile:
        dom = _chromium(["--dump-dom", page.as_uri()], port, profile)
        printed = _chromium([f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri()],
                            port, profile)
        assert dom.returncode == 0, dom.stderr[-2000:]
        assert printed.returncode == 0 and pdf.exists(), printed.stderr[-2000:]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    return dom.stdout, len(re.findall(rb"/Type\s*/Page(?!s)", data))
