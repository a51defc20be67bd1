"""plugins/module_utils/kubectl_ai_trace.py: reading kubectl-ai's refusals, output and commands, as pure functions.

The module itself, run against the kubectl-ai TEST FIXTURE, is tested in tests/unit/plugins/modules/test_kubectl_ai.py.
"""

import pytest

from ansible_collections.cloudnative.todo_chatbot.plugins.module_utils import kubectl_ai_trace as trace

REFUSAL = (
    "RunOnce mode cannot handle permission requests. The following commands require approval:\n"
    "{bullets}\nUse --skip-permissions flag to bypass permission checks in RunOnce mode."
)


@pytest.mark.parametrize("bullet", ["* ", "\u2022 ", "- ", "  \u2022  "])
def test_the_refusal_lists_its_commands_whatever_the_bullet(bullet):
    stdout = REFUSAL.format(bullets=f"{bullet}kubectl scale deployment web --replicas=0\n{bullet}kubectl delete pod x")
    assert trace.parse_blocked_commands(stdout) == [
        "kubectl scale deployment web --replicas=0",
        "kubectl delete pod x",
    ]


def test_a_refusal_whose_commands_cannot_be_read_falls_back_to_the_traced_calls():
    stdout = REFUSAL.format(bullets="  > kubectl scale deployment web --replicas=0")
    calls = [
        {"command": "kubectl get deploy", "mutating": False, "ran": True},
        {"command": "kubectl scale deployment web --replicas=0", "mutating": True, "ran": False},
    ]
    assert trace.refused_commands(stdout, calls) == ["kubectl scale deployment web --replicas=0"]
    assert trace.refused_commands("All pods are running.", calls) == [], "no refusal, nothing blocked"


def test_kubectl_ais_cli_advice_is_removed_from_what_the_task_shows():
    text = trace.without_cli_advice(REFUSAL.format(bullets="* kubectl delete pod x"))
    assert "--skip-permissions" not in text
    assert "* kubectl delete pod x" in text


@pytest.mark.parametrize(
    ("command", "modifies"),
    [
        ("kubectl get pods -n todo", "no"),
        ("kubectl -n todo get pods", "no"),
        ("kubectl --context=minikube describe deploy/x", "no"),
        ("kubectl auth can-i create pods", "no"),
        ("kubectl auth whoami", "no"),
        ("kubectl auth reconcile -f rbac.yaml", "yes"),
        ("kubectl -n todo rollout status deploy/todo-backend", "no"),
        ("kubectl rollout undo deploy/todo-backend", "yes"),
        ("kubectl config view", "no"),
        ("kubectl config use-context other", "yes"),
        ("kubectl scale deployment x --replicas=3", "yes"),
        ("kubectl delete pod x", "yes"),
        ("helm list", "unknown"),
    ],
)
def test_commands_without_a_declaration_are_classified_by_verb_and_subcommand(command, modifies):
    tool = "kubectl" if command.startswith("kubectl") else "bash"
    assert trace.declared_modification(tool, {"command": command}) == modifies
    assert trace.declared_modification("kubectl", {"command": command, "modifies_resource": "no"}) == "no"


TRACE = """\
timestamp: 2026-01-01T00:00:00Z
action: tool-request
payload:
  id: a
  name: kubectl
  arguments: {command: kubectl get pods -n todo, modifies_resource: "no"}
---
timestamp: 2026-01-01T00:00:01Z
action: tool-request
payload:
  id: b
  name: kubectl
  arguments: {command: kubectl delete pod x}
---
timestamp: 2026-01-01T00:00:02Z
action: tool-response
payload:
  id: a
  response: {stdout: "web-1 Running", exit_code: 0}
"""


def test_the_trace_pairs_each_request_with_its_response():
    assert trace.parse_trace(TRACE) == [
        {
            "tool": "kubectl",
            "command": "kubectl get pods -n todo",
            "modifies_resource": "no",
            "mutating": False,
            "ran": True,
            "exit_code": 0,
            "error": "",
        },
        {
            "tool": "kubectl",
            "command": "kubectl delete pod x",
            "modifies_resource": "yes",
            "mutating": True,
            "ran": False,
            "exit_code": None,
            "error": "",
        },
    ]


def test_the_answer_drops_the_echo_of_each_command_and_an_error_counts_only_at_the_end():
    calls = [{"command": "kubectl get pods -n todo"}]
    stdout = "Running: kubectl get pods -n todo\nAll pods are running.\n"
    assert trace.answer_text(stdout, calls) == "All pods are running."
    assert trace.agent_error("Error: quota exceeded\n") == "Error: quota exceeded"
    assert trace.agent_error("The log said\nError: quota exceeded\nwhich was fixed later.") is None
