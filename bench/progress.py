"""Progress of long subprocesses: a line every 30 s with the elapsed time and the log's last line."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Callable, Optional

PROGRESS_EVERY_S = 30


def last_line(log: Path, width: int = 90) -> str:
    """The last non-empty line of a log (progress bars rewrite lines with \\r), shortened."""
    if not log.exists():
        return ""
    with open(log, "rb") as handle:
        handle.seek(max(0, log.stat().st_size - 4000))
        tail = handle.read().decode(errors="replace")
    lines = [part.strip() for part in tail.replace("\r", "\n").split("\n") if part.strip()]
    return lines[-1][:width] if lines else ""


def wait_with_progress(
    process: subprocess.Popen, log: Path, label: str, detail: Optional[Callable[[], str]] = None
) -> int:
    """Wait for `process`, printing progress every PROGRESS_EVERY_S; kill it if interrupted."""
    started = time.monotonic()
    try:
        while True:
            try:
                return process.wait(timeout=PROGRESS_EVERY_S)
            except subprocess.TimeoutExpired:
                extra = f", {detail()}" if detail else ""
                elapsed = time.monotonic() - started
                print(f"    {label}: {elapsed:.0f} s{extra} | {last_line(log)}", flush=True)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
