"""The offline engine's parser as a pure function: text in, intent and arguments out (no database, no engine).

The end-to-end cases, each phrasing through POST /chat against the database, are in test_offline_engine.py.
"""

import pytest

from todo_api.agent import offline_parser as parser


@pytest.mark.parametrize(
    ("text", "task_id"),
    [
        ("delete task 4", 4),
        ("complete #12", 12),
        ("delete 4", 4),
        ("mark 3 as done", 3),
        ("task number 7", 7),
        ("the second one", None),
        ("delete the 2023 report", None),
        ("complete the q3 2024 review", None),
        ("remove 2 eggs from the list", None),
        ("finish the 10k run", None),
    ],
)
def test_a_number_is_a_task_id_only_when_nothing_else_names_the_task(text, task_id):
    assert parser.task_id_in(text) == task_id


@pytest.mark.parametrize(
    ("message", "kind", "text"),
    [
        ("please add a task to buy milk", parser.ADD, "add a task to buy milk"),
        ("shw my pending tasks", parser.LIST, "show my pending tasks"),
        ("mark task 3 as done", parser.COMPLETE, "mark task 3 as done"),
        ("I finished the report", parser.COMPLETE, "I finished the report"),
        ("get rid of the meeting task", parser.DELETE, "get rid of the meeting task"),
        ("rename task 1 to Call mom", parser.UPDATE, "rename task 1 to Call mom"),
        ("mark task 2 as not done", parser.REOPEN, "mark task 2 as not done"),
        ("hello", parser.GREETING, "hello"),
        ("what can you do?", parser.HELP, "what can you do"),
    ],
)
def test_classify_tidies_the_message_and_names_its_intent(message, kind, text):
    intent = parser.classify(message)
    assert (intent.kind, intent.text) == (kind, text)


def test_an_add_carries_its_title_and_a_list_its_status():
    assert parser.classify("please add a task to buy milk").title == "Buy milk"
    assert parser.classify("shw my pending tasks").status == "pending"


def test_an_update_splits_into_the_task_it_names_and_the_new_value():
    assert parser.update_splits("rename task 1 to Call mom") == [
        parser.UpdateSplit(field="title", reference="task 1", new_value="Call mom")
    ]
    [split] = parser.update_splits('change the description of the meeting task to "bring slides"')
    assert split.field == "description"
    assert (split.reference.strip(), split.new_value) == ("the meeting task", "bring slides")
    assert parser.update_splits("rename it") == [], "no new value to find"


QUESTION = (
    "I found 2 tasks matching \u201cbuy\u201d: #3 Buy groceries; #7 Buy a gift. Which one should I delete? "
    "Tell me its number, e.g. \u201cdelete task 3\u201d."
)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("task 7", ("delete", 7)),
        ("#3", ("delete", 3)),
        ("the second one", ("delete", 7)),
        ("the last one", ("delete", 7)),
        ("the fifth one", None),
        ("yes", None),
        ("delete the 2023 report and more words here", None),
    ],
)
def test_an_answer_to_which_one_names_the_action_and_the_task(answer, expected):
    assert parser.clarification_answer(QUESTION, answer) == expected


def test_a_number_answers_nothing_when_no_question_was_asked():
    assert parser.clarification_answer("Here are your 2 tasks:", "task 3") is None
