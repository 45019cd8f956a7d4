"""A small thread-safe TTL cache; one instance hangs off each app (no module state)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")


class TTLCache:
    def __init__(self, ttl: float, max_entries: int, clock: Callable[[], float] = time.monotonic):
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._data: OrderedDict[Hashable, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        """Cached value for key, or compute() stored for ttl seconds. Exceptions are not cached."""
        now = self._clock()
        with self._lock:
            entry = self._data.get(key)
            if entry is not None and entry[0] > now:
                self._data.move_to_end(key)
                return entry[1]  # type: ignore[return-value]
        # Computed outside the lock so one slow upstream call does not block every other key.
        value = compute()
        if self.ttl > 0 and self.max_entries > 0:
            with self._lock:
                self._data[key] = (self._clock() + self.ttl, value)
                self._data.move_to_end(key)
                while len(self._data) > self.max_entries:
                    self._data.popitem(last=False)
        return value

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)
