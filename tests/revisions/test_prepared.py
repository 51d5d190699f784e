"""revisions.prepared: a statement run through the driver answers as SQLAlchemy's Result does."""

from __future__ import annotations

import pytest
from sqlalchemy import (
    Engine,
    Float,
    Numeric,
    bindparam,
    cast,
    insert,
    literal,
    select,
    text,
    type_coerce,
)
from sqlalchemy.exc import SQLAlchemyError

from accounts.schema import users
from revisions.db import reading_engine
from revisions.prepared import DriverStatement, DriverStatements
from revisions.schema import mappings

_BY_NAME = select(
    users.c.id,
    users.c.username,
    users.c.is_staff,
    users.c.metadata,
    users.c.password_hash.is_not(None).label("has_password"),
).where(users.c.username == bindparam("name"))


@pytest.fixture
def probe(engine: Engine) -> Engine:
    with engine.begin() as connection:
        connection.execute(
            insert(users),
            [
                {
                    "id": 1,
                    "username": "ada",
                    "is_staff": True,
                    "is_active": True,
                    "metadata": {"company": "Ω", "n": [1, 2]},
                    "created_ts": 0,
                    "updated_ts": 0,
                },
                {
                    "id": 2,
                    "username": "bob",
                    "password_hash": "x",
                    "is_staff": False,
                    "is_active": True,
                    "metadata": {},
                    "created_ts": 0,
                    "updated_ts": 0,
                },
            ],
        )
    return reading_engine(engine, generic_plans=True)


def _through_sqlalchemy(probe: Engine, name: str) -> dict[str, object]:
    with probe.connect() as connection:
        return dict(connection.execute(_BY_NAME, {"name": name}).mappings().one())


def test_rows_convert_as_sqlalchemy_results_do(probe: Engine) -> None:
    statement = DriverStatement(probe, _BY_NAME)
    for name in ("ada", "bob"):
        row = statement.first({"name": name})
        assert row == _through_sqlalchemy(probe, name)
    ada = statement.first({"name": "ada"})
    assert ada is not None
    assert ada["is_staff"] is True
    assert ada["has_password"] is False
    assert ada["metadata"] == {"company": "Ω", "n": [1, 2]}


def test_no_row_is_none(probe: Engine) -> None:
    assert DriverStatement(probe, _BY_NAME).first({"name": "nobody"}) is None


def test_repeated_runs_answer_alike(probe: Engine) -> None:
    """PostgreSQL's driver prepares the statement after five runs: the answer stays the same."""
    statement = DriverStatement(probe, _BY_NAME)
    answers = {str(statement.first({"name": "bob"})) for _ in range(12)}
    assert len(answers) == 1


def test_a_driver_error_propagates_and_the_next_run_works(probe: Engine) -> None:
    broken = DriverStatement(probe, select(text("no_such_column")).select_from(users))
    with pytest.raises(Exception) as raised:
        broken.first({})
    assert not isinstance(raised.value, SQLAlchemyError)  # the driver's own error
    assert DriverStatement(probe, _BY_NAME).first({"name": "ada"}) is not None


def test_every_row_converts_as_sqlalchemy_results_do(probe: Engine) -> None:
    columns = _BY_NAME.selected_columns
    everyone = select(*columns).where(users.c.id > bindparam("above")).order_by(users.c.id)
    statement = DriverStatement(probe, everyone)
    rows = statement.rows({"above": 0})
    assert [dict(zip(statement.keys, row, strict=True)) for row in rows] == [
        _through_sqlalchemy(probe, "ada"),
        _through_sqlalchemy(probe, "bob"),
    ]
    assert rows[1][2] is False  # bob's is_staff: a real bool on SQLite too
    assert statement.rows({"above": 2}) == []


def test_a_float_column_reads_as_a_float(probe: Engine) -> None:
    """PostgreSQL's conversion of a number column depends on the driver's column type,
    known only from a result: it is learnt at the first run."""
    weight = select(mappings.c.sort_weight).where(mappings.c.component_id == bindparam("id"))
    with probe.connect() as connection:
        through_sqlalchemy = connection.execute(weight, {"id": "none"}).all()
    assert DriverStatement(probe, weight).rows({"id": "none"}) == through_sqlalchemy == []
    numeric = type_coerce(cast(literal("2.5"), Numeric(4, 1)), Float).label("w")
    row = DriverStatement(probe, select(numeric)).first({})
    assert row == {"w": 2.5}
    assert isinstance(row["w"], float)  # PostgreSQL's driver gives a Decimal, converted


def test_statements_with_an_expanding_list_are_not_driven(probe: Engine) -> None:
    statements = DriverStatements(probe)
    listed = select(users.c.id).where(users.c.username.in_(bindparam("names", expanding=True)))
    assert statements(listed) is None
    with pytest.raises(ValueError):
        DriverStatement(probe, listed)


def test_one_driver_statement_per_statement(probe: Engine) -> None:
    statements = DriverStatements(probe)
    first = statements(_BY_NAME)
    assert first is not None
    assert statements(_BY_NAME) is first
    twin = select(*_BY_NAME.selected_columns).where(users.c.username == bindparam("name"))
    assert statements(twin) is not first  # another statement object: its own
