"""Settings of one sandbox server: catalogue size and seed, defences and faults."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class SandboxOptions:
    """Everything that changes how the sandbox answers; defaults behave like a real site."""

    listings: int = 3000
    seed: int = 7
    # Goofish API token bucket per session: refill per second and bucket size; rate 0 = off.
    rate: float = 2.0
    burst: int = 20
    # Block every API call of a session after this many calls (0 = never); deterministic.
    block_after: int = 0
    # How long a session that went too fast stays blocked (seconds).
    block_seconds: float = 30.0
    # Goofish APIs answer FAIL_SYS_SESSION_EXPIRED without the login cookie.
    require_login: bool = True
    # Classifieds faults, chosen per URL + seed: share of pages that 500 on the first try,
    # share that answer only after ``slow_seconds``.
    fail_rate: float = 0.02
    slow_rate: float = 0.01
    slow_seconds: float = 1.5

    def with_changes(self, **changes) -> "SandboxOptions":
        """Return a copy with ``changes``; unknown names raise a clear TypeError."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise TypeError(f"unknown sandbox option(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return replace(self, **changes)

    @classmethod
    def benchmark(cls, **changes) -> "SandboxOptions":
        """Options for benchmarks: no rate limit, no faults, no slow pages."""
        return cls().with_changes(rate=0.0, fail_rate=0.0, slow_rate=0.0, **changes)
