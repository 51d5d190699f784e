"""A job kind for tests that runs until it is told to stop, and processes that hold it.

``test-wait`` waits until the file ``params["release"]`` exists (or ``params["timeout"]``
seconds pass), so a test can keep a job running, kill its process, or let it finish. It is
registered only by importing this module, which the product never does; no API creates jobs
of an arbitrary kind, so a worker running it is only ever a test's doing.

``python -m tests.exporter.slow_jobs embedded DATABASE_URL JOB_ID...`` submits the jobs to a
one-thread :class:`~exporter.jobs.ThreadRunner` (the embedded mode) and waits to be killed.
``python -m tests.exporter.slow_jobs worker`` is ``snowpath worker`` with ``test-wait``
registered.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import Any

from exporter.jobs import ThreadRunner, handler
from revisions import RevisionStore, make_engine

KIND = "test-wait"


@handler(KIND)
def wait(store: RevisionStore, params: dict[str, Any]) -> dict[str, Any]:
    release = Path(params["release"])
    deadline = time.monotonic() + params.get("timeout", 120)
    while not release.exists():
        if time.monotonic() > deadline:
            return {"released": False}
        time.sleep(0.01)
    return {"released": True}


def embedded(database_url: str, job_ids: list[str]) -> None:
    runner = ThreadRunner(RevisionStore(make_engine(database_url)), workers=1)
    for job_id in job_ids:
        runner.submit(job_id)
    print("submitted", flush=True)
    threading.Event().wait()  # until killed


def main(argv: list[str]) -> None:
    if argv[0] == "embedded":
        embedded(argv[1], argv[2:])
    else:
        from api.cli import main as snowpath

        snowpath(argv)


if __name__ == "__main__":
    main(sys.argv[1:])
