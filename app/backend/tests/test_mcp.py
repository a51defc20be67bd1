"""The MCP server through the official MCP client over real HTTP (uvicorn on a loopback port)."""

import asyncio
import json

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

EXPECTED_TOOLS = {"add_task", "list_tasks", "complete_task", "delete_task", "update_task"}


@pytest.fixture(scope="module")
def server_url(database_url, live_server_factory, settings_factory):
    with live_server_factory(lambda port: settings_factory(database_url)) as url:
        yield url


def new_user(server_url):
    import secrets

    response = httpx.post(
        f"{server_url}/api/auth/signup",
        json={"email": f"mcp-{secrets.token_hex(5)}@example.com", "password": "correct horse battery"},
    )
    assert response.status_code == 201
    return response.json()


async def with_mcp(server_url, token, work):
    # mode="legacy" performs the classic initialize handshake explicitly.
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http,
        Client(streamable_http_client(f"{server_url}/mcp", http_client=http), mode="legacy") as client,
    ):
        return await work(client)


def structured(result):
    assert not result.is_error, result.content
    # Text content carries the same JSON the structured content does (an empty list has none).
    for block in result.content:
        assert json.loads(block.text)
    return result.structured_content


def test_initialize_list_and_call_every_tool(server_url):
    account = new_user(server_url)
    token, user_id = account["access_token"], account["user"]["id"]

    async def work(client):
        assert client.server_info.name == "todo-tasks"
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert set(tools) == EXPECTED_TOOLS
        assert tools["add_task"].input_schema["required"] == ["title"]
        assert "user_id" not in json.dumps([tool.input_schema for tool in tools.values()])

        added = structured(await client.call_tool("add_task", {"title": "Buy milk", "description": "oat"}))
        assert set(added) == {"task_id", "status", "title"}
        assert added["status"] == "created"
        assert added["title"] == "Buy milk"
        task_id = added["task_id"]
        second = structured(await client.call_tool("add_task", {"title": "Walk dog"}))["task_id"]

        listed = structured(await client.call_tool("list_tasks", {}))["result"]
        assert listed == [
            {"id": task_id, "title": "Buy milk", "completed": False},
            {"id": second, "title": "Walk dog", "completed": False},
        ]
        completed = structured(await client.call_tool("complete_task", {"task_id": task_id}))
        assert completed == {"task_id": task_id, "status": "completed", "title": "Buy milk"}
        assert structured(await client.call_tool("list_tasks", {"status": "completed"}))["result"] == [
            {"id": task_id, "title": "Buy milk", "completed": True}
        ]
        assert [t["id"] for t in structured(await client.call_tool("list_tasks", {"status": "pending"}))["result"]] == [
            second
        ]
        updated = structured(await client.call_tool("update_task", {"task_id": second, "title": "Walk the dog"}))
        assert updated == {"task_id": second, "status": "updated", "title": "Walk the dog"}
        deleted = structured(await client.call_tool("delete_task", {"task_id": task_id}))
        assert deleted == {"task_id": task_id, "status": "deleted", "title": "Buy milk"}

        missing = await client.call_tool("complete_task", {"task_id": task_id})
        assert missing.is_error
        assert "not found" in missing.content[0].text
        invalid = await client.call_tool("add_task", {"title": ""})
        assert invalid.is_error
        bad_status = await client.call_tool("list_tasks", {"status": "someday"})
        assert bad_status.is_error

    asyncio.run(with_mcp(server_url, token, work))
    # The tools wrote through the same service layer the REST API reads.
    tasks = httpx.get(f"{server_url}/api/{user_id}/tasks", headers={"Authorization": f"Bearer {token}"}).json()
    assert [(t["title"], t["completed"]) for t in tasks] == [("Walk the dog", False)]


def test_tools_act_only_for_the_token_owner(server_url):
    owner, intruder = new_user(server_url), new_user(server_url)

    async def add(client):
        return structured(await client.call_tool("add_task", {"title": "Owner's secret"}))["task_id"]

    task_id = asyncio.run(with_mcp(server_url, owner["access_token"], add))

    async def attack(client):
        assert structured(await client.call_tool("list_tasks", {}))["result"] == []
        for tool, arguments in [
            ("complete_task", {"task_id": task_id}),
            ("delete_task", {"task_id": task_id}),
            ("update_task", {"task_id": task_id, "title": "pwned"}),
            # An extra user id from the model is not an accepted argument.
            ("list_tasks", {"user_id": owner["user"]["id"]}),
        ]:
            result = await client.call_tool(tool, arguments)
            if tool == "list_tasks" and not result.is_error:
                assert result.structured_content["result"] == []
            else:
                assert result.is_error, tool

    asyncio.run(with_mcp(server_url, intruder["access_token"], attack))
    owner_headers = {"Authorization": f"Bearer {owner['access_token']}"}
    tasks = httpx.get(f"{server_url}/api/{owner['user']['id']}/tasks", headers=owner_headers).json()
    assert [(t["title"], t["completed"]) for t in tasks] == [("Owner's secret", False)]


def test_task_id_is_the_users_own_task_number(server_url):
    """Each user's tasks are numbered from 1: a second user's first task is task_id 1 too, and a tool call
    with it changes that user's task, never the other's (whose REST id may be 1)."""
    first, second = new_user(server_url), new_user(server_url)

    async def add_two(client):
        return [structured(await client.call_tool("add_task", {"title": title}))["task_id"] for title in ("a", "b")]

    assert asyncio.run(with_mcp(server_url, first["access_token"], add_two)) == [1, 2]

    async def add_and_complete(client):
        added = structured(await client.call_tool("add_task", {"title": "Second user's first"}))
        completed = structured(await client.call_tool("complete_task", {"task_id": 1}))
        return added, completed, structured(await client.call_tool("list_tasks", {}))["result"]

    added, completed, listed = asyncio.run(with_mcp(server_url, second["access_token"], add_and_complete))
    assert added["task_id"] == 1
    assert completed == {"task_id": 1, "status": "completed", "title": "Second user's first"}
    assert listed == [{"id": 1, "title": "Second user's first", "completed": True}]

    def rest(account):
        headers = {"Authorization": f"Bearer {account['access_token']}"}
        return httpx.get(f"{server_url}/api/{account['user']['id']}/tasks", headers=headers).json()

    [own] = rest(second)
    assert own["number"] == 1
    assert own["id"] > 2  # its REST id is global: the first user's tasks took smaller ones
    assert [(t["number"], t["completed"]) for t in rest(first)] == [(1, False), (2, False)]


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic Zm9vOmJhcg=="])
def test_mcp_endpoint_requires_valid_bearer_token(server_url, authorization):
    headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
    if authorization:
        headers["Authorization"] = authorization
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
    }
    response = httpx.post(f"{server_url}/mcp", json=initialize, headers=headers)
    assert response.status_code == 401


def test_out_of_range_task_ids_are_tool_errors_not_crashes(server_url):
    user = new_user(server_url)

    async def work(client):
        for tool, arguments in [
            ("complete_task", {"task_id": 99999999999999999999}),
            ("delete_task", {"task_id": 2**31}),
            ("update_task", {"task_id": 2**63, "title": "x"}),
            ("complete_task", {"task_id": 0}),
        ]:
            result = await client.call_tool(tool, arguments)
            assert result.is_error, (tool, arguments)
        # the server is fine afterwards
        assert not (await client.call_tool("list_tasks", {})).is_error

    asyncio.run(with_mcp(server_url, user["access_token"], work))


def test_complete_task_can_reopen_a_task(server_url):
    user = new_user(server_url)

    async def work(client):
        task_id = structured(await client.call_tool("add_task", {"title": "Water plants"}))["task_id"]
        done = structured(await client.call_tool("complete_task", {"task_id": task_id}))
        again = structured(await client.call_tool("complete_task", {"task_id": task_id}))
        reopened = structured(await client.call_tool("complete_task", {"task_id": task_id, "completed": False}))
        return done["status"], again["status"], reopened["status"]

    # explicit states: completing twice stays completed (no toggle), completed=false reopens
    assert asyncio.run(with_mcp(server_url, user["access_token"], work)) == ("completed", "completed", "pending")


def test_list_tasks_comes_in_pages_an_agent_can_follow(server_url):
    user = new_user(server_url)

    async def work(client):
        ids = [structured(await client.call_tool("add_task", {"title": f"Task {n}"}))["task_id"] for n in range(5)]
        first = structured(await client.call_tool("list_tasks", {"limit": 2}))["result"]
        second = structured(await client.call_tool("list_tasks", {"limit": 2, "after": first[-1]["id"]}))["result"]
        rest = structured(await client.call_tool("list_tasks", {"limit": 2, "after": second[-1]["id"]}))["result"]
        refused = [
            (await client.call_tool("list_tasks", arguments)).is_error
            for arguments in ({"limit": 0}, {"limit": 101}, {"after": -1}, {"after": 2**31})
        ]
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        return ids, [t["id"] for t in first + second + rest], refused, tools["list_tasks"].description

    ids, listed, refused, description = asyncio.run(with_mcp(server_url, user["access_token"], work))
    assert listed == ids
    assert refused == [True, True, True, True]
    assert "after" in description, "the tool tells an agent how to get the next page"
