"""Each fact the roles share is defined in one file, which the other roles' defaults read; helm is called one
way per job (issue 11, "Data flow: one path for every value")."""

from __future__ import annotations

import base64
import json
import re
import sys
from pathlib import Path

import pytest
import yaml
from harness.playbook import run_playbook

REPO_ROOT = Path(__file__).resolve().parents[2]
ROLES = REPO_ROOT / "roles"
SHARED = {
    "chart_release_name": "release.yml",
    "chart_namespace": "release.yml",
    "chart_ingress_controller_namespace": "ingress_controller.yml",
    "chart_ingress_controller_label_selectors": "ingress_controller.yml",
}


def role_yaml_files() -> list[Path]:
    return sorted(path for path in ROLES.rglob("*.yml") if "molecule" not in path.parts)


def test_each_shared_fact_is_defined_in_one_file():
    for name, filename in SHARED.items():
        defining = {
            path.resolve()
            for path in (ROLES.glob("*/defaults/**/*.yml"))
            if name in (yaml.safe_load(path.read_text()) or {})
        }
        assert defining == {ROLES / "chart/defaults/main" / filename}, (name, defining)


@pytest.mark.parametrize(
    ("role", "filename"),
    [("deploy", "release.yml"), ("deploy", "ingress_controller.yml"), ("minikube", "ingress_controller.yml")],
)
def test_the_other_roles_share_the_chart_role_s_file(role, filename):
    shared = ROLES / role / "defaults/main" / filename
    assert shared.is_symlink(), f"{shared} must link to the chart role's file, not copy it"
    assert shared.resolve() == (ROLES / "chart/defaults/main" / filename).resolve()


def test_no_role_or_playbook_repeats_the_literals():
    ingress_labels = re.compile(r"app\.kubernetes\.io/(name=ingress-nginx|component=controller)")
    fallbacks = re.compile(r"(release_name|namespace)\s*\|\s*default\(\s*'[^']+'\s*\)")
    owners = {(ROLES / "chart/defaults/main" / filename).resolve() for filename in set(SHARED.values())}
    files = [*role_yaml_files(), *sorted((REPO_ROOT / "playbooks").rglob("*.yml"))]
    for path in files:
        if path.resolve() in owners:
            continue
        text = "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("#"))
        if path.name != "argument_specs.yml":
            assert not ingress_labels.search(text), f"{path} repeats the ingress controller's labels"
        assert not fallbacks.search(text), f"{path} falls back to a literal release name or namespace"


def test_the_minikube_inventory_does_not_copy_the_controller_and_the_cluster_one_sets_each_fact_once():
    minikube = yaml.safe_load((REPO_ROOT / "inventory/minikube/group_vars/all/main.yml").read_text())
    assert not {"chart_ingress_controller_namespace", "chart_ingress_controller_label_selectors"} & minikube.keys()
    cluster_text = (REPO_ROOT / "inventory/cluster/group_vars/all/main.yml").read_text()
    for name in ("chart_ingress_controller_namespace", "chart_ingress_controller_label_selectors"):
        assert len(re.findall(rf"^{name}:", cluster_text, flags=re.MULTILINE)) == 1, name
    assert not re.search(r"^(minikube_ingress_|deploy_ingress_controller_)", cluster_text, flags=re.MULTILINE)
    # the test cluster (tests/cluster/manifests/20-ingress.yaml) runs its controller where the inventory says
    cluster = yaml.safe_load(cluster_text)
    controller = next(
        doc
        for doc in yaml.safe_load_all((REPO_ROOT / "tests/cluster/manifests/20-ingress.yaml").read_text())
        if doc and doc["kind"] == "Deployment"
    )
    labels = controller["spec"]["template"]["metadata"]["labels"]
    assert controller["metadata"]["namespace"] == cluster["chart_ingress_controller_namespace"]
    for selector in cluster["chart_ingress_controller_label_selectors"]:
        key, value = selector.split("=", 1)
        assert labels.get(key) == value, selector


def role_defaults(tmp_path: Path, role: str, names: list[str], extra_vars: dict) -> dict:
    """The role's defaults as Ansible loads them (the whole directory, links included), templated."""
    playbook = tmp_path / "defaults.yml"
    playbook.write_text(
        yaml.safe_dump(
            [
                {
                    "name": "Evaluate the role's defaults",
                    "hosts": "localhost",
                    "gather_facts": False,
                    "tasks": [
                        {
                            "name": "Load them",
                            "ansible.builtin.include_vars": {"dir": str(ROLES / role / "defaults/main")},
                        },
                        {
                            "name": "Show them",
                            "ansible.builtin.debug": {
                                "msg": "VALUES {{ {"
                                + ", ".join(f"'{n}': {n}" for n in names)
                                + "} | to_json | b64encode }} END"
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
    line = next(line for line in result.stdout.splitlines() if "VALUES " in line)
    return json.loads(base64.b64decode(line.split("VALUES ", 1)[1].rsplit(" END", 1)[0]))


def test_the_minikube_and_deploy_roles_read_the_chart_role_s_ingress_controller(tmp_path):
    chart = yaml.safe_load((ROLES / "chart/defaults/main/ingress_controller.yml").read_text())
    minikube_names = ["minikube_ingress_namespace", "minikube_ingress_label_selectors"]
    minikube = role_defaults(tmp_path, "minikube", minikube_names, {})
    assert minikube == {
        "minikube_ingress_namespace": chart["chart_ingress_controller_namespace"],
        "minikube_ingress_label_selectors": chart["chart_ingress_controller_label_selectors"],
    }
    deploy = role_defaults(tmp_path, "deploy", ["deploy_ingress_controller_label_selectors"], {})
    assert deploy == {"deploy_ingress_controller_label_selectors": chart["chart_ingress_controller_label_selectors"]}

    traefik = {
        "chart_ingress_controller_namespace": "traefik",
        "chart_ingress_controller_label_selectors": ["app=traefik"],
    }
    minikube = role_defaults(tmp_path, "minikube", minikube_names, traefik)
    assert minikube == {"minikube_ingress_namespace": "traefik", "minikube_ingress_label_selectors": ["app=traefik"]}


def test_the_deploy_role_looks_for_the_controller_with_the_shared_labels():
    preflight = yaml.safe_load((ROLES / "deploy/tasks/preflight.yml").read_text())
    block = next(task for task in preflight if task.get("name") == "Look for the ingress controller")
    wait = next(
        task
        for task in block["block"]
        if "kubernetes.core.k8s_info" in task and task["kubernetes.core.k8s_info"]["kind"] == "Pod"
    )
    assert wait["kubernetes.core.k8s_info"]["label_selectors"] == "{{ deploy_ingress_controller_label_selectors }}"
    assert "networkPolicy.ingressControllerNamespace" in wait["kubernetes.core.k8s_info"]["namespace"]


def command_tasks(node):
    if isinstance(node, list):
        for item in node:
            yield from command_tasks(item)
    elif isinstance(node, dict):
        if "ansible.builtin.command" in node:
            yield node
        for value in node.values():
            yield from command_tasks(value)


def test_helm_is_called_one_way_per_job():
    """Modules where kubernetes.core has one; a helm command task for the rest (lint, package, test, history,
    rollback: kubernetes.core.helm_info shows only the current revision)."""
    helm_jobs = {}
    for path in role_yaml_files():
        if "/tasks/" not in path.as_posix():
            continue
        for task in command_tasks(yaml.safe_load(path.read_text())):
            argv = task["ansible.builtin.command"]["argv"]
            text = argv if isinstance(argv, str) else " ".join(map(str, argv))
            match = re.search(r"(chart|deploy)_helm_command\W+(\w+)", text)
            if match:
                helm_jobs.setdefault(match.group(2), []).append(path.relative_to(REPO_ROOT).as_posix())
            # no role runs helm through a script of its own any more
            assert "helm_chart.py" not in text, path
            assert "helper_script" not in text, path
    assert set(helm_jobs) == {"lint", "package", "test", "history", "rollback"}, helm_jobs
    # what the modules do is never a helm command (in any task, command or not)
    for path in role_yaml_files():
        text = path.read_text()
        assert not re.search(r"helm_command\W+'?(template|upgrade|install|uninstall|status|get)\b", text), path
    # the chart role's Python script reads the chart; it does not run helm
    script = (ROLES / "chart/files/chart_info.py").read_text()
    assert "subprocess" not in script
    chart_tasks = "".join(path.read_text() for path in sorted((ROLES / "chart/tasks").glob("*.yml")))
    assert "kubernetes.core.helm_template:" in chart_tasks


def test_the_minikube_role_loads_the_shared_file_through_its_link(tmp_path):
    """The real role (argument validation included) against the minikube TEST FIXTURE: no minikube here."""
    state = tmp_path / "minikube.json"
    profile = {"running": True, "driver": "docker", "cpus": 2, "memory": 4096, "kubernetes_version": "v1.37.0"}
    profile |= {"ip": "192.168.49.2", "addons": {"ingress": True, "metrics-server": True}, "workers": 0}
    state.write_text(
        json.dumps({"host": {"cpus": 4, "memory_mb": 8192, "docker_running": True}, "profiles": {"minikube": profile}})
    )
    playbook = tmp_path / "minikube.yml"
    playbook.write_text(
        yaml.safe_dump(
            [
                {
                    "name": "Run the minikube role",
                    "hosts": "localhost",
                    "gather_facts": False,
                    "tasks": [
                        {
                            "name": "Run it",
                            "ansible.builtin.include_role": {
                                "name": "cloudnative.todo_chatbot.minikube",
                                "public": True,
                            },
                            "vars": {
                                "minikube_binary_path": str(REPO_ROOT / "tests/fixtures/bin/minikube"),
                                "minikube_wait_for_ingress": False,
                            },
                        },
                        {
                            "name": "Show what it waits for",
                            "ansible.builtin.debug": {
                                "msg": "WAITS {{ minikube_ingress_namespace }} "
                                "{{ minikube_ingress_label_selectors | join(',') }} END"
                            },
                        },
                    ],
                }
            ]
        )
    )
    result = run_playbook(
        playbook,
        "-e",
        f"ansible_python_interpreter={sys.executable}",
        env={"MINIKUBE_FIXTURE_STATE": str(state)},
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    line = next(line for line in result.stdout.splitlines() if "WAITS " in line)
    chart = yaml.safe_load((ROLES / "chart/defaults/main/ingress_controller.yml").read_text())
    labels = ",".join(chart["chart_ingress_controller_label_selectors"])
    expected = f"{chart['chart_ingress_controller_namespace']} {labels}"
    assert line.split("WAITS ", 1)[1].split(" END", 1)[0] == expected
