"""The package as a user installs it: a built sdist and wheel that pass ``twine check`` and carry
everything a command reads at run time (templates, migrations, entry points), and a workspace
made by ``influencer init`` from the installed wheel alone that checks and previews."""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _tracked_copy(target: Path) -> Path:
    """The repository's tracked files, as a fresh clone has them (no .venv, no build leftovers)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, listed):
        source = REPO / name.decode()
        if source.is_file():
            (target / name.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name.decode())
    return target


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = _tracked_copy(tmp_path_factory.mktemp("source"))
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source)],
                   capture_output=True, check=True, timeout=300)
    return out


def test_sdist_and_wheel_pass_twine_check(dist: Path) -> None:
    built = sorted(p.name for p in dist.iterdir())
    assert any(n.endswith(".whl") for n in built) and any(n.endswith(".tar.gz") for n in built), built
    result = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *map(str, dist.iterdir())],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("PASSED") == 2


def test_the_wheel_carries_what_commands_read_at_run_time(dist: Path) -> None:
    [wheel] = dist.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("influencer/py.typed", "influencer/config/persona.yaml.tmpl",
                   "influencer/config/schedule.yaml.tmpl", "influencer/config/gitignore.tmpl",
                   "influencer/config/influencer.toml.tmpl", "influencer/captions/templates/caption.j2",
                   "influencer/preview/templates/preview.html.j2", "influencer/store/migrations/env.py"):
        assert needed in names, needed
    assert any(n.startswith("influencer/store/migrations/versions/0001") for n in names)
    assert not any(n.startswith(("tests/", "personas/", "bench/")) for n in names)
    [entry_points] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[influencer.platforms]" in text and "influencer = influencer.cli:main" in text


def test_init_from_the_installed_wheel_makes_a_workspace_that_previews(dist: Path, tmp_path: Path) -> None:
    [wheel] = dist.glob("*.whl")
    # A new environment holding the wheel; the dependencies are borrowed from this one through
    # a plain path entry, which (unlike a site dir) does not load the checkout's editable hook.
    venv.create(tmp_path / "venv", with_pip=False)
    python = tmp_path / "venv" / "bin" / "python"
    target = Path(sysconfig.get_path("purelib", vars={"base": str(tmp_path / "venv")}))
    zipfile.ZipFile(wheel).extractall(target)
    (target / "borrowed.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INFLUENCER_", "PYTHON"))}

    def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(python), "-m", "influencer", *args], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=300)

    where = subprocess.run([str(python), "-c", "import influencer; print(influencer.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(target)), where
    made = run("init", "brand", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    ws = tmp_path / "brand"
    assert run("check", cwd=ws).returncode == 0
    preview = run("preview", "--days", "7", "--json", cwd=ws)
    assert preview.returncode == 0, preview.stderr
    assert '"status": "drafted"' in preview.stdout
