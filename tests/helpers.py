"""Shared helpers for the tests: trackers for rasa-sdk actions, free ports, project paths."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

ROOT = Path(__file__).resolve().parent.parent
FACTS = ROOT.parent / "shared" / "content" / "facts.md"


def make_tracker(
    text: str,
    intent: str,
    entities: Iterable[Dict[str, Any]] = (),
    slots: Optional[Dict[str, Any]] = None,
    parse_data: Optional[Dict[str, Any]] = None,
) -> Tracker:
    """A tracker whose latest user message is `text`, classified as `intent` (plus any extra parse data)."""
    return Tracker(
        sender_id="unit-test",
        slots={"language": "fr", "commitment_number": None, **(slots or {})},
        latest_message={
            "text": text,
            "intent": {"name": intent, "confidence": 1.0},
            "entities": list(entities),
            **(parse_data or {}),
        },
        events=[],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


async def run_action(action, tracker: Tracker) -> tuple:
    """Run a rasa-sdk action; return (texts the bot said, events it returned).

    A domain response sent by name appears in the texts as its name, e.g. "utter_welcome".
    """
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    texts: List[str] = [m.get("text") or m.get("response") or "" for m in dispatcher.messages]
    return texts, events


def makefile_default(name: str) -> Optional[str]:
    """The Makefile's default for `name` (`NAME ?= value`), or a line making one with local_secret.sh."""
    makefile = (ROOT / "Makefile").read_text()
    match = re.search(rf"^(?:export\s+)?{name}\s*\??=[ \t]*(.*)$", makefile, re.M)
    if match and match.group(1).strip():
        return match.group(1).strip()
    generated = [line for line in makefile.splitlines() if name in line and "local_secret.sh" in line]
    return generated[0].strip() if generated else None
