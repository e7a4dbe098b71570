"""One object for each value met again, where many equal ones would be kept.

A migration names the same tables and types over and over, and a long history's model holds
the same lists of column names (a primary key's `("id",)`) tens of thousands of times. The
objects shared are never changed once made, and the worker processes (parallel.py) pickle each
once, however often it is used. Forgotten past a bound, to bound memory: what is met often is
shared again soon after.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

_LIMIT = 4096
_shared: dict[Any, Any] = {}
Made = TypeVar("Made")


def share(key: Any, make: Callable[[], Made]) -> Made:
    """The object made for an equal key before (while remembered), else the one `make` makes."""
    found = _shared.get(key)
    if found is None:
        if len(_shared) >= _LIMIT:
            _shared.clear()
        found = _shared[key] = make()
    return found
