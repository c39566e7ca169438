"""The report's plot: FAQ latency percentiles by concurrency, ours vs baseline vs floor."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Optional

import matplotlib

matplotlib.use("Agg")  # before pyplot: no display
import matplotlib.pyplot as plt

COLOURS = {"ours": "tab:blue", "baseline": "tab:orange", "floor": "tab:gray"}
PERCENTILES = ("p50", "p95", "p99")


def latency_plot(results: Dict[str, Any], path: Path, kind: str = "faq") -> Optional[Path]:
    """Write a PNG with one panel per percentile; returns its path, or None if nothing was measured."""
    series = {}
    for system in COLOURS:
        cells = [c for c in results.get("serving", {}).get(system, {}).get("cells", []) if c["kind"] == kind]
        cells = [c for c in cells if c.get("successes")]
        if cells:
            series[system] = sorted(cells, key=lambda cell: cell["concurrency"])
    if not series:
        return None
    concurrencies = sorted({cell["concurrency"] for cells in series.values() for cell in cells})
    figure, axes = plt.subplots(1, len(PERCENTILES), figsize=(11, 3.8), sharey=True)
    for axis, pct in zip(axes, PERCENTILES):
        for system, cells in series.items():
            xs = [concurrencies.index(cell["concurrency"]) for cell in cells]
            ys = [cell[f"{pct}_ms"] for cell in cells]
            axis.plot(xs, ys, marker="o", label=system, color=COLOURS[system])
        axis.set_title(f"{pct} latency, {kind} turn")
        axis.set_xticks(range(len(concurrencies)), [str(c) for c in concurrencies])
        axis.set_xlabel("concurrent virtual users")
        axis.set_yscale("log")
        axis.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("ms (log scale)")
    axes[-1].legend()
    figure.suptitle("REST webhook round trip, 1 Sanic worker, 127.0.0.1")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
