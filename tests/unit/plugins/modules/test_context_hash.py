"""context_hash: the files it hashes are exactly the files docker_image sends, and the hash moves only
when something that reaches the image changes."""

import os
import tarfile
from pathlib import Path

import pytest

from ansible_collections.cloudnative.todo_chatbot.plugins.modules.context_hash import (
    context_digest,
    context_files,
    read_dockerignore,
)
from ansible_collections.community.docker.plugins.module_utils._api.utils.build import tar

REPO_ROOT = Path(__file__).resolve().parents[4]


def sent_by_docker_image(context_dir):
    """Names in the build context archive, made the way community.docker.docker_image makes it."""
    exclude = read_dockerignore(str(context_dir)) or None
    with (
        tar(str(context_dir), exclude=exclude, dockerfile=("Dockerfile", None)) as archive_file,
        tarfile.open(fileobj=archive_file) as archive,
    ):
        return sorted(member.name for member in archive.getmembers())


def digest(context_dir, extra=None, exclude=()):
    files = context_files(str(context_dir), "Dockerfile", list(exclude))
    return context_digest(str(context_dir), files, extra or {})[0]


@pytest.fixture
def context(tmp_path):
    root = tmp_path / "context"
    (root / "pkg" / "__pycache__").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "docs").mkdir()
    (root / "Dockerfile").write_text("FROM scratch\n")
    (root / "pkg" / "app.py").write_text("print('hi')\n")
    (root / "pkg" / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"\0")
    (root / "tests" / "test_app.py").write_text("def test(): pass\n")
    (root / "docs" / "keep.md").write_text("kept by a negation\n")
    (root / "docs" / "drop.md").write_text("dropped\n")
    (root / ".build-ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    (root / ".dockerignore").write_text("# comment\ntests\n**/__pycache__\ndocs\n!docs/keep.md\n")
    return root


@pytest.mark.parametrize("component", ["backend", "frontend"])
def test_the_app_contexts_hash_exactly_what_docker_image_sends(component):
    context_dir = REPO_ROOT / "app" / component
    if not (context_dir / "Dockerfile").exists():
        pytest.skip(f"app/{component}/Dockerfile is missing")
    assert context_files(str(context_dir), "Dockerfile", []) == sent_by_docker_image(context_dir)


def test_a_context_with_negations_and_globs_matches_docker_image(context):
    hashed = context_files(str(context), "Dockerfile", [])
    assert hashed == sent_by_docker_image(context)
    assert "docs/keep.md" in hashed
    assert "docs/drop.md" not in hashed
    assert not [name for name in hashed if name.startswith("tests") or "__pycache__" in name]


def test_an_extra_exclude_leaves_a_sent_file_out_of_the_hash_only(context):
    assert ".build-ca.pem" in sent_by_docker_image(context)
    assert ".build-ca.pem" not in context_files(str(context), "Dockerfile", [".build-ca.pem"])
    before = digest(context, exclude=[".build-ca.pem"])
    (context / ".build-ca.pem").write_text("another bundle\n")
    assert digest(context, exclude=[".build-ca.pem"]) == before


def test_a_change_to_a_sent_file_changes_the_hash(context):
    before = digest(context)
    with (context / "pkg" / "app.py").open("a") as handle:
        handle.write("# one more line\n")
    assert digest(context) != before


def test_a_change_to_an_ignored_file_or_a_timestamp_keeps_the_hash(context):
    before = digest(context)
    (context / "tests" / "test_app.py").write_text("def test(): assert True\n")
    (context / "docs" / "drop.md").write_text("still dropped\n")
    os.utime(context / "pkg" / "app.py", (1, 1))
    assert digest(context) == before


def test_the_executable_bit_a_new_file_and_the_build_args_change_the_hash(context):
    base = digest(context, extra={"build_args": {"PYTHON_IMAGE": "python:3.11-slim-bookworm"}})
    assert digest(context, extra={"build_args": {"PYTHON_IMAGE": "localbase/python:bookworm"}}) != base
    plain = digest(context)
    (context / "pkg" / "app.py").chmod(0o755)
    assert digest(context) != plain
    (context / "pkg" / "new.py").write_text("")
    assert digest(context) != digest(context, exclude=["pkg/new.py"])


def test_the_module_runs_as_ansible_runs_it(context, run_module_process):
    result = run_module_process(
        "context_hash", {"path": str(context), "exclude": [".build-ca.pem"], "length": 8}, path_prefix=None
    )
    assert result["changed"] is False
    assert result["short_hash"] == result["hash"][:8]
    assert result["hash"] == digest(context, exclude=[".build-ca.pem"])
    assert result["file_count"] == 4  # .dockerignore, Dockerfile, pkg/app.py, docs/keep.md


def test_the_module_names_a_missing_dockerfile(tmp_path, run_module_process):
    empty_context = tmp_path / "empty-context"
    empty_context.mkdir()
    result = run_module_process("context_hash", {"path": str(empty_context)}, path_prefix=None)
    assert result["failed"] is True
    assert "no Dockerfile in" in result["msg"]


def _tree(root):
    """Files and symlinks below root (directories are implied by them)."""
    return sorted(str(path.relative_to(root)) for path in Path(root).rglob("*") if not path.is_dir())


def test_the_staged_copy_is_what_docker_would_be_sent_plus_the_extra_files(context, tmp_path):
    from ansible_collections.cloudnative.todo_chatbot.plugins.modules.context_hash import stage_context

    stage = tmp_path / "stage"
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE----- proxy CA\n")
    sent = context_files(str(context), "Dockerfile", [])
    first = stage_context(str(context), sent, str(stage), {".build-ca.pem": str(ca)}, check_mode=False)
    assert _tree(stage) == sorted({name for name in sent if not (context / name).is_dir()} | {".build-ca.pem"})
    assert (stage / ".build-ca.pem").read_text() == ca.read_text(), "the extra file replaces the context's own"
    assert "tests" not in _tree(stage), "what .dockerignore leaves out is not staged"
    assert first

    assert stage_context(str(context), sent, str(stage), {".build-ca.pem": str(ca)}, check_mode=False) == []

    (context / "pkg" / "app.py").write_text("print('changed')\n")
    (stage / "stray.txt").write_text("left by an older build")
    assert stage_context(str(context), sent, str(stage), {}, check_mode=True) != []
    assert (stage / "stray.txt").exists(), "check mode writes nothing"
    changed = stage_context(str(context), sent, str(stage), {}, check_mode=False)
    assert set(changed) == {"pkg/app.py", "stray.txt", ".build-ca.pem"}
    assert (stage / "pkg" / "app.py").read_text() == "print('changed')\n"
    assert (stage / ".build-ca.pem").read_text() == "-----BEGIN CERTIFICATE-----\n", "back to the context's own"


def test_staging_through_the_module_leaves_the_source_untouched_and_refuses_a_stage_inside_it(
    run_module_process, context, tmp_path
):
    before = {path: path.stat().st_mtime_ns for path in context.rglob("*")}
    ca = tmp_path / "ca.pem"
    ca.write_text("CA\n")
    args = {"path": str(context), "stage_to": str(tmp_path / "stage"), "stage_files": {".build-ca.pem": str(ca)}}
    result = run_module_process("context_hash", args, path_prefix=None)
    assert result["changed"] is True
    assert ".build-ca.pem" in result["staged"]
    again = run_module_process("context_hash", args, path_prefix=None)
    assert again["changed"] is False
    assert again["hash"] == result["hash"]
    assert {path: path.stat().st_mtime_ns for path in context.rglob("*")} == before

    inside = run_module_process(
        "context_hash", {"path": str(context), "stage_to": str(context / "x")}, path_prefix=None
    )
    assert inside["failed"]
    assert "must be outside the context" in inside["msg"]
