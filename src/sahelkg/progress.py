"""Progress lines for long loads and imports: how much is done, of what total, and an ETA.

>>> Estimate(total=200, started=0.0).line(50, now=10.0, unit="rows")
'50/200 rows (25%, eta 30 s)'
>>> Estimate(total=3 * 1024 * 1024, started=0.0).line(1024 * 1024, now=2.0, unit="bytes")
'1.0/3.0 MB (33%, eta 4 s)'
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field


def duration(seconds: float) -> str:
    """Given seconds, return them as '42 s', '3 min 05 s' or '1 h 02 min'."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


@dataclass
class Estimate:
    """A known total and a start time; `line(done)` says how far along and how long is left."""

    total: float
    started: float = field(default_factory=time.monotonic)

    def line(self, done: float, *, unit: str, now: float | None = None) -> str:
        """Given the amount done so far, return 'done/total unit (pct%, eta …)'."""
        now = time.monotonic() if now is None else now
        if unit == "bytes":
            amounts = f"{done / 1048576:.1f}/{self.total / 1048576:.1f} MB"
        else:
            amounts = f"{done:,.0f}/{self.total:,.0f} {unit}"
        if self.total <= 0 or done <= 0:
            return amounts
        fraction = min(1.0, done / self.total)
        left = (now - self.started) * (1 - fraction) / fraction
        return f"{amounts} ({fraction:.0%}, eta {duration(left)})"
