"""cloudnative.todo_chatbot.gordon against the `docker ai` TEST FIXTURE (tests/fixtures/bin/docker)
and, for the unavailable case, against the real docker CLI when one is installed."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.fixture_cli

FIXTURE_BIN = Path(__file__).resolve().parents[4] / "tests" / "fixtures" / "bin"

DOCKERFILE = "FROM python:3.11\nCOPY . /app\nCMD python /app/main.py\n"


def gordon(run_module_process, check_mode=False, env=None, path_prefix=FIXTURE_BIN, **args):
    return run_module_process("gordon", args, check_mode=check_mode, env=env, path_prefix=path_prefix)


@pytest.fixture
def project(tmp_path):
    app = tmp_path / "project" / "backend"
    app.mkdir(parents=True)
    (app / "Dockerfile").write_text(DOCKERFILE)
    return tmp_path / "project"


def test_fixture_detects_gordon_and_answers(run_module_process):
    result = gordon(run_module_process, prompt="What can you do?")

    assert not result.get("failed"), result.get("msg")
    assert result["available"] is True
    assert result["version"] == "Gordon version 0.0.0-test-fixture"
    assert "Dockerfiles" in result["reply"]
    assert result["changed"] is False


def test_fixture_dest_saves_code_block_idempotently(run_module_process, project, tmp_path):
    dest = tmp_path / "Dockerfile.gordon"
    args = {
        "prompt": "Rate our Dockerfiles",
        "working_dir": str(project),
        "dest": str(dest),
        "save": "code_block",
        "mode": "0600",
    }

    first = gordon(run_module_process, **args)
    assert not first.get("failed"), first.get("msg")
    assert first["changed"] is True
    assert "backend/Dockerfile: 7/10" in first["reply"]
    assert dest.read_text().startswith("FROM ")
    assert "```" not in dest.read_text()
    assert oct(dest.stat().st_mode & 0o777) == "0o600"

    second = gordon(run_module_process, **args)
    assert second["changed"] is False

    dest.write_text("FROM scratch\n")
    checked = gordon(run_module_process, check_mode=True, **args)
    assert checked["changed"] is True
    assert checked["diff"]["before"] == "FROM scratch\n"
    assert dest.read_text() == "FROM scratch\n", "check mode must not write dest"


def test_fixture_code_block_missing_fails(run_module_process, tmp_path):
    result = gordon(run_module_process, prompt="What can you do?", dest=str(tmp_path / "out"), save="code_block")

    assert result["failed"] is True
    assert "no fenced code block" in result["msg"]
    assert not (tmp_path / "out").exists()


def test_fixture_gordon_disabled_returns_unavailable_with_reason(run_module_process):
    result = gordon(run_module_process, env={"DOCKER_AI_FIXTURE_STATE": "disabled"}, prompt="What can you do?")

    assert not result.get("failed"), result.get("msg")
    assert result["available"] is False
    assert result["reason"] == "docker: unknown command: docker ai"
    assert "reply" not in result
    assert "rc" not in result, "a non-zero rc would make Ansible mark the task failed"


def test_fixture_gordon_disabled_and_required_fails(run_module_process):
    result = gordon(run_module_process, env={"DOCKER_AI_FIXTURE_STATE": "disabled"}, required=True)

    assert result["failed"] is True
    assert "not available" in result["msg"]


def test_no_docker_cli_is_unavailable(run_module_process, tmp_path):
    result = gordon(run_module_process, binary_path=str(tmp_path / "no-docker"))

    assert result["available"] is False
    assert "docker CLI not found" in result["reason"]


def real_docker_without_gordon():
    fixture = str(FIXTURE_BIN / "docker")
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        candidate = os.path.join(directory, "docker")
        if os.path.realpath(candidate) != os.path.realpath(fixture) and os.access(candidate, os.X_OK):
            probe = subprocess.run(
                [candidate, "ai", "version"], capture_output=True, text=True, timeout=30, check=False
            )
            return candidate if probe.returncode != 0 else None
    return None


@pytest.mark.skipif(shutil.which("docker") is None, reason="no real docker CLI installed on this machine")
def test_real_docker_cli_without_gordon_is_unavailable(run_module_process):
    docker = real_docker_without_gordon()
    if docker is None:
        pytest.skip("the real docker CLI here has Gordon; nothing to check")

    result = gordon(run_module_process, binary_path=docker, prompt="What can you do?", path_prefix=None)

    assert not result.get("failed"), result.get("msg")
    assert result["available"] is False
    assert "ai" in result["reason"]
    assert "rc" not in result, "a non-zero rc would make Ansible mark the task failed"
    assert "docker ai version" in result["command"]
