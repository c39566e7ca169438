"""Run spaCy without its named-entity recogniser, which no component of our pipeline reads.

Rasa 3.6's SpacyNLP loads the spaCy model with every component except the parser. Our pipeline
(config.yml) reads spaCy's tokens and lemmas (SpacyTokenizer, CountVectorsFeaturizer on lemmas); only
Rasa's SpacyEntityExtractor reads spaCy's entities, and it is not in the pipeline (a test checks it
stays out). With fr_core_news_sm the entity recogniser is more than half of spaCy's time: about
9 ms → 4 ms per message on 2 cores. Its removal changes no feature (the tests compare tokens, lemmas,
tags and vectors with and without it), so a model trained with it answers the same without it.
"""

from __future__ import annotations

from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP

from rasa_fixes.free_memory import release_free_heap

UNUSED_PIPES = ("ner",)
RASA_LOAD_MODEL = SpacyNLP.load_model  # Rasa's own (a staticmethod), kept for the tests


def load_model(spacy_model_name: str) -> SpacyModel:
    """SpacyNLP.load_model, with the components nobody reads disabled."""
    model = RASA_LOAD_MODEL(spacy_model_name)
    for name in UNUSED_PIPES:
        if name in model.model.pipe_names:
            model.model.disable_pipe(name)
    release_free_heap()  # what decoding the lemmatizer's tables freed (rasa_fixes/free_memory.py)
    return model


def install() -> None:
    """Replace SpacyNLP.load_model (idempotent)."""
    SpacyNLP.load_model = staticmethod(load_model)  # type: ignore[method-assign]
