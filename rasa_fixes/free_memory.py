"""Give the heap's free pages back to the system after a model load (glibc `malloc_trim`).

Loading a model allocates far more than it keeps: the spaCy lemmatizer's tables are decoded from
msgpack, each TensorFlow model is built by a forward pass and restored from its checkpoint. glibc keeps
the freed memory in the process's heap, so a Rasa server held about 30 MiB of free heap for its whole
life (60 MiB when the model is loaded in-process by `load_agent`). `malloc_trim(0)` returns it; it
changes no object and takes a few milliseconds. Elsewhere than on glibc (musl, macOS) it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from typing import Callable, Optional


@functools.lru_cache(maxsize=1)
def _malloc_trim() -> Optional[Callable[[int], int]]:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc
        return None


def release_free_heap() -> bool:
    """Return the heap's free pages to the system; whether the C library could do it."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
