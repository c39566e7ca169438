"""Callback requests: phone and time-slot parsing, form validation, storage, and reception's CLI."""

from __future__ import annotations

import json
import sqlite3

import pytest

from actions import reception, store
from actions.callback import display_phone, parse_french_phone, parse_time_slot
from actions.callback_actions import ActionSubmitCallback, ValidateCallbackForm
from tests.helpers import make_tracker, run_action


@pytest.fixture
def database(tmp_path, monkeypatch):
    """A fresh SQLite database for the action server's tables; returns its path."""
    path = tmp_path / "actions.db"
    monkeypatch.setenv("ICM_ACTIONS_DB_URL", f"sqlite:///{path}")
    return path


def rows(path, sql):
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


@pytest.mark.parametrize(
    "text",
    [
        "06 12 34 56 78",
        "0612345678",
        "06.12.34.56.78",
        "06-12-34-56-78",
        "+33 6 12 34 56 78",
        "+33612345678",
        "0033 6 12 34 56 78",
        "mon numéro c'est le 06 12 34 56 78 merci",
    ],
)
def test_french_mobile_numbers_in_the_usual_formats_are_accepted(text):
    assert parse_french_phone(text) == "+33612345678"


def test_a_french_landline_is_accepted_and_shown_in_the_national_format():
    number = parse_french_phone("04 12 34 56 78")
    assert number == "+33412345678"
    assert display_phone(number) == "04 12 34 56 78"


@pytest.mark.parametrize(
    "text",
    ["annuler", "06 12 34 56", "12345", "+44 20 7946 0958", "+1 212 555 0100", "08 99 12 34 56", "3114", ""],
    ids=["word", "too-short", "five-digits", "uk", "us", "premium-rate", "short-number", "empty"],
)
def test_non_french_short_premium_or_missing_numbers_are_refused(text):
    assert parse_french_phone(text) is None


@pytest.mark.parametrize(
    ("text", "slot"),
    [
        ("le matin", "morning"),
        ("Matin svp", "morning"),
        ("in the morning", "morning"),
        ("l'après-midi", "afternoon"),
        ("aprem", "afternoon"),
        ("apres midi", "afternoon"),
        ("in the afternoon", "afternoon"),
        ("peu importe", "any"),
        ("no preference", "any"),
        ("demain", None),
        ("le matin ou l'après-midi", None),
        ("matin ou aprem, peu m'importe", "any"),
        ("après 17h si possible", "afternoon"),
        ("à partir de 13h30", "afternoon"),
        ("entre 9h et 11h", "morning"),
        ("vers 10 heures", "morning"),
        ("after 2pm please", "afternoon"),
        ("around 9 am", "morning"),
        ("entre midi et deux", "afternoon"),
        ("entre 10h et 15h", None),
        ("le 12 janvier", None),
        ("le soir vers 19h", None),
        ("at 8 pm", None),
    ],
)
def test_time_slot_words(text, slot):
    assert parse_time_slot(text) == slot


@pytest.mark.anyio
async def test_form_rejects_an_invalid_phone_and_says_why():
    result = await ValidateCallbackForm().validate_callback_phone(
        "c'est le 12 34", *_form_args("c'est le 12 34", "inform")
    )
    assert result == {"callback_phone": None}


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("text", "intent", "consent"),
    [
        ("oui", "affirm", True),
        ("Oui, j'accepte", "affirm", True),
        ("non", "deny", False),
        ("pourquoi ?", "faq", None),
    ],
)
async def test_form_reads_consent_as_yes_no_or_asks_again(text, intent, consent):
    result = await ValidateCallbackForm().validate_callback_consent(text, *_form_args(text, intent))
    assert result == {"callback_consent": consent}


def _form_args(text, intent):
    from rasa_sdk.executor import CollectingDispatcher

    return CollectingDispatcher(), make_tracker(text, intent), {}


def _filled(consent):
    return make_tracker(
        "oui",
        "affirm",
        slots={
            "callback_phone": "+33612345678",
            "callback_time_slot": "morning",
            "callback_consent": consent,
        },
    )


@pytest.mark.anyio
async def test_submitting_with_consent_stores_the_request_and_clears_the_form(database):
    texts, events = await run_action(ActionSubmitCallback(), _filled(True))
    assert rows(database, "SELECT phone, time_slot, language, status FROM callback_requests") == [
        ("+33612345678", "morning", "fr", "open")
    ]
    assert "06 12 34 56 78" in texts[0] and "le matin" in texts[0]
    assert {e["name"]: e["value"] for e in events} == {
        "callback_phone": None,
        "callback_time_slot": None,
        "callback_consent": None,
    }


@pytest.mark.anyio
async def test_submitting_without_consent_stores_nothing(database):
    store.engine()  # the table exists, so an empty result means nothing was written
    texts, _ = await run_action(ActionSubmitCallback(), _filled(False))
    assert texts == ["utter_callback_no_consent"]
    assert rows(database, "SELECT COUNT(*) FROM callback_requests") == [(0,)]


def test_callback_table_has_no_column_for_message_text_or_health_details(database):
    store.engine(f"sqlite:///{database}")
    columns = {row[1] for row in rows(database, "PRAGMA table_info(callback_requests)")}
    assert columns == {"id", "created_at", "phone", "time_slot", "language", "status", "closed_at"}


def test_reception_cli_lists_and_closes_requests(database, capsys):
    first = store.save_callback("+33612345678", "morning", "fr")
    second = store.save_callback("+33712345678", "any", "en")

    assert reception.main(["list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(r["id"], r["phone"], r["status"]) for r in listed] == [
        (first, "+33612345678", "open"),
        (second, "+33712345678", "open"),
    ]

    assert reception.main(["close", str(first), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"id": first, "closed": True}
    assert rows(database, f"SELECT status FROM callback_requests WHERE id = {first}") == [("closed",)]

    assert reception.main(["list"]) == 0
    table = capsys.readouterr().out
    assert "+33712345678" in table and "+33612345678" not in table

    assert reception.main(["list", "--all", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2


def test_closing_an_unknown_or_closed_request_fails_with_a_clear_message(database, capsys):
    number = store.save_callback("+33612345678", "afternoon", "fr")
    store.close_callback(number)
    assert reception.main(["close", str(number)]) == 1
    assert "Aucune demande ouverte" in capsys.readouterr().err
    assert reception.main(["close", "999"]) == 1


def test_database_url_in_log_messages_hides_the_password(monkeypatch):
    monkeypatch.setenv("ICM_ACTIONS_DB_URL", "postgresql://icm:s3cret-Pass@127.0.0.1:5432/icm")
    shown = store.printable_database_url()
    assert "s3cret-Pass" not in shown
    assert shown.startswith("postgresql://icm:") and shown.endswith("@127.0.0.1:5432/icm")
