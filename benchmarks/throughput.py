"""Worker throughput against a loopback provider with a fixed latency, as a fraction of ideal (concurrency ÷
latency): 100 ms at concurrency 1, 4, 8 and 16 (target ≥ 95 % at 8), and 1 s at 32 (target ≥ 90 %).

The rate is read from the ledger: jobs finished after the first round, over the time from the end of the
first round to the last finish. Process start-up and each thread's first job (imports, config load, the
first connection) are left out: this is the steady state of a long-running worker. Each level runs TRIALS
times, taking turns with the other levels, and reports the median (one run of 8 varies by ±4 points here).

Beside concurrency 8, the floor: a bare httpx client (a process of 8 threads, each posting the same kind of
request to the same server, nothing else) measured the same way. What separates a level from ideal is the
HTTP round trip itself plus stepper's own work around it (the queue, the ledger, the cache, limits, checks).
"""

from __future__ import annotations

import os
import statistics
import subprocess
from pathlib import Path

from benchmarks.common import PYTHON, STEPPER, Result, scratch, shas, time_process

CASES = ((1, 0.1), (4, 0.1), (8, 0.1), (16, 0.1), (32, 1.0))  # (concurrency, provider latency in seconds)
TARGETS = {(8, 0.1): 0.95, (32, 1.0): 0.90}
ROUNDS = 12  # jobs per worker thread
TRIALS = 3
FLOOR = (8, 0.1)

Case = tuple[int, float]

# The floor's client: `threads` threads, each posting `rounds` chat requests (a 3 KB prompt) on its own client;
# prints the finish times, which are read as the worker's ledger is.
_BARE_CLIENT = """
import sys, threading, time, httpx
url, threads, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
body = {"model": "m", "messages": [{"role": "user", "content": "diff --git a/f.py b/f.py\\n+x = 1\\n" * 120}]}
done = []
def post():
    with httpx.Client(timeout=10) as client:
        for _ in range(rounds):
            client.post(url + "/v1/chat/completions", json=body).raise_for_status()
            done.append(time.time())
workers = [threading.Thread(target=post) for _ in range(threads)]
for w in workers: w.start()
for w in workers: w.join()
print(" ".join(map(repr, done)))
"""


def run() -> list[Result]:
    from tests.support.provider_server import ProviderServer

    trials: dict[Case, list[tuple[float, set[str]]]] = {case: [] for case in CASES}
    bare: list[float] = []
    latencies = sorted({latency for _, latency in CASES})
    servers = {latency: ProviderServer(scenario=f"latency:{int(latency * 1000)}").start() for latency in latencies}
    try:
        for _ in range(TRIALS):
            for concurrency, latency in CASES:
                trials[(concurrency, latency)].append(measure(servers[latency].url, concurrency))
                if (concurrency, latency) == FLOOR:
                    bare.append(measure_bare(servers[latency].url, concurrency) / (concurrency / latency))
    finally:
        for server in servers.values():
            server.stop()
    results = [result(case, trials[case]) for case in CASES]
    spread = ", ".join(f"{f:.0%}" for f in sorted(bare))
    note = f"the floor: no stepper, the same server and concurrency; runs {spread}"
    results.insert(
        CASES.index(FLOOR) + 1,
        Result("  a bare httpx client: % of ideal", statistics.median(bare) * 100, "%", note=note),
    )
    return results


def measure(url: str, concurrency: int) -> tuple[float, set[str]]:
    """One burst worker over ROUNDS jobs a thread: its steady rate (jobs/s) and the providers that answered."""
    jobs = ROUNDS * concurrency
    with scratch(commits=jobs + 1) as repo:
        config = Path(os.environ["STEPPER_HOME"]).parent / "config.toml"
        config.write_text(
            f'[[providers]]\nname = "primary"\nkind = "openai"\nmodel = "m"\nbase_url = "{url}/v1"\n'
            'api_key_env = ""\nrps = 10000\nconcurrency = 64\ntimeout_seconds = 10\n'
        )
        os.environ["STEPPER_CONFIG"] = str(config)
        time_process([STEPPER, "enqueue", f"{shas(repo)[0]}..HEAD", "--quiet"], repo)
        time_process([STEPPER, "worker", "--burst", "--concurrency", str(concurrency), "--quiet"], repo)
        return _rate(concurrency)


def measure_bare(url: str, concurrency: int) -> float:
    """The floor's steady rate (jobs/s): a bare client's requests, ROUNDS a thread."""
    out = subprocess.run([PYTHON, "-c", _BARE_CLIENT, url, str(concurrency), str(ROUNDS)],
                         check=True, capture_output=True, text=True).stdout  # fmt: skip
    return _steady(sorted(float(t) for t in out.split()), concurrency)


def result(case: Case, trials: list[tuple[float, set[str]]]) -> Result:
    concurrency, latency = case
    ideal = concurrency / latency
    fractions = sorted(rate / ideal for rate, _ in trials)
    fraction = statistics.median(fractions)
    providers = set().union(*(p for _, p in trials))
    goal = TARGETS.get(case)
    spread = ", ".join(f"{f:.0%}" for f in fractions)
    note = f"{fraction * ideal:.1f} jobs/s of {ideal:.0f}; runs {spread}"
    note += "" if providers == {"primary"} else f"; providers {providers}"
    target = f"≥ {goal:.0%}" if goal is not None else ""
    name = f"concurrency {concurrency:>2}, {latency * 1000:g} ms provider: % of ideal"
    # a job the local analyzer answered did not wait for the provider: its speed is no measure of the worker
    met = None if goal is None else fraction >= goal and providers == {"primary"}
    return Result(name, fraction * 100, "%", target, met, note)


def _rate(concurrency: int) -> tuple[float, set[str]]:
    from stepper_cli.jobs.ledger import Ledger
    from stepper_cli.store import open_store

    with open_store("") as store:
        done = [j for j in Ledger(store).jobs() if j["state"] == "done"]
    return _steady(sorted(j["finished_at"] for j in done), concurrency), {j["provider"] for j in done}


def _steady(finishes: list[float], concurrency: int) -> float:
    """Jobs a second after the first round: the finishes from the concurrency-th on, over their span."""
    steady = finishes[concurrency - 1 :]
    return (len(steady) - 1) / (steady[-1] - steady[0])
