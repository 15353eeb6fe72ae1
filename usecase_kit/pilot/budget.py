"""A hard spending cap: cost is reserved before each call and settled after it.

Reservations and settlements happen under one lock, so the cap holds with any number of
calls in flight: a call starts only if ``spent + reserved + its worst case <= cap``.
"""

from __future__ import annotations

import threading

__all__ = ["Budget"]


class Budget:
    """Spent and reserved dollars against an optional cap (None = no cap)."""

    def __init__(self, cap_usd: float | None, spent_usd: float = 0.0) -> None:
        self.cap_usd = cap_usd
        self._spent = spent_usd
        self._reserved = 0.0
        self._lock = threading.Lock()

    def reserve(self, amount: float) -> bool:
        """Hold ``amount`` for one call; False (and nothing held) if it would break the cap."""
        with self._lock:
            if self.cap_usd is not None and self._spent + self._reserved + amount > self.cap_usd:
                return False
            self._reserved += amount
            return True

    def settle(self, reserved: float, actual: float) -> None:
        """Release a reservation and book what the call really cost."""
        with self._lock:
            self._reserved = max(0.0, self._reserved - reserved)
            self._spent += actual

    @property
    def spent_usd(self) -> float:
        with self._lock:
            return self._spent

    @property
    def remaining_usd(self) -> float | None:
        with self._lock:
            return None if self.cap_usd is None else self.cap_usd - self._spent - self._reserved
