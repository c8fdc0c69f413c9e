"""The daemon's log: text, or JSON with one object per line for log shippers. The flow writes
one line per publishing step (``flow.context.step``) with structured fields, kept here.

Messages come from our own errors, which never carry request headers or secrets.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from influencer.flow.context import STEP_FIELDS

log = logging.getLogger("influencer.daemon")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage(),
        }
        entry.update({name: getattr(record, name) for name in STEP_FIELDS if hasattr(record, name)})
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class OwnWords(logging.Filter):
    """The log says what happened to posts in our words: other libraries' records (an HTTP
    client's request lines, an imaging library's warnings) only when they are errors, or with
    ``--log-level debug``."""

    def __init__(self, debug: bool) -> None:
        super().__init__()
        self.debug = debug

    def filter(self, record: logging.LogRecord) -> bool:
        ours = record.name == "influencer" or record.name.startswith("influencer.")
        return ours or self.debug or record.levelno >= logging.ERROR


def configure(fmt: str = "text", level: str = "info") -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    handler.addFilter(OwnWords(debug=level.lower() == "debug"))
    logging.captureWarnings(True)  # Python warnings become records of "py.warnings", filtered
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("alembic").setLevel(logging.WARNING)  # its routine lines are noise here
    # APScheduler warns at every skipped interval run ("maximum number of running instances
    # reached") while a job waits on a slow database: the outage is logged once, by the runner
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
