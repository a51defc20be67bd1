"""The release name and namespace are set once (the chart role's variables) and the deploy role reads them."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from harness.playbook import run_playbook

REPO_ROOT = Path(__file__).resolve().parents[2]


def deploy_defaults_with(tmp_path: Path, extra_vars: dict) -> dict:
    playbook = tmp_path / "identity.yml"
    playbook.write_text(
        yaml.safe_dump(
            [
                {
                    "name": "Evaluate the deploy role's defaults",
                    "hosts": "localhost",
                    "gather_facts": False,
                    "tasks": [
                        {
                            "name": "Load them",
                            # the whole defaults directory, as the role loads it (release.yml is a link)
                            "ansible.builtin.include_vars": {"dir": str(REPO_ROOT / "roles/deploy/defaults/main")},
                        },
                        {
                            "name": "Show them",
                            "ansible.builtin.debug": {
                                "msg": "IDENTITY {{ deploy_release_name }} {{ deploy_namespace }} END"
                            },
                        },
                    ],
                }
            ]
        )
    )
    result = run_playbook(
        playbook, "-e", json.dumps(extra_vars), env={"ANSIBLE_STDOUT_CALLBACK": "default"}, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    line = next(line for line in result.stdout.splitlines() if "IDENTITY " in line)
    release, namespace = line.split("IDENTITY ", 1)[1].split(" END", 1)[0].split()
    return {"release": release, "namespace": namespace}


def test_the_deploy_role_reads_the_chart_role_s_release_and_namespace(tmp_path):
    identity = deploy_defaults_with(tmp_path, {"chart_release_name": "shop", "chart_namespace": "shop-ns"})
    assert identity == {"release": "shop", "namespace": "shop-ns"}


def test_without_them_the_deploy_role_uses_the_chart_role_s_defaults(tmp_path):
    identity = deploy_defaults_with(tmp_path, {})
    chart_defaults = yaml.safe_load((REPO_ROOT / "roles/chart/defaults/main/release.yml").read_text())
    assert identity == {"release": chart_defaults["chart_release_name"], "namespace": chart_defaults["chart_namespace"]}


def test_the_inventories_set_the_release_once():
    for inventory in ("minikube", "cluster"):
        settings = yaml.safe_load((REPO_ROOT / "inventory" / inventory / "group_vars/all/main.yml").read_text())
        assert "deploy_release_name" not in settings, inventory
        assert "deploy_namespace" not in settings, inventory
        assert {"chart_release_name", "chart_namespace"} <= settings.keys(), inventory
