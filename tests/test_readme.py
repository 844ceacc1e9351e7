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
