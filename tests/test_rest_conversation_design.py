"""Conversation design over the REST channel with the real servers: welcome, fallback, callback form,
feedback, restart, language. Stored data is checked by reading the databases, not the bot's replies."""

from __future__ import annotations

import json
import sqlite3
import uuid
from typing import List

import pytest

pytestmark = pytest.mark.integration


def new_sender() -> str:
    return f"design-{uuid.uuid4().hex[:10]}"


def texts(messages: List[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def buttons(messages: List[dict]) -> List[dict]:
    """Buttons of the last message (the first reply of a conversation also carries the welcome's)."""
    return messages[-1].get("buttons") or [] if messages else []


def db_rows(servers, sql: str, *params):
    with sqlite3.connect(servers.actions_db) as db:
        try:
            return db.execute(sql, params).fetchall()
        except sqlite3.OperationalError:  # the table is created on first use
            return []


def callbacks_for(servers, phone: str):
    return db_rows(
        servers, "SELECT phone, time_slot, language, status FROM callback_requests WHERE phone = ?", phone
    )


# --- Session start -------------------------------------------------------------------------------


def test_a_new_conversation_starts_with_the_welcome_and_topic_buttons(servers):
    messages = servers.exchange(new_sender(), "Bonjour")
    welcome = messages[0]["text"]
    assert "assistant automatisé" in welcome and "ICM" in welcome
    assert "avis médical" in welcome and "15" in welcome and "112" in welcome
    titles = [b["title"] for b in messages[0]["buttons"]]
    assert titles == [
        "Nos valeurs",
        "La charte Unicancer",
        "Frais et dépassements",
        "Trouver un centre",
        "Parler à quelqu'un",
    ]


def test_the_welcome_is_shown_once_per_session(servers):
    sender = new_sender()
    servers.exchange(sender, "Bonjour")
    assert "assistant automatisé" not in texts(servers.exchange(sender, "c'est quoi l'ALD ?"))


# --- Fallback, out of scope, other languages -----------------------------------------------------


def test_two_stage_fallback_suggests_then_asks_to_rephrase_then_offers_a_person(servers):
    sender = new_sender()
    first = servers.exchange(sender, "zkqj wxxv plmf")
    assert "Vouliez-vous dire" in texts(first)
    assert buttons(first)[-1] == {"title": "Autre chose", "payload": "/out_of_scope"}
    assert 1 <= len(buttons(first)) <= 3

    second = servers.exchange(sender, "/out_of_scope")
    assert "reformuler" in texts(second)

    third = servers.exchange(sender, "blorp qwxz vvvk")
    assert "Vouliez-vous dire" in texts(third)
    fourth = servers.exchange(sender, "/out_of_scope")
    assert "Une personne de l'ICM peut vous aider" in texts(fourth)
    assert buttons(fourth)[0]["title"] == "Parler à quelqu'un"


def test_choosing_a_suggestion_answers_that_topic(servers):
    sender = new_sender()
    first = servers.exchange(sender, "zkqj wxxv plmf")
    suggestion = next(b for b in buttons(first) if b["payload"] != "/out_of_scope")
    answer = texts(servers.exchange(sender, suggestion["payload"]))
    assert "Source" in answer or "engagement" in answer or "centre" in answer or "ICM" in answer
    assert "Vouliez-vous dire" not in answer


def test_small_talk_gets_one_friendly_sentence_and_the_topics(servers):
    messages = servers.exchange(new_sender(), "qui a gagné le match de foot hier soir ?")
    assert "Je ne peux pas vous aider sur ce sujet" in texts(messages)
    assert "Trouver un centre" in [b["title"] for b in buttons(messages)]


@pytest.mark.parametrize(
    "message",
    [
        "¿Hablan ustedes español? Necesito información sobre el hospital",
        "Guten Tag, ich brauche Informationen über das Krebszentrum",
        "مرحبا، أريد معلومات عن المستشفى من فضلك",
    ],
    ids=["spanish", "german", "arabic"],
)
def test_another_language_gets_a_reply_in_french_and_english(servers, message):
    answer = texts(servers.exchange(new_sender(), message))
    assert "français et anglais" in answer and "French and English" in answer


# --- Talk to a person and the callback form ------------------------------------------------------


def test_contact_then_a_complete_callback_request_is_stored(servers):
    sender, phone = new_sender(), "+33612345671"
    contact = servers.exchange(sender, "je veux parler à quelqu'un")
    assert "site officiel" in texts(contact) or "Standard" in texts(contact)
    assert "vous rappelle" in texts(contact)
    assert "numéro" in texts(servers.exchange(sender, "oui"))
    assert "Quand préférez-vous" in texts(servers.exchange(sender, "06 12 34 56 71"))
    assert "Acceptez-vous" in texts(servers.exchange(sender, "le matin"))
    done = texts(servers.exchange(sender, "oui"))
    assert "est enregistrée" in done and "06 12 34 56 71" in done
    assert callbacks_for(servers, phone) == [(phone, "morning", "fr", "open")]


def test_callback_request_in_english_with_its_own_words(servers):
    sender, phone = new_sender(), "+33752345672"
    assert "Which number" in texts(
        servers.exchange(sender, "Could someone from reception call me back please?")
    )
    servers.exchange(sender, "+33 7 52 34 56 72")
    servers.exchange(sender, "in the afternoon")
    assert "is saved" in texts(servers.exchange(sender, "/affirm"))
    assert callbacks_for(servers, phone) == [(phone, "afternoon", "en", "open")]


def test_an_invalid_phone_is_refused_and_asked_again(servers):
    sender = new_sender()
    servers.exchange(sender, "pouvez-vous me rappeler ?")
    again = texts(servers.exchange(sender, "12 34 56"))
    assert "Je ne reconnais pas un numéro" in again and "À quel numéro" in again
    assert "Quand préférez-vous" in texts(servers.exchange(sender, "06 12 34 56 73"))


def test_no_consent_means_nothing_is_stored(servers):
    sender, phone = new_sender(), "+33612345674"
    servers.exchange(sender, "je voudrais être rappelé")
    servers.exchange(sender, "06 12 34 56 74")
    servers.exchange(sender, "peu importe")
    assert "je n'enregistre rien" in texts(servers.exchange(sender, "non"))
    assert callbacks_for(servers, phone) == []


def test_a_time_the_form_cannot_read_is_asked_again_and_the_form_goes_on(servers):
    sender, phone = new_sender(), "+33612345675"
    servers.exchange(sender, "pouvez-vous me rappeler ?")
    servers.exchange(sender, "mon numéro c'est le 06 12 34 56 75")
    again = texts(servers.exchange(sender, "le soir vers 19h"))
    assert "Je n'ai pas compris le créneau" in again and "Quand préférez-vous" in again
    assert "Acceptez-vous" in texts(servers.exchange(sender, "plutôt l'après-midi"))
    assert "est enregistrée" in texts(servers.exchange(sender, "oui"))
    assert callbacks_for(servers, phone) == [(phone, "afternoon", "fr", "open")]


def test_a_phone_number_sent_out_of_the_blue_gets_the_callback_offer(servers):
    sender = new_sender()
    servers.exchange(sender, "bonjour")
    assert "Souhaitez-vous que l'accueil de l'ICM vous rappelle" in texts(
        servers.exchange(sender, "06 11 22 33 44")
    )
    assert "À quel numéro" in texts(servers.exchange(sender, "oui"))


@pytest.mark.parametrize("answered", [0, 1, 2], ids=["at-phone", "at-time-slot", "at-consent"])
@pytest.mark.parametrize("cancel", ["annuler", "stop"])
def test_the_form_can_be_cancelled_at_any_step(servers, answered, cancel):
    sender, phone = new_sender(), f"+3361234568{answered}"
    servers.exchange(sender, "rappelez-moi svp")
    for reply in ["06 12 34 56 8" + str(answered), "le matin"][:answered]:
        servers.exchange(sender, reply)
    assert "C'est annulé" in texts(servers.exchange(sender, cancel))
    # The form is over: a yes or a number now is not taken as an answer to it.
    assert "est enregistrée" not in texts(servers.exchange(sender, "oui"))
    assert callbacks_for(servers, phone) == []


def test_an_emergency_interrupts_the_form(servers):
    sender, phone = new_sender(), "+33612345690"
    servers.exchange(sender, "je veux être rappelée")
    answer = texts(servers.exchange(sender, "je suis sous chimio et j'ai 40 de fièvre"))
    assert "15" in answer and "112" in answer
    assert "est enregistrée" not in texts(servers.exchange(sender, "06 12 34 56 90"))
    assert callbacks_for(servers, phone) == []


# --- Feedback ------------------------------------------------------------------------------------


def feedback_rows(servers):
    return db_rows(servers, "SELECT answer_id, language, helpful FROM answer_feedback ORDER BY id")


def test_feedback_follows_a_substantive_answer_and_is_stored_without_text(servers):
    sender = new_sender()
    answer = servers.exchange(sender, "c'est quoi l'ALD ?")
    assert "Cette réponse vous a-t-elle aidé ?" in texts(answer)
    assert [b["payload"] for b in buttons(answer)][-2:] == ["/feedback_up", "/feedback_down"]
    before = feedback_rows(servers)
    assert "Merci pour votre retour" in texts(servers.exchange(sender, "/feedback_up"))
    assert feedback_rows(servers)[len(before) :] == [("faq/ald", "fr", 1)]

    servers.exchange(sender, "Is there a cancer centre in Lyon?")
    before = feedback_rows(servers)
    sorry = servers.exchange(sender, "/feedback_down")
    assert "rephrase" in texts(sorry) and buttons(sorry)[0]["title"] == "Talk to someone"
    assert feedback_rows(servers)[len(before) :] == [("centre_finder", "en", 0)]
    with sqlite3.connect(servers.actions_db) as db:
        dumped = json.dumps(db.execute("SELECT * FROM answer_feedback").fetchall())
    assert "ALD" not in dumped and "Lyon" not in dumped


def test_no_feedback_question_after_small_talk(servers):
    sender = new_sender()
    servers.exchange(sender, "bonjour")
    assert "aidé" not in texts(servers.exchange(sender, "merci beaucoup"))


# --- Restart and language ------------------------------------------------------------------------


def test_recommencer_restarts_the_conversation(servers):
    sender = new_sender()
    servers.exchange(sender, "parle moi du 4eme engagement")
    assert "C'est reparti" in texts(servers.exchange(sender, "recommencer"))
    with sqlite3.connect(servers.tracker_db) as db:
        kinds = [
            k
            for (k,) in db.execute("SELECT type_name FROM events WHERE sender_id = ? ORDER BY id", (sender,))
        ]
    assert "restart" in kinds


def test_explicit_language_switch_holds_for_language_neutral_messages(servers):
    sender = new_sender()
    assert "I will answer in English" in texts(servers.exchange(sender, "vous parlez anglais ?"))
    assert "Source:" in texts(servers.exchange(sender, "ALD ?"))
    assert "je vous réponds en français" in texts(servers.exchange(sender, "in French please"))
    assert "Source :" in texts(servers.exchange(sender, "ALD ?"))
