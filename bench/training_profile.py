"""Where a `rasa train` spends its time, read from its log (Rasa's training hooks log each component).

Rasa 3.6 logs "Starting to train component 'X'" and "Finished training component 'X'" with a timestamp
(1 s resolution). The stretches between them are the components' `process` steps on the training data
(tokenising, spaCy parsing, featurising) that the next trained component waits for; the stretch before
the first component is Python start-up, data validation and graph building; the stretch after the last
one is writing the model archive.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Dict, List, Optional

LINE = re.compile(
    r"^(?P<time>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) .*?"
    r"(?P<event>Starting to train|Finished training) component '(?P<name>[^']+)'"
)


def _events(text: str) -> List[tuple]:
    found = []
    for raw_line in text.replace("\r", "\n").splitlines():
        match = LINE.match(raw_line)
        if match:
            when = dt.datetime.strptime(match["time"], "%Y-%m-%d %H:%M:%S")
            found.append((when, match["event"].startswith("Starting"), match["name"]))
    return found


def _first_timestamp(text: str) -> Optional[dt.datetime]:
    match = re.search(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) ", text, re.M)
    return dt.datetime.strptime(match[1], "%Y-%m-%d %H:%M:%S") if match else None


def _stage(label: str, begin: dt.datetime, end: dt.datetime) -> Dict[str, object]:
    return {"stage": label, "seconds": (end - begin).total_seconds()}


def profile(
    log: Path, wall_s: float, started_at: Optional[float] = None
) -> Optional[List[Dict[str, object]]]:
    """Ordered stages [{"stage", "seconds"}] adding up to `wall_s`, or None if the log has no hook lines.

    `started_at` (time.time() when `rasa train` was launched) dates the start; without it the log's
    first line does, and the Python start-up before it counts in the last stage. Stages under 1 s are
    left out.
    """
    if not log.exists():
        return None
    text = log.read_text(errors="replace")
    events = _events(text)
    begin = dt.datetime.fromtimestamp(started_at) if started_at is not None else _first_timestamp(text)
    if not events or begin is None:
        return None
    # Rasa logs local time without a zone; time.time() converted by fromtimestamp matches it.
    stages = [_stage("start-up, data validation, graph building", begin, events[0][0])]
    started: Dict[str, dt.datetime] = {}
    previous_end: Optional[dt.datetime] = None
    for when, is_start, name in events:
        if is_start:
            if previous_end is not None:
                stages.append(_stage(f"processing the training data before {name}", previous_end, when))
            started[name] = when
        elif name in started:
            stages.append(_stage(f"training {name}", started.pop(name), when))
            previous_end = when
    accounted = sum(float(stage["seconds"]) for stage in stages)
    stages.append({"stage": "writing the model archive", "seconds": max(wall_s - accounted, 0.0)})
    return [stage for stage in stages if float(stage["seconds"]) >= 1]
