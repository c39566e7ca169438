"""The scripts in scripts/ run as `python scripts/<name>.py`, which puts scripts/ first on sys.path."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


def test_no_script_hides_an_installed_package():
    """A script named like a library (catalogue.py did) breaks every import of that library in scripts/."""
    saved = list(sys.path)
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() not in (SCRIPTS, SCRIPTS.parent)]
    try:
        hidden = [
            path.name
            for path in sorted(SCRIPTS.glob("*.py"))
            if path.stem != "__init__" and importlib.util.find_spec(path.stem) is not None
        ]
    finally:
        sys.path[:] = saved
    assert hidden == [], f"rename these scripts, they hide installed packages: {hidden}"
