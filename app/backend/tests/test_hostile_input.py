"""Numbers and shapes a careless or hostile client sends: answered with 4xx or a polite reply, never a 500."""

import logging

import pytest

HUGE = "99999999999999999999"  # beyond 64 bits
JUST_OVER = str(2**31)  # beyond the INTEGER columns


@pytest.mark.parametrize("number", [HUGE, JUST_OVER, "0", "-1"])
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/tasks/{n}", None),
        ("PUT", "/tasks/{n}", {"title": "x"}),
        ("DELETE", "/tasks/{n}", None),
        ("PATCH", "/tasks/{n}/complete", None),
        ("GET", "/conversations/{n}", None),
    ],
)
def test_out_of_range_ids_in_a_path_are_422(client, user, caplog, method, path, body, number):  # noqa: PLR0917
    with caplog.at_level(logging.ERROR):
        response = client.request(method, user.url(path.format(n=number)), json=body, headers=user.headers)
    assert response.status_code == 422, response.text
    assert "unhandled error" not in caplog.text


@pytest.mark.parametrize("number", [HUGE, JUST_OVER, "0"])
def test_out_of_range_user_id_in_the_path_is_422(client, user, number):
    response = client.get(f"/api/{number}/tasks", headers=user.headers)
    assert response.status_code == 422, response.text


@pytest.mark.parametrize("conversation_id", [int(HUGE), 2**31, 0])
def test_out_of_range_conversation_id_in_a_chat_body_is_422(client, user, conversation_id):
    response = client.post(
        user.url("/chat"), json={"message": "show my tasks", "conversation_id": conversation_id}, headers=user.headers
    )
    assert response.status_code == 422, response.text


@pytest.mark.parametrize(
    "message", [f"delete task {HUGE}", f"mark task {JUST_OVER} as done", f"rename task {HUGE} to Something"]
)
def test_out_of_range_ids_in_chat_text_get_a_polite_reply_and_a_whole_turn(client, user, caplog, message):
    with caplog.at_level(logging.ERROR):
        response = client.post(user.url("/chat"), json={"message": message}, headers=user.headers)
    assert response.status_code == 200, response.text
    reply = response.json()
    assert "couldn't find task" in reply["response"]
    assert "unhandled error" not in caplog.text
    stored = client.get(user.url(f"/conversations/{reply['conversation_id']}"), headers=user.headers).json()
    assert [m["role"] for m in stored["messages"]] == ["user", "assistant"]


@pytest.mark.parametrize(
    "title",
    ["\u200b\u200b", "\x00", "buy\x00milk", "\u200d\u2060\ufeff", "\x07bell", "\u202e\u202d"],
    ids=["zero-width", "NUL", "NUL inside", "joiners", "control", "bidi"],
)
def test_titles_of_invisible_or_control_characters_are_refused(client, user, title):
    response = client.post(user.url("/tasks"), json={"title": title}, headers=user.headers)
    assert response.status_code == 422, response.text
    assert client.get(user.url("/tasks"), headers=user.headers).json() == []


def test_a_title_with_visible_unicode_is_kept_as_typed(client, user):
    response = client.post(user.url("/tasks"), json={"title": "Café ☕ 買い物"}, headers=user.headers)
    assert response.status_code == 201, response.text
    assert response.json()["title"] == "Café ☕ 買い物"
