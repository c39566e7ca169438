"""`make bench`: training, serving latency/throughput/memory and answer quality, ours vs baseline vs floor.

    python -m bench.run            # full run: trains ours; trains the baseline only if its cache is stale
    python -m bench.run --retrain-baseline   # full run, training the baseline again whatever its cache
    python -m bench.run --quick    # smoke run: served models/icm.tar.gz and the floor, a few requests

Our model is trained from an empty Rasa cache in every full run. The baseline (38 min to train on 2
cores) is reused from $ICM_BENCH_CACHE (default ~/.cache/icm-assistant/bench-baseline) while
bench/config.baseline.yml, domain.yml, data/ and the Rasa version are unchanged; its training time and
peak RSS are then those of the cached training, labelled as such in the report (bench/baseline_cache.py).

Writes latest.json, REPORT.md, the latency plot and the confusion matrices into --out.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, ContextManager, Dict, Iterator, List, Optional

from bench import baseline_cache, configs, quality, report, serving
from bench.background import BackgroundEnter
from bench.loadgen import CONVERSATION_TURNS
from bench.machine import describe_machine, load_average
from bench.paths import DEFAULT_MODEL, ROOT, loaded_marker, relative
from bench.plot import latency_plot
from bench.servers import Server, action_server, floor_server, rasa_server, stop
from bench.training import train
from tests.pg_redis import PgRedis, missing_reason

FULL_OUT = ROOT / "reports" / "bench"
QUICK_OUT = ROOT / "reports" / "bench-quick"


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class Phases:
    """Numbered progress headers and the wall time of each phase (kept in results["phases"])."""

    def __init__(self, names: List[str], timings: Dict[str, float], started: Optional[float] = None) -> None:
        self.names = names
        self.timings = timings
        self.started = time.monotonic() if started is None else started

    @contextlib.contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        number = self.names.index(name) + 1
        elapsed = time.monotonic() - self.started
        print(f"==> [{number}/{len(self.names)}] {name} (run time so far {elapsed / 60:.1f} min)", flush=True)
        started = time.monotonic()
        try:
            yield
        finally:
            self.timings[name] = round(time.monotonic() - started, 1)


LABELS = {"ours": "ours", "baseline": "the baseline"}
QUICK_HELD_OUT_EVERY = 50  # the smoke run scores one held-out message in 50


def _phase_names(quick: bool) -> List[str]:
    if quick:
        return ["floor load", "serve ours", "held-out evaluation of ours", "report"]
    return [
        "train ours",
        "train baseline",
        "floor load",
        "serve ours",
        "held-out evaluation of ours",
        "serve baseline",
        "held-out evaluation of the baseline",
        f"serve ours with {serving.SCALED_WORKERS} workers",
        "profile a turn of ours",
        "report",
    ]


def _settings(quick: bool) -> Dict[str, Any]:
    warmup, cells = serving.plan(quick)
    return {
        "sanic_workers": 1,
        "messages": serving.MESSAGES,
        "requests_per_cell": {str(c.concurrency): c.requests for c in cells if c.kind == "faq"},
        "warmup_requests_per_kind": warmup[0].requests,
        "conversation_turns": CONVERSATION_TURNS,
        "scaled_workers": None if quick else serving.SCALED_WORKERS,
        "held_out": "tests/nlu_test.yml" + (f" (one message in {QUICK_HELD_OUT_EVERY})" if quick else ""),
        "configs": {"ours": relative(configs.OURS), "baseline": relative(configs.BASELINE)},
    }


def _train_both(
    results: Dict[str, Any], phase: Phases, workdir: Path, retrain_baseline: bool
) -> Dict[str, Path]:
    """Train ours from an empty cache; reuse the cached baseline when its key matches, else train it."""
    models = {}
    with phase("train ours"):
        results["training"]["ours"], models["ours"] = train(
            "ours", configs.OURS, workdir, workdir / "train-ours.log"
        )
    with phase("train baseline"):
        key = baseline_cache.cache_key(
            configs.BASELINE, ROOT / "domain.yml", ROOT / "data", baseline_cache.rasa_version()
        )
        measures, models["baseline"], cache = baseline_cache.baseline_model(
            key,
            lambda: train("baseline", configs.BASELINE, workdir, workdir / "train-baseline.log"),
            workdir,
            results["machine"],
            retrain=retrain_baseline,
        )
        results["training"]["baseline"] = measures
        results["baseline_training_cached"] = cache["hit"]
        results["baseline_cache"] = cache
        if cache["hit"]:
            print(
                f"    reused the baseline model {cache['label']} (key {key[:12]}; "
                "--retrain-baseline trains it again)",
                flush=True,
            )
        else:
            where = relative(baseline_cache.CACHE_DIR) if cache["stored"] else "nowhere (see above)"
            print(f"    baseline trained ({cache['reason']}), cached in {where}", flush=True)
    return models


@contextlib.contextmanager
def _scaled_server(model: Path, workdir: Path, action_port: int) -> Iterator[Server]:
    """Our model with several Sanic workers on the production stores (private PostgreSQL + Redis lock)."""
    workers = serving.SCALED_WORKERS
    with PgRedis() as stores, rasa_server(
        f"ours-{workers}-workers",
        model,
        workdir,
        action_port,
        workers=workers,
        endpoints="endpoints.prod.yml",
        extra_env=stores.env(),
    ) as rasa:
        yield rasa


def _serve(
    results: Dict[str, Any], phase: Phases, models: Dict[str, Path], workdir: Path, out: Path, quick: bool
) -> None:
    """Floor, then each model: load, latency/throughput/memory, held-out set through the same server;
    then (full run) our model with 2 workers and the turn profile. The next server (and the profile's
    model) loads while the held-out set is scored (untimed), never during the training or a measured cell."""
    with phase("floor load"), floor_server(workdir) as floor:
        results["serving"]["floor"] = serving.measure(floor, {"floor": floor}, quick, workdir, "floor")
    messages = quality.held_out(QUICK_HELD_OUT_EVERY if quick else 1)
    workers = serving.SCALED_WORKERS
    scaled_missing = None if quick else missing_reason()
    with action_server(workdir) as actions, contextlib.ExitStack() as stack:  # one action server for all
        starts: List[Callable[[], ContextManager[Server]]] = [
            functools.partial(rasa_server, name, model, workdir, actions.port)
            for name, model in models.items()
        ]
        if not quick and not scaled_missing:
            starts.append(functools.partial(_scaled_server, models["ours"], workdir, actions.port))

        def start(index: int) -> Optional[BackgroundEnter[Server]]:
            if index >= len(starts):
                return None
            pending = BackgroundEnter(starts[index]())
            stack.callback(pending.close)
            return pending

        pending = start(0)
        for index, name in enumerate(models):
            with phase(f"serve {name}"):
                rasa = pending.wait()
                watched = {"rasa": rasa, "action server": actions}
                results["serving"][name] = serving.measure(rasa, watched, quick, workdir, name)
            following = start(index + 1)  # loads while this server scores the held-out set
            if not quick and index == len(models) - 1:  # the turn profile's model loads meanwhile too
                profile = TurnProfile(models["ours"], f"{actions.base_url}/webhook", out, workdir)
                stack.callback(profile.close)
            with phase(f"held-out evaluation of {LABELS[name]}"):
                print(f"    {len(messages)} held-out messages through /model/parse…", flush=True)
                scores = quality.evaluate_served(name, rasa, messages, out)
                results["quality"][name] = scores
                print(
                    f"    intent accuracy {scores['intents']['accuracy'] * 100:.1f} %, "
                    f"fallback rate {scores['fallback']['rate'] * 100:.1f} %",
                    flush=True,
                )
            pending.close()  # stopped before the next server is measured
            pending = following
        if quick:
            return
        with phase(f"serve ours with {workers} workers"):
            if scaled_missing:
                print(f"    skipped: {scaled_missing}", flush=True)
                results["serving_scaled"] = {"workers": workers, "skipped": scaled_missing}
            else:
                rasa = pending.wait()
                profile.wait_loaded()
                measured = serving.measure(rasa, {"rasa": rasa}, False, workdir, f"ours {workers} workers")
                results["serving_scaled"] = {"workers": workers, "stores": serving.SCALED_STORES, **measured}
                pending.close()
        with phase("profile a turn of ours"):
            results["turn_profile"] = profile.go()


class TurnProfile:
    """bench/turn_profile.py in its own process: started early so that its model loads during untimed
    work, its turns run once `go()` says nothing else runs; where an FAQ turn's time goes."""

    def __init__(self, model: Path, action_url: str, out: Path, workdir: Path) -> None:
        self.target = out / report.TURN_PROFILE_NAME
        self.go_file = workdir / "turn-profile.go"
        command = [sys.executable, "-m", "bench.turn_profile", "--model", str(model)]
        command += ["--out", str(self.target), "--action-url", action_url, "--go-file", str(self.go_file)]
        self.process = subprocess.Popen(command, cwd=ROOT)

    def wait_loaded(self) -> None:
        """Until its model is loaded (before a measured cell: the load must not overlap it)."""
        while not loaded_marker(self.go_file).exists():
            if self.process.poll() is not None:
                raise RuntimeError("The turn profile exited while loading the model (its error is above).")
            time.sleep(0.2)

    def go(self) -> Dict[str, Any]:
        self.go_file.touch()
        if self.process.wait() != 0:
            raise RuntimeError("The turn profile failed (its error is printed above).")
        return json.loads(self.target.read_text())

    def close(self) -> None:
        stop(self.process)


def _keep_logs(workdir: Path, out: Path) -> None:
    logs = out / "logs"
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir(parents=True)
    for log in workdir.glob("*.log"):
        shutil.copyfile(log, logs / log.name)


def run(quick: bool, out: Path, retrain_baseline: bool = False) -> Dict[str, Any]:
    """Run every phase of the mode and write the report; returns the results."""
    started = time.monotonic()
    if quick and not DEFAULT_MODEL.exists():
        raise RuntimeError(
            f"No trained model at {relative(DEFAULT_MODEL)}: run `make train` first, then run this again."
        )
    if not quick:
        configs.check_same_policies()
    out.mkdir(parents=True, exist_ok=True)
    results: Dict[str, Any] = {
        "quick": quick,
        "started_at": _now(),
        "machine": describe_machine(),
        "settings": _settings(quick),
        "training": {},
        "serving": {},
        "quality": {},
        "phases": {},
    }
    if not quick:
        results["baseline_training_cached"] = False
    phase = Phases(_phase_names(quick), results["phases"], started)
    with tempfile.TemporaryDirectory(prefix="icm-bench-") as tmp:
        workdir = Path(tmp)
        try:
            if quick:
                models = {"ours": DEFAULT_MODEL}
            else:
                models = _train_both(results, phase, workdir, retrain_baseline)
            _serve(results, phase, models, workdir, out, quick)
        finally:
            _keep_logs(workdir, out)
    with phase("report"):
        results["quality"]["cross_validation"] = quality.cross_validation()
        plot = latency_plot(results, out / report.PLOT_NAME)
        results["plot"] = plot.name if plot else None
    # After the report phase has ended, so that its time is in the table; writing takes milliseconds.
    results["load_average_at_end"] = load_average()
    results["finished_at"] = _now()
    results["duration_s"] = round(time.monotonic() - started, 1)
    paths = report.write(results, out)
    print(
        f"==> Done in {results['duration_s'] / 60:.1f} min: {relative(paths['markdown'])}, "
        f"{relative(paths['json'])}",
        flush=True,
    )
    return results


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: no training, a few requests")
    parser.add_argument(
        "--retrain-baseline",
        action="store_true",
        help=f"train the baseline even if {relative(baseline_cache.CACHE_DIR)} holds it (refills the cache)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help=f"output directory (default {relative(FULL_OUT)}, {relative(QUICK_OUT)} with --quick)",
    )
    args = parser.parse_args(argv)
    out = args.out or (QUICK_OUT if args.quick else FULL_OUT)
    if args.quick and args.retrain_baseline:
        parser.error("--retrain-baseline needs the full run (the quick mode trains nothing)")
    try:
        run(args.quick, out.resolve(), args.retrain_baseline)
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted: every server this run started has been stopped.", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
