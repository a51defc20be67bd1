# Copyright: (c) 2026, cloudnative.todo_chatbot contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading what kubectl-ai did: its trace file, its quiet-mode output, and which kubectl commands change a cluster.

Used by the kubectl_ai module. Pure functions of text: nothing here runs a command or touches the cluster.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

try:
    import yaml
except ImportError:
    yaml = None  # the kubectl_ai module fails with missing_required_lib("PyYAML") before reading a trace

# Quiet ("RunOnce") mode refuses a mutating command with this message and exits
# (pkg/agent/conversation.go): each pending command follows on a "* " line.
PERMISSION_REFUSAL = "RunOnce mode cannot handle permission requests"
ITERATION_LIMIT = "Maximum number of iterations reached."
SKIP_PERMISSIONS_ADVICE = "Use --skip-permissions"
BULLET = re.compile(r"^(?:[*\u2022-])\s+(.+)$")

# kubectl verbs that only read. Used only when the trace lacks the model's own
# modifies_resource declaration (older kubectl-ai versions logged bare arguments).
READ_ONLY_KUBECTL_VERBS = frozenset(
    [
        "get",
        "describe",
        "logs",
        "top",
        "explain",
        "api-resources",
        "api-versions",
        "version",
        "cluster-info",
        "events",
        "diff",
        "wait",
    ]
)
# Verbs whose subcommands differ: only these subcommands read (`kubectl auth reconcile` writes RBAC,
# `kubectl rollout undo` changes a Deployment).
READ_ONLY_KUBECTL_SUBCOMMANDS = {
    "auth": frozenset(["can-i", "whoami"]),
    "rollout": frozenset(["status", "history"]),
    "config": frozenset(["view", "current-context", "get-contexts", "get-clusters", "get-users"]),
}
# kubectl's global flags that take a value as the next word (`kubectl -n todo get pods`).
KUBECTL_FLAGS_WITH_VALUE = frozenset(
    [
        "-n",
        "--namespace",
        "--context",
        "--kubeconfig",
        "--cluster",
        "--user",
        "-s",
        "--server",
        "--token",
        "--as",
        "--as-group",
        "--request-timeout",
        "-v",
        "--v",
        "-o",
        "--output",
        "-l",
        "--selector",
    ]
)


def kubectl_words(command):
    """The verb and the subcommand of a kubectl command line (None where absent), flags skipped."""
    tokens = command.split()
    if not tokens or not tokens[0].endswith("kubectl"):
        return None, None
    words, skip_next = [], False
    for token in tokens[1:]:
        if skip_next:
            skip_next = False
        elif token.startswith("-"):
            skip_next = "=" not in token and token in KUBECTL_FLAGS_WITH_VALUE
        else:
            words.append(token)
            if len(words) == 2:
                break
    words += [None, None]
    return words[0], words[1]


def declared_modification(tool, arguments):
    declared = arguments.get("modifies_resource")
    if declared in ("yes", "no", "unknown"):
        return declared
    if tool != "kubectl":
        return "unknown"
    verb, subcommand = kubectl_words(arguments.get("command") or "")
    if verb is None:
        return "unknown"
    if verb in READ_ONLY_KUBECTL_SUBCOMMANDS:
        return "no" if subcommand in READ_ONLY_KUBECTL_SUBCOMMANDS[verb] else "yes"
    return "no" if verb in READ_ONLY_KUBECTL_VERBS else "yes"


def parse_trace(text):
    """Tool calls from a kubectl-ai trace.

    The trace (pkg/journal/recorder.go) is a stream of YAML documents, one per
    event, each {timestamp, action, payload}, separated by "---". Tool calls are
    "tool-request" events with payload {id, name, arguments{command,
    modifies_resource}} and "tool-response" events with payload {id, response
    {command, stdout, stderr, error, exit_code}, error} (pkg/tools/tools.go
    InvokeTool). Older versions logged the bare arguments as the payload.
    """
    calls = []
    by_id = {}
    for event in yaml.safe_load_all(text):
        if not isinstance(event, dict):
            continue
        action = event.get("action")
        payload = event.get("payload") or {}
        if not isinstance(payload, dict):
            continue
        if action == "tool-request":
            arguments = payload.get("arguments") if "arguments" in payload else payload
            arguments = arguments if isinstance(arguments, dict) else {}
            tool = payload.get("name") or "kubectl"
            modifies = declared_modification(tool, arguments)
            call = {
                "tool": tool,
                "command": str(arguments.get("command") or ""),
                "modifies_resource": modifies,
                "mutating": modifies != "no",
                "ran": False,
                "exit_code": None,
                "error": "",
            }
            calls.append(call)
            if payload.get("id"):
                by_id[payload["id"]] = call
        elif action == "tool-response":
            call = by_id.get(payload.get("id")) if payload.get("id") else (calls[-1] if calls else None)
            if call is None:
                continue
            call["ran"] = True
            response = payload.get("response")
            error = payload.get("error") or ""
            if isinstance(response, dict):
                error = error or response.get("error") or ""
                call["exit_code"] = response.get("exit_code", 0)
            call["error"] = str(error)
    return calls


def parse_blocked_commands(stdout):
    """The commands kubectl-ai refused to run without permission, from its RunOnce refusal.

    conversation.go prints them as "* <command>" lines; a terminal renderer may turn the bullets into "•" or "-".
    """
    if PERMISSION_REFUSAL not in stdout:
        return []
    after = stdout.split(PERMISSION_REFUSAL, 1)[1]
    blocked = []
    for raw_line in after.splitlines()[1:]:
        line = raw_line.strip()
        bullet = BULLET.match(line)
        if bullet:
            blocked.append(bullet.group(1).strip())
        elif blocked or line.startswith(SKIP_PERMISSIONS_ADVICE):
            break
    return blocked


def refused_commands(stdout, commands):
    """Blocked commands from the refusal text, or else the mutating tool calls the trace shows were never run."""
    blocked = parse_blocked_commands(stdout)
    if blocked or PERMISSION_REFUSAL not in stdout:
        return blocked
    return [call["command"] for call in commands if call["mutating"] and not call["ran"] and call["command"]]


def without_cli_advice(text):
    """kubectl-ai's advice to pass its CLI flag means nothing to a task: the module's option is allow_mutations."""
    return "\n".join(line for line in text.splitlines() if SKIP_PERMISSIONS_ADVICE not in line).strip()


def answer_text(stdout, commands):
    """stdout without the "Running: <command>" echo of each recorded tool call."""
    echoes = {"Running: %s" % call["command"] for call in commands}
    return "\n".join(line for line in stdout.splitlines() if line.strip() not in echoes).strip()


def agent_error(stdout):
    """The error kubectl-ai ended with, if any.

    In quiet mode an error (LLM or tool failure) is printed as an "Error: ..." block and the agent
    exits, so it is the last thing printed; an answer that merely quotes an error line earlier is not.
    """
    lines = [line.strip() for line in stdout.splitlines() if line.strip()]
    if lines and lines[-1].startswith("Error:"):
        return lines[-1]
    return None
