"""bench/background.py: a server starts in a thread while the bench goes on, and is always stopped."""

from __future__ import annotations

import contextlib
import threading
from typing import Iterator, List

import pytest

from bench.background import BackgroundEnter


@contextlib.contextmanager
def recorded(log: List[str], started: threading.Event, release: threading.Event) -> Iterator[str]:
    log.append("enter")
    started.set()
    release.wait(5)
    yield "server"
    log.append("exit")


def test_the_start_runs_while_the_caller_goes_on_and_is_exited_once():
    log: List[str] = []
    started, release = threading.Event(), threading.Event()
    pending = BackgroundEnter(recorded(log, started, release))
    assert started.wait(5)  # entered without wait() being called
    log.append("caller works")
    release.set()
    assert pending.wait() == "server"
    pending.close()
    pending.close()
    assert log == ["enter", "caller works", "exit"]


def test_a_failed_start_raises_in_the_caller_and_close_does_nothing():
    @contextlib.contextmanager
    def failing() -> Iterator[str]:
        raise RuntimeError("The Rasa server (ours) exited during start-up")
        yield "never"

    pending = BackgroundEnter(failing())
    with pytest.raises(RuntimeError, match="exited during start-up"):
        pending.wait()
    pending.close()


def test_close_without_wait_stops_a_started_server():
    log: List[str] = []
    started, release = threading.Event(), threading.Event()
    release.set()
    with contextlib.ExitStack() as stack:
        pending = BackgroundEnter(recorded(log, started, release))
        stack.callback(pending.close)
    assert log == ["enter", "exit"]
