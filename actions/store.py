"""Where the action server keeps callback requests and answer feedback (SQLAlchemy).

SQLite in `var/actions.db` by default; set ICM_ACTIONS_DB_URL to use another database, e.g.
`postgresql://user:password@host:5432/icm`. No message text and no health detail is ever stored here.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional

from sqlalchemy import Column, DateTime, Integer, String, create_engine, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, declarative_base

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = f"sqlite:///{ROOT / 'var' / 'actions.db'}"
OPEN, CLOSED = "open", "closed"
TIME_SLOTS = ("morning", "afternoon", "any")

Base = declarative_base()


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class CallbackRequest(Base):
    """A patient's request to be called back by reception (phone in E.164, time slot, consent given)."""

    __tablename__ = "callback_requests"
    id = Column(Integer, primary_key=True)
    created_at = Column(DateTime, nullable=False, default=_now)
    phone = Column(String(20), nullable=False)
    time_slot = Column(String(16), nullable=False)
    language = Column(String(2), nullable=False)
    status = Column(String(8), nullable=False, default=OPEN)
    closed_at = Column(DateTime)

    def as_dict(self) -> Dict[str, Any]:
        """JSON-friendly view (UTC times in ISO 8601)."""
        return {
            "id": self.id,
            "created_at": self.created_at.isoformat(timespec="seconds") + "Z",
            "phone": self.phone,
            "time_slot": self.time_slot,
            "language": self.language,
            "status": self.status,
            "closed_at": self.closed_at.isoformat(timespec="seconds") + "Z" if self.closed_at else None,
        }


class Feedback(Base):
    """👍 / 👎 on one answer: its ID, the conversation language and the time — never the message text."""

    __tablename__ = "answer_feedback"
    id = Column(Integer, primary_key=True)
    created_at = Column(DateTime, nullable=False, default=_now)
    answer_id = Column(String(80), nullable=False)
    language = Column(String(2), nullable=False)
    helpful = Column(Integer, nullable=False)  # 1 = 👍, 0 = 👎


def database_url() -> str:
    """ICM_ACTIONS_DB_URL, or the SQLite file under var/."""
    return os.environ.get("ICM_ACTIONS_DB_URL") or DEFAULT_URL


def printable_database_url() -> str:
    """database_url() with any password masked, for log messages."""
    return make_url(database_url()).render_as_string(hide_password=True)


def engine(url: Optional[str] = None) -> Engine:
    """An engine for `url` (default: database_url()), with the tables created if missing."""
    return _engine_for(url or database_url())


@lru_cache(maxsize=8)
def _engine_for(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
    created = create_engine(url, future=True, pool_pre_ping=True)
    Base.metadata.create_all(created)
    return created


def save_callback(phone: str, time_slot: str, language: str, url: Optional[str] = None) -> int:
    """Store a callback request; return its number."""
    if time_slot not in TIME_SLOTS:
        raise ValueError(f"time_slot must be one of {TIME_SLOTS}, not {time_slot!r}")
    with Session(engine(url)) as session, session.begin():
        request = CallbackRequest(phone=phone, time_slot=time_slot, language=language)
        session.add(request)
        session.flush()
        return request.id


def list_callbacks(include_closed: bool = False, url: Optional[str] = None) -> List[Dict[str, Any]]:
    """Callback requests, oldest first (open ones only unless include_closed)."""
    query = select(CallbackRequest).order_by(CallbackRequest.created_at, CallbackRequest.id)
    if not include_closed:
        query = query.where(CallbackRequest.status == OPEN)
    with Session(engine(url)) as session:
        return [row.as_dict() for row in session.scalars(query)]


def close_callback(request_id: int, url: Optional[str] = None) -> bool:
    """Mark a request as handled; False when there is no open request with that number."""
    with Session(engine(url)) as session, session.begin():
        request = session.get(CallbackRequest, request_id)
        if request is None or request.status != OPEN:
            return False
        request.status, request.closed_at = CLOSED, _now()
        return True


def save_feedback(answer_id: str, language: str, helpful: bool, url: Optional[str] = None) -> None:
    """Store one 👍 / 👎."""
    with Session(engine(url)) as session, session.begin():
        session.add(Feedback(answer_id=answer_id, language=language, helpful=int(helpful)))
