"""cloudnative.todo_chatbot.kagent against the kagent TEST FIXTURE (tests/fixtures/bin/kagent)."""

import pytest

pytestmark = pytest.mark.fixture_cli


def kagent(run_module_process, tmp_path, check_mode=False, env=None, **args):
    environ = {"KAGENT_FIXTURE_CLUSTER_LOG": str(tmp_path / "cluster.log")}
    environ.update(env or {})
    return run_module_process("kagent", args, check_mode=check_mode, env=environ)


def test_fixture_completed_task_returns_answer_and_read_only_tool_calls(run_module_process, tmp_path):
    result = kagent(run_module_process, tmp_path, task="analyze the cluster health")

    assert not result.get("failed"), result.get("msg")
    assert result["state"] == "completed"
    assert result["changed"] is False
    assert "CrashLoopBackOff" in result["response"]
    assert [call["name"] for call in result["tool_calls"]] == ["k8s_get_resources", "k8s_get_events"]
    assert "--agent k8s-agent" in result["command"]
    assert "--namespace kagent" in result["command"]
    assert result["context_id"]


def test_fixture_input_required_is_reported_with_the_question(run_module_process, tmp_path):
    result = kagent(run_module_process, tmp_path, task="optimize resource allocation")

    assert not result.get("failed"), result.get("msg")
    assert result["state"] == "input-required"
    assert "Shall I set requests" in result["response"]
    assert "input-required" in str(result.get("warnings")), "the waiting state is surfaced as a warning"


def test_fixture_failed_task_fails(run_module_process, tmp_path):
    result = kagent(run_module_process, tmp_path, task="this will fail")

    assert result["failed"] is True
    assert result["state"] == "failed"
    assert "rate limit" in result["msg"]


def test_fixture_error_on_stderr_with_exit_zero_is_a_failure(run_module_process, tmp_path):
    result = kagent(run_module_process, tmp_path, task="analyze the cluster health", agent="no-such-agent")

    assert result["failed"] is True
    assert result["rc"] == 0, "kagent exits 0 on errors; the module must look at stderr"
    assert "Error invoking session" in result["msg"]


def test_fixture_unreachable_controller_is_a_failure(run_module_process, tmp_path):
    result = kagent(
        run_module_process, tmp_path, env={"KAGENT_FIXTURE_SERVER": "down"}, task="analyze the cluster health"
    )

    assert result["failed"] is True
    assert "port-forward" in result["msg"]


def test_fixture_mutating_tool_call_reports_changed(run_module_process, tmp_path):
    result = kagent(run_module_process, tmp_path, task="scale todo-backend to 3", url="http://127.0.0.1:8083")

    assert not result.get("failed"), result.get("msg")
    assert result["changed"] is True
    assert result["tool_calls"][0] == {
        "name": "k8s_scale",
        "args": {"name": "todo-backend", "namespace": "todo", "replicas": 3},
        "mutating": True,
    }
    assert "--kagent-url http://127.0.0.1:8083" in result["command"]


def test_fixture_check_mode_does_not_invoke_the_agent(run_module_process, tmp_path):
    result = kagent(run_module_process, tmp_path, check_mode=True, task="scale todo-backend to 3")

    assert result.get("skipped") is True
    assert not (tmp_path / "cluster.log").exists()


def test_namespaced_agent_name_is_rejected(run_module_process, tmp_path):
    result = kagent(run_module_process, tmp_path, task="analyze", agent="kagent/k8s-agent")

    assert result["failed"] is True
    assert "namespace option" in result["msg"]
