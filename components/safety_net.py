"""Rasa NLU component: emergencies and distress override the predicted intent, at any confidence.

The trained model classifies `emergency` and `distress` too; this layer makes the routing to 15 / 112
and 3114 deterministic for the curated patterns of knowledge/safety_patterns.yml, even when the NLU
confidence is low or the message also asks something else.
"""

from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.safety import match_safety_intent
from components.stateless import StatelessComponent


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class SafetyNet(StatelessComponent):
    """Sets the intent to `distress` or `emergency` when a curated pattern matches."""

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = match_safety_intent(message.get(TEXT) or "")
            if intent:
                override = {"name": intent, "confidence": 1.0}
                ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != intent]
                message.set(INTENT, override, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [override, *ranking], add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
