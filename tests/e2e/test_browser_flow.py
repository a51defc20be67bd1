"""End-to-end: a person uses the app in headless Chromium at phone width.

Sign up, add a task through the chat, see it in the list, complete it from
the list, reload, and find the chat history and the completed task again.
"""

import re
import secrets
from pathlib import Path

import pytest
import requests
from harness.browser import sign_up_in_the_page

pytestmark = pytest.mark.e2e

PHONE_VIEWPORT = {"width": 375, "height": 812}
GROCERIES = re.compile(r"buy groceries", re.IGNORECASE)
PASSWORD = "correct horse battery staple"
# Matched exactly, so the example in the empty chat's hint can never stand in for it.
USER_REQUEST = "Add a task to buy groceries"


def _server_get(backend_url: str, email: str, path: str, **params: str) -> list[dict]:
    """What the server holds, to check the page shows the truth, not only its own state."""
    login = requests.post(
        f"{backend_url}/api/auth/login",
        json={"email": email, "password": PASSWORD},
        timeout=10,
    )
    login.raise_for_status()
    auth = login.json()
    response = requests.get(
        f"{backend_url}/api/{auth['user']['id']}/{path}",
        params=params,
        headers={"Authorization": f"Bearer {auth['access_token']}"},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()


def _someone_elses_tasks(backend_url: str, count: int) -> None:
    """Tasks of another account made first, so this user's task ids (global) differ from their numbers."""
    signup = requests.post(
        f"{backend_url}/api/auth/signup",
        json={"email": f"e2e-other-{secrets.token_hex(4)}@example.com", "password": PASSWORD},
        timeout=10,
    )
    signup.raise_for_status()
    auth = signup.json()
    for index in range(count):
        requests.post(
            f"{backend_url}/api/{auth['user']['id']}/tasks",
            json={"title": f"someone else's task {index}"},
            headers={"Authorization": f"Bearer {auth['access_token']}"},
            timeout=10,
        ).raise_for_status()


def test_sign_up_chat_add_complete_and_history_after_reload(browser, backend_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    _someone_elses_tasks(backend_url, 3)

    expect.set_options(timeout=15_000)
    context = browser.new_context(viewport=PHONE_VIEWPORT, base_url=backend_url)
    page = context.new_page()
    page_errors: list[str] = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    email = f"e2e-{secrets.token_hex(4)}@example.com"

    try:
        sign_up_in_the_page(page, email, PASSWORD)
        expect(page.get_by_text(email)).to_be_visible()
        expect(page.get_by_text("No tasks yet")).to_be_visible()

        # Add a task through the chat; the reply and the tool that ran are shown.
        chat_log = page.get_by_role("log", name="Chat history")
        page.get_by_label("Message", exact=True).fill(USER_REQUEST)
        page.get_by_role("button", name="Send", exact=True).click()
        expect(chat_log.get_by_text(USER_REQUEST, exact=True)).to_be_visible()
        tools_used = chat_log.get_by_role("list", name="Tools used")
        expect(tools_used).to_contain_text("add_task")
        reply = tools_used.locator("xpath=ancestor::div[contains(@class, 'message')][1]")
        expect(reply).to_contain_text(GROCERIES)
        reply_text = reply.locator(".message-text").inner_text().strip()
        assert reply_text, "the assistant's reply is empty"

        # The task the assistant added appears in the list, pending.
        task_list = page.get_by_role("list", name="Tasks")
        groceries_item = task_list.get_by_role("listitem").filter(has_text=GROCERIES)
        expect(groceries_item).to_have_count(1)
        checkbox = groceries_item.get_by_role("checkbox")
        expect(checkbox).not_to_be_checked()
        # Shown by the user's own number, the one the chat speaks of: a new user's first task is #1.
        expect(groceries_item.locator(".task-meta")).to_have_text("#1")
        expect(reply).to_contain_text("#1")

        # Complete it from the list.
        checkbox.click()
        expect(checkbox).to_be_checked()
        expect(groceries_item).to_contain_text("Done")
        completed = _server_get(backend_url, email, "tasks", status="completed")
        assert [task["number"] for task in completed] == [1]
        assert completed[0]["id"] > 1, "the page must show the number, not the id"
        completed_titles = [task["title"] for task in completed]
        assert any(GROCERIES.search(title) for title in completed_titles), completed_titles

        # The filters agree: nothing pending, the task is under "Completed".
        filters = page.get_by_role("group", name="Show tasks")
        filters.get_by_role("button", name="Pending", exact=True).click()
        expect(page.get_by_text("No pending tasks")).to_be_visible()
        expect(groceries_item).to_have_count(0)
        filters.get_by_role("button", name="Completed", exact=True).click()
        expect(groceries_item).to_have_count(1)
        filters.get_by_role("button", name="All", exact=True).click()
        expect(groceries_item).to_have_count(1)

        # Usable at phone width: nothing wider than the screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]

        # Reload: still signed in, the chat history and the completed task are back.
        page.reload()
        expect(page.get_by_role("heading", name="Your tasks")).to_be_visible()
        expect(chat_log.get_by_text(USER_REQUEST, exact=True)).to_be_visible()
        expect(chat_log.get_by_text(reply_text, exact=True)).to_be_visible()
        expect(groceries_item.get_by_role("checkbox")).to_be_checked()

        # The next message continues the same conversation instead of starting a new one.
        page.get_by_label("Message", exact=True).fill("What have I completed?")
        page.get_by_role("button", name="Send", exact=True).click()
        expect(chat_log.get_by_role("list", name="Tools used").last).to_contain_text("list_tasks")
        conversations = _server_get(backend_url, email, "conversations")
        assert len(conversations) == 1, conversations
        assert [message["role"] for message in conversations[0]["messages"]] == [
            "user",
            "assistant",
            "user",
            "assistant",
        ]
        assert page_errors == [], page_errors
    except Exception:
        screenshot = tmp_path / "failure.png"
        page.screenshot(path=str(screenshot), full_page=True)
        print(f"Screenshot of the page when the test failed: {screenshot}")
        raise
    finally:
        context.close()


def test_a_long_task_list_loads_page_by_page(browser, backend_url: str) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)
    context = browser.new_context(base_url=backend_url)
    page = context.new_page()
    email = f"e2e-pages-{secrets.token_hex(4)}@example.com"
    try:
        sign_up_in_the_page(page, email, PASSWORD)
        login = requests.post(f"{backend_url}/api/auth/login", json={"email": email, "password": PASSWORD}, timeout=10)
        auth = login.json()
        headers = {"Authorization": f"Bearer {auth['access_token']}"}
        for number in range(101):
            requests.post(
                f"{backend_url}/api/{auth['user']['id']}/tasks",
                json={"title": f"Chore {number:03}"},
                headers=headers,
                timeout=10,
            ).raise_for_status()

        page.reload()
        items = page.get_by_role("list", name="Tasks").get_by_role("listitem")
        expect(items).to_have_count(100)  # the first page
        more = page.get_by_role("button", name="Show more tasks")
        more.click()
        expect(items).to_have_count(101)
        expect(items.last).to_contain_text("Chore 100")
        expect(more).to_have_count(0)
    finally:
        context.close()
