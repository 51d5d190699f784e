"""OCL API benchmark (issue 18), on PostgreSQL, with ``bench.data``'s SNOMED-sized set
(350,000 concepts, 1,000,000 descriptions, 500,000 mappings at scale 1.0) published as the
source ``/orgs/BENCH/sources/BIG/`` with a released version ``v1``:

- **concept by id**: the same 2,000 random concepts read through the OCL API
  (``…/sources/BIG/concepts/<id>/``) and the native API (``/<branch>/concepts/<id>``),
  anonymously, over HTTP from ``snowpath serve`` with wrk (16 connections), the two taking
  turns for ``--rounds`` rounds with issue 21's yardstick, ``bench.bare``'s Flask-alone
  endpoint under the same server settings, served beside (as ``bench.http`` does): OCL's
  rate over native's, at least 0.8, and over the bare endpoint's, at least 0.6;
- **a version GET with ``limit=0``** (``…/BIG/v1/?includeConcepts=true&includeMappings=true
  &limit=0``), read over loopback: time to the first byte (at most 1 s), the whole time, its
  size and the objects counted in it, and the peak resident memory (``VmHWM``) of every
  server process (at most 300 MB), with their memory before the request.

    .venv/bin/python -m bench.ocl [--scale 1.0] [--seconds 10] [--rounds 3]

The database ``snowpath_bench_ocl`` is dropped at the end. Needs ``wrk`` (``apt-get install
wrk``).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

import httpx

from bench import bare, databases
from bench.data import Terminology
from bench.export import OWNER, client_for, fill, ocl_source, owner_row, version
from bench.http import group_memory, serve, serve_bare, stop, taking_turns, warm
from bench.report import Row, emit_targets, log, machine
from revisions import RevisionStore, upgrade

DATABASE = "snowpath_bench_ocl"
SOURCE = "BIG"
RATIO_TARGET = 0.8
BARE_TARGET = 0.6
FIRST_BYTE_TARGET_S = 1.0
MEMORY_TARGET_MB = 300.0
_MARKERS = (b'"type":"Concept"', b'"type":"Mapping"')


def _stream_version(base: str) -> dict[str, float]:
    """GET the version with everything; first byte and total seconds, MB, objects."""
    url = (
        f"{base}/orgs/{OWNER}/sources/{SOURCE}/v1/"
        "?includeConcepts=true&includeMappings=true&limit=0"
    )
    counts = [0, 0]
    size, tail, first, first_object = 0, b"", None, None
    started = time.perf_counter()
    with httpx.stream("GET", url, timeout=600) as response:
        response.raise_for_status()
        # As the socket gives it: iter_raw(n) would buffer n bytes before the first chunk.
        for chunk in response.iter_raw():
            if first is None:
                first = time.perf_counter() - started
            size += len(chunk)
            window = tail + chunk
            for i, marker in enumerate(_MARKERS):
                counts[i] += window.count(marker) - tail.count(marker)
            if first_object is None and counts[0] + counts[1]:
                first_object = time.perf_counter() - started
            tail = window[-32:]
    return {
        "first_byte_s": first or 0.0,
        "first_object_s": first_object or 0.0,
        "total_s": time.perf_counter() - started,
        "mb": size / 1e6,
        "concepts": counts[0],
        "mappings": counts[1],
    }


def targets(
    ratios: list[float], rates: dict[str, list[float]], streamed: dict[str, float], peak: float
) -> list[Row]:
    """The four rows of BENCHMARKS.md: the rate ratio (every round at the goal), the OCL
    reads against the bare endpoint, the first byte and the peak memory of the version GET."""
    first_byte = streamed["first_byte_s"]
    ocl, ceiling = sum(rates["OCL"]) / len(rates["OCL"]), sum(rates["bare"]) / len(rates["bare"])
    return [
        Row(
            "OCL concept by id: rate through the OCL API / the native API's, the same "
            "2,000 concepts over HTTP",
            f"≥ {RATIO_TARGET}",
            ", ".join(f"{r:.2f}" for r in ratios)
            + f" (OCL {', '.join(f'{r:,.0f}' for r in rates['OCL'])} req/s, native "
            + f"{', '.join(f'{r:,.0f}' for r in rates['native'])} req/s)",
            min(ratios) >= RATIO_TARGET,
        ),
        Row(
            "HTTP concept by id / the bare endpoint, OCL",
            f">= {BARE_TARGET}",
            f"{ocl / ceiling:.2f} ({ocl:,.0f} against {ceiling:,.0f} req/s)",
            ocl / ceiling >= BARE_TARGET,
        ),
        Row(
            "OCL version GET `limit=0`: first byte",
            f"≤ {FIRST_BYTE_TARGET_S:.0f} s",
            f"{first_byte * 1000:,.0f} ms (the first concept at "
            f"{streamed['first_object_s'] * 1000:,.0f} ms, "
            f"the body in {streamed['total_s']:.1f} s)",
            first_byte <= FIRST_BYTE_TARGET_S,
        ),
        Row(
            "OCL version GET `limit=0`: the server's peak memory",
            f"≤ {MEMORY_TARGET_MB:.0f} MB",
            f"{peak:.0f} MB",
            peak <= MEMORY_TARGET_MB,
        ),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--server-url", default=databases.DEFAULT_SERVER)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    engine, server_name = databases.fresh_postgres(args.server_url, DATABASE)
    url = databases.database_url(args.server_url, DATABASE)
    try:
        upgrade(engine)
        store = RevisionStore(engine)
        store.initialize()
        data = Terminology(args.scale)
        with tempfile.TemporaryDirectory() as temp:
            owner_row(store)
            ocl_source(client_for(store, Path(temp)), SOURCE)
            started = time.perf_counter()
            fill(store, SOURCE, data)
            version(store, SOURCE, "v1")
            log(f"loaded {data.sizes.total:,} components in {time.perf_counter() - started:.0f} s")
        branch = store.codesystems.get(SOURCE).branch_path
        ids = random.Random(18).sample(data.concept_ids, 2000)
        paths = {
            "OCL": [f"/orgs/{OWNER}/sources/{SOURCE}/concepts/{cid}/" for cid in ids],
            "native": [f"/{branch}/concepts/{cid}" for cid in ids],
        }
        process, base = serve(url, args.workers)
        try:
            bare_process, bare_base = serve_bare(args.workers)
            try:
                kinds = {kind: (base, sample) for kind, sample in paths.items()}
                kinds["bare"] = (bare_base, [bare.PATH])
                warm(kinds)
                turns = taking_turns(kinds, args.rounds, args.seconds * args.rounds)
            finally:
                stop(bare_process)
            rates = {kind: [run["rps"] for run in runs] for kind, runs in turns.items()}
            before = group_memory(process.pid)
            streamed = _stream_version(base)
            after = group_memory(process.pid)
        finally:
            stop(process)
    finally:
        engine.dispose()
        databases.drop_postgres(args.server_url, DATABASE)
    ratios = [o / n for o, n in zip(rates["OCL"], rates["native"], strict=True)]  # same turns
    peak = max(hwm for _, hwm in after.values())
    print(f"\nOCL benchmark, scale {args.scale}, {server_name}, {args.workers} server processes")
    print(*machine(), sep="\n")
    print("\n| measure | target | measured |\n|---|---|---|")
    print(
        f"| concept by id, OCL / native rate (wrk, 16 connections, {args.rounds} rounds of "
        f"{args.seconds} s each, taking turns) | ≥ {RATIO_TARGET} | "
        + ", ".join(f"{r:.2f}" for r in ratios)
        + " (OCL "
        + ", ".join(f"{r:,.0f}" for r in rates["OCL"])
        + " req/s; native "
        + ", ".join(f"{r:,.0f}" for r in rates["native"])
        + " req/s) |"
    )
    print(
        f"| version GET limit=0, first byte | ≤ {FIRST_BYTE_TARGET_S:.0f} s | "
        f"{streamed['first_byte_s'] * 1000:.0f} ms (the first concept: "
        f"{streamed['first_object_s'] * 1000:.0f} ms) |"
    )
    print(
        f"| version GET limit=0, server peak memory | ≤ {MEMORY_TARGET_MB:.0f} MB | "
        f"{peak:.0f} MB (resident before the request: "
        + ", ".join(f"{rss:.0f} MB" for rss, _ in before.values())
        + ") |"
    )
    print(
        f"| version GET limit=0, whole | - | {streamed['total_s']:.1f} s, "
        f"{streamed['mb']:.0f} MB, {streamed['concepts']:,.0f} concepts, "
        f"{streamed['mappings']:,.0f} mappings |"
    )
    print(
        "| concept by id, OCL / the bare endpoint (Flask alone, the same server settings, "
        f"taking turns) | ≥ {BARE_TARGET} | "
        + ", ".join(f"{r:,.0f}" for r in rates["bare"])
        + " req/s (bare) |"
    )
    emit_targets(targets(ratios, rates, streamed, peak))


if __name__ == "__main__":
    main()
