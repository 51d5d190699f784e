"""Generated requests from ``/openapi.json`` with every schemathesis check: the engine's
examples, coverage, fuzzing and stateful phases (links inferred from ``Location``), in
positive and negative modes, against the app over the per-test store.

What the contract promises: no 5xx; status codes, media types, headers and bodies as
documented; a request that follows the document is accepted and one that breaks it is
refused; an undocumented method is a 405 with a right ``Allow``; what was created is
readable until it is deleted. ``SNOWPATH_SCHEMATHESIS_PROFILE=long`` (``.ci/long``) runs
many more examples per operation; docs/testing.md gives the figures.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from flask import Flask
from schemathesis import checks
from schemathesis.checks import CheckContext, Failure, Response
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema

from revisions import Create, RevisionStore
from tests.clients import token_for

pytestmark = pytest.mark.slow

PROFILES = {
    # examples per operation in the fuzzing phase; steps of the stateful phase
    "ci": {"max-examples": 25, "max-steps": 10},
    "long": {"max-examples": 1000, "max-steps": 50},
}
# Statuses a request that follows the document may still get because of the server's state,
# not its shape: an unknown resource (404), an existing one or a merge conflict (409), a
# stale If-Match (412). A 400 only for the rules below, which JSON Schema cannot state and
# the operations' descriptions state in words (api/contract.py); any other 400 fails.
# A 302 is GET /'s answer (a redirect to /docs), whatever the request.
STATE_STATUSES = ["2XX", "302", "404", "409", "412"]
UNSTATABLE = {
    "offset + limit must be at most": "two parameters together",
    "Use either offset or searchAfter": "two parameters together",
    "searchAfter is not a token this server issued": "a token from a previous page",
    "is given twice": "each expansion at most once (no pattern without look-ahead)",
    "Referenced components are not visible": "references to existing content",
    "has been deleted and cannot accept": "a branch deleted meanwhile",
    "MAIN cannot be deleted": "a code system's relative path naming MAIN",
    "has no base point": "the base of a branch that has none",
    "before the branch existed": "a timestamp before the branch existed",
    "must be after the latest version": "version order",
    "'id' cannot be changed": "the body's id and the URL's",
    "A mapping needs 'target_id' or 'target_code'": "a partial update and the stored mapping",
    "A term search needs at least one letter or digit": "Unicode letters and digits",
    "is a key that must not contain control characters": "object keys (no propertyNames in 3.0)",
    "nests deeper than": "the depth of free-form JSON",
    # Stated in words in the document's description, not yet as a pattern on each field:
    # identifiers (ids, references, id query parameters) refuse control characters.
    "must not contain control characters": "identifiers: stated in words, not patterned",
    "on this code system": "the code system's description types",
    "must be the new concept's id or left out": "an inline component's concept",
    "Cannot merge": "which branches are parent and child",
    "The expansions cost": "expand and limit together (the expansion budget)",
    "Unable to log in with provided credentials": "a username and its password",
    "is read-only": "which branches are versions",
    # A commit's changes: each change's fields follow its type and action, stated in words
    # (one schema per type and action is not stated yet).
    "changes[": "a change's fields, by its type and action",
    # Among several changes (a commit, a concept with inline components) an id already taken
    # or one not there is a violation of the whole request (400), not a 409 or 404.
    "already exists.": "ids already taken, among other changes",
    "does not exist on this branch.": "ids not there, among other changes",
}
# A refusal of invalid data may also be a stale If-Match (nothing is written either way).
REJECTIONS = ["400", "404", "405", "406", "409", "412", "413", "415", "422"]


@schemathesis.check
def positive_data_acceptance_but_unstatable(
    ctx: CheckContext, response: Response, case: schemathesis.Case
) -> bool | None:
    """schemathesis' positive_data_acceptance, except a 400 that names one of UNSTATABLE."""
    try:
        return checks.positive_data_acceptance(ctx, response, case)
    except Failure:
        body = response.json() if response.status_code == 400 else {}
        said = " ".join([body.get("message", ""), *body.get("violations", [])])
        if any(rule in said for rule in UNSTATABLE):
            return None
        if case.operation.path.endswith("/import") and response.status_code == 400:
            return None  # whether the file is an OCL export: its content, not the form
        raise


@schemathesis.check
def use_after_free_but_soft_deleted_branches(
    ctx: CheckContext, response: Response, case: schemathesis.Case
) -> bool | None:
    """schemathesis' use_after_free, except that a deleted branch stays readable, marked
    deleted, with no live children (DESIGN.md §4: a recursive soft delete; docs/api.md)."""
    try:
        return checks.use_after_free(ctx, response, case)
    except Failure:
        if case.operation.path.startswith("/branches/{path}"):
            body = response.json()
            items = body.get("items", [body])
            if all(item.get("deleted") is True for item in items):
                return None
        raise


def _config(profile: str, token: str) -> SchemathesisConfig:
    limits = PROFILES[profile]
    generation = {
        "mode": "all",
        "max-examples": limits["max-examples"],
        "deterministic": profile == "ci",
        "database": "none",
        # NUL is refused in all text (docs/api.md, "Limits and refused input"), a rule the
        # document does not state yet: left out of generated text until it does.
        "allow-x00": False,
    }
    checks = {
        # Run as the *_but_* checks below, with these settings.
        "positive_data_acceptance": {"enabled": False, "expected-statuses": STATE_STATUSES},
        "use_after_free": {"enabled": False},
        "negative_data_rejection": {"expected-statuses": REJECTIONS},
        # Writes declare the token, but schemathesis 4's probe without it fails on WSGI apps
        # (it passes requests' max_redirects to werkzeug): tests/api/test_access.py checks
        # the 401s instead.
        "ignored_auth": {"enabled": False},
    }
    return SchemathesisConfig.from_dict(
        {
            "suppress-health-check": ["all"],
            "headers": {"Authorization": f"Token {token}"},
            "generation": generation,
            "checks": checks,
            "phases": {
                "stateful": {
                    "max-steps": limits["max-steps"],
                    "inference": {"algorithms": ["location-headers", "dependency-analysis"]},
                }
            },
        }
    )


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
    profile = os.environ.get("SNOWPATH_SCHEMATHESIS_PROFILE", "ci")
    config = _config(profile, token_for(app))
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app, config=config)
    # OCL's account calls hash passwords (argon2, tens of ms each): fuzzing them took the run
    # past its timeout on a loaded machine. tests/api/test_accounts_api.py covers them.
    return schema.exclude(tag="accounts")


def _failures(schema: schemathesis.BaseSchema) -> tuple[list[str], int]:
    """Every failure and error the engine reports, as text; the number of scenarios."""
    found: list[str] = []
    scenarios = 0
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            scenarios += 1
            for check in event.recorder.checks.values():
                for result in check:
                    if result.failure_info is not None:
                        found.append(_describe(result))
        elif isinstance(event, events.NonFatalError | events.FatalError):
            found.append(f"error: {event.info.format() if hasattr(event, 'info') else event}")
    return sorted(set(found)), scenarios


def _describe(result: Any) -> str:
    failure = result.failure_info.failure
    code = result.failure_info.code_sample
    return f"{result.name}: {failure.title} | {failure.message}\n    {code}"


def test_generated_requests_pass_every_check(api_schema: schemathesis.BaseSchema) -> None:
    failures, scenarios = _failures(api_schema)
    assert failures == [], "\n".join(failures)
    assert scenarios >= 40
