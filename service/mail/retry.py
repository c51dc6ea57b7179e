"""When a notice that could not be sent is tried again: exponential backoff with jitter, bounded attempts."""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    base_seconds: float = 60.0
    max_seconds: float = 6 * 3600.0

    def delay(self, attempts: int, rng: random.Random) -> timedelta:
        """Half the exponential step is fixed, half is jitter, so many notices retried at once spread out."""
        step = min(self.max_seconds, self.base_seconds * 2 ** max(0, attempts - 1))
        return timedelta(seconds=step / 2 + rng.uniform(0, step / 2))

    def next_attempt_at(self, attempts: int, now: datetime, rng: random.Random) -> datetime:
        return now + self.delay(attempts, rng)

    def exhausted(self, attempts: int) -> bool:
        return attempts >= self.max_attempts
