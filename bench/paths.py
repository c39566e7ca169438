"""Where things are: the project root, the venv's executables, paths shown relative to the root."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_MODEL = ROOT / "models" / "icm.tar.gz"
HELD_OUT = ROOT / "tests" / "nlu_test.yml"
CROSS_VALIDATION = ROOT / "reports" / "nlu-cv"


def relative(path: Path) -> str:
    """`path` relative to the project root when it is inside it, else as given."""
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def loaded_marker(go_file: Path) -> Path:
    """The file `bench.turn_profile --go-file GO` creates once its model is loaded (it then waits for GO)."""
    return go_file.with_name(go_file.name + ".loaded")
