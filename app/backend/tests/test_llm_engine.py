"""LLM engine wiring, against the fake OpenAI-compatible server fixture (tests/fixtures/fake_openai_server.py).

The real backend runs under uvicorn; its agent (OpenAI Agents SDK) talks to the fake for completions
and to the backend's own /mcp endpoint for the tools, exactly as it would with a real model.
"""

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

EXPECTED_TOOLS = {"add_task", "list_tasks", "complete_task", "delete_task", "update_task"}


@pytest.fixture(scope="module")
def backend(database_url, fake_openai, live_server_factory, settings_factory):
    def settings_for(port):
        return settings_factory(
            database_url,
            openai_api_key="sk-test-fixture-key",
            openai_base_url=fake_openai.base_url,
            openai_model="fake-model-1",
            mcp_server_url=f"http://127.0.0.1:{port}/mcp",
            llm_timeout_seconds=20,
            chat_turn_timeout_seconds=6,
        )

    with live_server_factory(settings_for) as url:
        yield url


@pytest.fixture
def account(backend, fake_openai):
    import secrets

    fake_openai.reset()
    body = httpx.post(
        f"{backend}/api/auth/signup",
        json={"email": f"llm-{secrets.token_hex(5)}@example.com", "password": "correct horse battery"},
    ).json()
    headers = {"Authorization": f"Bearer {body['access_token']}"}
    return backend, body["user"]["id"], headers


def chat(account, message, conversation_id=None):
    backend, user_id, headers = account
    payload = {"message": message}
    if conversation_id:
        payload["conversation_id"] = conversation_id
    response = httpx.post(f"{backend}/api/{user_id}/chat", json=payload, headers=headers, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def tasks(account):
    backend, user_id, headers = account
    return httpx.get(f"{backend}/api/{user_id}/tasks", headers=headers).json()


def test_fixture_llm_offers_the_mcp_tools_and_its_tool_calls_run_against_the_db(account, fake_openai):
    fake_openai.script += [
        fake_openai.tool_call("add_task", {"title": "Buy milk"}),
        fake_openai.text("I added Buy milk for you."),
    ]
    reply = chat(account, "could you put milk on my shopping list")

    assert reply["response"] == "I added Buy milk for you."
    [call] = reply["tool_calls"]
    assert call["name"] == "add_task"
    assert call["arguments"] == {"title": "Buy milk"}
    assert call["result"]["status"] == "created"
    assert call["result"]["title"] == "Buy milk"
    assert [(t["number"], t["title"]) for t in tasks(account)] == [(call["result"]["task_id"], "Buy milk")]

    first, second = fake_openai.requests
    assert first["model"] == "fake-model-1"
    assert fake_openai.offered_tool_names() == EXPECTED_TOOLS
    assert fake_openai.authorizations[0] == "Bearer sk-test-fixture-key"
    assert first["messages"][-1] == {"role": "user", "content": "could you put milk on my shopping list"}
    # The tool result went back to the model in the contract's shape.
    tool_message = next(m for m in second["messages"] if m["role"] == "tool")
    assert json.loads(tool_message["content"]) == call["result"]


def test_fixture_llm_can_chain_tools_using_earlier_results(account, fake_openai):
    backend, user_id, headers = account
    httpx.post(f"{backend}/api/{user_id}/tasks", json={"title": "Pay rent"}, headers=headers)

    def complete_the_listed_task(request):
        listed = json.loads(next(m for m in reversed(request["messages"]) if m["role"] == "tool")["content"])
        return fake_openai.tool_call("complete_task", {"task_id": listed["result"][0]["id"]}, call_id="call_2")

    fake_openai.script += [
        fake_openai.tool_call("list_tasks", {"status": "pending"}),
        complete_the_listed_task,
        fake_openai.text("Marked Pay rent as done."),
    ]
    reply = chat(account, "I paid the rent")
    assert [c["name"] for c in reply["tool_calls"]] == ["list_tasks", "complete_task"]
    assert reply["tool_calls"][0]["result"] == [
        {"id": tasks(account)[0]["number"], "title": "Pay rent", "completed": False}
    ]
    assert [(t["title"], t["completed"]) for t in tasks(account)] == [("Pay rent", True)]


def test_fixture_llm_receives_the_stored_history(account, fake_openai):
    fake_openai.script += [fake_openai.text("Hello! How can I help?"), fake_openai.text("You said hi before.")]
    first = chat(account, "hi")
    chat(account, "what did I say?", first["conversation_id"])
    history = [(m["role"], m["content"]) for m in fake_openai.requests[1]["messages"] if m["role"] != "system"]
    assert history == [("user", "hi"), ("assistant", "Hello! How can I help?"), ("user", "what did I say?")]


def test_fixture_llm_failure_falls_back_to_offline_engine_and_loses_nothing(account, fake_openai):
    fake_openai.fail_with_status = 500
    reply = chat(account, "Add a task to buy bread")
    assert reply["response"].startswith("The AI assistant is unavailable right now")
    assert "Buy bread" in reply["response"]
    assert [c["name"] for c in reply["tool_calls"]] == ["add_task"]
    assert [t["title"] for t in tasks(account)] == ["Buy bread"]
    assert fake_openai.requests, "the LLM was tried first"

    backend, user_id, headers = account
    stored = httpx.get(f"{backend}/api/{user_id}/conversations/{reply['conversation_id']}", headers=headers).json()
    assert [(m["role"], m["content"]) for m in stored["messages"]] == [
        ("user", "Add a task to buy bread"),
        ("assistant", reply["response"]),
    ]


def test_fixture_llm_failure_after_a_tool_ran_does_not_repeat_it(account, fake_openai):
    fake_openai.script += [
        fake_openai.tool_call("add_task", {"title": "Book flights"}),
        fake_openai.error(500),
        fake_openai.error(500),
    ]
    reply = chat(account, "Add a task to book flights")
    assert "stopped with an error" in reply["response"]
    assert [c["name"] for c in reply["tool_calls"]] == ["add_task"]
    assert [t["title"] for t in tasks(account)] == ["Book flights"]


def test_fixture_llm_turn_has_one_deadline_then_the_offline_engine_answers(account, fake_openai):
    # Each model call is slow but well inside its own timeout (20 s); the whole turn would take 8 x 2 s.
    def slow_lookup(body):
        time.sleep(2)
        return fake_openai.tool_call("list_tasks", {"status": "all"}, call_id=f"call_{len(fake_openai.requests)}")

    fake_openai.script += [slow_lookup] * 8
    started = time.monotonic()
    reply = chat(account, "Add a task to water the plants")
    elapsed = time.monotonic() - started
    assert elapsed < 12, f"the turn took {elapsed:.1f} s, past its 6 s deadline"
    # only lookups ran before the deadline, so the built-in engine did the work, once
    assert reply["response"].startswith("The AI assistant is unavailable right now")
    assert [t["title"] for t in tasks(account)] == ["Water the plants"]


def test_the_app_imports_the_llm_engine_only_when_a_key_is_set():
    """Two thirds of the app's import time is the Agents SDK: a pod without an API key never pays it."""
    probe = "import sys, todo_api.main; print('agents' in sys.modules, 'openai' in sys.modules)"
    backend = Path(__file__).resolve().parents[1]  # where todo_api is, wherever pytest was started
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=backend)
    assert result.stdout.split() == ["False", "False"]
