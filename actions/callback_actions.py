"""rasa-sdk actions of the callback request form: validation, saving, reset."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions import store
from actions.callback import display_phone, parse_french_phone, parse_time_slot
from actions.centre_config import load_centre_config
from actions.text import normalize
from actions.tracker_state import NO_INTENTS, YES_INTENTS, latest_intent, user_language

logger = logging.getLogger(__name__)
FORM_SLOTS = ("callback_phone", "callback_time_slot", "callback_consent")
_YES = {"oui", "ouais", "ok", "d accord", "dac", "j accepte", "yes", "yep", "sure", "i agree", "agreed"}
_NO = {"non", "nan", "no", "nope", "je refuse", "i refuse", "pas d accord"}
_SLOT_LABELS = {
    "fr": {"morning": "le matin", "afternoon": "l'après-midi", "any": "à tout moment de la journée"},
    "en": {"morning": "in the morning", "afternoon": "in the afternoon", "any": "at any time of day"},
}


def _consent_from(intent: Optional[str], text: str) -> Optional[bool]:
    if intent in YES_INTENTS or normalize(text) in _YES:
        return True
    if intent in NO_INTENTS or normalize(text) in _NO:
        return False
    return None


def _reset() -> List[Dict[str, Any]]:
    return [SlotSet(slot, None) for slot in FORM_SLOTS]


class ValidateCallbackForm(FormValidationAction):
    """Accept only a callable French number, a known time slot and a clear yes/no to the consent."""

    def name(self) -> str:
        return "validate_callback_form"

    async def validate_callback_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> Dict[str, Any]:
        phone = parse_french_phone(str(value or ""))
        if phone is None:
            dispatcher.utter_message(response="utter_callback_invalid_phone")
        return {"callback_phone": phone}

    async def validate_callback_time_slot(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> Dict[str, Any]:
        slot = parse_time_slot(str(value or ""))
        if slot is None:
            dispatcher.utter_message(response="utter_callback_invalid_time_slot")
        return {"callback_time_slot": slot}

    async def validate_callback_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> Dict[str, Any]:
        consent = (
            value if isinstance(value, bool) else _consent_from(latest_intent(tracker), str(value or ""))
        )
        if consent is None:
            dispatcher.utter_message(response="utter_callback_answer_yes_no")
        return {"callback_consent": consent}


class ActionSubmitCallback(Action):
    """Save the request when the user consented; then clear the form's slots either way."""

    def name(self) -> str:
        return "action_submit_callback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        language = user_language(tracker)
        phone, slot = tracker.get_slot("callback_phone"), tracker.get_slot("callback_time_slot")
        if tracker.get_slot("callback_consent") is not True or not phone or not slot:
            dispatcher.utter_message(response="utter_callback_no_consent")
            return _reset()
        try:
            number = store.save_callback(phone, slot, language)
        except SQLAlchemyError:
            logger.exception("Could not save a callback request in %s", store.printable_database_url())
            website = load_centre_config().website
            dispatcher.utter_message(
                text=f"Sorry, your request could not be saved. Please contact ICM directly: {website}"
                if language == "en"
                else f"Désolé, votre demande n'a pas été enregistrée. Contactez l'ICM directement : {website}"
            )
            return _reset()
        when = _SLOT_LABELS[language][slot]
        dispatcher.utter_message(
            text=(
                f"Thank you, your request no. {number} is saved: ICM reception will call you on "
                f"{display_phone(phone)}, {when}, on a working day.\nIn an emergency, call 15 or 112."
            )
            if language == "en"
            else (
                f"Merci, votre demande n° {number} est enregistrée : l'accueil de l'ICM vous rappellera au "
                f"{display_phone(phone)}, {when}, un jour ouvré.\nEn cas d'urgence, appelez le 15 ou le 112."
            )
        )
        return _reset()


class ActionResetCallback(Action):
    """Forget what the callback form collected (after a cancel or an interruption)."""

    def name(self) -> str:
        return "action_reset_callback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[Dict[str, Any]]:
        return _reset()
