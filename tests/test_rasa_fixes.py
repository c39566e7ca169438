"""rasa_fixes: action-server responses validated and event classes found as Rasa does, for less time."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import List, Tuple

import numpy
import psutil
import pytest
import yaml
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.core.policies.policy import PolicyPrediction
from rasa.engine import loader as rasa_loader
from rasa.nlu.utils.spacy_utils import SpacyNLP
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    BotUttered,
    Event,
    SlotSet,
    UserUttered,
    deserialise_events,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.entities_parser import replace_entities
from rasa.shared.utils.common import all_subclasses
from rasa.utils.tensorflow.models import RasaModel

import privacy.store  # noqa: F401 - importing the tracker store installs the fixes, as in a Rasa server
from bench.memory import MIB
from bench.quality import held_out
from rasa_fixes import model_loading, predict_dispatch, rule_first, spacy_pipes
from rasa_fixes.action_validation import RASA_VALIDATE_ACTION_RESULT, validate_action_result
from rasa_fixes.event_types import RASA_RESOLVE_BY_TYPE, resolve_by_type
from rasa_fixes.free_memory import release_free_heap
from tests.helpers import ROOT

VALID = [
    {"events": [{"event": "slot", "name": "language", "value": "en", "timestamp": None}], "responses": []},
    {"events": [], "responses": [{"text": "Bonjour", "buttons": []}]},
    {},
]
INVALID = [
    {"events": [{"event": "no_such_event"}], "responses": []},
    {"events": "slot", "responses": []},
    {"events": [], "responses": "Bonjour"},
]


def test_the_tracker_store_installs_the_prebuilt_validator():
    assert RemoteAction._validate_action_result is validate_action_result


@pytest.mark.parametrize("response", VALID)
def test_a_valid_response_passes_as_with_rasa(response):
    action = RemoteAction("action_x", None)
    assert RASA_VALIDATE_ACTION_RESULT(action, response) is True
    assert action._validate_action_result(response) is True


@pytest.mark.parametrize("response", INVALID)
def test_an_invalid_response_is_refused_with_rasa_s_error(response):
    action = RemoteAction("action_x", None)
    with pytest.raises(ValidationError) as rasa_error:
        RASA_VALIDATE_ACTION_RESULT(action, response)
    with pytest.raises(ValidationError) as our_error:
        action._validate_action_result(response)
    assert our_error.value.message == rasa_error.value.message
    assert "Failed to validate Action server response" in our_error.value.message


# --- Event classes found by type name ---------------------------------------------------------------

EVENT_CLASSES = all_subclasses(Event)


def test_the_tracker_store_installs_the_event_table():
    assert Event.resolve_by_type is resolve_by_type


@pytest.mark.parametrize("type_name", sorted({cls.type_name for cls in EVENT_CLASSES}))
def test_every_event_type_resolves_to_rasa_s_class_twice(type_name):
    rasa_class = RASA_RESOLVE_BY_TYPE(type_name)
    assert resolve_by_type(type_name) is rasa_class
    assert resolve_by_type(type_name) is rasa_class  # from the table the second time


def test_unknown_event_types_behave_as_in_rasa():
    assert resolve_by_type("topic") is None
    assert resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        resolve_by_type("no_such_event")


def test_a_stored_conversation_reads_back_as_the_same_events():
    events = [
        UserUttered("Quelles sont les valeurs de l'ICM ?", {"name": "faq", "confidence": 0.9}),
        SlotSet("language", "fr"),
        ActionExecuted("action_answer_faq"),
        BotUttered("Les valeurs de l'ICM…", {"elements": None}),
        ActionExecuted("action_listen"),
    ]
    assert deserialise_events([event.as_dict() for event in events]) == events


# --- Trained models loaded without a training step -----------------------------------------------------

CONVERSATION = [
    "Quelles sont les valeurs de l'ICM ?",
    "parle moi du 4eme engagement",
    "et le suivant ?",
    "Is there a cancer centre in Lyon?",
]


def _load_agent(model: Path):
    from rasa.core.agent import Agent

    agent = Agent()  # no endpoints: the model alone
    agent.load_model(str(model))
    return agent


def _tensorflow_weights(agent) -> List[Tuple[str, List[Tuple[Tuple[int, ...], str]]]]:
    """Every TensorFlow model of the graph (DIET, ResponseSelector, TED): its weights' shapes and hashes."""
    weights = []
    for name, node in sorted(agent.processor.graph_runner._instantiated_nodes.items()):
        model = getattr(node._component, "model", None)
        if isinstance(model, RasaModel):
            variables = [
                (tuple(v.shape), hashlib.sha256(v.numpy().tobytes()).hexdigest()) for v in model.variables
            ]
            weights.append((name, sorted(variables)))
    return weights


async def _answers(agent) -> Tuple[List[dict], List[List[float]]]:
    """NLU parses of held-out messages, and the policies' probabilities along one conversation."""
    parses = [await agent.parse_message(example.text) for example in held_out(every=8)]
    tracker = DialogueStateTracker("load-check", agent.domain.slots)
    probabilities = []
    for text in CONVERSATION:
        parse = await agent.parse_message(text)
        tracker.update(UserUttered(text, parse["intent"], parse["entities"], parse))
        probabilities.append(agent.processor._predict_next_with_tracker(tracker).probabilities)
        tracker.update(ActionExecuted("action_listen"))
    return parses, probabilities


@pytest.mark.integration
def test_a_model_loaded_without_a_training_step_has_rasa_s_weights_and_answers(trained_model, monkeypatch):
    assert RasaModel.load.__func__ is model_loading.load
    ours = _load_agent(trained_model)
    with monkeypatch.context() as rasa_s_way:  # every fix that changes how a model loads, undone
        rasa_s_way.setattr(RasaModel, "load", classmethod(model_loading.RASA_LOAD))
        rasa_s_way.setattr(SpacyNLP, "load_model", staticmethod(spacy_pipes.RASA_LOAD_MODEL))
        rasa = _load_agent(trained_model)
    weights = _tensorflow_weights(ours)
    assert [name for name, _ in weights] == [name for name, _ in _tensorflow_weights(rasa)]
    assert len(weights) == 3  # DIETClassifier, ResponseSelector, TEDPolicy
    assert weights == _tensorflow_weights(rasa)
    assert asyncio.run(_answers(ours)) == asyncio.run(_answers(rasa))


# --- Prediction graphs called without tf.function's dispatch --------------------------------------------


def _same(ours, rasa) -> bool:
    """Equal outputs: the same keys, and arrays equal element for element (not approximately)."""
    if isinstance(rasa, dict):
        return (
            isinstance(ours, dict)
            and ours.keys() == rasa.keys()
            and all(_same(ours[k], rasa[k]) for k in rasa)
        )
    if isinstance(rasa, (list, tuple)):
        return len(ours) == len(rasa) and all(_same(o, r) for o, r in zip(ours, rasa))
    return (
        numpy.array_equal(numpy.asarray(ours), numpy.asarray(rasa))
        and numpy.asarray(ours).dtype == numpy.asarray(rasa).dtype
    )


@pytest.mark.integration
def test_predictions_through_the_compiled_graph_are_rasa_s(trained_model, monkeypatch):
    assert RasaModel._rasa_predict is predict_dispatch.rasa_predict
    agent = _load_agent(trained_model)
    calls = []

    def recorded(model, batch_in):
        output = predict_dispatch.rasa_predict(model, batch_in)
        calls.append((model, batch_in, output))
        return output

    monkeypatch.setattr(RasaModel, "_rasa_predict", recorded)
    monkeypatch.setattr(rule_first, "rule_decides", lambda *_: False)  # TED predicts at every step here
    asyncio.run(_answers(agent))
    models = {type(model).__name__ for model, _, _ in calls}
    assert models == {"DIET", "DIET2BOW", "TED"}  # DIETClassifier, ResponseSelector, TEDPolicy
    assert len(calls) > 3 * len(CONVERSATION)
    for model, batch_in, ours in calls:
        assert _same(ours, predict_dispatch.RASA_PREDICT(model, batch_in)), type(model).__name__
    for model in {id(model): model for model, _, _ in calls}.values():  # the direct path ran, not only Rasa's
        assert getattr(model._tf_predict_step, predict_dispatch.PREDICTION_GRAPH, None) is not None


# --- Policies that cannot win are not run ---------------------------------------------------------------


def _rule_prediction(confidence: float) -> PolicyPrediction:
    return PolicyPrediction([0.0, confidence, 0.0], "RulePolicy", policy_priority=6)


def _tracker(*events: Event) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("rule-first", [ActionExecuted("action_listen"), *events])


def test_a_certain_rule_decides_unless_its_action_was_rejected():
    asked = UserUttered("Quelles sont les valeurs de l'ICM ?", {"name": "faq", "confidence": 0.9})
    assert rule_first.rule_decides(_rule_prediction(1.0), _tracker(asked))
    assert not rule_first.rule_decides(_rule_prediction(0.3), _tracker(asked))  # the rule's fallback score
    assert not rule_first.rule_decides(None, _tracker(asked))
    rejected = ActionExecutionRejected("action_find_centre")
    assert not rule_first.rule_decides(_rule_prediction(1.0), _tracker(asked, rejected))
    assert rule_first.rule_decides(
        _rule_prediction(1.0), _tracker(asked, rejected, ActionExecuted("action_default_fallback"))
    )


class _BothGraphs:
    """The processor's (rule-first) graph runner; each policy prediction is also made by Rasa's graph."""

    def __init__(self, ours, rasa, core_target: str, ted_calls: List[int]) -> None:
        self.ours, self.rasa, self.core_target, self.ted_calls = ours, rasa, core_target, ted_calls
        self.steps: List[Tuple[PolicyPrediction, PolicyPrediction, int, int]] = []

    def run(self, inputs=None, targets=None):
        before = len(self.ted_calls)
        result = self.ours.run(inputs=inputs, targets=targets)
        if targets != [self.core_target]:
            return result
        ours_ted = len(self.ted_calls) - before
        rasa = self.rasa.run(inputs=inputs, targets=targets)[self.core_target]
        self.steps.append((result[self.core_target], rasa, ours_ted, len(self.ted_calls) - before - ours_ted))
        return result


def _story_messages() -> List[List[str]]:
    """Each conversation test's user messages as a user types them (Rasa's parser drops entity marks)."""
    stories = yaml.safe_load((ROOT / "tests" / "test_stories.yml").read_text(encoding="utf-8"))["stories"]
    return [
        [replace_entities(step["user"].strip()) for step in story["steps"] if "user" in step]
        for story in stories
    ]


@pytest.mark.integration
def test_skipping_policies_a_certain_rule_overrules_keeps_rasa_s_predictions(servers, tmp_path, monkeypatch):
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.utils.endpoints import EndpointConfig

    assert rasa_loader.load_predict_graph_runner is rule_first.load_predict_graph_runner
    ted_calls: List[int] = []

    def counted(*args, **kwargs):
        ted_calls.append(1)
        return rule_first_rasa_ted(*args, **kwargs)

    rule_first_rasa_ted = rule_first.RASA_TED_PREDICT
    monkeypatch.setattr(rule_first, "RASA_TED_PREDICT", counted)
    action_endpoint = EndpointConfig(f"http://127.0.0.1:{servers.action_port}/webhook")
    agent = Agent.load(str(servers.model), action_endpoint=action_endpoint)
    _, rasa_runner = rule_first.RASA_LOAD_PREDICT_GRAPH_RUNNER(
        tmp_path, servers.model, LocalModelStorage, DaskGraphRunner
    )
    both = _BothGraphs(
        agent.processor.graph_runner, rasa_runner, agent.processor.model_metadata.core_target, ted_calls
    )
    agent.processor.graph_runner = both

    async def converse() -> None:
        for number, messages in enumerate(_story_messages()):
            for text in messages:
                await agent.handle_message(
                    UserMessage(text, CollectingOutputChannel(), f"rule-first-{number}")
                )

    asyncio.run(converse())
    for ours, rasa, _, _ in both.steps:
        assert ours == rasa
        assert (ours.max_confidence, ours.action_metadata) == (rasa.max_confidence, rasa.action_metadata)
    assert all(rasa_ted == 1 for _, _, _, rasa_ted in both.steps)  # Rasa's graph runs TED every time
    decided = [ours_ted == 0 for _, _, ours_ted, _ in both.steps]
    assert all(ours_ted in (0, 1) for _, _, ours_ted, _ in both.steps)
    assert sum(decided) > len(decided) / 2  # most steps are a rule's: TED was not run for them
    assert not all(decided)  # and TED ran, as in Rasa, where no rule applies (the same prediction kept)


# --- spaCy without its entity recogniser ------------------------------------------------------------

SPACY_TEXTS = [
    "Quelles sont les valeurs de l'ICM ?",
    "y a t il un centre a perpignan",
    "Est-ce que je vais payer des dépassements d'honoraires ?",
    "ma mère est soignée à Montpellier, parle moi du 4eme engagement",
    "Is there a cancer centre in Lyon?",
]


def test_no_component_of_our_pipeline_reads_spacy_entities():
    pipeline = yaml.safe_load((ROOT / "config.yml").read_text())["pipeline"]
    assert "SpacyNLP" in [component["name"] for component in pipeline]
    assert not [c for c in pipeline if "SpacyEntityExtractor" in c["name"]]


def test_spacy_loads_without_its_entity_recogniser_and_gives_the_same_features():
    ours = SpacyNLP.load_model("fr_core_news_sm").model
    rasa = spacy_pipes.RASA_LOAD_MODEL("fr_core_news_sm").model
    assert "ner" not in ours.pipe_names and "ner" in rasa.pipe_names
    assert {"tok2vec", "morphologizer", "lemmatizer"} <= set(ours.pipe_names)
    for text in SPACY_TEXTS:
        ours_doc, rasa_doc = ours(text), rasa(text)
        assert [(t.text, t.lemma_, t.pos_, t.tag_) for t in ours_doc] == [
            (t.text, t.lemma_, t.pos_, t.tag_) for t in rasa_doc
        ]
        assert numpy.array_equal(ours_doc.tensor, rasa_doc.tensor)
        assert all(numpy.array_equal(a.vector, b.vector) for a, b in zip(ours_doc, rasa_doc))


def test_releasing_the_free_heap_gives_freed_memory_back():
    """Freed blocks under a live one stay in the heap until malloc_trim; after it the RSS drops."""
    blocks = [bytes(4096) for _ in range(25_000)]  # ~100 MiB in separate malloc blocks
    pin = [bytes(4096)]  # allocated last, keeps the heap's top in use
    process = psutil.Process()
    before = process.memory_info().rss / MIB
    del blocks
    assert release_free_heap() is True
    assert process.memory_info().rss / MIB < before - 50
    assert pin[0] == bytes(4096)
