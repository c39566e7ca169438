"""Tell whether a short user message is French or English, or say nothing when unsure.

lingua's n-gram models alone mislabel short mixed messages ("i have no mutuelle" → French), so their
probabilities are combined with counts of function words that belong to one language only
(spaCy's French and English stop-word lists).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Optional

from lingua import Language, LanguageDetectorBuilder
from spacy.lang.en.stop_words import STOP_WORDS as EN_STOP_WORDS
from spacy.lang.fr.stop_words import STOP_WORDS as FR_STOP_WORDS

# Words that only one of the two languages uses as a function word.
_EN_ONLY = frozenset(EN_STOP_WORDS - FR_STOP_WORDS) | {"hello", "hi", "thanks", "yes", "bye", "please"}
_FR_ONLY = frozenset(FR_STOP_WORDS - EN_STOP_WORDS) | {"bonjour", "merci", "oui", "svp", "stp", "slt", "bjr"}
# Weight of one function word against lingua's probability difference (which lies in [-1, 1]).
FUNCTION_WORD_WEIGHT = 0.5
# The combined score must reach this margin before the conversation switches language.
MIN_MARGIN = 0.3
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@lru_cache(maxsize=1)
def _detector():
    return (
        LanguageDetectorBuilder.from_languages(Language.FRENCH, Language.ENGLISH)
        .with_preloaded_language_models()
        .build()
    )


def english_score(text: str) -> Optional[float]:
    """Return a score > 0 when the text leans English, < 0 when it leans French, None without evidence.

    A message without any function word of either language ("ok", "Lyon", "ALD ?", a typo-only
    string) carries no evidence: lingua alone is unreliable there.
    """
    words = [w.lower() for w in _WORD.findall(text or "")]
    english, french = sum(w in _EN_ONLY for w in words), sum(w in _FR_ONLY for w in words)
    if english == french == 0:
        return None
    function_diff = english - french
    probabilities = {v.language: v.value for v in _detector().compute_language_confidence_values(text)}
    lingua_diff = probabilities.get(Language.ENGLISH, 0.0) - probabilities.get(Language.FRENCH, 0.0)
    return lingua_diff + FUNCTION_WORD_WEIGHT * function_diff


def detect_language(text: str) -> Optional[str]:
    """Return "fr" or "en" when the message is clearly in that language, else None."""
    score = english_score(text)
    if score is None or abs(score) < MIN_MARGIN:
        return None
    return "en" if score > 0 else "fr"
