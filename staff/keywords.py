"""Keyword search over the answer catalogue: FR and EN texts, labels, topic questions, typo-tolerant."""

from __future__ import annotations

import math
from collections import Counter
from typing import Dict, Iterable, List, Optional, Set, Tuple

from rapidfuzz import fuzz, process

from actions.catalogue import Answer
from actions.text import normalize

# Words that say nothing about the topic (French and English), after normalisation (no accents).
STOPWORDS = frozenset(
    """
    a au aux avec c ca ce ces cet cette d de des du elle en est et il ils j je l la le les leur lui m ma
    mais me mes moi mon n ne ni nos notre nous on ou par pas pour qu que quel quelle quelles quels qui sa
    sans se ses si son sont sur t ta te tes toi ton tu un une vos votre vous y s etre avoir fait faire
    quoi comment pourquoi quand combien est ce oui non svp stp bonjour merci peut peux puis
    an and are as at be by can do does for from how i in is it its me my of on or the this to what
    when where which who why will with you your yes no please hello thanks
    """.split()
)
# Words in labels, keywords and topic questions weigh this much more than words of the answer text.
STRONG_WEIGHT = 2.0
MIN_SIMILARITY = 90  # rapidfuzz ratio (0-100) for a misspelt or inflected word
MIN_FUZZY_LENGTH = 4


def content_words(text: str) -> List[str]:
    """Normalised words of a text, without function words and single letters."""
    return [w for w in normalize(text).split() if len(w) > 1 and w not in STOPWORDS]


class KeywordIndex:
    """An inverted index of the catalogue; `search` scores answers from 0 to 1."""

    def __init__(
        self, answers: Iterable[Answer], questions: Optional[Dict[str, Iterable[str]]] = None
    ) -> None:
        self.strong: Dict[str, Set[str]] = {}
        self.weak: Dict[str, Set[str]] = {}
        questions = questions or {}
        for answer in answers:
            strong_text = " ".join(
                [answer.label_fr, answer.label_en, *answer.keywords, *questions.get(answer.id, ())]
            )
            self.strong[answer.id] = set(content_words(strong_text))
            self.weak[answer.id] = set(content_words(answer.fr + " " + answer.en))
        frequency = Counter(w for a in self.strong for w in self.strong[a] | self.weak[a])
        count = len(self.strong) or 1
        self.idf = {word: math.log(1 + count / n) for word, n in frequency.items()}
        self.max_idf = math.log(1 + count)
        self.vocabulary = list(self.idf)

    def _similar(self, word: str) -> Dict[str, float]:
        """Vocabulary words matching a query word, with a similarity from 0 to 1."""
        found = {word: 1.0} if word in self.idf else {}
        if len(word) >= MIN_FUZZY_LENGTH:
            for other, score, _ in process.extract(
                word, self.vocabulary, scorer=fuzz.ratio, score_cutoff=MIN_SIMILARITY, limit=None
            ):
                found.setdefault(other, score / 100)
            for other in self.vocabulary:
                if other.startswith(word) and other not in found:
                    found[other] = 0.9
        return found

    def search(self, query: str, limit: int = 10) -> List[Tuple[str, float]]:
        """Answer ids whose words match the query, best first, score 0-1 (1: every word in a label)."""
        words = list(dict.fromkeys(content_words(query)))
        if not words:
            return []
        total = sum(STRONG_WEIGHT * self.idf.get(w, self.max_idf) for w in words)
        scores: Dict[str, float] = {}
        for word in words:
            similar = self._similar(word)
            if not similar:
                continue
            for answer_id in self.strong:
                best = 0.0
                for other, similarity in similar.items():
                    weight = (
                        STRONG_WEIGHT
                        if other in self.strong[answer_id]
                        else 1.0
                        if other in self.weak[answer_id]
                        else 0.0
                    )
                    best = max(best, weight * similarity * self.idf[other])
                if best:
                    scores[answer_id] = scores.get(answer_id, 0.0) + best
        ranked = sorted(((a, min(1.0, s / total)) for a, s in scores.items()), key=lambda item: -item[1])
        return ranked[:limit]
