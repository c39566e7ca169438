"""Small readers of the conversation state shared by the actions."""

from __future__ import annotations

from typing import List, Optional

from rasa_sdk import Tracker

# A yes or a no, typed or clicked (👍 / 👎 count too), to whichever question the bot just asked.
YES_INTENTS = frozenset({"affirm", "feedback_up"})
NO_INTENTS = frozenset({"deny", "feedback_down"})


def user_language(tracker: Tracker) -> str:
    """The conversation's language ("fr" unless the user switched to English)."""
    return "en" if tracker.get_slot("language") == "en" else "fr"


def entity_values(tracker: Tracker, entity: str) -> List[str]:
    """Values of one entity type in the latest user message."""
    return [str(v) for v in tracker.get_latest_entity_values(entity)]


def latest_intent(tracker: Tracker) -> Optional[str]:
    """Name of the intent of the latest user message."""
    return (tracker.latest_message.get("intent") or {}).get("name")
