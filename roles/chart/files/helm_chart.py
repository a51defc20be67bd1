#!/usr/bin/env python3
"""What the chart role asks of the helm binary, for the steps kubernetes.core has no module for.

  info     CHART                              -> JSON {name, version, appVersion, digest}
  lint     CHART --values FILE                -> exit 1 with the findings when the chart has problems
  package  CHART --version V --destination D  -> JSON {path}
  render   CHART --values FILE --release R --namespace N
                                              -> the manifests on stdout, sorted, Secrets redacted

Every command takes --helm BINARY (default: helm on PATH). "digest" is a SHA-256 over the chart's
files (path and content), so any edit to the chart changes it; the role versions the package with it
because kubernetes.core.helm without the helm-diff plugin only notices a new chart through a new chart
version.
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

REDACTED = "<redacted by the chart role: Secrets are managed by the deploy role>"
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


def run_helm(helm: str, *args: str) -> str:
    binary = shutil.which(helm)
    if binary is None:
        sys.exit(f"helm was not found ({helm}): install it (the prerequisites role does) or set chart_helm_binary.")
    result = subprocess.run([binary, *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"helm {args[0]} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return result.stdout


def command_info(args) -> dict:
    metadata = yaml.safe_load((args.chart / "Chart.yaml").read_text())
    return {
        "name": metadata["name"],
        "version": str(metadata["version"]),
        "appVersion": str(metadata.get("appVersion", "")),
        "digest": chart_digest(args.chart),
    }


def command_lint(args) -> dict:
    output = run_helm(args.helm, "lint", str(args.chart), "--strict", "--values", str(args.values))
    return {"messages": output.splitlines()}


def command_package(args) -> dict:
    args.destination.mkdir(parents=True, exist_ok=True)
    output = run_helm(
        args.helm, "package", str(args.chart), "--version", args.version, "--destination", str(args.destination)
    )
    # "Successfully packaged chart and saved it to: <path>"
    return {"path": output.strip().rsplit(": ", 1)[-1]}


def redact_secrets(document: dict) -> dict:
    if document.get("kind") == "Secret":
        for field in ("data", "stringData"):
            if field in document:
                document[field] = dict.fromkeys(document[field], REDACTED)
    return document


def command_render(args) -> str:
    text = run_helm(
        args.helm,
        "template",
        args.release,
        str(args.chart),
        "--namespace",
        args.namespace,
        "--values",
        str(args.values),
        "--skip-tests",
    )
    documents = [doc for doc in yaml.safe_load_all(text) if doc]
    # Sorted, so the file only changes when the manifests do (a GitOps diff shows real changes).
    documents.sort(key=lambda doc: (doc["kind"], doc["metadata"]["name"]))
    return yaml.safe_dump_all([redact_secrets(doc) for doc in documents], sort_keys=True, explicit_start=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("info", "lint", "package", "render"):
        sub = commands.add_parser(name)
        sub.add_argument("chart", type=Path)
        sub.add_argument("--helm", default="helm", help="the helm binary (default: helm on PATH)")
        if name in ("lint", "render"):
            sub.add_argument("--values", type=Path, required=True)
        if name == "package":
            sub.add_argument("--version", required=True)
            sub.add_argument("--destination", type=Path, required=True)
        if name == "render":
            sub.add_argument("--release", required=True)
            sub.add_argument("--namespace", required=True)
    args = parser.parse_args()
    if args.command == "render":
        sys.stdout.write(command_render(args))
        return
    handler = {"info": command_info, "lint": command_lint, "package": command_package}[args.command]
    json.dump(handler(args), sys.stdout)


if __name__ == "__main__":
    main()
