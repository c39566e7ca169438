"""Find an event's class by its type name from a table instead of walking all Event subclasses each time.

Rasa 3.6 turns every stored or received event (`{"event": "user", ...}`) into an object with
`Event.resolve_by_type`, which lists every subclass of `Event` recursively (about 30 classes, each checked
with `inspect.isabstract`) for every single event. Reading a conversation back from the tracker store
does it once per event, at every turn: about 0.2 ms per event here, several milliseconds a turn, more as
the conversation grows. The class found for a type name is the one Rasa's own walk finds (it is that walk,
done once per name); names it does not know still go to Rasa's function (the "topic" case, the default,
the same ValueError).
"""

from __future__ import annotations

from typing import Dict, Optional, Type

from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

RASA_RESOLVE_BY_TYPE = Event.resolve_by_type  # Rasa's own (a staticmethod), kept for the tests and misses
_FOUND: Dict[str, Type[Event]] = {}


def resolve_by_type(type_name: str, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    """What Event.resolve_by_type returns, walking the subclasses only the first time a name is seen."""
    found = _FOUND.get(type_name)
    if found is not None:
        return found
    for cls in all_subclasses(Event):
        if cls.type_name == type_name:
            _FOUND[type_name] = cls
            return cls
    return RASA_RESOLVE_BY_TYPE(type_name, default)


def install() -> None:
    """Replace Event.resolve_by_type (idempotent)."""
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign]
