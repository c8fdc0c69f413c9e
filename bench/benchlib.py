"""What the benchmarks share: a throwaway PostgreSQL database, and a child process timed as a
user's command is (wall time, CPU time and peak memory of that one process)."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

# the role and database .ci/services makes; any database the role may CREATE DATABASE from
PG_ADMIN_URL = os.environ.get(
    "INFLUENCER_BENCH_PG_URL",
    os.environ.get("INFLUENCER_TEST_PG_URL",
                   "postgresql+psycopg://influencer:influencer@127.0.0.1:5432/influencer_test"))


@contextmanager
def postgres_database() -> Iterator[str | None]:
    """The URL of a new, empty PostgreSQL database, dropped afterwards; None when no server
    answers (the benchmark then says so and measures SQLite only)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin_url = make_url(PG_ADMIN_URL).set(drivername="postgresql+psycopg")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"bench_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        print(f"PostgreSQL not measured: {str(exc).splitlines()[0]}")
        yield None
        return
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass(frozen=True)
class Child:
    """One finished child process."""

    wall: float  # seconds
    cpu: float  # user + system seconds
    rss_mb: float  # peak resident memory of the child's own program
    stdout: str


# The child's own peak, read from /proc/self/status as it exits. Not the rusage's ru_maxrss:
# Linux carries the parent's peak into a child across exec, so every child of a benchmark
# that holds outputs in memory would seem to need as much.
PEAK = """import atexit, os, runpy, sys
def said():
    with open("/proc/self/status") as status, open(os.environ["BENCH_PEAK_FILE"], "w") as out:
        out.write(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
atexit.register(said)
kind, what, *sys.argv[1:] = sys.argv[1:]
if kind == "-m":
    sys.argv[0] = what
    runpy.run_module(what, run_name="__main__", alter_sys=True)
else:
    sys.argv[0] = "-c"
    exec(compile(what, "<string>", "exec"), {"__name__": "__main__"})
"""


def run_child(args: Sequence[str], env: Mapping[str, str]) -> Child:
    """Run ``args`` (``python -m MODULE …`` or ``python -c CODE …``) to the end; exit with its
    error output if it fails."""
    python, kind, *rest = args
    assert kind in ("-m", "-c"), args
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err, \
            tempfile.NamedTemporaryFile("r") as peak:
        start = time.perf_counter()
        child = subprocess.Popen([python, "-c", PEAK, kind, *rest], stdout=out, stderr=err,
                                 env={**env, "BENCH_PEAK_FILE": peak.name})
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if code != 0:
            raise SystemExit(f"{' '.join(args[:4])} … failed ({code}): {err.read()[-2000:]}")
        kilobytes = int(peak.read() or usage.ru_maxrss)
        return Child(wall, usage.ru_utime + usage.ru_stime, kilobytes / 1024, out.read())
