"""The coverage-guided fuzz of parse-file (tests/fuzz/fuzz_parse_file.py): a few hundred mutated
PDFs through parse_bytes in CI, none of which may make it raise; the long run (100,000
executions, about 15 minutes on one core) behind the `slow` marker:

    pytest -m slow -s tests/test_fuzz_short.py
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUNS = 500
LONG_RUNS = 100_000


def fuzz(tmp_path: Path, runs: int, max_seconds: int) -> tuple[str, str]:
    """Run the harness for `runs` executions (or `max_seconds`); return (runs, seconds) done."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "fuzz" / "fuzz_parse_file.py"), f"-runs={runs}",
         f"-max_total_time={max_seconds}", "-timeout=60", "-seed=1",
         f"-artifact_prefix={tmp_path}/", str(tmp_path / "corpus")],
        capture_output=True, text=True, timeout=max_seconds + 120, cwd=tmp_path)
    done = re.search(r"Done (\d+) runs in (\d+) second", proc.stderr)
    figures = (done.group(1), done.group(2)) if done else ("?", "?")
    print(f"\nfuzz: {figures[0]} runs in {figures[1]} s")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert not list(tmp_path.glob("crash-*")) and not list(tmp_path.glob("timeout-*"))
    return figures


def test_a_short_fuzz_of_parse_file_finds_no_exception(tmp_path: Path) -> None:
    assert fuzz(tmp_path, RUNS, max_seconds=20)[0] != "?"


@pytest.mark.slow
def test_a_long_fuzz_of_parse_file_finds_no_exception(tmp_path: Path) -> None:
    assert fuzz(tmp_path, LONG_RUNS, max_seconds=3 * 3600)[0] == str(LONG_RUNS)
