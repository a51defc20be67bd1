"""Unit tests of the minikube module against the TEST FIXTURE CLI tests/fixtures/bin/minikube.

The fixture follows minikube's documented JSON output and exit codes (see its docstring);
the module really executes it, so these tests cover argument building, output parsing
and exit-code handling end to end, without a cluster.
"""

import json
from pathlib import Path

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.cloudnative.todo_chatbot.plugins.modules import (
    minikube as minikube_module,
)

pytestmark = pytest.mark.fixture_cli

FIXTURE_MINIKUBE = Path(__file__).resolve().parents[3] / "fixtures" / "bin" / "minikube"


class ModuleExit(Exception):
    def __init__(self, result, failed):
        super().__init__(result)
        self.result = result
        self.failed = failed


@pytest.fixture(autouse=True)
def capture_module_exit(monkeypatch):
    def exit_json(self, **kwargs):
        raise ModuleExit(kwargs, failed=False)

    def fail_json(self, msg, **kwargs):
        kwargs["msg"] = msg
        raise ModuleExit(kwargs, failed=True)

    monkeypatch.setattr(minikube_module.AnsibleModule, "exit_json", exit_json)
    monkeypatch.setattr(minikube_module.AnsibleModule, "fail_json", fail_json)


def running_profile(**overrides):
    profile = {
        "running": True,
        "driver": "docker",
        "cpus": 2,
        "memory": 4096,
        "kubernetes_version": "v1.37.0",
        "ip": "192.168.49.2",
        "addons": {
            "ingress": True,
            "metrics-server": True,
            "storage-provisioner": True,
        },
    }
    profile.update(overrides)
    return profile


@pytest.fixture
def fixture_state(tmp_path, monkeypatch):
    """Write the fixture CLI's state file; return helpers to read it back."""
    state_file = tmp_path / "minikube-fixture-state.json"
    monkeypatch.setenv("MINIKUBE_FIXTURE_STATE", str(state_file))

    class State:
        def write(self, profiles=None, host=None):
            state = {
                "host": host or {"cpus": 4, "memory_mb": 8192, "docker_running": True},
                "profiles": profiles or {},
                "calls": [],
            }
            state_file.write_text(json.dumps(state))

        def read(self):
            return json.loads(state_file.read_text())

        def commands(self):
            """First word(s) of every fixture invocation, e.g. ['status', 'addons enable']."""
            names = []
            for call in self.read()["calls"]:
                names.append(" ".join(call[:2]) if call[0] in ("addons", "profile") else call[0])
            return names

    return State()


def run_module(**params):
    params.setdefault("binary_path", str(FIXTURE_MINIKUBE))
    with patch_module_args(params), pytest.raises(ModuleExit) as raised:
        minikube_module.main()
    return raised.value


def test_running_profile_with_all_addons_is_left_alone(fixture_state):
    fixture_state.write(profiles={"minikube": running_profile()})

    outcome = run_module()

    assert not outcome.failed
    assert outcome.result["changed"] is False
    assert outcome.result["started"] is False
    assert outcome.result["addons_enabled"] == []
    assert outcome.result["ip"] == "192.168.49.2"
    assert outcome.result["kube_context"] == "minikube"
    assert outcome.result["status"]["APIServer"] == "Running"
    assert "start" not in fixture_state.commands()
    assert "addons enable" not in fixture_state.commands()


def test_running_profile_enables_only_the_missing_addon(fixture_state):
    fixture_state.write(profiles={"minikube": running_profile(addons={"ingress": False, "metrics-server": True})})

    outcome = run_module()

    assert outcome.result["changed"] is True
    assert outcome.result["addons_enabled"] == ["ingress"]
    enable_calls = [call for call in fixture_state.read()["calls"] if call[:2] == ["addons", "enable"]]
    assert enable_calls == [["addons", "enable", "ingress", "-p", "minikube"]]
    assert fixture_state.read()["profiles"]["minikube"]["addons"]["ingress"] is True
    assert "start" not in fixture_state.commands()


def test_multi_node_status_list_reports_the_control_plane(fixture_state):
    fixture_state.write(profiles={"minikube": running_profile(workers=2)})

    outcome = run_module()

    assert outcome.result["changed"] is False
    assert outcome.result["status"]["Name"] == "minikube"
    assert outcome.result["status"]["Worker"] is False


def test_stopped_profile_is_started_and_reported_running(fixture_state):
    fixture_state.write(profiles={"dev": running_profile(running=False)})

    outcome = run_module(profile="dev")

    assert outcome.result["changed"] is True
    assert outcome.result["started"] is True
    assert outcome.result["status"]["Host"] == "Running"
    assert outcome.result["kube_context"] == "dev"
    assert fixture_state.read()["profiles"]["dev"]["running"] is True


def test_absent_profile_is_created_with_requested_settings(fixture_state):
    fixture_state.write()

    outcome = run_module(cpus=2, memory="4g", kubernetes_version="v1.36.0", addons=["ingress"])

    assert not outcome.failed, outcome.result
    assert outcome.result["started"] is True
    assert outcome.result["addons_enabled"] == ["ingress"]
    assert outcome.result["ip"] == "192.168.49.2"
    start_call = next(call for call in fixture_state.read()["calls"] if call[0] == "start")
    assert "--driver=docker" in start_call
    assert "--cpus=2" in start_call
    assert "--memory=4g" in start_call
    assert "--kubernetes-version=v1.36.0" in start_call
    assert "--output=json" in start_call
    created = fixture_state.read()["profiles"]["minikube"]
    assert created["memory"] == 4096
    assert created["kubernetes_version"] == "v1.36.0"


def test_second_run_after_creation_changes_nothing(fixture_state):
    fixture_state.write()
    run_module()

    outcome = run_module()

    assert outcome.result["changed"] is False


def test_check_mode_on_absent_profile_reports_but_runs_nothing(fixture_state):
    fixture_state.write()

    outcome = run_module(_ansible_check_mode=True)

    assert outcome.result["changed"] is True
    assert outcome.result["started"] is True
    assert outcome.result["addons_enabled"] == ["ingress", "metrics-server"]
    assert outcome.result["ip"] is None
    assert fixture_state.read()["profiles"] == {}
    assert set(fixture_state.commands()) == {"status"}


def test_check_mode_on_running_profile_lists_missing_addons_without_enabling(
    fixture_state,
):
    fixture_state.write(profiles={"minikube": running_profile(addons={"ingress": True})})

    outcome = run_module(_ansible_check_mode=True)

    assert outcome.result["changed"] is True
    assert outcome.result["addons_enabled"] == ["metrics-server"]
    assert "addons enable" not in fixture_state.commands()
    assert fixture_state.read()["profiles"]["minikube"]["addons"].get("metrics-server") is not True


def test_state_absent_deletes_existing_profile(fixture_state):
    fixture_state.write(profiles={"minikube": running_profile()})

    outcome = run_module(state="absent")

    assert outcome.result["changed"] is True
    assert outcome.result["deleted"] is True
    assert fixture_state.read()["profiles"] == {}


def test_state_absent_on_missing_profile_is_unchanged(fixture_state):
    fixture_state.write()

    outcome = run_module(state="absent")

    assert outcome.result["changed"] is False
    assert "delete" not in fixture_state.commands()


def test_check_mode_absent_keeps_the_profile(fixture_state):
    fixture_state.write(profiles={"minikube": running_profile()})

    outcome = run_module(state="absent", _ansible_check_mode=True)

    assert outcome.result["deleted"] is True
    assert "minikube" in fixture_state.read()["profiles"]


def test_missing_binary_fails_with_clear_message(fixture_state, tmp_path, monkeypatch):
    fixture_state.write()
    monkeypatch.setenv("PATH", str(tmp_path))

    outcome = run_module(binary_path=None)

    assert outcome.failed
    assert outcome.result["error_kind"] == "minikube_missing"
    assert "minikube binary was not found" in outcome.result["msg"]


def test_a_start_that_hangs_is_stopped_at_the_timeout(fixture_state):
    fixture_state.write(host={"cpus": 4, "memory_mb": 8192, "docker_running": True, "start_hangs": True})

    outcome = run_module(timeout=2)

    assert outcome.failed
    assert outcome.result["error_kind"] == "timeout"
    assert "did not finish within 2 seconds" in outcome.result["msg"]


def test_a_binary_path_that_is_not_executable_is_refused(fixture_state, tmp_path):
    fixture_state.write()
    not_executable = tmp_path / "minikube"
    not_executable.write_text("#!/bin/sh\n")

    outcome = run_module(binary_path=str(not_executable))

    assert outcome.failed
    assert outcome.result["error_kind"] == "minikube_missing"
    assert "is not an executable file" in outcome.result["msg"]


def test_docker_not_running_fails_with_minikubes_own_message(fixture_state):
    fixture_state.write(host={"cpus": 4, "memory_mb": 8192, "docker_running": False})

    outcome = run_module()

    assert outcome.failed
    assert outcome.result["error_kind"] == "driver_unavailable"
    assert outcome.result["minikube_reason"] == "DRV_DOCKER_NOT_RUNNING"
    assert outcome.result["rc"] == 55
    assert "the docker service isn't running" in outcome.result["msg"]


def test_too_many_cpus_fails_as_insufficient_resources(fixture_state):
    fixture_state.write(host={"cpus": 2, "memory_mb": 8192, "docker_running": True})

    outcome = run_module(cpus=8)

    assert outcome.failed
    assert outcome.result["error_kind"] == "insufficient_resources"
    assert outcome.result["minikube_reason"] == "RSRC_INSUFFICIENT_CORES"
    assert "Requested cpu count 8 is greater than the available cpus of 2" in outcome.result["msg"]
    assert fixture_state.read()["profiles"] == {}


def test_too_much_memory_carries_minikubes_advice(fixture_state):
    fixture_state.write(host={"cpus": 4, "memory_mb": 2048, "docker_running": True})

    outcome = run_module(memory="4096")

    assert outcome.failed
    assert outcome.result["rc"] == 23
    assert outcome.result["minikube_reason"] == "RSRC_INSUFFICIENT_SYS_MEMORY"
    assert "--memory=2048mb" in outcome.result["msg"]


def test_unknown_addon_fails_before_enabling_anything(fixture_state):
    fixture_state.write(profiles={"minikube": running_profile(addons={})})

    outcome = run_module(addons=["metrics-server", "no-such-addon"])

    assert outcome.failed
    assert "no-such-addon" in outcome.result["msg"]
    assert "addons enable" not in fixture_state.commands()


def test_existing_profile_with_other_settings_warns_and_reports_drift(fixture_state, monkeypatch):
    fixture_state.write(profiles={"minikube": running_profile(cpus=2, memory=4096)})
    warnings = []
    monkeypatch.setattr(
        minikube_module.AnsibleModule,
        "warn",
        lambda self, message: warnings.append(message),
    )

    outcome = run_module(cpus=4, memory="4096", kubernetes_version="1.37.0")

    assert outcome.result["changed"] is False
    assert outcome.result["config_drift"] == {"cpus": {"existing": 2, "requested": 4}}
    assert len(warnings) == 1
    assert "cannot change them" in warnings[0]
    assert "start" not in fixture_state.commands()


def test_invalid_memory_value_is_rejected_before_running_minikube(fixture_state):
    fixture_state.write()

    outcome = run_module(memory="lots")

    assert outcome.failed
    assert "memory must be" in outcome.result["msg"]
    assert fixture_state.read()["calls"] == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("4096", 4096),
        ("4096mb", 4096),
        ("4g", 4096),
        ("2GB", 2048),
        ("lots", None),
        (None, None),
    ],
)
def test_memory_notation_is_converted_to_mb(value, expected):
    assert minikube_module.memory_in_mb(value) == expected
