"""The offline chat engine's parser: what a message asks for, as a pure function of its text.

It reads a message in three steps: tidy it (polite words, typos in the command word), decide the
intent (add, list, complete, delete, update, help), then pull out the pieces (title, status filter,
which task). Tasks are named by id ("task 3", "#3") or by a phrase from the title ("the meeting task").
No I/O and no database here: the engine (offline.py) runs what this module reads against the tools.
"""

import difflib
import re
from dataclasses import dataclass

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
# Bounds on the work parsing one message may cause, whatever its shape (a message is at most MESSAGE_MAX
# characters): how many ways an update is split into "which task" and "new value", how many polite words
# are peeled off, how much of the end is searched for a polite suffix, and how many different words of a list
# request are checked for a misspelt status (a fuzzy match each: 800 different words cost 7 ms).
MAX_UPDATE_SPLITS = 3
MAX_TIDY_ROUNDS = 8
SUFFIX_WINDOW = 120
MAX_STATUS_WORDS = 32

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
    distinct = list(dict.fromkeys(words))
    fixed = set(distinct[MAX_STATUS_WORDS:])  # past the bound, words count as typed
    for word in distinct[:MAX_STATUS_WORDS]:
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


def target_phrase(text: str, verb_pattern: str) -> str:
    phrase = re.sub(verb_pattern, "", text, count=1, flags=re.I)
    phrase = COMPLETE_MARKERS.sub(" ", phrase)
    words = [w for w in re.findall(r"[\w'-]+", phrase.lower()) if w not in FILLER_WORDS]
    return " ".join(words)


def task_id_in(text: str) -> int | None:
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


# Words around the task's reference that name the field an update changes, not the task.
FIELD_WORDS = re.compile(r"\b(?:the |its |it'?s )?(?:description|details|notes?|desc|title|name)(?: of)?\b", re.I)


@dataclass
class UpdateSplit:
    """One way to read an update request: the field to change, the words naming the task, the new value."""

    field: str  # "title" or "description"
    reference: str
    new_value: str


def update_splits(text: str) -> list[UpdateSplit]:
    """The ways an update request ("rename <which task> to <new value>", tidied) splits into the task it names
    and the new value, in the order to try them; empty when no new value can be found."""
    body = re.sub(r"^\S+\s*", "", text, count=1)
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
    return [
        UpdateSplit(
            field="description" if DESCRIPTION_FIELD.search(raw_reference) else "title",
            reference=FIELD_WORDS.sub(" ", raw_reference).replace("'s ", " "),
            new_value=raw_value.strip(f" {QUOTE_CHARS}"),
        )
        for raw_reference, raw_value in candidates
    ]


def clarification_answer(question: str, message: str) -> tuple[str, int] | None:
    """(action, task id) when the message answers the engine's question "Which one should I <action>?" with a
    task's number ("task 4", "#4") or its place among the tasks the question offered ("the second one")."""
    asked = CLARIFY_PATTERN.search(question)
    if asked is None:
        return None
    text = tidy(message).lower()
    if len(text.split()) > 4:
        return None
    offered = [int(n) for n in re.findall(r"#(\d+)", question.split("Which one", maxsplit=1)[0])]
    chosen = task_id_in(text)
    ordinal = next((index for word, index in ORDINALS.items() if re.search(rf"\b{word}\b", text)), None)
    if chosen is None and ordinal is not None and offered:
        chosen = offered[ordinal] if ordinal < len(offered) else None
    if chosen is None:
        return None
    return asked.group(1), chosen
