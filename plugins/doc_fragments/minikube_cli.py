# Copyright: (c) 2026, cloudnative.todo_chatbot contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of every module that runs minikube through module_utils/minikube_cli.py (RUNNER_ARGUMENT_SPEC)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  binary_path:
    description:
      - Path to the minikube binary. Looked up on E(PATH) when omitted. It must be an executable file.
    type: path
  timeout:
    description:
      - Seconds each minikube command may take (1 to 86400). When the time is up, minikube and every process it
        started are killed and the task fails with RV(error_kind) V(timeout) (a C(minikube start) on a stuck
        driver never ends by itself).
    type: int
    default: 1800
"""
