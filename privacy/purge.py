"""Retention: delete conversations and action-server rows older than N days.

    python -m privacy.purge --days 90 [--db-url URL] [--actions-db-url URL] [--dry-run]

- Tracker store: every conversation whose *last* event is older than N days (all its events, every
  session). URL: --db-url, else ICM_TRACKER_DB_URL, else PostgreSQL from ICM_PG_HOST/PORT/DB/USER/PASSWORD
  (as in endpoints.prod.yml) when ICM_PG_HOST is set, else the SQLite file RASA_TRACKER_DB
  (default var/tracker.db).
- Action server (actions/store.py): callback requests (open or closed) and answer feedback created more
  than N days ago. URL: --actions-db-url, else ICM_ACTIONS_DB_URL, else var/actions.db.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Dict, List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

from actions import store

ROOT = Path(__file__).resolve().parent.parent


def tracker_db_url(env: Optional[Dict[str, str]] = None) -> str:
    """The tracker store's SQLAlchemy URL from the environment (see the module docstring)."""
    env = dict(os.environ if env is None else env)
    if env.get("ICM_TRACKER_DB_URL"):
        return env["ICM_TRACKER_DB_URL"]
    if env.get("ICM_PG_HOST"):
        url = URL.create(
            "postgresql",
            username=env.get("ICM_PG_USER") or None,
            password=env.get("ICM_PG_PASSWORD") or None,
            host=env["ICM_PG_HOST"],
            port=int(env["ICM_PG_PORT"]) if env.get("ICM_PG_PORT") else None,
            database=env.get("ICM_PG_DB") or None,
            query={"sslmode": env["ICM_PG_SSLMODE"]} if env.get("ICM_PG_SSLMODE") else {},
        )
        return url.render_as_string(hide_password=False)
    path = Path(env.get("RASA_TRACKER_DB") or "var/tracker.db")
    return f"sqlite:///{path if path.is_absolute() else ROOT / path}"


def _missing_sqlite_file(url: str) -> bool:
    """True for a SQLite URL whose file does not exist (nothing to purge; do not create it)."""
    parsed = make_url(url)
    return (
        parsed.get_backend_name() == "sqlite" and bool(parsed.database) and not Path(parsed.database).exists()
    )


def purge_tracker_store(url: str, days: int, dry_run: bool = False) -> Dict[str, int]:
    """Delete the conversations whose last event is older than `days`; count what was (would be) deleted."""
    if _missing_sqlite_file(url):
        return {"conversations": 0, "events": 0}
    cutoff = time.time() - days * 86400
    engine = sa.create_engine(url, future=True)
    try:
        if not sa.inspect(engine).has_table("events"):
            return {"conversations": 0, "events": 0}
        old = sa.text("SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff")
        with engine.begin() as conn:
            senders: List[str] = [row[0] for row in conn.execute(old, {"cutoff": cutoff})]
            events = 0
            for start in range(0, len(senders), 500):
                chunk = {"senders": senders[start : start + 500]}
                statement = "FROM events WHERE sender_id IN :senders"
                count = sa.text(f"SELECT COUNT(*) {statement}").bindparams(
                    sa.bindparam("senders", expanding=True)
                )
                events += conn.execute(count, chunk).scalar_one()
                if not dry_run:
                    delete = sa.text(f"DELETE {statement}").bindparams(
                        sa.bindparam("senders", expanding=True)
                    )
                    conn.execute(delete, chunk)
        return {"conversations": len(senders), "events": events}
    finally:
        engine.dispose()


def purge_actions_db(url: str, days: int, dry_run: bool = False) -> Dict[str, int]:
    """Delete callback requests and feedback created more than `days` ago; count them."""
    counts: Dict[str, int] = {"callback_requests": 0, "feedback": 0}
    if _missing_sqlite_file(url):
        return counts
    cutoff = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(days=days)
    with Session(store.engine(url)) as session, session.begin():
        for name, table in (("callback_requests", store.CallbackRequest), ("feedback", store.Feedback)):
            query = session.query(table).filter(table.created_at < cutoff)
            counts[name] = query.count()
            if not dry_run:
                query.delete(synchronize_session=False)
    return counts


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def main(argv: Optional[List[str]] = None) -> int:
    """Run the CLI; return the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m privacy.purge", description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, required=True, help="keep what is newer than this many days")
    parser.add_argument("--db-url", help="tracker store SQLAlchemy URL (default: from the environment)")
    parser.add_argument("--actions-db-url", help="action server database URL (default: ICM_ACTIONS_DB_URL)")
    parser.add_argument("--dry-run", action="store_true", help="count what would be deleted, delete nothing")
    args = parser.parse_args(argv)
    if args.days < 1:
        parser.error(f"--days must be 1 or more (got {args.days}): it is how many days of data to keep.")

    tracker_url = args.db_url or tracker_db_url()
    actions_url = args.actions_db_url or store.database_url()
    verb = "would be deleted (dry run)" if args.dry_run else "deleted"
    try:
        tracker = purge_tracker_store(tracker_url, args.days, args.dry_run)
        actions = purge_actions_db(actions_url, args.days, args.dry_run)
    except sa.exc.SQLAlchemyError as error:
        print(
            f"error: purge failed ({type(error).__name__}: {str(error).splitlines()[0]}). Check the database "
            "URL and that the database is running; nothing was deleted from the database that failed.",
            file=sys.stderr,
        )
        return 1
    print(
        f"Tracker store {_shown(tracker_url)}: {tracker['conversations']} conversations "
        f"({tracker['events']} events) with no activity for {args.days} days {verb}."
    )
    print(
        f"Action server {_shown(actions_url)}: {actions['callback_requests']} callback requests and "
        f"{actions['feedback']} feedback answers older than {args.days} days {verb}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
