#!/usr/bin/env python3
"""Time the test cluster and the deploy path on it: build, bring-up, first deploy, pod start to Ready,
the no-op re-run, edit-to-live after a one-line backend change, and the teardown.

Runs as root from the repository root, with Docker running and the base images made (scripts/test
cluster does both), and prints a Markdown table (docs/benchmarks.md, "Test cluster", shows a run):

    .venv/bin/python benchmarks/cluster.py                 # warm build cache
    .venv/bin/python benchmarks/cluster.py --cold-build    # also a build with empty Go caches (slow)

It tears down a running test cluster first and leaves none behind. The one-line change is made in a
temporary copy of app/, never in the checkout.
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CLUSTER = REPO_ROOT / "tests" / "cluster"
CACHE = Path(os.environ.get("CLUSTER_CACHE", Path.home() / ".cache" / "todo-chatbot" / "cluster"))
KUBECONFIG = "/var/lib/todo-test-cluster/admin.kubeconfig"
INVENTORIES = ["-i", "inventory/cluster", "-i", "tests/cluster/inventory"]
# Issue 22's goals, matched by the start of a row's name.
GOALS = {
    "cluster up": "≤ 30 s",
    "first deploy": "≤ 60 s",
    "pod start to Ready, backend": "≤ 20 s",
    "no-op re-run": "≤ 10 s",
    "edit-to-live": "≤ 15 s",
    "backend image": "≤ 130 MB",
    "frontend image": "≤ 25 MB",
}
MB = 1000 * 1000


def run(command: list[str], env: dict[str, str] | None = None, log: Path | None = None) -> float:
    """Run a command to completion and return its wall time in seconds; stop the benchmark if it fails."""
    started = time.monotonic()
    result = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - started
    if log:
        log.write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({result.returncode}):\n{(result.stdout + result.stderr)[-4000:]}")
    return elapsed


def playbook_env(build_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        KUBECONFIG=KUBECONFIG,
        # the cluster's helm and kubectl, then ansible-playbook beside this interpreter (.venv/bin/python
        # benchmarks/cluster.py works without activating the virtualenv)
        PATH=f"{CACHE / 'current'}:{Path(sys.executable).parent}:{env['PATH']}",
        TODO_CLUSTER_BUILD_DIR=str(build_dir),
        TODO_CLUSTER_REGISTRY="127.0.0.1:5000",
        TODO_CLUSTER_BUILD_CA_BUNDLE="/etc/ssl/certs/ca-certificates.crt",
        ANSIBLE_NOCOLOR="1",
    )
    return env


def pod_start_to_ready(env: dict[str, str]) -> dict[str, float]:
    """Seconds from each app pod's creation to its Ready condition, per component (the slowest pod)."""
    out = subprocess.run(
        ["kubectl", "-n", "todo", "get", "pods", "-l", "app.kubernetes.io/instance=todo-chatbot", "-o", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    worst: dict[str, float] = {}
    for pod in json.loads(out)["items"]:
        component = pod["metadata"]["labels"]["app.kubernetes.io/component"]
        ready = next((c for c in pod["status"].get("conditions", []) if c["type"] == "Ready"), None)
        if component == "test" or not ready or ready["status"] != "True":
            continue
        created = datetime.fromisoformat(pod["metadata"]["creationTimestamp"].replace("Z", "+00:00"))
        became_ready = datetime.fromisoformat(ready["lastTransitionTime"].replace("Z", "+00:00"))
        worst[component] = max(worst.get(component, 0.0), (became_ready - created).total_seconds())
    return worst


def deployed_image_sizes(env: dict[str, str]) -> dict[str, float]:
    """Size in MB (as `docker images` counts) of the backend and frontend images the release runs."""
    out = subprocess.run(
        ["helm", "get", "values", "todo-chatbot", "--namespace", "todo", "--output", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    values = json.loads(out)
    sizes = {}
    for component in ("backend", "frontend"):
        image = values[component]["image"]
        reference = f"{image['repository']}:{image['tag']}"
        size = subprocess.run(
            ["docker", "image", "inspect", "--format", "{{.Size}}", reference],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        sizes[component] = int(size) / MB
    return sizes


def edit_to_live(env: dict[str, str], work: Path) -> float:
    """A one-line backend change in a copy of app/, then `site.yml --tags deploy`, until the new code serves."""
    app = work / "app"
    shutil.copytree(REPO_ROOT / "app", app, ignore=shutil.ignore_patterns("node_modules", "dist", "__pycache__"))
    marker = f"benchmark-{int(time.time())}"
    main = app / "backend" / "todo_api" / "api" / "routes" / "health.py"
    main.write_text(main.read_text() + f"# {marker}\n")
    # the playbook returns once the image is built and pushed, the rollout is done and helm test and the
    # smoke test through the Ingress passed
    return run(["ansible-playbook", *INVENTORIES, "site.yml", "--tags", "deploy", "-e", f"images_app_dir={app}"], env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cold-build", action="store_true", help="also build once with empty Go caches")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("run as root: the cluster needs it")

    rows: list[tuple[str, str]] = []
    work = Path(tempfile.mkdtemp(prefix="clusterbench-"))
    try:
        if args.cold_build:
            cold = dict(os.environ)
            cold.update(
                GOCACHE=str(work / "gocache"),
                GOMODCACHE=str(work / "gomodcache"),
                CLUSTER_CACHE=str(work / "cluster-cache"),
            )
            seconds = run([str(CLUSTER / "build")], cold)
            du = subprocess.run(["du", "-sh", str(work / "gomodcache")], check=True, capture_output=True, text=True)
            rows.append(("cold build (empty Go caches, module downloads included)", f"{seconds / 60:.1f} min"))
            rows.append(("  Go modules the cold build downloaded", du.stdout.split()[0]))
            shutil.rmtree(work / "gocache", ignore_errors=True)
            shutil.rmtree(work / "gomodcache", ignore_errors=True)
        rows.append(("warm build (nothing changed)", f"{run([str(CLUSTER / 'build')]):.1f} s"))

        run([str(CLUSTER / "down")])
        rows.append(("cluster up (certificates to every add-on Ready)", f"{run([str(CLUSTER / 'up')]):.0f} s"))

        env = playbook_env(work / "build")
        first = run(["ansible-playbook", *INVENTORIES, "site.yml"], env, work / "first.log")
        rows.append(("first deploy: `site.yml` on the new cluster (app images already in Docker)", f"{first:.0f} s"))
        for component, seconds in sorted(pod_start_to_ready(env).items()):
            rows.append((f"pod start to Ready, {component} (slowest pod)", f"{seconds:.0f} s"))
        for component, size in deployed_image_sizes(env).items():
            rows.append((f"{component} image total, as built here", f"{size:.1f} MB"))
        # three times: Ansible's work is all CPU, and this machine's load moves it by seconds
        noops = sorted(run(["ansible-playbook", *INVENTORIES, "site.yml"], env) for _ in range(3))
        spread = f"{noops[0]:.0f} to {noops[2]:.0f}"
        rows.append(("no-op re-run of `site.yml` (changed=0), median of 3", f"{noops[1]:.0f} s ({spread})"))
        live = edit_to_live(env, work)
        rows.append(("edit-to-live: one-line backend change, `site.yml --tags deploy`", f"{live:.0f} s"))
    finally:
        down = run([str(CLUSTER / "down")])
        shutil.rmtree(work, ignore_errors=True)
    rows.append(("teardown (`tests/cluster/down`)", f"{down:.0f} s"))

    print(f"Measured by `benchmarks/cluster.py` on {platform.node()}: {os.cpu_count()} CPUs, {platform.release()}.\n")
    print("| measure | measured | goal |")
    print("|---|---|---|")
    for name, value in rows:
        goal = next((g for key, g in GOALS.items() if name.startswith(key)), "")
        print(f"| {name} | {value} | {goal} |")


if __name__ == "__main__":
    main()
