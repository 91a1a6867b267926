"""Pausing Python's cyclic garbage collector around bursts of short-lived objects.

The clash scan (~70,000 rows and tuples at 5,000 sessions) and WeasyPrint's layout of a
briefing book (hundreds of thousands of boxes) make objects in no reference cycle; every
700 new objects would otherwise start a collection that walks the whole app's heap
(SQLAlchemy's mappers and caches included). Reference counting still frees everything.
``gc`` is process-wide: when threads overlap, one may switch it back on early, which is
only slower, never wrong.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """``with gc_paused():`` or ``@gc_paused()``; restores the collector as it was."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
