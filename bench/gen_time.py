"""When the generated tickets were opened: twelve months up to `now`, a little more each
month, mostly in Shanghai working hours on working days.

The year is cut into hours; each hour gets its share of the tickets up front (the total
exact), and the instants inside an hour come from a random generator of that hour alone
— so any range of tickets can be produced on its own, in order, without holding a
million instants.
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect_right
from collections.abc import Callable
from itertools import accumulate

HOUR = 3600
DAY = 86_400
YEAR_HOURS = 365 * 24
GROWTH = 0.25  # the last month has about a quarter more tickets than the first
LOCAL_OFFSET = 8 * HOUR  # Asia/Shanghai
# Relative weight of each local hour of a working day.
DAY_SHAPE = [0.03, 0.02, 0.02, 0.02, 0.02, 0.03, 0.06, 0.2, 0.7, 1.0, 1.0, 0.9,
             0.5, 0.8, 1.0, 1.0, 0.9, 0.8, 0.4, 0.2, 0.15, 0.1, 0.06, 0.04]  # fmt: skip
WEEKEND = 0.15


class Timeline:
    def __init__(self, tickets: int, now: int, seed: int) -> None:
        self.now = now
        self.seed = seed
        self.start = now - YEAR_HOURS * HOUR
        weights = []
        for k in range(YEAR_HOURS):
            local = self.start + k * HOUR + LOCAL_OFFSET
            weekday = (local // DAY + 3) % 7  # 1970-01-01 was a Thursday
            shape = DAY_SHAPE[(local % DAY) // HOUR] * (WEEKEND if weekday >= 5 else 1.0)
            weights.append(shape * (1 + GROWTH * k / YEAR_HOURS))
        # Ticket j opens in the hour where the running weight passes (j + ½)/N of the
        # total: exactly N, and no hour favoured (as rounding each hour on its own would).
        scale = tickets / sum(weights)
        marks = [int(c * scale + 0.5) for c in accumulate(weights)]
        counts = [b - a for a, b in zip([0, *marks], marks, strict=False)]
        self.counts = counts
        self.first = [0, *accumulate(counts)]  # index of each hour's first ticket

    def instants(self, begin: int, end: int) -> list[int]:
        """Opening instants (seconds) of tickets begin..end-1, ascending."""
        out: list[int] = []
        hour = bisect_right(self.first, begin) - 1
        while hour < YEAR_HOURS and self.first[hour] < end:
            rng = random.Random(self.seed * 10_000 + hour)
            base = self.start + hour * HOUR
            stamps = sorted(base + rng.randrange(HOUR) for _ in range(self.counts[hour]))
            lo = max(begin - self.first[hour], 0)
            hi = min(end - self.first[hour], self.counts[hour])
            out.extend(stamps[lo:hi])
            hour += 1
        return out

    def index_at(self, instant: int) -> int:
        """The first ticket opened in the hour holding `instant`."""
        hour = min(max((instant - self.start) // HOUR, 0), YEAR_HOURS)
        return self.first[hour]


def stamps(day_format: str, suffix: str) -> Callable[[int], str]:
    """Instants (whole seconds since the epoch, UTC) as text: the day's part formatted
    once per day with `day_format`, the time of day taken from a table ending in
    `suffix` — a few hundred thousand a second, where strftime manages a tenth."""
    days: dict[int, str] = {}
    hours, minutes = range(24), range(60)
    times = [f"{h:02d}:{m:02d}:{s:02d}{suffix}" for h in hours for m in minutes for s in minutes]

    def stamp(seconds: int) -> str:
        prefix = days.get(seconds // DAY)
        if prefix is None:
            day = seconds // DAY
            prefix = days[day] = dt.datetime.fromtimestamp(day * DAY, dt.UTC).strftime(day_format)
        return prefix + times[seconds % DAY]

    return stamp


# datetime.isoformat() of an instant in UTC, as SLA segments and the audit keep it.
iso = stamps("%Y-%m-%dT", "+00:00")
