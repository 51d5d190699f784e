"""bench/run_all.py's rewriting of BENCHMARKS.md's first table, on a sample text: no
benchmark runs here."""

from __future__ import annotations

import pytest

from bench.report import Row
from bench.run_all import BENCHMARKS, Measured, chosen, key, rewrite

SAMPLE = """# Benchmarks

Intro with a | pipe outside the table.

| Target | Goal | Current value | Pass/miss | Command | Date (UTC) | Machine |
|---|---|---|---|---|---|---|
| bulk load on MAIN (components/s) | ≥ 100,000/s (issue 2) | 246,828/s | pass | `python -m bench.store` | 2026-12-06 09:05 | Intel Xeon VM |
| OCL version GET `limit=0` (350,000 concepts, 1,074 MB): first byte | ≤ 1 s (issue 18) | 1,057 ms | **miss** (by 57 ms) | `python -m bench.ocl` | 2026-12-06 14:48 | AMD EPYC VM |
| `expand=children()` on a page of 1,000 | ≤ 200 ms (issue 16) | 108 ms | pass | `python -m bench.expand` | 2026-12-06 08:51 | Intel Xeon VM |
| SQLite: concept by id: store / baseline | ≤ 1.5x (issue 17) | 1.32x | pass | `python -m bench.store` | 2026-12-06 08:00 | Intel Xeon VM |
| SQLite: page of 50 / baseline keyset page, every depth | ≤ 1.5x (issue 17) | 1.33x | pass | as above | 2026-12-06 08:00 | Intel Xeon VM |
| the whole test suite (`bin/test`) | ≤ 6 min (issue 15) | 491 s | **miss** | `CI=true bash .ci/run` | 2026-12-06 15:00 | AMD EPYC VM |

Notes on the table:

| Another | table |
|---|---|
| bulk load on MAIN | untouched |
"""  # noqa: E501


def measured(name: str, value: str = "1.0 s", ok: bool | None = True) -> Measured:
    return Measured(
        Row(name, "ignored goal", value, ok), "python -m bench.x", "2026-12-07 10:00", "M"
    )


def table(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.startswith("| ")][1:7]


def test_key_leaves_out_the_remarks_in_brackets() -> None:
    assert key("bulk load on MAIN (components/s)") == "bulk load on MAIN"
    assert key("OCL version GET `limit=0` (350,000 (nested) concepts): first byte") == (
        "OCL version GET `limit=0`: first byte"
    )
    assert key("`expand=children()` on a page of 1,000") == "`expand=children` on a page of 1,000"


def test_a_measured_row_rewrites_its_value_verdict_command_date_and_machine() -> None:
    text, _ = rewrite(SAMPLE, [measured("bulk load on MAIN (components/s)", "300,000/s", False)])
    row = table(text)[0]
    assert row == (
        "| bulk load on MAIN (components/s) | ≥ 100,000/s (issue 2) | 300,000/s | **miss** "
        "| `python -m bench.x` | 2026-12-07 10:00 | M |"
    )


def test_every_other_line_stays_as_it_was() -> None:
    text, _ = rewrite(SAMPLE, [measured("bulk load on MAIN")])
    before, after = SAMPLE.split("\n"), text.split("\n")
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert changed == [6]  # the bulk load's row alone; the second table's namesake untouched


def test_nothing_measured_leaves_the_text_unchanged() -> None:
    text, notes = rewrite(SAMPLE, [])
    assert text == SAMPLE
    assert len(notes) == 6
    assert all(note.endswith("kept (not measured)") for note in notes)


def test_a_row_is_found_by_its_name_without_remarks() -> None:
    text, notes = rewrite(SAMPLE, [measured("OCL version GET `limit=0`: first byte", "900 ms")])
    assert "| 900 ms | pass |" in table(text)[1]
    assert table(text)[1].startswith("| OCL version GET `limit=0` (350,000 concepts, 1,074 MB)")
    assert notes[1].endswith("updated by `python -m bench.x`")


def test_a_row_is_found_by_a_beginning_no_other_row_shares() -> None:
    text, _ = rewrite(SAMPLE, [measured("the whole test suite", "400 s")])
    assert "| 400 s | pass |" in table(text)[5]


def test_a_beginning_two_rows_share_finds_neither() -> None:
    text, notes = rewrite(SAMPLE, [measured("SQLite:", "0.1 s")])
    assert text == SAMPLE
    assert notes[-1].startswith("no row in the table for: SQLite:")


def test_a_measured_row_the_table_lacks_is_noted_and_changes_nothing() -> None:
    text, notes = rewrite(SAMPLE, [measured("SQLite: token check", "+0.1 ms")])
    assert text == SAMPLE
    assert notes[-1] == "no row in the table for: SQLite: token check (measured +0.1 ms)"


def test_a_pipe_in_a_measured_value_stays_inside_its_cell() -> None:
    text, _ = rewrite(SAMPLE, [measured("bulk load on MAIN", "a | b")])
    assert "| a \\| b | pass |" in table(text)[0]
    again, _ = rewrite(text, [measured("bulk load on MAIN", "c")])
    assert "| c | pass |" in table(again)[0]


def test_as_above_under_a_rewritten_row_names_the_command_it_meant() -> None:
    text, _ = rewrite(SAMPLE, [measured("SQLite: concept by id: store / baseline")])
    assert "| `python -m bench.x` |" in table(text)[3]
    assert "| `python -m bench.store` | 2026-12-06 08:00 |" in table(text)[4]
    both, _ = rewrite(SAMPLE, [measured("SQLite: concept by id"), measured("SQLite: page of 50")])
    assert "| `python -m bench.x` |" in table(both)[4]


def test_information_rows_keep_the_tables_verdict() -> None:
    text, _ = rewrite(SAMPLE, [measured("`expand=children()` on a page of 1,000", "99 ms", None)])
    assert "| 99 ms | pass |" in table(text)[2]


def test_only_names_known_benchmarks() -> None:
    assert [b.name for b in chosen("rf2, paths")] == ["rf2", "paths"]
    assert len(chosen(None)) == len(BENCHMARKS)
    with pytest.raises(SystemExit, match="Unknown benchmark 'nope'"):
        chosen("paths,nope")


def test_runs_give_the_backend_and_scale_to_those_that_take_them() -> None:
    by_name = {b.name: b for b in BENCHMARKS}
    assert by_name["store"].runs(0.2) == [
        ("postgres", ["-m", "bench.store", "--backend", "postgres", "--scale", "0.2"]),
        ("sqlite", ["-m", "bench.store", "--backend", "sqlite", "--scale", "0.2"]),
    ]
    assert by_name["paths"].runs(0.2) == [("none", ["-m", "bench.paths"])]
    assert by_name["imports"].runs(0.2)[1] == (
        "sqlite",
        ["-m", "bench.imports", "--backend", "sqlite"],
    )
