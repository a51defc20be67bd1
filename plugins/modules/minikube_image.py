#!/usr/bin/python
# Copyright: (c) 2026, cloudnative.todo_chatbot contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
---
module: minikube_image
short_description: Load images from this host's Docker engine into a Minikube profile
version_added: 0.1.0
description:
  - Lists the images in the cluster's container runtime (C(minikube image ls --format short)) and runs
    C(minikube image load) only for the requested images it does not have yet, so a second run changes nothing.
  - Runs minikube the same way as M(cloudnative.todo_chatbot.minikube), with the same runner. That is binary lookup and
    executable check, a timeout that kills minikube and everything it started, and the same failure keys.
  - Does not start the profile; M(cloudnative.todo_chatbot.minikube) does.
author:
  - cloudnative.todo_chatbot contributors (@cloudnative)
extends_documentation_fragment:
  - cloudnative.todo_chatbot.attributes
  - cloudnative.todo_chatbot.minikube_cli
options:
  profile:
    description:
      - Name of the Minikube profile.
    type: str
    default: minikube
  images:
    description:
      - Image references (C(name:tag)) in this host's Docker engine that the cluster must have.
      - Minikube lists Docker Hub images by their full name (C(docker.io/library/name:tag)); both forms count.
    type: list
    elements: str
    required: true
attributes:
  check_mode:
    support: full
    details:
      - Reports which images it would load.
  diff_mode:
    support: none
    details:
      - The module reports what it loaded in RV(loaded), not as a diff.
  idempotent:
    support: full
    details:
      - Images the cluster already has are not loaded again (changed=false).
seealso:
  - module: cloudnative.todo_chatbot.minikube
  - name: minikube image
    description: Reference of the C(minikube image) commands.
    link: https://minikube.sigs.k8s.io/docs/commands/image/
"""

EXAMPLES = r"""
- name: Make the app's images available to the cluster
  cloudnative.todo_chatbot.minikube_image:
    profile: minikube
    images:
      - todo-chatbot-backend:0.1.0-3f2a9c1d7e4b
      - todo-chatbot-frontend:0.1.0-8be01f2c93aa
"""

RETURN = r"""
loaded:
  description: Images the module loaded (or would load, in check mode).
  returned: success
  type: list
  elements: str
  sample: [todo-chatbot-frontend:0.1.0-8be01f2c93aa]
error_kind:
  description:
    - On failure, the family of the problem, V(minikube_missing), V(profile_not_found), V(timeout) or V(error)
      (as M(cloudnative.todo_chatbot.minikube) reports it).
  returned: failure
  type: str
  sample: profile_not_found
command:
  description: On failure, the command that failed.
  returned: failure
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.cloudnative.todo_chatbot.plugins.module_utils.minikube_cli import (
    RUNNER_ARGUMENT_SPEC,
    MinikubeCLI,
    MinikubeError,
)


def full_name(reference):
    """Minikube reports images of Docker Hub's library with their full name."""
    return reference if "/" in reference.split(":")[0] else "docker.io/library/" + reference


def missing_images(wanted, listed):
    present = set(listed)
    return [image for image in wanted if image not in present and full_name(image) not in present]


def main():
    module = AnsibleModule(
        argument_spec={
            "profile": {"type": "str", "default": "minikube"},
            "images": {"type": "list", "elements": "str", "required": True},
            **RUNNER_ARGUMENT_SPEC,
        },
        supports_check_mode=True,
    )
    cli = MinikubeCLI.from_params(module)
    result = {"changed": False, "loaded": []}
    try:
        _rc, stdout, _err = cli.run(["image", "ls", "--format", "short"])
        for image in missing_images(module.params["images"], stdout.split()):
            if not module.check_mode:
                cli.run(["image", "load", image])
            result["loaded"].append(image)
            result["changed"] = True
    except MinikubeError as error:
        error.fail(module, result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
