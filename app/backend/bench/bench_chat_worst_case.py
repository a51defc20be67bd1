"""CPU time of the offline chat engine on adversarial messages of the maximum length, and on messages made to
match the user's own adversarial titles.

Two tables, each on a fresh PostgreSQL database (created in BENCH_DATABASE_URL's server and dropped afterwards,
by the test harness in tests/harness):

- message shapes: the engine in-process for a user with 40 tasks; for each message shape and length, the CPU
  seconds of one answer (median of 3) and what the engine answered;
- the user's titles as the weapon: the real server (`uvicorn todo_api.main:app`, one worker, as the image runs
  it) for a user whose titles are long words of a and b, and a message of words alike them; the server's CPU
  seconds for that one message (median of 3, from /proc), and another client's /healthz latency while the
  server answers it (polled every 10 ms).

    .venv/bin/python app/backend/bench/bench_chat_worst_case.py
    BENCH_SHAPE=rename BENCH_LENGTHS=250,1000 .venv/bin/python app/backend/bench/bench_chat_worst_case.py
"""

import asyncio
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tests"))  # the test harness, as pytest finds it

from harness.backend import backend_env, health_latencies_while, process_tree_cpu_seconds, running_backend
from harness.postgres import DEFAULT_URL, insert_tasks, migrate, temporary_database
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
# The user's titles as the weapon: (tasks, words per title, letters per title word, message words, letters per
# message word). Words of a and b, long and alike enough that difflib's cheap upper bounds pass every pair on to
# the full ratio, whose cost is the product of the two lengths; the first is the case of issue 24.
TITLE_WEAPONS = {
    "65 titles of one 199-letter word; 'complete' + twelve 298-letter words": (65, 1, 199, 12, 298),
    "500 titles of six 32-letter words; 'complete' + twelve 32-letter words": (500, 6, 32, 12, 32),
}
HEALTH_POLL_SECONDS = 0.01
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


def alike_words(rng: random.Random, count: int, length: int) -> list[str]:
    return ["".join(rng.choice("ab") for _ in range(length)) for _ in range(count)]


def measure_title_weapon(server, database_url: str, weapon: tuple[int, int, int, int, int], rng: random.Random):
    """The message's length, the server's CPU seconds for it (median of 3), the /healthz latencies of another
    client while the server answered it, and the answer's start."""
    tasks, title_words, title_letters, message_words, message_letters = weapon
    with httpx.Client(base_url=server.url, timeout=120) as client:
        email = f"bench-{secrets.token_hex(4)}@example.com"
        body = client.post("/api/auth/signup", json={"email": email, "password": secrets.token_urlsafe(12)}).json()
        user_id, headers = body["user"]["id"], {"Authorization": f"Bearer {body['access_token']}"}
        insert_tasks(
            database_url, user_id, [" ".join(alike_words(rng, title_words, title_letters)) for _ in range(tasks)]
        )
        message = "complete " + " ".join(alike_words(rng, message_words, message_letters))

        def chat() -> str:
            return client.post(f"/api/{user_id}/chat", json={"message": message}, headers=headers).json()["response"]

        cpu_seconds = []
        for _ in range(3):
            before = process_tree_cpu_seconds(server.process.pid)
            reply = chat()
            cpu_seconds.append(process_tree_cpu_seconds(server.process.pid) - before)
        latencies = health_latencies_while(server.url, chat, HEALTH_POLL_SECONDS)
    return len(message), statistics.median(cpu_seconds), latencies, reply[:60]


def measure_title_weapons(database_url: str) -> list[tuple]:
    rng = random.Random(24)  # noqa: S311  (repeatable input, not a secret)
    env = backend_env(database_url, APP_ENV="production", LOG_LEVEL="WARNING")
    with (
        tempfile.TemporaryDirectory() as workdir,
        running_backend(env, log_path=Path(workdir) / "backend.log") as server,
    ):
        return [
            (name, *measure_title_weapon(server, database_url, weapon, rng))
            for name, weapon in TITLE_WEAPONS.items()
            if ONLY_SHAPE in name
        ]


def main() -> None:
    base = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    try:
        with temporary_database("bench_chat", base) as url:
            migrate(url)
            rows = asyncio.run(measure(url))
            weapon_rows = measure_title_weapons(url)
    except ServiceUnavailable as error:
        sys.exit(str(error))
    print(f"offline engine, {TASKS} tasks, median of 3 answers; CPU seconds of the whole answer (database included)\n")
    print("| message shape | characters | CPU s per answer | answer starts |")
    print("|---|---:|---:|---|")
    for shape, length, seconds, reply in rows:
        print(f"| {shape} | {length} | {seconds:.3f} | {reply} |")
    poll_ms = HEALTH_POLL_SECONDS * 1000
    print("\nthe user's titles as the weapon: uvicorn, 1 worker; server CPU seconds per message (median of 3);")
    print(f"another client's GET /healthz while the server answers it, polled every {poll_ms:.0f} ms\n")
    print(
        "| titles and message | characters | server CPU s per message | /healthz meanwhile: median / max ms |", end=""
    )
    print(" probes | answer starts |\n|---|---:|---:|---|---:|---|")
    for weapon, length, seconds, latencies, reply in weapon_rows:
        median, worst = statistics.median(latencies) * 1000, max(latencies) * 1000
        print(f"| {weapon} | {length} | {seconds:.3f} | {median:.1f} / {worst:.1f} | {len(latencies)} | {reply} |")


if __name__ == "__main__":
    main()
