#!/usr/bin/python
# Copyright: (c) 2026, cloudnative.todo_chatbot contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: doctor
short_description: Check a workstation for everything the Todo AI Chatbot's main job needs, and change nothing
version_added: 0.2.0
description:
  - Looks at the host the way the main job (C(ansible-playbook site.yml)) will use it and returns one row per check,
    each with a state (C(ok), C(warning), C(blocker) or C(info)), what was found, and what to do when it is not fine.
  - Checks the OS and architecture; CPUs, free memory and free disk against the Minikube settings; the Docker daemon
    (answering, its version, usable by this user without sudo); each CLI installed against its pinned version; each
    download source (reachable, or which mirror variable replaces it); the cluster context; the ingress host's
    C(/etc/hosts) entry; and which AI CLIs exist.
  - The slow checks (downloads, Docker, the cluster, the CLIs) run in parallel, each with a short timeout, so the whole
    module finishes in a few seconds even when every network host is unreachable.
  - A row is a C(blocker) only when the run described by the options needs it, for example a download host matters
    only for a CLI that still has to be installed. The module never fails because of a blocker; it returns them in
    RV(blockers), and the calling play decides (the prerequisites role's C(doctor) entry point fails after printing
    the table).
  - Reads only; never changes anything.
author:
  - cloudnative.todo_chatbot contributors (@cloudnative)
extends_documentation_fragment:
  - cloudnative.todo_chatbot.attributes
options:
  tools:
    description:
      - The pinned CLIs, one entry each.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The command's name.
        type: str
        required: true
      path:
        description:
          - Where the CLI is installed. When not set, or not executable, the CLI is looked up on E(PATH).
        type: path
      version:
        description: The pinned version (a leading C(v) is ignored).
        type: str
        required: true
      version_args:
        description: Arguments that make the CLI print its version.
        type: list
        elements: str
        default: [version]
      version_regex:
        description: A regular expression whose first group is the version in that output.
        type: str
        required: true
      url:
        description: Where the pinned version is downloaded from. Empty for none.
        type: str
        default: ""
      mirror_variable:
        description: The variable that replaces the download host (named in the fix).
        type: str
        default: ""
  install_tools:
    description:
      - Whether this run installs a CLI that is missing or at another version. A download source that does not answer
        is a blocker only for a CLI that has to be installed, and only then.
    type: bool
    default: true
  resources:
    description:
      - What Minikube is set to use. Leave out to skip the CPU, memory and disk rows.
    type: dict
    suboptions:
      cpus:
        description: CPUs Minikube uses.
        type: int
        required: true
      memory_mb:
        description: Memory Minikube uses, in MB.
        type: int
        required: true
      disk_gb:
        description: Free disk space Minikube needs, in GB.
        type: float
        required: true
      disk_path:
        description: A directory on the filesystem that must have the free space (the nearest existing parent is used).
        type: path
        required: true
      free_memory_mb:
        description:
          - Free memory of the host in MB as the caller measures it (for example from facts). When not set, the module
            reads C(MemAvailable) from C(/proc/meminfo).
        type: int
      needed:
        description: Whether too little of something blocks this run.
        type: bool
        default: true
  docker:
    description:
      - The Docker daemon. Leave out to skip the Docker row.
    type: dict
    suboptions:
      needed:
        description: Whether this run needs a Docker daemon it can use.
        type: bool
        default: true
      will_install:
        description:
          - Whether this run installs the engine when the CLI is missing and starts the daemon when it does not answer
            (the prerequisites role with O(docker.will_install=true) on a supported platform).
        type: bool
        default: false
  cluster:
    description:
      - The Kubernetes context the deploy uses. Leave out to skip the cluster row.
    type: dict
    suboptions:
      context:
        description: The kubeconfig context.
        type: str
        required: true
      kubeconfig:
        description: The kubeconfig file. Default is kubectl's own choice (E(KUBECONFIG) or C(~/.kube/config)).
        type: path
      kubectl:
        description: The kubectl to ask. Default is the one found on E(PATH).
        type: path
      needed:
        description:
          - Whether the cluster must answer already (it must when the run deploys but does not start Minikube).
        type: bool
        default: false
  hosts_entry:
    description:
      - A host name the deploy adds to the hosts file (the ingress host). Leave out to skip the row.
    type: str
  hosts_file:
    description: The hosts file to read.
    type: path
    default: /etc/hosts
  ai_clis:
    description: Report which AI DevOps CLIs exist (Gordon as C(docker ai), kubectl-ai, kagent).
    type: bool
    default: true
  search_path:
    description: More directories to look for CLIs in, before E(PATH) (for example the install directory).
    type: list
    elements: path
    default: []
  timeout:
    description: Seconds each check may take (each download source, each command).
    type: float
    default: 5
  docs_url:
    description: Where the rows' fixes point for the air-gapped and mirror settings.
    type: str
    default: roles/prerequisites/README.md#air-gapped-networks-and-mirrors
attributes:
  check_mode:
    support: full
    details:
      - The module only reads, so it runs unchanged in check mode.
  diff_mode:
    support: none
  idempotent:
    support: full
    details:
      - It always returns C(changed=false).
notes:
  - A download source counts as reachable when its host answers an HTTP C(HEAD) request for the pinned file with any
    status; a C(404) means the mirror does not have that version.
  - Uses the proxy settings of the environment (E(https_proxy), E(no_proxy)) as the downloads do.
seealso:
  - module: ansible.builtin.get_url
  - name: The doctor playbook
    description: C(playbooks/doctor.yml) runs this module through the prerequisites role and prints the table.
    link: https://github.com/cloudnative-todo-chatbot/todo_chatbot/blob/main/roles/prerequisites/README.md
"""

EXAMPLES = r"""
- name: Check the workstation for the main job
  cloudnative.todo_chatbot.doctor:
    resources:
      cpus: 2
      memory_mb: 4096
      disk_gb: 20
      disk_path: "{{ ansible_facts['env']['HOME'] }}"
    docker:
      needed: true
      will_install: false
    tools:
      - name: kubectl
        version: "1.37.1"
        path: /usr/local/bin/kubectl
        version_args: [version, --client, --output=json]
        version_regex: '"gitVersion":\s*"v?([0-9][^"]*)"'
        url: https://dl.k8s.io/release/v1.37.1/bin/linux/amd64/kubectl
        mirror_variable: prerequisites_kubectl_mirror
    cluster:
      context: minikube
      needed: false
    hosts_entry: todo.local
  register: doctor

- name: Print the table
  ansible.builtin.debug:
    msg: "{{ doctor.table }}"

- name: Stop when something blocks the main job
  ansible.builtin.fail:
    msg: "{{ doctor.blockers | join('; ') }}"
  when: doctor.blockers | length > 0
"""

RETURN = r"""
rows:
  description: One entry per check, in the order of the table.
  returned: always
  type: list
  elements: dict
  contains:
    check:
      description: What was checked.
      type: str
      sample: Docker daemon
    state:
      description: C(ok), C(warning) (works, but worth knowing), C(blocker) (the run would fail) or C(info).
      type: str
      sample: blocker
    found:
      description: What the check found.
      type: str
      sample: not answering (Cannot connect to the Docker daemon at unix:///var/run/docker.sock)
    fix:
      description: What to do; empty when nothing needs doing.
      type: str
      sample: "Start it: sudo systemctl start docker"
  sample:
    - check: kubectl
      state: ok
      found: 1.37.1 (pinned 1.37.1)
      fix: ""
blockers:
  description: The rows in state C(blocker), each as one line with its fix.
  returned: always
  type: list
  elements: str
  sample:
    - "download dl.k8s.io: unreachable (Name or service not known). Set prerequisites_kubectl_mirror to a mirror"
table:
  description: The rows as aligned lines of text, for a person to read.
  returned: always
  type: list
  elements: str
  sample:
    - "STATE    CHECK           FOUND"
    - "ok       OS              Debian 12 (x86_64)"
duration:
  description: Seconds the checks took.
  returned: always
  type: float
  sample: 1.42
docker_answers:
  description: Whether the Docker daemon answered this user (C(null) when not checked).
  returned: always
  type: bool
  sample: true
"""

import os
import platform
import pwd
import re
import shutil
import time
from concurrent.futures import ThreadPoolExecutor

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.six.moves.urllib.parse import urlparse
from ansible.module_utils.urls import open_url

from ansible_collections.cloudnative.todo_chatbot.plugins.module_utils.process import run_with_deadline

DOCS_URL = "roles/prerequisites/README.md#air-gapped-networks-and-mirrors"
SUPPORTED_FAMILIES = ("debian", "ubuntu", "fedora", "rhel", "centos", "rocky", "almalinux", "darwin")


def row(check, state, found, fix=""):
    return {"check": check, "state": state, "found": found, "fix": fix}


def run(argv, timeout):
    """(rc, stdout, stderr) of a command; rc is None when it could not start or did not finish in time."""
    try:
        rc, out, err, timed_out = run_with_deadline(argv, timeout)
    except OSError as exc:
        return None, "", exc.strerror or str(exc)
    if timed_out:
        return None, "", "no answer within %gs" % timeout
    return rc, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def first_line(text, limit=160):
    for raw in (text or "").splitlines():
        line = raw.strip()
        if line:
            return line if len(line) <= limit else line[: limit - 3] + "..."
    return ""


def find_binary(name, path, search_path):
    if path and os.path.isfile(path) and os.access(path, os.X_OK):
        return path
    for directory in search_path:
        candidate = os.path.join(directory, name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which(name)


# ---------------------------------------------------------------------------------------------- checks


def check_os():
    system = platform.system()
    machine = platform.machine()
    if system == "Linux":
        release = {}
        try:
            with open("/etc/os-release") as handle:
                for line in handle:
                    key, value = line.strip().partition("=")[::2]
                    release[key] = value.strip('"')
        except (IOError, OSError):
            pass
        name = release.get("PRETTY_NAME") or "Linux"
        families = [release.get("ID", ""), *release.get("ID_LIKE", "").split()]
        supported = any(family in SUPPORTED_FAMILIES for family in families)
    else:
        name = "%s %s" % (system, platform.release())
        supported = system.lower() in SUPPORTED_FAMILIES
    found = "%s (%s)" % (name, machine)
    if machine not in ("x86_64", "amd64", "aarch64", "arm64"):
        return row("OS", "blocker", found, "The pinned CLIs are published for amd64 and arm64 only.")
    if not supported:
        return row(
            "OS",
            "warning",
            found,
            "Not a Debian/Ubuntu, Fedora/RHEL or macOS host: install Docker yourself and set "
            "prerequisites_install_docker: false.",
        )
    return row("OS", "ok", found)


def free_memory_mb():
    try:
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) // 1024
    except (IOError, OSError, ValueError):
        pass
    return None


def _enough(check, short_state, have, need, *, found_ok, found_short, fix):
    """One resource row: ok when `have` reaches `need`, else `short_state` with the fix."""
    if have >= need:
        return row(check, "ok", found_ok)
    return row(check, short_state, found_short, fix)


def check_resources(spec):
    short = "blocker" if spec["needed"] else "warning"
    cpus = os.cpu_count() or 0
    rows = [
        _enough(
            "CPUs",
            short,
            cpus,
            spec["cpus"],
            found_ok="%d (Minikube uses %d)" % (cpus, spec["cpus"]),
            found_short="%d, but Minikube is set to use %d" % (cpus, spec["cpus"]),
            fix="Lower minikube_cpus and prerequisites_minikube_cpus to %d, or use a bigger machine." % cpus,
        )
    ]
    free = spec.get("free_memory_mb")
    if free is None:
        free = free_memory_mb()
    if free is None:
        rows.append(row("Memory", "info", "free memory unknown on this OS"))
    else:
        rows.append(
            _enough(
                "Memory",
                short,
                free,
                spec["memory_mb"],
                found_ok="%d MB free (Minikube uses %d MB)" % (free, spec["memory_mb"]),
                found_short="%d MB free, but Minikube is set to use %d MB" % (free, spec["memory_mb"]),
                fix="Close memory-hungry programs, or lower minikube_memory_mb and prerequisites_minikube_memory_mb "
                "(Minikube needs at least 1800 MB).",
            )
        )
    path = spec["disk_path"]
    while path and not os.path.exists(path):
        path = os.path.dirname(path.rstrip("/")) or "/"
    free_gb = shutil.disk_usage(path or "/").free / 1024.0**3
    rows.append(
        _enough(
            "Disk",
            short,
            free_gb,
            spec["disk_gb"],
            found_ok="%.1f GB free under %s (Minikube needs %g GB)" % (free_gb, path, spec["disk_gb"]),
            found_short="%.1f GB free under %s, but Minikube needs %g GB" % (free_gb, path, spec["disk_gb"]),
            fix="Free some space (docker system prune), or lower prerequisites_minikube_disk_gb with a smaller "
            "minikube --disk-size.",
        )
    )
    return rows


def systemd_running():
    return os.path.isdir("/run/systemd/system")


def docker_start_advice():
    if platform.system() == "Darwin":
        return "Open Docker Desktop (or `open -a Docker`) and wait until it says it is running."
    if systemd_running():
        return "Start it: `sudo systemctl start docker` (and `sudo systemctl enable docker` to keep it at boot)."
    return (
        "This host has no systemd to manage it (a container, WSL2 without systemd): start it the way it is set up "
        "here, e.g. `sudo service docker start` or `sudo dockerd > /tmp/dockerd.log 2>&1 &`, and check DOCKER_HOST."
    )


def check_docker(spec, timeout, search_path, user):
    """The Docker row and whether the daemon answered."""
    docker = find_binary("docker", None, search_path)
    if not docker:
        if spec["will_install"]:
            return row("Docker", "info", "not installed", "The prerequisites stage installs the engine."), False
        state = "blocker" if spec["needed"] else "warning"
        fix = (
            "Install Docker Desktop (https://docs.docker.com/desktop/) and start it."
            if platform.system() == "Darwin"
            else "Install the Docker engine, or set prerequisites_install_docker: true (Debian/Ubuntu, Fedora/RHEL)."
        )
        return row("Docker", state, "the docker command is not installed", fix), False
    rc, stdout, stderr = run([docker, "version", "--format", "{{.Client.Version}} {{.Server.Version}}"], timeout)
    versions = stdout.split()
    if rc == 0 and len(versions) == 2:
        found = "daemon %s answers (client %s), usable by %s" % (versions[1], versions[0], user)
        return row("Docker", "ok", found), True
    reason = first_line(stderr) or first_line(stdout) or "no answer"
    if "permission denied" in reason.lower():
        return (
            row(
                "Docker",
                "blocker" if spec["needed"] else "warning",
                "the daemon answers, but not to %s (%s)" % (user, reason),
                "Add the user to the docker group: prerequisites_docker_users: [%s] or `sudo usermod -aG docker %s`, "
                "then log out and back in (or `newgrp docker`)." % (user, user),
            ),
            False,
        )
    if spec["will_install"] and systemd_running():
        fix = "The prerequisites stage starts it with systemd."
        return row("Docker", "info", "not answering (%s)" % reason, fix), False
    return (
        row("Docker", "blocker" if spec["needed"] else "warning", "not answering (%s)" % reason, docker_start_advice()),
        False,
    )


def installed_version(tool, search_path, timeout):
    binary = find_binary(tool["name"], tool.get("path"), search_path)
    if not binary:
        return None, "not installed"
    rc, stdout, stderr = run([binary, *tool["version_args"]], timeout)
    if rc != 0:
        return None, "%s does not run (%s)" % (binary, first_line(stderr) or first_line(stdout) or "exit %s" % rc)
    match = re.search(tool["version_regex"], stdout, re.MULTILINE)
    if not match:
        return None, "%s prints no version it can read" % binary
    return match.group(1), binary


def check_tool(tool, install, search_path, timeout):
    wanted = str(tool["version"]).lstrip("v")
    version, where = installed_version(tool, search_path, timeout)
    if version == wanted:
        return row(tool["name"], "ok", "%s (pinned %s) at %s" % (version, wanted, where)), False
    found = "%s at %s, pinned %s" % (version, where, wanted) if version else "%s, pinned %s" % (where, wanted)
    if install:
        return row(tool["name"], "info", found, "The prerequisites stage installs %s." % wanted), True
    fix = "Run the prerequisites stage (--tags prerequisites) to install it."
    return row(tool["name"], "warning", found, fix), False


def probe_url(url, timeout):
    """(answered, detail) for an HTTP HEAD of url."""
    try:
        response = open_url(url, method="HEAD", timeout=timeout, follow_redirects="all")
        return True, "HTTP %s" % response.getcode()
    except HTTPError as exc:
        return True, "HTTP %s" % exc.code
    except URLError as exc:
        reason = getattr(exc, "reason", exc)
        return False, str(getattr(reason, "strerror", None) or reason)
    except Exception as exc:  # socket timeouts, TLS errors, bad URLs: all mean "unreachable"
        return False, str(exc) or exc.__class__.__name__


def check_download(tool, needs_install, timeout, docs_url):
    url = tool["url"].strip()
    host = urlparse(url).hostname or url
    check = "download %s" % tool["name"]
    answered, detail = probe_url(url, timeout)
    variable = tool.get("mirror_variable") or "the mirror variable"
    if answered and detail in ("HTTP 404", "HTTP 410"):
        state = "blocker" if needs_install else "info"
        return row(
            check,
            state,
            "%s has no %s (%s)" % (host, url, detail),
            "Point %s at a mirror that has version %s (see %s)." % (variable, tool["version"], docs_url),
        )
    if answered:
        return row(check, "ok", "%s answers (%s)" % (host, detail))
    found = "%s unreachable (%s)" % (host, detail)
    if not needs_install:
        return row(check, "info", found + "; not needed, %s is installed" % tool["name"])
    return row(
        check,
        "blocker",
        found,
        "Allow HTTPS to %s (or set https_proxy), or set %s to a mirror with the publisher's layout (see %s)."
        % (host, variable, docs_url),
    )


def check_cluster(spec, timeout, search_path):
    kubectl = find_binary("kubectl", spec.get("kubectl"), search_path)
    context = spec["context"]
    later = "The minikube stage starts it." if not spec["needed"] else ""
    if not kubectl:
        state = "blocker" if spec["needed"] else "info"
        return row("cluster %s" % context, state, "kubectl is not installed", later or "Install kubectl.")
    argv = [kubectl, "--context", context, "--request-timeout=%ds" % max(1, int(timeout)), "get", "--raw=/readyz"]
    if spec.get("kubeconfig"):
        argv[1:1] = ["--kubeconfig", spec["kubeconfig"]]
    rc, stdout, stderr = run(argv, timeout + 2)
    if rc == 0:
        return row("cluster %s" % context, "ok", "answers (readyz %s)" % (first_line(stdout) or "ok"))
    reason = first_line(stderr) or first_line(stdout) or "no answer"
    if spec["needed"]:
        fix = (
            "Add the context to your kubeconfig (kubectl config get-contexts), or set the inventory's context."
            if "does not exist" in reason or "context was not found" in reason
            else "Start the cluster (for Minikube: run the minikube stage, `--tags minikube`) and check the context."
        )
        return row("cluster %s" % context, "blocker", reason, fix)
    return row("cluster %s" % context, "info", "not reachable yet (%s)" % reason, later)


def check_hosts_entry(host, hosts_file):
    try:
        with open(hosts_file) as handle:
            for line in handle:
                fields = line.split("#", 1)[0].split()
                if len(fields) > 1 and host in fields[1:]:
                    return row("hosts %s" % host, "ok", "%s %s in %s" % (fields[0], host, hosts_file))
    except (IOError, OSError) as exc:
        return row("hosts %s" % host, "warning", "cannot read %s (%s)" % (hosts_file, exc.strerror))
    return row(
        "hosts %s" % host,
        "info",
        "no entry in %s" % hosts_file,
        "The deploy stage adds it (with sudo); or add '<cluster ingress IP> %s' yourself." % host,
    )


def check_ai_clis(search_path, timeout):
    found = []
    docker = find_binary("docker", None, search_path)
    if docker:
        rc = run([docker, "ai", "version"], timeout)[0]
        if rc == 0:
            found.append("Gordon (docker ai)")
    for name in ("kubectl-ai", "kagent"):
        if find_binary(name, None, search_path):
            found.append(name)
    if found:
        return row("AI CLIs", "ok", ", ".join(found))
    return row(
        "AI CLIs",
        "info",
        "none found",
        "Optional: Gordon comes with Docker Desktop; set prerequisites_install_kubectl_ai / "
        "prerequisites_install_kagent to install the others.",
    )


# ---------------------------------------------------------------------------------------------- report


def render_table(rows):
    width = max([len("CHECK")] + [len(r["check"]) for r in rows])
    lines = ["%-8s %-*s  %s" % ("STATE", width, "CHECK", "FOUND")]
    for entry in rows:
        lines.append("%-8s %-*s  %s" % (entry["state"], width, entry["check"], entry["found"]))
        if entry["fix"] and entry["state"] in ("blocker", "warning"):
            lines.append("%-8s %-*s  -> %s" % ("", width, "", entry["fix"]))
    return lines


def blocker_lines(rows):
    return ["%s: %s. %s" % (r["check"], r["found"], r["fix"]) for r in rows if r["state"] == "blocker"]


def examine(params, user):
    timeout = params["timeout"]
    search_path = params["search_path"]
    rows = [check_os()]
    if params["resources"]:
        rows.extend(check_resources(params["resources"]))
    docker_answers = None
    with ThreadPoolExecutor(max_workers=12) as pool:
        docker_future = (
            pool.submit(check_docker, params["docker"], timeout, search_path, user) if params["docker"] else None
        )
        install = params["install_tools"]
        tool_futures = [pool.submit(check_tool, tool, install, search_path, timeout) for tool in params["tools"]]
        cluster = params["cluster"]
        cluster_future = pool.submit(check_cluster, cluster, timeout, search_path) if cluster else None
        ai_future = pool.submit(check_ai_clis, search_path, timeout) if params["ai_clis"] else None
        if docker_future:
            docker_row, docker_answers = docker_future.result()
            rows.append(docker_row)
        tool_results = [(tool, future.result()) for tool, future in zip(params["tools"], tool_futures)]  # noqa: B905
        download_futures = [
            pool.submit(check_download, tool, needs_install, timeout, params["docs_url"])
            for tool, (dummy, needs_install) in tool_results
            if tool["url"].strip()
        ]
        rows.extend(result[0] for dummy, result in tool_results)
        rows.extend(future.result() for future in download_futures)
        if cluster_future:
            rows.append(cluster_future.result())
        if params["hosts_entry"]:
            rows.append(check_hosts_entry(params["hosts_entry"], params["hosts_file"]))
        if ai_future:
            rows.append(ai_future.result())
    return rows, docker_answers


def main():
    module = AnsibleModule(
        argument_spec={
            "tools": {
                "type": "list",
                "elements": "dict",
                "default": [],
                "options": {
                    "name": {"type": "str", "required": True},
                    "path": {"type": "path"},
                    "version": {"type": "str", "required": True},
                    "version_args": {"type": "list", "elements": "str", "default": ["version"]},
                    "version_regex": {"type": "str", "required": True},
                    "url": {"type": "str", "default": ""},
                    "mirror_variable": {"type": "str", "default": ""},
                },
            },
            "install_tools": {"type": "bool", "default": True},
            "resources": {
                "type": "dict",
                "options": {
                    "cpus": {"type": "int", "required": True},
                    "memory_mb": {"type": "int", "required": True},
                    "disk_gb": {"type": "float", "required": True},
                    "disk_path": {"type": "path", "required": True},
                    "free_memory_mb": {"type": "int"},
                    "needed": {"type": "bool", "default": True},
                },
            },
            "docker": {
                "type": "dict",
                "options": {
                    "needed": {"type": "bool", "default": True},
                    "will_install": {"type": "bool", "default": False},
                },
            },
            "cluster": {
                "type": "dict",
                "options": {
                    "context": {"type": "str", "required": True},
                    "kubeconfig": {"type": "path"},
                    "kubectl": {"type": "path"},
                    "needed": {"type": "bool", "default": False},
                },
            },
            "hosts_entry": {"type": "str"},
            "hosts_file": {"type": "path", "default": "/etc/hosts"},
            "ai_clis": {"type": "bool", "default": True},
            "search_path": {"type": "list", "elements": "path", "default": []},
            "timeout": {"type": "float", "default": 5},
            "docs_url": {"type": "str", "default": DOCS_URL},
        },
        supports_check_mode=True,
    )
    if not 0 < module.params["timeout"] <= 60:
        module.fail_json(msg="timeout must be between 0 and 60 seconds, not %s" % module.params["timeout"])
    for tool in module.params["tools"]:
        try:
            re.compile(tool["version_regex"])
        except re.error as exc:
            module.fail_json(msg="tools[%s].version_regex is not a regular expression: %s" % (tool["name"], exc))
    started = time.monotonic()
    user = pwd.getpwuid(os.getuid()).pw_name
    rows, docker_answers = examine(module.params, user)
    module.exit_json(
        changed=False,
        rows=rows,
        blockers=blocker_lines(rows),
        table=render_table(rows),
        docker_answers=docker_answers,
        duration=round(time.monotonic() - started, 2),
    )


if __name__ == "__main__":
    main()
