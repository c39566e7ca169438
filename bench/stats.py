"""Latency statistics: percentiles and the summary of one load cell."""

from __future__ import annotations

import math
from typing import Dict, Sequence


def percentile(values: Sequence[float], pct: float) -> float:
    """The `pct`-th percentile (0–100) of `values`, by linear interpolation between closest ranks.

    Same definition as numpy's default ("linear"): for [1, 2, ..., 100], p50 = 50.5 and p99 = 99.01.
    """
    if not values:
        raise ValueError("percentile() needs at least one value; the load cell recorded no success.")
    if not 0 <= pct <= 100:
        raise ValueError(f"The percentile must be between 0 and 100, not {pct}.")
    ordered = sorted(values)
    rank = pct / 100 * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarize(
    latencies_s: Sequence[float], errors: int, wall_s: float, unmeasured_ok: int = 0
) -> Dict[str, float]:
    """p50/p95/p99/mean/max in milliseconds and messages per second for one cell of the load test.

    `unmeasured_ok` messages were answered during `wall_s` without being timed (the first message of a
    new conversation): they count in the throughput, not in the latencies.
    """
    ok = len(latencies_s)
    summary: Dict[str, float] = {
        "requests": ok + errors,
        "successes": ok,
        "errors": errors,
        "wall_s": round(wall_s, 3),
        "messages_per_s": round((ok + unmeasured_ok) / wall_s, 2) if wall_s > 0 else 0.0,
    }
    if ok:
        ms = [value * 1000 for value in latencies_s]
        for pct in (50, 95, 99):
            summary[f"p{pct}_ms"] = round(percentile(ms, pct), 2)
        summary["mean_ms"] = round(sum(ms) / ok, 2)
        summary["max_ms"] = round(max(ms), 2)
    return summary
