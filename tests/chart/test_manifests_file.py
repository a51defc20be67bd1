"""The chart role's manifests.yaml, made from kubernetes.core.helm_template's output by templates/manifests.yaml.j2:
what the Python shim did before (helm template --skip-tests, sorted, Secrets redacted), now in the template."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml
from harness.playbook import run_playbook

REPO_ROOT = Path(__file__).resolve().parents[2]
RENDERED = """
---
apiVersion: v1
kind: Service
metadata: {name: b-frontend}
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
data: {JWT_SECRET: c2VjcmV0}
stringData: {POSTGRES_PASSWORD: hunter2}
---
apiVersion: v1
kind: Pod
metadata:
  name: chat-test
  annotations: {helm.sh/hook: test, helm.sh/hook-delete-policy: before-hook-creation}
---
apiVersion: v1
kind: Service
metadata: {name: a-backend}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: backend}
"""


def test_the_manifests_file_drops_test_hooks_sorts_and_redacts(tmp_path):
    dest = tmp_path / "manifests.yaml"
    playbook = tmp_path / "render.yml"
    playbook.write_text(
        yaml.safe_dump(
            [
                {
                    "name": "Write manifests.yaml from a helm_template result",
                    "hosts": "localhost",
                    "gather_facts": False,
                    "vars": {"chart_rendered": {"stdout": RENDERED}},
                    "tasks": [
                        {
                            "name": "Template it",
                            "ansible.builtin.template": {
                                "src": str(REPO_ROOT / "roles/chart/templates/manifests.yaml.j2"),
                                "dest": str(dest),
                                "mode": "0644",
                            },
                        }
                    ],
                }
            ]
        )
    )
    result = run_playbook(playbook, "-e", f"ansible_python_interpreter={sys.executable}", timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    text = dest.read_text()
    documents = [doc for doc in yaml.safe_load_all(text) if doc]
    assert [(doc["kind"], doc["metadata"]["name"]) for doc in documents] == [
        ("Deployment", "backend"),
        ("Secret", "creds"),
        ("Service", "a-backend"),
        ("Service", "b-frontend"),
    ]
    secret = documents[1]
    assert set(secret["data"]) == {"JWT_SECRET"}
    assert set(secret["stringData"]) == {"POSTGRES_PASSWORD"}
    assert "c2VjcmV0" not in text
    assert "hunter2" not in text
    assert all(value.startswith("<redacted") for value in [*secret["data"].values(), *secret["stringData"].values()])
