#!/usr/bin/env python3
"""Measure the app's container images: size, cold build, warm rebuild, time to healthy.

Works on a temporary copy of app/backend and app/frontend (the real sources are never edited) and
drives the Docker CLI with the classic builder (DOCKER_BUILDKIT=0), as the images role does through the
Docker API. Writes a Markdown table (docs/benchmarks.md, "Container images", shows a run and how to read it).

    python benchmarks/images.py --ca-bundle /etc/ssl/certs/ca-certificates.crt \
        --output .build/benchmarks-images.md

Everything it creates is named imgbench-* and removed at the end.
"""

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
PREFIX = "imgbench"
MB = 1000 * 1000
# A path inside the containers (a tmpfs, as the chart mounts an emptyDir there), not on this host.
CONTAINER_TMP = "/tmp"  # noqa: S108
# Copied into the temporary build contexts; .dockerignore decides what is sent, as in a real build.
COPY_IGNORE = shutil.ignore_patterns("node_modules", "dist", "__pycache__", ".venv", "*.pyc", ".build-ca.pem")
# The backend's runtime image is FROM scratch too: one layer of files collected from the Python base (the
# interpreter, its standard library and libraries, CA certificates, time zones), then the virtualenv of the
# dependencies and the app, each copied to its directory.
BACKEND_VENV_DIR = "/opt/venv"
BACKEND_APP_DIR = "/app"
# The frontend's runtime image is FROM scratch: one layer of files collected from the nginx base (nginx, its
# libraries, the configuration), then the built SPA, copied to this directory.
FRONTEND_SPA_DIR = "/srv/todo-frontend"
GOALS = {
    "backend_total": "≤ 130 MB (as built here)",
    "frontend_total": "≤ 25 MB (as built here)",
    "backend_deps_app": "≤ 80 MB",
    "frontend_spa": "≤ 5 MB",
    "warm_rebuild": "≤ 15 s",
    "healthy": "≤ 5 s",
}


@dataclass
class Image:
    tag: str
    base: str


def docker(*args, capture=True, check=True):
    environ = dict(os.environ, DOCKER_BUILDKIT="0")
    return subprocess.run(["docker", *args], capture_output=capture, text=True, check=check, env=environ)


def timed_build(context, tag, build_args, no_cache=False):
    command = ["build", "--quiet", "-t", tag]
    if no_cache:
        command.append("--no-cache")
    for key, value in build_args.items():
        command += ["--build-arg", f"{key}={value}"]
    started = time.perf_counter()
    docker(*command, str(context))
    return time.perf_counter() - started


def image_size(reference):
    return int(json.loads(docker("image", "inspect", reference).stdout)[0]["Size"])


def layers(reference):
    """(size in bytes, created by) of each history entry, oldest first."""
    output = docker("history", "--no-trunc", "--human=false", "--format", "{{json .}}", reference).stdout
    entries = [json.loads(line) for line in output.splitlines() if line.strip()]
    return [(int(entry["Size"]), entry["CreatedBy"]) for entry in reversed(entries)]


def bytes_copied_into(reference, directory):
    """Bytes of the layers a COPY into directory made (the classic builder records `COPY ... in DIR`)."""
    return sum(size for size, created_by in layers(reference) if created_by.rstrip().endswith(f" in {directory}"))


def sizes(backend, frontend):
    """Both images' totals, their parts (both are FROM scratch) and the bases the files come from, in bytes."""
    results = {
        "backend_total": image_size(backend.tag),
        "frontend_total": image_size(frontend.tag),
        "backend_base": image_size(backend.base),
        "frontend_base": image_size(frontend.base),
        "backend_deps_app": bytes_copied_into(backend.tag, BACKEND_VENV_DIR)
        + bytes_copied_into(backend.tag, BACKEND_APP_DIR),
        "frontend_spa": bytes_copied_into(frontend.tag, FRONTEND_SPA_DIR),
    }
    results["backend_runtime"] = results["backend_total"] - results["backend_deps_app"]
    results["frontend_runtime"] = results["frontend_total"] - results["frontend_spa"]
    return results


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http_ok(url):
    try:
        with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310  (always http://127.0.0.1)
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def time_to_healthy(image, run_args, url_path, use_healthcheck, timeout=60.0):
    """Seconds from `docker run` to the first 200 on url_path, and to Docker's `healthy` status."""
    port = free_port()
    name = f"{PREFIX}-run-{port}"
    started = time.perf_counter()
    docker("run", "-d", "--name", name, "-p", f"127.0.0.1:{port}:{run_args.pop('port')}", *run_args["args"], image)
    first_ok = healthy = None
    try:
        while time.perf_counter() - started < timeout and (first_ok is None or (use_healthcheck and healthy is None)):
            now = time.perf_counter() - started
            if first_ok is None and http_ok(f"http://127.0.0.1:{port}{url_path}"):
                first_ok = now
            if use_healthcheck and healthy is None:
                state = docker("inspect", "--format", "{{.State.Health.Status}}", name).stdout.strip()
                if state == "healthy":
                    healthy = time.perf_counter() - started
            time.sleep(0.05)
    finally:
        docker("rm", "-f", name, check=False)
    if first_ok is None:
        raise RuntimeError(f"{image} did not answer {url_path} within {timeout} s")
    return first_ok, healthy


def median_of(runs, index):
    values = [run[index] for run in runs if run[index] is not None]
    return statistics.median(values) if values else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python-base", default="localbase/python:bookworm")
    parser.add_argument("--node-base", default="localbase/node:bookworm")
    parser.add_argument("--nginx-base", default="localbase/nginx:bookworm")
    parser.add_argument("--ca-bundle", type=Path, help="extra CA bundle for pip/npm in the build stages")
    parser.add_argument("--runs", type=int, default=3, help="start-up measurements per image (median)")
    parser.add_argument("--output", type=Path, help="write the Markdown report here (else print it)")
    options = parser.parse_args()

    backend = Image(f"{PREFIX}-backend:cold", options.python_base)
    frontend = Image(f"{PREFIX}-frontend:cold", options.nginx_base)
    backend_args = {"PYTHON_IMAGE": options.python_base}
    frontend_args = {"NODE_IMAGE": options.node_base, "NGINX_IMAGE": options.nginx_base}
    results = {}

    with tempfile.TemporaryDirectory(prefix=f"{PREFIX}-") as work:
        contexts = {}
        for component in ("backend", "frontend"):
            contexts[component] = Path(work) / component
            shutil.copytree(REPO_ROOT / "app" / component, contexts[component], ignore=COPY_IGNORE)
            if options.ca_bundle:
                shutil.copyfile(options.ca_bundle, contexts[component] / ".build-ca.pem")
        try:
            print("cold build of the backend (--no-cache) ...", file=sys.stderr)
            results["backend_cold"] = timed_build(contexts["backend"], backend.tag, backend_args, no_cache=True)
            print("cold build of the frontend (--no-cache) ...", file=sys.stderr)
            results["frontend_cold"] = timed_build(contexts["frontend"], frontend.tag, frontend_args, no_cache=True)

            results.update(sizes(backend, frontend))

            print("warm rebuild after a one-line backend change ...", file=sys.stderr)
            with (contexts["backend"] / "todo_api" / "__init__.py").open("a") as source:
                source.write("# benchmark: a one-line change\n")
            results["warm_rebuild"] = timed_build(contexts["backend"], f"{PREFIX}-backend:warm", backend_args)

            print("time to healthy ...", file=sys.stderr)
            backend_runs = [
                time_to_healthy(
                    backend.tag,
                    {
                        "port": 8000,
                        "args": [
                            # The image's own HEALTHCHECK, probed every 0.2 s instead of every 5 s.
                            "--health-interval=0.2s",
                            "-e",
                            "JWT_SECRET=benchmark-secret-0123456789abcdef0123456789",
                            "-e",
                            "DATABASE_URL=sqlite:////tmp/benchmark.db",
                            "--read-only",
                            "--tmpfs",
                            CONTAINER_TMP,
                        ],
                    },
                    "/healthz",
                    use_healthcheck=True,
                )
                for _ in range(options.runs)
            ]
            frontend_runs = [
                time_to_healthy(
                    frontend.tag,
                    {
                        "port": 8080,
                        "args": [
                            "-e",
                            "BACKEND_URL=http://todo-backend:8000",
                            "--add-host",
                            "todo-backend:127.0.0.1",
                            "--read-only",
                            "--tmpfs",
                            CONTAINER_TMP,
                        ],
                    },
                    "/",
                    use_healthcheck=False,
                )
                for _ in range(options.runs)
            ]
            results["backend_first_ok"] = median_of(backend_runs, 0)
            results["backend_healthy"] = median_of(backend_runs, 1)
            results["frontend_first_ok"] = median_of(frontend_runs, 0)
        finally:
            for tag in (backend.tag, frontend.tag, f"{PREFIX}-backend:warm"):
                docker("image", "rm", "-f", tag, check=False)

    report = render(results, options)
    if options.output:
        options.output.write_text(report)
        print(f"wrote {options.output}", file=sys.stderr)
    else:
        print(report)


def render(results, options):
    docker_version = docker("version", "--format", "{{.Server.Version}}").stdout.strip()
    mb = lambda value: f"{value / MB:.1f} MB"  # noqa: E731  (local formatting helper)
    seconds = lambda value: "n/a" if value is None else f"{value:.2f} s"  # noqa: E731
    rows = [
        ("backend image, total (`FROM scratch`)", mb(results["backend_total"]), GOALS["backend_total"]),
        (
            "backend: Python, its standard library and libraries, CA certificates, time zones",
            mb(results["backend_runtime"]),
            "",
        ),
        (
            f"backend: the dependencies (`{BACKEND_VENV_DIR}`) and the app (`{BACKEND_APP_DIR}`)",
            mb(results["backend_deps_app"]),
            GOALS["backend_deps_app"],
        ),
        ("backend: the Python image they come from (no layer of the backend)", mb(results["backend_base"]), ""),
        ("frontend image, total (`FROM scratch`)", mb(results["frontend_total"]), GOALS["frontend_total"]),
        ("frontend: nginx, its libraries and configuration", mb(results["frontend_runtime"]), ""),
        ("frontend: the built SPA", mb(results["frontend_spa"]), GOALS["frontend_spa"]),
        ("frontend: the nginx image they come from (no layer of the frontend)", mb(results["frontend_base"]), ""),
        ("cold build, backend (--no-cache, downloads from PyPI)", seconds(results["backend_cold"]), ""),
        ("cold build, frontend (--no-cache, downloads from npm and Debian)", seconds(results["frontend_cold"]), ""),
        ("warm rebuild after a one-line backend change", seconds(results["warm_rebuild"]), GOALS["warm_rebuild"]),
        ("backend: `docker run` to first 200 on /healthz", seconds(results["backend_first_ok"]), GOALS["healthy"]),
        (
            "backend: `docker run` to Docker status `healthy` (image HEALTHCHECK, --health-interval=0.2s)",
            seconds(results["backend_healthy"]),
            GOALS["healthy"],
        ),
        ("frontend: `docker run` to first 200 on /", seconds(results["frontend_first_ok"]), ""),
    ]
    lines = [
        "# Container image benchmarks",
        "",
        f"Measured by `benchmarks/images.py` on {platform.node() or 'this machine'}: {os.cpu_count()} CPUs, "
        f"Docker engine {docker_version}, classic builder (no BuildKit).",
        f"Bases: `{options.python_base}` (backend), `{options.node_base}` + `{options.nginx_base}` (frontend).",
        f"Start-up times are the median of {options.runs} runs.",
        "",
        "| measure | measured | goal |",
        "|---|---|---|",
        *[f"| {name} | {value} | {goal} |" for name, value, goal in rows],
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
