"""Closed-loop HTTP load generator for the REST channel (asyncio + aiohttp, run in its own process).

N virtual users each hold a conversation (a sender id): they send one unmeasured warm-up message (a new
sender gets the session-start welcome first), then post the cell's message, wait for the full reply, and
post again until the cell's request count is reached. After CONVERSATION_TURNS messages a virtual user
starts a new conversation (new sender id, unmeasured warm-up again), as patients do: a widget session is a
handful of questions, not hundreds. Latency is the full HTTP round trip seen by the client.

    python -m bench.loadgen --url http://127.0.0.1:5005/webhooks/rest/webhook --plan plan.json --out res.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

import aiohttp

from bench.stats import summarize

REQUEST_TIMEOUT_S = 120
# Messages per conversation, warm-up included: a generous patient session (Rasa's per-turn cost grows with
# the conversation, so endless conversations would measure a case no patient produces).
CONVERSATION_TURNS = 10


@dataclass(frozen=True)
class Cell:
    """One measurement: `requests` posts of `message` by `concurrency` virtual users."""

    kind: str
    message: str
    concurrency: int
    requests: int


@dataclass
class _Tally:
    latencies: List[float]
    errors: int = 0
    first_error: Optional[str] = None
    bot_messages: int = 0
    sample_reply: Optional[str] = None


async def _post(session: aiohttp.ClientSession, url: str, sender: str, message: str) -> List[Any]:
    """One REST turn; raises on a non-200 answer or a body that is not a JSON list."""
    async with session.post(url, json={"sender": sender, "message": message}) as response:
        body = await response.read()
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}: {body[:200]!r}")
        replies = json.loads(body)
        if not isinstance(replies, list):
            raise RuntimeError(f"expected a JSON list, got {body[:200]!r}")
        return replies


def _record_error(tally: _Tally, error: BaseException) -> None:
    tally.errors += 1
    if tally.first_error is None:
        tally.first_error = f"{type(error).__name__}: {error}"[:300]


async def run_cell(url: str, cell: Cell, run_id: str) -> Dict[str, Any]:
    """Warm each virtual user up, then run the closed loop; returns the cell's summary."""
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    connector = aiohttp.TCPConnector(limit=0)
    users = [f"bench-{run_id}-{cell.kind}-c{cell.concurrency}-u{i}" for i in range(cell.concurrency)]
    tally = _Tally(latencies=[])
    warmup_errors = _Tally(latencies=[])
    remaining = cell.requests
    new_conversations = 0  # warm-ups inside the measured loop: they count in the throughput

    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:

        async def warm_up(sender: str) -> bool:
            try:
                await _post(session, url, sender, cell.message)
            except (aiohttp.ClientError, asyncio.TimeoutError, RuntimeError, ValueError) as error:
                _record_error(warmup_errors, error)
                return False
            return True

        async def virtual_user(user: str) -> None:
            nonlocal remaining, new_conversations
            conversation, sender, turns = 0, f"{user}-s0", 1  # its warm-up was the first turn
            while remaining > 0:
                if turns == CONVERSATION_TURNS:
                    conversation += 1
                    sender, turns = f"{user}-s{conversation}", 1
                    new_conversations += await warm_up(sender)
                remaining -= 1
                turns += 1
                start = time.perf_counter()
                try:
                    replies = await _post(session, url, sender, cell.message)
                except (aiohttp.ClientError, asyncio.TimeoutError, RuntimeError, ValueError) as error:
                    _record_error(tally, error)
                    continue
                tally.latencies.append(time.perf_counter() - start)
                tally.bot_messages += len(replies)
                if tally.sample_reply is None and replies:
                    tally.sample_reply = str(replies[0].get("text", ""))[:120]

        await asyncio.gather(*(warm_up(f"{user}-s0") for user in users))
        started = time.perf_counter()
        await asyncio.gather(*(virtual_user(user) for user in users))
        wall = time.perf_counter() - started

    summary = summarize(tally.latencies, tally.errors, wall, unmeasured_ok=new_conversations)
    result: Dict[str, Any] = {**asdict(cell), **summary}
    result["conversation_turns"] = CONVERSATION_TURNS
    result["new_conversations"] = new_conversations
    ok = len(tally.latencies)
    result["bot_messages_per_reply"] = round(tally.bot_messages / ok, 2) if ok else 0.0
    result["sample_reply"] = tally.sample_reply
    result["first_error"] = tally.first_error
    result["warmup_errors"] = warmup_errors.errors
    return result


def describe(result: Dict[str, Any]) -> str:
    """One progress line for a finished cell."""
    head = f"{result['kind']:<8} c={result['concurrency']:<3} {result['successes']}/{result['requests']} ok"
    if not result["successes"]:
        return f"{head}, first error: {result['first_error']}"
    return (
        f"{head}, p50 {result['p50_ms']:.1f} ms, p95 {result['p95_ms']:.1f} ms, "
        f"p99 {result['p99_ms']:.1f} ms, {result['messages_per_s']:.1f} msg/s"
    )


async def run_plan(url: str, cells: List[Cell], run_id: str, label: str = "") -> List[Dict[str, Any]]:
    """Run the cells one after the other, printing one progress line per cell on stderr."""
    results = []
    for cell in cells:
        result = await run_cell(url, cell, run_id)
        print(f"    {label}{describe(result)}", file=sys.stderr, flush=True)
        results.append(result)
    return results


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.loadgen", description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="REST webhook URL (127.0.0.1 only)")
    parser.add_argument("--plan", required=True, type=Path, help='JSON: {"run_id": str, "cells": [Cell...]}')
    parser.add_argument("--out", required=True, type=Path, help="where to write the results (JSON list)")
    parser.add_argument("--label", default="", help="prefix of the progress lines")
    args = parser.parse_args(argv)
    if not args.url.startswith("http://127.0.0.1:"):
        parser.error("The load generator only targets http://127.0.0.1:<port>; give a loopback URL.")
    plan = json.loads(args.plan.read_text())
    cells = [Cell(**cell) for cell in plan["cells"]]
    results = asyncio.run(run_plan(args.url, cells, plan["run_id"], args.label))
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
