"""The backend under test on a free loopback port: started, ready when /healthz answers, stopped.

Two ways, one wait: `running_backend` runs `uvicorn todo_api.main:app` as a child process with an
environment (as the container does), `serving_app` runs an app object under uvicorn in a thread of this
process (for tests that patch the app or give it Settings no environment can express). Either waits a
bounded time for /healthz and raises BackendDidNotStart with the end of the server's log. Plain Python, no
pytest: the benchmarks use it too.
"""

import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

BACKEND_DIR = Path(__file__).resolve().parents[2] / "app" / "backend"
# Unset for the backend under test: it runs the offline chat engine, whose answers need no model.
LLM_VARIABLES = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL")
# The HTTP protocol the image runs (UVICORN_HTTP in app/backend/Dockerfile): every server the tests start uses it.
HTTP_PROTOCOL = "todo_api.http_protocol:BoundedHttpToolsProtocol"
START_TIMEOUT = 60.0


class BackendDidNotStart(RuntimeError):
    """The server exited or did not answer in time; the message ends with its log."""


@dataclass
class Backend:
    url: str
    process: subprocess.Popen
    log_path: Path


def free_port() -> int:
    """A loopback TCP port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def log_tail(path: Path, characters: int = 4000) -> str:
    return path.read_text(errors="replace")[-characters:] if path.exists() else "(no log)"


def backend_env(database_url: str, **variables: str) -> dict[str, str]:
    """This process's environment without the LLM variables, with the backend importable, DATABASE_URL, a
    random JWT_SECRET, the image's HTTP protocol (UVICORN_HTTP), and then `variables` (APP_ENV, LOG_LEVEL,
    STATIC_DIR...)."""
    env = {key: value for key, value in os.environ.items() if key not in LLM_VARIABLES}
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [str(BACKEND_DIR), env.get("PYTHONPATH")])),
        DATABASE_URL=database_url,
        JWT_SECRET=secrets.token_urlsafe(32),
        UVICORN_HTTP=HTTP_PROTOCOL,
    )
    env.update(variables)
    return env


def process_tree_cpu_seconds(root_pid: int) -> float:
    """User+system CPU of a process and all its descendants (uvicorn workers), from /proc."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    ticks = os.sysconf("SC_CLK_TCK")
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name may contain spaces: split after its closing parenthesis.
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        pid = int(stat_file.parent.name)
        parents[pid] = int(fields[1])
        times[pid] = (int(fields[11]) + int(fields[12])) / ticks
    tree, frontier = {root_pid}, [root_pid]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(times.get(pid, 0.0) for pid in tree)


def wait_until_answering(
    url: str, *, alive: Callable[[], bool], log: Callable[[], str], timeout: float = START_TIMEOUT
) -> None:
    """Poll url until it answers 200; BackendDidNotStart when the server stops or timeout runs out."""
    deadline = time.monotonic() + timeout
    while True:
        if not alive():
            raise BackendDidNotStart(f"The backend stopped while starting; the end of its log:\n{log()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise BackendDidNotStart(
                f"The backend did not answer {url} within {timeout:.0f} s; the end of its log:\n{log()}"
            )
        time.sleep(0.2)


def stop_process(process: subprocess.Popen, timeout: float = 30) -> None:
    """SIGTERM (a graceful shutdown, as Kubernetes does it), then SIGKILL after timeout."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@contextmanager
def running_backend(
    env: dict[str, str],
    *,
    log_path: Path,
    uvicorn_args: Sequence[str] = (),
    ready_path: str = "/healthz",
    timeout: float = START_TIMEOUT,
) -> Iterator[Backend]:
    """`uvicorn todo_api.main:app` in a child process with env (see backend_env), its output in log_path;
    yields once ready_path answers 200, stops it on exit."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "todo_api.main:app", "--host", "127.0.0.1", "--port", str(port)]
    with log_path.open("w") as log_file:
        process = subprocess.Popen(
            [*command, *uvicorn_args], cwd=BACKEND_DIR, env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
    backend = Backend(url=f"http://127.0.0.1:{port}", process=process, log_path=log_path)
    try:
        wait_until_answering(
            backend.url + ready_path,
            alive=lambda: process.poll() is None,
            log=lambda: f"({log_path})\n{log_tail(log_path)}",
            timeout=timeout,
        )
        yield backend
    finally:
        stop_process(process)


@contextmanager
def serving_app(app, port: int | None = None, timeout: float = START_TIMEOUT) -> Iterator[str]:
    """The ASGI app under uvicorn in a thread of this process on port (default: a free one); yields its
    base URL."""
    import uvicorn

    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, http=HTTP_PROTOCOL, log_config=None, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(
            url + "/healthz",
            alive=thread.is_alive,
            log=lambda: "(the server ran in this process: its log is in the captured output)",
            timeout=timeout,
        )
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def health_latencies_while(url: str, work: Callable[[], object], poll_seconds: float = 0.01) -> list[float]:
    """Another client's GET /healthz latencies, in seconds, polled while work() runs in a thread; every answer
    must be a 200."""
    working = threading.Thread(target=work)
    working.start()
    latencies = []
    with httpx.Client(base_url=url, timeout=120) as other_client:
        while working.is_alive():
            started = time.perf_counter()
            status = other_client.get("/healthz").status_code
            latencies.append(time.perf_counter() - started)
            assert status == 200, f"/healthz answered {status} meanwhile"
            time.sleep(poll_seconds)
    working.join()
    return latencies
