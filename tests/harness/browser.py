"""Debian's headless Chromium driven by Playwright, and the steps a person takes in the app's UI."""

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from harness.services import ServiceUnavailable, require

# The flags this machine's closed network needs (no background connections that are refused).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


def find_chromium() -> str:
    """The Chromium binary (CHROMIUM_PATH, default /usr/bin/chromium), or ServiceUnavailable."""
    path = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise ServiceUnavailable(
            f"Chromium was not found at {path}. The browser tests need Debian's chromium package "
            "(`apt-get install chromium`, which `scripts/test pytest` does) or CHROMIUM_PATH set to a Chromium "
            "binary. Do not run `playwright install`: it downloads a browser and cannot work here."
        )
    return path


def chromium_path() -> str:
    """find_chromium() under the rule of harness.services: a missing browser fails in CI, skips elsewhere."""
    return require(find_chromium)


@contextmanager
def playwright_driver() -> Iterator:
    """Playwright's sync driver. Only one can run per thread: a test that needs a second browser (another
    HOME, another certificate store) launches it from this driver with `launch(driver, env=...)`."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("The Python package `playwright` is not installed (pip install playwright).")
    with sync_playwright() as driver:
        yield driver


def launch(driver, env: dict[str, str] | None = None):
    """A Playwright Browser on Debian's Chromium; never `playwright install`, which downloads one."""
    options = {"env": env} if env is not None else {}
    return driver.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS, **options)


@contextmanager
def launch_chromium() -> Iterator:
    """One browser on its own driver, closed on exit."""
    with playwright_driver() as driver:
        browser = launch(driver)
        try:
            yield browser
        finally:
            browser.close()


def sign_up_in_the_page(page, email: str, password: str) -> None:
    """Create an account from the sign-up form at / and wait for the task list."""
    from playwright.sync_api import expect

    page.goto("/")
    expect(page.get_by_role("heading", name="Create an account")).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign up", exact=True).click()
    expect(page.get_by_role("heading", name="Your tasks")).to_be_visible()
