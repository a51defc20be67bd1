#!/usr/bin/python
# Copyright: (c) 2026, cloudnative.todo_chatbot contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: context_hash
short_description: Hash a Docker build context exactly as community.docker.docker_image would send it
version_added: 0.1.0
description:
  - Lists the files of a Docker build context the way M(community.docker.docker_image) does when it builds
    (C(source=build)). It reads C(.dockerignore) and applies it with the same code, so the files hashed are the files
    the Docker engine receives.
  - Returns a SHA-256 digest over each file's relative path, content, executable bit and symlink target, and over
    O(extra) (for example the build arguments, so switching a base image gives a new hash).
  - Use the short hash in an image tag; an image whose tag already exists then needs no rebuild, and any change to
    the context gives a new tag and so a rebuild.
  - With O(stage_to), it also mirrors the context (exactly the files Docker would be sent, plus O(stage_files))
    into that directory, so an image can be built from the copy and the source tree is never written to (it may
    be an installed collection, read-only or shared). Without it, the module only reads.
author:
  - cloudnative.todo_chatbot contributors (@cloudnative)
extends_documentation_fragment:
  - cloudnative.todo_chatbot.attributes
options:
  path:
    description:
      - The build context directory, on the host the module runs on (where the image is built).
    type: path
    required: true
  dockerfile:
    description:
      - Name of the Dockerfile, relative to O(path). Docker always sends it, even when C(.dockerignore) matches it.
    type: str
    default: Dockerfile
  exclude:
    description:
      - More C(.dockerignore)-style patterns to leave out of the hash (not out of the build context), for files that
        are sent but never reach the final image, such as an extra CA bundle read only by a build stage.
    type: list
    elements: str
    default: []
  extra:
    description:
      - Values that also define the image, mixed into the hash as canonical JSON (sorted keys).
    type: dict
    default: {}
  length:
    description:
      - Number of hex characters of RV(short_hash).
    type: int
    default: 12
  stage_to:
    description:
      - A directory to mirror the build context into (created when missing). Files Docker would not be sent are
        left out and anything else in the directory is removed; a file is rewritten only when its content or
        executable bit differs, so a second run changes nothing.
      - O(exclude) applies to the hash only; an excluded file is still staged when Docker would send it.
    type: path
  stage_files:
    description:
      - Extra files to put into the staged context, each as its name in the context mapped to the path of its
        source, for example a CA bundle that only a build stage reads. They are not part of the hash.
      - Requires O(stage_to).
    type: dict
    default: {}
attributes:
  check_mode:
    support: full
    details:
      - The hash is computed as always; with O(stage_to), nothing is written and C(changed) says whether it would be.
  diff_mode:
    support: none
  idempotent:
    support: full
    details:
      - It returns C(changed=false), except when O(stage_to) had to be written.
requirements:
  - The community.docker collection; its build-context code is reused, so the file list matches
    M(community.docker.docker_image).
notes:
  - File owners and timestamps are not hashed; touching a file without changing it does not change the hash.
seealso:
  - module: community.docker.docker_image
  - name: Docker build context and .dockerignore
    description: How Docker chooses the files it sends to the engine.
    link: https://docs.docker.com/build/concepts/context/#dockerignore-files
"""

EXAMPLES = r"""
- name: Hash the backend's build context and its build arguments
  cloudnative.todo_chatbot.context_hash:
    path: /srv/todo-chatbot/app/backend
    exclude: [.build-ca.pem]
    extra:
      build_args:
        PYTHON_IMAGE: python:3.11-slim-bookworm
  register: backend_context

- name: Build the image only when this exact context has no image yet
  community.docker.docker_image:
    name: todo-chatbot-backend
    tag: "0.1.0-{{ backend_context.short_hash }}"
    source: build
    build:
      path: /srv/todo-chatbot/app/backend
      args:
        PYTHON_IMAGE: python:3.11-slim-bookworm
"""

RETURN = r"""
hash:
  description: SHA-256 digest (hex) of the context's files and O(extra).
  returned: success
  type: str
  sample: 3f2a9c1d7e4b5a6c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e
short_hash:
  description: The first O(length) characters of RV(hash), for an image tag.
  returned: success
  type: str
  sample: 3f2a9c1d7e4b
file_count:
  description: Number of regular files and symlinks hashed.
  returned: success
  type: int
  sample: 42
staged:
  description: The paths (relative to O(stage_to)) that were written or removed; empty without O(stage_to).
  returned: always
  type: list
  elements: str
  sample: [todo_api/main.py, .build-ca.pem]
files:
  description: Relative paths of the files and directories hashed, sorted.
  returned: success
  type: list
  elements: str
  sample: [Dockerfile, requirements.txt, todo_api, todo_api/__init__.py]
"""

import hashlib
import json
import os
import shutil
import stat
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

try:
    from ansible_collections.community.docker.plugins.module_utils._api.utils.build import exclude_paths
except ImportError:
    exclude_paths = None
    DOCKER_BUILD_IMPORT_ERROR = traceback.format_exc()
else:
    DOCKER_BUILD_IMPORT_ERROR = None

CHUNK_SIZE = 1024 * 1024


def read_dockerignore(context_dir):
    """Patterns of .dockerignore, read the way community.docker.docker_image reads them."""
    dockerignore = os.path.join(context_dir, ".dockerignore")
    if not os.path.exists(dockerignore):
        return []
    with open(dockerignore) as handle:
        lines = [line.strip() for line in handle.read().splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def context_files(context_dir, dockerfile, exclude):
    """Relative paths that go into the build context, minus those matching the extra exclude patterns."""
    # Later patterns win in .dockerignore, so the extra ones appended last exclude even what it re-includes.
    patterns = read_dockerignore(context_dir) + list(exclude)
    return sorted(exclude_paths(context_dir, patterns, dockerfile=dockerfile))


def file_digest(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_SIZE), b""):
            digest.update(chunk)
    return digest.hexdigest()


def context_digest(context_dir, files, extra):
    """Digest of every entry (type, path, executable bit, content or link target) and of extra."""
    digest = hashlib.sha256()
    hashed_files = 0
    for relative in files:
        full = os.path.join(context_dir, relative)
        info = os.lstat(full)
        if stat.S_ISLNK(info.st_mode):
            entry = "L {0} {1}".format(relative, os.readlink(full))
            hashed_files += 1
        elif stat.S_ISDIR(info.st_mode):
            entry = "D {0}".format(relative)
        elif stat.S_ISREG(info.st_mode):
            executable = "x" if info.st_mode & 0o111 else "-"
            entry = "F {0} {1} {2}".format(relative, executable, file_digest(full))
            hashed_files += 1
        else:
            # Sockets, FIFOs and devices cannot be sent in a build context; say so rather than hash them.
            raise ValueError("{0} is not a regular file, directory or symlink".format(relative))
        digest.update(entry.encode("utf-8", "surrogateescape"))
        digest.update(b"\n")
    digest.update(b"X ")
    digest.update(json.dumps(extra, sort_keys=True, separators=(",", ":")).encode("utf-8"))
    return digest.hexdigest(), hashed_files


def _same_file(source, target):
    try:
        target_info = os.lstat(target)
    except OSError:
        return False
    source_info = os.stat(source)
    return (
        stat.S_ISREG(target_info.st_mode)
        and target_info.st_size == source_info.st_size
        and (target_info.st_mode & 0o111) == (source_info.st_mode & 0o111)
        and file_digest(source) == file_digest(target)
    )


def _ancestors(relative):
    parent = os.path.dirname(relative)
    while parent:
        yield parent
        parent = os.path.dirname(parent)


def _remove(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.unlink(path)


def _prune(stage_dir, keep, check_mode):
    """Remove what is in stage_dir but not in `keep` (relative paths); return the removed paths."""
    removed = []
    for root, dirs, names in os.walk(stage_dir, topdown=False):
        for name in names + dirs:
            full = os.path.join(root, name)
            relative = os.path.relpath(full, stage_dir)
            if relative not in keep:
                removed.append(relative)
                if not check_mode and os.path.lexists(full):
                    _remove(full)
    return removed


def _place(source, target, check_mode):
    """Make target a copy of source (directory, symlink or file); return whether it had to change."""
    info = os.lstat(source)
    if stat.S_ISDIR(info.st_mode):
        if os.path.isdir(target) and not os.path.islink(target):
            return False
        if not check_mode:
            if os.path.lexists(target):
                _remove(target)
            os.makedirs(target)
        return True
    if stat.S_ISLNK(info.st_mode):
        same = os.path.islink(target) and os.readlink(target) == os.readlink(source)
    else:
        same = _same_file(source, target)
    if same:
        return False
    if not check_mode:
        if os.path.lexists(target):
            _remove(target)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if stat.S_ISLNK(info.st_mode):
            os.symlink(os.readlink(source), target)
        else:
            shutil.copyfile(source, target)
            os.chmod(target, 0o755 if info.st_mode & 0o111 else 0o644)
    return True


def stage_context(context_dir, files, stage_dir, stage_files, check_mode):
    """Mirror `files` of context_dir and the extra `stage_files` into stage_dir; return what changed."""
    wanted = {relative: os.path.join(context_dir, relative) for relative in files}
    wanted.update(stage_files)
    keep = set(wanted)
    for relative in wanted:
        keep.update(_ancestors(relative))
    changed = _prune(stage_dir, keep, check_mode) if os.path.isdir(stage_dir) else []
    if not check_mode:
        os.makedirs(stage_dir, exist_ok=True)
    for relative in sorted(wanted):
        if _place(wanted[relative], os.path.join(stage_dir, relative), check_mode):
            changed.append(relative)
    return changed


def main():
    module = AnsibleModule(
        argument_spec={
            "path": {"type": "path", "required": True},
            "dockerfile": {"type": "str", "default": "Dockerfile"},
            "exclude": {"type": "list", "elements": "str", "default": []},
            "extra": {"type": "dict", "default": {}},
            "length": {"type": "int", "default": 12},
            "stage_to": {"type": "path"},
            "stage_files": {"type": "dict", "default": {}},
        },
        supports_check_mode=True,
    )
    if DOCKER_BUILD_IMPORT_ERROR is not None:
        module.fail_json(msg=missing_required_lib("community.docker collection"), exception=DOCKER_BUILD_IMPORT_ERROR)

    context_dir = os.path.abspath(module.params["path"])
    length = module.params["length"]
    if not os.path.isdir(context_dir):
        module.fail_json(msg="path {0} is not a directory".format(context_dir))
    if not 1 <= length <= 64:
        module.fail_json(msg="length must be between 1 and 64, got {0}".format(length))
    if not os.path.isfile(os.path.join(context_dir, module.params["dockerfile"])):
        module.fail_json(msg="no {0} in {1}".format(module.params["dockerfile"], context_dir))

    stage_dir, stage_files = module.params["stage_to"], module.params["stage_files"]
    if stage_files and not stage_dir:
        module.fail_json(msg="stage_files needs stage_to")
    if stage_dir and os.path.abspath(stage_dir).startswith(context_dir + os.sep):
        module.fail_json(msg="stage_to {0} must be outside the context {1}".format(stage_dir, context_dir))
    for name, source in stage_files.items():
        if os.path.isabs(name) or ".." in name.split("/") or not os.path.isfile(source):
            module.fail_json(msg="stage_files: {0} must be a relative name and {1} a file".format(name, source))
    try:
        files = context_files(context_dir, module.params["dockerfile"], module.params["exclude"])
        full_hash, file_count = context_digest(context_dir, files, module.params["extra"])
    except (OSError, ValueError) as error:
        module.fail_json(msg="cannot hash the build context {0}: {1}".format(context_dir, error))
    staged = []
    if stage_dir:
        try:
            sent = context_files(context_dir, module.params["dockerfile"], [])
            staged = stage_context(context_dir, sent, os.path.abspath(stage_dir), stage_files, module.check_mode)
        except OSError as error:
            module.fail_json(msg="cannot stage the build context into {0}: {1}".format(stage_dir, error))

    module.exit_json(
        changed=bool(staged),
        staged=staged,
        hash=full_hash,
        short_hash=full_hash[:length],
        file_count=file_count,
        files=files,
    )


if __name__ == "__main__":
    main()
