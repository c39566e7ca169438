"""UnknownWordsFallback: gibberish goes to the NLU fallback, typos and numbers do not."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import pytest
import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.unknown_words import UnknownWordsFallback
from tests.helpers import ROOT

TRAINING = [
    "Quelles sont les valeurs de l'ICM ?",
    "Est-ce que je vais payer des dépassements d'honoraires ?",
    "je n'ai pas de mutuelle",
    "parle moi du 4eme engagement",
    "merci",
    "Is there a cancer centre in Lyon?",
]
GIBBERISH = ["zorglub frobnitz ?", "blablabla", "qsdfgh jklm", "azertyuiop", "flibber flabber ?"]
KNOWN_OR_TYPO = ["les valeures de l'icm", "mutuele", "merciiiii", "engagemnt 3", "depassement", "LYON"]
NO_WORDS = ["0612345678", "👍", "?", "4"]


def trained(tmp_path: Path) -> UnknownWordsFallback:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("unknown_words")
    context = ExecutionContext(GraphSchema({}), "test")
    config = UnknownWordsFallback.get_default_config()
    component = UnknownWordsFallback.create(config, storage, resource, context)
    data = TrainingData([Message(data={"text": t, "intent": "x"}) for t in TRAINING])
    component.train(data)
    return UnknownWordsFallback.load(config, storage, resource, context)


def predicted(component: UnknownWordsFallback, text: str, intent: str = "faq") -> Optional[str]:
    message = Message(data={"text": text})
    message.set("intent", {"name": intent, "confidence": 0.97})
    message.set("intent_ranking", [{"name": intent, "confidence": 0.97}])
    [message] = component.process([message])
    return message.get("intent")["name"]


@pytest.fixture(scope="module")
def component(tmp_path_factory) -> UnknownWordsFallback:
    return trained(tmp_path_factory.mktemp("unknown_words"))


@pytest.mark.parametrize("text", GIBBERISH)
def test_gibberish_goes_to_the_fallback_whatever_the_confidence(component, text):
    assert predicted(component, text) == "nlu_fallback"


def test_the_fallback_keeps_the_guess_for_the_did_you_mean_button(component):
    message = Message(data={"text": "blablabla"})
    message.set("intent", {"name": "faq", "confidence": 0.97})
    message.set("intent_ranking", [{"name": "faq", "confidence": 0.97}])
    [message] = component.process([message])
    assert [r["name"] for r in message.get("intent_ranking")] == ["nlu_fallback", "faq"]


@pytest.mark.parametrize("text", KNOWN_OR_TYPO + NO_WORDS)
def test_known_words_typos_numbers_and_emoji_keep_their_intent(component, text):
    assert predicted(component, text) == "faq"


def test_button_payloads_keep_their_intent(component):
    assert predicted(component, "/faq", intent="faq") == "faq"


def test_the_shipped_pipeline_places_it_before_the_safety_net():
    names = [c["name"] for c in yaml.safe_load((ROOT / "config.yml").read_text())["pipeline"]]
    guard = names.index("components.unknown_words.UnknownWordsFallback")
    assert names.index("FallbackClassifier") < guard < names.index("components.safety_net.SafetyNet")
