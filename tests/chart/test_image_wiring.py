"""The image references travel once, split: images role fact images_built -> playbook -> chart_images.

The chart role stops, naming chart_images, when no image was given (instead of falling back to the chart's
appVersion, a tag the images role never builds), and writes the given repository and tag as they are.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml
from harness.playbook import run_playbook

REPO_ROOT = Path(__file__).resolve().parents[2]


def run_chart_role(tmp_path: Path, role_vars: dict) -> subprocess.CompletedProcess:
    # A stand-in helm: the values file is what is checked here, not helm's own work.
    helm = tmp_path / "helm"
    helm.write_text("#!/bin/sh\necho 'Successfully packaged chart and saved it to: /nowhere'\n")
    helm.chmod(0o755)
    playbook = tmp_path / "chart.yml"
    playbook.write_text(
        yaml.safe_dump(
            [
                {
                    "name": "Run the chart role",
                    "hosts": "localhost",
                    "gather_facts": False,
                    "roles": [
                        {
                            "role": "cloudnative.todo_chatbot.chart",
                            "vars": {
                                "chart_build_dir": str(tmp_path / "build"),
                                "chart_helm_binary": str(helm),
                                "chart_render": False,
                                **role_vars,
                            },
                        }
                    ],
                }
            ]
        )
    )
    return run_playbook(playbook, "-e", f"ansible_python_interpreter={sys.executable}")


def test_no_image_given_stops_the_chart_role_naming_the_variable(tmp_path):
    result = run_chart_role(tmp_path, {})
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "No backend image: chart_images.backend needs a repository and a tag" in output
    assert not (tmp_path / "build" / "values.yaml").exists(), "it stopped before writing the values"


def test_an_image_without_a_tag_stops_the_chart_role(tmp_path):
    images = {
        "backend": {"repository": "todo-chatbot-backend", "tag": "0.1.0-abc"},
        "frontend": {"repository": "todo-chatbot-frontend", "tag": ""},
    }
    result = run_chart_role(tmp_path, {"chart_images": images})
    assert result.returncode != 0
    assert "No frontend image: chart_images.frontend" in result.stdout + result.stderr


def test_the_images_role_fact_goes_into_the_values_unchanged(tmp_path):
    # images_built's shape, with its extra keys; a registry port must stay in the repository
    images = {
        "backend": {
            "repository": "registry.example.com:5000/todo/todo-chatbot-backend",
            "tag": "0.1.0-3f2a9c1d7e4b",
            "ref": "registry.example.com:5000/todo/todo-chatbot-backend:0.1.0-3f2a9c1d7e4b",
            "local_ref": "todo-chatbot-backend:0.1.0-3f2a9c1d7e4b",
            "hash": "3f2a9c1d7e4b",
        },
        "frontend": {"repository": "todo-chatbot-frontend", "tag": "0.1.0-8be01f2c93aa"},
    }
    result = run_chart_role(tmp_path, {"chart_images": images})
    assert result.returncode == 0, result.stdout + result.stderr
    values = yaml.safe_load((tmp_path / "build" / "values.yaml").read_text())
    assert values["backend"]["image"]["repository"] == "registry.example.com:5000/todo/todo-chatbot-backend"
    assert values["backend"]["image"]["tag"] == "0.1.0-3f2a9c1d7e4b"
    assert values["frontend"]["image"]["repository"] == "todo-chatbot-frontend"
    assert values["frontend"]["image"]["tag"] == "0.1.0-8be01f2c93aa"


def load(path: str):
    return yaml.safe_load((REPO_ROOT / path).read_text())


def test_the_playbooks_hand_images_built_to_chart_images():
    site_tasks = load("playbooks/site.yml")[1]["tasks"]
    names = [task["name"] for task in site_tasks]
    handover = next(task for task in site_tasks if task.get("ansible.builtin.set_fact", {}).get("chart_images"))
    assert handover["ansible.builtin.set_fact"]["chart_images"] == "{{ images_built }}"
    chart = next(task for task in site_tasks if "chart" in str(task.get("ansible.builtin.include_role", {})))
    images = next(task for task in site_tasks if "images" in str(task.get("ansible.builtin.include_role", {})))
    assert names.index(images["name"]) < names.index(handover["name"]) < names.index(chart["name"])

    deploy_roles = load("playbooks/deploy.yml")[0]["roles"]
    chart_role = next(role for role in deploy_roles if role["role"].endswith(".chart"))
    assert chart_role["vars"]["chart_images"] == "{{ images_built }}"


def test_the_inventories_do_not_wire_the_roles_together():
    for inventory in ("minikube", "cluster"):
        text = (REPO_ROOT / "inventory" / inventory / "group_vars" / "all" / "main.yml").read_text()
        settings = yaml.safe_load(text)
        wiring = {key: value for key, value in settings.items() if "images_built" in str(value) or "_ref" in str(value)}
        assert wiring == {}, f"inventory/{inventory} passes a role's output to another role: {wiring}"
        assert not any(
            key.startswith("chart_")
            and "image" in key
            and key not in {"chart_image_pull_policy", "chart_image_pull_secrets"}
            for key in settings
        ), inventory
