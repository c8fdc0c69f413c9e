"""Hostile text in captions (issue 13, the corpus's caption part): markup and template syntax in
an LLM's reply and in a persona's own fields stay text everywhere they travel (the prompt, the
stored draft, the JSON, the HTML page in a real browser, a redraft's prompt), and a 10,000-
character right-to-left, emoji-laden reply is fitted to each platform with its label whole.
Each runs the real CLI against the model stand-in on 127.0.0.1."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.browser import load_page
from tests.captions.standin import ModelStandIn, caption_reply
from tests.helpers import run_cli

NOW = {"INFLUENCER_NOW": "2026-11-30T06:00:00Z", "INFLUENCER_ACTOR": "Ines Berg"}
HOSTILE = ('<script>alert("reply")</script> Wool {{ 7*7 }} {% for i in range(10**9) %}x'
           '{% endfor %} </div><img src=x onerror=alert(1)>')
DESCRIPTION = ("Warm stylist {{ 7*7 }} {% for i in range(10**9) %}{% endfor %} "
               "{{ cycler.__init__.__globals__.os.system('id') }} <script>alert(2)</script>")


def use_standin(workspace: Path, standin: ModelStandIn, description: str | None = None) -> None:
    persona = workspace / "personas" / "ava.yaml"
    text = persona.read_text(encoding="utf-8").replace(
        "writer: {name: offline}",
        f'writer: {{name: openai, model: test-model, base_url: "{standin.url}/v1"}}')
    if description is not None:
        text = re.sub(r"(?m)^  description: .*$", "  description: " + json.dumps(description),
                      text)
    persona.write_text(text, encoding="utf-8")


def preview(workspace: Path, *args: str) -> dict[str, object]:
    result = run_cli("preview", "--days", "1", "--persona", "ava", "--json", *args,
                     cwd=workspace, env=NOW, timeout=120)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    document: dict[str, object] = json.loads(result.stdout)
    return document


def test_markup_and_template_syntax_stay_text_from_prompt_to_page(
        workspace: Path, standin: ModelStandIn, tmp_path: Path) -> None:
    use_standin(workspace, standin, DESCRIPTION)
    standin.caption = lambda body: caption_reply(HOSTILE, ["#knitwear"])
    page = tmp_path / "preview.html"
    posts = preview(workspace, "--html", str(page))["posts"]
    assert isinstance(posts, list) and len(posts) == 2  # ava's Monday: instagram and x

    prompts = [json.dumps(body, ensure_ascii=False) for body in standin.bodies("chat")]
    # the persona's words reach the model as data, never run as a template
    assert prompts and all("Warm stylist {{ 7*7 }} {% for i in range(10**9) %}" in p
                           and "cycler.__init__.__globals__" in p for p in prompts)
    assert not any("Warm stylist 49" in p for p in prompts)
    for post in posts:
        assert HOSTILE in post["text"]  # stored and shown exactly as written
        assert post["request"] is not None

    html = page.read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;reply&#34;)&lt;/script&gt;" in html
    dom, requests = load_page(page, tmp_path / "preview.png")
    assert requests == []  # the injected <img src=x> was never an element to fetch
    assert "<img src=\"x\"" not in dom and "onerror" not in re.sub(r"&lt;.*?&gt;", "", dom)

    [post] = [p for p in posts if p["platform"] == "x"]
    asked = len(standin.bodies("chat"))
    rejected = run_cli("reject", str(post["post_id"])[:8], "--reason", "too {{ 7*7 }} <b>loud</b>",
                       "--redraft", cwd=workspace, env=NOW, timeout=120)
    assert rejected.returncode == 0, rejected.stderr
    again = [json.dumps(b, ensure_ascii=False) for b in standin.bodies("chat")[asked:]]
    assert any("a person rejected it: too {{ 7*7 }} <b>loud</b>" in p for p in again)
    assert any(HOSTILE.replace('"', '\\"') in p for p in again)  # the rejected text, verbatim


RTL = "مرحبا بالعالم، هذا معطف صوفي دافئ " + "👩🏽‍🎤🇸🇪" + "\u200f"  # Arabic, ZWJ emoji, a flag, RLM


def test_a_ten_thousand_character_right_to_left_reply_is_fitted_with_its_label(
        workspace: Path, standin: ModelStandIn) -> None:
    long_reply = (RTL * (10_000 // len(RTL) + 1))[:10_000]
    standin.caption = lambda body: caption_reply(long_reply, ["#knitwear", "#معطف"])
    use_standin(workspace, standin)
    posts = preview(workspace)["posts"]
    assert isinstance(posts, list) and {p["platform"] for p in posts} == {"instagram", "x"}
    result = run_cli("preview", "--days", "1", "--persona", "ava", cwd=workspace,
                     env={**NOW, "COLUMNS": "80"}, timeout=120)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    header, *rows = [line.split("\t") for line in result.stdout.splitlines()]  # piped: TSV
    lengths = [row[header.index("length")].split("/") for row in rows]
    assert len(lengths) == 2 and all(0 < int(used) <= int(limit) for used, limit in lengths)
    for post in posts:
        assert post["text"].startswith("AI-generated")  # the label is never the part cut
        assert all(alt.startswith("AI-generated") for alt in post["alt_texts"])
        assert "\ufffd" not in post["text"]  # never cut inside a character
    shortened = [b for b in standin.bodies("chat") if "too long" in json.dumps(b)]
    assert shortened  # the writer was asked for a shorter one before anything was cut
