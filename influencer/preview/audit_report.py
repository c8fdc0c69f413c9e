"""The audit export as CSV (one row per post that went out, then one per rights event), JSON,
and a printable HTML report for the model's agent: a page per month with its totals per
platform, every post with its disclosure layers and its history, then the rights events."""

from __future__ import annotations

import csv
from collections import OrderedDict
from dataclasses import asdict
from datetime import datetime
from typing import Any, TextIO

from jinja2 import Environment, PackageLoader, select_autoescape

from influencer.flow.export import AuditExport, UsedPost

CSV_COLUMNS = ("kind", "at", "platform", "post_id", "status", "url", "deleted_at", "caption",
               "label_in_caption", "alt_texts_labelled", "flags", "image_sha256",
               "source_sha256", "xmp_source_type", "c2pa", "grant_version", "approved_by",
               "history", "actor", "action", "reason")


def _when(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def _layers(post: UsedPost) -> dict[str, str]:
    return {
        "image_sha256": " ".join(i.sha256 for i in post.images),
        "source_sha256": " ".join(i.source_sha256 or "" for i in post.images),
        "xmp_source_type": " ".join(i.xmp_source_type or "(file gone)" for i in post.images),
        "c2pa": " ".join(i.c2pa for i in post.images),
    }


def write_csv(export: AuditExport, out: TextIO) -> None:
    writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for post in export.posts:
        writer.writerow({
            "kind": "post", "at": _when(post.published_at), "platform": post.platform,
            "post_id": post.post_id, "status": post.status, "url": post.url or "",
            "deleted_at": _when(post.deleted_at), "caption": post.caption,
            "label_in_caption": post.label_in_caption, "alt_texts_labelled": post.alt_labelled,
            "flags": " ".join(f"{k}={v}" for k, v in sorted(post.flags.items())),
            **_layers(post), "grant_version": post.grant_version or "",
            "approved_by": post.approved_by or "",
            "history": "; ".join(f"{_when(c.at)} {c.from_status}->{c.to_status} by {c.actor}"
                                 + (f" ({c.reason})" if c.reason else "") for c in post.changes)})
    for event in export.rights:
        writer.writerow({"kind": "rights", "at": _when(event.at), "actor": event.actor,
                         "action": event.action, "grant_version": event.version or "",
                         "reason": event.reason or ""})


def as_json(export: AuditExport) -> dict[str, Any]:
    return {"persona": export.persona, "from": _when(export.start), "to": _when(export.end),
            "totals": export.totals(),
            "posts": [{**asdict(p), "month": p.month} for p in export.posts],
            "rights": [asdict(e) for e in export.rights]}


def render_html(export: AuditExport, title: str) -> str:
    env = Environment(loader=PackageLoader("influencer.preview", "templates"),
                      autoescape=select_autoescape(["html", "j2"]))
    months: OrderedDict[str, list[UsedPost]] = OrderedDict()
    for post in export.posts:
        months.setdefault(post.month, []).append(post)
    return env.get_template("audit.html.j2").render(
        title=title, export=export, months=months, totals=export.totals())
