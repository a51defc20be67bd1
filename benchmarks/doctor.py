"""How long the doctor takes: the whole playbook (facts included) and the module alone, where every download
host fails (here: DNS has no public names) and where one never answers (a socket that accepts and stays silent).

    .venv/bin/python benchmarks/doctor.py

Prints the median of 5 runs of each; results in docs/benchmarks.md.
"""

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


def median_seconds(argv, runs=5, env=None):
    times = []
    for _ in range(runs):
        started = time.monotonic()
        subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, check=False)
        times.append(time.monotonic() - started)
    return statistics.median(times)


def module_run(url, timeout):
    collections = Path(tempfile.mkdtemp()) / "ansible_collections" / "cloudnative"
    collections.mkdir(parents=True)
    (collections / "todo_chatbot").symlink_to(ROOT)
    args = Path(tempfile.mkdtemp()) / "args.json"
    tools = [
        {"name": name, "version": "1.0.0", "version_regex": r"(\d+\.\d+\.\d+)", "url": url}
        for name in ("kubectl", "helm", "minikube", "kubectl-ai", "kagent")
    ]
    args.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": {"tools": tools, "timeout": timeout, "docker": {}}}))
    env = dict(os.environ, PYTHONPATH=str(collections.parent.parent))
    module = "ansible_collections.cloudnative.todo_chatbot.plugins.modules.doctor"
    return median_seconds([PYTHON, "-m", module, str(args)], env=env)


playbook = median_seconds([str(Path(PYTHON).parent / "ansible-playbook"), "playbooks/doctor.yml"])
print(f"playbooks/doctor.yml, whole run (facts, table, failure on blockers): {playbook:.2f} s")
unresolvable = module_run("https://downloads.invalid/x", 5)
print(f"module, 5 CLIs, every host unresolvable:                          {unresolvable:.2f} s")
silent = socket.socket()
silent.bind(("127.0.0.1", 0))
silent.listen(16)
port = silent.getsockname()[1]
silent_hosts = module_run(f"http://127.0.0.1:{port}/x", 5)
print(f"module, 5 CLIs, every host silent, timeout 5 s:                   {silent_hosts:.2f} s")
silent.close()
