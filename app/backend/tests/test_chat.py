from fastapi.testclient import TestClient

from todo_api.main import create_app


def chat(client, user, message, conversation_id=None):
    body = {"message": message}
    if conversation_id is not None:
        body["conversation_id"] = conversation_id
    response = client.post(user.url("/chat"), json=body, headers=user.headers)
    assert response.status_code == 200, response.text
    return response.json()


def titles(client, user):
    return [task["title"] for task in client.get(user.url("/tasks"), headers=user.headers).json()]


def test_chat_reply_shape_and_tool_call_record(client, user):
    reply = chat(client, user, "Add a task to buy groceries")
    assert set(reply) == {"conversation_id", "response", "tool_calls"}
    assert "Buy groceries" in reply["response"]
    [call] = reply["tool_calls"]
    assert call["name"] == "add_task"
    assert call["arguments"]["title"] == "Buy groceries"
    assert call["result"]["status"] == "created"
    assert call["result"]["title"] == "Buy groceries"
    assert titles(client, user) == ["Buy groceries"]


def test_conversation_continues_and_is_listed_with_messages(client, user):
    first = chat(client, user, "Add a task to call mom")
    second = chat(client, user, "show my tasks", first["conversation_id"])
    assert second["conversation_id"] == first["conversation_id"]
    other = chat(client, user, "hello")
    assert other["conversation_id"] != first["conversation_id"]

    listed = client.get(user.url("/conversations"), headers=user.headers).json()
    assert [c["id"] for c in listed] == [other["conversation_id"], first["conversation_id"]]
    messages = listed[1]["messages"]
    assert [(m["role"], m["content"]) for m in messages] == [
        ("user", "Add a task to call mom"),
        ("assistant", first["response"]),
        ("user", "show my tasks"),
        ("assistant", second["response"]),
    ]
    one = client.get(user.url(f"/conversations/{first['conversation_id']}"), headers=user.headers).json()
    assert one == listed[1]
    assert set(one["messages"][0]) == {"id", "role", "content", "created_at"}


def test_other_users_conversation_is_404(client, user, other_user):
    mine = chat(client, user, "hello")
    response = client.post(
        other_user.url("/chat"),
        json={"conversation_id": mine["conversation_id"], "message": "show my tasks"},
        headers=other_user.headers,
    )
    assert response.status_code == 404
    assert (
        client.get(other_user.url(f"/conversations/{mine['conversation_id']}"), headers=other_user.headers).status_code
        == 404
    )
    assert client.get(other_user.url("/conversations"), headers=other_user.headers).json() == []
    # And the failed attempt left nothing in the owner's conversation.
    assert (
        len(client.get(user.url(f"/conversations/{mine['conversation_id']}"), headers=user.headers).json()["messages"])
        == 2
    )


def test_chat_validation(client, user):
    for body in ({"message": ""}, {"message": "x" * 4001}, {"message": "hi", "extra": 1}, {"conversation_id": 1}):
        assert client.post(user.url("/chat"), json=body, headers=user.headers).status_code == 422, body
    assert chat(client, user, "y" * 4000)["conversation_id"] > 0


def test_chat_only_touches_the_callers_tasks(client, user, other_user):
    chat(client, user, "Add a task to water the plants")
    reply = chat(client, other_user, "Delete the plants task")
    assert reply["tool_calls"] == []
    assert "couldn't find" in reply["response"]
    assert titles(client, user) == ["Water the plants"]


def test_conversation_resumes_after_app_restart(settings, make_user):
    """Nothing lives in the process: a brand-new app instance continues the same conversation."""
    with TestClient(create_app(settings)) as first_app:
        user = make_user(first_app)
        chat(first_app, user, "Add a task to prepare the team meeting")
        chat(first_app, user, "Add a task to book the meeting room")
        asked = chat(first_app, user, "Delete the meeting task")
        assert "Which one should I delete?" in asked["response"]
        assert asked["tool_calls"] == []
        conversation_id = asked["conversation_id"]

    with TestClient(create_app(settings)) as second_app:
        # The answer to the question asked before the restart only makes sense with the stored history.
        answer = chat(second_app, user, "the second one", conversation_id)
        assert [call["name"] for call in answer["tool_calls"]] == ["delete_task"]
        assert answer["tool_calls"][0]["result"]["title"] == "Book the meeting room"
        assert titles(second_app, user) == ["Prepare the team meeting"]
        history = second_app.get(user.url(f"/conversations/{conversation_id}"), headers=user.headers).json()
        assert [m["role"] for m in history["messages"]] == ["user", "assistant", "user", "assistant"]
        assert history["messages"][2]["content"] == "the second one"


def test_conversations_come_in_pages_newest_first(client, make_user):
    user = make_user()
    ids = []
    for number in range(5):
        reply = client.post(user.url("/chat"), json={"message": f"add a task to call {number}"}, headers=user.headers)
        ids.append(reply.json()["conversation_id"])
    newest_first = list(reversed(ids))

    seen, query = [], "?limit=2"
    while True:
        response = client.get(user.url(f"/conversations{query}"), headers=user.headers)
        assert response.status_code == 200
        page = response.json()
        seen += [conversation["id"] for conversation in page]
        assert all(len(conversation["messages"]) == 2 for conversation in page)
        if "X-Next-Before" not in response.headers:
            break
        assert int(response.headers["X-Next-Before"]) == page[-1]["id"]
        query = "?" + response.headers["Link"].split("?", 1)[1].split(">", 1)[0]
    assert seen == newest_first
    assert len(client.get(user.url("/conversations"), headers=user.headers).json()) == 5, "default page holds 20"
    for bad in ("limit=0", "limit=101", "before=0", "before=99999999999999999999"):
        assert client.get(user.url(f"/conversations?{bad}"), headers=user.headers).status_code == 422, bad
