"""Callback request form: read a French phone number and a preferred time slot from free text."""

from __future__ import annotations

import re
from typing import List, Optional

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
    "afternoon": ("apres midi", "aprem", "afternoon", "pm", "apres dejeuner", "entre midi et deux"),
    "any": (
        "peu importe",
        "peu m importe",
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


# A clock time in normalised text: "17h", "13h30", "17 heures", "2pm", "2 30 pm".
_FRENCH_HOUR = re.compile(r"\b(\d{1,2}) ?(?:h|heures?)(?:\d{2})?\b")
_ENGLISH_HOUR = re.compile(r"\b(\d{1,2})(?: \d{2})? ?(am|pm)\b")


def _clock_hours(words: str) -> List[int]:
    """The hours (0–23) of the clock times in normalised `words`: "après 17h", "after 2pm" → [17], [14]."""
    hours = [int(h) for h in _FRENCH_HOUR.findall(words)]
    return hours + [int(h) % 12 + (12 if half == "pm" else 0) for h, half in _ENGLISH_HOUR.findall(words)]


def parse_time_slot(text: str) -> Optional[str]:
    """ "morning", "afternoon" or "any" from words or clock times (French or English), else None.

    A time in the evening or at night (before 6 or after 18 h) is not a slot reception calls in: None.
    """
    words = f" {normalize(text)} "
    hours = _clock_hours(words)
    if any(hour < 6 or hour > 18 for hour in hours):
        return None
    found = [slot for slot, keys in _TIME_SLOT_WORDS.items() if any(f" {key} " in words for key in keys)]
    if "any" in found:
        return "any"
    if found:
        return found[0] if len(found) == 1 else None
    slots = {"morning" if hour < 12 else "afternoon" for hour in hours}
    return slots.pop() if len(slots) == 1 else None
