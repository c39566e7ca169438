"""Rasa NLU component: a message made only of words never seen in training goes to the NLU fallback.

DIET reads character n-grams too, so gibberish ("blablabla", "lorem ipsum…") can reach a confident
intent (faq 0.97) and get a straight answer. When none of a message's words is a training word, or
close to one (typos: "mutuele", "valeures"), the intent becomes `nlu_fallback`, as FallbackClassifier
sets it: the two-stage fallback then offers the model's best guess as a "Vouliez-vous dire … ?" button.
Messages without letters (numbers, emoji) and button payloads are left alone.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Dict, Iterable, List, Optional, Set

from rapidfuzz import fuzz, process
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.json_state import JsonStateComponent

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_LETTER_RUN = re.compile(r"(.)\1{2,}")


def normalise(word: str) -> str:
    """Lower case without accents ("Dépassé" → "depasse")."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def word_forms(word: str) -> Set[str]:
    """The word and its forms with letter runs shortened ("merciiii" → "merci", "mercii")."""
    word = normalise(word)
    return {word, _LETTER_RUN.sub(r"\1", word), _LETTER_RUN.sub(r"\1\1", word)}


def vocabulary_of(texts: Iterable[str]) -> Set[str]:
    """Every normalised word of the texts."""
    return {normalise(w) for text in texts for w in _WORD.findall(text or "")}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class UnknownWordsFallback(JsonStateComponent):
    """Sets `nlu_fallback` when no word of the message is, or nearly is, a word of the training data."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        # threshold: the confidence given to nlu_fallback (FallbackClassifier's threshold);
        # similarity: rapidfuzz ratio (0–100) from which an unseen word counts as a typo of a known one;
        # min_fuzzy_length: shorter unseen words must match exactly.
        return {"threshold": 0.4, "similarity": 85, "min_fuzzy_length": 4}

    STATE_FILE = "vocabulary.json"

    def use_state(self, state: Optional[List[str]]) -> None:
        self._vocabulary: Set[str] = set(state or [])
        self._sorted = sorted(self._vocabulary)

    def train(self, training_data: TrainingData) -> Resource:
        texts = [example.get(TEXT) for example in training_data.training_examples]
        texts += [" ".join(table["elements"]) for table in training_data.lookup_tables]
        texts += [" ".join([original, value]) for original, value in training_data.entity_synonyms.items()]
        return self.save_state(sorted(vocabulary_of(texts)))

    def is_known(self, word: str) -> bool:
        """True when the word, or a form of it, is a training word or within `similarity` of one."""
        forms = word_forms(word)
        if forms & self._vocabulary:
            return True
        if len(word) < self._config["min_fuzzy_length"]:
            return False
        cutoff = self._config["similarity"]
        return any(process.extractOne(f, self._sorted, scorer=fuzz.ratio, score_cutoff=cutoff) for f in forms)

    def has_no_known_word(self, text: str) -> bool:
        """True when the text has words and none of them is known (numbers and emoji are no words)."""
        words = _WORD.findall(text or "")
        return bool(words) and not any(self.is_known(w) for w in words)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if not self._vocabulary or text.startswith("/") or not message.get(INTENT):
                continue
            if message.get(INTENT, {}).get("name") == DEFAULT_NLU_FALLBACK_INTENT_NAME:
                continue
            if self.has_no_known_word(text):
                fallback = {"name": DEFAULT_NLU_FALLBACK_INTENT_NAME, "confidence": self._config["threshold"]}
                ranking = message.get(INTENT_RANKING_KEY) or []
                message.set(INTENT, fallback, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [fallback, *ranking], add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
