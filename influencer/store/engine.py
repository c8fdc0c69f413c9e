"""Opening the database: SQLite (WAL, busy timeout) by default, PostgreSQL for teams.

Migrations run automatically under a lock (a file lock beside the SQLite file, an advisory
lock on PostgreSQL), so several processes starting on a new database at once all succeed and
the schema is created once. A database already at the head revision is opened without
importing Alembic.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

from influencer.config.private import create_private_file, make_private_dir
from influencer.errors import StoreError

HEAD_REVISION = "0010"  # the newest file in migrations/versions; a test keeps them in step
BUSY_TIMEOUT_MS = 15_000
_ADVISORY_KEY = 0x1F1E_6C75  # pg_advisory_lock key of influencer migrations
MIGRATIONS = Path(__file__).parent / "migrations"


def normalise_url(url: str) -> str:
    """``postgres://`` and ``postgresql://`` use psycopg 3; other URLs pass unchanged."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, parsed.database)
    try:
        return create_engine(url, pool_pre_ping=True)
    except ImportError as exc:
        raise StoreError(f"{parsed.drivername}: driver not installed ({exc.name}); "
                         "install influencer[postgres]") from None


def _sqlite_engine(url: str, database: str | None) -> Engine:
    if database and database != ":memory:":
        make_private_dir(Path(database).parent)
        create_private_file(Path(database))
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


def open_store(url: str, *, migrate: bool = True) -> Engine:
    """An engine on ``url`` whose schema is at the head revision."""
    engine = make_engine(url)
    try:
        if migrate and current_revision(engine) != HEAD_REVISION:
            upgrade(engine, HEAD_REVISION)
    except (OperationalError, ProgrammingError, DBAPIError) as exc:
        raise StoreError(f"cannot open the database {safe_url(url)}: {exc.orig}") from None
    return engine


def safe_url(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    return make_url(normalise_url(url)).render_as_string(hide_password=True)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return _revision(conn)


def _revision(conn: Connection) -> str | None:
    try:
        row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    except (OperationalError, ProgrammingError):
        conn.rollback()
        return None
    return str(row[0]) if row else None


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate to ``revision`` while holding the migration lock."""
    if engine.dialect.name == "sqlite":
        from filelock import FileLock

        database = engine.url.database
        lock_path = f"{database}.migrate.lock" if database and database != ":memory:" else None
        if lock_path is None:
            _run_alembic(engine, revision)
            return
        with FileLock(lock_path, timeout=120):
            _run_alembic(engine, revision)
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _ADVISORY_KEY})
        conn.commit()
        try:
            _run_alembic(engine, revision)
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _ADVISORY_KEY})
            conn.commit()


def _run_alembic(engine: Engine, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:  # SQLite rebuilds a table to change a constraint: keys are checked afterwards
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # no effect inside a transaction
            conn.commit()
        try:
            with conn.begin():
                config.attributes["connection"] = conn
                command.upgrade(config, revision)
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all() if sqlite else []
                if broken:
                    raise StoreError(f"migration to {revision} broke {len(broken)} foreign keys")
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()
