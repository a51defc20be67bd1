#!/usr/bin/python
# Copyright: (c) 2026, cloudnative.todo_chatbot contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: gordon
short_description: Ask Gordon (C(docker ai)) a question and optionally save its reply
version_added: 0.1.0
description:
  - Detects Gordon with C(docker ai version). Gordon exists only with Docker Desktop, when the user is signed in and the
    feature is enabled.
  - When Gordon is unavailable the module returns RV(available=false) with the reason, and does not fail unless
    O(required=true). A playbook can then fall back to the standard Docker CLI.
  - With O(prompt), runs C(docker ai PROMPT) non-interactively and returns the reply.
  - O(binary_path) is the path to the C(docker) CLI.
  - With O(dest), saves the reply (or the first fenced code block in it, for example a proposed Dockerfile) to a file,
    and changes the file only when the content differs.
author:
  - cloudnative.todo_chatbot contributors (@cloudnative)
extends_documentation_fragment:
  - cloudnative.todo_chatbot.ai_cli
  - cloudnative.todo_chatbot.attributes
options:
  prompt:
    description:
      - The question for Gordon. Without it, the module only detects whether Gordon is available.
      - Must not start with C(-).
    type: str
  working_dir:
    description:
      - Directory Gordon works in (C(docker ai --working-dir)); it reads the project's files from there.
    type: path
  dest:
    description:
      - File to save the reply to. Requires O(prompt).
    type: path
  save:
    description:
      - What to save to O(dest).
      - V(reply) saves the whole reply.
      - V(code_block) saves the content of the first fenced code block (C(```)); the task fails when the reply has none.
    type: str
    choices: [reply, code_block]
    default: reply
  mode:
    description:
      - Permissions of O(dest) when it is created, for example V('0644').
    type: raw
  required:
    description:
      - Fail when Gordon is unavailable, instead of returning RV(available=false).
    type: bool
    default: false
attributes:
  check_mode:
    support: full
    details:
      - O(dest) is never written in check mode; C(changed) and the diff say whether it would change.
      - The prompt is still sent, because asking is read-only here; Gordon asks a person to approve before it runs a
        command or writes a file, and the module gives it no terminal to approve on.
  diff_mode:
    support: full
    details:
      - Shows the change to O(dest).
  idempotent:
    support: partial
    details:
      - O(dest) is rewritten only when the content differs, but the reply comes from an LLM and can differ between runs.
requirements:
  - Docker Desktop with Gordon enabled, on the remote host
seealso:
  - module: cloudnative.todo_chatbot.kubectl_ai
  - name: Gordon CLI
    description: Using Gordon via the C(docker ai) command.
    link: https://docs.docker.com/ai/gordon/how-to/cli/
"""

EXAMPLES = r"""
- name: Is Gordon available here?
  cloudnative.todo_chatbot.gordon:
  register: gordon

- name: Ask Gordon what it can do
  cloudnative.todo_chatbot.gordon:
    prompt: What can you do?
  when: gordon.available

- name: Rate our Dockerfiles and save the Dockerfile Gordon proposes
  cloudnative.todo_chatbot.gordon:
    prompt: Rate the Dockerfiles in this project from 1 to 10 and propose a better one
    working_dir: "{{ playbook_dir }}/../app"
    dest: "{{ playbook_dir }}/../.build/Dockerfile.gordon"
    save: code_block
    mode: "0644"
  when: gordon.available

- name: Fall back to the standard Docker CLI path
  ansible.builtin.debug:
    msg: "Gordon unavailable ({{ gordon.reason }}); building with the docker CLI"
  when: not gordon.available
"""

RETURN = r"""
available:
  description: Whether C(docker ai version) succeeded.
  returned: always
  type: bool
reason:
  description: Why Gordon is unavailable (the docker CLI's message), empty when available.
  returned: always
  type: str
  sample: "docker: unknown command: docker ai"
version:
  description: Output of C(docker ai version).
  returned: when available
  type: str
reply:
  description: Gordon's reply, colour codes removed.
  returned: when available and O(prompt) is set
  type: str
dest:
  description: The file the reply was saved to.
  returned: when O(dest) is set and Gordon is available
  type: str
command:
  description: The last docker command line that was run.
  returned: always
  type: str
stdout:
  description: Standard output of the last docker command.
  returned: always
  type: str
stderr:
  description: Standard error of the last docker command.
  returned: always
  type: str
rc:
  description: Exit code of the last docker command.
  returned: when Gordon is available
  type: int
duration:
  description: Seconds the prompt took.
  returned: when available and O(prompt) is set
  type: float
"""

import os
import re
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.cloudnative.todo_chatbot.plugins.module_utils.ai_cli import (
    AICLIRunner,
    common_argument_spec,
)

FENCED_BLOCK = re.compile(r"^```[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
VERSION_TIMEOUT = 60


def unavailable(module, reason, **extra):
    # No "rc" here: Ansible marks any result with a non-zero rc as failed, and unavailable is not a failure.
    extra.pop("rc", None)
    if module.params["required"]:
        module.fail_json(
            msg="Gordon (docker ai) is not available: %s" % reason, available=False, reason=reason, **extra
        )
    module.exit_json(changed=False, available=False, reason=reason, **extra)


def content_to_save(module, reply, runner, result):
    if module.params["save"] == "reply":
        return reply.rstrip("\n") + "\n"
    match = FENCED_BLOCK.search(reply)
    if not match:
        runner.fail(
            "Gordon's reply has no fenced code block to save to %s" % module.params["dest"], result, reply=reply
        )
    return match.group(1)


def save(module, dest, content):
    """Write content to dest when it differs; return (changed, diff)."""
    before = ""
    if os.path.exists(dest):
        with open(dest, "rb") as handle:
            before = handle.read().decode("utf-8", errors="replace")
    diff = {"before_header": dest, "after_header": dest, "before": before, "after": content}
    if before == content:
        return False, diff
    if not module.check_mode:
        directory = os.path.dirname(os.path.abspath(dest))
        if not os.path.isdir(directory):
            module.fail_json(msg="Directory %s of dest does not exist" % directory)
        fd, tmp = tempfile.mkstemp(dir=module.tmpdir)
        with os.fdopen(fd, "wb") as handle:
            handle.write(to_bytes(content))
        module.atomic_move(tmp, dest)
    return True, diff


def main():
    argument_spec = common_argument_spec()
    argument_spec.update(
        prompt={"type": "str"},
        working_dir={"type": "path"},
        dest={"type": "path"},
        save={"type": "str", "choices": ["reply", "code_block"], "default": "reply"},
        mode={"type": "raw"},
        required={"type": "bool", "default": False},
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True, required_by={"dest": "prompt"})
    params = module.params
    if params["prompt"] is not None and params["prompt"].startswith("-"):
        module.fail_json(msg="prompt must not start with '-' (docker would read it as an option)")
    if params["working_dir"] and not os.path.isdir(params["working_dir"]):
        module.fail_json(msg="working_dir %s is not a directory" % params["working_dir"])

    runner = AICLIRunner(module, "docker")
    docker = runner.find_binary(required=False)
    if not docker:
        unavailable(module, "docker CLI not found (binary_path or PATH)", command="", stdout="", stderr="")

    probe = runner.run(["ai", "version"], timeout=min(VERSION_TIMEOUT, params["timeout"]))
    if probe.timed_out or probe.rc != 0:
        reason = (probe.stderr or probe.stdout).strip() or "docker ai version exited with %s" % probe.rc
        if probe.timed_out:
            reason = "docker ai version did not answer within %s seconds" % min(VERSION_TIMEOUT, params["timeout"])
        # The first line carries the cause; the rest is docker's generic help hint.
        unavailable(module, reason.splitlines()[0].strip(), **probe.as_dict())
    outcome = dict(changed=False, available=True, reason="", version=probe.stdout.strip(), **probe.as_dict())
    if params["prompt"] is None:
        module.exit_json(**outcome)

    args = ["ai"]
    if params["working_dir"]:
        args += ["--working-dir", params["working_dir"]]
    args.append(params["prompt"])
    result = runner.run(args, cwd=params["working_dir"])
    runner.fail_on_timeout(result)
    if result.rc != 0:
        runner.fail(
            "docker ai failed with exit code %s: %s" % (result.rc, (result.stderr or result.stdout).strip()), result
        )
    reply = result.stdout.strip()
    outcome.update(result.as_dict(), reply=reply, duration=result.duration)

    if params["dest"]:
        dest = params["dest"]
        changed, diff = save(module, dest, content_to_save(module, reply, runner, result))
        outcome.update(changed=changed, dest=dest, diff=diff)
        if not module.check_mode and params["mode"] is not None:
            file_args = module.load_file_common_arguments({"path": dest, "mode": params["mode"]})
            outcome["changed"] = module.set_fs_attributes_if_different(file_args, outcome["changed"])
    module.exit_json(**outcome)


if __name__ == "__main__":
    main()
