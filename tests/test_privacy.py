"""Personal data never reaches the tracker store: redaction rules, the redacting store, and the real servers.

The stored rows are read directly from the SQLite tracker database; the callback form must still work.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import uuid
from pathlib import Path
from typing import List

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from privacy.events import redact_event
from privacy.redact import redact
from privacy.store import RedactingSQLTrackerStore

# --- What is redacted ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rappelez-moi au 06 12 34 56 78 svp", "rappelez-moi au <PHONE> svp"),
        ("mon numéro 0612345678", "mon numéro <PHONE>"),
        ("+33 6 12 34 56 78", "<PHONE>"),
        ("0033 6 12 34 56 78", "<PHONE>"),
        ("04.67.61.31.00", "<PHONE>"),
        ("my UK number is +44 20 7946 0958", "my UK number is <PHONE>"),
        ("écrivez à jean.dupont+icm@example.fr merci", "écrivez à <EMAIL> merci"),
        ("mon numéro de sécu 1 61 03 34 172 045 12", "mon numéro de sécu <NIR>"),
        ("NIR 161033417204512", "NIR <NIR>"),
        ("2 61 03 2A 172 045", "<NIR>"),
        ("je suis née le 12/03/1961", "je suis née le <DATE>"),
        ("né le 12-03-61", "né le <DATE>"),
        ("date de naissance : 12 mars 1961", "date de naissance : <DATE>"),
        ("le 1er août 1958", "le <DATE>"),
        ("born on March 12, 1961", "born on <DATE>"),
        ("born 1961-03-12", "born <DATE>"),
        ("ma carte 4970 1000 0000 0063", "ma carte <CARD>"),
        ("card 4111-1111-1111-1111", "card <CARD>"),
    ],
)
def test_personal_data_is_replaced_by_a_typed_placeholder(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "parle moi du 4eme engagement",
        "j'ai un rendez-vous le 12 mars",
        "l'ICM a été fondé en 1923",
        "j'ai 63 ans",
        "appelez le 15 ou le 112, ou le 3114",
        "je viens du 34000",
        "Is there a cancer centre in Lyon?",
        "4970 1000 0000 0064",
    ],
    ids=[
        "commitment",
        "date-without-year",
        "year",
        "age",
        "emergency-numbers",
        "postcode",
        "city",
        "not-luhn",
    ],
)
def test_ordinary_messages_are_kept_as_typed(text):
    assert redact(text) == text


def test_entities_covering_personal_data_are_redacted_and_others_moved():
    text = "mon mail a@b.fr et le 4eme engagement"
    event = UserUttered(
        text,
        intent={"name": "ask_commitment", "confidence": 0.9},
        entities=[
            {"entity": "email", "start": text.index("a@"), "end": text.index(" et"), "value": "a@b.fr"},
            {
                "entity": "commitment_number",
                "start": text.index("4"),
                "end": text.index("4") + 4,
                "value": "4",
            },
        ],
        parse_data={"text": text},
    )
    data = redact_event(event.as_dict())
    assert data["text"] == "mon mail <EMAIL> et le 4eme engagement"
    assert data["parse_data"]["text"] == data["text"]
    email, number = data["parse_data"]["entities"]
    assert email["value"] == "<EMAIL>" and data["text"][email["start"] : email["end"]] == "<EMAIL>"
    assert number["value"] == "4" and data["text"][number["start"] : number["end"]] == "4eme"


# --- The redacting tracker store -----------------------------------------------------------------


def stored(path: Path, sender: str) -> List[dict]:
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,)).fetchall()
    return [json.loads(data) for (data,) in rows]


def test_the_store_writes_redacted_copies_and_masks_the_callback_number_when_the_form_ends(tmp_path):
    path = tmp_path / "tracker.db"
    domain = Domain.from_yaml("version: '3.1'\nslots:\n  callback_phone:\n    type: text\n    mappings: []\n")
    store = RedactingSQLTrackerStore(domain=domain, dialect="sqlite", db=str(path))
    tracker = DialogueStateTracker.from_events(
        "form",
        [
            UserUttered("06 12 34 56 78", parse_data={"text": "06 12 34 56 78"}),
            SlotSet("callback_phone", "06 12 34 56 78"),  # from_text: the raw message
            SlotSet("callback_phone", "+33612345678"),  # validated: kept while the form runs
            BotUttered("Quand préférez-vous être rappelé ?"),
        ],
        domain.slots,
    )
    asyncio.run(store.save(tracker))
    events = stored(path, "form")
    assert events[0]["text"] == "<PHONE>" and events[0]["parse_data"]["text"] == "<PHONE>"
    assert [e["value"] for e in events if e["event"] == "slot"] == ["<PHONE>", "+33612345678"]
    # The tracker read back still has the number, for the next turns of the form.
    assert asyncio.run(store.retrieve("form")).get_slot("callback_phone") == "+33612345678"

    tracker.update(
        BotUttered("Merci, votre demande est enregistrée : l'accueil vous rappellera au 06 12 34 56 78")
    )
    tracker.update(SlotSet("callback_phone", None))
    asyncio.run(store.save(tracker))
    dumped = json.dumps(stored(path, "form"))
    assert "612345678" not in dumped and "12 34 56 78" not in dumped
    assert asyncio.run(store.retrieve("form")).get_slot("callback_phone") is None


def test_a_number_kept_before_a_restart_is_masked_when_the_form_ends_after_it(tmp_path):
    path = tmp_path / "tracker.db"
    domain = Domain.from_yaml("version: '3.1'\nslots:\n  callback_phone:\n    type: text\n    mappings: []\n")
    first = RedactingSQLTrackerStore(domain=domain, dialect="sqlite", db=str(path))
    kept = DialogueStateTracker.from_events(
        "restart", [SlotSet("callback_phone", "+33612345678"), BotUttered("Quand ?")], domain.slots
    )
    asyncio.run(first.save(kept))
    # A new server process reads the conversation back, then the form ends.
    second = RedactingSQLTrackerStore(domain=domain, dialect="sqlite", db=str(path))
    tracker = asyncio.run(second.retrieve("restart"))
    assert tracker.get_slot("callback_phone") == "+33612345678"
    tracker.update(SlotSet("callback_phone", None))
    asyncio.run(second.save(tracker))
    assert "612345678" not in json.dumps(stored(path, "restart"))


def test_two_servers_on_one_local_store_see_each_other_s_turns(tmp_path):
    """Two Sanic workers (two stores on the same SQLite file) keeping their connections open."""
    path = tmp_path / "tracker.db"
    domain = Domain.empty()
    workers = [RedactingSQLTrackerStore(domain=domain, dialect="sqlite", db=str(path)) for _ in range(2)]
    tracker = DialogueStateTracker.from_events("shared", [], domain.slots)
    for turn in range(6):
        store = workers[turn % 2]
        tracker = asyncio.run(store.retrieve("shared")) or tracker
        tracker.update(UserUttered(f"message {turn}", parse_data={"text": f"message {turn}"}))
        tracker.update(BotUttered(f"réponse {turn}"))
        asyncio.run(store.save(tracker))
    for store in workers:
        texts = [e.text for e in asyncio.run(store.retrieve("shared")).events if isinstance(e, UserUttered)]
        assert texts == [f"message {turn}" for turn in range(6)]
    assert [e["text"] for e in stored(path, "shared") if e["event"] == "bot"][-1] == "réponse 5"
    with sqlite3.connect(path) as db:  # a commit appends to a write-ahead log (privacy/store.py)
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_number_kept_in_the_last_session_is_masked_when_a_new_session_starts(tmp_path):
    path = tmp_path / "tracker.db"
    domain = Domain.from_yaml("version: '3.1'\nslots:\n  callback_phone:\n    type: text\n    mappings: []\n")
    store = RedactingSQLTrackerStore(domain=domain, dialect="sqlite", db=str(path))
    asyncio.run(
        store.save(
            DialogueStateTracker.from_events(
                "session", [SlotSet("callback_phone", "+33612345678")], domain.slots
            )
        )
    )
    tracker = asyncio.run(store.retrieve("session"))
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    asyncio.run(store.save(tracker))
    assert tracker.get_slot("callback_phone") is None
    assert "612345678" not in json.dumps(stored(path, "session"))


# --- Over REST with the real servers -------------------------------------------------------------

PERSONAL = {
    "je m'appelle Marie, mon numéro est le 06 11 22 33 44": ["06 11 22 33 44", "0611223344"],
    "écrivez-moi à marie.durand@example.org": ["marie.durand@example.org", "marie.durand"],
    "mon numéro de sécurité sociale est 2 61 03 34 172 045 87": ["2 61 03 34 172 045 87", "172 045"],
    "je suis née le 12/03/1961": ["12/03/1961"],
    "je suis né le 4 juillet 1955, c'est grave ?": ["4 juillet 1955"],
    "ma carte bancaire 4970 1000 0000 0063 pour payer": ["4970 1000 0000 0063", "0000 0063"],
}


@pytest.mark.integration
def test_messages_with_personal_data_are_stored_redacted(servers):
    sender = f"privacy-{uuid.uuid4().hex[:8]}"
    for message in PERSONAL:
        assert servers.exchange(sender, message), f"no answer to {message!r}"
    events = stored(servers.tracker_db, sender)
    texts: List[str] = []
    for event in events:  # a rewind (two-stage fallback) cancels the message before it, then it is re-stored
        if event["event"] == "rewind":
            texts.pop()
        elif event["event"] == "user":
            texts.append(event["text"])
    assert texts == [
        "je m'appelle Marie, mon numéro est le <PHONE>",
        "écrivez-moi à <EMAIL>",
        "mon numéro de sécurité sociale est <NIR>",
        "je suis née le <DATE>",
        "je suis né le <DATE>, c'est grave ?",
        "ma carte bancaire <CARD> pour payer",
    ]
    dumped = json.dumps(events, ensure_ascii=False)
    leaks = [raw for raws in PERSONAL.values() for raw in raws if raw in dumped]
    assert not leaks, f"personal data found in the stored events: {leaks}"


@pytest.mark.integration
def test_the_callback_form_works_and_leaves_no_number_in_the_tracker_store(servers):
    sender, phone = f"privacy-{uuid.uuid4().hex[:8]}", "+33612345699"
    servers.exchange(sender, "je veux parler à quelqu'un")
    servers.exchange(sender, "oui")
    servers.exchange(sender, "mon numéro c'est le 06 12 34 56 99")
    # While the form runs, only the validated number is kept (the message itself is redacted).
    during = stored(servers.tracker_db, sender)
    assert "mon numéro c'est le <PHONE>" in [e["text"] for e in during if e["event"] == "user"]
    servers.exchange(sender, "le matin")
    done = "\n".join(m.get("text", "") for m in servers.exchange(sender, "oui"))
    assert "est enregistrée" in done and "06 12 34 56 99" in done
    with sqlite3.connect(servers.actions_db) as db:
        saved = db.execute(
            "SELECT phone, time_slot FROM callback_requests WHERE phone = ?", (phone,)
        ).fetchall()
    assert saved == [(phone, "morning")]
    dumped = json.dumps(stored(servers.tracker_db, sender), ensure_ascii=False)
    assert "12345699" not in dumped and "12 34 56 99" not in dumped


@pytest.mark.integration
def test_the_servers_do_not_log_user_messages_at_their_default_level(servers):
    marker = f"journal-{uuid.uuid4().hex[:8]}"
    servers.exchange(f"privacy-{uuid.uuid4().hex[:8]}", f"c'est quoi l'ALD {marker} ?")
    for log in ("rasa.log", "actions.log"):
        assert marker not in (Path(servers.workdir) / log).read_text(errors="replace"), f"user text in {log}"
