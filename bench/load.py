"""The load generator of the harness: C concurrent requests on one keep-alive client for a
bounded time, every latency recorded; and the percentiles of a run.

Only 127.0.0.1 is ever driven. A response with another status than the call expects (200
for reads, 201 for creations: a page answering 302 to the sign-in form has not been
measured), or no response at all, is an error: counted, and the first one kept with its
status and the head of its body so that the harness can say loudly what went wrong.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

BODY_HEAD = 600  # characters of an error's body kept for the report


@dataclass(frozen=True)
class Call:
    """One request: what `next_call(i)` returns for the i-th request of a scenario."""

    method: str
    path: str
    json: Any = None
    expect: int = 200  # a redirect to the sign-in page is a failure, not a 3xx success


@dataclass
class Run:
    """What a scenario measured: latencies (seconds) of the requests started after the
    warm-up, over `seconds` of wall time."""

    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    errors: int = 0  # among the measured requests
    warmup_requests: int = 0
    warmup_errors: int = 0
    first_error: str = ""  # warm-up or measured


def percentile(ordered: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of an ascending sequence (p in 0..100)."""
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summarize(run: Run) -> dict[str, Any]:
    """Requests, requests/s and p50/p95/p99/max in milliseconds, rounded for the report."""
    ordered = sorted(run.latencies)
    count = len(ordered)

    def ms(p: float) -> float | None:
        return round(percentile(ordered, p) * 1000, 2) if ordered else None

    return {
        "requests": count,
        "seconds": round(run.seconds, 3),
        "requests_per_s": round(count / run.seconds, 1) if run.seconds > 0 else None,
        "p50_ms": ms(50),
        "p95_ms": ms(95),
        "p99_ms": ms(99),
        "max_ms": ms(100),
        "errors": run.errors,
        "warmup_requests": run.warmup_requests,
        "warmup_errors": run.warmup_errors,
        "first_error": run.first_error or None,
    }


async def drive(
    client: httpx.AsyncClient,
    next_call: Callable[[int], Call],
    *,
    concurrency: int,
    seconds: float,
    warmup: float,
    max_requests: int,
) -> Run:
    """`concurrency` workers send `next_call(0)`, `next_call(1)`, … back to back for
    `warmup` + `seconds`, or until `max_requests` have been measured. Requests started
    during the warm-up are not measured; none is started after the end."""
    run = Run()
    counter = 0
    loop = asyncio.get_running_loop()
    started = loop.time()
    measure_from = started + warmup
    stop_at = measure_from + seconds
    last_done = measure_from

    async def worker() -> None:
        nonlocal counter, last_done
        while True:
            begin = loop.time()
            if begin >= stop_at or len(run.latencies) >= max_requests:
                return
            call = next_call(counter)
            counter += 1
            t0 = time.perf_counter()
            error = ""
            try:
                response = await client.request(call.method, call.path, json=call.json)
                if response.status_code != call.expect:
                    error = f"HTTP {response.status_code}: {response.text[:BODY_HEAD]}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            elapsed = time.perf_counter() - t0
            if begin < measure_from:
                run.warmup_requests += 1
                run.warmup_errors += bool(error)
            else:
                run.latencies.append(elapsed)
                run.errors += bool(error)
                last_done = max(last_done, loop.time())
            if error and not run.first_error:
                run.first_error = f"{call.method} {call.path} -> {error}"

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    run.seconds = last_done - measure_from
    return run
