"""Where the time of one turn goes inside the Rasa server: each component, the tracker store, the rest.

    python -m bench.turn_profile [--model models/icm.tar.gz] [--turns 40] [--out FILE.json]
                                 [--action-url URL] [--go-file FILE]

Loads the model in this process as `rasa run` does (endpoints.yml: the redacting SQLite tracker store in a
temporary directory, an action server started here unless --action-url names one), then (once --go-file
exists, if given: `make bench` loads it while other work runs) sends the benchmark's FAQ message `--turns`
times in conversations of 10 messages (the first one untimed), as a virtual user of the load generator
does, through Agent.handle_text (what the REST channel calls, minus HTTP), and then `--turns` times in
one long conversation, to show how a turn's cost grows with the conversation. It times every node of
Rasa's prediction graph (a GraphNodeHook: spaCy, tokenizer, featurizers, DIET, ResponseSelector,
SafetyNet, policies…), the tracker store's retrieve and save, and the calls to the action server. Mean
milliseconds per turn; what is left is the processor's own work (events, responses, locks). Compare
the total with the REST p50 of `make bench`: the difference is HTTP and Sanic.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import math
import os
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional

from rasa.engine.graph import GraphNodeHook

from bench.loadgen import CONVERSATION_TURNS
from bench.paths import DEFAULT_MODEL, ROOT, loaded_marker, relative
from bench.serving import MESSAGES

WARMUP_TURNS = 5


class NodeTimer(GraphNodeHook):
    """Adds up the wall time of each node of Rasa's graph (called before and after every node)."""

    def __init__(self) -> None:
        self.seconds: Dict[str, float] = defaultdict(float)

    def on_before_node(
        self, node_name: str, execution_context: Any, config: Any, received_inputs: Any
    ) -> Dict:
        return {"started": time.perf_counter()}

    def on_after_node(
        self, node_name: str, execution_context: Any, config: Any, output: Any, input_hook_data: Dict
    ) -> None:
        self.seconds[component_name(node_name)] += time.perf_counter() - input_hook_data["started"]


def component_name(node_name: str) -> str:
    """'run_DIETClassifier6' -> 'DIETClassifier'; 'run_components.safety_net.SafetyNet12' -> 'SafetyNet'."""
    name = re.sub(r"^(run|train)_", "", node_name)
    name = re.sub(r"\d+$", "", name)
    return name.rsplit(".", 1)[-1]


def _timed(method: Callable[..., Awaitable[Any]], totals: Dict[str, float], key: str) -> Callable:
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await method(*args, **kwargs)
        finally:
            totals[key] += time.perf_counter() - started

    return wrapper


def _install_timers(agent: Any, totals: Dict[str, float]) -> NodeTimer:
    from rasa.core.actions.action import RemoteAction

    timer = NodeTimer()
    runner = agent.processor.graph_runner
    for node in runner._instantiated_nodes.values():  # Rasa builds its nodes with their hooks at load
        node._hooks.append(timer)
    store = agent.processor.tracker_store
    store.retrieve = _timed(store.retrieve, totals, "tracker store: retrieve")
    store.save = _timed(store.save, totals, "tracker store: save")
    RemoteAction.run = _timed(RemoteAction.run, totals, "action server round trips")
    return timer


async def _profile(
    model: Path, turns: int, action_url: str, workdir: Path, go_file: Optional[Path] = None
) -> Dict[str, Any]:
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints

    os.environ["ACTION_SERVER_URL"] = action_url
    os.environ["RASA_TRACKER_DB"] = str(workdir / "tracker.db")
    agent = await load_agent(
        model_path=str(model), endpoints=AvailableEndpoints.read_endpoints("endpoints.yml")
    )
    if go_file is not None:
        loaded_marker(go_file).touch()  # tells the bench the load is over
        print("    turn profile: model loaded, waiting for the measured servers to stop", flush=True)
        await _wait_for(go_file)
    totals: Dict[str, float] = defaultdict(float)
    timer = _install_timers(agent, totals)
    message = MESSAGES["faq"]

    async def turn(sender: str) -> float:
        started = time.perf_counter()
        replies = await agent.handle_text(message, sender_id=sender)
        if not replies:
            raise RuntimeError(f"The model gave no reply to {message!r}: check {relative(model)}.")
        return time.perf_counter() - started

    async def untimed(sender: str) -> None:
        """A turn left out of the parts (warm-up, first message of a conversation)."""
        nodes, stores = dict(timer.seconds), dict(totals)
        await turn(sender)
        timer.seconds.clear()
        timer.seconds.update(nodes)
        totals.clear()
        totals.update(stores)

    for _ in range(WARMUP_TURNS):
        await untimed("bench-profile-warm-up")
    # As the load generator does: conversations of CONVERSATION_TURNS messages, the first one untimed.
    durations: List[float] = []
    for conversation in range(math.ceil(turns / (CONVERSATION_TURNS - 1))):
        sender = f"bench-profile-{conversation}"
        await untimed(sender)
        for _ in range(min(CONVERSATION_TURNS - 1, turns - len(durations))):
            durations.append(await turn(sender))
    per_turn = {name: 1000 * seconds / turns for name, seconds in {**timer.seconds, **totals}.items()}
    # Rasa reads, featurises and sends the whole conversation at every turn: one long conversation
    # shows how the cost of a turn grows with its length.
    growth = [await turn("bench-profile-long") for _ in range(turns)]
    mean_ms = 1000 * statistics.mean(durations)
    rest = mean_ms - sum(per_turn.values())
    parts = sorted(per_turn.items(), key=lambda item: -item[1])
    return {
        "measured_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "message": message,
        "turns": turns,
        "conversation_turns": CONVERSATION_TURNS,
        "mean_turn_ms": round(mean_ms, 1),
        "median_turn_ms": round(1000 * statistics.median(durations), 1),
        "long_conversation_first_10_turns_mean_ms": round(1000 * statistics.mean(growth[:10]), 1),
        "long_conversation_last_10_turns_mean_ms": round(1000 * statistics.mean(growth[-10:]), 1),
        "warmup_turns": WARMUP_TURNS,
        "parts_ms": [{"part": name, "ms": round(ms, 2)} for name, ms in parts]
        + [{"part": "rest (processor: events, responses, locks)", "ms": round(max(rest, 0.0), 2)}],
    }


async def _wait_for(go_file: Path, timeout_s: float = 1800) -> None:
    """Until `go_file` exists (the bench creates it once nothing else runs)."""
    deadline = time.monotonic() + timeout_s
    while not go_file.exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"Nobody created {go_file} within {timeout_s:.0f} s: the bench is gone.")
        await asyncio.sleep(0.2)


def profile_turn(
    model: Path, turns: int, action_url: Optional[str] = None, go_file: Optional[Path] = None
) -> Dict[str, Any]:
    """Profile `turns` FAQ turns of `model` in this process, with the action server at `action_url` (one is
    started here if none is given); with `go_file`, the model is loaded first and the turns wait for it."""
    from bench.servers import action_server

    with tempfile.TemporaryDirectory(prefix="icm-turn-profile-") as tmp:
        workdir = Path(tmp)
        if action_url:
            return asyncio.run(_profile(model, turns, action_url, workdir, go_file))
        with action_server(workdir) as actions:  # it gets its own ICM_ACTIONS_DB_URL in workdir
            return asyncio.run(_profile(model, turns, f"{actions.base_url}/webhook", workdir, go_file))


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.turn_profile", description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--turns", type=int, default=40)
    parser.add_argument("--out", type=Path, help="also write the result as JSON here")
    parser.add_argument("--action-url", help="a running action server's webhook (default: start one)")
    parser.add_argument(
        "--go-file",
        type=Path,
        help="load the model, create <go-file>.loaded, then wait for <go-file> to exist",
    )
    args = parser.parse_args(argv)
    if not args.model.exists():
        print(f"error: no model at {args.model}: run `make train` first.", file=sys.stderr)
        return 1
    os.chdir(ROOT)
    print(
        f"Profiling {args.turns} FAQ turns of {relative(args.model)} (model load about half a minute)…",
        flush=True,
    )
    result = profile_turn(args.model, args.turns, args.action_url, args.go_file)
    for part in result["parts_ms"]:
        print(f"  {part['ms']:8.2f} ms  {part['part']}")
    print(f"  {result['mean_turn_ms']:8.2f} ms  per turn in total (median {result['median_turn_ms']} ms)")
    print(
        f"  one conversation of {args.turns} turns: first 10 turns "
        f"{result['long_conversation_first_10_turns_mean_ms']} ms, "
        f"last 10 {result['long_conversation_last_10_turns_mean_ms']} ms"
    )
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
