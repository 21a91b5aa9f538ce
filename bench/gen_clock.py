"""Business-time arithmetic for the generator, in whole seconds since the epoch.

`yunwei.sla.clock` walks the calendar day by day on every call, which is right for the
application and too slow for millions of records. Here one calendar's working pieces over
the generated period (taken from the clock itself, so holidays and the time zone are its
own) are laid end to end with a running total, and every question is two bisections.
The test compares the answers with `clock.due_after` and `clock.elapsed`.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right

from yunwei.sla import clock

US = 1_000_000


class FastCalendar:
    """Working time of `calendar` between `first` and `last` (dates, inclusive)."""

    def __init__(self, calendar: clock.Calendar, first: dt.date, last: dt.date) -> None:
        self.calendar = calendar
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.before: list[int] = []  # working seconds before each piece
        self.upto: list[int] = []  # working seconds up to the end of each piece
        total = 0
        # A local day's pieces can begin the UTC day before: one day of margin each side.
        for ordinal in range(first.toordinal() - 1, last.toordinal() + 2):
            for begin, end in clock._day_pieces(calendar, ordinal):
                begin, end = begin // US, end // US
                if self.ends and begin <= self.ends[-1]:  # touching pieces: one piece
                    total += end - self.ends[-1]
                    self.ends[-1] = end
                    self.upto[-1] = total
                    continue
                self.starts.append(begin)
                self.ends.append(end)
                self.before.append(total)
                total += end - begin
                self.upto.append(total)

    def worked(self, at: int) -> int:
        """Working seconds from the start of the table up to `at`."""
        k = bisect_right(self.starts, at) - 1
        if k < 0:
            return 0
        return self.before[k] + min(at, self.ends[k]) - self.starts[k]

    def elapsed(self, start: int, end: int) -> int:
        return self.worked(end) - self.worked(start)

    def due(self, start: int, budget: int) -> int:
        """The first instant at which `budget` (> 0) working seconds have passed since
        `start` (the end of a working piece when it runs out exactly there)."""
        wanted = self.worked(start) + budget
        k = bisect_left(self.upto, wanted)
        if k == len(self.upto):
            raise ValueError("beyond the generated period")
        return self.starts[k] + wanted - self.before[k]
