"""Pausing Python's cyclic garbage collector around bursts of short-lived objects, in
command-line runs and jobs only.

The clash scan (~70,000 rows and tuples at 5,000 sessions) and WeasyPrint's layout of a
briefing book (hundreds of thousands of boxes) make objects in no reference cycle; every
700 new objects would otherwise start a collection that walks the whole app's heap.
``gc`` is process-wide: inside a web request other threads of the same worker would lose
their collector too, so during a request this does nothing (pages pay the 8-15%).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from flask import has_request_context


@contextmanager
def gc_paused() -> Iterator[None]:
    """``with gc_paused():`` or ``@gc_paused()``; restores the collector as it was."""
    if has_request_context():
        yield
        return
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
