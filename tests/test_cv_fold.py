"""scripts/cv_fold.py: scored like `rasa test nlu` (a fallback prediction counts as the intent under it)."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from scripts.cv_fold import score_examples

pytestmark = pytest.mark.anyio


class ScriptedProcessor:
    """Stands in for Rasa's processor: returns the parse data written for each text."""

    def __init__(self, parses):
        self.parses = parses

    async def parse_message(self, message, only_output_properties=True):
        return self.parses[message.text]


def example(text: str, intent: str, topic: str = "") -> Message:
    data = {"text": text, "intent": intent}
    if topic:
        data["intent_response_key"] = f"{intent}/{topic}"
    return Message(data=data)


def parse(intent: str, confidence: float, ranking=(), topic: str = "") -> dict:
    result = {"intent": {"name": intent, "confidence": confidence}, "intent_ranking": list(ranking)}
    if topic:
        result["response_selector"] = {
            "all_retrieval_intents": ["faq"],
            "faq": {"response": {"intent_response_key": f"faq/{topic}"}},
        }
    return result


async def test_a_fallback_is_undone_and_faq_topics_are_scored_separately():
    fallback_over_greet = parse(
        "nlu_fallback",
        0.4,
        [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "greet", "confidence": 0.3}],
    )
    processor = ScriptedProcessor(
        {
            "yo": fallback_over_greet,
            "c'est quoi l'ALD": parse("faq", 0.9, topic="ald"),
            "dépassements ?": parse("faq", 0.8, topic="ald"),
            "au revoir": parse("greet", 0.6),
        }
    )
    result = await score_examples(
        processor,
        [
            example("yo", "greet"),
            example("c'est quoi l'ALD", "faq", "ald"),
            example("dépassements ?", "faq", "extra_fees"),
            example("au revoir", "goodbye"),
        ],
    )
    assert result["intent_accuracy"] == 0.75
    assert result["faq_topic_accuracy"] == 0.5
    assert {"text": "au revoir", "intent": "goodbye", "predicted": "greet"} in result["errors"]
    assert {"text": "dépassements ?", "intent": "faq/extra_fees", "predicted": "faq/ald"} in result["errors"]
    assert not any(error["text"] == "yo" for error in result["errors"])


def test_extra_examples_are_trained_on_in_every_fold_and_never_scored(tmp_path):
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from scripts.cv_fold import _split, _training_file

    texts = {"greet": ["bonjour", "salut", "hello", "coucou", "bonsoir"]}
    texts["goodbye"] = ["au revoir", "bye", "a+", "ciao", "bonne soirée"]
    data = TrainingData([example(t, intent) for intent, group in texts.items() for t in group])
    extra = [example("bon ben ciao alors", "goodbye")]
    for fold, (train, test) in enumerate(_split(data)):
        written = load_data(str(_training_file(data, train, tmp_path / f"fold{fold}.yml", extra)))
        trained = {m.get("text") for m in written.intent_examples}
        held_back = {data.intent_examples[i].get("text") for i in test}
        assert "bon ben ciao alors" in trained
        assert not trained & held_back
        assert len(trained) == len(train) + 1
