"""Benchmark the backend with wrk: list, create, update, complete, delete and chat at 1, 16 and 64 connections.

Starts the real app under uvicorn against a fresh PostgreSQL database (created next to
BENCH_DATABASE_URL's database and dropped afterwards), then prints a Markdown table of throughput
and p50/p99 latency. A script, not a test; the database and the server come from the test harness
(tests/harness), as in the tests. Run from the repository root:

    .venv/bin/python app/backend/bench/bench_api.py --duration 5 --workers 1
    .venv/bin/python app/backend/bench/bench_api.py --cases update,complete,delete

Update and complete go round a user's 100 tasks (each connection on its own task at a time, so rows are not
fought over); delete takes every task once, from tasks seeded with one INSERT before each row of the table.
"""

import argparse
import functools
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tests"))  # the test harness, as pytest finds it

from harness.backend import backend_env, process_tree_cpu_seconds, running_backend
from harness.postgres import DEFAULT_URL, libpq_url, migrate, temporary_database
from harness.services import ServiceUnavailable

# The list case reads this many tasks per request (the default page holds 100): its cost per row shows.
SEEDED_TASKS = 100

CASES = ("list", "create", "update", "complete", "delete", "chat")
# Tasks seeded for each delete row: more than the server can delete in the row's duration (≤ 5,000/s here).
DELETES_PER_SECOND_MAX = 5000

# wrk scripts: every request carries the bearer token; POSTs send a JSON body.
WRK_SCRIPT = """
wrk.method = "{method}"
wrk.headers["Authorization"] = "Bearer {token}"
wrk.headers["Content-Type"] = "application/json"
{body_line}
"""
# Requests on task ids first..last: each wrk thread takes every `threads`-th id from its own offset, so no two
# requests in flight share a task. once=true: each id once, and past the last one the path is a task that does
# not exist, so a 404 shows up as an error instead of a silent re-delete; once=false: round and round.
WRK_IDS_SCRIPT = """
local threads, first, last, once = {threads}, {first}, {last}, {once}
local started = 0
function setup(thread)
  thread:set("offset", started)
  started = started + 1
end
counter = 0
function request()
  local n = offset + counter * threads
  counter = counter + 1
  if once then
    if n > last - first then n = last - first + 1 end
  else
    n = n % (last - first + 1)
  end
  return wrk.format(nil, "{prefix}" .. (first + n) .. "{suffix}")
end
"""


def parse_duration_ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(output: str) -> dict[str, float]:
    """Pull requests/s, p50, p99 and the error count out of `wrk --latency` output."""
    result = {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": parse_duration_ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1)),
        "p99": parse_duration_ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1)),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "errors": 0,
    }
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if non_2xx:
        result["errors"] += int(non_2xx.group(1))
    if socket_errors:
        result["errors"] += sum(int(n) for n in socket_errors.groups())
    return result


def wrk_threads(connections: int) -> int:
    return min(connections, 2)


def run_wrk(url: str, script: Path, connections: int, duration: int) -> dict[str, float]:
    threads = wrk_threads(connections)
    # A 10 s timeout so slow answers count as latency, not as errors.
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "--latency"]
    command += ["-s", str(script), url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return parse_wrk(output)


def new_user(base_url: str, tasks: int) -> tuple[int, str]:
    email = f"bench-{secrets.token_hex(5)}@example.com"
    body = httpx.post(f"{base_url}/api/auth/signup", json={"email": email, "password": "benchmark-password"}).json()
    user_id, token = body["user"]["id"], body["access_token"]
    for number in range(tasks):
        httpx.post(
            f"{base_url}/api/{user_id}/tasks",
            json={"title": f"Seeded task {number}"},
            headers={"Authorization": f"Bearer {token}"},
        ).raise_for_status()
    return user_id, token


def task_ids(base_url: str, user_id: int, token: str) -> list[int]:
    page = httpx.get(f"{base_url}/api/{user_id}/tasks", headers={"Authorization": f"Bearer {token}"}).json()
    ids = sorted(task["id"] for task in page)
    # The wrk script addresses them as the range first..last.
    if ids != list(range(ids[0], ids[0] + len(ids))):
        sys.exit(f"user {user_id}'s tasks do not have consecutive ids: {ids}")
    return ids


def seed_tasks(database_url: str, user_id: int, count: int) -> tuple[int, int]:
    """Insert `count` tasks for the user in one statement (numbered after the user's last); their first and last id."""
    with psycopg.connect(libpq_url(database_url), autocommit=True) as connection:
        first, last, rows = connection.execute(
            "WITH counter AS (UPDATE users SET last_task_number = last_task_number + %(n)s WHERE id = %(user)s"
            " RETURNING last_task_number - %(n)s AS base),"
            " made AS (INSERT INTO tasks (user_id, number, title, description, completed, created_at, updated_at)"
            " SELECT %(user)s, counter.base + g, 'Seeded task ' || g, '', false, now(), now()"
            " FROM counter, generate_series(1, %(n)s) AS g ORDER BY g RETURNING id)"
            " SELECT min(id), max(id), count(*) FROM made",
            {"user": user_id, "n": count},
        ).fetchone()
    if rows != count or last - first + 1 != count:
        sys.exit(f"seeded {rows} tasks with ids {first}..{last}: expected {count} consecutive ids")
    return first, last


def ids_script(prefix: str, suffix: str, first: int, last: int, *, once: bool, connections: int) -> str:
    return WRK_IDS_SCRIPT.format(
        threads=wrk_threads(connections), first=first, last=last, once=str(once).lower(), prefix=prefix, suffix=suffix
    )


def print_table(rows: list, workers: int, duration: int) -> None:
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(
        f"uvicorn workers: {workers}; {duration} s per row; wrk -t min(c,2); "
        f"CPU cores: {os.cpu_count()}; load average at the end: {load}\n"
    )
    print(
        "| endpoint | connections | requests/s | p50 (ms) | p99 (ms) | errors | server CPU per request (ms) "
        "| per listed task (µs) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, connections, result in rows:
        per_row = f"{result['cpu_ms_per_request'] * 1000 / SEEDED_TASKS:.0f}" if label.startswith("list") else ""
        print(
            f"| {label} | {connections} | {result['rps']:.0f} | {result['p50']:.1f} | {result['p99']:.1f} "
            f"| {result['errors']} | {result['cpu_ms_per_request']:.2f} | {per_row} |"
        )


def make_cases(args: argparse.Namespace, base_url: str, database_url: str) -> list:
    """The chosen cases: (label, path, method, body, token, maker of the wrk script's id part or None)."""
    cases = []
    if "list" in args.cases:
        list_user, list_token = new_user(base_url, SEEDED_TASKS)
        list_label = f"list (GET /tasks, {SEEDED_TASKS} tasks)"
        cases.append((list_label, f"/api/{list_user}/tasks", "GET", None, list_token, None))
    if "create" in args.cases:
        create_user, create_token = new_user(base_url, 0)
        body = json.dumps({"title": "Benchmark task", "description": "created by wrk"})
        cases.append(("create (POST /tasks)", f"/api/{create_user}/tasks", "POST", body, create_token, None))
    if {"update", "complete"} & set(args.cases):
        edit_user, edit_token = new_user(base_url, SEEDED_TASKS)
        ids = task_ids(base_url, edit_user, edit_token)
        prefix = f"/api/{edit_user}/tasks/"
        if "update" in args.cases:
            body = json.dumps({"title": "Benchmark task, renamed", "description": "updated by wrk"})
            update = functools.partial(ids_script, prefix, "", ids[0], ids[-1], once=False)
            cases.append(("update (PUT /tasks/{id})", prefix, "PUT", body, edit_token, update))
        if "complete" in args.cases:
            body = json.dumps({"completed": True})
            complete = functools.partial(ids_script, prefix, "/complete", ids[0], ids[-1], once=False)
            cases.append(("complete (PATCH /tasks/{id}/complete)", prefix, "PATCH", body, edit_token, complete))
    if "delete" in args.cases:
        delete_user, delete_token = new_user(base_url, 0)
        prefix = f"/api/{delete_user}/tasks/"

        def fresh_tasks(connections, user=delete_user, prefix=prefix):
            first, last = seed_tasks(database_url, user, DELETES_PER_SECOND_MAX * args.duration)
            return ids_script(prefix, "", first, last, once=True, connections=connections)

        cases.append(("delete (DELETE /tasks/{id})", prefix, "DELETE", None, delete_token, fresh_tasks))
    if "chat" in args.cases:
        chat_user, chat_token = new_user(base_url, SEEDED_TASKS)
        body = json.dumps({"message": "show my pending tasks"})
        cases.append(("chat (POST /chat, offline engine)", f"/api/{chat_user}/chat", "POST", body, chat_token, None))

    return cases


def measure(args: argparse.Namespace, connection_counts: list[int], workdir: Path) -> list:
    """Every case at every connection count on a fresh database and server; the table's rows."""
    rows = []
    with temporary_database("bench", args.database_url) as database_url:
        migrate(database_url)
        # APP_ENV=production and the offline chat engine, as the chart deploys it by default.
        env = backend_env(database_url, APP_ENV="production", LOG_LEVEL=os.environ.get("LOG_LEVEL", "INFO"))
        uvicorn_args = ["--workers", str(args.workers), "--no-access-log"]
        with running_backend(
            env, log_path=workdir / "backend.log", uvicorn_args=uvicorn_args, ready_path="/readyz"
        ) as backend:
            cases = make_cases(args, backend.url, database_url)
            for label, path, method, body, token, ids in cases:
                body_line = f"wrk.body = {json.dumps(body)}" if body else ""
                common = WRK_SCRIPT.format(method=method, token=token, body_line=body_line)
                script = workdir / f"{method}-{len(rows)}.lua"
                script.write_text(common + (ids(connections=4) if ids else ""))
                run_wrk(backend.url + path, script, 4, 1)  # warm-up: pool, caches
                for connections in connection_counts:
                    # Scripts with ids are made per row: a delete row needs tasks seeded for it, not the warm-up's.
                    script.write_text(common + (ids(connections=connections) if ids else ""))
                    cpu_before = process_tree_cpu_seconds(backend.process.pid)
                    result = run_wrk(backend.url + path, script, connections, args.duration)
                    cpu_used = process_tree_cpu_seconds(backend.process.pid) - cpu_before
                    result["cpu_ms_per_request"] = cpu_used * 1000 / max(result["requests"], 1)
                    rows.append((label, connections, result))
                    print(f"{label} c={connections}: {result}", file=sys.stderr)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per measurement")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--connections", default="1,16,64", help="comma-separated connection counts")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--cases", default=",".join(CASES), help=f"comma-separated, of: {', '.join(CASES)}")
    args = parser.parse_args()
    args.cases = args.cases.split(",")
    if unknown := set(args.cases) - set(CASES):
        parser.error(f"unknown cases: {', '.join(sorted(unknown))} (known: {', '.join(CASES)})")
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian: apt-get install wrk)")
    connection_counts = [int(n) for n in args.connections.split(",")]

    workdir = Path(tempfile.mkdtemp(prefix="todo-bench-"))
    try:
        rows = measure(args, connection_counts, workdir)
    except ServiceUnavailable as error:
        sys.exit(str(error))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print_table(rows, args.workers, args.duration)
    return 0


if __name__ == "__main__":
    sys.exit(main())
