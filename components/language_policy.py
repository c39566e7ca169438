"""Rasa policy that sets the `language` slot from the user's last clear message, in the Rasa process.

It predicts no action (all probabilities 0, so it never wins); Rasa's ensemble applies the events of
every policy's prediction before running the chosen action (rasa.core.policies.ensemble), so the
answer to a message is already chosen in that message's language. Doing this here rather than in a
custom slot mapping of the action server saves a round trip (the whole tracker sent over HTTP) on
every user message.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa.core.constants import POLICY_PRIORITY
from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from components.language import detect_language

LANGUAGE_SLOT = "language"


def unanswered_user_text(tracker: DialogueStateTracker) -> Optional[str]:
    """The text of the latest user message when no action has run since it, else None."""
    for event in reversed(tracker.events):
        if isinstance(event, ActionExecuted):
            return None
        if isinstance(event, UserUttered):
            return event.text
    return None


def language_events(tracker: DialogueStateTracker) -> List[SlotSet]:
    """[SlotSet(language)] when the message just received is clearly in another language, else []."""
    text = unanswered_user_text(tracker)
    if not text or text.startswith("/"):  # a button payload such as /affirm carries no language
        return []
    language = detect_language(text)
    if language is None or language == tracker.get_slot(LANGUAGE_SLOT):
        return []
    return [SlotSet(LANGUAGE_SLOT, language)]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class LanguagePolicy(Policy):
    """Follows the user's language; predicts no action."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Lowest priority: it never competes with the policies that choose the action."""
        return {**Policy.get_default_config(), POLICY_PRIORITY: 0}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        detect_language("Bonjour")  # load lingua's models with the model, not on a user's first turn

    def train(
        self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any
    ) -> Resource:
        """Nothing to learn; writes an empty resource so that Rasa can load the policy."""
        with self._model_storage.write_to(self._resource):
            pass
        return self._resource

    def predict_action_probabilities(
        self, tracker: DialogueStateTracker, domain: Domain, **kwargs: Any
    ) -> PolicyPrediction:
        """A prediction of no action, carrying the language slot change of the message just received."""
        return self._prediction(self._default_predictions(domain), events=language_events(tracker))
