"""Replace personal data in a message with typed placeholders before it is stored or logged.

What is redacted, in this order (a span taken by one kind is not looked at again):

- ``<EMAIL>``  e-mail addresses;
- ``<NIR>``    French social security numbers: 1 or 2, then 12 digits (Corsica: 2A/2B for the
  department), with or without spaces or dots, with or without the 2-digit key;
- ``<CARD>``   payment card numbers: 13 to 19 digits (spaces or dashes allowed) that pass the Luhn check;
- ``<DATE>``   full dates, since a date of birth cannot be told from another date: 12/03/1961,
  12-03-61, 12.03.1961, 1961-03-12, "12 mars 1961", "1er mars 61", "March 12, 1961", "12th March 1961";
- ``<PHONE>``  phone numbers, French or international, as found by ``phonenumbers`` (any number that
  could exist, valid or not: 06 12 34 56 78, +33 6…, 0033…, +44 20…).

Not redacted: dates without a year ("le 12 mars", "demain", "lundi") and years alone ("en 1961"), ages
("j'ai 63 ans"), short numbers (15, 112, 3114, a commitment number), postcodes, names and addresses
(no reliable pattern; the forms never ask for them and the welcome asks not to write health details).
"""

from __future__ import annotations

import re
from typing import List, NamedTuple, Optional, Tuple

import phonenumbers

EMAIL, NIR, CARD, DATE, PHONE = "<EMAIL>", "<NIR>", "<CARD>", "<DATE>", "<PHONE>"
PLACEHOLDERS = (EMAIL, NIR, CARD, DATE, PHONE)

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_SEP = r"[ .\u00a0]?"
_NIR_PARTS = (r"[12]", r"\d\d", r"\d\d", r"(?:\d\d|2[abAB])", r"\d{3}", r"\d{3}")
_NIR = re.compile(r"(?<!\w)" + _SEP.join(_NIR_PARTS) + rf"(?:{_SEP}\d\d)?(?!\w)")
_CARD = re.compile(r"(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)")
_MONTHS = (
    "janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre|octobre|novembre|d[ée]cembre|"
    "janv|f[ée]vr?|avr|juil|sept?|oct|nov|d[ée]c|"
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec"
)
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_DATES = [
    re.compile(rf"(?<![\d/.-]){_DAY}[/.-](?:0?[1-9]|1[0-2])[/.-](?:\d{{4}}|\d\d)(?![\d/.-])"),
    re.compile(r"(?<![\d/.-])(?:19|20)\d\d[/.-](?:0?[1-9]|1[0-2])[/.-](?:0?[1-9]|[12]\d|3[01])(?![\d/.-])"),
    re.compile(
        rf"(?<!\w)(?:1er|{_DAY}(?:st|nd|rd|th)?)\s+(?:{_MONTHS})\.?,?\s+(?:\d{{4}}|\d\d)(?!\w)", re.IGNORECASE
    ),
    re.compile(rf"(?<!\w)(?:{_MONTHS})\.?\s+{_DAY}(?:st|nd|rd|th)?,?\s+\d{{4}}(?!\w)", re.IGNORECASE),
]


class Span(NamedTuple):
    """A redacted part of the original text: [start, end) and its placeholder."""

    start: int
    end: int
    placeholder: str


def _luhn(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _free(spans: List[Span], start: int, end: int) -> bool:
    return all(end <= span.start or start >= span.end for span in spans)


def find_spans(text: str) -> List[Span]:
    """The personal data found in `text`, sorted by position, not overlapping."""
    spans: List[Span] = []

    def add(start: int, end: int, placeholder: str) -> None:
        if _free(spans, start, end):
            spans.append(Span(start, end, placeholder))

    for match in _EMAIL.finditer(text):
        add(match.start(), match.end(), EMAIL)
    for match in _NIR.finditer(text):
        add(match.start(), match.end(), NIR)
    for match in _CARD.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and _luhn(digits):
            add(match.start(), match.end(), CARD)
    for pattern in _DATES:
        for match in pattern.finditer(text):
            add(match.start(), match.end(), DATE)
    for match in phonenumbers.PhoneNumberMatcher(text, "FR", leniency=phonenumbers.Leniency.POSSIBLE):
        add(match.start, match.end, PHONE)
    return sorted(spans)


def redact_with_spans(text: str) -> Tuple[str, List[Tuple[Span, int, int]]]:
    """`text` with each span replaced; with, for each span, where its placeholder is in the result."""
    spans = find_spans(text)
    parts: List[str] = []
    placed: List[Tuple[Span, int, int]] = []
    cursor, length = 0, 0
    for span in spans:
        parts.append(text[cursor : span.start])
        length += span.start - cursor
        placed.append((span, length, length + len(span.placeholder)))
        parts.append(span.placeholder)
        length += len(span.placeholder)
        cursor = span.end
    parts.append(text[cursor:])
    return "".join(parts), placed


def redact(text: Optional[str]) -> Optional[str]:
    """`text` with phone numbers, e-mails, NIR, full dates and card numbers replaced by placeholders."""
    if not text:
        return text
    return redact_with_spans(text)[0]


def shift(offset: int, placed: List[Tuple[Span, int, int]]) -> int:
    """Where a character offset of the original text lands in the redacted text."""
    moved = offset
    for span, new_start, new_end in placed:
        if offset >= span.end:
            moved += (new_end - new_start) - (span.end - span.start)
        elif offset > span.start:
            return new_start
    return moved
