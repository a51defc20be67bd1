"""The app's own CPU per task-list request, in-process: no sockets, no server, no database.

The ASGI app is called directly with a GET of one page of the list, authenticated, and the fast path's pool is
replaced by one that answers an empty page at once, so what is measured is the middleware, the routing, the
dependencies (the token, the owner check, the query parameters) and the response: the part of a request that is
the app's, not uvicorn's, the kernel's or PostgreSQL's. A script, not a test. Run from the repository root:

    .venv/bin/python app/backend/bench/bench_in_process.py --requests 5000
"""

import argparse
import secrets
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from todo_api.core.config import Settings
from todo_api.core.security import create_access_token
from todo_api.main import create_app


class EmptyPagePool:
    """Stands in for db_fast.FastPool: an empty page, no cursor."""

    async def task_page(self, user_id, status, *, limit, after):
        return b"[]", None


async def measure(requests: int) -> float:
    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{directory}/unused.db",
            jwt_secret=secrets.token_urlsafe(32),
            app_env="production",
            log_level="WARNING",
        )
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            app.state.fast_pool = EmptyPagePool()
            token = create_access_token(settings, 7).encode()
            scope = {
                "type": "http",
                "asgi": {"version": "3.0"},
                "http_version": "1.1",
                "method": "GET",
                "scheme": "http",
                "path": "/api/7/tasks",
                "raw_path": b"/api/7/tasks",
                "query_string": b"limit=100",
                "root_path": "",
                "headers": [(b"host", b"bench"), (b"authorization", b"Bearer " + token)],
                "client": ("127.0.0.1", 50000),
                "server": ("bench", 80),
            }
            statuses: list[int] = []

            async def receive() -> dict:
                return {"type": "http.request", "body": b"", "more_body": False}

            async def send(message: dict) -> None:
                if message["type"] == "http.response.start":
                    statuses.append(message["status"])

            for _ in range(500):  # warm-up
                await app(dict(scope), receive, send)
            start = time.process_time()
            for _ in range(requests):
                await app(dict(scope), receive, send)
            elapsed = time.process_time() - start
            if set(statuses) != {200}:
                raise SystemExit(f"unexpected statuses: {sorted(set(statuses))}")
            return elapsed / requests * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    args = parser.parse_args()
    import uvloop  # the loop uvicorn runs the app on

    milliseconds = uvloop.run(measure(args.requests))
    print(f"app CPU per list request, in-process: {milliseconds:.3f} ms ({args.requests} requests)")


if __name__ == "__main__":
    main()
