"""Memory of a process tree with psutil: RSS now, and the peak RSS sampled in a background thread."""

from __future__ import annotations

import threading
from typing import List, Optional

import psutil

MIB = 1024 * 1024


def tree(pid: int) -> List[psutil.Process]:
    """A process and all its descendants (empty if it is gone)."""
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def tree_rss_bytes(pid: int) -> int:
    """Sum of the resident set sizes of a process and all its descendants (0 if it is gone)."""
    total = 0
    for process in tree(pid):
        try:
            total += process.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


def tree_rss_mib(pid: int) -> float:
    """tree_rss_bytes in MiB, rounded to 0.1."""
    return round(tree_rss_bytes(pid) / MIB, 1)


class PeakSampler:
    """Samples the RSS of a process tree every `interval_s` seconds until stopped; keeps the peak.

    Use as a context manager around the process's lifetime: `with PeakSampler(pid) as peak: ...`.
    """

    def __init__(self, pid: int, interval_s: float = 0.25) -> None:
        self.pid = pid
        self.interval_s = interval_s
        self.peak_bytes = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_bytes = max(self.peak_bytes, tree_rss_bytes(self.pid))
            self.samples += 1
            self._stop.wait(self.interval_s)

    def __enter__(self) -> PeakSampler:
        self._thread = threading.Thread(target=self._run, name=f"rss-{self.pid}", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    @property
    def peak_mib(self) -> float:
        return round(self.peak_bytes / MIB, 1)
