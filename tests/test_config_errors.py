"""Every class of configuration error, with its exact message, file and line.

Each test writes a small broken file into a copy of the example workspace and checks the one
line ``check`` prints for it, and that the rest of the workspace is still read and reported.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from influencer.config import load_workspace
from influencer.config.source import MAX_FILE_BYTES
from influencer.flow.check import problems

SCHEDULE = """\
id: extra
persona: ava
platforms: [x]
cron: "0 9 * * 1-5"
timezone: Europe/Stockholm
"""


def issues(root: Path) -> list[str]:
    return [str(issue) for issue in load_workspace(root).issues]


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def persona_text(root: Path, **replace: str) -> str:
    text = (root / "personas" / "ava.yaml").read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old.replace("_", " ") in text or old in text
        text = text.replace(old, new)
    return text


def test_examples_have_no_issues(workspace: Path) -> None:
    ws = load_workspace(workspace)
    assert ws.issues == []
    assert sorted(ws.personas) == ["ava", "mei", "noor"]
    assert sorted(ws.schedules) == ["ava-autumn", "mei-evenings", "noor-weekends"]


def test_bad_cron_names_field_value_and_reason(workspace: Path) -> None:
    write(workspace, "schedules/extra.yaml", SCHEDULE.replace('"0 9 * * 1-5"', '"0 25 * * *"'))
    assert issues(workspace) == [
        "schedules/extra.yaml:4: cron: '0 25 * * *' is not a valid cron expression (hour 25 > 23)"
    ]


@pytest.mark.parametrize(("cron", "reason"), [
    ("0 9 * *", "expected 5 fields (minute hour day month weekday), found 4"),
    ("0 9 * * 8", "day of week 8 > 7"),
    ("0 9 32 * *", "day of month 32 > 31"),
    ("0 9 * 0 *", "month 0 < 1"),
    ("*/0 9 * * *", "minute step '0' must be a whole number above 0"),
    ("0 17-9 * * *", "hour range '17-9' runs backwards (17 > 9)"),
    ("0 nine * * *", "hour 'nine' is not a number"),
])
def test_cron_reasons(workspace: Path, cron: str, reason: str) -> None:
    write(workspace, "schedules/extra.yaml", SCHEDULE.replace('"0 9 * * 1-5"', f'"{cron}"'))
    assert issues(workspace) == [
        f"schedules/extra.yaml:4: cron: '{cron}' is not a valid cron expression ({reason})"
    ]


def test_cron_list_item_is_located(workspace: Path) -> None:
    text = SCHEDULE.replace('cron: "0 9 * * 1-5"', 'cron:\n  - "0 9 * * 1-5"\n  - "61 * * * *"')
    write(workspace, "schedules/extra.yaml", text)
    assert issues(workspace) == [
        "schedules/extra.yaml:6: cron[1]: '61 * * * *' is not a valid cron expression (minute 61 > 59)"
    ]


def test_misspelt_key_gets_did_you_mean(workspace: Path) -> None:
    write(workspace, "schedules/extra.yaml", SCHEDULE + "jiter: 300\n")
    assert issues(workspace) == ["schedules/extra.yaml:6: jiter: unknown field (did you mean 'jitter'?)"]


def test_unknown_nested_key_lists_allowed(workspace: Path) -> None:
    write(workspace, "schedules/extra.yaml", SCHEDULE + "campaign: {budget: 5}\n")
    assert issues(workspace) == [
        "schedules/extra.yaml:6: campaign.budget: unknown field (allowed: categories, paid, products, "
        "theme)"
    ]


def test_unknown_key_inside_an_account(workspace: Path) -> None:
    text = persona_text(workspace, **{"live: false, territories: [EU, US]}\n  instagram":
                                      "liv: false, territories: [EU, US]}\n  instagram"})
    write(workspace, "personas/ava.yaml", text)
    assert issues(workspace) == [
        "personas/ava.yaml:31: accounts.x.liv: unknown field (did you mean 'live'?)"
    ]


def test_missing_required_field(workspace: Path) -> None:
    write(workspace, "schedules/extra.yaml", SCHEDULE.replace("timezone: Europe/Stockholm\n", ""))
    assert issues(workspace) == ["schedules/extra.yaml:1: timezone: required field is missing"]


def test_wrong_type_says_expected_and_found(workspace: Path) -> None:
    write(workspace, "schedules/extra.yaml", SCHEDULE + "jitter: lots\n")
    assert issues(workspace) == [
        "schedules/extra.yaml:6: jitter: expected a valid integer, unable to parse string as an "
        "integer, found 'lots'"
    ]


def test_invalid_timezone_with_suggestion(workspace: Path) -> None:
    write(workspace, "schedules/extra.yaml", SCHEDULE.replace("Europe/Stockholm", "Europe/Stokholm"))
    assert issues(workspace) == [
        "schedules/extra.yaml:5: timezone: 'Europe/Stokholm' is not a known time zone "
        "(did you mean 'Europe/Stockholm'?)"
    ]


def test_timezone_that_does_not_exist(workspace: Path) -> None:
    write(workspace, "schedules/extra.yaml", SCHEDULE.replace("Europe/Stockholm", "Mars/Olympus"))
    assert issues(workspace) == [
        "schedules/extra.yaml:5: timezone: 'Mars/Olympus' is not a known time zone "
        "(use an IANA name such as Europe/Stockholm)"
    ]


def test_date_that_does_not_exist(workspace: Path) -> None:
    write(workspace, "schedules/extra.yaml", SCHEDULE + "start: 2026-02-30\n")
    assert issues(workspace) == [
        "schedules/extra.yaml:6: start: '2026-02-30' is not a date that exists "
        "(day value is outside expected range) (write YYYY-MM-DD)"
    ]


def test_blackout_date_is_located_by_index(workspace: Path) -> None:
    write(workspace, "schedules/extra.yaml", SCHEDULE + "blackout:\n  - 2026-12-24\n  - 2026-13-01\n")
    assert issues(workspace) == [
        "schedules/extra.yaml:8: blackout[1]: '2026-13-01' is not a date that exists "
        "(month value is outside expected range of 1-12) (write YYYY-MM-DD)"
    ]


def test_malformed_yaml(workspace: Path) -> None:
    write(workspace, "schedules/extra.yaml", "id: extra\nplatforms: [x\ntimezone: UTC\n")
    [issue] = issues(workspace)
    assert issue.startswith("schedules/extra.yaml:3: invalid YAML: ")


def test_tab_indentation_is_malformed_yaml(workspace: Path) -> None:
    write(workspace, "schedules/extra.yaml", "id: extra\ncampaign:\n\ttheme: x\n")
    [issue] = issues(workspace)
    assert issue.startswith("schedules/extra.yaml:3: invalid YAML:")


def test_duplicate_key_in_one_file(workspace: Path) -> None:
    write(workspace, "schedules/extra.yaml", SCHEDULE + "platforms: [instagram]\n")
    [issue] = issues(workspace)
    assert issue.startswith("schedules/extra.yaml:6: invalid YAML:")
    assert "duplicate key" in issue


def test_not_utf8(workspace: Path) -> None:
    (workspace / "schedules" / "extra.yaml").write_bytes(b"id: extra\npersona: caf\xe9\n")
    assert issues(workspace) == [
        "schedules/extra.yaml:2: file is not UTF-8 (byte 0xe9 in column 13) (save it as UTF-8)"
    ]


@pytest.mark.parametrize("content", ["", "\n\n", "# only a comment\n"])
def test_empty_file(workspace: Path, content: str) -> None:
    write(workspace, "schedules/extra.yaml", content)
    assert issues(workspace) == ["schedules/extra.yaml:1: file is empty (expected a mapping of fields)"]


def test_top_level_list_is_refused(workspace: Path) -> None:
    write(workspace, "schedules/extra.yaml", "- id: extra\n")
    assert issues(workspace) == [
        "schedules/extra.yaml:1: expected a mapping of fields at the top level, found a list"
    ]


def test_ten_megabyte_file(workspace: Path) -> None:
    path = workspace / "personas" / "huge.yaml"
    path.write_text("# padding\n" * 1_000_000, encoding="utf-8")
    assert path.stat().st_size > MAX_FILE_BYTES
    assert issues(workspace) == [
        "personas/huge.yaml:1: file is 10.0 MB; configuration files are limited to 1 MB "
        "(is this really a persona or schedule file?)"
    ]


@pytest.mark.parametrize("bad_id", ["../evil", "a/b", "Ava", "-ava", ".."])
def test_persona_id_that_could_escape_a_folder(workspace: Path, bad_id: str) -> None:
    write(workspace, "personas/ava.yaml", persona_text(workspace).replace("id: ava", f'id: "{bad_id}"'))
    found = issues(workspace)
    assert found[0] == (
        f"personas/ava.yaml:2: id: {bad_id!r} is not a valid id (use lowercase letters, digits, "
        "'-' and '_', at most 64, starting with a letter or digit; ids name folders, so no '/' or '..')"
    )


def test_imagery_folder_outside_workspace(workspace: Path) -> None:
    text = persona_text(workspace).replace("folder: personas/ava/images", "folder: ../elsewhere")
    write(workspace, "personas/ava.yaml", text)
    assert issues(workspace) == [
        "personas/ava.yaml:27: imagery.folder: '../elsewhere' is outside the workspace "
        "(keep a twin's imagery inside the workspace, e.g. personas/ava/images)"
    ]


def test_imagery_folder_missing(workspace: Path) -> None:
    text = persona_text(workspace).replace("folder: personas/ava/images", "folder: personas/ava/pics")
    write(workspace, "personas/ava.yaml", text)
    assert issues(workspace) == [
        "personas/ava.yaml:27: imagery.folder: folder 'personas/ava/pics' does not exist "
        "(create it: mkdir -p personas/ava/pics)"
    ]


def test_duplicate_schedule_id(workspace: Path) -> None:
    write(workspace, "schedules/zz-copy.yaml", SCHEDULE.replace("id: extra", "id: ava-autumn"))
    assert issues(workspace) == [
        "schedules/zz-copy.yaml:1: id: schedule id 'ava-autumn' is already used by "
        "schedules/ava-autumn.yaml (schedule ids identify posted slots; give this one its own)"
    ]


def test_duplicate_persona_id(workspace: Path) -> None:
    write(workspace, "personas/zz.yaml", persona_text(workspace))
    assert issues(workspace) == [
        "personas/zz.yaml:2: id: persona id 'ava' is already used by personas/ava.yaml "
        "(each persona needs its own id)"
    ]


def test_unknown_persona_with_suggestion(workspace: Path) -> None:
    write(workspace, "schedules/extra.yaml", SCHEDULE.replace("persona: ava", "persona: avaa"))
    assert issues(workspace) == [
        "schedules/extra.yaml:2: persona: unknown persona 'avaa' (did you mean 'ava'?)"
    ]


def test_platform_without_account(workspace: Path) -> None:
    write(workspace, "schedules/extra.yaml", SCHEDULE.replace("[x]", "[x, bluesky]"))
    assert issues(workspace) == [
        "schedules/extra.yaml:3: platforms[1]: persona 'ava' has no account on bluesky "
        "(add accounts.bluesky to personas/ava.yaml)"
    ]


def test_platform_the_rights_do_not_allow(workspace: Path) -> None:
    text = SCHEDULE.replace("persona: ava", "persona: noor").replace("[x]", "[instagram, x]")
    write(workspace, "schedules/extra.yaml", text)
    assert [str(issue) for issue in problems(load_workspace(workspace))] == [
        "schedules/extra.yaml:3: platforms[1]: persona 'noor' has no account on x "
        "(add accounts.x to personas/noor.yaml)",
        "schedules/extra.yaml:3: platforms[1]: rights for noor do not cover x "
        "(rights.platforms: instagram, mastodon) (the model's agreement must cover a platform "
        "before it is used)",
    ]


def test_unknown_platform_alias(workspace: Path) -> None:
    write(workspace, "schedules/extra.yaml", SCHEDULE.replace("[x]", "[twitter]"))
    assert issues(workspace) == [
        "schedules/extra.yaml:3: platforms[0]: unknown platform 'twitter' (did you mean 'x'?)"
    ]


def test_both_cron_and_times(workspace: Path) -> None:
    write(workspace, "schedules/extra.yaml", SCHEDULE + 'times: ["09:00"]\n')
    assert issues(workspace) == [
        "schedules/extra.yaml:4: cron: give exactly one of cron or times, found both "
        "(cron: \"0 9 * * 1-5\" or times: [\"09:00\", \"18:30\"])"
    ]


def test_bad_clock_time(workspace: Path) -> None:
    text = SCHEDULE.replace('cron: "0 9 * * 1-5"', 'times: ["09:00", "24:00"]')
    write(workspace, "schedules/extra.yaml", text)
    assert issues(workspace) == [
        "schedules/extra.yaml:4: times[1]: '24:00' is not a time of day (write 24-hour HH:MM, e.g. 09:00)"
    ]


def test_rights_that_end_before_they_start(workspace: Path) -> None:
    write(workspace, "personas/ava.yaml", persona_text(workspace, **{"2031-08-31": "2025-01-01"}))
    assert issues(workspace) == [
        "personas/ava.yaml:10: rights.expires: expires 2025-01-01 is before granted 2026-09-01 "
        "(a grant must end after it starts)"
    ]


def test_pasted_secret_is_never_echoed(workspace: Path) -> None:
    secret = "sk-live-abcdefghijklmnopqrstuvwxyz012345"
    write(workspace, "personas/ava.yaml", persona_text(workspace, **{"env:AVA_X": secret}))
    found = issues(workspace)
    assert found == [
        "personas/ava.yaml:31: accounts.x.credentials: *** is not a credential reference "
        "(write env:NAME or file:PATH#KEY; never the secret itself)"
    ]
    assert secret not in "\n".join(found)


def test_pasted_secret_of_the_wrong_type_is_never_echoed(workspace: Path) -> None:
    write(workspace, "personas/ava.yaml", persona_text(workspace, **{"env:AVA_X": "123456789"}))
    found = issues(workspace)
    assert "123456789" not in "\n".join(found)


def test_missing_env_var_is_not_a_check_error(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """check validates the form of a reference; the secrets need not exist."""
    for name in ("AVA_X", "AVA_IG", "MEI_X", "NOOR_IG"):
        monkeypatch.delenv(name, raising=False)
    assert issues(workspace) == []


def test_all_errors_reported_together_across_files(workspace: Path) -> None:
    write(workspace, "schedules/a.yaml", SCHEDULE.replace("id: extra", "id: a").replace(
        "Europe/Stockholm", "Nowhere/City"))
    write(workspace, "schedules/b.yaml", "id: b\nplatforms: [x\n")
    write(workspace, "personas/c.yaml", "")
    found = issues(workspace)
    assert [line.split(":")[0] for line in found] == [
        "personas/c.yaml", "schedules/a.yaml", "schedules/b.yaml"]
    # the examples around them were still read
    ws = load_workspace(workspace)
    assert {"ava", "mei", "noor"} <= set(ws.personas)
