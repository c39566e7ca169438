"""Serving measurements: the load plan, the load generator in its own process, RSS around the load."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any, Dict, List, Tuple

from bench.loadgen import Cell
from bench.memory import tree, tree_rss_mib
from bench.paths import ROOT
from bench.servers import Server

# One message per kind of turn: a domain answer picked by the ResponseSelector, an answer built by a
# custom action (action server round trip), and the two-stage fallback.
MESSAGES: Dict[str, str] = {
    "faq": "Quelles sont les valeurs de l'ICM ?",
    "action": "parle moi du 3eme engagement",
    "fallback": "zkqj wxxv plmf",
}
# Requests per cell, by concurrency: fixed counts keep the whole run inside its time budget.
FULL_REQUESTS = {1: 60, 10: 120, 50: 120}
QUICK_REQUESTS = {1: 4, 2: 6}
WARMUP_REQUESTS = {"full": 10, "quick": 2}
# The scaled-out run: Sanic workers of one Rasa server, on the stores that make them safe.
SCALED_WORKERS = 2
SCALED_STORES = "endpoints.prod.yml: PostgreSQL tracker store, Redis lock store (AtomicRedisLockStore)"


def plan(quick: bool) -> Tuple[List[Cell], List[Cell]]:
    """(warm-up cells, measured cells): every kind at every concurrency of the mode."""
    per_concurrency = QUICK_REQUESTS if quick else FULL_REQUESTS
    warmup_count = WARMUP_REQUESTS["quick" if quick else "full"]
    warmup = [Cell(kind, message, 1, warmup_count) for kind, message in MESSAGES.items()]
    cells = [
        Cell(kind, message, concurrency, requests)
        for kind, message in MESSAGES.items()
        for concurrency, requests in per_concurrency.items()
    ]
    return warmup, cells


def run_load(server: Server, cells: List[Cell], workdir: Path, label: str) -> List[Dict[str, Any]]:
    """Run `cells` against the server's REST webhook with `python -m bench.loadgen` (a separate process)."""
    tag = uuid.uuid4().hex[:8]
    plan_file, out_file = workdir / f"plan-{tag}.json", workdir / f"load-{tag}.json"
    plan_file.write_text(json.dumps({"run_id": tag, "cells": [asdict(cell) for cell in cells]}))
    command = [sys.executable, "-m", "bench.loadgen", "--url", server.webhook, "--plan", str(plan_file)]
    command += ["--out", str(out_file), "--label", label]
    result = subprocess.run(command, cwd=ROOT)
    if result.returncode != 0:
        raise RuntimeError(
            f"The load generator failed against the {server.name} (exit code {result.returncode}); "
            "its error is printed above."
        )
    return json.loads(out_file.read_text())


def measure(
    target: Server, watched: Dict[str, Server], quick: bool, workdir: Path, label: str
) -> Dict[str, Any]:
    """Warm up, take the RSS of the watched process trees, run the measured cells, take the RSS again."""
    warmup, cells = plan(quick)
    run_load(target, warmup, workdir, f"{label} warm-up ")
    after_warmup = {name: tree_rss_mib(server.pid) for name, server in watched.items()}
    results = run_load(target, cells, workdir, f"{label} ")
    after_load = {name: tree_rss_mib(server.pid) for name, server in watched.items()}
    return {
        "cells": results,
        "rss_mib": {"after_warmup": after_warmup, "after_load": after_load},
        "processes_in_tree": {name: len(tree(server.pid)) for name, server in watched.items()},
    }
