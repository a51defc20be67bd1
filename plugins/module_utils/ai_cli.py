# Copyright: (c) 2026, cloudnative.todo_chatbot contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One helper for the AI DevOps CLIs (kubectl-ai, kagent, docker ai).

Modelled on kubernetes.core's CLI wrapper for helm/kubectl: the binary is
found through a ``binary_path`` option or on PATH, every run gets a timeout,
and a failure reports ``msg``, ``stdout``, ``stderr`` and ``command``.

What differs from helm/kubectl: these tools talk to an LLM, print ANSI colours,
may read stdin as part of the prompt, and are given API keys. So every run
- uses /dev/null as stdin: kubectl-ai reads stdin as extra prompt text when
  stdin is not a character device (cmd/main.go ``hasStdInData``), and
  /dev/null *is* a character device, so nothing is read and nothing can hang;
- strips ANSI escape sequences from the output (kubectl-ai's terminal UI
  colours error blocks with ``\\033[31m``, pkg/ui/terminal.go);
- redacts every secret from stdout, stderr and the command line it returns.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import time

from ansible_collections.cloudnative.todo_chatbot.plugins.module_utils.process import run_with_deadline

# CSI sequences (colours, cursor moves) and OSC sequences (titles, links).
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")

REDACTED = "********"

DEFAULT_TIMEOUT = 300


def common_argument_spec():
    """Options every AI CLI module shares (documented in doc_fragments/ai_cli.py)."""
    return {
        "binary_path": {"type": "path"},
        "timeout": {"type": "int", "default": DEFAULT_TIMEOUT},
    }


def strip_ansi(text):
    """Return text without terminal escape sequences."""
    if not text:
        return text or ""
    return _ANSI_ESCAPE.sub("", text)


def redact(text, secrets):
    """Replace every non-empty secret in text with a fixed marker."""
    if not text:
        return text
    # Longest first, so a secret that contains another is masked whole.
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


class CommandResult:
    """What one CLI run produced, already cleaned (ANSI stripped, secrets redacted)."""

    def __init__(self, rc, stdout, stderr, command, *, duration, timed_out):
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.command = command
        self.duration = duration
        self.timed_out = timed_out

    def as_dict(self):
        return {"rc": self.rc, "stdout": self.stdout, "stderr": self.stderr, "command": self.command}


class AICLIRunner:
    """Finds and runs one CLI on behalf of an AnsibleModule.

    ``binary_name`` is the executable looked up on PATH when the module's
    ``binary_path`` option is not set. ``secrets`` are strings that must never
    appear in a result; they are also registered with the module so
    ``exit_json``/``fail_json`` mask them anywhere else.
    """

    def __init__(self, module, binary_name, secrets=()):
        self.module = module
        self.binary_name = binary_name
        self.secrets = []
        for secret in secrets:
            self.add_secret(secret)
        self._binary = None

    def add_secret(self, secret):
        if secret:
            self.secrets.append(secret)
            self.module.no_log_values.add(secret)

    def find_binary(self, required=True):
        """Path of the CLI, or None when it is missing and not required."""
        if self._binary:
            return self._binary
        configured = self.module.params.get("binary_path")
        if configured:
            if os.path.isfile(configured) and os.access(configured, os.X_OK):
                self._binary = configured
                return self._binary
            if required:
                self.module.fail_json(msg="binary_path %s is not an executable file" % configured)
            return None
        self._binary = self.module.get_bin_path(self.binary_name, required=False)
        if not self._binary and required:
            self.module.fail_json(
                msg="Failed to find required executable %s in PATH; install it or set binary_path" % self.binary_name
            )
        return self._binary

    def display_command(self, argv):
        quoted = []
        for arg in argv:
            if not arg or re.search(r"[^\w@%+=:,./-]", arg):
                quoted.append("'" + arg.replace("'", "'\"'\"'") + "'")
            else:
                quoted.append(arg)
        return redact(" ".join(quoted), self.secrets)

    def run(self, args, environ_update=None, cwd=None, timeout=None):
        """Run the CLI with args; never raises for a non-zero exit.

        The child gets its own process group so a timeout kills it and anything
        it spawned (kubectl-ai runs kubectl and bash as children).
        """
        argv = [self.find_binary(), *list(args)]
        env = dict(os.environ)
        env.update(environ_update or {})
        # Plain, uncoloured output where the tool honours the convention.
        env.setdefault("NO_COLOR", "1")
        env.setdefault("TERM", "dumb")
        if timeout is None:
            timeout = self.module.params.get("timeout") or DEFAULT_TIMEOUT
        started = time.monotonic()
        try:
            rc, out, err, timed_out = run_with_deadline(argv, timeout, env=env, cwd=cwd)
        except OSError as exc:
            self.module.fail_json(
                msg="Could not start %s: %s" % (argv[0], exc),
                command=self.display_command(argv),
                stdout="",
                stderr="",
            )
        duration = round(time.monotonic() - started, 3)
        return CommandResult(
            rc=rc,
            stdout=self.clean(out),
            stderr=self.clean(err),
            command=self.display_command(argv),
            duration=duration,
            timed_out=timed_out,
        )

    def clean(self, raw):
        text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else (raw or "")
        return redact(strip_ansi(text), self.secrets)

    def fail(self, msg, result=None, **extra):
        """fail_json with the run's stdout, stderr, command and rc attached."""
        payload = {"stdout": "", "stderr": "", "command": ""}
        if result is not None:
            payload.update(result.as_dict())
        payload.update(extra)
        self.module.fail_json(msg=redact(msg, self.secrets), **payload)

    def fail_on_timeout(self, result):
        if result.timed_out:
            self.fail(
                "%s did not finish within %s seconds and was stopped"
                % (self.binary_name, self.module.params.get("timeout")),
                result,
            )
