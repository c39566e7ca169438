"""Conversation actions with tracker fixtures: welcome, restart, language switch, fallback, feedback."""

from __future__ import annotations

import sqlite3

import pytest

from actions.knowledge import load_knowledge
from actions.session_actions import (
    ActionDefaultAskAffirmation,
    ActionRestart,
    ActionSessionStart,
    ActionStoreFeedback,
    ActionSwitchLanguage,
)
from tests.helpers import make_tracker, run_action

pytestmark = pytest.mark.anyio
KNOWLEDGE = load_knowledge()

# What the NLU pipeline attaches to an unclear message about money (shape of Rasa's parse data).
UNCLEAR_COSTS = {
    "intent_ranking": [
        {"name": "nlu_fallback", "confidence": 0.4},
        {"name": "faq", "confidence": 0.35},
        {"name": "find_centre", "confidence": 0.1},
        {"name": "greet", "confidence": 0.3},
    ],
    "response_selector": {
        "faq": {
            "response": {"intent_response_key": "faq/extra_fees", "confidence": 0.5},
            "ranking": [
                {"intent_response_key": "faq/extra_fees", "confidence": 0.5},
                {"intent_response_key": "faq/remaining_costs", "confidence": 0.4},
                {"intent_response_key": "faq/ald", "confidence": 0.1},
            ],
        }
    },
}


async def test_session_starts_with_the_welcome_and_keeps_only_the_language():
    tracker = make_tracker("", "", slots={"language": "en", "callback_phone": "+33612345678"})
    texts, events = await run_action(ActionSessionStart(), tracker)
    assert texts == ["utter_welcome"]
    assert [e["event"] for e in events] == ["session_started", "slot", "action"]
    assert events[1]["name"] == "language" and events[1]["value"] == "en"


async def test_a_widget_session_start_after_the_welcome_does_not_welcome_twice():
    # Rasa starts the session (welcome) before it reads the widget's "/session_start", then runs it again.
    tracker = make_tracker("/session_start", "session_start")
    tracker.events = [
        {"event": "action", "name": "action_session_start"},
        {"event": "session_started"},
        {"event": "action", "name": "action_listen"},
        {"event": "bot", "text": "Bonjour, je suis l'assistant automatisé de l'ICM…"},
        {"event": "user", "text": "/session_start", "parse_data": {"intent": {"name": "session_start"}}},
    ]
    texts, events = await run_action(ActionSessionStart(), tracker)
    assert texts == [] and events == []


async def test_a_session_start_without_a_welcome_yet_welcomes():
    tracker = make_tracker("/session_start", "session_start")
    tracker.events = [{"event": "session_started"}, {"event": "user", "text": "/session_start"}]
    texts, _ = await run_action(ActionSessionStart(), tracker)
    assert texts == ["utter_welcome"]


async def test_restart_forgets_the_conversation_but_not_its_language():
    texts, events = await run_action(
        ActionRestart(), make_tracker("restart", "restart", slots={"language": "en"})
    )
    assert texts == ["utter_restart"]
    assert events[0]["event"] == "restart"
    assert events[1]["name"] == "language" and events[1]["value"] == "en"


@pytest.mark.parametrize(("intent", "language"), [("switch_to_english", "en"), ("switch_to_french", "fr")])
async def test_explicit_language_switch(intent, language):
    _, events = await run_action(ActionSwitchLanguage(), make_tracker("…", intent))
    assert events == [{"event": "slot", "timestamp": None, "name": "language", "value": language}]


async def test_did_you_mean_offers_the_two_likeliest_topics_then_none_of_these():
    tracker = make_tracker("euh les sous", "nlu_fallback", parse_data=UNCLEAR_COSTS)
    dispatcher_texts, _ = await run_action(ActionDefaultAskAffirmation(), tracker)
    assert "Vouliez-vous dire" in dispatcher_texts[0]


async def test_did_you_mean_buttons_send_questions_the_assistant_answers():
    from actions.fallback import suggestion_message

    message = suggestion_message(UNCLEAR_COSTS, KNOWLEDGE, "fr")
    topics = KNOWLEDGE.topics
    assert message["buttons"] == [
        {"title": topics["faq/extra_fees"]["fr"], "payload": topics["faq/extra_fees"]["ask_fr"]},
        {"title": topics["faq/remaining_costs"]["fr"], "payload": topics["faq/remaining_costs"]["ask_fr"]},
        {"title": "Autre chose", "payload": "/out_of_scope"},
    ]
    english = suggestion_message(UNCLEAR_COSTS, KNOWLEDGE, "en")
    assert english["buttons"][0] == {"title": "Extra fees", "payload": "Will I pay extra fees?"}


async def test_did_you_mean_without_any_topic_only_offers_something_else():
    from actions.fallback import suggestion_message

    message = suggestion_message({"intent_ranking": [{"name": "greet", "confidence": 0.3}]}, KNOWLEDGE, "fr")
    assert message["buttons"] == [{"title": "Autre chose", "payload": "/out_of_scope"}]


def after_answer(feedback_text: str, feedback_intent: str, answered: dict, slots: dict) -> object:
    """A tracker whose latest message is a 👍 / 👎 (or a yes / no) to the question after an answer."""
    tracker = make_tracker(feedback_text, feedback_intent, slots=slots)
    tracker.events = [
        {"event": "user", "text": "bonjour", "parse_data": {"intent": {"name": "greet"}}},
        {"event": "user", "text": "…", "parse_data": answered},
        {"event": "action", "name": "utter_ask_feedback"},
        {"event": "user", "text": "merci", "parse_data": {"intent": {"name": "thank"}}},
        {"event": "user", "text": feedback_text, "parse_data": {"intent": {"name": feedback_intent}}},
    ]
    return tracker


@pytest.mark.parametrize(
    ("answered", "slots", "answer_id"),
    [
        (
            {"intent": {"name": "faq"}, "response_selector": UNCLEAR_COSTS["response_selector"]},
            {},
            "faq/extra_fees",
        ),
        ({"intent": {"name": "ask_commitments"}}, {"commitment_number": 3.0}, "commitment/3"),
        ({"intent": {"name": "next_item"}}, {"commitment_number": 4.0}, "commitment/4"),
        ({"intent": {"name": "ask_commitments"}}, {"commitment_number": 0.0}, "commitments/list"),
        ({"intent": {"name": "find_centre"}}, {}, "centre_finder"),
    ],
)
@pytest.mark.parametrize(
    ("intent", "helpful", "reply"),
    [
        ("feedback_up", 1, "utter_feedback_thanks"),
        ("affirm", 1, "utter_feedback_thanks"),
        ("feedback_down", 0, "utter_feedback_sorry"),
        ("deny", 0, "utter_feedback_sorry"),
    ],
)
async def test_feedback_is_stored_for_the_latest_answer_with_language_and_time_only(
    tmp_path, monkeypatch, answered, slots, answer_id, intent, helpful, reply
):
    db = tmp_path / "actions.db"
    monkeypatch.setenv("ICM_ACTIONS_DB_URL", f"sqlite:///{db}")
    tracker = after_answer("secret text", intent, answered, {"language": "en", **slots})
    texts, events = await run_action(ActionStoreFeedback(), tracker)
    assert texts == [reply] and events == []
    with sqlite3.connect(db) as connection:
        stored = connection.execute("SELECT * FROM answer_feedback").fetchall()
        columns = [c[1] for c in connection.execute("PRAGMA table_info(answer_feedback)")]
    assert columns == ["id", "created_at", "answer_id", "language", "helpful"]
    assert [(row[2], row[3], row[4]) for row in stored] == [(answer_id, "en", helpful)]
    assert "secret" not in repr(stored)


async def test_feedback_without_any_answer_before_it_is_thanked_but_not_stored(tmp_path, monkeypatch):
    db = tmp_path / "actions.db"
    monkeypatch.setenv("ICM_ACTIONS_DB_URL", f"sqlite:///{db}")
    tracker = after_answer("/feedback_up", "feedback_up", {"intent": {"name": "greet"}}, {})
    texts, _ = await run_action(ActionStoreFeedback(), tracker)
    assert texts == ["utter_feedback_thanks"]
    assert not db.exists() or sqlite3.connect(db).execute("SELECT * FROM answer_feedback").fetchall() == []


async def test_a_long_message_read_as_restart_is_confirmed_first():
    tracker = make_tracker("j'ai des fourmillements depuis le début de la chimio, ça va passer ?", "restart")
    texts, events = await run_action(ActionRestart(), tracker)
    assert texts == ["utter_confirm_restart"] and events == []


@pytest.mark.parametrize(
    ("text", "intent"), [("/restart", "restart"), ("oui", "affirm"), ("on recommence", "restart")]
)
async def test_a_short_request_the_button_or_a_yes_restarts(text, intent):
    texts, events = await run_action(ActionRestart(), make_tracker(text, intent))
    assert texts == ["utter_restart"] and events[0]["event"] == "restart"
