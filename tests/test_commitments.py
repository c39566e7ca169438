"""The commitments action, as a user sees it: the list, one commitment, follow-ups, English."""

from __future__ import annotations

import pytest
from rasa_sdk.events import SlotSet

from actions.actions import ActionCommitments
from actions.knowledge import load_knowledge
from tests.helpers import make_tracker, run_action

pytestmark = pytest.mark.anyio

KNOWLEDGE = load_knowledge()
TITLES = {c.number: c.title_fr for c in KNOWLEDGE.commitments}


@pytest.mark.parametrize(
    ("text", "entities", "number"),
    [
        ("parle moi du 4eme engagement", [], 4),
        ("l'engagement n°3", [], 3),
        ("le troisième", [], 3),
        ("c'est quoi le 3e ?", [], 3),
        ("third commitment please", [], 3),
        ("engagement numéro deux", [], 2),
        ("et le dernier engagement ?", [], 6),
        ("l'engagement sur la qualité de vie", [], 4),
        ("celui sur la prévention", [], 5),
        ("la coordination des soins", [], 3),
        ("engagement", [{"entity": "commitment_number", "value": "1"}], 1),
        ("engagement", [{"entity": "commitment_theme", "value": "access"}], 6),
    ],
)
async def test_one_commitment_quotes_its_exact_title(text, entities, number):
    texts, events = await run_action(ActionCommitments(), make_tracker(text, "ask_commitments", entities))
    assert len(texts) == 1
    assert f"n° {number}" in texts[0]
    assert f"« {TITLES[number]} »" in texts[0]
    assert SlotSet("commitment_number", float(number)) in events


@pytest.mark.parametrize("text", ["quels sont les 6 engagements ?", "tous les engagements", "la charte"])
async def test_the_list_gives_all_six_titles_in_two_short_messages(text):
    texts, events = await run_action(ActionCommitments(), make_tracker(text, "ask_commitments"))
    assert len(texts) == 2
    joined = "\n".join(texts)
    for title in TITLES.values():
        assert title in joined
    assert all(len(t) <= 600 for t in texts)
    assert SlotSet("commitment_number", 0.0) in events


@pytest.mark.parametrize(("intent", "current", "expected"), [("next_item", 4, 5), ("previous_item", 4, 3)])
async def test_follow_ups_move_to_the_next_or_previous_commitment(intent, current, expected):
    tracker = make_tracker("et le suivant ?", intent, slots={"commitment_number": float(current)})
    texts, events = await run_action(ActionCommitments(), tracker)
    assert TITLES[expected] in texts[0]
    assert SlotSet("commitment_number", float(expected)) in events


async def test_next_after_the_list_is_the_first_commitment():
    tracker = make_tracker("le suivant", "next_item", slots={"commitment_number": 0.0})
    texts, _ = await run_action(ActionCommitments(), tracker)
    assert TITLES[1] in texts[0]


async def test_next_after_the_last_says_there_are_six():
    tracker = make_tracker("et le suivant ?", "next_item", slots={"commitment_number": 6.0})
    texts, events = await run_action(ActionCommitments(), tracker)
    assert "dernier" in texts[0] and "compte 6" in texts[0]
    assert events == []


async def test_english_keeps_the_french_title_and_adds_a_translation():
    tracker = make_tracker("tell me about the fifth commitment", "ask_commitments", slots={"language": "en"})
    texts, _ = await run_action(ActionCommitments(), tracker)
    assert "Charter commitment 5" in texts[0]
    assert TITLES[5] in texts[0]
    assert "our translation" in texts[0]


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_every_commitment_answer_is_short_enough_for_a_phone(language):
    for number in TITLES:
        tracker = make_tracker(f"engagement {number}", "ask_commitments", slots={"language": language})
        texts, _ = await run_action(ActionCommitments(), tracker)
        assert len(texts[0]) <= 600, (number, language, len(texts[0]))
