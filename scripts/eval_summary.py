"""Summarise `rasa test nlu` reports (held-out set and cross-validation) into reports/eval.md."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Dict, Optional


def _read(path: Path) -> Optional[Dict]:
    return json.loads(path.read_text()) if path.exists() else None


def _row(name: str, report: Optional[Dict]) -> str:
    if report is None:
        return f"| {name} | – | – |"
    return f"| {name} | {report['accuracy']:.3f} | {report['macro avg']['f1-score']:.3f} |"


def main(reports: Path) -> int:
    held_out = reports / "nlu-heldout"
    cross = reports / "nlu-cv"
    lines = [
        "# NLU evaluation",
        "",
        "| measure | accuracy | macro-F1 |",
        "|---|---|---|",
        _row("held-out intents (tests/nlu_test.yml)", _read(held_out / "intent_report.json")),
        _row("held-out response selection (faq/*)", _read(held_out / "response_selection_report.json")),
        _row("5-fold cross-validation intents", _read(cross / "intent_report.json")),
        _row("5-fold cross-validation response selection", _read(cross / "response_selection_report.json")),
        "",
        "Confusion matrices: reports/nlu-heldout/*.png, reports/nlu-cv/*.png.",
    ]
    (reports / "eval.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "reports")))
