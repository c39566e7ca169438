"""Retention CLI: conversations idle for N days and old action-server rows are deleted, recent ones kept.

Rows are written by the real tracker store (SQLite, and PostgreSQL from tests/pg_redis.py) and by
actions/store.py, then aged by their timestamps.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from datetime import datetime, timedelta, timezone
from typing import Dict, Iterable, List

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, text

from actions import store
from privacy import purge
from privacy.store import RedactingSQLTrackerStore
from tests.pg_redis import PgRedis, missing_reason

DAY = 86400
# sender → age in days of each of its events (user message, bot answer, ...)
CONVERSATIONS: Dict[str, List[float]] = {
    "old": [120, 120],  # idle for 120 days: deleted
    "old-long": [200, 200, 95, 95],  # last message 95 days ago: deleted with all its events
    "recent": [1, 1],  # kept
    "started-long-ago": [150, 150, 10, 10],  # still active 10 days ago: kept entirely
}


def write_conversations(tracker_store: RedactingSQLTrackerStore, conversations=CONVERSATIONS) -> None:
    now = time.time()
    for sender, ages in conversations.items():
        events = []
        for turn, age in enumerate(ages):
            kind = UserUttered if turn % 2 == 0 else BotUttered
            events.append(kind(f"{sender} message {turn}", timestamp=now - age * DAY))
        asyncio.run(tracker_store.save(DialogueStateTracker.from_events(sender, events)))


def senders(url: str) -> List[str]:
    engine = create_engine(url, future=True)
    with engine.connect() as conn:
        found = sorted(row[0] for row in conn.execute(text("SELECT DISTINCT sender_id FROM events")))
    engine.dispose()
    return found


def age_rows(actions_url: str, table: str, ids: Iterable[int], days: int) -> None:
    when = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(days=days)
    with store.engine(actions_url).begin() as conn:
        for row_id in ids:
            conn.execute(
                text(f"UPDATE {table} SET created_at = :when WHERE id = :id"), {"when": when, "id": row_id}
            )


@pytest.fixture
def sqlite_urls(tmp_path):
    tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    write_conversations(
        RedactingSQLTrackerStore(domain=Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db"))
    )
    return tracker_url, f"sqlite:///{tmp_path / 'actions.db'}"


def test_dry_run_counts_and_deletes_nothing(sqlite_urls, capsys):
    tracker_url, actions_url = sqlite_urls
    assert (
        purge.main(["--days", "90", "--db-url", tracker_url, "--actions-db-url", actions_url, "--dry-run"])
        == 0
    )
    out = capsys.readouterr().out
    assert "2 conversations (6 events)" in out and "would be deleted (dry run)" in out
    assert senders(tracker_url) == ["old", "old-long", "recent", "started-long-ago"]


def test_idle_conversations_are_deleted_with_all_their_events_and_active_ones_kept(sqlite_urls, capsys):
    tracker_url, actions_url = sqlite_urls
    assert purge.main(["--days", "90", "--db-url", tracker_url, "--actions-db-url", actions_url]) == 0
    assert "2 conversations (6 events) with no activity for 90 days deleted" in capsys.readouterr().out
    assert senders(tracker_url) == ["recent", "started-long-ago"]
    with sqlite3.connect(tracker_url[len("sqlite:///") :]) as db:
        assert db.execute("SELECT COUNT(*) FROM events WHERE sender_id = 'started-long-ago'").fetchone() == (
            4,
        )


def test_old_callback_requests_and_feedback_are_deleted(sqlite_urls, capsys):
    tracker_url, actions_url = sqlite_urls
    old_open = store.save_callback("+33612345601", "morning", "fr", url=actions_url)
    old_closed = store.save_callback("+33612345602", "any", "en", url=actions_url)
    store.close_callback(old_closed, url=actions_url)
    recent = store.save_callback("+33612345603", "afternoon", "fr", url=actions_url)
    store.save_feedback("faq/ald", "fr", True, url=actions_url)
    store.save_feedback("centre_finder", "en", False, url=actions_url)
    age_rows(actions_url, "callback_requests", [old_open, old_closed], days=91)
    age_rows(actions_url, "answer_feedback", [1], days=120)

    assert purge.main(["--days", "90", "--db-url", tracker_url, "--actions-db-url", actions_url]) == 0
    assert "2 callback requests and 1 feedback answers older than 90 days deleted" in capsys.readouterr().out
    assert [row["id"] for row in store.list_callbacks(include_closed=True, url=actions_url)] == [recent]
    with store.engine(actions_url).connect() as conn:
        assert conn.execute(text("SELECT answer_id FROM answer_feedback")).fetchall() == [("centre_finder",)]


def test_days_must_be_positive(capsys):
    with pytest.raises(SystemExit) as stopped:
        purge.main(["--days", "0"])
    assert stopped.value.code == 2
    assert "--days must be 1 or more" in capsys.readouterr().err


def test_an_unreachable_database_is_reported_in_one_sentence(tmp_path, capsys):
    url = "postgresql://nobody@127.0.0.1:1/none"
    assert (
        purge.main(["--days", "90", "--db-url", url, "--actions-db-url", f"sqlite:///{tmp_path}/a.db"]) == 1
    )
    assert "error: purge failed" in capsys.readouterr().err


def test_the_tracker_url_comes_from_the_environment():
    assert purge.tracker_db_url({"ICM_TRACKER_DB_URL": "postgresql://u@h/db"}) == "postgresql://u@h/db"
    assert (
        purge.tracker_db_url(
            {
                "ICM_PG_HOST": "db",
                "ICM_PG_PORT": "5432",
                "ICM_PG_DB": "icm",
                "ICM_PG_USER": "rasa",
                "ICM_PG_PASSWORD": "p@ss",
            }
        )
        == "postgresql://rasa:p%40ss@db:5432/icm"
    )
    assert purge.tracker_db_url({"RASA_TRACKER_DB": "/data/tracker.db"}) == "sqlite:////data/tracker.db"


@pytest.mark.integration
def test_purge_on_postgresql(tmp_path, capsys):
    reason = missing_reason()
    if reason:
        pytest.skip(reason)
    with PgRedis() as stores:
        env = stores.env()
        write_conversations(
            RedactingSQLTrackerStore(
                domain=Domain.empty(),
                dialect="postgresql",
                host=env["ICM_PG_HOST"],
                port=env["ICM_PG_PORT"],
                db=env["ICM_PG_DB"],
                username=env["ICM_PG_USER"],
            )
        )
        actions_url = f"sqlite:///{tmp_path / 'actions.db'}"
        assert purge.main(["--days", "90", "--db-url", stores.url, "--actions-db-url", actions_url]) == 0
        assert "2 conversations (6 events)" in capsys.readouterr().out
        assert senders(stores.url) == ["recent", "started-long-ago"]
