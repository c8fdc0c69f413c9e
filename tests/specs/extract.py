"""Extract the part of an upstream OpenAPI document that the platform stand-ins validate against.

The stand-ins (tests/platforms/*_standin.py) check every request our adapters send against the
platform's own OpenAPI document. The originals are large (X 0.8 MB, Mastodon 1.4 MB) and live
outside this repository, so the paths the tests use, with every component they reference, are
copied here, gzipped (deterministically: no timestamp), so a fresh clone needs nothing beside
it. Each subset records where it came from in its ``x-influencer-extract`` field:

    python tests/specs/extract.py x ORIGINAL.json          # rewrites tests/specs/x-api-v2.subset.json.gz
    python tests/specs/extract.py mastodon ORIGINAL.json   # rewrites tests/specs/mastodon.subset.json.gz
    python tests/specs/extract.py --check                  # each subset is its own extraction

The original's sha256 must match the one recorded in ``SOURCES`` (and in README.md beside this
file): an upgrade of the upstream document is a deliberate change of both. To validate against
more endpoints, add their paths to ``SOURCES`` and run the script on the original again.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Source:
    subset: str  # file name beside this script
    upstream: str  # where the original is published
    version: str  # info.version of the original
    sha256: str  # of the original file, as downloaded
    paths: tuple[str, ...]  # the path items copied, with every method they have


SOURCES = {
    "x": Source(
        "x-api-v2.subset.json.gz", "https://api.x.com/2/openapi.json", "2.167",
        "ddaf2f44b19c63dc5550811bc2df893d6dafb44049c9064c8a4161e0da47c9b6",
        ("/2/media/upload", "/2/media/metadata", "/2/tweets", "/2/tweets/{id}", "/2/users/me",
         "/2/users/{id}/tweets")),
    "mastodon": Source(
        "mastodon.subset.json.gz",
        "https://github.com/abraham/mastodon-openapi (dist/schema.json)", "4.7.0",
        "516725a2c5e09c4de5b47305cb515ee03c7e929967432441003624fe35378942",
        ("/api/v2/media", "/api/v1/media/{id}", "/api/v1/statuses", "/api/v1/statuses/{id}",
         "/api/v1/accounts/verify_credentials", "/api/v1/accounts/{id}/statuses",
         "/api/v1/instance", "/api/v2/instance")),
}
EXTRACT_KEY = "x-influencer-extract"


def _refs(node: Any) -> set[str]:
    """Every document-local ``$ref`` under ``node``."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/"):
                found.add(value)
            else:
                found |= _refs(value)
    elif isinstance(node, list):
        for item in node:
            found |= _refs(item)
    return found


def _resolve(document: dict[str, Any], ref: str) -> Any:
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def extract(document: dict[str, Any], source: Source) -> dict[str, Any]:
    """The listed paths and the transitive closure of the components they reference."""
    missing = [p for p in source.paths if p not in document["paths"]]
    if missing:
        raise SystemExit(f"not in the document: {', '.join(missing)}")
    paths = {p: document["paths"][p] for p in source.paths}
    todo, seen = _refs(paths), set()
    while todo:
        ref = todo.pop()
        if ref in seen:
            continue
        seen.add(ref)
        todo |= _refs(_resolve(document, ref)) - seen
    components: dict[str, dict[str, Any]] = {}
    for ref in sorted(seen):
        parts = ref[2:].split("/")
        if parts[0] != "components" or len(parts) != 3:
            raise SystemExit(f"unexpected $ref {ref}: only #/components/<kind>/<name> is copied")
        components.setdefault(parts[1], {})[parts[2]] = _resolve(document, ref)
    subset: dict[str, Any] = {key: document[key] for key in ("openapi", "info", "servers") if key in document}
    subset[EXTRACT_KEY] = {"upstream": source.upstream, "version": source.version,
                           "sha256": source.sha256, "paths": list(source.paths)}
    subset["paths"] = paths
    subset["components"] = {kind: dict(sorted(items.items())) for kind, items in sorted(components.items())}
    return subset


def dump(document: dict[str, Any]) -> bytes:
    text = json.dumps(document, indent=1, ensure_ascii=False) + "\n"
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def load(path: Path) -> dict[str, Any]:
    """A subset as the stand-ins read it."""
    document: dict[str, Any] = json.loads(gzip.decompress(path.read_bytes()))
    return document


def from_original(name: str, original: Path) -> Path:
    source = SOURCES[name]
    data = original.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != source.sha256:
        raise SystemExit(f"{original}: sha256 {digest} is not the recorded {source.sha256}; "
                         "if the upstream document changed on purpose, update SOURCES and README.md")
    target = HERE / source.subset
    target.write_bytes(dump(extract(json.loads(data), source)))
    return target


def check() -> list[str]:
    """Problems with the subsets as committed: each must be exactly its own re-extraction."""
    problems = []
    for source in SOURCES.values():
        path = HERE / source.subset
        document = load(path)
        recorded = document.get(EXTRACT_KEY, {})
        if recorded.get("sha256") != source.sha256 or recorded.get("paths") != list(source.paths):
            problems.append(f"{path.name}: made from another original or path list; re-extract it")
        elif dump(extract(document, source)) != path.read_bytes():
            problems.append(f"{path.name}: not a clean extraction (a reference is missing or extra)")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("platform", nargs="?", choices=sorted(SOURCES))
    parser.add_argument("original", nargs="?", type=Path, help="the upstream OpenAPI JSON file")
    parser.add_argument("--check", action="store_true", help="verify the committed subsets")
    args = parser.parse_args(argv)
    if args.check:
        problems = check()
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    if args.platform is None or args.original is None:
        parser.error("give a platform and the original file, or --check")
    print(f"wrote {from_original(args.platform, args.original)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
