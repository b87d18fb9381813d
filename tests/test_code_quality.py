"""The style the project promises holds: builder/ passes mypy --strict, and ruff finds nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, check=False)


def test_builder_passes_mypy_strict() -> None:
    result = run("mypy", "--strict", "builder")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_finds_nothing_in_builder_and_tests() -> None:
    result = run("ruff", "check", "builder", "tests")
    assert result.returncode == 0, result.stdout + result.stderr
