"""plugins/module_utils/ai_cli.py: the runner every AI CLI module uses, run against real processes."""

import os
import sys
import time

import pytest

from ansible_collections.cloudnative.todo_chatbot.plugins.module_utils import ai_cli


class FailJson(Exception):
    pass


class RecordingModule:
    """The part of AnsibleModule the runner uses; fail_json raises so tests can inspect it."""

    def __init__(self, **params):
        self.params = {"binary_path": None, "timeout": ai_cli.DEFAULT_TIMEOUT}
        self.params.update(params)
        self.no_log_values = set()

    def get_bin_path(self, name, required=False):
        for directory in os.environ.get("PATH", "").split(os.pathsep):
            candidate = os.path.join(directory, name)
            if os.access(candidate, os.X_OK):
                return candidate
        return None

    def fail_json(self, **kwargs):
        raise FailJson(kwargs)


def python_runner(secrets=(), **params):
    module = RecordingModule(binary_path=sys.executable, **params)
    return module, ai_cli.AICLIRunner(module, "python3", secrets=secrets)


def test_strip_ansi_removes_colour_and_osc_sequences():
    coloured = "\x1b[31mError: boom\x1b[0m \x1b]8;;http://x\x07link\x1b]8;;\x07"
    assert ai_cli.strip_ansi(coloured) == "Error: boom link"


def test_redact_masks_longest_secret_first_and_ignores_empty():
    assert ai_cli.redact("key=abc123 and abc", ["abc", "abc123", ""]) == "key=******** and ********"


def test_run_redacts_secret_from_output_and_command_and_registers_no_log():
    module, runner = python_runner(secrets=["hunter2-secret"])
    result = runner.run(
        ["-c", "import sys; print('out hunter2-secret'); sys.stderr.write('err hunter2-secret')", "hunter2-secret"]
    )

    assert result.rc == 0
    assert result.stdout.strip() == "out ********"
    assert result.stderr == "err ********"
    assert "hunter2-secret" not in result.command
    assert "hunter2-secret" in module.no_log_values


def test_run_gives_the_child_dev_null_as_stdin():
    # kubectl-ai reads stdin as extra prompt text unless stdin is a character device.
    _, runner = python_runner()
    result = runner.run(
        ["-c", "import os, stat, sys; print(stat.S_ISCHR(os.fstat(0).st_mode), repr(sys.stdin.read()))"]
    )

    assert result.stdout.strip() == "True ''"


def test_run_strips_ansi_from_output():
    _, runner = python_runner()
    result = runner.run(["-c", r"print('\x1b[32mRunning: kubectl get pods\x1b[0m')"])

    assert result.stdout.strip() == "Running: kubectl get pods"


def test_run_timeout_kills_the_whole_process_group(tmp_path):
    marker = tmp_path / "grandchild-finished"
    _, runner = python_runner(timeout=1)
    grandchild = f"import time; time.sleep(3); open({str(marker)!r}, 'w').close()"
    script = f"import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', {grandchild!r}]); time.sleep(30)"
    started = time.monotonic()
    result = runner.run(["-c", script])

    assert result.timed_out is True
    assert time.monotonic() - started < 10
    time.sleep(3.5)
    assert not marker.exists(), "a process started by the CLI survived the timeout"


def test_fail_on_timeout_reports_stdout_stderr_command():
    _, runner = python_runner(timeout=1)
    result = runner.run(["-c", "import sys, time; print('partial', flush=True); time.sleep(30)"])

    with pytest.raises(FailJson) as failure:
        runner.fail_on_timeout(result)
    payload = failure.value.args[0]
    assert "did not finish within 1 seconds" in payload["msg"]
    assert payload["stdout"].strip() == "partial"
    assert payload["command"].startswith(sys.executable)
    assert "stderr" in payload


def test_find_binary_reports_missing_tool(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    module = RecordingModule()
    runner = ai_cli.AICLIRunner(module, "kubectl-ai")

    assert runner.find_binary(required=False) is None
    with pytest.raises(FailJson) as failure:
        runner.find_binary()
    assert "kubectl-ai" in failure.value.args[0]["msg"]


def test_display_command_quotes_arguments_with_spaces():
    _, runner = python_runner()
    assert runner.display_command(["kubectl-ai", "--quiet", "it's broken"]) == "kubectl-ai --quiet 'it'\"'\"'s broken'"
