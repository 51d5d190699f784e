"""``/docs`` in a real browser: headless Chromium (Debian's, driven by Playwright) opens the
page of a running ``snowpath serve``, reads an operation's description and body example,
creates a branch with "Try it out", uploads an OCL export through the page's file picker, and
asks for nothing outside this machine.

Chromium is Debian's ``chromium`` package (``.ci/run`` installs it; Playwright's own browser
download is not used). Without it the test skips, unless ``SNOWPATH_TEST_REQUIRE_SERVICES``
is set, which makes that a failure (as for PostgreSQL and Redis: tests/services.py).
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from tests import services
from tests.api.test_serve import answers, free_port, launch, printed_token, stop

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OCL_EXPORT = Path(__file__).parent.parent / "data" / "ocl_full_example.json"
LOCAL = {"127.0.0.1", "localhost"}
# Swagger UI renders the whole document in the browser: on a busy two-core machine an
# operation may take seconds to open, past Playwright's 5 s default.
expect.set_options(timeout=20_000)


def chromium() -> str:
    """Debian's Chromium, or skip (fail with SNOWPATH_TEST_REQUIRE_SERVICES) without it."""
    found = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if found is None:
        services.unavailable("Chromium", FileNotFoundError(f"{CHROMIUM} (apt package chromium)"))
    return found  # type: ignore[return-value]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """``snowpath serve`` on the embedded default (its demo code system DEMO loaded), one for
    the module: the tests write different things (a branch, an import on DEMO). Its base URL
    and the administrator's token its first start printed."""
    port = free_port()
    process, output = launch(port, tmp_path_factory.mktemp("docs") / "var")
    try:
        output.wait_for("Booting worker")
        base = f"http://127.0.0.1:{port}"
        answers(base, time.monotonic() + 60, output)
        yield base, printed_token(list(output.seen))
    finally:
        stop(process)


@pytest.fixture(scope="module")
def server(served: tuple[str, str]) -> str:
    return served[0]


@pytest.fixture(scope="module")
def token(served: tuple[str, str]) -> str:
    return served[1]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, server: str) -> Iterator[Page]:
    """/docs open, every URL it asked for kept in ``page.requested``."""
    page = browser.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.requested = requested  # type: ignore[attr-defined]
    page.goto(f"{server}/docs")
    expect(page.locator(".opblock-tag").first).to_be_visible(timeout=30_000)
    yield page
    page.close()


def outside(page: Page) -> list[str]:
    """The URLs the page asked for that are not on this machine."""
    return [u for u in page.requested if urlsplit(u).hostname not in LOCAL]  # type: ignore[attr-defined]


def authorize(page: Page, token: str) -> None:
    """Give the page the token as a user does: Authorize, paste 'Token <t>', Authorize, Close."""
    page.locator(".auth-wrapper button.authorize").click()
    dialog = page.locator(".modal-ux")
    dialog.locator("input").first.fill(f"Token {token}")
    dialog.locator("button.authorize").click()
    dialog.locator("button.btn-done").click()
    expect(dialog).to_have_count(0)


def operation(page: Page, tag: str, operation_id: str) -> Locator:
    """The operation's block, opened (Swagger UI names it operations-<tag>-<operationId>;
    tags start closed)."""
    block = page.locator(f"#operations-{tag}-{operation_id}")
    if block.count() == 0:
        page.locator(f"#operations-tag-{tag}").click()
    block.locator(".opblock-summary").first.click()
    expect(block.locator(".opblock-body")).to_be_visible()
    return block


def test_the_page_loads_swagger_ui_from_this_server_only(page: Page, server: str) -> None:
    assert page.title() == "Snowpath API"
    loaded = page.requested  # type: ignore[attr-defined]
    assert f"{server}/docs/swagger-ui-bundle.js" in loaded
    assert f"{server}/openapi.json" in loaded
    assert outside(page) == []


def test_an_operation_shows_its_description_and_body_example(page: Page) -> None:
    block = operation(page, "merges", "merge_create")
    expect(block.locator(".opblock-description-wrapper").first).to_contain_text(
        "Merges source into"
    )
    body = block.locator("textarea.body-param__text")
    expect(body).to_have_value(re.compile(r'"source": "MAIN"'))
    expect(body).to_have_value(re.compile(r'"target": "MAIN/task-1"'))


def test_try_it_out_creates_a_branch(page: Page, server: str, token: str) -> None:
    authorize(page, token)
    block = operation(page, "branches", "branch_create")
    expect(block.locator(".opblock-description-wrapper").first).to_contain_text(
        "Creates the branch"
    )
    expect(block.locator("textarea.body-param__text")).to_have_value(re.compile("task-1"))
    block.locator("button.execute").click()
    status = block.locator(".live-responses-table .response .response-col_status")
    expect(status).to_have_text("201", timeout=15_000)
    expect(block.locator(".live-responses-table")).to_contain_text("/branches/MAIN/task-1")
    branch = httpx.get(f"{server}/branches/MAIN/task-1", timeout=10)
    assert branch.status_code == 200
    assert branch.json()["metadata"] == {"assignee": "ana"}
    assert outside(page) == []


def test_an_ocl_export_uploads_through_the_page(page: Page, server: str, token: str) -> None:
    authorize(page, token)
    block = operation(page, "import", "import_upload")
    block.locator('tr[data-param-name="path"] input').fill("DEMO")
    block.locator('input[type="file"]').set_input_files(OCL_EXPORT)
    block.locator("button.execute").click()
    status = block.locator(".live-responses-table .response .response-col_status")
    expect(status).to_have_text("202", timeout=15_000)
    headers = block.locator(".live-responses-table").inner_text()
    [location] = re.findall(r"location:\s*(\S+/jobs/\S+)", headers)
    job = _finished(location)
    assert job["kind"] == "import"
    assert job["state"] == "COMPLETED", job
    concept = httpx.get(f"{server}/DEMO/concepts/A15.1", timeout=10).json()
    assert concept["externalId"] == "19jf93jf9j39fii399du9393"
    assert outside(page) == []


def _finished(location: str) -> dict:
    deadline = time.monotonic() + 60
    while True:
        job = httpx.get(location, timeout=10).json()
        if job["state"] in ("COMPLETED", "CONFLICTS", "FAILED"):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.2)
