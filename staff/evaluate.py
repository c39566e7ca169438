"""Top-1 accuracy of the answer finder on the held-out NLU questions (tests/nlu_test.yml)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from staff.finder import Finder
from staff.intents import expected_answer, is_answer
from staff.parser import ROOT

HELD_OUT = ROOT / "tests" / "nlu_test.yml"


@dataclass
class Evaluation:
    """How often the finder's first result is the answer the held-out label calls for."""

    total: int = 0
    correct: int = 0
    in_top3: int = 0
    misses: List[Dict[str, Any]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def as_dict(self) -> Dict[str, Any]:
        return {
            "total": self.total,
            "correct": self.correct,
            "accuracy": round(self.accuracy, 4),
            "top3_accuracy": round(self.in_top3 / self.total, 4) if self.total else 0.0,
            "misses": self.misses,
        }


def held_out_examples(path: Optional[Path] = None) -> List[Tuple[str, str]]:
    """(label, text) pairs; the label is `faq/<topic>` for FAQ examples, else the intent.

    Read with Rasa's own loader, so entity annotations (`[Lyon](city)`) become plain text.
    """
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path or HELD_OUT))
    return [
        (example.get("intent_response_key") or example.get("intent"), example.get("text"))
        for example in data.intent_examples
    ]


def evaluate(finder: Finder, examples: List[Tuple[str, str]]) -> Evaluation:
    """Ask the finder each question; a miss records the text, the expected and the returned answers."""
    result = Evaluation()
    for label, text in examples:
        found = finder.find(text, limit=3)
        expected = expected_answer(label)
        result.total += 1
        result.in_top3 += any(is_answer(r.answer.id, expected) for r in found)
        if found and is_answer(found[0].answer.id, expected):
            result.correct += 1
        else:
            result.misses.append({"text": text, "expected": expected, "found": [r.answer.id for r in found]})
    return result
