"""The app's URL map keeps the matches of the paths read last (``api.routes.Routes``): the
same rule and values as werkzeug's own matching, each caller its own values, the method
part of what is kept, misses and redirects raised every time, and a rule added afterwards
seen at once."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.routing.exceptions import RequestRedirect

from api import routes
from tests.api.helpers import concept, ok


def _both(*rules: Rule) -> tuple[Map, Map]:
    """werkzeug's map and ours over the same rules (each its own copies)."""
    return Map([r.empty() for r in rules]), routes.Routes([r.empty() for r in rules])


def _match(table: Map, path: str, method: str = "GET") -> tuple[str, dict]:
    rule, values = table.bind("localhost").match(path, method, return_rule=True)
    return rule.rule, values


def test_the_app_matches_through_the_kept_matcher(built_app: Flask) -> None:
    assert isinstance(built_app.url_map, routes.Routes)
    adapter = built_app.url_map.bind("localhost")
    first = adapter.match("/MAIN/proj/concepts/123", "GET", return_rule=True)
    again = adapter.match("/MAIN/proj/concepts/123", "GET", return_rule=True)
    assert first[0].endpoint == again[0].endpoint == "concept_get"
    assert first[1] == again[1] == {"path": "MAIN/proj", "component_id": "123"}


def test_every_path_matches_as_werkzeug_matches_it() -> None:
    rules = (
        Rule("/<path:path>/concepts/<cid>", endpoint="get", methods=["GET"]),
        Rule("/<path:path>/concepts/<cid>", endpoint="put", methods=["PUT"]),
        Rule("/branches/<path:branch>", endpoint="branch"),
        Rule("/users/<int:uid>/", endpoint="user"),
    )
    plain, kept = _both(*rules)
    paths = ["/MAIN/concepts/1", "/MAIN/a/b/concepts/x", "/branches/MAIN/a", "/users/7/"]
    for path in paths * 2:  # the second time from what was kept
        assert _match(kept, path) == _match(plain, path)
    assert kept._matcher._kept.cache_info().hits == len(paths)  # matched once each
    assert _match(kept, "/MAIN/concepts/1", "PUT") == (
        "/<path:path>/concepts/<cid>",
        {
            "path": "MAIN",
            "cid": "1",
        },
    )
    assert _match(kept, "/users/7/")[1] == {"uid": 7}


def test_each_caller_gets_values_of_its_own() -> None:
    _, kept = _both(Rule("/<path:path>/concepts/<cid>", endpoint="get"))
    _, values = _match(kept, "/MAIN/concepts/1")
    values["cid"] = "changed by a view"
    values["extra"] = True
    assert _match(kept, "/MAIN/concepts/1")[1] == {"path": "MAIN", "cid": "1"}


def test_the_method_is_part_of_what_is_kept() -> None:
    _, kept = _both(
        Rule("/<path:path>/concepts/<cid>", endpoint="get", methods=["GET"]),
        Rule("/<path:path>/concepts/<cid>", endpoint="delete", methods=["DELETE"]),
    )
    adapter = kept.bind("localhost")
    assert adapter.match("/MAIN/concepts/1", "GET")[0] == "get"
    assert adapter.match("/MAIN/concepts/1", "DELETE")[0] == "delete"
    with pytest.raises(MethodNotAllowed):
        adapter.match("/MAIN/concepts/1", "PUT")
    assert adapter.match("/MAIN/concepts/1", "GET")[0] == "get"


def test_a_miss_and_a_redirect_are_raised_every_time() -> None:
    _, kept = _both(Rule("/users/<int:uid>/", endpoint="user"))
    adapter = kept.bind("localhost")
    for _ in range(2):
        with pytest.raises(NotFound):
            adapter.match("/users/seven/")
        with pytest.raises(RequestRedirect):  # the slash a rule ends with
            adapter.match("/users/7")
    assert adapter.match("/users/7/") == ("user", {"uid": 7})


def test_a_rule_added_afterwards_is_seen_at_once() -> None:
    _, kept = _both(Rule("/<path:path>", endpoint="any"))
    assert _match(kept, "/openapi.json") == ("/<path:path>", {"path": "openapi.json"})
    kept.add(Rule("/openapi.json", endpoint="document"))
    assert _match(kept, "/openapi.json") == ("/openapi.json", {})


def test_reads_through_the_app_are_answered_alike(client: FlaskClient) -> None:
    concept(client, "c1", conceptClass="A")
    first = ok(client.get("/MAIN/concepts/c1"))
    concept(client, "c2", conceptClass="B")
    assert ok(client.get("/MAIN/concepts/c1")) == first
    assert ok(client.get("/MAIN/concepts/c2"))["conceptClass"] == "B"
    # The same path by another method goes to its own view.
    assert client.delete("/MAIN/concepts/c2").status_code == 204
    assert client.get("/MAIN/concepts/c2").status_code == 404
