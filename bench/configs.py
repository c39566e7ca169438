"""The two configurations compared: ours (config.yml) and the `rasa init` baseline (config.baseline.yml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import yaml

from bench.paths import ROOT, relative

OURS = ROOT / "config.yml"
BASELINE = ROOT / "bench" / "config.baseline.yml"


def _load(path: Path) -> Dict[str, Any]:
    return yaml.safe_load(path.read_text()) or {}


def check_same_policies(ours: Path = OURS, baseline: Path = BASELINE) -> None:
    """Raise if the baseline's policies differ from ours: only the NLU pipeline may differ."""
    if _load(ours).get("policies") != _load(baseline).get("policies"):
        raise RuntimeError(
            f"The policies of {baseline.name} differ from those of {ours.name}: copy the `policies:` "
            f"section of {ours.name} into {relative(baseline)} so that only the NLU pipeline differs."
        )
