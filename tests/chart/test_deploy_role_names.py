"""The deploy role reads the names of the release's objects from the chart role's manifests.yaml when the
chart role rendered that very package and values, and renders the release itself otherwise: both give the
same names (real helm; no cluster)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml
from harness.playbook import run_playbook

REPO_ROOT = Path(__file__).resolve().parents[2]
IMAGES = {
    "backend": {"repository": "todo-chatbot-backend", "tag": "0.1.0-abc"},
    "frontend": {"repository": "todo-chatbot-frontend", "tag": "0.1.0-def"},
}


def test_names_from_the_chart_role_s_manifests_equal_a_render_of_the_release(tmp_path):
    show = "NAMES {{ [deploy_tls_secret, deploy_frontend_service, deploy_postgresql_statefulset] | to_json }} END"
    names_from = {
        "manifests": "{{ chart_manifests_path }}",
        "render": "",
    }
    playbook = tmp_path / "names.yml"
    playbook.write_text(
        yaml.safe_dump(
            [
                {
                    "name": "Chart role, then the deploy role's names both ways",
                    "hosts": "localhost",
                    "gather_facts": False,
                    "vars": {
                        "chart_build_dir": str(tmp_path / "build"),
                        "chart_images": IMAGES,
                        "chart_ingress_tls_enabled": True,
                        "chart_ingress_tls_secret": "",
                    },
                    "tasks": [
                        {"name": "Chart", "ansible.builtin.include_role": {"name": "cloudnative.todo_chatbot.chart"}},
                        *[
                            task
                            for way, manifests in names_from.items()
                            for task in (
                                {
                                    "name": f"Names by {way}",
                                    "ansible.builtin.include_role": {
                                        "name": "cloudnative.todo_chatbot.deploy",
                                        "tasks_from": "names",
                                        "public": True,
                                    },
                                    "vars": {"deploy_manifests_file": manifests},
                                },
                                {"name": f"Show by {way}", "ansible.builtin.debug": {"msg": f"{way.upper()} {show}"}},
                            )
                        ],
                    ],
                }
            ]
        )
    )
    result = run_playbook(playbook, "-e", f"ansible_python_interpreter={sys.executable}", timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    names = {}
    for way in names_from:
        line = next(line for line in output.splitlines() if f"{way.upper()} NAMES " in line)
        names[way] = line.split("NAMES ", 1)[1].split(" END", 1)[0]
    assert names["manifests"] == names["render"], names
    assert names["render"] == '["todo-chatbot-tls", "todo-chatbot-frontend", "todo-chatbot-postgresql"]', names
    # the manifests way did not render; the render way did
    renders = output.split("TASK [cloudnative.todo_chatbot.deploy : Render the release with Helm")[1:]
    outcomes = [re.search(r"^(ok|changed|skipping|fatal):", part, re.MULTILINE).group(1) for part in renders]
    assert outcomes == ["skipping", "ok"], outcomes
