"""The store benchmark's CPU instrument (``bench.timing.CpuUse``)."""

from __future__ import annotations

import sys
import time

from bench.timing import CpuUse


def test_cpu_use_counts_the_clients_own_cpu_seconds() -> None:
    with CpuUse() as cpu:
        deadline = time.process_time() + 0.2
        while time.process_time() < deadline:
            pass
    assert 0.2 <= cpu.client < 2
    assert cpu.describe(1.0).startswith(f"client CPU {cpu.client:.1f} s")


def test_cpu_use_does_not_count_time_spent_waiting() -> None:
    with CpuUse() as cpu:
        time.sleep(0.3)
    assert cpu.client < 0.1


def test_cpu_use_gives_the_machines_busy_share_on_linux() -> None:
    with CpuUse() as cpu:
        deadline = time.process_time() + 0.2
        while time.process_time() < deadline:
            pass
    if sys.platform == "linux":
        assert cpu.busy is not None
        assert 0 < cpu.busy <= 1
        floor = f"(kept busy throughout: {10 * cpu.busy:.1f} s)"
        assert cpu.describe(10.0).endswith(floor)
    else:
        assert cpu.busy is None
        assert cpu.describe(10.0) == f"client CPU {cpu.client:.1f} s"
