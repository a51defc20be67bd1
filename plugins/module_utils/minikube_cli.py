# Copyright: (c) 2026, cloudnative.todo_chatbot contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Thin wrapper around the ``minikube`` command line.

It knows minikube's documented machine-readable output:

* ``minikube status -o json`` prints one JSON object per node (a list when the
  cluster has several nodes) and exits with a bitmask: 1 = host not running,
  2 = cluster (kubelet/apiserver) not running, 4 = kubeconfig not configured;
  7 is a fully stopped cluster.  A profile that does not exist exits with 85
  (``ExGuestNotFound``) instead.
* ``--output=json`` on ``minikube start`` prints CloudEvents, one per line;
  a fatal problem is an ``io.k8s.sigs.minikube.error`` event whose data holds
  ``name`` (e.g. ``RSRC_INSUFFICIENT_CORES``), ``message``, ``advice`` and
  ``exitcode``.
* Exit codes 20-29 are resource problems (23 memory, 26 storage, 29 cores)
  and 50-69 are driver / provider problems (e.g. 55 ``DRV_DOCKER_NOT_RUNNING``).
  Source: minikube's pkg/minikube/reason/exitcodes.go and reason.go.
"""

import json
import os

from ansible_collections.cloudnative.todo_chatbot.plugins.module_utils.process import run_with_deadline

# Seconds a minikube command may take (a first `minikube start` pulls its base image: minutes, not hours).
DEFAULT_TIMEOUT = 1800
MAX_TIMEOUT = 86400

# The options every module that runs minikube takes (documented once in the doc fragment
# cloudnative.todo_chatbot.minikube_cli).
RUNNER_ARGUMENT_SPEC = {
    "binary_path": {"type": "path"},
    "timeout": {"type": "int", "default": DEFAULT_TIMEOUT},
}

# minikube's reason.ExGuestNotFound: the profile (cluster) does not exist.
EXIT_PROFILE_NOT_FOUND = 85

# Bits of the ``minikube status`` exit code.
STATUS_HOST_NOT_RUNNING = 1
STATUS_CLUSTER_NOT_RUNNING = 2
STATUS_KUBECONFIG_NOT_CONFIGURED = 4

RESOURCE_EXIT_CODES = range(20, 30)
DRIVER_EXIT_CODES = range(50, 70)

ERROR_EVENT_TYPE = "io.k8s.sigs.minikube.error"


def parse_json_lines(text):
    """Return every JSON document found one per line in ``text``.

    minikube mixes JSON events with the odd plain-text line (e.g. a klog
    warning), so lines that are not JSON are skipped rather than fatal.
    """
    documents = []
    for raw_line in (text or "").splitlines():
        line = raw_line.strip()
        if not line.startswith(("{", "[")):
            continue
        try:
            documents.append(json.loads(line))
        except ValueError:
            continue
    return documents


def find_fatal_error_event(text):
    """Return the data of the last fatal error event minikube printed, or None.

    minikube also emits ``error`` events for warnings (e.g. proxy advice);
    only an event that carries an ``exitcode`` is the reason it stopped.
    """
    fatal = None
    for event in parse_json_lines(text):
        if not isinstance(event, dict) or event.get("type") != ERROR_EVENT_TYPE:
            continue
        data = event.get("data") or {}
        if data.get("exitcode"):
            fatal = data
    return fatal


def event_messages(text):
    """Return the human messages of all events in ``text`` (for error reports)."""
    messages = []
    for event in parse_json_lines(text):
        if isinstance(event, dict):
            message = (event.get("data") or {}).get("message")
            if message:
                messages.append(message.strip())
    return messages


def classify_exit_code(exit_code):
    """Name the family of a minikube failure so the module can say what to do."""
    if exit_code in RESOURCE_EXIT_CODES:
        return "insufficient_resources"
    if exit_code in DRIVER_EXIT_CODES:
        return "driver_unavailable"
    if exit_code == EXIT_PROFILE_NOT_FOUND:
        return "profile_not_found"
    return "error"


ADVICE_BY_KIND = {
    "insufficient_resources": (
        "Not enough resources for the requested cluster: lower cpus/memory or free resources on the host "
        "(and in Docker Desktop's resource settings)."
    ),
    "driver_unavailable": (
        "The requested minikube driver is not usable: make sure it is installed and running "
        "(for the docker driver: the Docker daemon is up and your user may use it)."
    ),
}


class MinikubeError(Exception):
    """A minikube command failed; carries everything needed for fail_json."""

    def __init__(self, msg, command, rc, *, stdout="", stderr="", kind="error", reason=None):
        super().__init__(msg)
        self.msg = msg
        self.command = command
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.kind = kind
        self.reason = reason

    def to_fail_kwargs(self):
        return {
            "msg": self.msg,
            "command": self.command,
            "rc": self.rc,
            "stdout": self.stdout,
            "stderr": self.stderr,
            "error_kind": self.kind,
            "minikube_reason": self.reason,
        }

    def fail(self, module, result):
        """End the task as failed, with what it did so far (`result`) and this error's keys."""
        failure = dict(result)
        failure.update(self.to_fail_kwargs())
        module.fail_json(**failure)


class MinikubeCLI:
    """Runs minikube for one profile through an AnsibleModule."""

    def __init__(self, module, profile, binary_path=None, timeout=DEFAULT_TIMEOUT):
        self.module = module
        self.profile = profile
        if not 1 <= timeout <= MAX_TIMEOUT:
            module.fail_json(msg="timeout must be between 1 and {} seconds, got {}".format(MAX_TIMEOUT, timeout))
        self.timeout = timeout
        if binary_path:
            if not (os.path.isfile(binary_path) and os.access(binary_path, os.X_OK)):
                module.fail_json(
                    msg="binary_path %s is not an executable file" % binary_path, error_kind="minikube_missing"
                )
            self.binary = binary_path
        else:
            self.binary = module.get_bin_path("minikube", required=False)
        if not self.binary:
            module.fail_json(
                msg=(
                    "The minikube binary was not found on PATH. Install it (the cloudnative.todo_chatbot."
                    "prerequisites role does) or set binary_path."
                ),
                error_kind="minikube_missing",
            )

    @classmethod
    def from_params(cls, module):
        """The runner for a module whose argument spec holds profile and RUNNER_ARGUMENT_SPEC's options."""
        params = module.params
        return cls(module, params["profile"], params["binary_path"], params["timeout"])

    def run(self, args, check_rc=True, with_profile=True):
        command = [self.binary, *args]
        if with_profile:
            command += ["-p", self.profile]
        try:
            rc, out, err, timed_out = run_with_deadline(command, self.timeout)
        except OSError as error:
            raise MinikubeError(
                f"Could not run {self.binary}: {error}",
                command,
                None,
                stderr=str(error),
                kind="minikube_missing",
            ) from error
        stdout, stderr = out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
        if timed_out:
            raise MinikubeError(
                f"minikube {args[0] if args else ''} did not finish within {self.timeout} seconds and was stopped "
                "(with everything it started). Raise the module's timeout if the machine is slow, or look at "
                "`minikube logs` for what it waits on.",
                command,
                rc,
                stdout=stdout,
                stderr=stderr,
                kind="timeout",
            )
        if check_rc and rc != 0:
            raise self.error_from_output(command, rc, stdout, stderr)
        return rc, stdout, stderr

    @staticmethod
    def error_from_output(command, rc, stdout, stderr):
        """Build an error that carries minikube's own words and a hint."""
        fatal = find_fatal_error_event(stdout) or find_fatal_error_event(stderr)
        reason = None
        if fatal:
            reason = fatal.get("name")
            minikube_message = fatal.get("message", "").strip()
            advice = (fatal.get("advice") or "").strip()
        else:
            lines = event_messages(stdout) + [line for line in (stderr or "").splitlines() if line.strip()]
            minikube_message = " ".join(lines[-3:]).strip() or "no output"
            advice = ""
        kind = classify_exit_code(rc)
        msg = "minikube {} failed (exit code {}{}): {}".format(
            command[1] if len(command) > 1 else "",
            rc,
            ", " + reason if reason else "",
            minikube_message,
        )
        hint = advice or ADVICE_BY_KIND.get(kind)
        if hint:
            msg += " -- " + hint
        return MinikubeError(msg, command, rc, stdout=stdout, stderr=stderr, kind=kind, reason=reason)

    def status(self):
        """Return (exists, running, node_status_dict, exit_code)."""
        rc, stdout, stderr = self.run(["status", "-o", "json"], check_rc=False)
        if rc == EXIT_PROFILE_NOT_FOUND:
            return False, False, {}, rc
        documents = parse_json_lines(stdout)
        status = None
        for document in documents:
            if isinstance(document, list):
                # Multi-node clusters print a list; the control plane is what we report.
                control_planes = [node for node in document if not node.get("Worker")]
                status = (control_planes or document or [None])[0]
            elif isinstance(document, dict) and "Host" in document:
                status = document
        if status is None:
            raise self.error_from_output([self.binary, "status", "-p", self.profile], rc, stdout, stderr)
        if status.get("Host") == "Nonexistent":
            return False, False, status, rc
        return True, rc == 0, status, rc

    def profile_config(self):
        """Return the ``Config`` block of this profile from ``profile list``, or None."""
        rc, stdout, stderr = self.run(["profile", "list", "-o", "json"], check_rc=False, with_profile=False)
        for document in parse_json_lines(stdout):
            if isinstance(document, dict) and "valid" in document:
                for profile in document.get("valid") or []:
                    if profile.get("Name") == self.profile:
                        return profile
                return None
        if rc != 0:
            raise self.error_from_output([self.binary, "profile", "list", "-o", "json"], rc, stdout, stderr)
        return None

    def addons(self):
        """Return {addon name: True/False (enabled)} for this profile."""
        rc, stdout, stderr = self.run(["addons", "list", "-o", "json"])
        for document in parse_json_lines(stdout):
            if isinstance(document, dict):
                return {
                    name: (info or {}).get("Status") == "enabled"
                    for name, info in document.items()
                    if isinstance(info, dict)
                }
        raise MinikubeError(
            "minikube addons list printed no JSON",
            [self.binary, "addons", "list"],
            rc,
            stdout=stdout,
            stderr=stderr,
        )
