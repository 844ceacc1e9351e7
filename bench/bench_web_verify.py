"""Issue 6: the public verification endpoint under load, against a real local server.

Sets up an installation in a temporary folder (an issuer, a published achievement, one
credential), starts ``credstack serve --workers N`` on a free port, and drives
``POST /credentials/verify`` with wrk (``apt-get install wrk``) for a few seconds at a fixed
number of connections; prints requests per second and the latency percentiles wrk measured.
Without wrk, a Python client (asyncio + httpx) does the same, less precisely (it shares the
machine's cores with the server). Target: 1,000 verifications a second, p99 under 50 ms.

    .venv/bin/python bench/bench_web_verify.py [--workers N] [--seconds 10] [--connections 8]

Server workers default to one less than the cores (wrk needs one). On a 2-vCPU machine, two
uvicorn workers answered every request in no less than 44 ms (a floor, not a load effect; not
understood yet), one worker in 1 to 8 ms.

One run on a shared machine: compare figures of the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from credstack.bootstrap import build_services
from credstack.domain.awards import AwardRequest, Recipient
from credstack.services import achievements, awards, issuers
from credstack.services.achievement_files import parse_definition
from credstack.settings import Settings

DEFINITION = (
    Path(__file__).resolve().parent.parent / "src/credstack/cli/demo_data/data-analysis.yaml"
)
TARGET_RATE, TARGET_P99_MS = 1_000, 50.0


def installation(folder: Path) -> str:
    """A fresh installation with one credential; its signed JSON."""
    deps = build_services(Settings(data_dir=folder))
    issuers.create_issuer(deps, id="demo-academy", name="Bench Academy", country_code="NL")
    _, spec = parse_definition(DEFINITION.read_text("utf-8"))
    achievements.save_achievement(deps, "demo-academy", spec)
    achievements.publish_achievement(deps, spec.id)
    recipient = Recipient(email="ada@example.org", name="Ada")
    return awards.issue_award(deps, AwardRequest(spec.id, recipient)).credential


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(folder: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    command = [str(Path(sys.executable).parent / "credstack"), "serve", "--port", str(port)]
    environment = {**os.environ, "CREDSTACK_DATA_DIR": str(folder)}
    server = subprocess.Popen(
        [*command, "--workers", str(workers)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


def with_wrk(url: str, body: str, seconds: int, connections: int, folder: Path) -> None:
    script = folder / "post.lua"
    script.write_text(
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f"wrk.body = {json.dumps(body)}\n",
        encoding="utf-8",
    )
    threads = max(1, min(2, connections))
    output = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    percentiles = dict(re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+\w+)", output, re.MULTILINE))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    report(rate, {p: _ms(v) for p, v in percentiles.items()}, int(errors.group(1)) if errors else 0)


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def with_python(url: str, body: str, seconds: int, connections: int) -> None:
    async def run() -> tuple[int, list[float], int]:
        latencies: list[float] = []
        failed = 0
        stop = time.perf_counter() + seconds
        async with httpx.AsyncClient(timeout=10) as client:

            async def worker() -> None:
                nonlocal failed
                while time.perf_counter() < stop:
                    started = time.perf_counter()
                    response = await client.post(
                        url, content=body, headers={"content-type": "application/json"}
                    )
                    latencies.append((time.perf_counter() - started) * 1000)
                    failed += response.status_code != 200

            await asyncio.gather(*(worker() for _ in range(connections)))
        return len(latencies), latencies, failed

    count, latencies, failed = asyncio.run(run())
    latencies.sort()
    percentiles = {p: latencies[min(len(latencies) - 1, int(len(latencies) * int(p) / 100))]
                   for p in ("50", "75", "90", "99")}  # fmt: skip
    report(count / seconds, percentiles, failed)


def report(rate: float, percentiles: dict[str, float], failed: int) -> None:
    p99 = percentiles.get("99", float("nan"))
    print(f"  {rate:,.0f} verifications/s ({rate / TARGET_RATE:.2f}x of {TARGET_RATE:,}/s)")
    print("  latency: " + ", ".join(f"p{p} {v:.1f} ms" for p, v in sorted(percentiles.items())))
    print(
        f"  p99 {p99:.1f} ms ({'under' if p99 < TARGET_P99_MS else 'over'} {TARGET_P99_MS:.0f} ms)"
    )
    if failed:
        print(f"  {failed:,} responses were not 200")


def main() -> None:
    parser = argparse.ArgumentParser()
    # wrk runs on the same machine: leave it a core
    parser.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 1) - 1))
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        credential = installation(folder / "data")
        port = free_port()
        server = start_server(folder / "data", port, args.workers)
        try:
            url = f"http://127.0.0.1:{port}/credentials/verify"
            body = json.dumps({"verifiableCredential": json.loads(credential)})
            check = httpx.post(url, content=body, headers={"content-type": "application/json"})
            assert check.json()["verified"] is True, check.text
            tool = (
                "wrk" if shutil.which("wrk") else "a Python client (install wrk for better figures)"
            )
            print(
                f"POST /credentials/verify, {args.workers} server workers, {args.connections} "
                f"connections, {args.seconds} s, {tool}; {os.cpu_count()} cores, shared machine"
            )
            if shutil.which("wrk"):
                with_wrk(url, body, args.seconds, args.connections, folder)
            else:
                with_python(url, body, args.seconds, args.connections)
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
