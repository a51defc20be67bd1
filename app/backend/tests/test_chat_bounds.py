"""A chat message costs bounded work, whatever its shape: the offline engine's worst cases.

Before the bounds, "rename " + "a to " repeated cost 29.6 CPU-seconds at 1 KB with 40 tasks (and 221 s at
4,000 characters), because every "to" was tried as the split between task and new title, each with a
fresh task lookup and fuzzy match. CPU time, not wall time: it does not depend on what else runs.
"""

import time

import pytest

from todo_api.models import MESSAGE_MAX

WORST_CASES = {
    "update split at every separator": "rename " + "a to " * MESSAGE_MAX,
    "update with task references": "change " + "task 1 to " * MESSAGE_MAX,
    "delete with a phrase of one-letter words": "delete " + "a b " * MESSAGE_MAX,
    "complete with a long phrase of title words": "mark " + "groceries meeting " * MESSAGE_MAX,
    "polite words before a command": "please " * (MESSAGE_MAX // 7 - 2) + "show tasks",
    "polite words after a command": "show tasks" + " please" * MESSAGE_MAX,
}


@pytest.fixture
def busy_user(client, user):
    words = ["groceries", "meeting", "bills", "mom", "gift", "report", "car", "dentist"]
    for index in range(40):
        response = client.post(
            user.url("/tasks"), json={"title": f"{words[index % len(words)]} {index} a to b"}, headers=user.headers
        )
        assert response.status_code == 201
    return user


@pytest.mark.parametrize("message", list(WORST_CASES.values()), ids=list(WORST_CASES))
def test_a_worst_case_message_of_the_maximum_length_answers_in_well_under_a_second(client, busy_user, message):
    message = message[:MESSAGE_MAX]
    assert len(message) > MESSAGE_MAX - 20
    started = time.process_time()
    response = client.post(busy_user.url("/chat"), json={"message": message}, headers=busy_user.headers)
    cpu_seconds = time.process_time() - started
    assert response.status_code == 200, response.text
    assert cpu_seconds < 0.5, f"{cpu_seconds:.2f} CPU seconds for one message"
    reply = response.json()["response"]
    # the reply quotes at most a short piece of what was typed
    assert len(reply) < 600 or reply.startswith("Here are your 40 tasks"), reply[:200]


def test_a_long_conversation_shows_its_latest_messages_only(client, user, settings):
    import psycopg

    from todo_api.db_fast import libpq_url
    from todo_api.services.chat import CONVERSATION_MESSAGES_MAX

    first = client.post(user.url("/chat"), json={"message": "show my tasks"}, headers=user.headers)
    conversation = first.json()["conversation_id"]
    with psycopg.connect(libpq_url(settings.database_url), autocommit=True) as connection:
        connection.execute(
            "INSERT INTO messages (user_id, conversation_id, role, content, created_at) "
            "SELECT %s, %s, 'user', 'message ' || n, now() FROM generate_series(1, %s) AS n",
            (user.id, conversation, CONVERSATION_MESSAGES_MAX + 50),
        )
    expected = [f"message {n}" for n in range(51, CONVERSATION_MESSAGES_MAX + 51)]
    listed = client.get(user.url("/conversations"), headers=user.headers).json()
    one = client.get(user.url(f"/conversations/{conversation}"), headers=user.headers).json()
    for shown in (listed[0]["messages"], one["messages"]):
        assert [message["content"] for message in shown] == expected
