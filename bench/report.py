"""Write a run's results as reports/bench/latest.json and reports/bench/REPORT.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Optional

from bench.baseline_cache import provenance
from bench.targets import RUN_BUDGET_S, evaluate, find_cell
from bench.training_profile import profile

PLOT_NAME = "latency.png"
TURN_PROFILE_NAME = "turn-profile.json"
SMALL_PART_MS = 1.0  # turn-profile parts below this are summed in one row
SYSTEMS = ("ours", "baseline", "floor")
SERVER_LABELS = {"rasa": "Rasa server", "action server": "action server", "floor": "floor server"}
METHOD = """\
- **Load generator**: `bench/loadgen.py`, asyncio + aiohttp, in its own process. No extra dependency
  (aiohttp already ships with Rasa), it times the full HTTP round trip as a client sees it, and it is
  closed-loop: N virtual users, each with its own sender id, post, wait for the whole reply, and post
  again until the cell's fixed request count is reached. A conversation lasts at most 10 messages
  (a generous patient session), then the virtual user starts a new one; the first message of each
  conversation is not timed (a new sender gets the session-start welcome) but counts in the
  throughput. Each server first gets a few unmeasured turns of every kind.
- **Kinds**: `faq` is answered by the ResponseSelector from the domain, `action` by a custom action
  (a round trip to the action server), `fallback` by the two-stage fallback (its state advances with
  each gibberish message of the same sender).
- **Floor**: `bench/floor.py`, a Sanic app (Rasa's Sanic version, 1 worker, 127.0.0.1) that parses the
  JSON body and returns a fixed reply: the least a turn can cost here.
- **Memory**: resident set size summed over each process tree (psutil; a page shared by two processes
  counts twice). Training peak: the largest of samples taken every 0.25 s.
- **Quality**: every message of `tests/nlu_test.yml` (never trained on) parsed by the served model
  (`/model/parse`, the server just measured, so no extra model load) and scored as `rasa test nlu`
  does (`bench/scoring.py`: a fallback prediction is undone, macro-F1 over gold and predicted labels,
  FAQ topics against the ResponseSelector); the fallback rate is the share of messages whose intent
  was `nlu_fallback` before that.
- **Workers**: the main table runs 1 Sanic worker on `endpoints.yml` (SQLite tracker store); the
  scaled-out table runs our model with 2 workers on `endpoints.prod.yml` (PostgreSQL tracker store,
  Redis lock store), both private instances started by the run on loopback ports.
- **Profiles**: the training's stages come from its own `rasa train` log (Rasa logs the start and end
  of each component, 1 s resolution; `bench/training_profile.py`); the FAQ turn's parts come from
  `bench/turn_profile.py` (our model in one process, a timing hook on every node of Rasa's graph, the
  tracker store's reads and writes and the action-server calls timed; no HTTP).
- **Order**: the training runs alone; each server is measured alone, and so is the turn profile. To
  keep the run short, the next server (and, last, the turn profile's process) loads its model while
  the server just measured scores the held-out set (untimed work), so a phase's wall time includes
  part of the next start-up.
- All servers listen on 127.0.0.1 only; the load generator shares the machine's cores with them."""


def _fmt(value: Optional[float], spec: str = ".1f", suffix: str = "") -> str:
    return "–" if value is None else f"{value:{spec}}{suffix}"


def _pct(value: Optional[float]) -> str:
    return "–" if value is None else f"{value * 100:.1f} %"


def _minutes(seconds: Optional[float]) -> str:
    return "–" if seconds is None else f"{seconds / 60:.1f} min"


def _ratio(value: Optional[float], reference: Optional[float]) -> Optional[float]:
    return value / reference if value is not None and reference else None


def _table(header: List[str], rows: List[List[str]]) -> List[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def _header(results: Dict[str, Any]) -> List[str]:
    machine = results["machine"]
    git = machine["git"]
    commit = (git.get("commit") or "unknown")[:10]
    dirty = " (with uncommitted changes)" if git.get("dirty") else ""
    packages = machine["packages"]
    end_load = results.get("load_average_at_end", {})
    mode = "quick smoke run" if results["quick"] else "full run"
    lines = [
        "# Benchmarks",
        "",
        f"{mode.capitalize()} of {results['finished_at']} on commit `{commit}`{dirty}, "
        f"{results['duration_s'] / 60:.1f} min in all.",
        f"Machine: {machine['cores']} cores ({machine['cpu_model']}), {machine['ram_gib']} GiB RAM, "
        f"Python {machine['python']}, Rasa {packages.get('rasa')}, Sanic {packages.get('sanic')}, "
        f"aiohttp {packages.get('aiohttp')}. Load average (1 min) at start "
        f"{machine['load_average_at_start']['1m']}, at end {end_load.get('1m')} "
        "(other work on the machine slows every number).",
    ]
    cache = results.get("baseline_cache") or {}
    if results.get("baseline_training_cached"):
        lines += [
            "",
            f"> **Baseline model reused, not trained in this run**: its training time and peak RSS are "
            f"{cache.get('label')} (the bench cache, same config, domain, data and Rasa version). "
            "Our model was trained in this run. `python -m bench.run --retrain-baseline` trains both.",
        ]
    if results["quick"]:
        lines += [
            "",
            "> **Quick smoke run**: no training, no baseline, no second worker, a few requests at "
            "concurrency 1 and 2 and one held-out message in 50. It checks that the harness works; its "
            "numbers are not the benchmark.",
        ]
    return lines


def _targets(results: Dict[str, Any]) -> List[str]:
    rows = evaluate(results)
    missed = [row["target"] for row in rows if row["status"] == "✗"]
    lines = ["", "## Targets", "", "Printed next to the numbers, not asserted.", ""]
    table = [[row["target"], row["measured"], row["limit"], row["status"]] for row in rows]
    lines += _table(["target", "measured", "limit", ""], table)
    lines += ["", "Missed: " + ("; ".join(missed) + "." if missed else "none.")]
    return lines


def _training(results: Dict[str, Any]) -> List[str]:
    lines = ["", "## Training", "", "Full `rasa train` of data/ and domain.yml from an empty Rasa cache.", ""]
    training = results.get("training", {})
    if not training:
        return [*lines, "Not measured (quick mode)."]
    rows = [
        [
            name,
            f"`{run['config']}`",
            _minutes(run["wall_s"]),
            _fmt(run["peak_rss_mib"], ".0f", " MiB"),
            _training_source(run),
        ]
        for name, run in training.items()
    ]
    lines += _table(["model", "config", "wall time", "peak RSS (process tree)", "measured"], rows)
    return lines + _training_profiles(training)


def _training_profiles(training: Dict[str, Any]) -> List[str]:
    """Where each training's time goes (bench/training_profile.py), longest stages first."""
    lines: List[str] = []
    for name, run in training.items():
        stages = run.get("profile")
        if not stages or not run.get("wall_s"):
            continue
        ranked = sorted(stages, key=lambda stage: -float(stage["seconds"]))
        rows = [
            [s["stage"], f"{float(s['seconds']):.0f} s", _pct(float(s["seconds"]) / run["wall_s"])]
            for s in ranked
        ]
        lines += [
            "",
            f"Where the training time of **{name}** goes (from its `rasa train` log, 1 s resolution):",
            "",
        ]
        lines += _table(["stage", "time", "share"], rows)
    return lines


def _training_source(run: Dict[str, Any]) -> str:
    """'this run', or where a reused (cached) training was measured: date, commit, machine."""
    if not run.get("cached"):
        return "this run"
    return f"**{provenance(run.get('cached_from') or {})}**; not trained in this run"


def _cell_row(system: str, cell: Dict[str, Any], results: Dict[str, Any]) -> List[str]:
    floor = find_cell(results, "floor", cell["kind"], cell["concurrency"]) or {}
    ratio = _ratio(cell.get("p95_ms"), floor.get("p95_ms"))
    return [
        system,
        cell["kind"],
        str(cell["concurrency"]),
        f"{cell['successes']}/{cell['requests']}",
        _fmt(cell.get("p50_ms")),
        _fmt(cell.get("p95_ms")),
        _fmt(cell.get("p99_ms")),
        _fmt(cell.get("messages_per_s")),
        _fmt(ratio, ".1f", " ×") if system != "floor" else "1",
    ]


SERVING_HEADER = ["system", "kind", "users", "ok", "p50 ms", "p95 ms", "p99 ms", "msg/s", "p95 / floor"]


def _serving(results: Dict[str, Any]) -> List[str]:
    serving = results.get("serving", {})
    lines = ["", "## Serving", "", "`POST /webhooks/rest/webhook`, 1 Sanic worker, SQLite tracker store.", ""]
    cells = [(system, cell) for system in SYSTEMS for cell in serving.get(system, {}).get("cells", [])]
    rows = [_cell_row(system, cell, results) for system, cell in cells]
    lines += _table(SERVING_HEADER, rows)
    if results.get("plot"):
        lines += ["", f"![FAQ latency percentiles by concurrency]({results['plot']})"]
    missing = [system for system in ("baseline",) if system not in serving]
    if missing:
        lines += ["", f"Not measured: {', '.join(missing)} (quick mode)."]
    return lines + _scaled(results)


def _scaled(results: Dict[str, Any]) -> List[str]:
    """Our model with several Sanic workers on the production stores, if the run measured it."""
    scaled = results.get("serving_scaled")
    if not scaled:
        return []
    title = f"ours, {scaled['workers']} workers"
    lines = ["", f"### Scaled out: {scaled['workers']} Sanic workers", ""]
    if scaled.get("skipped"):
        return [*lines, f"Not measured: {scaled['skipped']}."]
    lines += [f"Our model, {scaled['stores']}; same load, same action server.", ""]
    return lines + _table(SERVING_HEADER, [_cell_row(title, cell, results) for cell in scaled["cells"]])


def _turn_profile(results: Dict[str, Any]) -> List[str]:
    """Where the time of one FAQ turn goes inside the Rasa server (bench/turn_profile.py)."""
    turn = results.get("turn_profile")
    if not turn:
        return []
    total = turn["mean_turn_ms"]
    shown = [part for part in turn["parts_ms"] if part["ms"] >= SMALL_PART_MS]
    small = [part for part in turn["parts_ms"] if part["ms"] < SMALL_PART_MS]
    if small:
        names = ", ".join(part["part"] for part in small)
        shown.append({"part": f"{len(small)} other graph nodes ({names})", "ms": sum(p["ms"] for p in small)})
    rows = [[part["part"], _fmt(part["ms"], ".1f", " ms"), _pct(part["ms"] / total)] for part in shown]
    rows.append(["**total per turn, in process (no HTTP)**", f"**{total:.1f} ms**", "100.0 %"])
    lines = [
        "",
        "## Where the time of an FAQ turn goes",
        "",
        f"Measured {turn.get('measured_at', 'in this run')}. "
        f"Our model loaded in one process (`python -m bench.turn_profile`), {turn['turns']} turns of "
        f"\"{turn['message']}\" in conversations of {turn['conversation_turns']} messages (the first one "
        "untimed), as the load generator's virtual users send them; every node of Rasa's prediction "
        "graph, the tracker store and the action server calls timed. Mean per turn:",
        "",
    ]
    lines += _table(["part", "time per turn", "share"], rows)
    lines += [
        "",
        f"A turn gets slower as the conversation grows: in one conversation of {turn['turns']} turns, "
        f"{turn['long_conversation_first_10_turns_mean_ms']:.0f} ms on average for the first 10, "
        f"{turn['long_conversation_last_10_turns_mean_ms']:.0f} ms for the last 10 (Rasa reads the whole "
        "conversation from the tracker store, builds the policies' states from it and sends all of it to "
        "the action server).",
    ]
    return lines


def _memory(results: Dict[str, Any]) -> List[str]:
    lines = ["", "## Memory", "", "RSS of each server's process tree.", ""]
    measured = [(system, results.get("serving", {}).get(system, {}).get("rss_mib")) for system in SYSTEMS]
    scaled = results.get("serving_scaled") or {}
    if scaled.get("rss_mib"):
        measured.append((f"ours, {scaled['workers']} workers", scaled["rss_mib"]))
    rows = []
    for system, rss in measured:
        if not rss:
            continue
        for server in rss["after_warmup"]:
            label = SERVER_LABELS.get(server, server) + ("" if system == "floor" else f", {system} run")
            after_warmup, after_load = rss["after_warmup"][server], rss["after_load"].get(server)
            rows.append([label, _fmt(after_warmup, ".0f", " MiB"), _fmt(after_load, ".0f", " MiB")])
    return lines + _table(["process tree", "after warm-up", "after the load"], rows)


def _score(quality: Dict[str, Any], part: str, key: str) -> str:
    """A score of one system's quality section: accuracies and rates in %, F1 with 3 decimals."""
    scores = quality.get(part)
    if not scores or scores.get(key) is None:
        return "–"
    return f"{scores[key]:.3f}" if key == "macro_f1" else _pct(scores[key])


def _quality(results: Dict[str, Any]) -> List[str]:
    quality = results.get("quality", {})
    lines = ["", "## Answer quality", "", "Held-out set `tests/nlu_test.yml`, never trained on.", ""]
    if not quality.get("ours"):
        lines.append("Held-out evaluation: not measured (quick mode).")
    else:
        systems = [s for s in ("ours", "baseline") if quality.get(s)]
        measures = [
            ("intent accuracy", "intents", "accuracy"),
            ("intent macro-F1", "intents", "macro_f1"),
            ("response selection accuracy (faq/*)", "response_selection", "accuracy"),
            ("response selection macro-F1", "response_selection", "macro_f1"),
            ("fallback rate (nlu_fallback)", "fallback", "rate"),
        ]
        rows = [[label, *[_score(quality[s], part, key) for s in systems]] for label, part, key in measures]
        intents = quality["ours"]["intents"]
        selection = quality["ours"].get("response_selection") or {}
        lines += [f"{intents['examples']} messages, {selection.get('examples', 0)} of them FAQ (faq/*).", ""]
        lines += _table(["measure", *systems], rows)
        rescored = [system for system in systems if quality[system].get("rescored")]
        lines += [f"\n{system}: {quality[system]['rescored']}." for system in rescored]
        matrices = [png for s in systems for png in quality[s].get("confusion_matrices", [])]
        if matrices:
            names = ", ".join(f"[{Path(png).name}]({Path(png).name})" for png in matrices)
            lines += ["", f"Confusion matrices: {names}."]
    cv = quality.get("cross_validation", {})
    if cv.get("intents"):
        intents, selection = cv["intents"], cv.get("response_selection") or {}
        lines += [
            "",
            f"5-fold cross-validation of ours (too slow for this run; read from `{cv['source']}`, "
            f"written {cv['date']}): intents {_pct(intents['accuracy'])} / macro-F1 "
            f"{intents['macro_f1']:.3f}, response selection {_pct(selection.get('accuracy'))} / macro-F1 "
            f"{_fmt(selection.get('macro_f1'), '.3f')}.",
        ]
    else:
        lines += ["", f"5-fold cross-validation of ours: {cv.get('status', 'not measured (run make eval)')}."]
    return lines


def _phases(results: Dict[str, Any]) -> List[str]:
    """Total wall time of the run, and each phase's share; the rest (start-up, the action server's start
    and stop, copying the logs, writing the report) is one "other" row, so that the rows add up."""
    phases = results.get("phases", {})
    total = results.get("duration_s")
    notes = {}
    if results.get("baseline_training_cached"):
        notes["train baseline"] = "cached model reused, not trained"

    def share(seconds: Optional[float]) -> str:
        return _pct(seconds / total) if seconds is not None and total else "–"

    rows = [
        [name + (f" ({notes[name]})" if name in notes else ""), _fmt(seconds, ".0f", " s"), share(seconds)]
        for name, seconds in phases.items()
    ]
    if total is not None:
        other = max(total - sum(phases.values()), 0.0)
        rows.append(["other (start-up, action server, logs, report files)", f"{other:.0f} s", share(other)])
        rows.append(["**total**", f"**{total:.0f} s ({total / 60:.1f} min)**", "100.0 %"])
    budget = f"{RUN_BUDGET_S / 60:.0f} min"
    lines = ["", "## Run time by phase", ""]
    if total is not None:
        lines += [f"Total wall time of the run: {_minutes(total)} (budget {budget}).", ""]
    return lines + _table(["phase", "wall time", "share"], rows)


def markdown(results: Dict[str, Any]) -> str:
    """The human report: targets, training, serving (+ plot), memory, quality, method, phases."""
    parts = (
        _header(results) + _targets(results) + _training(results) + _serving(results) + _turn_profile(results)
    )
    parts += _memory(results) + _quality(results) + ["", "## Method", "", METHOD] + _phases(results)
    return "\n".join(parts) + "\n"


def write(results: Dict[str, Any], out_dir: Path) -> Dict[str, Path]:
    """Write latest.json (results + evaluated targets) and REPORT.md into `out_dir`; returns both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    document = {**results, "targets": evaluate(results)}
    paths = {"json": out_dir / "latest.json", "markdown": out_dir / "REPORT.md"}
    paths["json"].write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    paths["markdown"].write_text(markdown(results))
    return paths


def rerender(out_dir: Path) -> Dict[str, Path]:
    """Write REPORT.md and latest.json again from out_dir/latest.json, adding what runs made before
    bench/training_profile.py and bench/turn_profile.py lack: the training profiles (from
    out_dir/logs/train-<name>.log) and the turn profile (out_dir/turn-profile.json, written by
    `python -m bench.turn_profile --out`); `python -m bench.docs --rerender` calls it."""
    data = out_dir / "latest.json"
    if not data.exists():
        raise RuntimeError(f"No {data}: run `make bench` first.")
    results = json.loads(data.read_text())
    results.pop("targets", None)
    for name, run in results.get("training", {}).items():
        if not run.get("profile") and not run.get("cached"):
            run["profile"] = profile(out_dir / "logs" / f"train-{name}.log", run["wall_s"])
    turn = out_dir / TURN_PROFILE_NAME
    if not results.get("turn_profile") and turn.exists():
        results["turn_profile"] = json.loads(turn.read_text())
    return write(results, out_dir)
