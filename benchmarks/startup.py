"""Time from `docker run` to the first 200 on /healthz, for images that are already built; alternating runs.

Each image runs as the chart runs it: read-only root file system, a tmpfs /tmp, APP_ENV=production, SQLite in
/tmp (/healthz does not touch the database). The clock starts before `docker run` and stops at the first HTTP 200
polled from the host every 50 ms. Runs alternate between the images, so a machine that slows down in between
slows all of them. benchmarks/images.py builds the images and measures this too; this script only runs them.

    python benchmarks/startup.py todo-chatbot-backend:OLD todo-chatbot-backend:NEW --runs 5
"""

import argparse
import secrets
import statistics
import subprocess
import time
import urllib.request

TIMEOUT_SECONDS = 60
# The container's own tmpfs (the chart mounts one too), not a path on this machine.
CONTAINER_TMP = "/tmp"  # noqa: S108


def time_to_first_200(image: str, port: int) -> float:
    start = time.monotonic()
    container = subprocess.check_output(
        [
            "docker", "run", "-d", "--rm", "--read-only", "--tmpfs", CONTAINER_TMP, "-p", f"127.0.0.1:{port}:8000",
            "-e", "DATABASE_URL=sqlite+aiosqlite:////tmp/app.db", "-e", f"JWT_SECRET={secrets.token_urlsafe(32)}",
            "-e", "APP_ENV=production", image,
        ],
        text=True,
    ).strip()  # fmt: skip
    try:
        while time.monotonic() - start < TIMEOUT_SECONDS:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                    if response.status == 200:
                        return time.monotonic() - start
            except OSError:
                time.sleep(0.05)
        raise SystemExit(f"{image}: no 200 on /healthz within {TIMEOUT_SECONDS} s")
    finally:
        subprocess.run(["docker", "rm", "-f", container], capture_output=True, check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("images", nargs="+")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--port", type=int, default=18900)
    args = parser.parse_args()
    times: dict[str, list[float]] = {image: [] for image in args.images}
    for _ in range(args.runs):
        for image in args.images:
            times[image].append(time_to_first_200(image, args.port))
    for image, seconds in times.items():
        runs = " / ".join(f"{value:.2f}" for value in seconds)
        print(f"{image}: {runs} s, median {statistics.median(seconds):.2f} s")


if __name__ == "__main__":
    main()
