"""Query results kept for the published snapshot they were read from.

A published warehouse never changes: every run publishes a new file and the reader opens it at
the next query. The rows a statement gives with the same bound parameters are therefore the same
until the next publish, and the boards ask the same statements again and again (every user of a
page, every callback of a page reading the years, the checks' results behind every tile). The
reader keeps them here, least recently used first out, within a budget of bytes, and empties the
cache when it opens a new snapshot.

What is kept is the rows before any access rule: the principal's scope, what its role may not
see and statistical secrecy are applied to them at every read (`Reader._read`). A statement whose
rows depend on the moment it runs (`current_timestamp`, `now()`, `random()`...) is never kept.

`RRC_READ_CACHE_MB` sets the budget of a process (`rrc serve --cache-mb`), 0 turns it off.
"""

from __future__ import annotations

import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import lru_cache

import polars as pl

from rrc.errors import ConfigError

DEFAULT_MB = 64
# functions whose value changes from one run of the same statement to the next
VOLATILE = re.compile(
    r"\b(current_timestamp|current_date|current_time|localtimestamp|localtime|now|today|"
    r"get_current_time|get_current_timestamp|random|uuid|gen_random_uuid|setseed|nextval)\b",
    re.IGNORECASE,
)


def budget() -> int:
    """Bytes a process may keep: RRC_READ_CACHE_MB (a number of megabytes, 0 for none)."""
    text = os.environ.get("RRC_READ_CACHE_MB", "").strip()
    if not text:
        return DEFAULT_MB * 2**20
    try:
        mb = float(text)
    except ValueError as exc:
        raise ConfigError(
            f"RRC_READ_CACHE_MB={text!r} is not a number of megabytes",
            hint="set it to the megabytes of query results a process may keep, 0 for none",
        ) from exc
    return max(int(mb * 2**20), 0)


@lru_cache(maxsize=4096)  # the boards' statements are a few hundred texts, asked at every read
def cacheable(sql: str) -> bool:
    """Whether the statement's rows depend only on the snapshot and its parameters."""
    return VOLATILE.search(sql) is None


class ResultCache:
    """Frames by key, least recently used evicted first past `max_bytes`; thread-safe."""

    def __init__(self, max_bytes: int | None = None) -> None:
        self.max_bytes = budget() if max_bytes is None else max_bytes
        self._lock = threading.Lock()
        self._frames: OrderedDict[Hashable, tuple[pl.DataFrame, int]] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    @property
    def size(self) -> int:
        """Bytes kept (polars' estimate of each frame)."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._frames)

    def clear(self) -> None:
        with self._lock:
            self._frames.clear()
            self._bytes = 0

    def get(self, key: Hashable, compute: Callable[[], pl.DataFrame]) -> pl.DataFrame:
        """The frame kept under `key`, else `compute()`'s, kept when it fits. Callers get a
        copy (polars shares the buffers): changing it in place leaves the kept one as it was."""
        if self.max_bytes <= 0:
            return compute()
        with self._lock:
            found = self._frames.get(key)
            if found is not None:
                self._frames.move_to_end(key)
                self.hits += 1
                return found[0].clone()
            self.misses += 1
        frame = compute()  # outside the lock: other threads' reads go on meanwhile
        size = int(frame.estimated_size())
        if size > self.max_bytes // 4:  # one large result would push out every other
            return frame
        with self._lock:
            if key not in self._frames:
                self._frames[key] = (frame.clone(), size)
                self._bytes += size
            while self._bytes > self.max_bytes and self._frames:
                _key, (_frame, dropped) = self._frames.popitem(last=False)
                self._bytes -= dropped
        return frame
