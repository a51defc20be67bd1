"""Secrets stay out of output and off disk: static checks of the deploy and chart roles.

Ansible prints a task's arguments and result at -v/-vvv unless the task has no_log, so every task
that templates a secret into its arguments, or registers a result that holds one, must have it.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROLES = Path(__file__).resolve().parents[2] / "roles"
# Variables that hold a secret value, or a registered result that contains one.
SECRET_VARIABLES = re.compile(
    r"\b(deploy_jwt_secret|deploy_postgresql_password|deploy_openai_api_key|deploy_database_url"
    r"|deploy_credentials|deploy_existing_credentials|deploy_existing_data|deploy_generated_\w+"
    r"|deploy_credentials_data|deploy_existing_secret|deploy_smoke_signup|deploy_smoke_password)\b"
)
# Keys that Ansible evaluates without printing their values.
SILENT_KEYS = {"name", "when", "no_log", "loop_control", "tags", "register", "changed_when", "failed_when"}


def tasks_in(entries):
    for task in entries or []:
        yield task
        for key in ("block", "rescue", "always"):
            yield from tasks_in(task.get(key))


def deploy_tasks():
    for path in sorted((ROLES / "deploy" / "tasks").glob("*.yml")):
        for task in tasks_in(yaml.safe_load(path.read_text())):
            if not any(key in task for key in ("block", "rescue", "always")):
                yield path.name, task


def printed_text(task: dict) -> str:
    """The Jinja expressions in the keys Ansible shows (prose naming a variable is harmless)."""
    shown = yaml.safe_dump({key: value for key, value in task.items() if key not in SILENT_KEYS}, width=10_000)
    return "\n".join(re.findall(r"\{\{.*?\}\}", shown, re.DOTALL))


def test_every_task_touching_a_secret_has_no_log():
    offenders = [
        f"{file}: {task.get('name')}"
        for file, task in deploy_tasks()
        if (SECRET_VARIABLES.search(printed_text(task)) or SECRET_VARIABLES.fullmatch(str(task.get("register", ""))))
        and task.get("no_log") is not True
    ]
    assert offenders == []


def test_the_check_finds_secret_tasks():
    """Guards the check above: it must see the tasks that really do handle secrets."""
    secret_tasks = {
        task["name"]
        for _, task in deploy_tasks()
        if SECRET_VARIABLES.search(printed_text(task) + str(task.get("register")))
    }
    assert {"Assemble the credentials", "Read the credentials Secret already in the cluster", "Chat to add a task"} <= (
        secret_tasks
    )
    assert any(name.startswith("Write the credentials Secret") for name in secret_tasks)


def test_secret_options_are_marked_no_log_in_the_argument_spec():
    spec = yaml.safe_load((ROLES / "deploy" / "meta" / "argument_specs.yml").read_text())
    options = spec["argument_specs"]["main"]["options"]
    for name in ("deploy_jwt_secret", "deploy_postgresql_password", "deploy_openai_api_key", "deploy_database_url"):
        assert options[name].get("no_log") is True, name


def test_the_chart_role_values_never_carry_secrets():
    """The values file lands on disk, so the chart role only ever names the credentials Secret."""
    values_sources = (ROLES / "chart" / "vars" / "main.yml").read_text() + (
        ROLES / "chart" / "templates" / "values.yaml.j2"
    ).read_text()
    for forbidden in ("jwtSecret", "openaiApiKey", "password:", "url:", "vault_", "deploy_"):
        assert forbidden not in values_sources, forbidden
    assert 'existingSecret: "{{ chart_existing_secret }}"' in values_sources
