"""The chart role lints, packages and renders only when an input of that build changed.

tasks/build.yml writes a stamp (.chart-build-stamp) last, holding a digest of every input; a re-run whose
inputs match it, with the package and manifests.yaml in place, skips the build and reports changed=0. Here a
stand-in helm logs every call (so "did not lint, package or render" is read from what helm was asked), writes
a package file and renders the values it was given; molecule/chart runs the same role with the real helm.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from harness.playbook import run_playbook

REPO_ROOT = Path(__file__).resolve().parents[2]
CHART_DIR = REPO_ROOT / "app" / "chart" / "todo-chatbot"
IMAGES = {
    "backend": {"repository": "registry.example.com/todo/backend", "tag": "1.2.3"},
    "frontend": {"repository": "registry.example.com/todo/frontend", "tag": "0.1.0-abc123"},
}
# The names of build.yml's tasks, up to any Jinja in them ("Package the chart as {{ ... }}").
BUILD_TASKS = [
    task["name"].split("{{")[0].strip()
    for task in yaml.safe_load((REPO_ROOT / "roles/chart/tasks/build.yml").read_text())
]
LINT_FAILS_HOST = "lint-fails.example.com"

FAKE_HELM = """#!{python}
# A stand-in helm: logs its arguments, fails the lint for one host, packages an empty file, renders the values.
import json, sys
from pathlib import Path

import yaml

args = sys.argv[1:]
with open({log!r}, "a") as log:
    log.write(json.dumps(args) + "\\n")
if args[0] == "lint":
    values = yaml.safe_load(Path(args[args.index("--values") + 1]).read_text())
    if values["ingress"]["host"] == {lint_fails!r}:
        print("[ERROR] values.yaml: the stand-in refuses this host")
        sys.exit(1)
elif args[0] == "package":
    name = yaml.safe_load((Path(args[1]) / "Chart.yaml").read_text())["name"]
    version = args[args.index("--version") + 1]
    package = Path(args[args.index("--destination") + 1]) / f"{{name}}-{{version}}.tgz"
    package.write_text(version)
    print(f"Successfully packaged chart and saved it to: {{package}}")
elif args[0] == "template":
    values = yaml.safe_load(Path(next(arg[3:] for arg in args if arg.startswith("-f="))).read_text())
    manifest = {{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {{"name": args[1]}},
                "data": {{"chart": Path(args[2]).name, "host": values["ingress"]["host"]}}}}
    print(yaml.safe_dump(manifest))
"""


class ChartRole:
    """The chart role on a copy of the chart, with the stand-in helm, in tmp_path."""

    def __init__(self, tmp_path: Path):
        self.chart = tmp_path / "chart"
        shutil.copytree(CHART_DIR, self.chart)
        self.build = tmp_path / "build"
        self.log = tmp_path / "helm.log"
        self.log.touch()
        self.helm = tmp_path / "helm"
        self.helm.write_text(FAKE_HELM.format(python=sys.executable, log=str(self.log), lint_fails=LINT_FAILS_HOST))
        self.helm.chmod(0o755)
        self.playbook = tmp_path / "chart.yml"
        self.calls_seen = 0

    def run(self, *args: str, **role_vars) -> Run:
        self.playbook.write_text(
            yaml.safe_dump(
                [
                    {
                        "name": "Run the chart role",
                        "hosts": "localhost",
                        "gather_facts": False,
                        "roles": [
                            {
                                "role": "cloudnative.todo_chatbot.chart",
                                "vars": {
                                    "chart_source_dir": str(self.chart),
                                    "chart_build_dir": str(self.build),
                                    "chart_helm_binary": str(self.helm),
                                    "chart_images": IMAGES,
                                    **role_vars,
                                },
                            }
                        ],
                    }
                ]
            )
        )
        result = run_playbook(
            self.playbook,
            "-e",
            f"ansible_python_interpreter={sys.executable}",
            *args,
            env={"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"},
            timeout=180,
        )
        calls = [json.loads(line) for line in self.log.read_text().splitlines()]
        helm_jobs = [call[0] for call in calls[self.calls_seen :]]
        self.calls_seen = len(calls)
        return Run(result, helm_jobs)

    def files(self) -> dict[str, str]:
        return {path.name: path.read_text() for path in sorted(self.build.iterdir())}


class Run:
    def __init__(self, result: subprocess.CompletedProcess, helm_jobs: list[str]):
        self.result = result
        self.helm_jobs = helm_jobs
        self.output = json.loads(result.stdout)
        self.stats = self.output["stats"]["localhost"]
        # the names of the tasks that ran (not skipped), without the role's prefix
        self.tasks_run = [
            task["task"]["name"].split(" : ", 1)[-1]
            for play in self.output["plays"]
            for task in play["tasks"]
            if not task["hosts"]["localhost"].get("skipped")
        ]

    @property
    def exported(self) -> dict:
        """The facts the role's last task exports."""
        export = next(
            task["hosts"]["localhost"]
            for play in self.output["plays"]
            for task in play["tasks"]
            if task["task"]["name"].endswith("Export the chart artefacts for the deploy role")
        )
        return export["ansible_facts"]

    @property
    def succeeded(self) -> bool:
        return self.result.returncode == 0

    @property
    def built(self) -> bool:
        return any(name.startswith(tuple(BUILD_TASKS)) for name in self.tasks_run)


@pytest.fixture
def role(tmp_path) -> ChartRole:
    return ChartRole(tmp_path)


def assert_noop(run: Run) -> None:
    assert run.succeeded, run.result.stdout + run.result.stderr
    assert run.stats["changed"] == 0, run.tasks_run
    assert not run.built, run.tasks_run
    assert run.helm_jobs == []


def edit_a_template(role: ChartRole) -> None:
    with (role.chart / "templates" / "configmap.yaml").open("a") as template:
        template.write("# a change to the chart\n")


def delete(name: str):
    def delete_it(role: ChartRole) -> None:
        next(role.build.glob(name)).unlink()

    return delete_it


# In order, each on the state the step before left: what changes, the variables from then on (chart_rebuild
# only for its run), the helm jobs the build runs, and whether the stamp records new inputs (a re-run after
# it must then skip the build again).
STEPS = [
    ("edit a chart template", edit_a_template, {}, ["lint", "package", "template"], True),
    # the package of this chart content is there: only the values changed
    ("change a value", None, {"chart_ingress_host": "changed.example.com"}, ["lint", "template"], True),
    ("delete manifests.yaml", delete("manifests.yaml"), {}, ["lint", "template"], False),
    ("delete the package", delete("*.tgz"), {}, ["lint", "package", "template"], False),
    ("turn the render off", None, {"chart_render": False}, ["lint"], True),
    ("chart_rebuild=true", None, {"chart_rebuild": True}, ["lint", "package"], False),
]


def test_a_rerun_skips_the_build_until_an_input_changes_or_an_output_is_missing(role):
    first = role.run()
    assert first.succeeded, first.result.stdout + first.result.stderr
    assert first.helm_jobs == ["lint", "package", "template"]
    built = role.files()
    stamp = json.loads(built[".chart-build-stamp"])
    assert set(stamp) == {"digest", "inputs"}
    assert stamp["inputs"]["values_checksum"], "the values file's checksum is an input"
    assert stamp["inputs"]["chart_version"] in next(name for name in built if name.endswith(".tgz"))
    assert first.exported["chart_manifests_path"] == str(role.build / "manifests.yaml")

    second = role.run()
    assert_noop(second)
    assert second.stats["ok"] > 0
    assert role.files() == built

    role_vars: dict = {}
    for step, change, new_vars, helm_jobs, new_inputs in STEPS:
        if change:
            change(role)
        rebuild = new_vars.pop("chart_rebuild", False)
        role_vars |= new_vars
        before = role.files()
        rebuilt = role.run(**role_vars, chart_rebuild=rebuild)
        assert rebuilt.succeeded, (step, rebuilt.result.stdout + rebuilt.result.stderr)
        assert rebuilt.built, step
        assert rebuilt.helm_jobs == helm_jobs, step
        assert rebuilt.stats["changed"] > 0, step
        after = role.files()
        assert len([name for name in after if name.endswith(".tgz")]) == 1, (step, "one package, of this content")
        assert (after[".chart-build-stamp"] != before[".chart-build-stamp"]) == new_inputs, step
        if new_inputs or step == STEPS[-1][0]:
            assert_noop(role.run(**role_vars))
        if change is edit_a_template:
            assert set(after) - set(before), "a new package version"
        if new_vars.get("chart_ingress_host"):
            assert "changed.example.com" in after["manifests.yaml"]
        if new_vars.get("chart_render") is False:
            assert rebuilt.exported["chart_manifests_path"] == ""


def test_a_failed_build_leaves_no_stamp_of_its_inputs_and_check_mode_builds_nothing(role):
    fresh = role.run("--check")
    assert fresh.succeeded, fresh.result.stdout + fresh.result.stderr
    assert fresh.stats["changed"] > 0
    assert fresh.helm_jobs == []
    assert not role.build.exists(), "check mode wrote nothing"

    role.run()
    built = role.files()
    failed = role.run(chart_ingress_host=LINT_FAILS_HOST)
    assert not failed.succeeded
    assert failed.helm_jobs == ["lint"]
    # the same inputs again: the stamp is still the last good build's, so the build runs (and fails) again
    again = role.run(chart_ingress_host=LINT_FAILS_HOST)
    assert not again.succeeded
    assert again.helm_jobs == ["lint"]
    # back to the last good inputs: the values file changed back, so it builds, and renders those values
    back = role.run()
    assert back.succeeded, back.result.stdout + back.result.stderr
    assert back.helm_jobs == ["lint", "template"]
    assert role.files() == built

    assert_noop(role.run("--check"))
    changed = role.run("--check", chart_ingress_host="changed.example.com")
    assert changed.succeeded, changed.result.stdout + changed.result.stderr
    assert changed.stats["changed"] > 0
    # no lint or package in check mode; no render of a values file that was not written
    assert changed.helm_jobs == []
    assert role.files() == built
