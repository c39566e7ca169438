"""Questions the assistant could not answer, read from the Rasa tracker store (SQL table `events`).

A user message counts when the assistant fell back on it — the two-stage fallback ("Vouliez-vous
dire … ?", then "reformulez", then `utter_default`) for an `nlu_fallback` message, or the core
fallback `action_default_fallback` — or when the user answered 👎 (or "non") to "Cette réponse
vous a-t-elle aidé ?": then the question is the user's message before that answer. Button payloads
("/feedback_down") and empty messages are never questions. Messages are grouped by normalised text.
"""

from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from actions.text import normalize
from privacy.purge import tracker_db_url

# Actions (or responses) that mean "I did not understand" (data/rules.yml, config.yml).
FALLBACK_ACTIONS = frozenset(
    {
        "action_two_stage_fallback",
        "action_default_ask_affirmation",
        "action_default_fallback",
        "utter_default",
    }
)
GAVE_UP = frozenset({"action_default_fallback", "utter_default"})
# Actions that say nothing by themselves and may follow any message.
SILENT_ACTIONS = frozenset({"action_listen", "action_store_feedback"})
CSV_COLUMNS = ("question", "count", "fallbacks", "thumbs_down", "last_seen")


class TrackerStoreError(RuntimeError):
    """The tracker store cannot be read; the message says what to do."""


@dataclass
class Unanswered:
    """One question (normalised), how often it went unanswered and when last."""

    question: str
    count: int = 0
    fallbacks: int = 0
    thumbs_down: int = 0
    last_seen: float = 0.0

    def as_dict(self) -> Dict[str, Any]:
        return {
            "question": self.question,
            "count": self.count,
            "fallbacks": self.fallbacks,
            "thumbs_down": self.thumbs_down,
            "last_seen": iso(self.last_seen),
        }


def iso(timestamp: float) -> str:
    """1795912576.8 -> '2026-11-29T04:36:16Z'."""
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_events(url: Optional[str] = None, since: float = 0.0) -> List[Dict[str, Any]]:
    """Rows of the `events` table newer than `since`, per conversation in the order they were stored."""
    url = url or tracker_db_url()  # ICM_TRACKER_DB_URL, else ICM_PG_*, else RASA_TRACKER_DB (SQLite)
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///") :]).exists():
        raise TrackerStoreError(
            f"The tracker database {url[len('sqlite:///') :]} does not exist: start the assistant "
            "(make run) or set ICM_TRACKER_DB_URL to the Rasa tracker store's database URL."
        )
    query = sa.text(
        "SELECT sender_id, type_name, timestamp, intent_name, action_name, data FROM events "
        "WHERE timestamp >= :since ORDER BY sender_id, id"
    )
    try:
        engine = sa.create_engine(url)
        try:
            with engine.connect() as connection:
                return [dict(row._mapping) for row in connection.execute(query, {"since": since})]
        finally:
            engine.dispose()
    except SQLAlchemyError as err:
        raise TrackerStoreError(
            f"Could not read the Rasa events table at {sa.engine.make_url(url)!r}: {err.__class__.__name__}. "
            "Check ICM_TRACKER_DB_URL (it must point to the tracker store of endpoints.yml)."
        ) from err


def _data(row: Dict[str, Any]) -> Dict[str, Any]:
    try:
        return json.loads(row.get("data") or "{}")
    except (TypeError, ValueError):
        return {}


def _is_question(text: str) -> bool:
    return bool(text.strip()) and not text.lstrip().startswith("/")


def _said(row: Dict[str, Any]) -> Optional[str]:
    """The action a row records: an executed action, or the response a bot message came from."""
    if row["type_name"] == "action":
        return row.get("action_name")
    if row["type_name"] == "bot":
        return (_data(row).get("metadata") or {}).get("utter_action")
    return None


def unanswered_messages(rows: Iterable[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Each unanswered user message: text, reason ("fallback" or "thumbs_down") and timestamp."""
    found: List[Dict[str, Any]] = []
    sender = None
    question: Optional[Dict[str, Any]] = None  # the latest real user message of this conversation
    pending: Optional[Dict[str, Any]] = None  # that message, until we know how the bot answered
    last_action = None
    for row in rows:
        if row["sender_id"] != sender:
            sender, question, pending, last_action = row["sender_id"], None, None, None
        if row["type_name"] == "user":
            text = _data(row).get("text") or ""
            intent = row.get("intent_name")
            thumbs_down = intent == "feedback_down" or (
                intent == "deny" and last_action == "utter_ask_feedback"
            )
            if thumbs_down and question is not None:
                found.append({**question, "reason": "thumbs_down", "timestamp": row["timestamp"]})
            pending = None
            if _is_question(text) and not thumbs_down and intent != "feedback_up":
                question = {"text": text, "timestamp": row["timestamp"], "intent": intent}
                pending = question
            continue
        said = _said(row)
        if said and said not in SILENT_ACTIONS and row["type_name"] == "action":
            last_action = said
        # A clarification (button clicked after "Vouliez-vous dire") also runs the two-stage fallback
        # loop, to close it: only an unclear message, or one that got the default answer, counts.
        if (
            pending is not None
            and said in FALLBACK_ACTIONS
            and (pending["intent"] == "nlu_fallback" or said in GAVE_UP)
        ):
            found.append({**pending, "reason": "fallback"})
            pending = None
    return [{k: v for k, v in item.items() if k != "intent"} for item in found]


def group(messages: Iterable[Dict[str, Any]]) -> List[Unanswered]:
    """Group by normalised text (case, accents, punctuation); most frequent first, then most recent."""
    groups: Dict[str, Unanswered] = {}
    spellings: Dict[str, Dict[str, int]] = {}
    for message in messages:
        key = normalize(message["text"]) or message["text"].strip()
        entry = groups.setdefault(key, Unanswered(question=message["text"].strip()))
        entry.count += 1
        entry.fallbacks += message["reason"] == "fallback"
        entry.thumbs_down += message["reason"] == "thumbs_down"
        entry.last_seen = max(entry.last_seen, float(message["timestamp"] or 0))
        counts = spellings.setdefault(key, {})
        counts[message["text"].strip()] = counts.get(message["text"].strip(), 0) + 1
    for key, entry in groups.items():
        entry.question = max(spellings[key].items(), key=lambda item: item[1])[0]
    return sorted(groups.values(), key=lambda e: (-e.count, -e.last_seen))


def unanswered(days: float = 30, url: Optional[str] = None, now: Optional[float] = None) -> List[Unanswered]:
    """The grouped unanswered questions of the last `days` days."""
    since = (now if now is not None else time.time()) - days * 86400
    return group(unanswered_messages(read_events(url, since)))


def to_csv(entries: Iterable[Unanswered]) -> str:
    """CSV with a header row (UTF-8 text; Excel-friendly quoting)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        row = entry.as_dict()
        writer.writerow([row[column] for column in CSV_COLUMNS])
    return out.getvalue()
