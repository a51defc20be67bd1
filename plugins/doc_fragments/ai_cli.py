# Copyright: (c) 2026, cloudnative.todo_chatbot contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Option documentation shared by the AI DevOps CLI modules."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  binary_path:
    description:
      - Path to the CLI executable.
      - When not set, the executable is looked up on the remote host's E(PATH) (and the usual sbin directories).
    type: path
  timeout:
    description:
      - Seconds to wait for the CLI to finish.
      - When the time is up the CLI and every process it started are killed and the task fails.
    type: int
    default: 300
notes:
  - The CLI runs with C(/dev/null) as standard input, so it can never wait for an answer from a person
    and never reads stray input as part of the prompt.
  - ANSI colour codes are removed from RV(ignore:stdout) and RV(ignore:stderr).
  - Secrets (API keys) are replaced by C(********) in every returned value, including RV(ignore:command).
"""
