"""A bounded schemathesis run against ``/openapi.json``: for generated requests to every
operation, no 5xx and every response matches the documented schema."""

from __future__ import annotations

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from revisions import Create, RevisionStore

pytestmark = pytest.mark.slow


@pytest.fixture
def api_schema(app: Flask, store: RevisionStore) -> schemathesis.BaseSchema:
    store.codesystems.create("CS", "cs")
    store.commit(
        "MAIN/CS",
        "u",
        "seed",
        [
            Create("concept", "1", {}),
            Create("concept", "2", {"parents": ["1"]}),
            Create("description", "d1", {"concept_id": "1", "term": "Heart", "type": "FSN"}),
            Create("mapping", "m1", {"source_id": "2", "target_id": "1", "map_type": "IS-A"}),
        ],
    )
    store.codesystems.create_version("CS", "v1", "20240101")
    return schemathesis.openapi.from_wsgi("/openapi.json", app)


EXAMPLES_PER_OPERATION = 25
# What the contract promises: no 5xx, and status codes, media types and bodies as documented.
# (Positive-data acceptance is left out: rules such as offset + limit <= 10,000 or branch
# name syntax are not expressible in the schema, so valid-looking requests may get a 400.)
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


def test_no_server_errors_and_responses_match_the_schema(
    api_schema: schemathesis.BaseSchema,
) -> None:
    # schemathesis' pytest plugin does not run under pytest 9, so its strategies are driven
    # with hypothesis directly: one bounded, derandomised run per operation.
    checked = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(checks=CHECKS)

        check()
        checked += 1
    assert checked >= 40
