"""The README's library example and the demo must keep working as written."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from tests.conftest import REPO
from tests.servers import free_port, wait_until_up


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
    """`./dev demo` is `credstack demo --serve` on the embedded SQLite default: the demo data,
    then the web service, with the address and a sign-in that work."""
    port = free_port()
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "CREDSTACK_DATA_DIR": str(tmp_path / "data"),
    }
    server = subprocess.Popen(
        [str(REPO / "dev"), "demo", "--output", str(tmp_path / "out"), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        lines: list[str] = []
        assert server.stdout is not None
        while not any("API documentation" in line for line in lines):
            line = server.stdout.readline()
            if not line:
                errors = server.stderr.read() if server.stderr else ""
                raise AssertionError(f"the demo stopped: {''.join(lines)} {errors}")
            lines.append(line)
        out = "".join(lines)
        assert "valid" in out
        assert (tmp_path / "data" / "credstack.db").exists()
        svg = tmp_path / "out" / "ada-lovelace-data-analysis.svg"
        assert b"openbadges:credential" in svg.read_bytes()
        assert f"credstack verify {svg}" in out
        assert f"open http://localhost:{port}/account" in out
        password = re.search(r"with the password (\S+)", out)
        token = re.search(r"API token \(issuer API, VC API\): (\S+)", out)
        assert password is not None
        assert token is not None
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base, server)
        listed = httpx.get(
            f"{base}/api/v1/organisations/demo-academy/awards",
            headers={"authorization": f"Bearer {token.group(1)}"},
        )
        assert listed.status_code == 200
        assert int(listed.headers["x-total-count"]) >= 1
        with httpx.Client(base_url=base) as browser:
            form = browser.get("/login").text
            csrf = re.search(r'name="csrf" value="([^"]+)"', form)
            assert csrf is not None
            signed_in = browser.post(
                "/login",
                data={
                    "email": "demo@academy.example",
                    "password": password.group(1),
                    "csrf": csrf.group(1),
                },
            )
            assert signed_in.status_code == 303
            assert "Demo Academy" in browser.get("/account").text
        learner = re.search(r"sign in as learner@academy\.example with the password (\S+),", out)
        assert learner is not None
        _walk_in_as_the_demo_learner(base, learner.group(1), tmp_path / "out")
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def _walk_in_as_the_demo_learner(base: str, password: str, out: Path) -> None:
    """The demo's learner signs in, enrols in the visualisation offering and finds its two
    requirements, the quiz and the dashboard, on "My learning"; starts the pathway, where the
    analysis credential they hold counts, and adds the university's statistics credential,
    which counts as the academy's own: two of three."""
    with httpx.Client(base_url=base) as browser:
        form = browser.get("/login").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', form)
        assert csrf is not None
        data = {"email": "learner@academy.example", "password": password, "csrf": csrf.group(1)}
        assert browser.post("/login", data=data).status_code == 303
        page = browser.get("/achievements/data-visualisation", follow_redirects=True).text
        enrol = re.search(r'action="(/offerings/[^"]+/enrol)"', page)
        assert enrol is not None, page
        token = re.search(r'name="csrf" value="([^"]+)"', browser.get(enrol.group(1)).text)
        assert token is not None
        browser.post(enrol.group(1), data={"csrf": token.group(1)})
        learning = browser.get("/learning").text
        assert "Requirements: 0 of 2 done" in learning
        assert 'href="/quizzes/demo-academy/chart-basics"' in learning
        assert "Your dashboard" in learning
        pathway = browser.get("/pathways/applied-data").text
        token = re.search(r'name="csrf" value="([^"]+)"', pathway)
        assert token is not None
        browser.post("/pathways/applied-data/start", data={"csrf": token.group(1)})
        university = (out / "university-of-example-statistics.json").read_bytes()
        browser.post(
            "/learning/credentials",
            data={"csrf": token.group(1)},
            files={"file": ("statistics.json", university, "application/json")},
        )
        progress = browser.get("/pathways/applied-data").text
        assert "counted: <em>Introduction to Data Analysis</em>" in progress
        assert "(recognised, from did:key:" in progress
        assert "(2 of 3 needed)" in progress
