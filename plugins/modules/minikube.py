#!/usr/bin/python
# Copyright: (c) 2026, cloudnative.todo_chatbot contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
---
module: minikube
short_description: Manage a Minikube profile (cluster) and its addons
version_added: 0.1.0
description:
  - Creates and starts a Minikube profile when it is absent or stopped, and leaves a running one alone.
  - Enables only the requested addons that are not enabled yet.
  - Deletes the profile with O(state=absent).
  - Reads C(minikube status -o json), C(minikube profile list -o json) and C(minikube addons list -o json);
    failures carry minikube's own message and reason (for example C(RSRC_INSUFFICIENT_CORES) or
    C(DRV_DOCKER_NOT_RUNNING)).
author:
  - cloudnative.todo_chatbot contributors (@cloudnative)
extends_documentation_fragment:
  - cloudnative.todo_chatbot.attributes
  - cloudnative.todo_chatbot.minikube_cli
options:
  profile:
    description:
      - Name of the Minikube profile. Minikube names the kubeconfig context after it.
    type: str
    default: minikube
    aliases: [name]
  state:
    description:
      - V(present) starts the profile (creating it when needed) and enables the addons.
      - V(absent) deletes the profile.
    type: str
    choices: [present, absent]
    default: present
  driver:
    description:
      - Minikube driver used when the profile is created.
    type: str
    default: docker
  cpus:
    description:
      - Number of CPUs for a new profile. Minikube cannot change it for an existing profile; the module
        warns when the existing profile differs.
    type: int
  memory:
    description:
      - Memory for a new profile, in MB (for example V(4096)) or with a unit (for example V(4g)).
      - Like O(cpus), it only applies when the profile is created.
    type: str
  kubernetes_version:
    description:
      - Kubernetes version for a new profile, for example V(v1.37.0). Minikube's default when omitted.
    type: str
  addons:
    description:
      - Addons that must be enabled. Addons not listed are left as they are.
    type: list
    elements: str
    default: [ingress, metrics-server]
  start_args:
    description:
      - Extra arguments passed to C(minikube start), for example V([--container-runtime=containerd]).
    type: list
    elements: str
    default: []
attributes:
  check_mode:
    support: full
    details:
      - Reports whether it would start or delete the profile and which addons it would enable.
  diff_mode:
    support: none
    details:
      - The module reports what it changed in its return values, not as a diff.
  idempotent:
    support: full
    details:
      - A running profile with all requested addons enabled is left untouched (changed=false).
notes:
  - Minikube cannot resize an existing profile; when O(cpus), O(memory), O(driver) or O(kubernetes_version)
    differ from the existing profile the module warns instead of recreating it. Delete the profile
    (O(state=absent)) to apply new settings.
seealso:
  - name: minikube start
    description: Reference of the C(minikube start) command.
    link: https://minikube.sigs.k8s.io/docs/commands/start/
  - name: minikube status
    description: Exit codes and JSON output of C(minikube status).
    link: https://minikube.sigs.k8s.io/docs/commands/status/
"""

EXAMPLES = r"""
- name: Start the default profile with ingress and metrics-server
  cloudnative.todo_chatbot.minikube:
    cpus: 2
    memory: "4096"

- name: A named profile on a pinned Kubernetes version with an extra addon
  cloudnative.todo_chatbot.minikube:
    profile: todo
    kubernetes_version: v1.37.0
    addons: [ingress, metrics-server, registry]
  register: todo_cluster

- name: Show how to reach it
  ansible.builtin.debug:
    msg: "context {{ todo_cluster.kube_context }} at {{ todo_cluster.ip }}"

- name: Delete the profile
  cloudnative.todo_chatbot.minikube:
    profile: todo
    state: absent
"""

RETURN = r"""
profile:
  description: Name of the profile.
  returned: always
  type: str
  sample: minikube
kube_context:
  description: Name of the kubeconfig context minikube wrote for the profile (the profile name).
  returned: when state=present
  type: str
  sample: minikube
ip:
  description: IP address of the control-plane node. Null in check mode when the cluster would be created.
  returned: when state=present
  type: str
  sample: 192.168.49.2
status:
  description:
    - Control-plane status as printed by C(minikube status -o json) after the module ran.
    - Empty when the profile does not exist (state=absent, or check mode before creation).
  returned: always
  type: dict
  sample: {"Name": "minikube", "Host": "Running", "Kubelet": "Running", "APIServer": "Running",
           "Kubeconfig": "Configured", "Worker": false}
started:
  description: Whether the module started (or would start, in check mode) the profile.
  returned: always
  type: bool
  sample: false
deleted:
  description: Whether the module deleted (or would delete) the profile.
  returned: always
  type: bool
  sample: false
addons_enabled:
  description: Addons the module enabled (or would enable, in check mode) in this run.
  returned: always
  type: list
  elements: str
  sample: [ingress]
addons:
  description: State of each requested addon after the run (true = enabled).
  returned: when state=present
  type: dict
  sample: {"ingress": true, "metrics-server": true}
config_drift:
  description: Settings of the existing profile that differ from the requested ones (minikube cannot change them).
  returned: when state=present
  type: dict
  sample: {"cpus": {"existing": 2, "requested": 4}}
error_kind:
  description:
    - On failure, the family of the problem, V(minikube_missing), V(driver_unavailable),
      V(insufficient_resources), V(profile_not_found), V(timeout) or V(error).
  returned: failure
  type: str
  sample: insufficient_resources
minikube_reason:
  description: On failure, minikube's reason code when it printed one.
  returned: failure
  type: str
  sample: RSRC_INSUFFICIENT_CORES
command:
  description: On failure, the command that failed.
  returned: failure
  type: list
  elements: str
"""

import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.cloudnative.todo_chatbot.plugins.module_utils.minikube_cli import (
    RUNNER_ARGUMENT_SPEC,
    MinikubeCLI,
    MinikubeError,
)


def memory_in_mb(value):
    """Convert minikube's memory notation (4096, 4096mb, 4g) to MB, or None if unknown."""
    if value is None:
        return None
    match = re.match(r"^\s*(\d+)\s*([kmg]?)b?\s*$", str(value).lower())
    if not match:
        return None
    number, unit = int(match.group(1)), match.group(2)
    return {"k": number // 1024, "m": number, "": number, "g": number * 1024}[unit]


def config_drift(params, profile):
    """Compare the requested creation settings with an existing profile's config."""
    if not profile:
        return {}
    config = profile.get("Config") or {}
    kubernetes = config.get("KubernetesConfig") or {}
    existing = {
        "driver": config.get("Driver"),
        "cpus": config.get("CPUs"),
        "memory": config.get("Memory"),
        "kubernetes_version": kubernetes.get("KubernetesVersion"),
    }
    requested = {
        "driver": params["driver"],
        "cpus": params["cpus"],
        "memory": memory_in_mb(params["memory"]),
        "kubernetes_version": params["kubernetes_version"],
    }
    drift = {}
    for key, wanted in requested.items():
        if wanted is None or existing[key] is None:
            continue
        if key == "kubernetes_version" and str(wanted).lstrip("v") == str(existing[key]).lstrip("v"):
            continue
        if wanted != existing[key]:
            drift[key] = {"existing": existing[key], "requested": wanted}
    return drift


def control_plane_ip(profile):
    nodes = ((profile or {}).get("Config") or {}).get("Nodes") or []
    for node in nodes:
        if node.get("ControlPlane", True) and node.get("IP"):
            return node["IP"]
    return None


def start_command(params):
    args = ["start", f"--driver={params['driver']}", "--output=json"]
    if params["cpus"] is not None:
        args.append(f"--cpus={params['cpus']}")
    if params["memory"] is not None:
        args.append(f"--memory={params['memory']}")
    if params["kubernetes_version"]:
        args.append(f"--kubernetes-version={params['kubernetes_version']}")
    return args + list(params["start_args"])


def ensure_present(module, cli, result):
    params = module.params
    exists, running, status, _rc = cli.status()
    profile = cli.profile_config() if exists else None
    result["config_drift"] = config_drift(params, profile)
    if result["config_drift"]:
        module.warn(
            "Profile {} exists with other settings than requested ({}); minikube cannot change them on an "
            "existing profile. Delete it (state=absent) to apply them.".format(
                cli.profile, ", ".join(sorted(result["config_drift"]))
            )
        )

    if not running:
        result["started"] = True
        result["changed"] = True
        if not module.check_mode:
            cli.run(start_command(params))
            exists, running, status, _rc = cli.status()
            if not running:
                result["status"] = status
                module.fail_json(
                    msg=f"minikube start returned success but the profile {cli.profile} is not running: {status}",
                    **result,
                )
            profile = cli.profile_config()

    # In check mode before the profile exists, every requested addon would be enabled.
    available = cli.addons() if exists else dict.fromkeys(params["addons"], False)
    unknown = [name for name in params["addons"] if name not in available]
    if unknown:
        module.fail_json(
            msg="Unknown minikube addon(s): {}. Run `minikube addons list` to see the available ones.".format(
                ", ".join(unknown)
            ),
            **result,
        )
    missing = [name for name in params["addons"] if not available[name]]
    for name in missing:
        if not module.check_mode:
            cli.run(["addons", "enable", name])
        result["addons_enabled"].append(name)
        result["changed"] = True
    result["addons"] = dict.fromkeys(params["addons"], True)

    result["status"] = status
    result["kube_context"] = cli.profile
    result["ip"] = control_plane_ip(profile)
    if result["ip"] is None and running and not module.check_mode:
        _rc, stdout, _err = cli.run(["ip"])
        result["ip"] = stdout.strip() or None


def ensure_absent(module, cli, result):
    exists, _running, status, _rc = cli.status()
    if not exists:
        return
    result["status"] = status
    result["deleted"] = True
    result["changed"] = True
    if not module.check_mode:
        cli.run(["delete"])
        result["status"] = {}


def main():
    module = AnsibleModule(
        argument_spec={
            "profile": {"type": "str", "default": "minikube", "aliases": ["name"]},
            "state": {
                "type": "str",
                "choices": ["present", "absent"],
                "default": "present",
            },
            "driver": {"type": "str", "default": "docker"},
            "cpus": {"type": "int"},
            "memory": {"type": "str"},
            "kubernetes_version": {"type": "str"},
            "addons": {
                "type": "list",
                "elements": "str",
                "default": ["ingress", "metrics-server"],
            },
            "start_args": {"type": "list", "elements": "str", "default": []},
            **RUNNER_ARGUMENT_SPEC,
        },
        supports_check_mode=True,
    )
    if module.params["memory"] is not None and memory_in_mb(module.params["memory"]) is None:
        module.fail_json(
            msg="memory must be a number of MB or a size like 4g, got {!r}".format(module.params["memory"])
        )

    cli = MinikubeCLI.from_params(module)
    result = {
        "changed": False,
        "profile": module.params["profile"],
        "status": {},
        "started": False,
        "deleted": False,
        "addons_enabled": [],
    }
    try:
        if module.params["state"] == "present":
            ensure_present(module, cli, result)
        else:
            ensure_absent(module, cli, result)
    except MinikubeError as error:
        error.fail(module, result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
