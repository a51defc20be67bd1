#!/usr/bin/python
# Copyright: (c) 2026, cloudnative.todo_chatbot contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: kagent
short_description: Give a task to a kagent agent running in Kubernetes
version_added: 0.1.0
description:
  - Runs C(kagent invoke --agent AGENT --task TASK) and parses the A2A task JSON that kagent prints.
  - Returns the task state (V(completed), V(input-required), V(failed), ...), the agent's answer and the tool calls
    it made.
  - kagent prints its errors on standard error and still exits 0 (for example C(Error starting port-forward) or
    C(Error invoking session)). Any output on standard error therefore fails the task.
  - A task in state V(failed), V(rejected) or V(canceled) fails. V(input-required) and V(auth-required) succeed with
    a warning; the agent's question is in RV(response).
author:
  - cloudnative.todo_chatbot contributors (@cloudnative)
extends_documentation_fragment:
  - cloudnative.todo_chatbot.ai_cli
  - cloudnative.todo_chatbot.attributes
options:
  task:
    description:
      - The task for the agent, passed as C(--task).
    type: str
    required: true
    aliases: [prompt]
  agent:
    description:
      - Name of the agent, passed as C(--agent), for example V(k8s-agent). Without a namespace prefix.
    type: str
    default: k8s-agent
  namespace:
    description:
      - Namespace of the agent, passed as C(--namespace).
    type: str
    default: kagent
  url:
    description:
      - URL of the kagent controller, passed as C(--kagent-url).
      - When not set, kagent uses C(http://localhost:8083) and starts a short-lived port-forward
        if nothing answers there.
    type: str
  session:
    description:
      - Session (A2A context) to continue, passed as C(--session). Use RV(context_id) of an earlier run
        to answer an V(input-required) question.
    type: str
attributes:
  check_mode:
    support: none
    details:
      - A kagent agent can change the cluster with its tools and the CLI has no dry-run, so the task is skipped in
        check mode.
  diff_mode:
    support: none
  idempotent:
    support: none
    details:
      - The answer comes from an LLM. C(changed) is true only when the agent called a tool that is not read-only.
requirements:
  - kagent CLI on the remote host, and kagent installed in the cluster
seealso:
  - module: cloudnative.todo_chatbot.kubectl_ai
  - name: kagent CLI
    description: kagent documentation
    link: https://kagent.dev/docs
"""

EXAMPLES = r"""
- name: Ask the Kubernetes agent for a health report
  cloudnative.todo_chatbot.kagent:
    task: analyze the cluster health
    agent: k8s-agent
    namespace: kagent
  register: health

- name: Show the report
  ansible.builtin.debug:
    var: health.response

- name: Ask for an optimization; the agent may ask a question first
  cloudnative.todo_chatbot.kagent:
    task: optimize resource allocation in namespace todo
    timeout: 600
  register: optimize

- name: Answer the agent's question in the same session
  cloudnative.todo_chatbot.kagent:
    task: "yes"
    session: "{{ optimize.context_id }}"
  when: optimize.state == 'input-required'
"""

RETURN = r"""
state:
  description: A2A task state reported by kagent.
  returned: when kagent printed a result
  type: str
  sample: completed
response:
  description: The agent's answer (text of the task artifacts, or of the status message when there are none).
  returned: always
  type: str
tool_calls:
  description: Tool calls recorded in the task history, in order.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Tool name.
      type: str
    args:
      description: Arguments of the call.
      type: dict
    mutating:
      description: Whether the tool is treated as changing the cluster (its name is not a read-only verb such as
        get, describe, list, logs, events, check or query).
      type: bool
  sample: [{"name": "k8s_get_resources", "args": {"resource_type": "pods"}, "mutating": false}]
task_id:
  description: A2A task id.
  returned: when kagent printed a result
  type: str
context_id:
  description: A2A context (session) id; pass it as O(session) to continue the conversation.
  returned: when kagent printed a result
  type: str
result:
  description: The parsed JSON kagent printed.
  returned: when kagent printed a result
  type: dict
command:
  description: The kagent command line that was run.
  returned: always
  type: str
stdout:
  description: Standard output of kagent.
  returned: always
  type: str
stderr:
  description: Standard error of kagent.
  returned: always
  type: str
rc:
  description: Exit code of kagent (0 even for most errors).
  returned: always
  type: int
duration:
  description: Seconds the run took.
  returned: always
  type: float
"""

import json
import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.cloudnative.todo_chatbot.plugins.module_utils.ai_cli import (
    AICLIRunner,
    common_argument_spec,
)

FAILED_STATES = frozenset(["failed", "rejected", "canceled"])
WAITING_STATES = frozenset(["input-required", "auth-required"])
# kagent's built-in tools are named after their action (k8s_get_resources,
# k8s_describe_resource, k8s_get_pod_logs, k8s_apply_manifest, k8s_scale, ...).
READ_ONLY_TOOL_WORDS = frozenset(
    [
        "get",
        "describe",
        "list",
        "logs",
        "log",
        "events",
        "check",
        "query",
        "search",
        "show",
        "explain",
        "version",
        "status",
    ]
)


def tool_is_read_only(name):
    words = set(re.split(r"[_\-.]", (name or "").lower()))
    return bool(words & READ_ONLY_TOOL_WORDS)


def part_kind(part):
    metadata = part.get("metadata") or {}
    return metadata.get("kagent_type") or metadata.get("adk_type")


def texts(parts):
    return [part.get("text", "") for part in parts or [] if isinstance(part, dict) and part.get("kind") == "text"]


def parse_result(stdout):
    """The last JSON object line kagent printed (invoke prints exactly one)."""
    for raw_line in reversed(stdout.splitlines()):
        line = raw_line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise ValueError("no JSON object in kagent output")


def summarize(result):
    if result.get("kind") == "message":  # an agent may answer with a bare message instead of a task
        return {
            "state": "completed",
            "response": "\n".join(texts(result.get("parts"))),
            "tool_calls": [],
            "task_id": None,
            "context_id": result.get("contextId"),
        }
    status = result.get("status") or {}
    answer = []
    for artifact in result.get("artifacts") or []:
        answer.extend(texts(artifact.get("parts")))
    if not answer:
        answer = texts((status.get("message") or {}).get("parts"))
    tool_calls = []
    for entry in result.get("history") or []:
        for part in entry.get("parts") or []:
            if isinstance(part, dict) and part.get("kind") == "data" and part_kind(part) == "function_call":
                data = part.get("data") or {}
                tool_calls.append(
                    {
                        "name": data.get("name"),
                        "args": data.get("args") or {},
                        "mutating": not tool_is_read_only(data.get("name")),
                    }
                )
    return {
        "state": status.get("state", "unknown"),
        "response": "\n".join(answer).strip(),
        "tool_calls": tool_calls,
        "task_id": result.get("id"),
        "context_id": result.get("contextId"),
    }


def main():
    argument_spec = common_argument_spec()
    argument_spec.update(
        task={"type": "str", "required": True, "aliases": ["prompt"]},
        agent={"type": "str", "default": "k8s-agent"},
        namespace={"type": "str", "default": "kagent"},
        url={"type": "str"},
        session={"type": "str"},
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=False)
    params = module.params
    if "/" in params["agent"]:
        module.fail_json(msg="agent must be a plain name; set the namespace with the namespace option")

    runner = AICLIRunner(module, "kagent")
    args = ["invoke", "--agent", params["agent"], "--task", params["task"], "--namespace", params["namespace"]]
    if params["url"]:
        args += ["--kagent-url", params["url"]]
    if params["session"]:
        args += ["--session", params["session"]]
    result = runner.run(args)
    runner.fail_on_timeout(result)
    outcome = dict(changed=False, response="", tool_calls=[], duration=result.duration, **result.as_dict())

    if result.stderr.strip():
        runner.fail("kagent reported an error: %s" % result.stderr.strip(), **outcome)
    if result.rc != 0:
        runner.fail("kagent failed with exit code %s" % result.rc, **outcome)
    try:
        parsed = parse_result(result.stdout)
    except ValueError as exc:
        runner.fail("Cannot parse kagent output as JSON: %s" % exc, **outcome)
    summary = summarize(parsed)
    outcome.update(summary, result=parsed)
    outcome["changed"] = any(call["mutating"] for call in summary["tool_calls"])

    if summary["state"] in FAILED_STATES:
        outcome["msg"] = "kagent task %s: %s" % (summary["state"], summary["response"] or "no reason given")
        module.fail_json(**outcome)
    if summary["state"] in WAITING_STATES:
        module.warn("kagent agent %s is waiting (%s): %s" % (params["agent"], summary["state"], summary["response"]))
    module.exit_json(**outcome)


if __name__ == "__main__":
    main()
