"""The offline chat engine: rule-based answers to task requests, no model or key needed.

The parser (offline_parser.py) reads what a message asks for; the engine runs it against the task tools,
finds the task a phrase names among the user's tasks, asks which one when several match, and phrases the
replies.
"""

import difflib
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.concurrency import run_in_threadpool

from todo_api.agent.base import AgentReply, HistoryMessage
from todo_api.agent.offline_parser import (
    ADD,
    CLARIFY_PHRASE,
    COMPLETE,
    DELETE,
    GREETING,
    HELP,
    LIST,
    REOPEN,
    REOPEN_MARKERS,
    UPDATE,
    Intent,
    clarification_answer,
    classify,
    target_phrase,
    task_id_in,
    update_splits,
)
from todo_api.agent.tool_runner import ToolRunner
from todo_api.models import Task
from todo_api.services import task_tools
from todo_api.services import tasks as task_service
from todo_api.services.errors import InvalidInputError, NotFoundError

if TYPE_CHECKING:
    from todo_api.db_fast import FastPool

# Bounds on the work one message may cause in the engine, whatever its shape and whatever the user's titles
# (the parser bounds its own): how many words of a phrase are compared with the titles, how much of a word is
# compared for typos, and the CPU time finding the task may take.
MAX_PHRASE_WORDS = 12
# No real word is longer; the similarity ratio's cost grows with the product of the two words' lengths
# (a 298-letter word against a 199-letter one: 5 to 7 ms, and a user writes both, one as a title).
FUZZY_WORD_MAX = 32
# CPU seconds (this thread's: neither waiting for the database nor for other requests counts) the engine may
# spend finding the task a message names before it gives up; with the parsing and the database work, a
# message then costs at most about 0.21 s.
MESSAGE_CPU_BUDGET = 0.2
PHRASE_SHOWN = 60  # characters of the user's phrase quoted back in a reply
SIMILAR = 0.8  # difflib ratio from which two words count as the same word mistyped


def _quote(phrase: str) -> str:
    return phrase if len(phrase) <= PHRASE_SHOWN else phrase[: PHRASE_SHOWN - 1].rstrip() + "…"


def _similar(a: str, b: str, check_budget: Callable[[], None]) -> bool:
    a, b = a[:FUZZY_WORD_MAX], b[:FUZZY_WORD_MAX]
    # difflib's real_quick_ratio (the bound from the lengths alone) before a matcher is even built: most word
    # pairs are told apart by it.
    if 2.0 * min(len(a), len(b)) / (len(a) + len(b)) < SIMILAR:
        return False
    check_budget()
    matcher = difflib.SequenceMatcher(None, a, b)
    return matcher.quick_ratio() >= SIMILAR and matcher.ratio() >= SIMILAR


def _words_match(phrase_word: str, title_words: list[str], check_budget: Callable[[], None]) -> bool:
    return any(word.startswith(phrase_word) or _similar(phrase_word, word, check_budget) for word in title_words)


def match_tasks(tasks: list[Task], phrase: str, check_budget: Callable[[], None] = lambda: None) -> list[Task]:
    """The tasks a phrase names: those with exactly that title, else those containing it, else those with the
    most of its words (a word matches a title word it begins or that it resembles). `check_budget` raises to
    stop: it is called for every task and before every comparison that costs more than a few microseconds."""
    phrase = phrase.lower().strip()
    if not phrase:
        return []
    exact = [task for task in tasks if task.title.lower() == phrase]
    if exact:
        return exact
    contains = [task for task in tasks if phrase in task.title.lower()]
    if contains:
        return contains
    phrase_words = list(dict.fromkeys(w for w in phrase.split() if len(w) > 1))[:MAX_PHRASE_WORDS]
    scored = []
    for task in tasks:
        check_budget()
        title_words = re.findall(r"[\w'-]+", task.title.lower())
        hits = sum(_words_match(word, title_words, check_budget) for word in phrase_words)
        if hits:
            scored.append((hits, task))
    if not scored:
        return []
    best = max(hits for hits, _ in scored)
    # Every word of the phrase found beats a partial match; partial matches only count when nothing fits fully.
    return [task for hits, task in scored if hits == best]


def _format_task(task: dict) -> str:
    mark = "✓" if task["completed"] else "○"
    return f"{mark} #{task['id']} {task['title']}"


HELP_TEXT = (
    "I can manage your tasks. Try: “Add a task to buy groceries”, “Show my pending tasks”, "
    "“Mark task 3 as done”, “Delete the meeting task” or “Rename task 1 to Call mom tonight”."
)


class MessageTooComplex(Exception):
    """The message used up its CPU budget before the engine understood it."""


TOO_COMPLEX = (
    "Sorry, that message is too long or tangled for me to follow. "
    "Try one short request at a time, e.g. “Rename task 1 to Call mom tonight”."
)


class OfflineEngine:
    def __init__(self, session: AsyncSession, user_id: int, fast_pool: "FastPool | None" = None) -> None:
        self.session = session
        self.user_id = user_id
        self.fast_pool = fast_pool
        self.tools = ToolRunner(session, user_id, fast_pool)
        self._tasks: list[Task] | None = None
        self._cpu_left = MESSAGE_CPU_BUDGET

    def _reply(self, text: str) -> AgentReply:
        return AgentReply(response=text, tool_calls=list(self.tools.calls))

    async def _user_tasks(self) -> list[Task]:
        """The user's tasks (the first page of PAGE_MAX), read once per message however many phrasings are
        tried against them: a task is found by its words among those, by its number among all."""
        if self._tasks is None:
            self._tasks = await task_service.list_tasks(self.session, self.user_id)
        return self._tasks

    async def _find_tasks(self, phrase: str) -> list[Task]:
        """match_tasks among the user's tasks, in a worker thread: however long it compares, the event loop
        serves other requests meanwhile. It stops (MessageTooComplex) when the message's CPU budget is spent."""
        tasks = await self._user_tasks()
        return await run_in_threadpool(self._match_within_budget, tasks, phrase)

    def _match_within_budget(self, tasks: list[Task], phrase: str) -> list[Task]:
        started = time.thread_time()
        deadline = started + self._cpu_left

        def check_budget() -> None:
            if time.thread_time() > deadline:
                raise MessageTooComplex

        try:
            return match_tasks(tasks, phrase, check_budget)
        finally:
            self._cpu_left -= time.thread_time() - started

    async def respond(self, message: str, history: list[HistoryMessage]) -> AgentReply:
        self._cpu_left = MESSAGE_CPU_BUDGET
        self._tasks = None
        try:
            return await self._respond(message, history)
        except MessageTooComplex:
            return self._reply(TOO_COMPLEX)

    async def _respond(self, message: str, history: list[HistoryMessage]) -> AgentReply:
        follow_up = await self._answer_clarification(message, history)
        if follow_up is not None:
            return follow_up
        intent = classify(message)
        try:
            handler = {
                ADD: self._add,
                LIST: self._list,
                COMPLETE: self._complete,
                DELETE: self._delete,
                UPDATE: self._update,
                REOPEN: self._reopen,
            }.get(intent.kind)
            if handler is not None:
                return await handler(intent)
        except InvalidInputError as error:
            return self._reply(f"Sorry, I couldn't do that: {error}")
        if intent.kind == GREETING:
            return self._reply("Hello! " + HELP_TEXT)
        if intent.kind == HELP:
            return self._reply(HELP_TEXT)
        return self._reply("Sorry, I didn't quite get that. " + HELP_TEXT)

    async def _add(self, intent: Intent) -> AgentReply:
        if not intent.title:
            return self._reply("What should the task be called? For example: “Add a task to buy groceries”.")
        result = await self.tools.call("add_task", title=intent.title, description=intent.description)
        return self._reply(f"Done! I added “{result['title']}” to your list as task #{result['task_id']}.")

    async def _list(self, intent: Intent) -> AgentReply:
        tasks = await self.tools.call("list_tasks", status=intent.status)
        label = {"all": "", "pending": "pending ", "completed": "completed "}[intent.status]
        if not tasks:
            if intent.status == "completed":
                return self._reply("You haven't completed any tasks yet. You've got this!")
            if intent.status == "pending":
                return self._reply("Nothing pending: you're all caught up!")
            return self._reply("Your list is empty. Tell me what to add, e.g. “Add a task to buy groceries”.")
        lines = "\n".join(_format_task(task) for task in tasks)
        if len(tasks) == task_tools.TOOL_PAGE_DEFAULT:
            total = await task_service.count_tasks(self.session, self.user_id, intent.status, fast_pool=self.fast_pool)
            if total > len(tasks):
                return self._reply(
                    f"You have {total} {label}tasks; here are the first {len(tasks)}:\n{lines}\n"
                    "The task list on the page shows all of them."
                )
        count = f"{len(tasks)} {label}task{'s' if len(tasks) != 1 else ''}"
        return self._reply(f"Here {'are' if len(tasks) != 1 else 'is'} your {count}:\n{lines}")

    async def _resolve(self, text: str, verb_pattern: str, action: str) -> Task | AgentReply:
        """Find the one task the user means, or the reply asking them to say which."""
        task_id = task_id_in(text)
        if task_id is not None:
            try:
                return await task_service.get_task(self.session, self.user_id, task_id, by="number")
            except NotFoundError:
                return self._reply(
                    f"I couldn't find task #{task_id} in your list. Say “show my tasks” to see their numbers."
                )
        phrase = target_phrase(text, verb_pattern)
        if not phrase:
            return self._reply(f"Which task should I {action}? Tell me its number or a word from its title.")
        matches = await self._find_tasks(phrase)
        if action == "complete" and len(matches) > 1:
            pending = [task for task in matches if not task.completed]
            matches = pending if len(pending) == 1 else matches
        if not matches:
            return self._reply(
                f"I couldn't find a task matching “{_quote(phrase)}”. Say “show my tasks” to see what's on your list."
            )
        if len(matches) > 1:
            options = "; ".join(f"#{task.number} {task.title}" for task in matches)
            return self._reply(
                f"I found {len(matches)} tasks matching “{_quote(phrase)}”: {options}. Which one should I {action}? "
                f"Tell me its number, e.g. “{action} task {matches[0].number}”."
            )
        return matches[0]

    async def _complete(self, intent: Intent) -> AgentReply:
        verbs = (
            r"^(?:(?:i|we) (?:have |'ve |ve |just |already |finally )*|(?:i'?m|i am|we'?re|we are) (?:all )?)?"
            r"\S+\s*(?:with\s+)?"
        )
        task = await self._resolve(intent.text, verbs, "complete")
        if isinstance(task, AgentReply):
            return task
        if task.completed:
            return self._reply(f"Task #{task.number} “{task.title}” is already done. Nice work!")
        result = await self.tools.call("complete_task", task_id=task.number)
        return self._reply(f"Great job! I marked task #{result['task_id']} “{result['title']}” as complete.")

    async def _delete(self, intent: Intent) -> AgentReply:
        task = await self._resolve(intent.text, r"^(?:get rid of|\S+)\s*", "delete")
        if isinstance(task, AgentReply):
            return task
        result = await self.tools.call("delete_task", task_id=task.number)
        return self._reply(f"Okay, I deleted task #{result['task_id']} “{result['title']}”.")

    async def _reopen(self, intent: Intent) -> AgentReply:
        reference = REOPEN_MARKERS.sub(" ", intent.text)
        task = await self._resolve(reference, r"^\S+\s*", "reopen")
        if isinstance(task, AgentReply):
            return task
        if not task.completed:
            return self._reply(f"Task #{task.number} “{task.title}” is not done yet, so it is already open.")
        result = await self.tools.call("complete_task", task_id=task.number, completed=False)
        return self._reply(f"Okay, task #{result['task_id']} “{result['title']}” is open again.")

    async def _update(self, intent: Intent, chosen: tuple[int, str] | None = None) -> AgentReply:
        """Rename a task or change its description. `chosen` is (task id, the phrase the engine asked about)
        when the user has just said which of several matching tasks they meant."""
        splits = update_splits(intent.text)
        if not splits:
            return self._reply(
                "What should I change it to? For example: “Change task 1 to Call mom tonight” "
                "or “Rename the meeting task to Team sync”."
            )
        first_reply: AgentReply | None = None
        for split in splits:
            reference = split.reference
            if chosen is not None:
                if not target_phrase(reference, r"^$").startswith(chosen[1]):
                    continue  # not the split the question was about
                reference = f"task {chosen[0]}"
            task = await self._resolve(reference, r"^$", "update")
            if isinstance(task, AgentReply):
                first_reply = first_reply or task
                continue
            if not split.new_value:
                return self._reply(f"What should task #{task.number} be changed to?")
            arguments = {"task_id": task.number, split.field: split.new_value}
            if split.field == "title":
                arguments["title"] = split.new_value[0].upper() + split.new_value[1:]
            result = await self.tools.call("update_task", **arguments)
            if split.field == "description":
                return self._reply(f"Updated! Task #{result['task_id']} “{result['title']}” has a new description.")
            return self._reply(f"Updated! Task #{result['task_id']} is now called “{result['title']}”.")
        return first_reply or self._reply(HELP_TEXT)

    async def _answer_clarification(self, message: str, history: list[HistoryMessage]) -> AgentReply | None:
        """Handle "task 4" / "the second one" right after the engine asked which task was meant, for every
        action that asks (complete, delete, reopen, update)."""
        last_assistant_at = next((i for i in range(len(history) - 1, -1, -1) if history[i].role == "assistant"), None)
        if last_assistant_at is None:
            return None
        question = history[last_assistant_at].content
        answer = clarification_answer(question, message)
        if answer is None:
            return None
        action, chosen = answer
        if action == "update":
            return await self._update_follow_up(question, history[:last_assistant_at], chosen)
        handler = {"complete": self._complete, "delete": self._delete, "reopen": self._reopen}[action]
        return await handler(Intent(action, f"{action} task {chosen}"))

    async def _update_follow_up(self, question: str, earlier: list[HistoryMessage], chosen: int) -> AgentReply | None:
        """The update the user asked for before the question, applied to the task they have now chosen."""
        request = next((m.content for m in reversed(earlier) if m.role == "user"), None)
        phrase = CLARIFY_PHRASE.search(question)
        if request is None or phrase is None:
            return None
        return await self._update(classify(request), chosen=(chosen, phrase.group(1)))
