"""The rule of tests/harness/services.py: a missing service fails the test in CI and skips it elsewhere.

Run for real: pytest in a child process with PostgreSQL at a closed port and no Chromium, once as a
developer runs it and once as CI does, through the shared helpers and through the backend's own fixtures.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from harness.backend import free_port
from harness.services import services_required

REPO_ROOT = Path(__file__).resolve().parents[3]

NEEDS_SERVICES = """
from harness.browser import chromium_path
from harness.postgres import require_postgres


def test_needs_postgres():
    require_postgres()


def test_needs_chromium():
    chromium_path()
"""


@pytest.mark.parametrize(
    ("environment", "strict"),
    [
        ({}, False),
        ({"CI": "true"}, True),
        ({"CI": "1"}, True),
        ({"CI": "false"}, False),
        ({"CI": "0"}, False),
        ({"CI": ""}, False),
        ({"TODO_TEST_REQUIRE_SERVICES": "1"}, True),
    ],
)
def test_what_counts_as_ci(monkeypatch, environment, strict):
    for name in ("CI", "TODO_TEST_REQUIRE_SERVICES"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert services_required() is strict


def run_without_services(tmp_path: Path, **environment: str) -> subprocess.CompletedProcess:
    test_file = tmp_path / "test_needs_services.py"
    test_file.write_text(NEEDS_SERVICES)
    env = {key: value for key, value in os.environ.items() if key not in ("CI", "TODO_TEST_REQUIRE_SERVICES")}
    env.update(
        TEST_DATABASE_URL=f"postgresql+psycopg://todo:todo@127.0.0.1:{free_port()}/todo_test",
        CHROMIUM_PATH=str(tmp_path / "no-chromium"),
        **environment,
    )
    command = [sys.executable, "-m", "pytest", "-c", str(REPO_ROOT / "pyproject.toml"), "--rootdir", str(REPO_ROOT)]
    command += ["-p", "no:randomly", "-q", "-rsfE", str(test_file)]
    command += [str(REPO_ROOT / "app" / "backend" / "tests" / "test_ops.py") + "::test_healthz"]
    return subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_outside_ci_a_missing_service_skips_saying_how_to_provide_it(tmp_path):
    result = run_without_services(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 skipped" in result.stdout, result.stdout
    assert "PostgreSQL at postgresql+psycopg://todo:***@127.0.0.1:" in result.stdout
    assert "set TEST_DATABASE_URL" in result.stdout
    assert "CHROMIUM_PATH set to a Chromium binary" in result.stdout


def test_in_ci_a_missing_service_fails(tmp_path):
    result = run_without_services(tmp_path, CI="true")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "skipped" not in result.stdout, result.stdout
    # The two helper calls fail in the test, the backend's fixture in its setup.
    assert "2 failed, 1 error" in result.stdout, result.stdout
    assert result.stdout.count("is not reachable") >= 2, result.stdout
    assert "a missing service fails the run when CI or TODO_TEST_REQUIRE_SERVICES is set" in result.stdout
