"""Shared fixtures: a copy of the example workspace, and databases on SQLite and PostgreSQL.

PostgreSQL tests use ``INFLUENCER_TEST_PG_URL`` (default: the role and database that
``.ci/services`` creates). Each test gets a database of its own, dropped afterwards. Where no
server answers they are skipped, except under CI (``CI=true``), where that is a failure.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from tests.captions.standin import ModelStandIn

REPO = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get(
    "INFLUENCER_TEST_PG_URL",
    "postgresql+psycopg://influencer:influencer@127.0.0.1:5432/influencer_test",
)


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see the developer's own workspace, database or clock settings."""
    for name in ("INFLUENCER_HOME", "INFLUENCER_DATABASE_URL", "INFLUENCER_NOW"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A copy of the repository's example workspace (personas, schedules, imagery)."""
    root = tmp_path / "ws"
    root.mkdir()
    for folder in ("personas", "schedules"):
        shutil.copytree(REPO / folder, root / folder)
    return root


def _pg_admin_url() -> str:
    url = make_url(PG_URL).set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)  # str() would print the password as ***


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for this test."""
    admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    name = f"inf_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required under CI: {exc}")
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    try:
        yield str(make_url(_pg_admin_url()).set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def standin() -> Iterator[ModelStandIn]:
    """A Chat Completions and Moderations server on 127.0.0.1 (tests/captions/standin.py)."""
    server = ModelStandIn().start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on ``db_url``, migrated to the head revision."""
    from influencer.store import open_store

    made = open_store(db_url)
    yield made
    made.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each database test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state' / 'influencer.db'}"
    return str(request.getfixturevalue("pg_url"))
