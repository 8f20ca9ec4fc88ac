"""Per-session token buckets that decide when a Goofish API client is going too fast."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sandbox.options import SandboxOptions


@dataclass
class _Bucket:
    tokens: float
    stamp: float
    calls: int = 0
    blocked_until: float = 0.0


@dataclass
class RateLimiter:
    """Refill ``rate`` tokens/s up to ``burst``; an empty bucket blocks the session for a while."""

    options: SandboxOptions
    clock: callable = time.monotonic
    _buckets: dict = field(default_factory=dict)

    def allow(self, key: str) -> bool:
        """Spend one token for ``key``; False means the caller must answer with a block."""
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(float(self.options.burst), now)
        bucket.calls += 1
        if now < bucket.blocked_until:
            return False
        if self.options.block_after and bucket.calls > self.options.block_after:
            bucket.blocked_until = now + self.options.block_seconds
            return False
        if self.options.rate <= 0:
            return True
        bucket.tokens = min(self.options.burst, bucket.tokens + (now - bucket.stamp) * self.options.rate)
        bucket.stamp = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return True
        bucket.blocked_until = now + self.options.block_seconds
        return False

    def reset(self) -> None:
        """Forget every session's bucket and block."""
        self._buckets.clear()
