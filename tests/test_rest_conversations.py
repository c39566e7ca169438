"""End to end through the REST channel: the real Rasa server, action server and trained model."""

from __future__ import annotations

import json
import re
import sqlite3
import uuid

import pytest

from actions.knowledge import load_knowledge
from tests.conftest import get_json

pytestmark = pytest.mark.integration
TITLES = {c.number: c.title_fr for c in load_knowledge().commitments}


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex[:10]}"


def joined(texts) -> str:
    return "\n".join(texts)


def test_action_server_answers_its_health_check(servers):
    assert get_json(f"http://127.0.0.1:{servers.action_port}/health")["status"] == "ok"


def test_bonjour_gets_a_french_welcome_with_safety_notice(servers):
    answer = joined(servers.say(new_sender(), "Bonjour"))
    assert "Bonjour" in answer
    assert "assistant automatisé" in answer
    assert "15" in answer and "112" in answer
    assert "Que puis-je faire pour vous ?" in answer


def test_english_question_on_values_gets_an_english_answer(servers):
    answer = joined(servers.say(new_sender(), "What are your values?"))
    assert "values" in answer
    assert "humanistic" in answer.lower()
    assert "non-profit" in answer


def test_sms_style_question_on_values(servers):
    answer = joined(servers.say(new_sender(), "c koi les valeurs de l'icm"))
    assert "médecine humaniste" in answer
    assert "Source" in answer


def test_extra_fees_question(servers):
    answer = joined(servers.say(new_sender(), "Est-ce que je vais payer des dépassements d'honoraires ?"))
    assert "dépassement" in answer
    assert "Source" in answer


def test_commitment_then_the_next_one(servers):
    sender = new_sender()
    first = joined(servers.say(sender, "parle moi du 4eme engagement"))
    assert TITLES[4] in first
    following = joined(servers.say(sender, "et le suivant ?"))
    assert TITLES[5] in following


def test_list_of_the_six_commitments(servers):
    answer = joined(servers.say(new_sender(), "quels sont les 6 engagements de la charte ?"))
    for title in TITLES.values():
        assert title in answer


def test_centre_in_lyon_in_english(servers):
    texts = servers.say(new_sender(), "Is there a cancer centre in Lyon?")
    answer = joined(texts)
    assert any(text.startswith("Yes") for text in texts)
    assert "Centre Léon Bérard" in answer


def test_no_centre_in_perpignan(servers):
    answer = joined(servers.say(new_sender(), "y a t il un centre a perpignan"))
    assert "pas de centre" in answer
    assert "Montpellier" in answer


def test_language_follows_the_last_clear_message(servers):
    sender = new_sender()
    assert re.search(r"Sources?:", joined(servers.say(sender, "What is a CLCC?")))
    assert re.search(r"Sources? :", joined(servers.say(sender, "Et c'est quoi un ESPIC ?")))
    assert re.search(r"Sources?:", joined(servers.say(sender, "and who runs ICM?")))


@pytest.mark.parametrize(
    ("message", "numbers"),
    [
        ("je suis sous chimio et j'ai 39,5 de fievre avec des frissons", ["15", "112"]),
        ("g 39,5 de fievre sous chimio, et au fait c koi vos valeurs ?", ["15", "112"]),
        ("jveux en finir, j'en peux plus de tout ça", ["3114", "15", "112"]),
    ],
    ids=["emergency", "emergency-mixed-with-a-question", "distress"],
)
def test_emergencies_and_distress_get_the_right_numbers(servers, message, numbers):
    answer = joined(servers.say(new_sender(), message))
    for number in numbers:
        assert number in answer


def test_medical_question_is_redirected_to_the_care_team(servers):
    answer = joined(servers.say(new_sender(), "quelle dose de morphine je dois prendre pour ma douleur ?"))
    assert "équipe soignante" in answer or "médecin" in answer


def test_gibberish_starts_the_two_stage_fallback(servers):
    answer = joined(servers.say(new_sender(), "zkqj wxxv plmf"))
    assert "Vouliez-vous dire" in answer


def test_conversation_is_stored_in_the_sqlite_tracker_store_and_survives_a_restart(servers):
    sender = new_sender()
    servers.say(sender, "Bonjour")
    servers.stop_rasa()
    servers.start_rasa()
    servers.say(sender, "merci")
    with sqlite3.connect(servers.tracker_db) as db:
        rows = db.execute(
            "SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id", (sender,)
        ).fetchall()
    user_texts = [json.loads(data).get("text") for kind, data in rows if kind == "user"]
    assert user_texts == ["Bonjour", "merci"]
    assert sum(kind == "bot" for kind, _ in rows) >= 2
