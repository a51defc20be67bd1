# Copyright: (c) 2026, cloudnative.todo_chatbot contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run one command with a deadline: the one place the collection's modules start a process with a timeout."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import signal
import subprocess


def run_with_deadline(argv, timeout, env=None, cwd=None):
    """(returncode, stdout bytes, stderr bytes, timed_out) of argv, never waiting longer than timeout seconds.

    Standard input is /dev/null, so the command can never wait for a person. The child gets its own process
    group, so a timeout kills it and everything it started. Raises OSError when the command cannot start.
    """
    process = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
        env=env,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=timeout)
        return process.returncode, out, err, False
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except OSError:
            process.kill()
        out, err = process.communicate()
        return process.returncode, out, err, True
