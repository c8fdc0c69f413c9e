"""Benchmark: drafting captions concurrently against a slow local model server.

    .venv/bin/python bench/bench_captions.py [--captions 200] [--concurrency 20] [--delay 0.5]

The stand-in (tests/captions/standin.py, a ThreadingHTTPServer on 127.0.0.1) answers every
Chat Completions and Moderations request after ``--delay`` seconds. Ideal wall time is
requests made x delay / concurrency. One-at-a-time is measured on a smaller sample in the same
run and scaled up to the full count. Not a test: it prints figures and whether targets are met.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from influencer.captions import CaptionDrafter, CaptionRequest, ImageInput  # noqa: E402
from influencer.config import BUILTIN_SPECS, load_workspace  # noqa: E402
from influencer.config.persona import Persona, Writer  # noqa: E402
from influencer.config.settings import (  # noqa: E402
    ConcurrencySettings,
    ModerationSettings,
    Settings,
    WriterDefaults,
)
from tests.captions.standin import ModelStandIn  # noqa: E402


@dataclass
class Run:
    captions: int
    requests: int
    seconds: float
    drafted: int
    most_in_flight: int


def image() -> ImageInput:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 120, 90)).save(out, format="JPEG")
    return ImageInput(out.getvalue(), "image/jpeg", tags=("wool coat", "autumn"))


def requests_for(persona: Persona, count: int, tag: str) -> list[CaptionRequest]:
    picture = image()
    platforms = ["x", "instagram", "bluesky", "mastodon"]
    return [CaptionRequest(persona=persona, platform=BUILTIN_SPECS[platforms[n % 4]],
                           slot_key=f"bench-{tag}/{n}", images=(picture,))
            for n in range(count)]


def measure_run(persona: Persona, count: int, concurrency: int, delay: float,
                moderation: bool, tag: str) -> Run:
    server = ModelStandIn(delay=delay).start()
    try:
        writer = Writer.model_validate({"name": "openai", "base_url": server.url, "model": "bench-vision"})
        bench_persona = persona.model_copy(update={"writer": writer})
        settings = Settings(
            concurrency=ConcurrencySettings(writers=concurrency, requests_per_minute=1_000_000),
            writer=WriterDefaults(timeout=30, attempts=2),
            moderation=ModerationSettings.model_validate(
                {"provider": "openai" if moderation else "off", "base_url": server.url}),
        )
        requests = requests_for(bench_persona, count, tag)

        async def go() -> tuple[float, int]:
            async with CaptionDrafter(REPO, settings) as drafter:
                started = time.perf_counter()
                results = await drafter.write_many(requests)
                elapsed = time.perf_counter() - started
            return elapsed, sum(r.status == "drafted" for r in results)

        seconds, drafted = asyncio.run(go())
        return Run(count, len(server.requests), seconds, drafted, server.most_in_flight)
    finally:
        server.close()


def report(title: str, persona: Persona, args: argparse.Namespace, moderation: bool) -> bool:
    main = measure_run(persona, args.captions, args.concurrency, args.delay, moderation, "main")
    single = measure_run(persona, args.sample, 1, args.delay, moderation, "single")
    ideal = main.requests * args.delay / args.concurrency
    scaled = single.seconds * args.captions / args.sample
    ratio, speedup = main.seconds / ideal, scaled / main.seconds
    print(f"\n== {title} ==")
    print(f"concurrent : {main.captions} captions, {main.requests} requests, "
          f"{main.drafted} drafted, concurrency {args.concurrency} "
          f"(max in flight at the server: {main.most_in_flight})")
    print(f"  wall time            {main.seconds:7.2f} s")
    print(f"  ideal                {ideal:7.2f} s  (= {main.requests} requests x {args.delay} s "
          f"/ {args.concurrency})")
    print(f"  ratio to ideal       {ratio:7.2f} x   target <= 1.30  "
          f"{'PASS' if ratio <= 1.3 else 'FAIL'}")
    print(f"one at a time: measured on {single.captions} captions ({single.requests} requests) "
          f"in {single.seconds:.2f} s; scaled x{args.captions / args.sample:g} to "
          f"{args.captions} captions = {scaled:.1f} s")
    print(f"  speed-up vs one at a time {speedup:6.1f} x  target >= 15  "
          f"{'PASS' if speedup >= 15 else 'FAIL'}")
    return ratio <= 1.3 and speedup >= 15 and main.drafted == main.captions


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--captions", type=int, default=200)
    parser.add_argument("--sample", type=int, default=20, help="one-at-a-time sample size")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--delay", type=float, default=0.5, help="server answer delay, s")
    args = parser.parse_args()
    persona = load_workspace(REPO).personas["ava"]
    print(f"stand-in answers every request after {args.delay} s; requests_per_minute set to "
          "1,000,000 so the rate limit does not throttle")
    ok = report("moderation off", persona, args, moderation=False)
    ok = report(f"moderation on (moderation stand-in also answers after {args.delay} s; "
                "writer and moderation share the concurrency limit)", persona, args,
                moderation=True) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
