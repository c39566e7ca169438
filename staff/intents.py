"""Which answer the assistant gives for each intent (data/rules.yml), as catalogue answer ids.

`action_commitments` and `action_find_centre` are families: the finder narrows them to one commitment
(`action_commitments/4`, or `/list`) or one centre (`action_find_centre/<centre>`) from the message.
FAQ messages (`faq/<topic>`) get the response `utter_faq/<topic>` chosen by the response selector.
"""

from __future__ import annotations

from typing import Dict, Iterable

COMMITMENTS = "action_commitments"
CENTRE_FINDER = "action_find_centre"

INTENT_ANSWERS: Dict[str, str] = {
    "greet": "utter_greet",
    "goodbye": "utter_goodbye",
    "thank": "utter_you_are_welcome",
    "bot_challenge": "utter_iamabot",
    "affirm": "utter_anything_else",
    "deny": "utter_anything_else",
    "stop": "utter_anything_else",
    "ask_commitments": COMMITMENTS,
    "next_item": COMMITMENTS,
    "previous_item": COMMITMENTS,
    "find_centre": CENTRE_FINDER,
    "contact_human": "action_contact",
    "ask_medical": "utter_medical_redirect",
    "emergency": "utter_emergency",
    "distress": "utter_distress",
    "share_worry": "utter_share_worry",
    "out_of_scope": "utter_out_of_scope",
    "other_language": "utter_other_language",
    # The callback form's first question; the restart and language-switch actions' own responses.
    "request_callback": "utter_ask_callback_phone",
    # A bare phone number or time slot outside the form: the offer to be called back.
    "inform": "utter_offer_callback",
    "restart": "utter_restart",
    "switch_to_english": "utter_language_switched",
    "switch_to_french": "utter_language_switched",
    # action_store_feedback thanks for a 👍 and apologises for a 👎.
    "feedback_up": "utter_feedback_thanks",
    "feedback_down": "utter_feedback_sorry",
}
FAMILIES = (COMMITMENTS, CENTRE_FINDER)


def faq_answer(key: str) -> str:
    """`faq/ald` -> `utter_faq/ald`."""
    return "utter_" + key


def answer_map(faq_keys: Iterable[str]) -> Dict[str, str]:
    """Intent names and response-selector keys (`faq/<topic>`) -> answer id (or family)."""
    return {**INTENT_ANSWERS, **{key: faq_answer(key) for key in faq_keys}}


def expected_answer(intent: str) -> str:
    """The answer (or family) expected for a held-out example labelled `intent` (`faq/ald` or `greet`)."""
    return faq_answer(intent) if intent.startswith("faq/") else INTENT_ANSWERS[intent]


def is_answer(answer_id: str, expected: str) -> bool:
    """Whether `answer_id` is the expected answer, or one of the expected family's answers."""
    return answer_id == expected or (expected in FAMILIES and answer_id.startswith(expected + "/"))
