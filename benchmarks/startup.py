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

from images import CONTAINER_TMP, time_to_healthy  # benchmarks/images.py: the same measurement, run by this script


def time_to_first_200(image: str) -> float:
    run_args = [
        "--read-only", "--tmpfs", CONTAINER_TMP,
        "-e", "DATABASE_URL=sqlite+aiosqlite:////tmp/app.db", "-e", f"JWT_SECRET={secrets.token_urlsafe(32)}",
        "-e", "APP_ENV=production",
    ]  # fmt: skip
    first_ok, _ = time_to_healthy(image, {"port": 8000, "args": run_args}, "/healthz", use_healthcheck=False)
    return first_ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("images", nargs="+")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    times: dict[str, list[float]] = {image: [] for image in args.images}
    for _ in range(args.runs):
        for image in args.images:
            times[image].append(time_to_first_200(image))
    for image, seconds in times.items():
        runs = " / ".join(f"{value:.2f}" for value in seconds)
        print(f"{image}: {runs} s, median {statistics.median(seconds):.2f} s")


if __name__ == "__main__":
    main()
