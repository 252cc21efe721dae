"""`budget-corpus demo-portal` serves the demo portal until interrupted, with its registry."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from crawler.registry import load_registry


def test_run_demo_portal_serves_until_interrupted(tmp_path: Path) -> None:
    registry = tmp_path / "portals.toml"
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; from pathlib import Path; "
         "from archive.demo.portal import run_demo_portal; "
         "run_demo_portal('127.0.0.1', 0, Path(sys.argv[1]))", str(registry)],
        stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[1])
    try:
        deadline = time.monotonic() + 30
        while not registry.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        portals = load_registry(registry)
        with urllib.request.urlopen(portals[0].start_urls[0]) as answer:
            assert answer.status == 200 and b"createPageHTML" in answer.read()
    finally:
        child.send_signal(signal.SIGINT)
        out, _ = child.communicate(timeout=10)
    assert child.returncode == 0
    assert f"registry written to {registry}" in out
