"""The benchmark's scenarios, run one after another against one stack, beside the baseline.

Figures are overheads and ratios against the baseline measured in the same run, so they
hold across machines and runs better than raw latencies do.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import statistics
import sys
import time
import traceback
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import orjson
from guidera.v1 import search_service_pb2_grpc

from bench import aggregation
from bench.load import Sample, closed_loop, flight_request, one_search, open_loop, requests_for
from bench.report import Report, Row, ms, percentile, with_overhead
from bench.stack import SERVER_CORE, Stack, cpu_seconds, pinning, rss_mib, running_stack
from bench.workload import FLIGHT_LATENCY_MS, flight_searches
from guidera_grpc.cache.backend import MEMORY_MAX_BYTES

#: The share of its core past which a server's queue grows without bound.
SATURATED_CORE = 0.9


@dataclass(frozen=True, slots=True)
class Plan:
    """How much of each scenario a run does."""

    mode: str
    levels: dict[int, int]
    step_s: float
    soak_s: float
    cache_count: int
    aggregation_sizes: tuple[int, ...]
    max_knee_steps: int = 20

    @classmethod
    def make(cls, mode: str) -> Plan:
        """``full`` (BENCHMARKS.md's figures), ``quick`` (under two minutes) or ``smoke`` (the
        test suite's check that every scenario runs)."""
        if mode == "smoke":
            return cls(mode, {1: 2, 10: 10}, 1.0, 2.0, 40, (1000,), max_knee_steps=2)
        if mode == "quick":
            return cls(mode, {1: 5, 10: 20, 50: 50}, 1.5, 6.0, 200, (1000, 10000))
        return cls(
            mode, {1: 40, 10: 200, 50: 600, 200: 1000}, 8.0, 600.0, 3000, (1000, 10000, 100000)
        )


class Counter:
    """Where the next distinct searches start, so no scenario repeats another's."""

    def __init__(self) -> None:
        self.next = 0

    def take(self, count: int) -> int:
        start = self.next
        self.next += count + 10
        return start


async def baseline(
    stack: Stack, scenario: str, concurrency: int, count: int, start: int
) -> dict[str, Any]:
    """Run the baseline in a process of its own, on the server's core."""
    command = [
        sys.executable,
        "-m",
        "bench.baseline",
        "--sandbox",
        stack.sandbox_url,
        "--scenario",
        scenario,
        "--concurrency",
        str(concurrency),
        "--count",
        str(count),
        "--start",
        str(start),
    ]
    if pinning():
        command = ["taskset", "-c", str(SERVER_CORE), *command]
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"baseline failed: {err.decode()[-2000:]}")
    result: dict[str, Any] = orjson.loads(out)
    return result


def _firsts(samples: list[Sample]) -> list[float]:
    return [s.first_s for s in samples if s.first_s is not None and s.code == "OK"]


def _dones(samples: list[Sample]) -> list[float]:
    return [s.done_s for s in samples if s.code == "OK"]


def _ratio(ours: float, base: float) -> str:
    return f"{ours / base:.2f}x" if base > 0 and not math.isnan(ours) else ""


def _met(ok: bool) -> str:
    return "yes" if ok else "NO"


async def concurrency_levels(
    stub: search_service_pb2_grpc.SearchServiceAsyncStub,
    stack: Stack,
    plan: Plan,
    counter: Counter,
    report: Report,
) -> float:
    """Overhead to first offers and to completion at each concurrency, CPU per search at 50.
    Returns the unloaded time to first offers (p50 at one stream)."""
    unloaded = math.nan
    for concurrency, count in plan.levels.items():
        start = counter.take(count)
        cpu_before = cpu_seconds(stack.server.pid)
        ours = await closed_loop(stub, requests_for("flights", start), concurrency, count)
        cpu_ours = (cpu_seconds(stack.server.pid) - cpu_before) / max(1, len(ours))
        base = await baseline(stack, "flights", concurrency, count, start)
        firsts, dones = _firsts(ours), _dones(ours)
        failed = sum(1 for s in ours if s.code != "OK")
        offers = statistics.median([s.offers for s in ours]) if ours else 0
        p50, p99 = percentile(firsts, 50), percentile(firsts, 99)
        b50, b99 = percentile(base["first_s"], 50), percentile(base["first_s"], 99)
        d50, bd50 = percentile(dones, 50), percentile(base["last_s"], 50)
        cpu_base = base["cpu_s"] / max(1, len(base["first_s"]))
        if concurrency == 1:
            unloaded = p50
        label = f"{concurrency} streams"
        report.data[f"flights_c{concurrency}"] = {
            "count": count,
            "failed": failed,
            "first_p50": p50,
            "first_p99": p99,
            "baseline_first_p50": b50,
            "baseline_first_p99": b99,
            "done_p50": d50,
            "baseline_last_p50": bd50,
            "cpu_per_search_s": cpu_ours,
            "baseline_cpu_per_search_s": cpu_base,
            "offers_p50": offers,
        }
        target = concurrency == 50
        report.add(
            Row(
                label,
                "first offers p50 (overhead over fastest supplier)",
                with_overhead(p50, b50),
                ms(b50),
                _ratio(p50, b50),
                "+2 ms" if target else "",
                _met(p50 - b50 <= 0.002) if target else "",
            )
        )
        report.add(
            Row(
                label,
                "first offers p99 (overhead)",
                with_overhead(p99, b99),
                ms(b99),
                _ratio(p99, b99),
                "+10 ms" if target else "",
                _met(p99 - b99 <= 0.010) if target else "",
            )
        )
        report.add(
            Row(
                label,
                "completion p50 (overhead over slowest supplier)",
                with_overhead(d50, bd50),
                ms(bd50),
                _ratio(d50, bd50),
            )
        )
        report.add(
            Row(
                label,
                f"CPU per search ({offers:.0f} offers after merging; {failed} of {count} failed)",
                ms(cpu_ours),
                ms(cpu_base),
                _ratio(cpu_ours, cpu_base),
                "1.3x" if target else "",
                _met(cpu_ours <= 1.3 * cpu_base) if target else "",
            )
        )
    return unloaded


async def knee(
    stub: search_service_pb2_grpc.SearchServiceAsyncStub,
    stack: Stack,
    plan: Plan,
    counter: Counter,
    report: Report,
    unloaded: float,
) -> float:
    """Raise the rate until time to first offers is four times the unloaded one, or the
    server's CPU demand (rate times CPU per search) reaches 90 % of its core: a step of a few
    seconds ends before the queue of a saturated server shows in its times. The last rate
    below that is the sustained throughput. Returns the knee rate, the first one past it."""
    rate = 5.0
    sustained = 0.0
    steps: list[dict[str, float]] = []
    while rate < 1000 and len(steps) < plan.max_knee_steps:
        start = counter.take(int(rate * plan.step_s))
        cpu_before = cpu_seconds(stack.server.pid)
        samples = await open_loop(stub, requests_for("flights", start), rate, plan.step_s)
        cpu_per = (cpu_seconds(stack.server.pid) - cpu_before) / max(1, len(samples))
        firsts = _firsts(samples)
        p50 = percentile(firsts, 50)
        failed = sum(1 for s in samples if s.code != "OK") / max(1, len(samples))
        steps.append({"rate": rate, "first_p50": p50, "failed": failed, "cpu_per_search": cpu_per})
        print(
            f"  knee search: {rate:6.1f}/s first offers p50 {ms(p50)}, "
            f"failed {failed:.0%}, CPU {ms(cpu_per)} a search",
            flush=True,
        )
        saturated = rate * cpu_per >= SATURATED_CORE
        if math.isnan(p50) or p50 > 4 * unloaded or failed > 0.05 or saturated:
            break
        sustained = rate
        rate *= 1.4
    report.data["knee_steps"] = steps
    report.add(
        Row(
            "throughput",
            "searches/s before the knee (4x first offers)",
            f"{sustained:.1f}/s",
            target="",
        )
    )
    return rate


async def cache_hits(
    stub: search_service_pb2_grpc.SearchServiceAsyncStub,
    stack: Stack,
    plan: Plan,
    counter: Counter,
    report: Report,
) -> None:
    """The same search answered from the cache, 20 streams at once. The load generator
    shares a core with the sandbox and tops out near the server, so the server's capacity
    is also given from its CPU time per hit."""
    search = next(flight_searches(counter.take(1)))
    request = flight_request(search, refresh=False)
    await one_search(stub, request)
    started = time.perf_counter()
    cpu_before = cpu_seconds(stack.server.pid)
    remaining = plan.cache_count
    samples: list[Sample] = []

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            samples.append(await one_search(stub, request))

    await asyncio.gather(*(worker() for _ in range(20)))
    elapsed = time.perf_counter() - started
    cpu_per_hit = (cpu_seconds(stack.server.pid) - cpu_before) / max(1, len(samples))
    rate = len(samples) / elapsed
    capacity = 1 / cpu_per_hit if cpu_per_hit > 0 else math.inf
    dones = _dones(samples)
    report.data["cache"] = {
        "hits_per_s": rate,
        "server_cpu_per_hit_s": cpu_per_hit,
        "capacity_per_s": capacity,
        "p50": percentile(dones, 50),
        "p99": percentile(dones, 99),
    }
    report.add(
        Row(
            "cache",
            f"hits/s sent (p50 {ms(percentile(dones, 50))}, p99 {ms(percentile(dones, 99))})",
            f"{rate:.0f}/s",
        )
    )
    report.add(
        Row(
            "cache",
            f"hits/s one server process can answer (CPU {ms(cpu_per_hit)} a hit)",
            f"{capacity:.0f}/s",
            target=">= 1500/s",
            met=_met(capacity >= 1500),
        )
    )


async def hotels(
    stub: search_service_pb2_grpc.SearchServiceAsyncStub,
    stack: Stack,
    plan: Plan,
    counter: Counter,
    report: Report,
) -> None:
    """Hotelbeds hotel searches, ten streams at once, beside the baseline."""
    count = plan.levels[10]
    start = counter.take(count)
    cpu_before = cpu_seconds(stack.server.pid)
    ours = await closed_loop(stub, requests_for("hotels", start), 10, count)
    cpu_ours = (cpu_seconds(stack.server.pid) - cpu_before) / max(1, len(ours))
    base = await baseline(stack, "hotels", 10, count, start)
    firsts = _firsts(ours)
    p50, b50 = percentile(firsts, 50), percentile(base["first_s"], 50)
    cpu_base = base["cpu_s"] / max(1, len(base["first_s"]))
    report.add(
        Row(
            "hotels, 10",
            "first offers p50 (overhead over Hotelbeds)",
            with_overhead(p50, b50),
            ms(b50),
            _ratio(p50, b50),
        )
    )
    report.add(
        Row("hotels, 10", "CPU per search", ms(cpu_ours), ms(cpu_base), _ratio(cpu_ours, cpu_base))
    )


def merging(plan: Plan, report: Report) -> None:
    """Merging and ranking alone, and how its cost grows with n."""
    results = [
        aggregation.measure(n, repeats=1 if n >= 100000 else 3) for n in plan.aggregation_sizes
    ]
    report.data["aggregation"] = results
    first = results[0]
    for result in results:
        n = result["n"]
        growth = result["seconds"] / first["seconds"]
        nlogn = (n * math.log(n)) / (first["n"] * math.log(first["n"]))
        target = n == 10000
        report.add(
            Row(
                "aggregation",
                f"merge+rank {n:,} offers (x{growth:.1f}; n log n x{nlogn:.1f}), "
                f"peak {result['peak_mib']:.1f} MiB",
                ms(result["seconds"]),
                target="50 ms" if target else "",
                met=_met(result["seconds"] <= 0.05) if target else "",
            )
        )


async def soak(
    stub: search_service_pb2_grpc.SearchServiceAsyncStub,
    stack: Stack,
    plan: Plan,
    counter: Counter,
    report: Report,
    rate: float,
) -> None:
    """Half the knee rate for the soak's length: resident memory at start and end, and
    beside it what the bounded cache holds, the part of memory that may grow to its bound."""
    pid = stack.server.pid
    start_rss = rss_mib(pid)
    readings = [start_rss]
    cached = [await stack.cache_mib()]
    chunk = min(30.0, plan.soak_s)
    done = 0.0
    failures = 0
    total = 0
    while done < plan.soak_s:
        start = counter.take(int(rate * chunk) + 1)
        samples = await open_loop(stub, requests_for("flights", start), rate, chunk)
        failures += sum(1 for s in samples if s.code != "OK")
        total += len(samples)
        done += chunk
        readings.append(rss_mib(pid))
        cached.append(await stack.cache_mib())
    report.data["soak"] = {
        "rate": rate,
        "seconds": plan.soak_s,
        "rss_mib": readings,
        "cache_mib": cached,
    }
    report.add(
        Row(
            "soak",
            f"RSS at {rate:.1f}/s for {plan.soak_s:.0f} s ({failures} of {total} failed); "
            f"middle {readings[len(readings) // 2]:.0f} MiB",
            f"{start_rss:.0f} -> {readings[-1]:.0f} MiB",
        )
    )
    report.add(
        Row(
            "soak",
            f"of which the cache holds (bounded at {MEMORY_MAX_BYTES // 2**20} MiB)",
            f"{cached[0]:.0f} -> {cached[-1]:.0f} MiB",
        )
    )


async def overload(
    plan: Plan, counter: Counter, report: Report, knee_rate: float, unloaded: float, logs: Path
) -> None:
    """Twice the knee rate against a server whose search limit is sized from the knee:
    admitted searches keep their time to first offers, the rest are refused at once."""
    slowest_s = max(FLIGHT_LATENCY_MS.values()) / 1000
    # Searches in flight at the last rate below the knee: what the server sustains.
    limit = max(4, math.ceil(knee_rate / 1.4 * (slowest_s + 0.1)))
    rate = 2 * knee_rate
    async with (
        running_stack(logs, GUIDERA_MAX_ACTIVE_SEARCHES=str(limit)) as stack,
        grpc.aio.insecure_channel(stack.server_address) as channel,
    ):
        stub = search_service_pb2_grpc.SearchServiceStub(channel)
        await closed_loop(stub, requests_for("flights", counter.take(20)), 5, 20)
        start = counter.take(int(rate * plan.step_s * 2))
        samples = await open_loop(stub, requests_for("flights", start), rate, plan.step_s * 2)
    admitted = [s for s in samples if s.code == "OK"]
    refused = [s for s in samples if s.code == "RESOURCE_EXHAUSTED"]
    other = len(samples) - len(admitted) - len(refused)
    p50 = percentile(_firsts(admitted), 50)
    refused_p99 = percentile([s.done_s for s in refused], 99)
    report.data["overload"] = {
        "rate": rate,
        "limit": limit,
        "admitted": len(admitted),
        "refused": len(refused),
        "other": other,
        "admitted_first_p50": p50,
        "refused_p99": refused_p99,
    }
    report.add(
        Row(
            "overload",
            f"{rate:.0f}/s, limit {limit}: {len(admitted)} admitted, first offers p50 "
            "(beside: ours unloaded)",
            ms(p50),
            ms(unloaded),
            _ratio(p50, unloaded),
            "2x unloaded",
            _met(p50 <= 2 * unloaded),
        )
    )
    report.add(
        Row(
            "overload",
            f"{len(refused)} refused (RESOURCE_EXHAUSTED), {other} other; refusal p99",
            ms(refused_p99),
        )
    )


SCENARIOS = ("levels", "knee", "cache", "hotels", "soak", "aggregation", "overload")


async def run_all(plan: Plan, report: Report, logs: Path, only: set[str]) -> str:
    """The chosen scenarios (the knee is measured when a later one needs it); returns the
    kind of database the server ran on. Each group of scenarios gets a fresh stack: a load
    past what the machine can serve times calls out, and the circuits and health checks that
    rightly react to that would otherwise shape the next scenario."""
    counter = Counter()
    unloaded = math.nan
    knee_rate = 0.0
    kind = ""
    needs_knee = bool(only & {"knee", "soak", "overload"})
    if "levels" in only or needs_knee:
        async with _kept_going(report, "levels"), _serving(logs) as (stack, stub):
            kind = stack.database_kind
            unloaded = await concurrency_levels(stub, stack, plan, counter, report)
    if needs_knee:
        async with _kept_going(report, "knee"), _serving(logs) as (stack, stub):
            knee_rate = await knee(stub, stack, plan, counter, report, unloaded)
    if only & {"cache", "hotels", "soak"}:
        group = ", ".join(name for name in ("cache", "hotels", "soak") if name in only)
        async with _kept_going(report, group), _serving(logs) as (stack, stub):
            kind = kind or stack.database_kind
            if "cache" in only:
                async with _kept_going(report, "cache"):
                    await cache_hits(stub, stack, plan, counter, report)
            if "hotels" in only:
                async with _kept_going(report, "hotels"):
                    await hotels(stub, stack, plan, counter, report)
            if "soak" in only:
                async with _kept_going(report, "soak"):
                    await soak(stub, stack, plan, counter, report, max(1.0, knee_rate / 2))
    if "aggregation" in only:
        merging(plan, report)
    if "overload" in only:
        async with _kept_going(report, "overload"):
            await overload(plan, counter, report, knee_rate, unloaded, logs)
    return kind or "not started"


@contextlib.asynccontextmanager
async def _kept_going(report: Report, scenario: str) -> AsyncIterator[None]:
    """A scenario that fails is reported as a row and the run goes on, so that one failure
    late in a long run does not lose the figures measured before it."""
    try:
        yield
    except Exception as error:
        traceback.print_exc()
        report.failed.append(scenario)
        report.add(Row(scenario, f"FAILED: {type(error).__name__}: {error}"[:200], ""))


@contextlib.asynccontextmanager
async def _serving(
    logs: Path,
) -> AsyncIterator[tuple[Stack, search_service_pb2_grpc.SearchServiceAsyncStub]]:
    """A fresh stack and a client of it, warmed up (connections, the Amadeus token)."""
    async with (
        running_stack(logs) as stack,
        grpc.aio.insecure_channel(stack.server_address) as channel,
    ):
        stub = search_service_pb2_grpc.SearchServiceStub(channel)
        await closed_loop(stub, requests_for("flights", 9000), 5, 10)
        yield stack, stub
