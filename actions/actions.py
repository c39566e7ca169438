"""rasa-sdk actions: charter commitments, centre finder, contact details (with the callback offer)."""

from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import centres, commitments
from actions.centre_config import load_centre_config, warn_if_unset
from actions.contact import contact_text
from actions.knowledge import load_knowledge
from actions.tracker_state import entity_values, latest_intent, user_language

warn_if_unset(load_centre_config())


class ActionCommitments(Action):
    """Answer about the charter's six commitments: the list, one of them, the next or the previous."""

    def name(self) -> str:
        return "action_commitments"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        knowledge = load_knowledge()
        language = user_language(tracker)
        intent = latest_intent(tracker)
        current = tracker.get_slot("commitment_number")
        if intent in {"next_item", "previous_item"} and current is not None:
            wanted = int(current) + (1 if intent == "next_item" else -1)
            if not 1 <= wanted <= len(knowledge.commitments):
                dispatcher.utter_message(text=commitments.boundary_message(wanted, language))
                return []
        else:
            wanted = commitments.parse_request(
                tracker.latest_message.get("text") or "",
                knowledge,
                entity_values(tracker, "commitment_number"),
                entity_values(tracker, "commitment_theme"),
            )
        if isinstance(wanted, int):
            dispatcher.utter_message(text=commitments.describe(knowledge.commitment(wanted), language))
            return [SlotSet("commitment_number", float(wanted))]
        for text in commitments.list_messages(knowledge, language):
            dispatcher.utter_message(text=text)
        return [SlotSet("commitment_number", 0.0)]


class ActionFindCentre(Action):
    """Tell the user which Unicancer centre is in, or nearest to, the city they name."""

    def name(self) -> str:
        return "action_find_centre"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        knowledge = load_knowledge()
        language = user_language(tracker)
        named = entity_values(tracker, "city")
        city = next((c for c in (centres.match_city(n, knowledge) for n in named) if c), None)
        city = city or centres.match_city(tracker.latest_message.get("text") or "", knowledge)
        if city:
            dispatcher.utter_message(text=centres.answer_for_city(city, knowledge, language))
        else:
            unknown = named[0] if named else None
            dispatcher.utter_message(text=centres.answer_unknown_city(unknown, knowledge, language))
        return []


class ActionContact(Action):
    """Give the centre's contact details, or the official website while they are not configured."""

    def name(self) -> str:
        return "action_contact"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        text = contact_text(load_centre_config(), user_language(tracker))
        dispatcher.utter_message(text=text)
        dispatcher.utter_message(response="utter_offer_callback")
        return []
