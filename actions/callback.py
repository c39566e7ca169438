"""Callback request form: read a French phone number and a preferred time slot from free text."""

from __future__ import annotations

from typing import Optional

import phonenumbers

from actions.text import normalize

# Number types reception can call back (no premium-rate, shared-cost or short service numbers).
_CALLABLE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    phonenumbers.PhoneNumberType.VOIP,
}
# Already in normalised form (lower case, no accents, single spaces), like the text they are matched in.
_TIME_SLOT_WORDS = {
    "morning": ("matin", "matinee", "morning", "am", "avant midi"),
    "afternoon": ("apres midi", "aprem", "afternoon", "pm", "apres dejeuner"),
    "any": (
        "peu importe",
        "indifferent",
        "n importe",
        "nimporte",
        "toute la journee",
        "any",
        "whenever",
        "anytime",
        "pas de preference",
        "no preference",
        "egal",
    ),
}


def parse_french_phone(text: str) -> Optional[str]:
    """The first callable French phone number in `text`, in E.164 (+33…), or None.

    Accepts the usual ways of writing it: 06 12 34 56 78, 06.12.34.56.78, 0612345678, +33 6 12 34 56 78,
    0033 6…, with words around it ("mon numéro c'est …").
    """
    for match in phonenumbers.PhoneNumberMatcher(text or "", "FR", leniency=phonenumbers.Leniency.VALID):
        number = match.number
        if (
            phonenumbers.region_code_for_number(number) == "FR"
            and phonenumbers.number_type(number) in _CALLABLE_TYPES
        ):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def display_phone(e164: str) -> str:
    """+33612345678 → 06 12 34 56 78."""
    return phonenumbers.format_number(phonenumbers.parse(e164, "FR"), phonenumbers.PhoneNumberFormat.NATIONAL)


def parse_time_slot(text: str) -> Optional[str]:
    """ "morning", "afternoon" or "any" from the user's words (French or English), else None."""
    words = f" {normalize(text)} "
    found = [slot for slot, keys in _TIME_SLOT_WORDS.items() if any(f" {key} " in words for key in keys)]
    return found[0] if len(found) == 1 else None
