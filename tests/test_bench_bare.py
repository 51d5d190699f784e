"""``bench.bare``, issue 21's yardstick: the endpoint answers its fixed 1 KB concept, and
the server's per-request body limit (``api.server._Parser``) finds what it asks the app
for, so it runs under ``snowpath serve``'s settings unchanged."""

from __future__ import annotations

import orjson

from api.http import body_limit_of
from api.settings import load
from bench.bare import CONCEPT, PATH, bare_app


def test_the_bare_endpoint_answers_a_fixed_1_kb_concept() -> None:
    response = bare_app(load({})).test_client().get(PATH)
    assert response.status_code == 200
    assert response.content_type == "application/json"
    assert response.get_data() == CONCEPT
    assert len(CONCEPT) == 1024
    assert orjson.loads(CONCEPT)["id"] == "22298006"


def test_the_servers_body_limit_lookup_works_on_it() -> None:
    settings = load({})
    app = bare_app(settings)
    assert body_limit_of(app, "GET", PATH) == settings.max_json_bytes
    assert body_limit_of(app, "POST", "/elsewhere") == settings.max_json_bytes
