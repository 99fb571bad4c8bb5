"""The code stays as STYLE.md and pyproject.toml say: ruff ([tool.ruff]) and mypy
([tool.mypy]) find nothing."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _finds_nothing(command: list[str]) -> None:
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_finds_nothing():
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    _finds_nothing([ruff, "check", "--quiet", "talent", "tests", "benchmarks", "app.py"])


def test_mypy_finds_nothing():
    # The interpreter running the tests, so mypy sees the packages and stubs installed there.
    _finds_nothing([sys.executable, "-m", "mypy"])
