#!/usr/bin/env python3
"""The chart's name, version and content digest, which no helm command or kubernetes.core module gives.

  chart_info.py CHART  -> JSON {name, version, appVersion, digest}

"digest" is a SHA-256 over the chart's files (path and content), so any edit to the chart changes it; the
chart role versions the package with it because kubernetes.core.helm without the helm-diff plugin only
notices a new chart through a new chart version. This script never runs helm: the role calls helm through
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


def chart_info(chart: Path) -> dict:
    metadata = yaml.safe_load((chart / "Chart.yaml").read_text())
    return {
        "name": metadata["name"],
        "version": str(metadata["version"]),
        "appVersion": str(metadata.get("appVersion", "")),
        "digest": chart_digest(chart),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("chart", type=Path)
    args = parser.parse_args()
    json.dump(chart_info(args.chart), sys.stdout)


if __name__ == "__main__":
    main()
