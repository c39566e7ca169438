"""The environment scripts/install.sh builds: the lock is complete, and jax stays out of it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements" / "lock.txt"
LEFT_OUT = {"jax", "jaxlib", "ml-dtypes"}
# Mismatches pip reports and we accept: TensorFlow's unused jax (left out, see the lock file), and
# rasa/rasa-sdk's own pins, which phase 2 installs with --no-deps (README, "How the install works").
ACCEPTED = {("tensorflow", "jax"), ("rasa", "matplotlib"), ("rasa", "setuptools"), ("rasa-sdk", "setuptools")}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ ;\[]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_the_lock_pins_every_package_once_and_leaves_jax_out():
    pins = [_name(line) for line in LOCK.read_text().splitlines() if line and not line.startswith("#")]
    assert len(pins) == len(set(pins)), "a package is pinned twice"
    assert LEFT_OUT.isdisjoint(pins), f"pinned again: {LEFT_OUT & set(pins)}"


def test_every_declared_dependency_is_installed_except_the_accepted_ones():
    """Phase 1 installs the lock with --no-deps: a package missing from it would show up here."""
    report = subprocess.run(
        [sys.executable, "-m", "pip", "check", "--disable-pip-version-check"],
        capture_output=True,
        text=True,
    ).stdout
    problems = set()
    for line in report.splitlines():
        missing = re.match(r"(\S+) \S+ requires (\S+), which is not installed", line)
        mismatch = re.match(r"(\S+) \S+ has requirement (\S+?)[<>=!~]", line)
        found = missing or mismatch
        assert found, f"unexpected pip check line: {line}"
        problems.add((_name(found.group(1)), _name(found.group(2))))
    assert problems - ACCEPTED == set(), f"missing from requirements/lock.txt: {problems - ACCEPTED}"


def test_tensorflow_and_rasa_load_without_jax():
    """The import chain of a Rasa server (TensorFlow with tf.lite, which looks for jax) works without it."""
    code = (
        "import sys, tensorflow, tensorflow.lite, rasa.core.agent;"
        "print(tensorflow.lite.TFLiteConverter.__name__, 'jax' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["TFLiteConverterV2", "False"]
