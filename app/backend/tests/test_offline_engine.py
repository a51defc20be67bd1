"""The offline engine, driven through POST /chat: each phrasing must leave the right state in the DB.

Every case starts from the same five tasks of a fresh user. Phrasings name them with placeholders
({groceries}, {meeting}, ...) filled in with the tasks' numbers (1 to 5: what the user sees; their ids are
global and larger, as other tests' users made tasks before).
"""

import pytest

SEED = {
    "groceries": ("Buy groceries", False),
    "meeting": ("Team meeting with Bob", False),
    "bills": ("Pay bills", True),
    "mom": ("Call mom", False),
    "gift": ("Buy a birthday gift for Anna", False),
}


@pytest.fixture
def seeded(client, user):
    ids = {}
    for key, (title, completed) in SEED.items():
        task = client.post(user.url("/tasks"), json={"title": title}, headers=user.headers).json()
        if completed:
            client.patch(user.url(f"/tasks/{task['id']}/complete"), headers=user.headers)
        ids[key] = task["number"]
    return user, ids


def send(client, user, ids, message):
    response = client.post(user.url("/chat"), json={"message": message.format(**ids)}, headers=user.headers)
    assert response.status_code == 200, response.text
    reply = response.json()
    tasks = {task["number"]: task for task in client.get(user.url("/tasks"), headers=user.headers).json()}
    return reply, tasks


def unchanged_except(tasks, ids, *keys):
    for key, (title, completed) in SEED.items():
        if key in keys:
            continue
        assert tasks[ids[key]]["title"] == title
        assert tasks[ids[key]]["completed"] is completed


ADD_PHRASINGS = [
    "Add a task to buy milk",
    "add buy milk",
    "Please add 'Buy milk' to my list",
    "Could you add a new task called Buy milk?",
    "create a task: Buy milk",
    "New task - buy milk",
    "I need to remember to buy milk",
    "Remind me to buy milk",
    "remind me to buy milk please",
    "Don't let me forget to buy milk",
    "I have to buy milk",
    "ad a task to buy milk",
    "Add a taks to buy milk",
    "crate a task to buy milk",
    "pls add buy milk to my todo list",
    "Hey, can you please add a task to buy milk? Thanks!",
    "Add a reminder to buy milk",
    "jot down buy milk",
    "Put buy milk on my list",
    "I'd like you to add buy milk",
]


@pytest.mark.parametrize("message", ADD_PHRASINGS)
def test_add_phrasings(client, seeded, message):
    user, ids = seeded
    reply, tasks = send(client, user, ids, message)
    assert [call["name"] for call in reply["tool_calls"]] == ["add_task"]
    new = [task for task in tasks.values() if task["number"] not in ids.values()]
    assert [task["title"] for task in new] == ["Buy milk"]
    assert "Buy milk" in reply["response"]
    unchanged_except(tasks, ids)


def test_add_with_description(client, seeded):
    user, ids = seeded
    _reply, tasks = send(client, user, ids, "Add a task to buy milk with description 2 litres, oat")
    [new] = [task for task in tasks.values() if task["number"] not in ids.values()]
    assert (new["title"], new["description"]) == ("Buy milk", "2 litres, oat")


LIST_PHRASINGS = [
    ("Show me all my tasks", "all"),
    ("list my tasks", "all"),
    ("What's on my list?", "all"),
    ("Could you show me my tasks, please?", "all"),
    ("shwo my tasks", "all"),
    ("my tasks", "all"),
    ("What's pending?", "pending"),
    ("Show pending tasks", "pending"),
    ("what do I still need to do", "pending"),
    ("Which tasks are not done yet?", "pending"),
    ("lsit pending tasks", "pending"),
    ("Do I have any open tasks?", "pending"),
    ("What have I completed?", "completed"),
    ("show completed tasks", "completed"),
    ("What did I finish?", "completed"),
    ("Display my completed to-dos", "completed"),
]


@pytest.mark.parametrize(("message", "status"), LIST_PHRASINGS)
def test_list_phrasings(client, seeded, message, status):
    user, ids = seeded
    reply, tasks = send(client, user, ids, message)
    assert [(call["name"], call["arguments"]) for call in reply["tool_calls"]] == [("list_tasks", {"status": status})]
    expected = {key for key, (_, completed) in SEED.items() if status == "all" or completed is (status == "completed")}
    for key, (title, _) in SEED.items():
        assert (title in reply["response"]) is (key in expected), (key, reply["response"])
    unchanged_except(tasks, ids)


COMPLETE_PHRASINGS = [
    "Mark task {groceries} as complete",
    "mark task #{groceries} as done",
    "Complete task {groceries}",
    "complete the groceries task",
    "I finished the groceries task",
    "I'm done with groceries",
    "Finish buy groceries",
    "Check off groceries",
    "The groceries task is done",
    "task {groceries} is done",
    "Please mark buy groceries as finished",
    "compelte task {groceries}",
    "mrak task {groceries} as done",
    "Can you tick off groceries?",
    "Mark the groceries as completed please",
    "done with task {groceries}",
]


@pytest.mark.parametrize("message", COMPLETE_PHRASINGS)
def test_complete_phrasings(client, seeded, message):
    user, ids = seeded
    reply, tasks = send(client, user, ids, message)
    assert [call["name"] for call in reply["tool_calls"]] == ["complete_task"]
    assert reply["tool_calls"][0]["result"] == {
        "task_id": ids["groceries"],
        "status": "completed",
        "title": "Buy groceries",
    }
    assert tasks[ids["groceries"]]["completed"] is True
    unchanged_except(tasks, ids, "groceries")


REOPEN_PHRASINGS = [
    "Mark task {bills} as not done",
    "reopen task {bills}",
    "mark the bills task as incomplete",
    "Uncomplete task {bills}",
    "set pay bills as not done please",
]


@pytest.mark.parametrize("message", REOPEN_PHRASINGS)
def test_reopen_phrasings(client, seeded, message):
    user, ids = seeded
    reply, tasks = send(client, user, ids, message)
    assert [call["name"] for call in reply["tool_calls"]] == ["complete_task"], reply["response"]
    assert reply["tool_calls"][0]["arguments"] == {"task_id": ids["bills"], "completed": False}
    assert reply["tool_calls"][0]["result"]["status"] == "pending"
    assert tasks[ids["bills"]]["completed"] is False
    unchanged_except(tasks, ids, "bills")


def test_reopening_an_open_task_changes_nothing(client, seeded):
    user, ids = seeded
    reply, tasks = send(client, user, ids, "reopen task {groceries}")
    assert reply["tool_calls"] == []
    assert "already open" in reply["response"]
    unchanged_except(tasks, ids)


DELETE_PHRASINGS = [
    "Delete the meeting task",
    "delete task {meeting}",
    "Remove task #{meeting}",
    "remove the meeting with bob",
    "Please delete the team meeting",
    "Cancel the meeting",
    "Get rid of the meeting task",
    "delet the meeting task",
    "remvoe task {meeting}",
    "Could you erase the meeting task, please?",
    "I don't need the meeting task anymore",
    "drop meeting",
    "Trash task {meeting}",
]


@pytest.mark.parametrize("message", DELETE_PHRASINGS)
def test_delete_phrasings(client, seeded, message):
    user, ids = seeded
    reply, tasks = send(client, user, ids, message)
    assert [call["name"] for call in reply["tool_calls"]] == ["delete_task"]
    assert reply["tool_calls"][0]["result"]["status"] == "deleted"
    assert ids["meeting"] not in tasks
    assert "Team meeting with Bob" in reply["response"]
    unchanged_except(tasks, ids, "meeting")


UPDATE_PHRASINGS = [
    "Change task {mom} to 'Call mom tonight'",
    "change task {mom} to Call mom tonight",
    "Rename task {mom} to Call mom tonight",
    "rename the call mom task to Call mom tonight",
    "Update task {mom}: Call mom tonight",
    "Edit the mom task to say Call mom tonight",
    "updte task {mom} to Call mom tonight",
    "Could you please rename 'Call mom' to 'Call mom tonight'?",
    "Set the title of the call mom task to Call mom tonight",
]


@pytest.mark.parametrize("message", UPDATE_PHRASINGS)
def test_update_phrasings(client, seeded, message):
    user, ids = seeded
    reply, tasks = send(client, user, ids, message)
    assert [call["name"] for call in reply["tool_calls"]] == ["update_task"]
    assert reply["tool_calls"][0]["result"] == {"task_id": ids["mom"], "status": "updated", "title": "Call mom tonight"}
    assert tasks[ids["mom"]]["title"] == "Call mom tonight"
    unchanged_except(tasks, ids, "mom")


def test_update_description(client, seeded):
    user, ids = seeded
    reply, tasks = send(client, user, ids, "change the description of task {mom} to ask about the trip")
    assert reply["tool_calls"][0]["arguments"] == {"task_id": ids["mom"], "description": "ask about the trip"}
    assert tasks[ids["mom"]]["description"] == "ask about the trip"
    assert tasks[ids["mom"]]["title"] == "Call mom"


AMBIGUOUS_PHRASINGS = [
    ("Delete the buy task", "delete"),
    ("complete the buy task", "complete"),
    ("Rename the buy task to Shopping", "update"),
]


@pytest.mark.parametrize(("message", "action"), AMBIGUOUS_PHRASINGS)
def test_several_matches_ask_which(client, seeded, message, action):
    user, ids = seeded
    reply, tasks = send(client, user, ids, message)
    assert reply["tool_calls"] == []
    assert f"Which one should I {action}?" in reply["response"]
    assert f"#{ids['groceries']} Buy groceries" in reply["response"]
    assert f"#{ids['gift']} Buy a birthday gift for Anna" in reply["response"]
    unchanged_except(tasks, ids)


NO_MATCH_PHRASINGS = [
    "Delete the dentist task",
    "mark task 999999 as done",
    "Remove the yoga class",
    "complete the dentist appointment",
]


@pytest.mark.parametrize("message", NO_MATCH_PHRASINGS)
def test_no_match_is_answered_kindly(client, seeded, message):
    user, ids = seeded
    reply, tasks = send(client, user, ids, message)
    assert reply["tool_calls"] == []
    assert "couldn't find" in reply["response"]
    assert len(tasks) == len(SEED)
    unchanged_except(tasks, ids)


@pytest.mark.parametrize("message", ["hello", "what can you do?", "blah blah", "Thanks!"])
def test_small_talk_explains_and_changes_nothing(client, seeded, message):
    user, ids = seeded
    reply, tasks = send(client, user, ids, message)
    assert reply["tool_calls"] == []
    assert "Add a task to buy groceries" in reply["response"]
    unchanged_except(tasks, ids)


def test_follow_up_answer_by_id_after_question(client, seeded):
    user, ids = seeded
    asked = client.post(user.url("/chat"), json={"message": "complete the buy task"}, headers=user.headers).json()
    response = client.post(
        user.url("/chat"),
        json={"conversation_id": asked["conversation_id"], "message": f"task {ids['gift']}"},
        headers=user.headers,
    ).json()
    assert [call["name"] for call in response["tool_calls"]] == ["complete_task"]
    tasks = {task["number"]: task for task in client.get(user.url("/tasks"), headers=user.headers).json()}
    assert tasks[ids["gift"]]["completed"] is True
    assert tasks[ids["groceries"]]["completed"] is False


def test_add_without_title_asks_for_one(client, seeded):
    user, ids = seeded
    reply, tasks = send(client, user, ids, "add a task")
    assert reply["tool_calls"] == []
    assert "What should the task be called?" in reply["response"]
    assert len(tasks) == len(SEED)


def test_a_long_list_shows_one_page_and_says_so(client, make_user):
    user = make_user()
    for number in range(55):
        client.post(user.url("/tasks"), json={"title": f"Chore {number}"}, headers=user.headers)
    reply = client.post(user.url("/chat"), json={"message": "show my tasks"}, headers=user.headers).json()
    assert reply["response"].startswith("You have 55 tasks; here are the first 50:")
    assert "Chore 49" in reply["response"]
    assert "Chore 50" not in reply["response"]
    assert "The task list on the page shows all of them." in reply["response"]


def test_a_task_with_a_number_in_its_title_is_found_by_its_words(client, make_user):
    user = make_user()
    report = client.post(user.url("/tasks"), json={"title": "File the 2023 report"}, headers=user.headers).json()
    reply = client.post(user.url("/chat"), json={"message": "delete the 2023 report"}, headers=user.headers).json()
    assert [call["name"] for call in reply["tool_calls"]] == ["delete_task"]
    assert f"#{report['number']}" in reply["response"]


@pytest.mark.parametrize(
    "case",
    [
        ("Rename the buy task to Shopping", "task {gift}", "update_task", lambda t: t["title"] == "Shopping"),
        ("Rename the buy task to Shopping", "the second one", "update_task", lambda t: t["title"] == "Shopping"),
        ("delete the buy task", "the second one", "delete_task", None),
        ("complete the buy task", "#{gift}", "complete_task", lambda t: t["completed"] is True),
    ],
)
def test_every_action_that_asks_which_understands_the_answer(client, seeded, case):
    first, answer, tool, check = case
    user, ids = seeded
    asked = client.post(user.url("/chat"), json={"message": first}, headers=user.headers).json()
    assert "Which one should I" in asked["response"]
    # the question lists the groceries task first and the gift second (id order)
    assert asked["response"].index(f"#{ids['groceries']}") < asked["response"].index(f"#{ids['gift']}")
    reply = client.post(
        user.url("/chat"),
        json={"conversation_id": asked["conversation_id"], "message": answer.format(**ids)},
        headers=user.headers,
    ).json()
    assert [call["name"] for call in reply["tool_calls"]] == [tool], reply["response"]
    tasks = {task["number"]: task for task in client.get(user.url("/tasks"), headers=user.headers).json()}
    if check is None:
        assert ids["gift"] not in tasks
    else:
        assert check(tasks[ids["gift"]])
    assert tasks[ids["groceries"]]["title"] == "Buy groceries"


def test_task_numbers_in_the_chat_are_the_users_own(client, make_user):
    """Asking to "mark task 1 as done" means the user's first task, whatever ids other users' tasks have taken."""
    first, second = make_user(), make_user()
    theirs = client.post(first.url("/tasks"), json={"title": "First user's task"}, headers=first.headers).json()
    for title in ("Water plants", "Book flights"):
        client.post(second.url("/tasks"), json={"title": title}, headers=second.headers)
    reply = client.post(second.url("/chat"), json={"message": "mark task 1 as done"}, headers=second.headers).json()
    assert reply["tool_calls"][0]["arguments"] == {"task_id": 1}
    assert "task #1 “Water plants”" in reply["response"]
    listed = client.post(second.url("/chat"), json={"message": "show my tasks"}, headers=second.headers).json()
    assert "✓ #1 Water plants\n○ #2 Book flights" in listed["response"]
    mine = client.get(second.url("/tasks"), headers=second.headers).json()
    assert [(task["number"], task["completed"]) for task in mine] == [(1, True), (2, False)]
    assert min(task["id"] for task in mine) > theirs["id"]
    assert client.get(first.url(f"/tasks/{theirs['id']}"), headers=first.headers).json()["completed"] is False
