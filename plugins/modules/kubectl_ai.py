#!/usr/bin/python
# Copyright: (c) 2026, cloudnative.todo_chatbot contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: kubectl_ai
short_description: Ask kubectl-ai about a Kubernetes cluster, and let it act only when allowed
version_added: 0.1.0
description:
  - Runs L(kubectl-ai,https://github.com/GoogleCloudPlatform/kubectl-ai) once, non-interactively
    (C(--quiet)), with a fresh trace file for every run.
  - Reads the trace to return the commands kubectl-ai ran and whether any of them changed the cluster.
  - Without O(allow_mutations), C(--skip-permissions) is never passed. kubectl-ai then refuses, in quiet mode,
    to run any command that modifies resources; the module fails and lists those commands in
    RV(blocked_commands). They were not run.
  - C(Maximum number of iterations reached.) is a failure, even though kubectl-ai exits 0 in that case.
  - "So is an C(Error: ...) block that ends the output (an LLM or tool error, also printed with exit code 0)."
author:
  - cloudnative.todo_chatbot contributors (@cloudnative)
extends_documentation_fragment:
  - cloudnative.todo_chatbot.ai_cli
  - cloudnative.todo_chatbot.attributes
options:
  prompt:
    description:
      - The question or task for kubectl-ai, passed as its single positional argument.
    type: str
    required: true
  kubeconfig:
    description:
      - Path to the kubeconfig file, passed as C(--kubeconfig).
      - When not set, kubectl-ai uses E(KUBECONFIG) or C(~/.kube/config).
    type: path
  context:
    description:
      - Kubeconfig context to use.
      - kubectl-ai has no C(--context) flag, so the module writes a private temporary copy of the kubeconfig
        with C(current-context) set to this value, passes that copy, and deletes it after the run.
      - Without O(kubeconfig), the copy merges every file of E(KUBECONFIG) the way kubectl does (the first file
        to name a cluster, context or user wins), falling back to C(~/.kube/config).
    type: str
  llm_provider:
    description:
      - LLM provider, passed as C(--llm-provider), for example V(gemini), V(openai), V(azopenai), V(grok),
        V(vertexai), V(ollama), V(llamacpp) or V(bedrock).
      - When not set, kubectl-ai uses its own default (V(gemini)) or its config file.
    type: str
  model:
    description:
      - Model name, passed as C(--model).
    type: str
  api_key:
    description:
      - API key for the provider. It is handed to kubectl-ai in the provider's own environment variable
        (E(GEMINI_API_KEY), E(OPENAI_API_KEY), E(AZURE_OPENAI_API_KEY) or E(GROK_API_KEY)), never on the command line.
      - When not set, the value of that environment variable on the remote host is used, and it is redacted from
        the results just the same.
    type: str
  endpoint:
    description:
      - Endpoint of the LLM API, handed over as E(OPENAI_ENDPOINT) (V(openai)), E(AZURE_OPENAI_ENDPOINT) (V(azopenai))
        or E(OLLAMA_HOST) (V(ollama)).
    type: str
  max_iterations:
    description:
      - Maximum number of agent iterations, passed as C(--max-iterations).
      - Reaching it fails the task.
    type: int
    default: 20
  allow_mutations:
    description:
      - Let kubectl-ai run commands that modify the cluster (passes C(--skip-permissions)).
      - Ignored in check mode, where C(--skip-permissions) is never passed.
    type: bool
    default: false
attributes:
  check_mode:
    support: partial
    details:
      - kubectl-ai still runs and may run read-only commands (C(kubectl get), C(kubectl describe), ...).
      - C(--skip-permissions) is never passed, so kubectl-ai stops at the first command that would change the cluster.
        With O(allow_mutations=true) the task reports C(changed=true) and RV(blocked_commands) as what it would run;
        later steps that depend on those commands are not known.
  diff_mode:
    support: none
  idempotent:
    support: none
    details:
      - The answer comes from an LLM and can differ between runs. A run without O(allow_mutations) never changes the
        cluster and always reports C(changed=false).
requirements:
  - kubectl-ai on the remote host
  - PyYAML on the remote host (to read the trace file)
seealso:
  - module: cloudnative.todo_chatbot.kagent
  - module: cloudnative.todo_chatbot.gordon
"""

EXAMPLES = r"""
- name: Ask why pods are failing (read-only; fails if kubectl-ai wants to change something)
  cloudnative.todo_chatbot.kubectl_ai:
    prompt: check why the pods are failing in the todo namespace
    llm_provider: gemini
    model: gemini-2.5-flash
  register: diagnosis

- name: Show the answer and the commands kubectl-ai ran
  ansible.builtin.debug:
    msg: "{{ diagnosis.response }} ({{ diagnosis.commands | map(attribute='command') | list }})"

- name: Scale the backend, letting kubectl-ai change the cluster
  cloudnative.todo_chatbot.kubectl_ai:
    prompt: scale the todo-backend deployment to 3 replicas to handle more load
    allow_mutations: true
    kubeconfig: ~/.kube/config
    context: minikube
    api_key: "{{ vault_gemini_api_key }}"
    max_iterations: 10
    timeout: 600
"""

RETURN = r"""
response:
  description: What kubectl-ai printed (the model's answer), with colour codes and the echo of each tool call removed.
  returned: always
  type: str
commands:
  description: Every tool call kubectl-ai requested, in order, read from the trace file.
  returned: always
  type: list
  elements: dict
  contains:
    tool:
      description: Tool name, for example V(kubectl) or V(bash).
      type: str
    command:
      description: The command line.
      type: str
    modifies_resource:
      description: V(yes), V(no) or V(unknown), as the model declared it; for kubectl commands without a declaration
        the module decides from the kubectl verb.
      type: str
    mutating:
      description: Whether the command is treated as changing the cluster (anything not declared V(no)).
      type: bool
    ran:
      description: Whether the trace records a response for the call.
      type: bool
    exit_code:
      description: Exit code of the command, when recorded.
      type: int
    error:
      description: Error text recorded for the call, if any.
      type: str
  sample:
    - tool: kubectl
      command: kubectl get pods -n todo
      modifies_resource: "no"
      mutating: false
      ran: true
      exit_code: 0
      error: ""
blocked_commands:
  description: Commands kubectl-ai wanted to run but could not because permission was not given. They were not run.
  returned: always
  type: list
  elements: str
  sample: ["kubectl scale deployment todo-backend --replicas=3 -n todo"]
mutated:
  description: Whether a command that changes the cluster ran successfully (same as C(changed)).
  returned: always
  type: bool
command:
  description: The kubectl-ai command line that was run, secrets redacted.
  returned: always
  type: str
stdout:
  description: Standard output of kubectl-ai, colour codes removed, secrets redacted.
  returned: always
  type: str
stderr:
  description: Standard error of kubectl-ai, colour codes removed, secrets redacted.
  returned: always
  type: str
rc:
  description: Exit code of kubectl-ai.
  returned: always
  type: int
duration:
  description: Seconds the run took.
  returned: always
  type: float
"""

import os
import shutil
import tempfile
import traceback
import uuid

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.cloudnative.todo_chatbot.plugins.module_utils.ai_cli import (
    AICLIRunner,
    common_argument_spec,
)
from ansible_collections.cloudnative.todo_chatbot.plugins.module_utils.kubectl_ai_trace import (
    ITERATION_LIMIT,
    agent_error,
    answer_text,
    parse_trace,
    refused_commands,
    without_cli_advice,
)

try:
    import yaml

    HAS_YAML = True
    YAML_IMPORT_ERROR = None
except ImportError:
    HAS_YAML = False
    YAML_IMPORT_ERROR = traceback.format_exc()

# Provider -> environment variable kubectl-ai (gollm) reads the API key from (kubectl-ai README "Usage").
API_KEY_ENV = {
    "gemini": "GEMINI_API_KEY",
    "openai": "OPENAI_API_KEY",
    "azopenai": "AZURE_OPENAI_API_KEY",
    "grok": "GROK_API_KEY",
}
# Provider -> environment variable for the API endpoint (kubectl-ai README "Usage").
ENDPOINT_ENV = {
    "openai": "OPENAI_ENDPOINT",
    "azopenai": "AZURE_OPENAI_ENDPOINT",
    "ollama": "OLLAMA_HOST",
}
DEFAULT_PROVIDER = "gemini"  # kubectl-ai cmd/main.go InitDefaults


def merged_kubeconfig(paths):
    """The kubeconfig kubectl sees for a KUBECONFIG list: the first file to name a cluster, context or user
    wins, and the first current-context and preferences set win (kubectl's merge rules)."""
    merged = {"apiVersion": "v1", "kind": "Config", "clusters": [], "contexts": [], "users": []}
    for path in paths:
        with open(path) as handle:
            config = yaml.safe_load(handle) or {}
        for section in ("clusters", "contexts", "users"):
            known = {entry.get("name") for entry in merged[section]}
            for entry in config.get(section) or []:
                if isinstance(entry, dict) and entry.get("name") not in known:
                    merged[section].append(entry)
                    known.add(entry.get("name"))
        for key in ("current-context", "preferences"):
            if config.get(key) and not merged.get(key):
                merged[key] = config[key]
    return merged


def kubeconfig_with_context(module, kubeconfig, context, workdir):
    if kubeconfig:
        sources = [kubeconfig]
    else:
        listed = [path for path in (os.environ.get("KUBECONFIG") or "").split(os.pathsep) if path]
        sources = [path for path in listed if os.path.exists(path)] if listed else []
        if not sources:
            sources = [os.path.join(os.environ.get("HOME", ""), ".kube", "config")]
    try:
        config = merged_kubeconfig(sources)
    except (IOError, OSError, yaml.YAMLError) as exc:
        module.fail_json(
            msg="Cannot read kubeconfig %s to select context %s: %s" % (os.pathsep.join(sources), context, exc)
        )
    names = [entry.get("name") for entry in config.get("contexts") or [] if isinstance(entry, dict)]
    if context not in names:
        module.fail_json(
            msg="Context %s is not in kubeconfig %s (contexts: %s)"
            % (context, os.pathsep.join(sources), ", ".join(map(str, names)))
        )
    config["current-context"] = context
    path = os.path.join(workdir, "kubeconfig")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        yaml.safe_dump(config, handle, default_flow_style=False)
    return path


def provider_environment(module):
    """Environment for kubectl-ai's LLM client, and the API key in effect (to redact)."""
    params = module.params
    provider = params["llm_provider"] or DEFAULT_PROVIDER
    provider_family = provider.split("://", 1)[0]
    environ_update = {}
    key_env = API_KEY_ENV.get(provider_family)
    if params["api_key"]:
        if not key_env:
            module.fail_json(msg="llm_provider %s does not take an api_key (it authenticates another way)" % provider)
        environ_update[key_env] = params["api_key"]
    if params["endpoint"]:
        endpoint_env = ENDPOINT_ENV.get(provider_family)
        if not endpoint_env:
            module.fail_json(msg="endpoint is supported for llm_provider %s only" % ", ".join(sorted(ENDPOINT_ENV)))
        environ_update[endpoint_env] = params["endpoint"]
    api_key = params["api_key"] or (os.environ.get(key_env) if key_env else None)
    return environ_update, api_key


def command_arguments(module, workdir, trace_path):
    params = module.params
    args = ["--quiet", "--trace-path", trace_path, "--max-iterations", str(params["max_iterations"])]
    if params["llm_provider"]:
        args += ["--llm-provider", params["llm_provider"]]
    if params["model"]:
        args += ["--model", params["model"]]
    kubeconfig = params["kubeconfig"]
    if params["context"]:
        kubeconfig = kubeconfig_with_context(module, kubeconfig, params["context"], workdir)
    if kubeconfig:
        args += ["--kubeconfig", kubeconfig]
    # Check mode never gives permission: kubectl-ai then stops before any mutating command.
    if params["allow_mutations"] and not module.check_mode:
        args.append("--skip-permissions")
    args += ["--", params["prompt"]]
    return args


def run_with_fresh_trace(module, runner, environ_update):
    """Run kubectl-ai with a trace file of its own; return the result and the tool calls traced."""
    workdir = tempfile.mkdtemp(prefix="kubectl-ai-", dir=module.tmpdir)
    try:
        trace_path = os.path.join(workdir, "trace-%s.yaml" % uuid.uuid4().hex)
        result = runner.run(command_arguments(module, workdir, trace_path), environ_update=environ_update)
        runner.fail_on_timeout(result)
        trace_text = ""
        if os.path.exists(trace_path):
            with open(trace_path) as handle:
                trace_text = runner.clean(handle.read())
        try:
            return result, parse_trace(trace_text)
        except yaml.YAMLError as exc:
            runner.fail("Cannot parse the kubectl-ai trace file: %s" % exc, result)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return None, None  # not reached: runner.fail exits


def finish(module, runner, result, commands):
    params = module.params
    blocked = refused_commands(result.stdout, commands)
    mutated = any(c["mutating"] and c["ran"] and not c["error"] and not c["exit_code"] for c in commands)
    outcome = dict(
        changed=mutated,
        mutated=mutated,
        response=without_cli_advice(answer_text(result.stdout, commands)),
        commands=commands,
        blocked_commands=blocked,
        duration=result.duration,
        **result.as_dict(),
    )
    if blocked:
        if module.check_mode and params["allow_mutations"]:
            outcome.update(changed=True, msg="Check mode: kubectl-ai would run %s" % "; ".join(blocked))
            module.exit_json(**outcome)
        outcome["msg"] = (
            "kubectl-ai wants to run commands that change the cluster, and they were not run: %s. To let it, set "
            "allow_mutations: true on the task; run the task in check mode first (--check) to see what it would run "
            "without running anything." % "; ".join(blocked)
        )
        module.fail_json(**outcome)
    if result.rc != 0:
        detail = without_cli_advice(result.stderr or result.stdout)
        runner.fail("kubectl-ai failed with exit code %s: %s" % (result.rc, detail), **outcome)
    if ITERATION_LIMIT in result.stdout:
        outcome["msg"] = "kubectl-ai gave up: %s (max_iterations=%s)" % (ITERATION_LIMIT, params["max_iterations"])
        module.fail_json(**outcome)
    error = agent_error(result.stdout)
    if error:
        outcome["msg"] = "kubectl-ai reported an error: %s" % error
        module.fail_json(**outcome)
    module.exit_json(**outcome)


def main():
    argument_spec = common_argument_spec()
    argument_spec.update(
        prompt={"type": "str", "required": True},
        kubeconfig={"type": "path"},
        context={"type": "str"},
        llm_provider={"type": "str"},
        model={"type": "str"},
        api_key={"type": "str", "no_log": True},
        endpoint={"type": "str"},
        max_iterations={"type": "int", "default": 20},
        allow_mutations={"type": "bool", "default": False},
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    if not HAS_YAML:
        module.fail_json(msg=missing_required_lib("PyYAML"), exception=YAML_IMPORT_ERROR)
    if module.params["max_iterations"] < 1:
        module.fail_json(msg="max_iterations must be at least 1")
    environ_update, api_key = provider_environment(module)
    runner = AICLIRunner(module, "kubectl-ai", secrets=[api_key])
    runner.find_binary()
    result, commands = run_with_fresh_trace(module, runner, environ_update)
    finish(module, runner, result, commands)


if __name__ == "__main__":
    main()
