"""The store benchmark's CPU instrument (``bench.timing.CpuUse``).

The client's CPU seconds are the whole process's, so the tests that bound them run in a
fresh interpreter: a test worker's process may hold other tests' threads, busy while these
wait.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from bench.timing import CpuUse

_ROOT = Path(__file__).resolve().parent.parent


def _client_seconds(step: str) -> float:
    """The ``client`` CPU seconds a fresh interpreter's ``CpuUse`` counts over ``step``."""
    program = (
        "import time\nfrom bench.timing import CpuUse\n"
        f"with CpuUse() as cpu:\n    {step}\nprint(repr(cpu.client))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], cwd=_ROOT, capture_output=True, text=True, check=True
    )
    return float(done.stdout)


def test_cpu_use_counts_the_clients_own_cpu_seconds() -> None:
    spun = _client_seconds(
        "deadline = time.process_time() + 0.2\n    while time.process_time() < deadline: pass"
    )
    assert 0.2 <= spun < 2


def test_cpu_use_does_not_count_time_spent_waiting() -> None:
    assert _client_seconds("time.sleep(0.3)") < 0.1


def test_cpu_use_describes_the_clients_cpu_seconds() -> None:
    with CpuUse() as cpu:
        time.sleep(0.01)
    assert cpu.describe(1.0).startswith(f"client CPU {cpu.client:.1f} s")


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
