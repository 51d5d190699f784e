"""Benchmark: path expressions parsed per second, per form and over a typical mix.

Run from the repository root:  .venv/bin/python -m bench.paths [--seconds 0.3]

`parse` has no cache; the target is 200,000 parses/s of the typical mix on a 2-core machine.
The `careful` column is the reference route (`parse_carefully`) that every parse falls back to
when the fast regular expression declines, e.g. for percent-escapes and ISO instants.
Not a test: it prints a table and the machine facts, for BENCHMARKS.md.
"""

import argparse
import os
import platform
import time
from collections.abc import Callable

from bench.report import Row, emit_targets
from snowpath import parse
from snowpath.parse import parse_carefully

TARGET = 200_000
TYPICAL = {
    "absolute MAIN": "MAIN",
    "absolute, 4 segments": "MAIN/2021-01-31/SNOMEDCT-UK-CL/100",
    "relative": "SNOMEDCT-UK-CL/100",
    "timestamp": "MAIN@1630504199999",
    "range": "MAIN/2019-07-31/SNOMEDCT-UK-CL/2020-08-05...MAIN/2021-01-31/SNOMEDCT-UK-CL",
    "base point": "MAIN/2019-07-31/SNOMEDCT-UK-CL/101^",
}
LESS_COMMON = {
    "relative HEAD": "SNOMEDCT-UK-CL/HEAD",
    "ISO instant": "MAIN@2021-09-01T13:49:59.999Z",
    "percent-encoded": "MAIN/2019-07-31/SNOMEDCT-UK-CL/101%5E",
}


def rate(parser: Callable[[str], object], texts: list[str], seconds: float) -> float:
    """Best-of-5 parses per second of `parser` over `texts`, each run about `seconds` long."""
    rounds = 1
    while True:  # grow the batch until one run takes long enough to time reliably
        started = time.perf_counter()
        for _ in range(rounds):
            for text in texts:
                parser(text)
        elapsed = time.perf_counter() - started
        if elapsed >= seconds / 5:
            break
        rounds *= 2
    best = elapsed
    for _ in range(4):
        started = time.perf_counter()
        for _ in range(rounds):
            for text in texts:
                parser(text)
        best = min(best, time.perf_counter() - started)
    return rounds * len(texts) / best


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--seconds", type=float, default=0.3, help="time per measurement")
    seconds = arguments.parse_args().seconds

    print(
        f"python {platform.python_version()} ({platform.python_implementation()}), "
        f"{os.cpu_count()} cpus, {platform.machine()}, {platform.system()}"
    )
    print(f"{'form':<24} {'parse/s':>12} {'careful/s':>12}  example")
    rows = [*TYPICAL.items(), *LESS_COMMON.items()]
    for form, text in rows:
        fast = rate(parse, [text], seconds)
        careful = rate(parse_carefully, [text], seconds)
        print(f"{form:<24} {fast:>12,.0f} {careful:>12,.0f}  {text}")
    mix = list(TYPICAL.values())
    mixed = rate(parse, mix, seconds)
    print(f"{'typical mix':<24} {mixed:>12,.0f} {rate(parse_carefully, mix, seconds):>12,.0f}")
    verdict = "meets" if mixed >= TARGET else "MISSES"
    print(f"typical mix, uncached: {mixed:,.0f} parses/s {verdict} the target of {TARGET:,}")
    emit_targets([Row("typical mix", f"≥ {TARGET:,}/s", f"{mixed:,.0f}/s", mixed >= TARGET)])


if __name__ == "__main__":
    main()
