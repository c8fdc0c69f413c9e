"""What several test modules need, in one place (test modules never import one another):
the one fake clock, the flow's context on a workspace, the CLI as a user runs it, a free port
nothing listens on, and a small labelled post with real image files."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image

from influencer.config import BUILTIN_SPECS, load_workspace
from influencer.disclosure import Draft, LabeledImage, LabeledPost, label
from influencer.flow.context import Context
from influencer.store import open_store

SOURCE = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
XMP = (f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       f'<rdf:Description xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" '
       f'Iptc4xmpExt:DigitalSourceType="{SOURCE}"/></rdf:RDF></x:xmpmeta>')
SLOT = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


class FixedClock:
    """The clock a test injects: it says ``now`` until the test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def flow_context(root: Path, clock: Callable[[], datetime], db_url: str | None = None,
                 actor: str = "tester") -> Context:
    """The flow's context on the workspace at ``root``, its database (or ``db_url``), ``clock``."""
    ws = load_workspace(root).raise_for_issues()
    return Context(ws, open_store(db_url or ws.database_url()), clock, actor)


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``influencer ARGS`` in a process of its own, without the developer's INFLUENCER_* settings."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("INFLUENCER_")}
    environ.update(env or {})
    return subprocess.run([sys.executable, "-m", "influencer", *args], cwd=cwd, env=environ,
                          capture_output=True, text=True, timeout=timeout, check=False)


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rendered(tmp_path: Path, name: str = "a.jpg", xmp: bool = True) -> LabeledImage:
    """A small JPEG carrying the IPTC digital source type, as the renderer would leave it."""
    path = tmp_path / name
    Image.new("RGB", (64, 80), (180, 90, 40)).save(path, "JPEG", **({"xmp": XMP.encode()} if xmp else {}))
    return LabeledImage(path, hashlib.sha256(path.read_bytes()).hexdigest(),
                        "A rust knit sweater by birches.", SOURCE)


def draft(image: LabeledImage, platform: str = "x", paid: bool = False) -> Draft:
    return Draft(post_id="p1", persona="ava", schedule="ava-autumn", platform=platform,
                 slot_at=SLOT, publish_at=SLOT, body="Layering season is my favourite season.",
                 hashtags=["#NorthlightTwin", "#knitwear"], images=[image], writer="offline",
                 paid=paid)


def two_image_post(tmp_path: Path, workspace: Path, platform: str) -> LabeledPost:
    """Ava's paid post with two images, labelled for ``platform``."""
    ava = load_workspace(workspace).personas["ava"]
    made = draft(rendered(tmp_path, "a.jpg"), platform, paid=True)
    two = dataclasses.replace(made, images=[made.images[0], rendered(tmp_path, "b.jpg")])
    return label(two, ava, BUILTIN_SPECS[platform])


def on_a_terminal(ws: Path, answer: bytes | None, *args: str, columns: int = 100,
                  answers: Sequence[tuple[bytes, bytes]] = (),
                  env: Mapping[str, str] | None = None) -> tuple[int, str]:
    """Run the CLI with a pseudo-terminal as stdin and stdout, ``columns`` wide; answer "Go
    ahead?" with ``answer``, and each prompt in ``answers`` with its reply, in order."""
    import pty
    import select

    leader, follower = pty.openpty()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("INFLUENCER_")}
    environ.update(INFLUENCER_NOW="2026-11-30T06:00:00+00:00", INFLUENCER_ACTOR="ines",
                   COLUMNS=str(columns), **(env or {}))
    pending = [*answers, *([(b"Go ahead?", answer)] if answer is not None else [])]
    process = subprocess.Popen([sys.executable, "-m", "influencer", *args], cwd=ws, env=environ,
                               stdin=follower, stdout=follower, stderr=follower)
    os.close(follower)
    seen, asked_at = b"", 0
    try:
        while True:
            ready, _, _ = select.select([leader], [], [], 60)
            assert ready, f"no output within 60 s: {seen!r}"
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the process closed the terminal
                break
            if not chunk:
                break
            seen += chunk
            if pending and pending[0][0] in seen[asked_at:]:
                asked_at = len(seen)
                os.write(leader, pending.pop(0)[1])
        return process.wait(timeout=60), seen.decode("utf-8", "replace").replace("\r\n", "\n")
    finally:
        os.close(leader)
        if process.poll() is None:
            process.kill()
            process.wait()
