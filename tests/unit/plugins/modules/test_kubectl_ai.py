"""cloudnative.todo_chatbot.kubectl_ai against the kubectl-ai TEST FIXTURE (tests/fixtures/bin/kubectl-ai)."""

import os
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.fixture_cli

FAKE_KEY = "AIzaFixtureKey-0123456789"


def kubectl_ai(run_module_process, tmp_path, check_mode=False, env=None, **args):
    environ = {"GEMINI_API_KEY": FAKE_KEY, "KUBECTL_AI_FIXTURE_CLUSTER_LOG": str(tmp_path / "cluster.log")}
    environ.update(env or {})
    return run_module_process("kubectl_ai", args, check_mode=check_mode, env=environ)


def cluster_log(tmp_path):
    path = tmp_path / "cluster.log"
    return path.read_text().splitlines() if path.exists() else []


def test_fixture_read_only_question_returns_answer_and_commands(run_module_process, tmp_path):
    result = kubectl_ai(run_module_process, tmp_path, prompt="check why the pods are failing")

    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is False
    assert "CrashLoopBackOff" in result["response"]
    assert "Running:" not in result["response"]
    assert [c["command"] for c in result["commands"]] == [
        "kubectl get pods -n todo",
        "kubectl describe pod todo-backend-7d9c6b5f4-x2k8p -n todo",
    ]
    assert all(c["ran"] and not c["mutating"] for c in result["commands"])
    assert "--quiet" in result["command"]
    assert "--skip-permissions" not in result["command"]
    assert "--trace-path" in result["command"]


def test_fixture_mutation_without_permission_fails_and_lists_blocked_commands(run_module_process, tmp_path):
    result = kubectl_ai(run_module_process, tmp_path, prompt="scale the backend to handle more load")

    assert result["failed"] is True
    assert result["blocked_commands"] == ["kubectl scale deployment todo-backend --replicas=3 -n todo"]
    assert "set allow_mutations: true" in result["msg"]
    assert "--check" in result["msg"]
    assert "--skip-permissions" not in result["msg"], "kubectl-ai's CLI flag means nothing to an Ansible user"
    assert "--skip-permissions" not in result["response"]
    assert result["changed"] is False
    assert cluster_log(tmp_path) == [], "a blocked command must never run"
    assert "--skip-permissions" not in result["command"]


def test_fixture_mutation_with_allow_mutations_runs_and_reports_changed(run_module_process, tmp_path):
    result = kubectl_ai(
        run_module_process, tmp_path, prompt="scale the backend to handle more load", allow_mutations=True
    )

    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True
    assert result["mutated"] is True
    assert "--skip-permissions" in result["command"]
    assert cluster_log(tmp_path) == ["kubectl scale deployment todo-backend --replicas=3 -n todo"]
    assert result["commands"][0]["modifies_resource"] == "yes"


def test_fixture_check_mode_never_mutates_and_reports_what_it_would_run(run_module_process, tmp_path):
    result = kubectl_ai(run_module_process, tmp_path, check_mode=True, prompt="scale the backend", allow_mutations=True)

    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True
    assert result["blocked_commands"] == ["kubectl scale deployment todo-backend --replicas=3 -n todo"]
    assert result["msg"].startswith("Check mode: kubectl-ai would run")
    assert "--skip-permissions" not in result["command"]
    assert cluster_log(tmp_path) == []


def test_fixture_iteration_limit_is_a_failure(run_module_process, tmp_path):
    result = kubectl_ai(run_module_process, tmp_path, prompt="loop over the pods", max_iterations=3)

    assert result["failed"] is True
    assert "Maximum number of iterations reached." in result["msg"]
    assert result["rc"] == 0, "kubectl-ai exits 0 at the limit; the module must still fail"
    assert len(result["commands"]) == 3
    assert "--max-iterations 3" in result["command"]


def test_fixture_llm_error_printed_with_exit_zero_is_a_failure(run_module_process, tmp_path):
    result = kubectl_ai(run_module_process, tmp_path, prompt="use up the quota")

    assert result["failed"] is True
    assert result["rc"] == 0
    assert "Error 429" in result["msg"]


def test_fixture_missing_api_key_fails_with_tool_message(run_module_process, tmp_path):
    result = kubectl_ai(run_module_process, tmp_path, env={"GEMINI_API_KEY": None}, prompt="check the pods")

    assert result["failed"] is True
    assert result["rc"] == 1
    assert "GEMINI_API_KEY" in result["stderr"]


def test_fixture_api_key_never_appears_in_results(run_module_process, tmp_path):
    secret = "sk-fixture-SECRET-42"
    # A key pasted into the prompt by mistake ends up on the command line; it must be masked there too.
    result = kubectl_ai(
        run_module_process,
        tmp_path,
        env={"OPENAI_API_KEY": None},
        prompt=f"check the pods (token {secret})",
        llm_provider="openai",
        api_key=secret,
    )

    assert not result.get("failed"), result.get("msg")
    assert secret not in result["_raw_output"]
    assert "********" in result["command"]


def test_fixture_env_fallback_key_is_redacted(run_module_process, tmp_path):
    result = kubectl_ai(run_module_process, tmp_path, prompt=f"check the pods, key {FAKE_KEY}")

    assert not result.get("failed"), result.get("msg")
    assert FAKE_KEY not in result["_raw_output"]


def test_fixture_context_uses_private_kubeconfig_copy(run_module_process, tmp_path):
    kubeconfig = tmp_path / "config"
    kubeconfig.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "prod",
                "contexts": [
                    {"name": "prod", "context": {"cluster": "p"}},
                    {"name": "minikube", "context": {"cluster": "m"}},
                ],
                "clusters": [],
                "users": [],
            }
        )
    )

    unknown = kubectl_ai(
        run_module_process, tmp_path, prompt="check the pods", kubeconfig=str(kubeconfig), context="staging"
    )
    assert unknown["failed"] is True
    assert "staging" in unknown["msg"]
    assert "minikube" in unknown["msg"]

    result = kubectl_ai(
        run_module_process, tmp_path, prompt="check the pods", kubeconfig=str(kubeconfig), context="minikube"
    )
    assert not result.get("failed"), result.get("msg")
    passed = result["command"].split("--kubeconfig ", 1)[1].split()[0]
    assert passed != str(kubeconfig)
    assert not os.path.exists(passed), "the temporary kubeconfig copy must be deleted after the run"
    assert yaml.safe_load(kubeconfig.read_text())["current-context"] == "prod", "the user's kubeconfig is untouched"


def test_missing_binary_fails_clearly(run_module_process, tmp_path):
    result = kubectl_ai(
        run_module_process, tmp_path, prompt="check the pods", binary_path=str(tmp_path / "no-such-kubectl-ai")
    )

    assert result["failed"] is True
    assert "not an executable file" in result["msg"]


def test_every_file_of_a_kubeconfig_list_is_read_first_one_winning(tmp_path, monkeypatch):
    from ansible_collections.cloudnative.todo_chatbot.plugins.modules import kubectl_ai as module

    first = tmp_path / "first"
    second = tmp_path / "second"
    first.write_text(
        yaml.safe_dump(
            {
                "current-context": "dev",
                "clusters": [{"name": "shared", "cluster": {"server": "https://first"}}],
                "contexts": [{"name": "dev", "context": {"cluster": "shared", "user": "me"}}],
                "users": [{"name": "me", "user": {"token": "a"}}],
            }
        )
    )
    second.write_text(
        yaml.safe_dump(
            {
                "current-context": "minikube",
                "clusters": [
                    {"name": "shared", "cluster": {"server": "https://second"}},
                    {"name": "minikube", "cluster": {"server": "https://192.168.49.2:8443"}},
                ],
                "contexts": [{"name": "minikube", "context": {"cluster": "minikube", "user": "minikube"}}],
                "users": [{"name": "minikube", "user": {"token": "b"}}],
            }
        )
    )

    class Module:
        def fail_json(self, **kwargs):
            raise AssertionError(kwargs)

    monkeypatch.setenv("KUBECONFIG", f"{first}:{tmp_path / 'missing'}:{second}")
    workdir = tmp_path / "work"
    workdir.mkdir()
    written = yaml.safe_load(Path(module.kubeconfig_with_context(Module(), None, "minikube", str(workdir))).read_text())
    assert written["current-context"] == "minikube"
    assert {c["name"] for c in written["contexts"]} == {"dev", "minikube"}
    shared = next(c for c in written["clusters"] if c["name"] == "shared")
    assert shared["cluster"]["server"] == "https://first", "the first file to name a cluster wins"
