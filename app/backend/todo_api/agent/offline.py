"""The offline chat engine: rule-based understanding of task requests, no model or key needed.

It reads a message in three steps: tidy it (polite words, typos in the command word), decide the
intent (add, list, complete, delete, update, help), then pull out the pieces (title, status filter,
which task). Tasks are named by id ("task 3", "#3") or by a phrase from the title ("the meeting task").
"""

import difflib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from todo_api.agent.base import AgentReply, HistoryMessage
from todo_api.agent.tool_runner import ToolRunner
from todo_api.models import Task
from todo_api.services import task_tools
from todo_api.services import tasks as task_service
from todo_api.services.errors import InvalidInputError, NotFoundError

ADD, LIST, COMPLETE, DELETE, UPDATE, HELP, GREETING, REOPEN, UNKNOWN = (
    "add",
    "list",
    "complete",
    "delete",
    "update",
    "help",
    "greeting",
    "reopen",
    "unknown",
)

COMMAND_VERBS: dict[str, str] = {
    **dict.fromkeys(
        ["add", "create", "make", "insert", "put", "new", "note", "jot", "schedule", "record", "remind", "remember"],
        ADD,
    ),
    **dict.fromkeys(
        ["show", "list", "display", "view", "see", "get", "give", "tell", "what", "whats", "which", "read", "print"],
        LIST,
    ),
    **dict.fromkeys(["complete", "finish", "mark", "tick", "done", "close", "accomplish", "resolve"], COMPLETE),
    **dict.fromkeys(
        ["delete", "remove", "erase", "drop", "cancel", "trash", "discard", "scrap", "forget", "del", "clear"], DELETE
    ),
    **dict.fromkeys(["change", "rename", "update", "edit", "modify", "set", "retitle", "reword", "replace"], UPDATE),
    "reopen": REOPEN,
    "uncomplete": REOPEN,
    "unmark": REOPEN,
    "help": HELP,
}
# Words that begin a question about the list rather than a command.
LIST_OPENERS = {"any", "anything", "is", "are", "do", "does", "how", "my", "all", "pending", "completed", "open"}
# Short words people really mistype that difflib alone would miss or confuse.
TYPO_OVERRIDES = {"ad": "add", "dlt": "delete", "rm": "remove", "del": "delete", "shw": "show", "lst": "list"}
TASK_WORD_TYPOS = re.compile(r"\b(?:tsk|taks|tak|tsak|tasl|taskk|tassk|tesk)(s?)\b", re.IGNORECASE)

_COMMAND_AHEAD = r"(?:add|create|see|view|list|show|delete|remove|complete|mark|finish|rename|change|update|edit)"
POLITE_PREFIX = re.compile(
    r"^(?:please|pl[sz]|pleas|plese|pleaze|kindly|hey(?: there)?|hi(?: there)?|hello|ok(?:ay)?|so|um+|uh+|well|oh|yo|"
    r"(?:could|can|would|will) (?:you|u)(?: please| pls| kindly)?|would you (?:mind|be so kind as to|be able to)|"
    r"(?:do|could) me a favou?r and|go ahead and|just|quickly|hey bot|bot|assistant|"
    r"(?:i'?d|i would) (?:like|love) (?:you )?to(?= " + _COMMAND_AHEAD + ")|"
    r"i (?:want|wanna|need) (?:you )?to(?= " + _COMMAND_AHEAD + ")|"
    r"let'?s|let me|help me)[\s,!.:]+",
    re.IGNORECASE,
)
POLITE_SUFFIX = re.compile(
    r"(?:[\s,]+(?:please|pl[sz]|thanks|thank you|thx|ty|for me|now|right now|asap|if you can|if possible))+$",
    re.IGNORECASE,
)
GREETING_ONLY = re.compile(
    r"^(?:hi|hello|hey|hiya|good (?:morning|afternoon|evening)|thanks|thank you|thx|cheers)(?: there)?$", re.I
)
HELP_PATTERN = re.compile(r"^(?:help|what can you do|how (?:does this|do you) work|commands|what do you do)\b", re.I)

REMIND_PATTERN = re.compile(
    r"^(?:remind me (?:to|about|that i need to)|remember to|don'?t let me forget (?:to|about)|"
    r"i (?:really )?(?:need|have|must|should|gotta|got|'ve got|ve got|have got)(?: to)? (?:remember|not forget) to|"
    r"i (?:really )?(?:need to|have to|must|should|gotta|'ve got to|ve got to|have got to|got to))\s+(?P<title>.+)$",
    re.IGNORECASE,
)
ADD_PATTERN = re.compile(
    r"^(?:add|create|make|insert|put|new|note(?: down)?|jot(?: down)?|schedule|record)\s+"
    r"(?:(?:a|an|the|one|another|one more|my)\s+)?(?:(?:new|todo|to-do)\s+)?"
    r"(?:(?:task|item|reminder|entry|note)s?\b)?\s*"
    r"(?:(?:to|for|about|called|named|titled|that says|saying)\s+|[:\-\u2013]\s*)?(?P<title>.*)$",
    re.IGNORECASE,
)
LIST_SUFFIX = re.compile(
    r"\s+(?:to|on|in|onto|into|for) (?:my|the) (?:todo |to-do |to do |task )?(?:list|tasks|todos?|todo list)$", re.I
)
LIST_PREFIX = re.compile(r"^(?:(?:to|on) )?(?:my|the) (?:todo |to-do |task )?(?:list|tasks)\s*[:,\-]\s*", re.I)
DESCRIPTION_SPLIT = re.compile(
    r"(?:\s+with\s+(?:the\s+|a\s+)?(?:description|details|notes?|desc)\b|[,;]?\s*(?:description|details|desc)\s*[:=])"
    r"\s*(?:[:\-=]\s*)?(?P<description>.+)$",
    re.IGNORECASE,
)
QUOTE_CHARS = "\"'\u2018\u2019\u201c\u201d"
QUOTED = re.compile(f"[{QUOTE_CHARS}]([^{QUOTE_CHARS}]+)[{QUOTE_CHARS}]")
TASK_ID = re.compile(r"(?:\btask|\bitem|\bnumber|\bno\.?|\btodo|#)\s*(?:number\s*|no\.?\s*|#\s*)?(\d+)\b", re.I)
BARE_NUMBER = re.compile(r"\b(\d+)\b")
NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}
ORDINALS = {"first": 0, "second": 1, "third": 2, "fourth": 3, "fifth": 4, "last": -1}
TASK_NUMBER_WORD = re.compile(r"\btask (" + "|".join(NUMBER_WORDS) + r")\b", re.I)

COMPLETED_WORDS = ("completed", "complete", "done", "finished", "ticked", "checked")
PENDING_WORDS = (
    "pending",
    "incomplete",
    "unfinished",
    "open",
    "remaining",
    "left",
    "outstanding",
    "undone",
    "active",
    "todo",
    "to do",
    "not done",
    "not completed",
    "not finished",
    "still",
)
COMPLETE_MARKERS = re.compile(
    r"\b(?:as |is |are |now |been |to )*(?:done|complete|completed|finished|ticked off|checked off)\b|"
    r"^(?:i|we) (?:have |'ve |ve |just |already |finally )*(?:finished|completed|done|did)\b|"
    r"^(?:check|tick|cross|strike) (?:off )?|\boff\b",
    re.IGNORECASE,
)
FILLER_WORDS = {
    "the",
    "a",
    "an",
    "my",
    "task",
    "tasks",
    "todo",
    "item",
    "entry",
    "reminder",
    "one",
    "called",
    "named",
    "titled",
    "about",
    "that",
    "says",
    "saying",
    "from",
    "list",
    "please",
    "which",
    "is",
    "it",
    "this",
    "to-do",
    "off",
    "as",
    "of",
    "on",
    "in",
    "with",
    "for",
    "i",
    "me",
    "thing",
    "anymore",
    "now",
}
# Bounds on the work one message may cause, whatever its shape (a message is at most MESSAGE_MAX
# characters): how many ways an update is split into "which task" and "new value", how many words of
# a phrase are compared with the titles, how many polite words are peeled off, and a time budget.
MAX_UPDATE_SPLITS = 3
MAX_PHRASE_WORDS = 12
MAX_TIDY_ROUNDS = 8
MESSAGE_TIME_BUDGET = 0.5  # seconds of work before the engine gives up on a message
SUFFIX_WINDOW = 120
PHRASE_SHOWN = 60  # characters of the user's phrase quoted back in a reply


def _quote(phrase: str) -> str:
    return phrase if len(phrase) <= PHRASE_SHOWN else phrase[: PHRASE_SHOWN - 1].rstrip() + "…"


UPDATE_SEPARATOR = re.compile(r"\s+(?:to say|so it says|so that it says|to read|into|to|as|->|=)\s+|\s*[:→]\s+", re.I)
DESCRIPTION_FIELD = re.compile(r"\b(?:description|details|notes?|desc)\b", re.I)
REOPEN_MARKERS = re.compile(
    r"\b(?:as |to )?(?:not done|not complete(?:d)?|incomplete|undone|unfinished|pending|open)\b", re.IGNORECASE
)
CLARIFY_PATTERN = re.compile(r"Which one should I (complete|delete|reopen|update)\?")
CLARIFY_PHRASE = re.compile(r"matching \u201c(.*?)(?:\u2026)?\u201d")
# Words that may stand around a bare number that names a task ("delete 4", "mark 3 as done"); any other
# word makes the number part of a title ("delete the 2023 report").
ACTION_WORDS = {
    "add",
    "delete",
    "remove",
    "complete",
    "finish",
    "finished",
    "done",
    "mark",
    "tick",
    "check",
    "cross",
    "strike",
    "reopen",
    "undo",
    "uncheck",
    "unmark",
    "update",
    "rename",
    "change",
    "edit",
    "number",
    "no",
    "get",
    "rid",
    "completed",
    "again",
    "open",
    "not",
    "pending",
}


@dataclass
class Intent:
    kind: str
    text: str = ""  # the message with polite words and the command word tidied
    title: str = ""
    description: str | None = None
    status: str = "all"


def _fix_word(word: str) -> str:
    lowered = word.lower()
    if lowered in COMMAND_VERBS or lowered in LIST_OPENERS:
        return lowered
    if lowered in TYPO_OVERRIDES:
        return TYPO_OVERRIDES[lowered]
    if len(lowered) < 3 or not lowered.isalpha():
        return word
    for verb in COMMAND_VERBS:
        if len(verb) == len(lowered) and sorted(verb) == sorted(lowered):  # swapped letters: "shwo", "lsit"
            return verb
    cutoff = 0.8 if len(lowered) <= 4 else 0.75
    match = difflib.get_close_matches(lowered, COMMAND_VERBS, n=1, cutoff=cutoff)
    return match[0] if match else word


def tidy(message: str) -> str:
    text = " ".join(message.strip().split())
    text = re.sub(f"^[^\\w#{QUOTE_CHARS}]+", "", text)
    previous = None
    rounds = 0
    while previous != text and rounds < MAX_TIDY_ROUNDS:
        rounds += 1
        previous = text
        text = POLITE_PREFIX.sub("", text).strip()
        # only the end can hold a polite suffix: searching all of a long message for one costs its square
        text = (text[:-SUFFIX_WINDOW] + POLITE_SUFFIX.sub("", text[-SUFFIX_WINDOW:])).strip()
        text = text.rstrip("?!. ").strip()
    words = text.split(" ", 1)
    if words[0]:
        first = words[0].rstrip(",:")
        fixed = _fix_word(first)
        if fixed != first:
            text = " ".join([fixed, *words[1:]])
    return TASK_WORD_TYPOS.sub(lambda m: "task" + m.group(1), text)


def _status_filter(text: str) -> str:
    lowered = text.lower()
    words = re.findall(r"[a-z']+", lowered)
    fixed = set()
    for word in set(words):
        close = difflib.get_close_matches(word, ["pending", "completed", "finished", "incomplete", "remaining"], 1, 0.8)
        fixed.add(close[0] if close else word)
    joined = " ".join(words)
    if re.search(r"\b(?:not done|not completed|not finished|to do|need to do)\b", joined):
        return "pending"
    if fixed & {"pending", "incomplete", "unfinished", "open", "remaining", "left", "outstanding", "undone", "active"}:
        return "pending"
    if fixed & {"completed", "complete", "done", "finished", "ticked", "checked", "accomplished"}:
        return "completed"
    return "all"


def classify(message: str) -> Intent:  # noqa: PLR0911, PLR0912  (an ordered decision list reads best flat)
    text = tidy(message)
    lowered = text.lower()
    if not text:
        return Intent(HELP, text)
    if GREETING_ONLY.match(lowered):
        return Intent(GREETING, text)
    if HELP_PATTERN.match(lowered):
        return Intent(HELP, text)
    if re.search(r"\b(?:not done|not complete|incomplete|undone|reopen|unfinished)\b", lowered) and re.match(
        r"^(?:mark|set|reopen|unmark|uncomplete|make)\b", lowered
    ):
        return Intent(REOPEN, text)
    first = lowered.split(" ", 1)[0].strip(",:'").replace("'", "")
    verb_kind = COMMAND_VERBS.get(first)
    if first in ("mark", "set", "make", "check", "tick", "cross", "strike") and COMPLETE_MARKERS.search(
        lowered[len(first) :]
    ):
        return Intent(COMPLETE, text)
    if first in ("check", "tick", "cross", "strike") and " off" in lowered:
        return Intent(COMPLETE, text)
    if re.match(
        r"^(?:i|we) (?:have |'ve |ve |just |already |finally )*(?:finished|completed|done|did)\b", lowered
    ) or re.match(r"^(?:i'?m|i am|we'?re|we are) (?:all )?(?:done|finished) with\b", lowered):
        return Intent(COMPLETE, text)
    if re.search(r"\b(?:is|are) (?:now |all )?(?:done|complete|completed|finished)$", lowered) and first not in (
        "what",
        "which",
    ):
        return Intent(COMPLETE, text)
    if REMIND_PATTERN.match(text) and not re.match(
        r"^i (?:need|have|want) to (?:see|know|check|view|list|delete|remove|complete|mark|finish|rename|change|update)"
        r"\b",
        lowered,
    ):
        return _add_intent(text, REMIND_PATTERN.match(text).group("title"))
    if re.search(r"\bget rid of\b|\bdon'?t need\b.*\banymore\b", lowered):
        return Intent(DELETE, text)
    if verb_kind == ADD:
        match = ADD_PATTERN.match(text)
        if first in {"remember", "remind"}:
            title = re.sub(r"^(?:remember|remind me)\s+(?:to\s+|about\s+)?", "", text, flags=re.I)
            return _add_intent(text, title)
        return _add_intent(text, match.group("title") if match else "")
    if verb_kind == LIST or first in LIST_OPENERS:
        return Intent(LIST, text, status=_status_filter(lowered))
    if verb_kind in (COMPLETE, DELETE, UPDATE, REOPEN, HELP):
        if verb_kind == COMPLETE and first == "done" and not (TASK_ID.search(text) or " " in text.strip()):
            return Intent(LIST, text, status="completed")
        return Intent(verb_kind, text)
    # No command word: fall back on what the message is about.
    if re.search(r"\b(?:tasks|todos|to-dos|list|pending|completed|agenda)\b", lowered):
        return Intent(LIST, text, status=_status_filter(lowered))
    return Intent(UNKNOWN, text)


def _add_intent(text: str, raw_title: str) -> Intent:
    quoted = QUOTED.findall(raw_title)
    description = None
    title = raw_title
    match = DESCRIPTION_SPLIT.search(title)
    if match:
        description = match.group("description").strip(f" {QUOTE_CHARS}")
        title = title[: match.start()]
    if quoted and not match:
        title = quoted[0]
    title = LIST_PREFIX.sub("", title.strip())
    title = LIST_SUFFIX.sub("", title).strip(f" .,:;-{QUOTE_CHARS}")
    if title:
        title = title[0].upper() + title[1:]
    return Intent(ADD, text, title=title, description=description)


def _target_phrase(text: str, verb_pattern: str) -> str:
    phrase = re.sub(verb_pattern, "", text, count=1, flags=re.I)
    phrase = COMPLETE_MARKERS.sub(" ", phrase)
    words = [w for w in re.findall(r"[\w'-]+", phrase.lower()) if w not in FILLER_WORDS]
    return " ".join(words)


def _task_id(text: str) -> int | None:
    match = TASK_ID.search(text)
    if match:
        return int(match.group(1))
    word = TASK_NUMBER_WORD.search(text)
    if word:
        return NUMBER_WORDS[word.group(1).lower()]
    numbers = BARE_NUMBER.findall(text)
    if len(numbers) == 1:
        others = [w for w in re.findall(r"[a-z'-]+", text.lower()) if w not in FILLER_WORDS | ACTION_WORDS]
        if not others:
            return int(numbers[0])
    return None


def _similar(a: str, b: str) -> bool:
    matcher = difflib.SequenceMatcher(None, a, b)
    # The cheap upper bounds first: most word pairs are told apart without the full comparison.
    return matcher.real_quick_ratio() >= 0.8 and matcher.quick_ratio() >= 0.8 and matcher.ratio() >= 0.8


def _words_match(phrase_word: str, title_words: list[str]) -> bool:
    return any(word.startswith(phrase_word) or _similar(phrase_word, word) for word in title_words)


def match_tasks(tasks: list[Task], phrase: str, check_budget: Callable[[], None] = lambda: None) -> list[Task]:
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
    for index, task in enumerate(tasks):
        if index % 64 == 0:
            check_budget()
        title_words = re.findall(r"[\w'-]+", task.title.lower())
        hits = sum(_words_match(word, title_words) for word in phrase_words)
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
    """The message used up its time budget before the engine understood it."""


TOO_COMPLEX = (
    "Sorry, that message is too long or tangled for me to follow. "
    "Try one short request at a time, e.g. “Rename task 1 to Call mom tonight”."
)


class OfflineEngine:
    def __init__(self, session: AsyncSession, user_id: int) -> None:
        self.session = session
        self.user_id = user_id
        self.tools = ToolRunner(session, user_id)
        self._tasks: list[Task] | None = None
        self._deadline = float("inf")

    def _reply(self, text: str) -> AgentReply:
        return AgentReply(response=text, tool_calls=list(self.tools.calls))

    def _check_budget(self) -> None:
        if time.monotonic() > self._deadline:
            raise MessageTooComplex

    async def _user_tasks(self) -> list[Task]:
        """The user's tasks (the first page of PAGE_MAX), read once per message however many phrasings are
        tried against them: a task is found by its words among those, by its number among all."""
        if self._tasks is None:
            self._tasks = await task_service.list_tasks(self.session, self.user_id)
        return self._tasks

    async def respond(self, message: str, history: list[HistoryMessage]) -> AgentReply:
        self._deadline = time.monotonic() + MESSAGE_TIME_BUDGET
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
            total = await task_service.count_tasks(self.session, self.user_id, intent.status)
            if total > len(tasks):
                return self._reply(
                    f"You have {total} {label}tasks; here are the first {len(tasks)}:\n{lines}\n"
                    "The task list on the page shows all of them."
                )
        count = f"{len(tasks)} {label}task{'s' if len(tasks) != 1 else ''}"
        return self._reply(f"Here {'are' if len(tasks) != 1 else 'is'} your {count}:\n{lines}")

    async def _resolve(self, text: str, verb_pattern: str, action: str) -> Task | AgentReply:
        """Find the one task the user means, or the reply asking them to say which."""
        task_id = _task_id(text)
        if task_id is not None:
            try:
                return await task_service.get_task(self.session, self.user_id, task_id)
            except NotFoundError:
                return self._reply(
                    f"I couldn't find task #{task_id} in your list. Say “show my tasks” to see their numbers."
                )
        phrase = _target_phrase(text, verb_pattern)
        if not phrase:
            return self._reply(f"Which task should I {action}? Tell me its number or a word from its title.")
        self._check_budget()
        matches = match_tasks(await self._user_tasks(), phrase, self._check_budget)
        if action == "complete" and len(matches) > 1:
            pending = [task for task in matches if not task.completed]
            matches = pending if len(pending) == 1 else matches
        if not matches:
            return self._reply(
                f"I couldn't find a task matching “{_quote(phrase)}”. Say “show my tasks” to see what's on your list."
            )
        if len(matches) > 1:
            options = "; ".join(f"#{task.id} {task.title}" for task in matches)
            return self._reply(
                f"I found {len(matches)} tasks matching “{_quote(phrase)}”: {options}. Which one should I {action}? "
                f"Tell me its number, e.g. “{action} task {matches[0].id}”."
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
            return self._reply(f"Task #{task.id} “{task.title}” is already done. Nice work!")
        result = await self.tools.call("complete_task", task_id=task.id)
        return self._reply(f"Great job! I marked task #{result['task_id']} “{result['title']}” as complete.")

    async def _delete(self, intent: Intent) -> AgentReply:
        task = await self._resolve(intent.text, r"^(?:get rid of|\S+)\s*", "delete")
        if isinstance(task, AgentReply):
            return task
        result = await self.tools.call("delete_task", task_id=task.id)
        return self._reply(f"Okay, I deleted task #{result['task_id']} “{result['title']}”.")

    async def _reopen(self, intent: Intent) -> AgentReply:
        reference = REOPEN_MARKERS.sub(" ", intent.text)
        task = await self._resolve(reference, r"^\S+\s*", "reopen")
        if isinstance(task, AgentReply):
            return task
        if not task.completed:
            return self._reply(f"Task #{task.id} “{task.title}” is not done yet, so it is already open.")
        result = await self.tools.call("complete_task", task_id=task.id, completed=False)
        return self._reply(f"Okay, task #{result['task_id']} “{result['title']}” is open again.")

    async def _update(self, intent: Intent, chosen: tuple[int, str] | None = None) -> AgentReply:
        """Rename a task or change its description. `chosen` is (task id, the phrase the engine asked about)
        when the user has just said which of several matching tasks they meant."""
        body = re.sub(r"^\S+\s*", "", intent.text, count=1)
        quoted = QUOTED.findall(body)
        candidates: list[tuple[str, str]] = []
        if quoted:
            new_value = quoted[-1]
            reference = body[: body.rfind(new_value) - 1]
            reference = re.sub(r"\s+(?:to|into|as|to say|with)\s*$", "", reference.strip(), flags=re.I)
            candidates.append((reference, new_value))
        else:
            # "rename <which task> to <new title>": the first few separators are enough to find the task,
            # and a message made of separators ("a to a to a ...") must not cost one lookup each.
            for separator in UPDATE_SEPARATOR.finditer(body):
                candidates.append((body[: separator.start()], body[separator.end() :]))
                if len(candidates) == MAX_UPDATE_SPLITS:
                    break
        if not candidates:
            return self._reply(
                "What should I change it to? For example: “Change task 1 to Call mom tonight” "
                "or “Rename the meeting task to Team sync”."
            )
        clean = re.compile(r"\b(?:the |its |it'?s )?(?:description|details|notes?|desc|title|name)(?: of)?\b", re.I)
        first_reply: AgentReply | None = None
        for raw_reference, raw_value in candidates:
            self._check_budget()
            field = "description" if DESCRIPTION_FIELD.search(raw_reference) else "title"
            reference = clean.sub(" ", raw_reference).replace("'s ", " ")
            new_value = raw_value.strip(f" {QUOTE_CHARS}")
            if chosen is not None:
                if not _target_phrase(reference, r"^$").startswith(chosen[1]):
                    continue  # not the split the question was about
                reference = f"task {chosen[0]}"
            task = await self._resolve(reference, r"^$", "update")
            if isinstance(task, AgentReply):
                first_reply = first_reply or task
                continue
            if not new_value:
                return self._reply(f"What should task #{task.id} be changed to?")
            arguments = {"task_id": task.id, field: new_value}
            if field == "title":
                arguments["title"] = new_value[0].upper() + new_value[1:]
            result = await self.tools.call("update_task", **arguments)
            if field == "description":
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
        asked = CLARIFY_PATTERN.search(question)
        if asked is None:
            return None
        text = tidy(message).lower()
        if len(text.split()) > 4:
            return None
        offered = [int(n) for n in re.findall(r"#(\d+)", question.split("Which one")[0])]
        chosen = _task_id(text)
        ordinal = next((index for word, index in ORDINALS.items() if re.search(rf"\b{word}\b", text)), None)
        if chosen is None and ordinal is not None and offered:
            chosen = offered[ordinal] if ordinal < len(offered) else None
        if chosen is None:
            return None
        action = asked.group(1)
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
