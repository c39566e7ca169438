"""rasa-sdk actions that shape the conversation: welcome, restart, explicit language switch, feedback."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, Restarted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions import store
from actions.fallback import suggestion_message
from actions.knowledge import load_knowledge
from actions.tracker_state import YES_INTENTS, latest_intent, user_language

logger = logging.getLogger(__name__)
# Slots kept from one session to the next (the others may hold a phone number or a stale topic).
CARRIED_OVER_SLOTS = ("language",)
COMMITMENT_INTENTS = {"ask_commitments", "next_item", "previous_item"}
# Longer messages classified as `restart` get a confirmation question instead of a restart.
MAX_WORDS_OF_A_RESTART = 5


class ActionSessionStart(Action):
    """Start every session with the welcome (automated assistant, no medical advice, 15 / 112) and topics."""

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        if _welcomed_in_this_session(tracker) and latest_intent(tracker) == "session_start":
            # A widget's "/session_start" on a new conversation: Rasa has just started the session
            # (and welcomed the user) before reading it, so this second run would repeat the welcome.
            return []
        carried = [
            SlotSet(slot, tracker.get_slot(slot))
            for slot in CARRIED_OVER_SLOTS
            if tracker.get_slot(slot) is not None
        ]
        dispatcher.utter_message(response="utter_welcome")
        return [SessionStarted(), *carried, ActionExecuted("action_listen")]


def _welcomed_in_this_session(tracker: Tracker) -> bool:
    """Whether the bot has already spoken since the latest session start."""
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            return True
        if event.get("event") == "session_started":
            return False
    return False


class ActionRestart(Action):
    """ "Recommencer": forget the conversation (keeping its language); the welcome starts a new one.

    A short request ("recommencer", "start over"), the /restart button or a yes to the confirmation
    restarts at once. A longer message that the model read as a restart ("j'ai des fourmillements
    depuis le début de…") may mean something else, so the user is asked to confirm first.
    """

    def name(self) -> str:
        return "action_restart"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        text = tracker.latest_message.get("text") or ""
        confirmed = latest_intent(tracker) == "affirm" or text.startswith("/")
        if not confirmed and len(text.split()) > MAX_WORDS_OF_A_RESTART:
            dispatcher.utter_message(response="utter_confirm_restart")
            return []
        dispatcher.utter_message(response="utter_restart")
        return [Restarted(), SlotSet("language", user_language(tracker))]


class ActionSwitchLanguage(Action):
    """ "Parlez anglais" / "in French please": set the language the user asked for."""

    def name(self) -> str:
        return "action_switch_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        return [SlotSet("language", "en" if latest_intent(tracker) == "switch_to_english" else "fr")]


class ActionDefaultAskAffirmation(Action):
    """First stage of the two-stage fallback: offer the two likeliest topics as buttons."""

    def name(self) -> str:
        return "action_default_ask_affirmation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        message = suggestion_message(tracker.latest_message, load_knowledge(), user_language(tracker))
        dispatcher.utter_message(text=message["text"], buttons=message["buttons"])
        return []


def answered_id(parse_data: Dict[str, Any], commitment_number: Any) -> Optional[str]:
    """ID of the answer a user message got: faq/<topic>, commitment/<n>, commitments/list or centre_finder."""
    intent = (parse_data.get("intent") or {}).get("name")
    if intent == "faq":
        faq = (parse_data.get("response_selector") or {}).get("faq") or {}
        return (faq.get("response") or {}).get("intent_response_key")
    if intent in COMMITMENT_INTENTS:
        return f"commitment/{int(commitment_number)}" if commitment_number else "commitments/list"
    if intent == "find_centre":
        return "centre_finder"
    return None


def answer_before_feedback(tracker: Tracker) -> Optional[str]:
    """ID of the latest answer before this 👍 / 👎 (the domain's feedback question follows every answer).

    Worked out here rather than remembered in a slot when the question is asked, so that the question is a
    plain response: an FAQ turn then needs no call to the action server.
    """
    earlier_messages = [e for e in tracker.events if e.get("event") == "user"][:-1]
    for event in reversed(earlier_messages):
        answer = answered_id(event.get("parse_data") or {}, tracker.get_slot("commitment_number"))
        if answer:
            return answer
    return None


class ActionStoreFeedback(Action):
    """Store 👍 / 👎 with the answer ID, the language and the time (never the message text)."""

    def name(self) -> str:
        return "action_store_feedback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        helpful = latest_intent(tracker) in YES_INTENTS
        answer = answer_before_feedback(tracker)
        if answer:
            try:
                store.save_feedback(answer, user_language(tracker), helpful)
            except SQLAlchemyError:
                logger.exception("Could not save feedback in %s", store.printable_database_url())
        dispatcher.utter_message(response="utter_feedback_thanks" if helpful else "utter_feedback_sorry")
        return []
