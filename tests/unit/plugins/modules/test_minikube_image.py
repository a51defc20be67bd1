"""The minikube_image module against the TEST FIXTURE tests/fixtures/images/minikube (minikube's
documented `image ls` / `image load` interface, see its docstring), run as Ansible runs a module."""

import json
from pathlib import Path

import pytest

FIXTURE = Path(__file__).resolve().parents[3] / "fixtures" / "images" / "minikube"


@pytest.fixture
def cluster(tmp_path, monkeypatch):
    state_file = tmp_path / "fixture-state.json"
    monkeypatch.setenv("MINIKUBE_IMAGES_FIXTURE_STATE", str(state_file))

    class Cluster:
        def holds(self, *images, profile="molecule"):
            state_file.write_text(json.dumps({"profiles": {profile: list(images)}, "calls": []}))

        def calls(self):
            return json.loads(state_file.read_text())["calls"]

    return Cluster()


def test_only_missing_images_are_listed_for_loading_in_check_mode(run_module_process, cluster):
    cluster.holds("docker.io/library/backend:1", "registry.example.com/x/frontend:1")
    result = run_module_process(
        "minikube_image",
        {
            "profile": "molecule",
            "binary_path": str(FIXTURE),
            "images": ["backend:1", "registry.example.com/x/frontend:1", "frontend:2"],
        },
        check_mode=True,
    )
    assert result["changed"] is True
    assert result["loaded"] == ["frontend:2"]
    assert [call for call in cluster.calls() if "load" in call] == [], "check mode loads nothing"


def test_a_present_image_is_not_loaded_again(run_module_process, cluster):
    cluster.holds("docker.io/library/backend:1")
    result = run_module_process(
        "minikube_image", {"profile": "molecule", "binary_path": str(FIXTURE), "images": ["backend:1"]}
    )
    assert result["changed"] is False
    assert result["loaded"] == []
    assert cluster.calls() == [["image", "ls", "--format", "short", "-p", "molecule"]]


def test_an_unknown_profile_fails_with_the_runner_s_failure_keys(run_module_process, cluster):
    cluster.holds()
    result = run_module_process(
        "minikube_image", {"profile": "absent", "binary_path": str(FIXTURE), "images": ["backend:1"]}
    )
    assert result["failed"] is True
    assert result["error_kind"] == "profile_not_found"
    assert result["command"][-2:] == ["-p", "absent"]


def test_a_binary_path_that_is_not_executable_fails(run_module_process, tmp_path, cluster):
    not_executable = tmp_path / "minikube"
    not_executable.write_text("")
    result = run_module_process("minikube_image", {"binary_path": str(not_executable), "images": ["backend:1"]})
    assert result["failed"] is True
    assert result["error_kind"] == "minikube_missing"
