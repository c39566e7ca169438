"""What the numbers were measured on: hardware, load, software versions and the git commit."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any, Dict, Optional

import psutil

from bench.paths import ROOT

PACKAGES = ("rasa", "rasa-sdk", "sanic", "aiohttp", "tensorflow", "spacy", "psutil")


def cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The "model name" line of /proc/cpuinfo (platform.processor() as a fallback)."""
    if cpuinfo.exists():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _version(package: str) -> Optional[str]:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _git(*args: str) -> Optional[str]:
    try:
        result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return result.stdout.strip()


def git_state() -> Dict[str, Any]:
    """HEAD commit and whether the work tree has uncommitted changes."""
    status = _git("status", "--porcelain", "--untracked-files=no")
    return {"commit": _git("rev-parse", "HEAD"), "dirty": bool(status) if status is not None else None}


def load_average() -> Dict[str, float]:
    """1/5/15-minute load averages: other work on the machine skews every number."""
    one, five, fifteen = os.getloadavg()
    return {"1m": round(one, 2), "5m": round(five, 2), "15m": round(fifteen, 2)}


def describe_machine() -> Dict[str, Any]:
    """Cores, CPU model, RAM, OS, Python and package versions, git commit, current load."""
    return {
        "cores": os.cpu_count(),
        "cpu_model": cpu_model(),
        "ram_gib": round(psutil.virtual_memory().total / 1024**3, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "packages": {package: _version(package) for package in PACKAGES},
        "git": git_state(),
        "load_average_at_start": load_average(),
    }
