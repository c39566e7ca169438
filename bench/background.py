"""Enter a context manager in a thread: a server's start-up overlaps untimed work of the main thread."""

from __future__ import annotations

import threading
from typing import ContextManager, Generic, Optional, TypeVar

T = TypeVar("T")


class BackgroundEnter(Generic[T]):
    """Starts `manager.__enter__()` in a thread at once; `wait()` returns its value (or raises its error),
    `close()` waits for it and exits the manager (idempotent; use it as an ExitStack callback)."""

    def __init__(self, manager: ContextManager[T]) -> None:
        self._manager = manager
        self._value: Optional[T] = None
        self._error: Optional[BaseException] = None
        self._entered = False
        self._thread = threading.Thread(target=self._enter, name="background-enter", daemon=True)
        self._thread.start()

    def _enter(self) -> None:
        try:
            self._value = self._manager.__enter__()
            self._entered = True
        except BaseException as error:  # handed to the main thread by wait()
            self._error = error

    def wait(self) -> T:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]

    def close(self) -> None:
        self._thread.join()
        if self._entered:
            self._entered = False
            self._manager.__exit__(None, None, None)
