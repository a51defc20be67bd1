"""CPU time of the offline chat engine on adversarial messages of the maximum length.

Runs the engine in-process on a fresh PostgreSQL database (created in BENCH_DATABASE_URL's server and
dropped afterwards, by the test harness in tests/harness) for a user with 40 tasks, and prints a Markdown
table: for each message shape and length, the CPU seconds of one answer (median of 3) and what the engine
answered.

    .venv/bin/python app/backend/bench/bench_chat_worst_case.py
    BENCH_SHAPE=rename BENCH_LENGTHS=250,1000 .venv/bin/python app/backend/bench/bench_chat_worst_case.py
"""

import asyncio
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tests"))  # the test harness, as pytest finds it

from harness.postgres import DEFAULT_URL, migrate, temporary_database
from harness.services import ServiceUnavailable

from todo_api.agent.offline import OfflineEngine
from todo_api.core.config import Settings
from todo_api.db import create_app_engine, create_session_factory
from todo_api.models import MESSAGE_MAX, Task, User

TASKS = 40
SHAPES = {
    "rename + 'a to ' repeated": lambda n: ("rename " + "a to " * n)[:n],
    "change + 'task 1 to ' repeated": lambda n: ("change " + "task 1 to " * n)[:n],
    "delete + one-letter words": lambda n: ("delete " + "a b " * n)[:n],
    "mark + long title words": lambda n: ("mark " + "groceries meeting " * n)[:n] + " as done",
    "add + long title": lambda n: ("add " + "x" * n)[:n],
    "polite prefixes repeated": lambda n: ("please " * n)[: n - 10] + "show tasks",
}
LENGTHS = tuple(int(n) for n in os.environ.get("BENCH_LENGTHS", f"250,1000,{MESSAGE_MAX}").split(","))
ONLY_SHAPE = os.environ.get("BENCH_SHAPE", "")  # a substring of one shape's name, to run only that one


async def measure(database_url: str) -> list[tuple[str, int, float, str]]:
    settings = Settings(database_url=database_url, jwt_secret=secrets.token_urlsafe(32), app_env="development")
    engine = create_app_engine(settings)
    factory = create_session_factory(engine)
    async with factory() as session:
        user = User(email=f"bench-{secrets.token_hex(4)}@example.com", password_hash="not-a-hash")  # noqa: S106  (a user who never logs in)
        session.add(user)
        await session.commit()
        words = ["groceries", "meeting", "bills", "mom", "gift", "report", "car", "dentist"]
        for index in range(TASKS):
            session.add(Task(user_id=user.id, number=index + 1, title=f"{words[index % len(words)]} {index} a to b"))
        user.last_task_number = TASKS
        await session.commit()
        user_id = user.id
    rows = []
    for shape, make in SHAPES.items():
        if ONLY_SHAPE not in shape:
            continue
        for length in LENGTHS:
            message = make(length)[:MESSAGE_MAX]
            times = []
            reply = ""
            for _ in range(3):
                async with factory() as session:
                    started = time.process_time()
                    answer = await OfflineEngine(session, user_id).respond(message, [])
                    times.append(time.process_time() - started)
                    reply = answer.response
                    await session.rollback()
            rows.append((shape, len(message), statistics.median(times), reply[:60].replace("\n", " ")))
    await engine.dispose()
    return rows


def main() -> None:
    base = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    try:
        with temporary_database("bench_chat", base) as url:
            migrate(url)
            rows = asyncio.run(measure(url))
    except ServiceUnavailable as error:
        sys.exit(str(error))
    print(f"offline engine, {TASKS} tasks, median of 3 answers; CPU seconds of the whole answer (database included)\n")
    print("| message shape | characters | CPU s per answer | answer starts |")
    print("|---|---:|---:|---|")
    for shape, length, seconds, reply in rows:
        print(f"| {shape} | {length} | {seconds:.3f} | {reply} |")


if __name__ == "__main__":
    main()
