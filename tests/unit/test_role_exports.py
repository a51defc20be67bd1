"""A role exports a fact only when a playbook or another role reads it, and exports each value once."""

from __future__ import annotations

from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]

# Facts that were exported and read by nothing (or were a second copy of another export).
# (chart_manifests_path came back, documented in the chart role's README and argument_specs, for a later reader.)
REMOVED = {
    "minikube_ip",
    "minikube_kube_context",
    "minikube_status",
    "images_refs",
    "images_backend_ref",
    "images_frontend_ref",
}


def set_facts(tasks):
    for task in tasks or []:
        if not isinstance(task, dict):
            continue
        for key in ("ansible.builtin.set_fact", "set_fact"):
            if isinstance(task.get(key), dict):
                yield from task[key]
        for nested in ("block", "rescue", "always"):
            yield from set_facts(task.get(nested))


def facts_set_by_roles():
    facts = {}
    for path in sorted((REPO_ROOT / "roles").glob("*/tasks/*.yml")):
        for fact in set_facts(yaml.safe_load(path.read_text())):
            facts.setdefault(fact, []).append(str(path.relative_to(REPO_ROOT)))
    return facts


def test_no_role_sets_a_fact_nothing_reads():
    facts = facts_set_by_roles()
    assert {fact: facts[fact] for fact in REMOVED if fact in facts} == {}


def test_every_exported_interface_fact_is_read_somewhere_else():
    # The documented outputs: who sets them, and that a playbook or another role reads them.
    exports = {"images_built": "roles/images", "chart_package_path": "roles/chart", "chart_values_path": "roles/chart"}
    readers = [
        path for path in [*REPO_ROOT.glob("playbooks/*.yml"), *REPO_ROOT.glob("roles/*/*/*.yml")] if path.is_file()
    ]
    for fact, owner in exports.items():
        assert any(fact in path.read_text() for path in readers if owner not in str(path)), fact
