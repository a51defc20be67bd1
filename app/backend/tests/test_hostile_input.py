"""Numbers and shapes a careless or hostile client sends: answered with 4xx or a polite reply, never a 500."""

import logging
import secrets

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


@pytest.mark.parametrize("value", [0, 1, "yes", "on", "true", "false", "1"])
@pytest.mark.parametrize(("method", "path"), [("PUT", "/tasks/{id}"), ("PATCH", "/tasks/{id}/complete")])
def test_completed_takes_true_or_false_only(client, user, method, path, value):
    task = client.post(user.url("/tasks"), json={"title": "strict"}, headers=user.headers).json()
    url = user.url(path.format(id=task["id"]))
    response = client.request(method, url, json={"completed": value}, headers=user.headers)
    assert response.status_code == 422, response.text
    stored = client.get(user.url(f"/tasks/{task['id']}"), headers=user.headers).json()
    assert stored["completed"] is False, "a refused request changed the task"
    for real in (True, False):
        answer = client.request(method, url, json={"completed": real}, headers=user.headers)
        assert answer.status_code == 200, answer.text
        assert answer.json()["completed"] is real


@pytest.mark.parametrize("subject", [2**64, 2**31, 0, -1])
def test_a_validly_signed_token_for_an_impossible_user_id_is_401(client, settings, subject):
    from todo_api.core.security import create_access_token

    token = create_access_token(settings, subject)
    response = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401, response.text
    response = client.get(f"/api/{max(subject, 1)}/tasks", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in {401, 422}, response.text


def test_answers_that_carry_a_token_are_never_cached(client):
    credentials = {"email": f"nocache-{secrets.token_hex(4)}@example.com", "password": "correct horse battery"}
    signup = client.post("/api/auth/signup", json=credentials)
    login = client.post("/api/auth/login", json=credentials)
    for response in (signup, login):
        assert response.status_code in {200, 201}, response.text
        assert "access_token" in response.json()
        assert response.headers.get("Cache-Control") == "no-store"
