"""cloudnative.todo_chatbot.doctor: every row, its state against the run it is asked about, the blockers
listed with their fixes, a download host that never answers bounded by the timeout, and nothing changed."""

import os
import socket
import stat
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from ansible_collections.cloudnative.todo_chatbot.plugins.modules import doctor

VERSION_REGEX = r"version (\d+\.\d+\.\d+)"


def fake_cli(directory, name, output, rc=0):
    """A TEST FIXTURE standing in for a CLI: prints `output` for any arguments."""
    path = directory / name
    quoted = output.replace("'", "'\\''")
    path.write_text(f"#!/bin/sh\nprintf '%s\\n' '{quoted}'\nexit {rc}\n")  # shell builtins only: PATH may be empty
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def mirror():
    """A local HTTP server with the publisher's layout for one file; other paths are 404."""

    class Handler(BaseHTTPRequestHandler):
        def do_HEAD(self):
            self.send_response(200 if self.path == "/v1.2.3/tool" else 404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def tool(url, **extra):
    entry = {
        "name": "tool",
        "version": "1.2.3",
        "version_args": ["version"],
        "version_regex": VERSION_REGEX,
        "url": url,
        "mirror_variable": "prerequisites_tool_mirror",
    }
    entry.update(extra)
    return entry


def by_check(rows):
    return {row["check"]: row for row in rows}


def test_a_fixture_cli_at_the_pinned_version_is_ok_and_its_source_is_checked(run_module_process, tmp_path, mirror):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_cli(bin_dir, "tool", "tool version 1.2.3")
    result = run_module_process(
        "doctor",
        {"tools": [tool(f"{mirror}/v1.2.3/tool")], "search_path": [str(bin_dir)], "ai_clis": False},
        path_prefix=None,
    )
    rows = by_check(result["rows"])
    assert result["changed"] is False
    assert rows["tool"]["state"] == "ok"
    assert "1.2.3 (pinned 1.2.3)" in rows["tool"]["found"]
    assert rows["download tool"]["state"] == "ok"
    assert "HTTP 200" in rows["download tool"]["found"]
    assert rows["OS"]["state"] in ("ok", "warning")
    assert result["blockers"] == []
    assert result["table"][0].split() == ["STATE", "CHECK", "FOUND"]


def test_an_unreachable_source_blocks_only_a_cli_that_must_be_installed(run_module_process, tmp_path):
    unreachable = "http://downloads.invalid/v1.2.3/tool"  # .invalid never resolves (RFC 2606)
    missing = run_module_process("doctor", {"tools": [tool(unreachable)], "ai_clis": False, "timeout": 3})
    rows = by_check(missing["rows"])
    assert rows["tool"]["state"] == "info"
    assert "not installed" in rows["tool"]["found"]
    download = rows["download tool"]
    assert download["state"] == "blocker"
    assert "downloads.invalid unreachable" in download["found"]
    assert "prerequisites_tool_mirror" in download["fix"]
    assert "air-gapped" in download["fix"]
    assert missing["blockers"] == [f"download tool: {download['found']}. {download['fix']}"]
    assert any("-> " in line and "prerequisites_tool_mirror" in line for line in missing["table"])

    # the same host, but nothing to install in this run: worth knowing, not a blocker
    not_now = run_module_process(
        "doctor", {"tools": [tool(unreachable)], "install_tools": False, "ai_clis": False, "timeout": 3}
    )
    rows = by_check(not_now["rows"])
    assert rows["tool"]["state"] == "warning"
    assert rows["download tool"]["state"] != "blocker"
    assert not_now["blockers"] == []


def test_a_mirror_without_the_pinned_version_is_a_blocker(run_module_process, mirror):
    result = run_module_process("doctor", {"tools": [tool(f"{mirror}/v9.9.9/tool")], "ai_clis": False})
    row = by_check(result["rows"])["download tool"]
    assert row["state"] == "blocker"
    assert "HTTP 404" in row["found"]
    assert "that has version 1.2.3" in row["fix"]


def test_a_host_that_never_answers_costs_the_timeout_not_more():
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts the connection into the backlog, never answers the request
    try:
        started = time.monotonic()
        row = doctor.check_download(tool(f"http://127.0.0.1:{silent.getsockname()[1]}/v1.2.3/tool"), True, 1, "docs")
        elapsed = time.monotonic() - started
    finally:
        silent.close()
    assert row["state"] == "blocker"
    assert elapsed < 10, f"the check took {elapsed:.1f}s with a 1 s timeout"


def test_docker_states_and_their_fixes_with_a_fixture_docker_cli(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    needed = {"needed": True, "will_install": False}

    row, answers = doctor.check_docker(needed, 5, [], "dev")
    assert (row["state"], answers) == ("blocker", False)
    assert "not installed" in row["found"]
    assert "prerequisites_install_docker" in row["fix"]

    row, _ = doctor.check_docker({"needed": True, "will_install": True}, 5, [], "dev")
    assert row["state"] == "info", "the prerequisites stage installs it"

    fake_cli(bin_dir, "docker", "28.2.2 27.5.1")
    row, answers = doctor.check_docker(needed, 5, [], "dev")
    assert (row["state"], answers) == ("ok", True)
    assert row["found"] == "daemon 27.5.1 answers (client 28.2.2), usable by dev"

    denied = "permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock"
    (bin_dir / "docker").write_text(f"#!/bin/sh\necho '{denied}' >&2\nexit 1\n")
    row, _ = doctor.check_docker(needed, 5, [], "dev")
    assert row["state"] == "blocker"
    assert "usermod -aG docker dev" in row["fix"]

    (bin_dir / "docker").write_text("#!/bin/sh\necho 'Cannot connect to the Docker daemon' >&2\nexit 1\n")
    monkeypatch.setattr(doctor, "systemd_running", lambda: False)
    row, _ = doctor.check_docker({"needed": True, "will_install": True}, 5, [], "dev")
    assert row["state"] == "blocker", "without systemd the role cannot start it, so the user must"
    assert "dockerd" in row["fix"]
    assert "no systemd" in row["fix"]
    monkeypatch.setattr(doctor, "systemd_running", lambda: True)
    row, _ = doctor.check_docker({"needed": True, "will_install": True}, 5, [], "dev")
    assert row["state"] == "info", "with systemd the prerequisites stage starts it"
    row, _ = doctor.check_docker({"needed": False, "will_install": False}, 5, [], "dev")
    assert row["state"] == "warning", "a run that does not use Docker is not blocked by it"


def test_resources_below_the_minikube_settings(tmp_path):
    spec = {
        "cpus": 4096,
        "memory_mb": 10**9,
        "disk_gb": 10**6,
        "disk_path": str(tmp_path / "not" / "yet"),
        "free_memory_mb": 2048,
        "needed": True,
    }
    rows = by_check(doctor.check_resources(spec))
    assert [rows[name]["state"] for name in ("CPUs", "Memory", "Disk")] == ["blocker"] * 3
    assert "minikube_cpus" in rows["CPUs"]["fix"]
    assert rows["Memory"]["found"].startswith("2048 MB free")
    assert f"under {tmp_path}" in rows["Disk"]["found"], "the nearest existing parent is measured"
    rows = by_check(doctor.check_resources(dict(spec, needed=False)))
    assert rows["CPUs"]["state"] == "warning"


def test_cluster_rows_with_a_fixture_kubectl_and_hosts_rows(tmp_path, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    fake_cli(bin_dir, "kubectl", 'error: context "minikube" does not exist', rc=1)
    row = doctor.check_cluster({"context": "minikube", "needed": False}, 2, [])
    assert row["state"] == "info"
    assert "minikube stage starts it" in row["fix"]
    row = doctor.check_cluster({"context": "minikube", "needed": True}, 2, [])
    assert row["state"] == "blocker"
    assert "kubeconfig" in row["fix"]
    fake_cli(bin_dir, "kubectl", "ok")
    assert doctor.check_cluster({"context": "minikube", "needed": True}, 2, [])["state"] == "ok"

    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost\n# 10.0.0.1 todo.local\n")
    row = doctor.check_hosts_entry("todo.local", str(hosts))
    assert row["state"] == "info", "a commented-out entry is no entry"
    assert "deploy stage adds it" in row["fix"]
    hosts.write_text("192.168.49.2 todo.local api.todo.local\n")
    assert doctor.check_hosts_entry("todo.local", str(hosts))["found"].startswith("192.168.49.2 todo.local")


def test_bad_parameters_are_refused(run_module_process):
    result = run_module_process("doctor", {"timeout": 0})
    assert result["failed"]
    assert "timeout must be between 0 and 60" in result["msg"]
    result = run_module_process("doctor", {"tools": [tool("", version_regex="(unclosed")]})
    assert result["failed"]
    assert "version_regex is not a regular expression" in result["msg"]


def test_the_table_puts_fixes_under_blockers_and_warnings_only():
    rows = [
        doctor.row("OS", "ok", "Debian 12 (x86_64)"),
        doctor.row("Docker", "blocker", "not answering", "Start it."),
        doctor.row("hosts todo.local", "info", "no entry", "The deploy stage adds it."),
    ]
    table = doctor.render_table(rows)
    assert table[1].split()[:2] == ["ok", "OS"]
    assert table[3].strip() == "-> Start it."
    assert len(table) == 5, "an info row's note is not shown as something to do"
    assert os.linesep not in "".join(table)
