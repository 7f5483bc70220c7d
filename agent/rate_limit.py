"""Per-caller rate limits with the `limits` library (what slowapi is built on).

A caller is the API key it authenticated with (its position in the key list, never the key),
or its address when the agent is open. Limits are `limits` strings such as `20/second;600/minute`,
counted in a moving window: exact, where limits' sliding-window counter approximates (a test
saw it let a fifth request through a 4/minute limit). The storage is per replica (`memory://`)
unless a shared one (`redis://...`, with its client package installed) makes it cluster-wide.
"""

from __future__ import annotations

import math
import time

from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


class RateLimit:
    def __init__(self, spec: str, storage_uri: str = "memory://") -> None:
        self.spec = spec
        self.items = parse_many(spec)
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))

    def retry_after(self, caller: str) -> int | None:
        """Counts one request; None when it is allowed, else whole seconds until it would be."""
        for item in self.items:
            if not self.limiter.hit(item, caller):
                reset = self.limiter.get_window_stats(item, caller).reset_time
                return max(1, math.ceil(reset - time.time()))
        return None
