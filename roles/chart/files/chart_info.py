#!/usr/bin/env python3
"""The chart's name, version and content digest, which no helm command or kubernetes.core module gives, and
what the chart role's build directory holds, so the role can skip a build whose inputs did not change.

  chart_info.py CHART [--build-dir DIR [--stamp NAME]] [--recipe FILE ...]
    -> JSON {name, version, appVersion, digest, package_version, package, recipe_digest,
             build_dir_exists, package_exists, manifests_exists, stale_packages, stamp}

"digest" is a SHA-256 over the chart's files (path and content), so any edit to the chart changes it; the
chart role versions the package with it ("package_version", <version>+<first 12 hex digits>) because
kubernetes.core.helm without the helm-diff plugin only notices a new chart through a new chart version.
"recipe_digest" is a SHA-256 over the --recipe files (the role's own build steps), so a changed role rebuilds.
With --build-dir: whether DIR, the package of this digest and manifests.yaml exist, the other packages of the
chart there ("stale_packages", paths), and the digest the last build recorded in its stamp file DIR/NAME
("stamp", empty when there is none). It only reads, and never runs helm: the role calls helm through
kubernetes.core.helm_template (render) and ansible.builtin.command (lint, package).
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import sys
from pathlib import Path

import yaml

# The same files `helm package` leaves out by default, plus .helmignore's patterns.
ALWAYS_IGNORED = (".git", ".gitignore", "__pycache__", "*.pyc")
MANIFESTS = "manifests.yaml"


def chart_files(chart: Path) -> list[Path]:
    patterns = list(ALWAYS_IGNORED)
    helmignore = chart / ".helmignore"
    if helmignore.is_file():
        patterns += [
            line.strip().rstrip("/")
            for line in helmignore.read_text().splitlines()
            if line.strip() and not line.startswith("#")
        ]
    files = []
    for path in sorted(chart.rglob("*")):
        relative = path.relative_to(chart)
        if path.is_file() and not any(
            fnmatch.fnmatch(part, pattern) for part in relative.parts for pattern in patterns
        ):
            files.append(path)
    return files


def chart_digest(chart: Path) -> str:
    digest = hashlib.sha256()
    for path in chart_files(chart):
        digest.update(path.relative_to(chart).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def files_digest(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def chart_info(chart: Path) -> dict:
    metadata = yaml.safe_load((chart / "Chart.yaml").read_text())
    info = {
        "name": metadata["name"],
        "version": str(metadata["version"]),
        "appVersion": str(metadata.get("appVersion", "")),
        "digest": chart_digest(chart),
    }
    # SemVer build metadata: the same chart content gives the same version, any edit a new one.
    info["package_version"] = f"{info['version']}+{info['digest'][:12]}"
    info["package"] = f"{info['name']}-{info['package_version']}.tgz"
    return info


def recorded_digest(stamp: Path) -> str:
    """The digest the last build recorded; empty when there is no stamp or it is unreadable."""
    try:
        recorded = json.loads(stamp.read_text())
    except (OSError, ValueError):
        return ""
    digest = recorded.get("digest") if isinstance(recorded, dict) else None
    return digest if isinstance(digest, str) else ""


def build_state(build_dir: Path, info: dict, stamp: str | None) -> dict:
    package = build_dir / info["package"]
    stale = sorted(
        str(path) for path in build_dir.glob(f"{info['name']}-*.tgz") if path.is_file() and path.name != info["package"]
    )
    return {
        "build_dir_exists": build_dir.is_dir(),
        "package_exists": package.is_file(),
        "manifests_exists": (build_dir / MANIFESTS).is_file(),
        "stale_packages": stale,
        "stamp": recorded_digest(build_dir / stamp) if stamp else "",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("chart", type=Path)
    parser.add_argument("--build-dir", type=Path, help="the role's chart_build_dir, to report what it holds")
    parser.add_argument(
        "--stamp", help='file name of the stamp in the build directory: {"digest": ..., "inputs": {...}}'
    )
    parser.add_argument(
        "--recipe", type=Path, action="append", default=[], help="a file of the role's build steps (repeatable)"
    )
    args = parser.parse_args()
    info = chart_info(args.chart)
    info["recipe_digest"] = files_digest(args.recipe)
    if args.build_dir is not None:
        info |= build_state(args.build_dir, info, args.stamp)
    json.dump(info, sys.stdout)


if __name__ == "__main__":
    main()
