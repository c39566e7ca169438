"""Understand which charter commitment a user asks for, and word the answers (FR/EN)."""

from __future__ import annotations

import re
from typing import Iterable, List, Optional, Union

from actions.knowledge import Commitment, Knowledge
from actions.text import normalize

ALL = "all"
Request = Union[int, str, None]  # a number 1-6, ALL, or None (nothing recognised)

_ORDINALS = {
    1: ["premier", "premiere", "1er", "1ere", "1re", "first", "1st"],
    2: ["deuxieme", "second", "seconde", "2e", "2eme", "2nd", "2nde", "2ieme"],
    3: ["troisieme", "third", "3e", "3eme", "3rd", "3ieme"],
    4: ["quatrieme", "fourth", "4e", "4eme", "4th", "4ieme"],
    5: ["cinquieme", "fifth", "5e", "5eme", "5th", "5ieme"],
    6: ["sixieme", "sixth", "6e", "6eme", "6th", "6ieme", "dernier", "derniere", "last"],
}
_CARDINALS = {
    1: ["1", "un", "one"],
    2: ["2", "deux", "two"],
    3: ["3", "trois", "three"],
    4: ["4", "quatre", "four"],
    5: ["5", "cinq", "five"],
    6: ["6", "six"],
}
_ORDINAL_WORDS = {word: n for n, words in _ORDINALS.items() for word in words}
_CARDINAL_WORDS = {word: n for n, words in _CARDINALS.items() for word in words}
# "engagement 3", "n° 3", "numero trois", "commitment number 3", or a bare "3" / "le 3".
_CARDINAL_AFTER = re.compile(
    r"(?:engagement|commitment|numero|number|n°|n|no|num|le|la|the)\s+(?:n°\s*|numero\s+|number\s+|no\s+)?(\w+)$"
)
_ALL_WORDS = {"tous", "toutes", "all", "liste", "list", "lister", "ensemble", "every"}
# "les 6 engagements", "the six commitments": a count, not a choice.
_COUNT = re.compile(r"\b(?:6|six)\s+(?:engagement|engagements|commitment|commitments|piliers|pillars)\b")


def _number_in(words: List[str]) -> Optional[int]:
    for i, word in enumerate(words):
        if word in _ORDINAL_WORDS:
            return _ORDINAL_WORDS[word]
        if word.startswith("n°") and word[2:] in _CARDINAL_WORDS:
            return _CARDINAL_WORDS[word[2:]]
        if word in _CARDINAL_WORDS:
            before = " ".join(words[max(0, i - 3) : i + 1])
            if _CARDINAL_AFTER.search(before) or (len(words) <= 2 and word.isdigit()):
                return _CARDINAL_WORDS[word]
    return None


def _theme_in(text: str, commitments: Iterable[Commitment]) -> Optional[int]:
    padded = f" {text} "
    for commitment in commitments:
        if any(f" {normalize(keyword)} " in padded for keyword in commitment.keywords):
            return commitment.number
    return None


def parse_request(
    text: str,
    knowledge: Knowledge,
    number_entities: Iterable[str] = (),
    theme_entities: Iterable[str] = (),
) -> Request:
    """Which commitment the message asks for: a number, ALL (the list), or None."""
    for value in number_entities:
        number = _number_in(normalize(str(value)).split()) or _CARDINAL_WORDS.get(normalize(str(value)))
        if number:
            return number
    themes = {c.theme: c.number for c in knowledge.commitments}
    for value in theme_entities:
        if value in themes:
            return themes[value]
    normalized = normalize(_COUNT.sub(" ", normalize(text)))
    number = _number_in(normalized.split())
    if number:
        return number
    if _ALL_WORDS & set(normalized.split()):
        return ALL
    return _theme_in(normalized, knowledge.commitments)


def describe(commitment: Commitment, language: str) -> str:
    """One commitment: exact French title, plain explanation, what it means in practice, source."""
    if language == "en":
        return (
            f"Charter commitment {commitment.number}:\n"
            f"« {commitment.title_fr} »\n"
            f"(our translation: {commitment.title_en})\n"
            f"In plain words: {commitment.explanation_en}\n"
            f"{commitment.practice_en}\n"
            "Source: Unicancer charter (unicancer.fr)"
        )
    return (
        f"Engagement n° {commitment.number} de la charte Unicancer :\n"
        f"« {commitment.title_fr} »\n"
        f"En clair : {commitment.explanation_fr}\n"
        f"{commitment.practice_fr}\n"
        "Source : charte Unicancer (unicancer.fr)"
    )


def list_messages(knowledge: Knowledge, language: str) -> List[str]:
    """The six exact titles, split in two messages to stay short on a phone."""
    lines = [f"{c.number}. « {c.title_fr} »" for c in knowledge.commitments]
    if language == "en":
        head = "The Unicancer charter has 6 commitments to patients (official French titles):"
        tail = "Ask me about one of them, for example « the 4th commitment »."
    else:
        head = "La charte Unicancer compte 6 engagements envers les patients :"
        tail = "Demandez-moi l'un d'eux, par exemple « le 4e engagement »."
    return [head + "\n" + "\n".join(lines[:3]), "\n".join(lines[3:]) + "\n" + tail]


def boundary_message(number: int, language: str) -> str:
    """What to say when the user asks for the commitment after the last or before the first."""
    if number > 6:
        if language == "en":
            return "That was the last one: the charter has 6. Say « all commitments » to see the list."
        return "C'était le dernier : la charte en compte 6. Dites « tous les engagements » pour la liste."
    if language == "en":
        return "That was the first one. Say « all commitments » to see the list."
    return "C'était le premier. Dites « tous les engagements » pour voir la liste."
