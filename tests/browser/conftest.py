"""Browser test harness: Debian's Chromium through Playwright, a serial live server, the demo clinic.

Chromium is never downloaded: without /usr/bin/chromium the browser tests are
skipped, unless REQUIRE_BROWSER=1 (as in CI), when they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect, sync_playwright

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--disable-quic", "--no-first-run",
]
REQUIRED = os.environ.get("REQUIRE_BROWSER") == "1"



def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """Without Chromium the browser tests are skipped, unless they are required (CI), when they fail."""
    if CHROMIUM.exists() or REQUIRED:
        return
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (set REQUIRE_BROWSER=1 to make this a failure)")
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(skip)


DEMO_PASSWORD = "demo-clinic-password"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"REQUIRE_BROWSER=1 but there is no Chromium at {CHROMIUM}", pytrace=False)
    # Playwright's sync API runs an event loop in this thread; Django refuses ORM calls
    # from a thread with a running loop unless told that is intended. Only while it runs.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield browser
            browser.close()


@pytest.fixture(scope="module")
def live_server() -> Iterator[Any]:
    """pytest-django's live server, but answering one request at a time.

    With the in-memory SQLite test database the server threads share the test's
    one connection, and two requests at once (a live-suggestion update still in
    flight when the form is submitted) occasionally fail with a 500 that no real
    deployment would see. A single-threaded server queues them instead.
    """
    from django.core.servers.basehttp import WSGIServer
    from django.test.testcases import LiveServerThread, QuietWSGIRequestHandler
    from pytest_django.live_server_helper import LiveServer

    class SerialLiveServerThread(LiveServerThread):
        def _create_server(self, connections_override: Any = None) -> WSGIServer:
            return WSGIServer((self.host, self.port), QuietWSGIRequestHandler, allow_reuse_address=False)

    server = LiveServer("localhost", start=False)
    old = server.thread
    server.thread = SerialLiveServerThread(old.host, static_handler=old.static_handler,
                                           connections_override=old.connections_override)
    server.thread.daemon = True
    server.start()
    yield server
    server.stop()


class Console:
    """Everything the page complains about: console errors, CSP reports, uncaught exceptions, failed loads.

    A page answering 400 to an invalid form is intended, so document responses
    count only from 500 up; any other resource that fails to load counts.
    """

    def __init__(self, page: Page):
        self.problems: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.problems.append(f"uncaught: {exc}"))
        page.on("response", self._on_response)
        page.on("requestfailed", self._on_request_failed)

    def _on_console(self, message: Any) -> None:
        if message.text.startswith("Failed to load resource"):
            return  # reported with its address by _on_response
        if message.type == "error" or "Content Security Policy" in message.text:
            self.problems.append(f"{message.type}: {message.text}")

    def _on_request_failed(self, request: Any) -> None:
        # Submitting the form while a live-suggestion preview is in flight makes the browser
        # abort the preview: expected, nothing is lost (the preview never saves anything).
        if request.failure == "net::ERR_ABORTED" and request.url.endswith("/suggestions/"):
            return
        self.problems.append(f"failed: {request.method} {request.url} ({request.failure})")

    def _on_response(self, response: Any) -> None:
        limit = 500 if response.request.resource_type == "document" else 400
        if response.status >= limit:
            self.problems.append(f"{response.status}: {response.request.method} {response.url}")


def _fill_patient(page: Page, mrn: str, family: str, given: str, born: str, sex: str) -> None:
    """Fill the patient form and save it."""
    page.get_by_label("MRN").fill(mrn)
    page.get_by_label("Family name").fill(family)
    page.get_by_label("Given name").fill(given)
    page.get_by_label("Date of birth").fill(born)
    page.get_by_label("Sex").select_option(label=sex)
    page.get_by_role("button", name="Save patient").click()


@pytest.fixture
def clinic(transactional_db: Any) -> None:
    """The default checklist and the demo sign-ins, as `make run` sets them up.

    The live server runs in another thread, so the data must be committed:
    transactional_db, not db.
    """
    from evaluation.management.commands.demo_users import ensure_demo_users
    from evaluation.services.templates import template_load_default

    template_load_default()
    ensure_demo_users()


@pytest.fixture
def page(browser: Any, live_server: Any, clinic: None) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.console = Console(page)
    yield page
    context.close()


def _sign_in(page: Page) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("clinician")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Patients", exact=True)).to_be_visible()


