"""What ``snowpath import`` shows: a progress bar per phase of each release (rows, rate,
time left, by tqdm on stderr) and the summary at the end (created, changed, retired,
skipped with reasons, per release and in total)."""

from __future__ import annotations

from typing import Any

import click
from tqdm import tqdm

from importers.apply import Counts, Summary
from importers.release import Release


class TerminalProgress:
    """An :class:`importers.apply.Progress` drawing one tqdm bar per phase."""

    def __init__(self, *, enabled: bool = True) -> None:
        self.enabled = enabled
        self.bar: Any = None

    def phase(self, release: Release, name: str, total: int | None) -> None:
        self.close()
        label = f"{release.version or 'release'} {name}"
        self.bar = tqdm(
            total=total, desc=label, unit=" rows", unit_scale=True, disable=not self.enabled
        )

    def advance(self, rows: int) -> None:
        if self.bar is not None:
            self.bar.update(rows)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def print_summary(summary: Summary) -> None:
    for release in summary.releases:
        name = release.version or "release"
        note = f" ({release.note})" if release.note else ""
        click.echo(f"{name} [{release.kind}]{note}: {counts_line(release.counts)}")
    if len(summary.releases) > 1:
        click.echo(f"total: {counts_line(summary.total)}")


def counts_line(counts: Counts) -> str:
    skipped = sum(counts.skipped.values())
    reasons = ", ".join(f"{n} {reason}" for reason, n in sorted(counts.skipped.items()))
    line = f"{counts.created} created, {counts.changed} changed, {counts.retired} retired, "
    return line + f"{skipped} skipped" + (f" ({reasons})" if reasons else "")
