"""What the tool shows a manager is true and says what to do: schedule tags that match no
image fail ``check`` at their line, consent that ends or is revoked is warned about, a preview
lists the slots it excludes and fails when nothing will go out, the queue marks posts the
rights block instead of asking for their approval, and ``approve`` says why it refuses."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from influencer.config import load_workspace
from influencer.config.schedule import ImageChoice, TagMatch
from tests.helpers import run_cli

MONDAY = "2026-11-30T06:00:00+00:00"
ENV = {"INFLUENCER_NOW": MONDAY, "INFLUENCER_ACTOR": "ines"}


def run(workspace: Path, *args: str) -> tuple[int, str, str]:
    result = run_cli(*args, cwd=workspace, env=ENV)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout, result.stderr


def rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(("written", "carried", "matches"), [
    (["autumn"], ["autumn"], True),
    (["autumn", "city"], ["city"], True),  # a plain list: any of them
    ("autumn", ["autumn"], True),
    ({"any": ["autumn", "city"]}, ["knit"], False),
    ({"all": ["autumn", "knit"]}, ["autumn", "knit", "coat"], True),
    ({"all": ["autumn", "knit"]}, ["autumn"], False),
    ({"all": ["Autumn"], "any": ["coat", "scarf"]}, ["autumn", "scarf"], True),
    ({"all": ["autumn"], "any": ["coat", "scarf"]}, ["autumn"], False),
    ([], [], True),
])
def test_schedule_tags_mean_any_as_a_list_and_say_all_or_any_as_a_mapping(
        written: object, carried: list[str], matches: bool) -> None:
    choice = ImageChoice.model_validate({"tags": written})
    assert choice.tags.matches(carried) is matches


def test_tags_refuse_unknown_keys() -> None:
    with pytest.raises(ValueError, match="every"):
        TagMatch.model_validate({"every": ["autumn"]})


def test_check_fails_a_schedule_whose_tags_match_no_image_at_its_line(workspace: Path) -> None:
    schedule = workspace / "schedules" / "ava-autumn.yaml"
    rewrite(schedule, "images: {tags: [autumn]", "images: {tags: {all: [autumn, beach]}")
    code, _, said = run(workspace, "check")
    line = next(n for n, text in enumerate(schedule.read_text().splitlines(), 1)
                if text.startswith("images:"))
    assert code == 1
    assert (f"schedules/ava-autumn.yaml:{line}: images.tags: no usable image of ava is tagged "
            "autumn and beach (tags in personas/ava/images: ") in said
    rewrite(schedule, "{all: [autumn, beach]}", "[autumn, beach]")  # any: autumn images exist
    assert run(workspace, "check")[0] == 0


def test_check_warns_when_consent_ends_before_a_schedule_or_is_revoked(workspace: Path) -> None:
    persona = workspace / "personas" / "ava.yaml"
    rewrite(persona, "expires: 2031-08-31", "expires: 2027-01-31")
    code, out, said = run(workspace, "check", "--json")
    assert code == 0  # warnings fail nothing
    warned = {(w["file"], w["field"]): w["message"] for w in json.loads(out)["warnings"]}
    assert warned[("schedules/ava-autumn.yaml", "end")] == (
        "runs past ava's grant, which expires on 2027-01-31: slots after it are refused")
    rewrite(persona, "revoked: false", "revoked: true")
    code, _, said = run(workspace, "check")
    assert code == 0
    assert "warning: personas/ava.yaml:14: rights.revoked: the grant is revoked: nothing of ava " \
           "is drafted or published" in said
    assert "ava-autumn.yaml" not in said  # a revoked grant is said once, at the persona
    rewrite(persona, "revoked: true", "revoked: false")  # recorded: only a new grant restores it
    assert "rights: consent was revoked" in run(workspace, "check")[2]
    rewrite(persona, "NL-2026-014", "NL-2026-015")  # a new contract: a new grant
    rewrite(persona, "granted: 2026-09-01", "granted: 2025-09-01")
    rewrite(persona, "expires: 2027-01-31", "expires: 2026-10-31")
    assert "rights.expires: the grant expired on 2026-10-31" in run(workspace, "check")[2]


def test_check_warns_on_the_template_s_placeholder_voice(workspace: Path) -> None:
    code, _, said = run(workspace, "personas", "new", "lena", "--name", "Lena", "--twin-of",
                        "Lena Berg", "--holder", "Lena Berg", "--granted", "2026-11-01",
                        "--expires", "2099-10-31", "--platforms", "x")
    assert code == 0, said
    code, _, said = run(workspace, "check")
    assert "personas/lena.yaml:" in said and "voice: still the template's placeholder" in said


def test_a_preview_lists_excluded_slots_and_fails_when_nothing_will_go_out(
        workspace: Path) -> None:
    persona = workspace / "personas" / "ava.yaml"
    rewrite(persona, "platforms: [x, instagram, bluesky, mastodon]",
            "platforms: [instagram, bluesky, mastodon]")  # the model no longer allows X
    code, out, said = run(workspace, "preview", "--days", "2", "--persona", "ava", "--plain")
    assert code == 0  # instagram still goes out
    assert "Excluded slots:" in said and "ava-autumn on x: " in said
    code, out, _ = run(workspace, "preview", "--days", "2", "--persona", "ava", "--json")
    excluded = json.loads(out)["excluded"]
    assert {e["platform"] for e in excluded} == {"x"} and all(e["reason"] for e in excluded)

    schedule = workspace / "schedules" / "ava-autumn.yaml"
    rewrite(schedule, "images: {tags: [autumn]", "images: {tags: [beach]")  # no such image
    code, out, said = run(workspace, "preview", "--days", "2", "--from", "2026-12-07",
                          "--persona", "ava", "--plain")
    assert code == 1
    assert "no image tagged beach" in out
    assert "nothing in this window will go out: every slot was skipped or excluded" in said


def test_the_queue_marks_posts_the_rights_block_and_approve_says_why_it_refuses(
        workspace: Path) -> None:
    assert run(workspace, "preview", "--days", "2", "--persona", "ava")[0] == 0
    code, out, _ = run(workspace, "queue", "--json")
    [first, *_] = [i for i in json.loads(out) if i["persona"] == "ava"]
    post_id = first["post_id"]
    assert any(w.startswith("needs approval") for w in first["warnings"])

    persona = workspace / "personas" / "ava.yaml"
    rewrite(persona, "territories: [EU, US]\n  exclude", "territories: [US]\n  exclude")
    code, out, _ = run(workspace, "queue", "--json")
    item = next(i for i in json.loads(out) if i["post_id"] == post_id)
    assert item["state"] == "blocked by rights"
    assert not any(w.startswith("needs approval") for w in item["warnings"])
    assert any(w.startswith("blocked by rights: ") for w in item["warnings"])
    code, _, said = run(workspace, "approve", post_id[:8])
    assert code == 2
    assert said.startswith(f"error: post {post_id[:8]} cannot be approved: blocked by rights: ")

    rewrite(persona, "territories: [US]\n  exclude", "territories: [EU, US]\n  exclude")
    assert run(workspace, "reject", post_id[:8], "--reason", "off-brand")[0] == 0
    code, _, said = run(workspace, "approve", post_id[:8])
    assert code == 2 and "it was skipped (rejected: off-brand); to use the slot, redraft it" in said
    code, _, said = run(workspace, "reject", post_id[:8], "--reason", "again")  # not exit 3
    assert (code, said) == (2, f"error: post {post_id[:8]} is skipped: it cannot become skipped\n")


def test_a_persona_with_no_grant_dates_is_not_made(workspace: Path) -> None:
    code, _, said = run(workspace, "personas", "new", "lena")
    assert code == 2
    assert "--holder" in said and "--expires" in said
    assert not (workspace / "personas" / "lena.yaml").exists()
    load_workspace(workspace).raise_for_issues()  # the workspace is as it was


def test_check_warns_the_setting_s_days_before_a_grant_expires(workspace: Path) -> None:
    persona = workspace / "personas" / "ava.yaml"
    rewrite(persona, "expires: 2031-08-31", "expires: 2026-12-10")
    (workspace / "influencer.toml").write_text("[alerts]\nrights_warning_days = 14\n", encoding="utf-8")
    code, _, said = run(workspace, "check")  # on MONDAY, 30 November
    assert code == 0
    assert re.search(r"warning: personas/ava.yaml:\d+: rights.expires: the grant expires on "
                     r"2026-12-10, in 10 days", said), said
    (workspace / "influencer.toml").write_text("[alerts]\nrights_warning_days = 7\n", encoding="utf-8")
    assert "the grant expires on 2026-12-10" not in run(workspace, "check")[2]
