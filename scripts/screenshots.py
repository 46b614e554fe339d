"""Screenshots of the clinic pages, for looking at layout by eye.

Builds a scratch database with the demo clinic, starts the development server
on it, signs in as the demo clinician and saves PNGs of the main pages at a
laptop size and a tablet size.

    .venv/bin/python scripts/screenshots.py [OUTPUT_DIR]

OUTPUT_DIR defaults to $SCREENSHOT_DIR or a new temporary folder; the scratch
database goes to $SCREENSHOT_DB or a temporary file. Chromium comes from
$CHROMIUM (default: Debian's /usr/bin/chromium); nothing is downloaded.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--disable-quic", "--no-first-run",
]
SIZES = {"desktop": (1366, 768), "tablet": (768, 1024)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def _wait_until_up(url: str, server: subprocess.Popen) -> None:
    for _ in range(100):
        if server.poll() is not None:
            raise SystemExit("the development server stopped; run it by hand to see why")
        try:
            urllib.request.urlopen(url, timeout=1)  # noqa: S310 - our own local server
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the development server did not answer at {url}")


def _shoot(page: Page, out: Path, name: str, size: str) -> None:
    path = out / f"{name}-{size}.png"
    page.screenshot(path=str(path), full_page=True)
    print(path)


def _sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill("clinician")
    page.get_by_label("Password").fill("demo-clinic-password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Patients", exact=True).wait_for()


def _open_patient(page: Page, mrn: str) -> str:
    page.get_by_role("link", name="Patients", exact=True).click()
    page.get_by_role("searchbox").fill(mrn)
    page.get_by_role("button", name="Search").click()
    page.get_by_role("row").filter(has_text=mrn).get_by_role("link").first.click()
    page.wait_for_load_state()
    return page.url


def take(base: str, out: Path, chromium: str) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        for size, (width, height) in SIZES.items():
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            _sign_in(page, base)
            _shoot(page, out, "patient-list", size)

            _open_patient(page, "DEMO-0004")
            _shoot(page, out, "patient-detail", size)
            page.get_by_role("link", name="Continue").first.click()
            page.wait_for_selector("#suggestions")
            # Change one answer so the panel shows a live update, not just the first render.
            page.get_by_role("group", name="Stress or anxiety").get_by_label("Yes").check()
            page.wait_for_load_state("networkidle")
            _shoot(page, out, "assessment-form", size)
            page.screenshot(path=str(out / f"assessment-form-viewport-{size}.png"))
            page.get_by_role("button", name="Save and review decisions").click()
            page.wait_for_selector("text=Review and sign")
            _shoot(page, out, "review", size)

            _open_patient(page, "DEMO-0003")
            page.get_by_role("link", name="Summary").first.click()
            page.wait_for_load_state()
            _shoot(page, out, "summary-signed", size)
            context.close()
        browser.close()


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("SCREENSHOT_DIR") or tempfile.mkdtemp(
        prefix="screenshots-"))
    out.mkdir(parents=True, exist_ok=True)
    db = os.environ.get("SCREENSHOT_DB") or str(Path(tempfile.mkdtemp(prefix="screenshots-db-")) / "demo.sqlite3")
    env = {**os.environ, "DJANGO_DEBUG": "True", "DATABASE_URL": f"sqlite:///{db}"}
    for command in (["migrate", "--noinput"], ["load_default_template"], ["demo_data"], ["demo_users"]):
        _manage(env, *command)
    port = _free_port()
    server = subprocess.Popen([sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(f"{base}/accounts/login/", server)
        take(base, out, os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
