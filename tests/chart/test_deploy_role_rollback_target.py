"""The rollback entry point's "previous revision" is the newest one before the current content that was
deployed and worked: never a failed revision, never the current content again (the role's own task, run on
histories as `helm history -o json` prints them)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
import yaml
from harness.playbook import run_playbook

REPO_ROOT = Path(__file__).resolve().parents[2]


def revision(number: int, status: str, description: str) -> dict:
    return {"revision": number, "status": status, "description": description, "chart": "todo-chatbot-0.1.0"}


HISTORIES = {
    # an upgrade that failed, which helm rolled back (atomic): go back past the failed one and past the
    # content that is current again (revision 2), to revision 1
    "after-a-failed-upgrade": (
        [
            revision(1, "superseded", "Install complete"),
            revision(2, "superseded", "Upgrade complete"),
            revision(3, "failed", 'Upgrade "todo-chatbot" failed: context deadline exceeded'),
            revision(4, "deployed", "Rollback to 2"),
        ],
        1,
    ),
    "two-upgrades": ([revision(1, "superseded", "Install complete"), revision(2, "deployed", "Upgrade complete")], 1),
    "the-current-one-failed": (
        [revision(1, "superseded", "Install complete"), revision(2, "failed", "Upgrade failed")],
        1,
    ),
    "a-single-revision": ([revision(1, "deployed", "Install complete")], 0),
}


@pytest.mark.parametrize(("history", "target"), HISTORIES.values(), ids=HISTORIES.keys())
def test_the_previous_revision_skips_failed_ones_and_the_current_content(tmp_path, history, target):
    tasks = yaml.safe_load((REPO_ROOT / "roles/deploy/tasks/rollback.yml").read_text())
    choose = next(task for task in tasks if task["name"] == "Choose the revision to go back to")
    choose["vars"]["deploy_release_history"] = {"rc": 0, "stdout": json.dumps(history)}
    playbook = tmp_path / "choose.yml"
    playbook.write_text(
        yaml.safe_dump(
            [
                {
                    "name": "Choose",
                    "hosts": "localhost",
                    "gather_facts": False,
                    "vars": {"deploy_rollback_revision": 0},
                    "tasks": [
                        choose,
                        {"name": "Show", "ansible.builtin.debug": {"msg": "TARGET {{ deploy_rollback_target }} END"}},
                    ],
                }
            ]
        )
    )
    result = run_playbook(playbook, "-e", f"ansible_python_interpreter={sys.executable}", timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert int(re.search(r"TARGET (\d+) END", result.stdout).group(1)) == target
