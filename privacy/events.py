"""Redaction of serialised Rasa events (``event.as_dict()``) before they are stored."""

from __future__ import annotations

import re
from typing import Any, Dict, List

from privacy.redact import PHONE, redact, redact_with_spans, shift

# The callback form keeps the validated number (E.164, set by validate_callback_form) in this slot while
# the form runs: the tracker is read back from the store on every turn, and action_submit_callback needs it.
# It is masked in the stored history as soon as the form ends (see RedactingSQLTrackerStore).
KEPT_SLOT_VALUES = {"callback_phone": re.compile(r"\+\d{8,15}")}


def _redact_parse_data(parse_data: Dict[str, Any]) -> Dict[str, Any]:
    text = parse_data.get("text")
    if not isinstance(text, str):
        return parse_data
    redacted, placed = redact_with_spans(text)
    result = dict(parse_data, text=redacted)
    entities: List[Dict[str, Any]] = []
    for entity in parse_data.get("entities") or []:
        start, end = entity.get("start"), entity.get("end")
        if not isinstance(start, int) or not isinstance(end, int):
            entities.append(dict(entity, value=redact(str(entity.get("value", "")))))
            continue
        covering = [span for span, _, _ in placed if span.start < end and start < span.end]
        entity = dict(entity, start=shift(start, placed), end=shift(end, placed))
        if covering:
            entity["value"] = covering[0].placeholder
            entity["end"] = max(entity["end"], entity["start"] + len(covering[0].placeholder))
        entities.append(entity)
    result["entities"] = entities
    return result


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [_redact_value(item) for item in value]
    return value


def redact_event(data: Dict[str, Any]) -> Dict[str, Any]:
    """A copy of one serialised event with the personal data of its texts replaced by placeholders.

    user: ``text``, ``parse_data.text`` and the entities covering a redacted span; bot: ``text`` (the
    callback confirmation repeats the number); slot: string values (``from_text`` slots copy the user's
    message), except the validated callback number while the form needs it (KEPT_SLOT_VALUES).
    """
    kind = data.get("event")
    if kind == "user":
        result = dict(data, text=redact(data.get("text")))
        if isinstance(data.get("parse_data"), dict):
            result["parse_data"] = _redact_parse_data(data["parse_data"])
        return result
    if kind == "bot":
        return dict(data, text=redact(data.get("text")))
    if kind == "slot":
        kept = KEPT_SLOT_VALUES.get(data.get("name", ""))
        value = data.get("value")
        if kept is not None and isinstance(value, str) and kept.fullmatch(value):
            return data
        return dict(data, value=_redact_value(value))
    return data


def masked_slot(data: Dict[str, Any]) -> Dict[str, Any]:
    """A kept slot value replaced by its placeholder (when the form that needed it is over)."""
    return dict(data, value=PHONE) if isinstance(data.get("value"), str) else data
