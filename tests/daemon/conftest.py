"""Fixtures for daemon tests: a Mastodon stand-in, a workspace posting to it, daemon processes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.daemon.harness import Daemons, daemons, make_workspace
from tests.platforms.mastodon_standin import MastodonStandIn
from tests.platforms.standin import StandIn


@pytest.fixture
def instance() -> Iterator[MastodonStandIn]:
    with StandIn() as server:
        yield MastodonStandIn(server)


@pytest.fixture
def ws(workspace: Path, instance: MastodonStandIn) -> Path:
    return make_workspace(workspace, instance.url)


@pytest.fixture
def run(ws: Path, pg_url: str) -> Iterator[Daemons]:
    with daemons(ws, pg_url) as group:
        yield group
