"""The task list's PostgreSQL fast path (db_fast.py) against the portable path it replaces on PostgreSQL.

Both must give the same bytes for the same rows: the fast path builds the JSON in SQL, the portable one
(SQLite's) with pydantic-core from SQLAlchemy rows. Then the pool's limits: a dead connection is replaced
on the same request, and a full pool is DatabaseUnavailable (503) within DB_POOL_TIMEOUT, not a hang.
"""

import asyncio
import contextlib
import re
import time
from datetime import UTC, datetime

import psycopg
import pytest
from fastapi.testclient import TestClient
from pydantic_core import to_json

from todo_api.db import create_app_engine, create_read_session_factory
from todo_api.db_connect import DatabaseUnavailable, libpq_url
from todo_api.db_fast import FastPool
from todo_api.main import create_app
from todo_api.services import tasks as task_service

# Titles and descriptions that exercise JSON escaping: quotes, backslashes, non-ASCII, astral plane,
# and (written straight into the table, the API refuses them) control characters.
TITLES = ['Say "hi"', "back\\slash", "café ünïcode", "emoji 🧪 task", "plain", "</script>", "a\u2028b"]

CONTROL_TEXT = "tab\there, newline\nthere, bell\x07"


def _seed(database_url: str, user_id: int) -> None:
    with psycopg.connect(libpq_url(database_url), autocommit=True) as connection:
        for number, title in enumerate(TITLES * 3):
            created = datetime(2026, 1, 2, 3, 4, 5, 0 if number % 4 == 0 else number * 1001, tzinfo=UTC)
            connection.execute(
                "INSERT INTO tasks (user_id, title, description, completed, created_at, updated_at) "
                "VALUES (%s, %s, %s, %s, %s, now())",
                (user_id, title, CONTROL_TEXT if number % 5 == 0 else "", number % 3 == 0, created),
            )


async def _both_paths(settings, user_id: int, status: str, limit: int, after: int):
    engine = create_app_engine(settings)
    pool = FastPool(settings)
    try:
        async with create_read_session_factory(engine)() as session:
            rows, portable_next = await task_service.list_task_page(session, user_id, status, limit=limit, after=after)
        fast_body, fast_next = await task_service.task_page_json(pool, user_id, status, limit=limit, after=after)
    finally:
        await pool.close()
        await engine.dispose()
    return (to_json(rows), portable_next), (fast_body, fast_next)


@pytest.mark.parametrize(
    ("status", "limit"), [("all", 100), ("all", 1), ("all", 7), ("pending", 5), ("completed", 3), ("completed", 500)]
)
def test_the_fast_path_writes_the_same_bytes_as_the_portable_path(settings, user, status, limit):
    _seed(settings.database_url, user.id)
    after, pages = 0, 0
    while True:
        portable, fast = asyncio.run(_both_paths(settings, user.id, status, limit, after))
        assert fast == portable
        pages += 1
        if fast[1] is None:
            break
        after = fast[1]
    expected = {"all": 21, "pending": 14, "completed": 7}[status]
    assert pages == max(1, -(-expected // limit)), "every page followed to the last, the last has no cursor"


def test_an_empty_list_is_an_empty_array_without_a_cursor(settings, user):
    portable, fast = asyncio.run(_both_paths(settings, user.id, "all", 100, 0))
    assert fast == portable == (b"[]", None)


def test_the_api_serves_the_list_from_the_fast_path_on_postgresql(client, user):
    assert client.app.state.fast_pool is not None
    for title in TITLES[:3]:
        assert client.post(user.url("/tasks"), json={"title": title}, headers=user.headers).status_code == 201
    listed = client.get(user.url("/tasks"), params={"limit": 2}, headers=user.headers)
    assert listed.status_code == 200
    assert listed.headers["content-type"] == "application/json"
    assert [task["title"] for task in listed.json()] == TITLES[:2]
    assert listed.headers["X-Next-After"] == str(listed.json()[1]["id"])
    one = client.get(user.url(f"/tasks/{listed.json()[0]['id']}"), headers=user.headers).json()
    assert listed.json()[0] == one


def test_a_connection_killed_under_the_pool_is_replaced_on_the_same_request(settings, user):
    _seed(settings.database_url, user.id)

    async def scenario():
        pool = FastPool(settings.model_copy(update={"db_fast_pool_size": 2}))
        try:
            async with pool.connection() as first, pool.connection() as second:
                pids = [first.info.backend_pid, second.info.backend_pid]
            # What a PostgreSQL restart does to the pool's idle connections.
            with psycopg.connect(libpq_url(settings.database_url), autocommit=True) as admin:
                killed = admin.execute(
                    "SELECT count(*) FROM unnest(%s::int[]) AS pid WHERE pg_terminate_backend(pid)", (pids,)
                ).fetchone()[0]
            body, _ = await task_service.task_page_json(pool, user.id, "all", limit=500, after=0)
            return killed, body
        finally:
            await pool.close()

    killed, body = asyncio.run(scenario())
    assert killed == 2
    assert body.count(b'"id":') == len(TITLES) * 3


def test_a_full_fast_pool_times_out_instead_of_hanging(settings, user):
    async def scenario():
        pool = FastPool(settings.model_copy(update={"db_fast_pool_size": 1, "db_pool_timeout": 0.3}))
        try:
            async with pool.connection():
                started = asyncio.get_running_loop().time()
                with pytest.raises(DatabaseUnavailable):
                    await task_service.task_page_json(pool, user.id, "all")
                return asyncio.get_running_loop().time() - started
        finally:
            await pool.close()

    waited = asyncio.run(scenario())
    assert 0.25 < waited < 3


def test_the_answer_for_a_full_fast_pool_is_the_one_503_with_retry_after(client):
    from todo_api.api.errors import database_unavailable_handler

    assert client.app.exception_handlers[DatabaseUnavailable] is database_unavailable_handler
    response = asyncio.run(database_unavailable_handler(None, DatabaseUnavailable("timeout")))
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"


def _portable_client(settings):
    """An app on the same database with the fast path switched off: the SQLAlchemy path SQLite runs."""
    return TestClient(create_app(settings.model_copy(update={"db_fast_pool_size": 0})))


def _without_identity(body):
    if isinstance(body, list):
        return [_without_identity(item) for item in body]
    if isinstance(body, dict) and "id" in body:
        assert body["created_at"].endswith("Z")
        assert body["updated_at"] >= body["created_at"]
        return {key: value for key, value in body.items() if key not in ("id", "user_id", "created_at", "updated_at")}
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        return {"detail": re.sub(r"\d+", "N", body["detail"])}
    return body


def _run_script(client, user) -> list:
    """Every task change and its corner cases; the answers without what differs between two users."""
    answers = []

    def record(response):
        body = response.json() if response.content else None
        answers.append((response.status_code, _without_identity(body)))
        return response

    headers = user.headers
    created = record(
        client.post(user.url("/tasks"), json={"title": "  Buy   milk ", "description": " 2 l "}, headers=headers)
    )
    assert created.status_code == 201, created.text
    task = user.url(f"/tasks/{created.json()['id']}")
    # the answer is the stored row, byte for byte as a later read shows it
    assert client.get(task, headers=headers).content == created.content
    record(client.put(task, json={"title": "Buy oat milk"}, headers=headers))
    record(client.put(task, json={"completed": True, "description": ""}, headers=headers))
    updated = record(client.put(task, json={}, headers=headers))
    assert client.get(task, headers=headers).content == updated.content
    record(client.patch(f"{task}/complete", headers=headers))
    record(client.patch(f"{task}/complete", headers=headers))
    record(client.patch(f"{task}/complete", json={"completed": True}, headers=headers))
    record(client.patch(f"{task}/complete", json={"completed": True}, headers=headers))
    record(client.patch(f"{task}/complete", json={"completed": False}, headers=headers))
    record(client.put(task, json={"title": " "}, headers=headers))
    record(client.put(user.url("/tasks/2147483647"), json={"title": "x"}, headers=headers))
    record(client.get(user.url("/tasks"), headers=headers))
    record(client.delete(task, headers=headers))
    record(client.delete(task, headers=headers))
    record(client.patch(f"{task}/complete", headers=headers))
    record(client.put(task, json={"title": "gone"}, headers=headers))
    record(client.get(user.url("/tasks"), headers=headers))
    return answers


def test_every_task_change_answers_the_same_on_both_paths(settings, client, user, make_user):
    with _portable_client(settings) as portable:
        assert portable.app.state.fast_pool is None
        portable_answers = _run_script(portable, make_user(portable))
    fast_answers = _run_script(client, user)
    assert fast_answers == portable_answers
    statuses = [status for status, _ in fast_answers]
    assert statuses == [201, 200, 200, 200, 200, 200, 200, 200, 200, 422, 404, 200, 204, 404, 404, 404, 200]
    assert fast_answers[4][1]["completed"] is False
    assert fast_answers[5][1]["completed"] is True


@pytest.mark.parametrize("path", ["fast", "portable"])
def test_each_users_tasks_are_numbered_from_one_and_numbers_are_never_reused(settings, client, make_user, path):
    with contextlib.ExitStack() as stack:
        api = client if path == "fast" else stack.enter_context(_portable_client(settings))
        assert (api.app.state.fast_pool is None) is (path == "portable")
        first, second = make_user(api), make_user(api)

        def create(user, title):
            response = api.post(user.url("/tasks"), json={"title": title}, headers=user.headers)
            assert response.status_code == 201, response.text
            return response.json()

        assert [create(first, title)["number"] for title in ("a", "b", "c")] == [1, 2, 3]
        other = create(second, "x")
        assert other["number"] == 1
        assert other["id"] != 1
        third = create(first, "d")
        assert api.delete(first.url(f"/tasks/{third['id']}"), headers=first.headers).status_code == 204
        # A deleted task's number is not given again: "task 4" never turns into another task.
        assert create(first, "e")["number"] == 5
        listed = api.get(first.url("/tasks"), headers=first.headers).json()
        assert [(task["number"], task["title"]) for task in listed] == [(1, "a"), (2, "b"), (3, "c"), (5, "e")]


def test_a_create_for_a_deleted_account_is_401_on_the_fast_path(client, user):
    assert (
        client.request("DELETE", "/api/auth/me", json={"password": user.password}, headers=user.headers).status_code
        == 204
    )
    response = client.post(user.url("/tasks"), json={"title": "after the account is gone"}, headers=user.headers)
    assert response.status_code == 401, response.text


def test_a_write_after_the_server_hung_up_is_sent_once_on_a_live_connection(settings, client, user):
    # Use every connection of the fast pool once, then kill them all as a PostgreSQL restart would.
    for _ in range(settings.db_fast_pool_size * 2):
        assert client.get(user.url("/tasks"), headers=user.headers).status_code == 200
    with psycopg.connect(libpq_url(settings.database_url), autocommit=True) as admin:
        pids = [
            pid
            for (pid,) in admin.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = 'todo_api-fast' "
                "AND datname = current_database()"
            )
        ]
        admin.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", (pids,))
        # pg_terminate_backend only signals: wait until those server processes have hung up.
        for _ in range(100):
            if not admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = ANY(%s)", (pids,)).fetchone():
                break
            time.sleep(0.05)
    assert pids
    created = client.post(user.url("/tasks"), json={"title": "exactly once"}, headers=user.headers)
    assert created.status_code == 201, created.text
    titles = [task["title"] for task in client.get(user.url("/tasks"), headers=user.headers).json()]
    assert titles == ["exactly once"]


def _masked(value):
    """Numbers (ids) masked everywhere, in text too."""
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(item) for item in value]
    if isinstance(value, str):
        return re.sub(r"\d+", "N", value)
    return "N" if isinstance(value, int) and not isinstance(value, bool) else value


def _chat_script(client, user) -> list:
    """Two conversations, a turn in a conversation that is not the user's, and what is stored; the answers
    without ids and times (task ids inside replies are masked)."""

    def say(message, conversation_id=None):
        body = {"message": message} | ({"conversation_id": conversation_id} if conversation_id else {})
        return client.post(user.url("/chat"), json=body, headers=user.headers)

    first = say("add buy milk")
    assert first.status_code == 200, first.text
    conversation = first.json()["conversation_id"]
    answers = [_masked({k: v for k, v in first.json().items() if k != "conversation_id"})]
    follow_up = say("show my tasks", conversation)
    assert follow_up.json()["conversation_id"] == conversation
    answers.append(_masked({k: v for k, v in follow_up.json().items() if k != "conversation_id"}))
    other = say("show my tasks")
    assert other.json()["conversation_id"] > conversation
    missing = say("show my tasks", 2_000_000_000)
    assert missing.status_code == 404
    answers.append(_masked(missing.json()))
    stored = client.get(user.url("/conversations"), headers=user.headers).json()
    assert [c["id"] for c in stored] == [other.json()["conversation_id"], conversation]
    for item in stored:
        ids = [message["id"] for message in item["messages"]]
        assert ids == sorted(ids)
        answers.append(_masked([[message["role"], message["content"]] for message in item["messages"]]))
    return answers


def test_a_chat_turn_is_stored_the_same_on_both_paths(settings, client, user, make_user):
    with _portable_client(settings) as portable:
        portable_answers = _chat_script(portable, make_user(portable))
    fast_answers = _chat_script(client, user)
    assert fast_answers == portable_answers
    assert [role for role, _ in fast_answers[4]] == ["user", "assistant", "user", "assistant"]
    assert fast_answers[4][0][1] == "add buy milk"


def _chat_lists(client, user) -> list:
    """The engine's task list answers (and the list_tasks tool's results) for a user with 53 tasks."""
    for index in range(53):
        response = client.post(user.url("/tasks"), json={"title": f"Errand {index}"}, headers=user.headers)
        assert response.status_code == 201, response.text
    for number in (2, 5, 51):
        client.post(user.url("/chat"), json={"message": f"mark task {number} as done"}, headers=user.headers)
    answers = []
    for message in ("show my tasks", "show pending tasks", "what have I completed?", "show my tasks please"):
        reply = client.post(user.url("/chat"), json={"message": message}, headers=user.headers).json()
        answers.append((reply["response"], reply["tool_calls"]))
    return answers


def test_the_chat_engines_task_lists_are_the_same_on_both_paths(settings, client, make_user):
    with _portable_client(settings) as portable:
        portable_answers = _chat_lists(portable, make_user(portable))
    fast_answers = _chat_lists(client, make_user(client))
    assert fast_answers == portable_answers
    everything, pending, completed, _ = (response for response, _ in fast_answers)
    assert everything.startswith("You have 53 tasks; here are the first 50:\n○ #1 Errand 0\n✓ #2 Errand 1\n")
    assert pending.startswith("Here are your 50 pending tasks:\n○ #1 Errand 0\n○ #3 Errand 2\n")
    assert completed == "Here are your 3 completed tasks:\n✓ #2 Errand 1\n✓ #5 Errand 4\n✓ #51 Errand 50"
    [call] = fast_answers[0][1]
    assert call["name"] == "list_tasks"
    assert call["result"][:2] == [
        {"id": 1, "title": "Errand 0", "completed": False},
        {"id": 2, "title": "Errand 1", "completed": True},
    ]
