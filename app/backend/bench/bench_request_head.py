"""What an oversized request head costs the server, and what an ordinary request costs, with each HTTP protocol.

For each protocol (uvicorn's httptools, uvicorn's h11, and the image's: httptools bounded by
todo_api/http_protocol.py) it starts `uvicorn todo_api.main:app` on a fresh PostgreSQL database (the test
harness, as in the tests), then

- sends one request whose header never ends (1 MB at a time, up to --megabytes) on a raw socket, while another
  client polls GET /healthz every 20 ms: the server's CPU seconds for it (from /proc), how long the sender could
  send, how it ended, and the slowest /healthz answer meanwhile;
- sends --requests GET /healthz on one kept-alive connection with the headers of a browser and a token: the
  server's CPU per request.

A script, not a test. Run from the repository root:

    .venv/bin/python app/backend/bench/bench_request_head.py
    .venv/bin/python app/backend/bench/bench_request_head.py --megabytes 16 --requests 1000
"""

import argparse
import contextlib
import http.client
import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "tests"))  # the test harness, as pytest finds it

from harness.backend import HTTP_PROTOCOL, backend_env, process_tree_cpu_seconds, running_backend
from harness.postgres import DEFAULT_URL, migrate, temporary_database
from harness.services import ServiceUnavailable

PROTOCOLS = {"httptools (uvicorn's)": "httptools", "h11 (uvicorn's)": "h11", "the image's": HTTP_PROTOCOL}
ORDINARY_HEADERS = {
    "Authorization": "Bearer " + "x" * 300,
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    "Accept": "application/json",
    "Accept-Language": "en-GB,en;q=0.9",
}


def endless_header(url: str, pid: int, megabytes: int) -> tuple[float, float, str, float]:
    """Server CPU seconds, seconds of sending, how it ended, and the slowest /healthz meanwhile."""
    host, port = url.removeprefix("http://").split(":")
    latencies: list[float] = []
    sending = threading.Event()
    sending.set()

    def poll() -> None:
        with httpx.Client(base_url=url, timeout=300) as other_client:
            while sending.is_set():
                started = time.perf_counter()
                other_client.get("/healthz")
                latencies.append(time.perf_counter() - started)
                time.sleep(0.02)

    poller = threading.Thread(target=poll)
    poller.start()
    while not latencies:
        time.sleep(0.01)
    cpu_before, started, sent = process_tree_cpu_seconds(pid), time.perf_counter(), 0
    ending = ""
    with socket.create_connection((host, int(port)), timeout=300) as conn:
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ")
        try:
            for _ in range(megabytes):
                conn.sendall(b"a" * 2**20)
                sent += 1
            conn.sendall(b"\r\n\r\n")
        except OSError as error:
            ending = f"{type(error).__name__} after {sent} MB sent"
        with contextlib.suppress(OSError):
            answer = conn.recv(64)
            ending = ending or (answer.split(b"\r\n")[0].decode() if answer else "closed")
    seconds = time.perf_counter() - started
    time.sleep(0.3)  # the server may still be parsing what the kernel had buffered
    cpu_seconds = process_tree_cpu_seconds(pid) - cpu_before
    sending.clear()
    poller.join()
    return cpu_seconds, seconds, ending, max(latencies)


def ordinary_requests(url: str, pid: int, count: int) -> float:
    """Server CPU milliseconds per GET /healthz on one kept-alive connection."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port))
    for _ in range(count // 10):  # warm up
        conn.request("GET", "/healthz", headers=ORDINARY_HEADERS)
        conn.getresponse().read()
    cpu_before = process_tree_cpu_seconds(pid)
    for _ in range(count):
        conn.request("GET", "/healthz", headers=ORDINARY_HEADERS)
        conn.getresponse().read()
    conn.close()
    return (process_tree_cpu_seconds(pid) - cpu_before) / count * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=int, default=64, help="size of the header that never ends")
    parser.add_argument("--requests", type=int, default=3000, help="ordinary requests per protocol")
    args = parser.parse_args()
    rows = []
    try:
        with temporary_database("bench_head", os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)) as url:
            migrate(url)
            env = backend_env(url, APP_ENV="production", LOG_LEVEL="WARNING")
            for name, protocol in PROTOCOLS.items():
                with (
                    tempfile.TemporaryDirectory() as workdir,
                    running_backend(
                        env, log_path=Path(workdir) / "backend.log", uvicorn_args=["--http", protocol]
                    ) as server,
                ):
                    pid = server.process.pid
                    header = endless_header(server.url, pid, args.megabytes)
                    rows.append((name, *header, ordinary_requests(server.url, pid, args.requests)))
    except ServiceUnavailable as error:
        sys.exit(str(error))
    load = " ".join(f"{n:.2f}" for n in os.getloadavg())
    print(
        f"one header of up to {args.megabytes} MB; {args.requests} ordinary requests; load average at the end: {load}\n"
    )
    print("| protocol | server CPU s for the header | sending took | it ended | slowest /healthz meanwhile |", end="")
    print(" server CPU per ordinary request |\n|---|---:|---:|---|---:|---:|")
    for name, cpu_seconds, seconds, ending, slowest, per_request in rows:
        print(f"| {name} | {cpu_seconds:.2f} | {seconds:.2f} s | {ending} | {slowest * 1000:.0f} ms ", end="")
        print(f"| {per_request:.3f} ms |")


if __name__ == "__main__":
    main()
