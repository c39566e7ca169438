"""Rasa's SQL tracker store (SQLite locally, PostgreSQL in production) that redacts before it writes.

Use it in endpoints.yml as ``type: privacy.store.RedactingSQLTrackerStore`` with the usual SQL keys
(dialect, url, port, db, username, password). Only the stored copy is redacted: the turn being processed
still sees the message as typed, so the NLU, the forms and the action server work unchanged.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Dict

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

import rasa_fixes
from privacy.events import KEPT_SLOT_VALUES, masked_slot, redact_event

logger = logging.getLogger(__name__)
# Every Rasa server of the project loads this store at start-up: the place to install Rasa fixes.
rasa_fixes.install()


class RedactingSQLTrackerStore(SQLTrackerStore):
    """Stores user messages, bot texts and free-text slots with personal data replaced by placeholders.

    The validated callback number (needed over the next turns of the callback form) is stored as is while
    the form runs, then masked in the stored history as soon as the slot is empty again (form submitted,
    cancelled, reset or conversation restarted).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        url = self.engine.url
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            # Rasa's engine opens and closes a SQLite connection for every read and every save (NullPool):
            # keep connections open instead, in write-ahead-log mode (use_write_ahead_log).
            self.engine.dispose()
            self.engine = sa.create_engine(
                url, poolclass=sa.pool.QueuePool, connect_args={"check_same_thread": False}
            )
            sa.event.listen(self.engine, "connect", use_write_ahead_log)
            self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Append the tracker's new events, redacted (same rows as SQLTrackerStore.save)."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            for event in self._additional_events(session, tracker):
                data = redact_event(event.as_dict())
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            for slot in KEPT_SLOT_VALUES:
                if tracker.get_slot(slot) is None and holds_kept_value(tracker, slot):
                    self._mask_kept_values(session, tracker.sender_id, slot)
            session.commit()
        logger.debug("Tracker with sender_id '%s' stored to database (redacted)", tracker.sender_id)

    def _mask_kept_values(self, session: Any, sender_id: str, slot: str) -> None:
        rows = session.query(self.SQLEvent).filter(
            self.SQLEvent.sender_id == sender_id,
            self.SQLEvent.type_name == "slot",
            self.SQLEvent.action_name == slot,
        )
        for row in rows:
            data: Dict[str, Any] = json.loads(row.data)
            value = data.get("value")
            if isinstance(value, str) and KEPT_SLOT_VALUES[slot].fullmatch(value):
                row.data = json.dumps(masked_slot(data))


def use_write_ahead_log(connection: Any, _record: Any) -> None:
    """SQLite (local mode): a commit appends to a write-ahead log instead of rewriting a journal.

    With Rasa's settings (rollback journal, synchronous FULL) every stored turn waited for several disk
    syncs. In WAL mode with synchronous NORMAL a commit is still atomic and the file cannot be corrupted;
    a power cut may lose the last turns written before it. Production stores conversations in PostgreSQL.
    """
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def holds_kept_value(tracker: DialogueStateTracker, slot: str) -> bool:
    """Whether the conversation set `slot` to a kept value, stored unmasked: only then is there a row to mask.

    A kept value is masked as soon as the slot is empty again, and a tracker read back from the store holds
    every event since its last session start, so a kept value still unmasked in the store is in
    `tracker.events`. This saves a database query on every other turn.
    """
    kept = KEPT_SLOT_VALUES[slot]
    return any(
        isinstance(event, SlotSet)
        and event.key == slot
        and isinstance(event.value, str)
        and kept.fullmatch(event.value) is not None
        for event in tracker.events
    )
