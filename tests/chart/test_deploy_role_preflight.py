"""The deploy role stops before touching a cluster when the values name no image it could run."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from harness.playbook import run_playbook

REPO_ROOT = Path(__file__).resolve().parents[2]


def run_deploy(tmp_path: Path, backend_tag: str, frontend_tag: str) -> subprocess.CompletedProcess:
    package = tmp_path / "todo-chatbot-0.1.0.tgz"
    package.write_bytes(b"not read before the preflight checks")
    values = tmp_path / "values.yaml"
    values.write_text(
        yaml.safe_dump(
            {
                "existingSecret": "todo-chatbot-credentials",
                "backend": {"image": {"repository": "todo-chatbot-backend", "tag": backend_tag}},
                "frontend": {"image": {"repository": "todo-chatbot-frontend", "tag": frontend_tag}},
                "ingress": {"enabled": False},
            }
        )
    )
    playbook = tmp_path / "deploy.yml"
    playbook.write_text(
        yaml.safe_dump(
            [
                {
                    "name": "Deploy with the given values",
                    "hosts": "localhost",
                    "gather_facts": False,
                    "roles": [
                        {
                            "role": "cloudnative.todo_chatbot.deploy",
                            "vars": {
                                "deploy_chart_package": str(package),
                                "deploy_values_file": str(values),
                                # a kubeconfig that names no cluster: reaching one would fail differently
                                "deploy_kubeconfig": str(tmp_path / "no-kubeconfig"),
                            },
                        }
                    ],
                }
            ]
        )
    )
    return run_playbook(playbook)


@pytest.mark.parametrize(
    ("backend_tag", "frontend_tag", "named"), [("", "0.1.0-abc", "backend"), ("0.1.0-abc", "", "frontend")]
)
def test_an_empty_image_tag_stops_the_deploy_with_the_variable_to_set(tmp_path, backend_tag, frontend_tag, named):
    result = run_deploy(tmp_path, backend_tag, frontend_tag)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"No image tag for the {named}" in output
    assert "set chart_images to images that exist" in output
    assert "Read the record of the last run's checks" not in output, "it stopped before reaching for a cluster"


def test_with_both_tags_the_deploy_goes_on_to_the_cluster(tmp_path):
    result = run_deploy(tmp_path, "0.1.0-abc", "0.1.0-def")
    output = result.stdout + result.stderr
    assert "No image tag" not in output
    assert "Read the record of the last run's checks" in output
