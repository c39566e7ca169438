"""Custom slot mappings run after every user message (rasa-sdk `action_validate_slot_mappings`)."""

from __future__ import annotations

from typing import Any, Dict

from rasa_sdk import Tracker, ValidationAction
from rasa_sdk.executor import CollectingDispatcher

from actions.language import detect_language

detect_language("Bonjour")  # load the language models when the action server starts, not on a user's turn


class ValidateSlotMappings(ValidationAction):
    """Fills the `language` slot from the language of the user's last clear message."""

    def name(self) -> str:
        return "action_validate_slot_mappings"

    async def extract_language(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> Dict[str, Any]:
        """ "fr" or "en" when the message is clearly in one language; no change otherwise."""
        text = tracker.latest_message.get("text") or ""
        if text.startswith("/"):  # a button payload such as /affirm carries no language
            return {}
        language = detect_language(text)
        return {"language": language} if language else {}
