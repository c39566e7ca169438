"""Deterministic detection of emergencies, distress and medical questions from curated patterns.

The patterns live in knowledge/safety_patterns.yml.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import List, Optional, Pattern, Tuple

import yaml

from actions.text import normalize as normalize_words

PATTERNS_FILE = Path(__file__).resolve().parent.parent / "knowledge" / "safety_patterns.yml"
# The order matters: distress is answered first (3114 and 15/112), then emergencies (15/112), then
# medical questions (a redirect to the care team).
INTENTS = ("distress", "emergency", "ask_medical")
_REPEATS = re.compile(r"([a-z])\1{2,}")


def normalize(text: str) -> str:
    """'J'ai 39°C de FIÈÈÈVRE !!' -> 'j ai 39°c de fievre' (letters repeated 3+ times squeezed)."""
    return _REPEATS.sub(r"\1", normalize_words(text))


@lru_cache(maxsize=1)
def _patterns() -> Tuple[Tuple[str, Tuple[Pattern[str], ...]], ...]:
    raw = yaml.safe_load(PATTERNS_FILE.read_text(encoding="utf-8"))
    return tuple((intent, tuple(re.compile(p) for p in raw[intent])) for intent in INTENTS)


def match_safety_intent(text: str) -> Optional[str]:
    """'distress', 'emergency' or 'ask_medical' when a curated pattern matches the message, else None."""
    normalized = normalize(text)
    for intent, patterns in _patterns():
        if any(p.search(normalized) for p in patterns):
            return intent
    return None


def matching_patterns(text: str) -> List[str]:
    """The patterns that match (for reviewers tuning the pattern file)."""
    normalized = normalize(text)
    return [p.pattern for _, patterns in _patterns() for p in patterns if p.search(normalized)]
