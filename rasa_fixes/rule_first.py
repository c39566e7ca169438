"""Skip the dialogue policies that cannot win: when a rule is certain, TED and memoization are not run.

Rasa 3.6 runs every policy for every action it predicts, then keeps the most confident prediction, ties
going to the policy of higher priority (`DefaultPolicyPredictionEnsemble`). A rule that applies predicts
its action with confidence 1.0, the highest there is, and RulePolicy has the highest priority: whatever
TEDPolicy and MemoizationPolicy predict then, the rule's prediction is the one kept. They were still run,
and TED is the costliest node of a turn (about a quarter of an FAQ turn: three predictions, each
featurising the whole conversation and calling the network).

Here the loaded prediction graph gives TED's and memoization's nodes the rule's prediction as an input,
so the rule runs first; each of them returns an empty prediction (all zeros, as a policy with nothing to
say) when the rule decides. The rule does not decide, and they run as in Rasa, when:
- its confidence is below 1.0 (no rule applies: its fallback prediction, or nothing);
- the conversation's last action was rejected (the ensemble then zeroes that action in every prediction,
  so another policy may win);
- TED was trained on conversation text (end-to-end): its text-based predictions overrule the others.
The kept prediction, its events and its policy are the same (tests/test_rasa_fixes.py compares every
step of the conversation tests with Rasa's graph). Training graphs are not changed.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Optional, Tuple, Type

from rasa.core.policies.memoization import MemoizationPolicy
from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.core.policies.rule_policy import RulePolicy
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.engine import loader
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.runner.interface import GraphRunner
from rasa.engine.storage.storage import ModelMetadata, ModelStorage
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActionExecutionRejected
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import TEXT

RULE_PREDICTION = "icm_rule_prediction"  # the extra input of the policies that defer to the rule
PREDICT = "predict_action_probabilities"
DEFERRING_POLICIES: Tuple[Type[Policy], ...] = (TEDPolicy, MemoizationPolicy)

RASA_LOAD_PREDICT_GRAPH_RUNNER = loader.load_predict_graph_runner  # Rasa's own, kept for the tests
RASA_TED_PREDICT = TEDPolicy.predict_action_probabilities
RASA_MEMOIZATION_PREDICT = MemoizationPolicy.predict_action_probabilities


def rule_first(schema: GraphSchema) -> GraphSchema:
    """The schema with the rule policy's prediction wired into TED's and memoization's prediction nodes.

    Unchanged unless the schema predicts with exactly one RulePolicy.
    """
    rules = [
        name
        for name, node in schema.nodes.items()
        if node.fn == PREDICT and issubclass(node.uses, RulePolicy)
    ]
    if len(rules) != 1:
        return schema
    nodes = {}
    for name, node in schema.nodes.items():
        if (
            node.fn == PREDICT
            and issubclass(node.uses, DEFERRING_POLICIES)
            and not issubclass(node.uses, RulePolicy)
        ):
            node = dataclasses.replace(node, needs={**node.needs, RULE_PREDICTION: rules[0]})
        nodes[name] = node
    return GraphSchema(nodes)


def rule_decides(rule_prediction: Optional[PolicyPrediction], tracker: DialogueStateTracker) -> bool:
    """True when the ensemble keeps the rule's prediction whatever TED and memoization predict."""
    if not isinstance(rule_prediction, PolicyPrediction) or rule_prediction.max_confidence < 1.0:
        return False
    last_action = next(
        (e for e in reversed(tracker.events) if isinstance(e, (ActionExecuted, ActionExecutionRejected))),
        None,
    )
    return not isinstance(last_action, ActionExecutionRejected)


def ted_predict(
    self, tracker: DialogueStateTracker, domain: Domain, *args: Any, **kwargs: Any
) -> PolicyPrediction:
    """TEDPolicy.predict_action_probabilities, or an empty prediction when the rule decides."""
    rule_prediction = kwargs.pop(RULE_PREDICTION, None)
    if TEXT not in self.fake_features and rule_decides(rule_prediction, tracker):
        return self._prediction(self._default_predictions(domain))
    return RASA_TED_PREDICT(self, tracker, domain, *args, **kwargs)


def memoization_predict(
    self, tracker: DialogueStateTracker, domain: Domain, *args: Any, **kwargs: Any
) -> PolicyPrediction:
    """MemoizationPolicy.predict_action_probabilities, or an empty prediction when the rule decides."""
    if rule_decides(kwargs.pop(RULE_PREDICTION, None), tracker):
        return self._prediction(self._default_predictions(domain))
    return RASA_MEMOIZATION_PREDICT(self, tracker, domain, *args, **kwargs)


def load_predict_graph_runner(
    storage_path: Path,
    model_archive_path: Path,
    model_storage_class: Type[ModelStorage],
    graph_runner_class: Type[GraphRunner],
) -> Tuple[ModelMetadata, GraphRunner]:
    """rasa.engine.loader.load_predict_graph_runner, running the model's prediction graph rule first."""
    model_storage, model_metadata = model_storage_class.from_model_archive(
        storage_path=storage_path, model_archive_path=model_archive_path
    )
    schema = rule_first(model_metadata.predict_schema)
    runner = graph_runner_class.create(
        graph_schema=schema,
        model_storage=model_storage,
        execution_context=ExecutionContext(graph_schema=schema, model_id=model_metadata.model_id),
    )
    return model_metadata, runner


def install() -> None:
    """Load prediction graphs rule first; TED and memoization defer to a deciding rule (idempotent)."""
    loader.load_predict_graph_runner = load_predict_graph_runner
    TEDPolicy.predict_action_probabilities = ted_predict  # type: ignore[method-assign]
    MemoizationPolicy.predict_action_probabilities = memoization_predict  # type: ignore[method-assign]
