"""The README's library example and the demo must keep working as written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def test_readme_python_examples_run() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert blocks, "README has no Python example"
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})


def test_demo_runs_and_catches_the_forgery(tmp_path: Path) -> None:
    badge = tmp_path / "badge.svg"
    result = subprocess.run(
        [sys.executable, str(REPO / "examples" / "sign_verify_bake.py"), str(badge)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "verify: VALID" in result.stdout
    assert "forged: INVALID" in result.stdout
    assert b"openbadges:credential" in badge.read_bytes()


def test_quickstart_has_exactly_two_commands() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    quickstart = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", quickstart, re.S)
    assert block is not None
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines()]
    assert [c for c in commands if c] == ["./dev demo", "./dev test"]


def test_dev_demo_runs_the_main_job(tmp_path: Path) -> None:
    """`./dev demo` is `credstack demo` on the embedded SQLite default."""
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "CREDSTACK_DATA_DIR": str(tmp_path / "data"),
    }
    result = subprocess.run(
        [str(REPO / "dev"), "demo", "--output", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout
    assert (tmp_path / "data" / "credstack.db").exists()
    svg = tmp_path / "out" / "ada-lovelace-data-analysis.svg"
    assert b"openbadges:credential" in svg.read_bytes()
    assert f"credstack verify {svg}" in result.stdout
