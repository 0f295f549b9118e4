"""Property tests run the same way on every machine: CI=true selects a profile that explores
afresh, prints what failed, and remembers it; the seed `.ci/run` chose is printed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hypothesis import settings
from hypothesis.database import DirectoryBasedExampleDatabase

ROOT = Path(__file__).resolve().parent.parent


def test_the_ci_profile_prints_failures_and_keeps_an_example_database():
    ci = settings.get_profile("ci")

    assert ci.print_blob is True
    assert ci.derandomize is False  # a fresh seed per run, printed by .ci/run
    assert isinstance(ci.database, DirectoryBasedExampleDatabase)
    assert ci.deadline is None  # a shared CI machine's pauses are not failures


def test_ci_true_selects_it_and_the_run_names_its_seed():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--co",
            "-p",
            "no:cacheprovider",
            "--hypothesis-seed=4242",
            "tests/test_hypothesis_profile.py",
        ],
        cwd=ROOT,
        env={**os.environ, "CI": "true"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "hypothesis: profile 'ci', seed 4242" in result.stdout


def test_ci_picks_prints_and_passes_a_seed():
    script = (ROOT / ".ci" / "run").read_text()

    assert "--hypothesis-seed=" in script
    assert 'echo "CI: Hypothesis seed' in script
