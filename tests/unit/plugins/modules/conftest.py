"""Run the collection's modules for real, as Ansible does: a Python process that
reads its arguments from a JSON file and prints a JSON result.

The AI CLI modules are exercised against the executable TEST FIXTURES in
tests/fixtures/bin (kubectl-ai, kagent, docker), which follow each tool's
documented interface; see the docstring at the top of each fixture.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[4]
FIXTURE_BIN = REPO_ROOT / "tests" / "fixtures" / "bin"
MODULE_PACKAGE = "ansible_collections.cloudnative.todo_chatbot.plugins.modules"


@pytest.fixture(scope="session")
def collections_root(tmp_path_factory):
    """A collections tree whose cloudnative/todo_chatbot is this checkout, wherever it lives."""
    root = tmp_path_factory.mktemp("collections")
    namespace = root / "ansible_collections" / "cloudnative"
    namespace.mkdir(parents=True)
    (namespace / "todo_chatbot").symlink_to(REPO_ROOT, target_is_directory=True)
    return root


@pytest.fixture
def run_module_process(collections_root, tmp_path):
    """run_module_process(name, args, check_mode=False, env=None, path_prefix=FIXTURE_BIN) -> result dict.

    env entries replace the module's environment entries (None removes one).
    The fixtures directory is put first on PATH unless path_prefix is None.
    """

    def run(name, args, *, check_mode=False, diff=True, env=None, path_prefix=FIXTURE_BIN):
        remote_tmp = tmp_path / "remote_tmp"
        remote_tmp.mkdir(exist_ok=True)
        payload = dict(args)
        payload.update(_ansible_check_mode=check_mode, _ansible_diff=diff, _ansible_remote_tmp=str(remote_tmp))
        args_file = tmp_path / (f"args-{name}.json")
        args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": payload}))
        environ = dict(os.environ)
        environ["PYTHONPATH"] = str(collections_root)
        if path_prefix is not None:
            environ["PATH"] = "{}{}{}".format(path_prefix, os.pathsep, environ.get("PATH", ""))
        for key, value in (env or {}).items():
            if value is None:
                environ.pop(key, None)
            else:
                environ[key] = value
        completed = subprocess.run(
            [sys.executable, "-m", f"{MODULE_PACKAGE}.{name}", str(args_file)],
            capture_output=True,
            text=True,
            env=environ,
            cwd=str(tmp_path),
            timeout=120,
            check=False,
        )
        try:
            result = json.loads(completed.stdout)
        except ValueError as exc:
            raise AssertionError(
                f"module {name} printed no JSON.\nstdout: {completed.stdout}\nstderr: {completed.stderr}"
            ) from exc
        result["_raw_output"] = completed.stdout
        return result

    return run
