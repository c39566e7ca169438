"""The issue's targets, checked against a run's results (printed ✓/✗ next to the numbers, not asserted)."""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional

NOT_MEASURED = "–"
RSS_LIMIT_MIB = 1.3e9 / 2**20  # 1.3 GB = 1240 MiB
RUN_BUDGET_S = 15 * 60


def find_cell(results: Dict[str, Any], system: str, kind: str, concurrency: int) -> Optional[Dict[str, Any]]:
    """The load cell of `system` (ours, baseline, floor) for this kind and concurrency, if measured."""
    for cell in results.get("serving", {}).get(system, {}).get("cells", []):
        if cell["kind"] == kind and cell["concurrency"] == concurrency:
            return cell
    return None


def _cell_value(system: str, kind: str, concurrency: int, key: str) -> Callable[[Dict], Optional[float]]:
    def get(results: Dict[str, Any]) -> Optional[float]:
        cell = find_cell(results, system, kind, concurrency)
        return cell.get(key) if cell else None

    return get


def _ratio_to_floor(results: Dict[str, Any]) -> Optional[float]:
    ours = _cell_value("ours", "faq", 1, "p95_ms")(results)
    floor = _cell_value("floor", "faq", 1, "p95_ms")(results)
    return round(ours / floor, 2) if ours is not None and floor else None


def _training_s(results: Dict[str, Any]) -> Optional[float]:
    return results.get("training", {}).get("ours", {}).get("wall_s")


def _rasa_rss(results: Dict[str, Any]) -> Optional[float]:
    rss = results.get("serving", {}).get("ours", {}).get("rss_mib", {})
    values = [stage.get("rasa") for stage in rss.values() if stage.get("rasa") is not None]
    return max(values) if values else None


def _accuracy(system: str) -> Callable[[Dict], Optional[float]]:
    def get(results: Dict[str, Any]) -> Optional[float]:
        intents = results.get("quality", {}).get(system, {}).get("intents")
        return intents["accuracy"] if intents else None

    return get


def _ms(value: float) -> str:
    return f"{value:.1f} ms"


def _minutes(value: float) -> str:
    return f"{value / 60:.1f} min"


def _pct(value: float) -> str:
    return f"{value * 100:.1f} %"


# (what, measure, comparison, limit, how to print the measure); the limit may depend on the results.
TARGETS = [
    ("FAQ turn p95 at concurrency 1 ≤ 60 ms", _cell_value("ours", "faq", 1, "p95_ms"), "<=", 60.0, _ms),
    ("FAQ turn p95 at concurrency 1 ≤ 2.5 × the floor's", _ratio_to_floor, "<=", 2.5, lambda v: f"{v:.1f} ×"),
    (
        "FAQ throughput at concurrency 10 ≥ 40 messages/s",
        _cell_value("ours", "faq", 10, "messages_per_s"),
        ">=",
        40.0,
        lambda v: f"{v:.1f} msg/s",
    ),
    ("full training ≤ 4 min", _training_s, "<=", 240.0, _minutes),
    ("Rasa server RSS ≤ 1.3 GB", _rasa_rss, "<=", RSS_LIMIT_MIB, lambda v: f"{v:.0f} MiB"),
    ("held-out intent accuracy ≥ 95 %", _accuracy("ours"), ">=", 0.95, _pct),
    ("held-out intent accuracy ≥ the baseline's", _accuracy("ours"), ">=", _accuracy("baseline"), _pct),
    ("whole benchmark run ≤ 15 min", lambda r: r.get("duration_s"), "<=", float(RUN_BUDGET_S), _minutes),
]


def evaluate(results: Dict[str, Any]) -> List[Dict[str, Any]]:
    """One row per target: what, measured and limit (as text), status ✓ / ✗ / – (not measured), value."""
    rows = []
    for what, measure, comparison, limit, show in TARGETS:
        value = measure(results)
        bound = limit(results) if callable(limit) else limit
        if value is None or bound is None:
            row = {"measured": "not measured", "limit": show(bound) if bound is not None else "–"}
            rows.append({"target": what, **row, "status": NOT_MEASURED, "value": value})
            continue
        met = value <= bound if comparison == "<=" else value >= bound
        row = {"measured": show(value), "limit": show(bound), "status": "✓" if met else "✗"}
        rows.append({"target": what, **row, "value": value})
    return rows
