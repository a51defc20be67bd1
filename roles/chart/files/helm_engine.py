#!/usr/bin/env python3
"""One interface over the two Helm engines the chart role can use.

The helm binary is used when it is on PATH (a workstation after the prerequisites role);
otherwise the helm-python-sdk package (Helm's Go SDK as a shared library), which is what CI
machines without a helm binary have. Both engines give the same output here, so the role's
tasks do not care which one ran:

  info     CHART                              -> JSON {name, version, appVersion, digest}
  lint     CHART --values FILE                -> exit 1 with the findings when the chart has errors
  package  CHART --version V --destination D  -> JSON {path, engine}
  render   CHART --values FILE --release R --namespace N
                                              -> the manifests on stdout, sorted, Secrets redacted

"digest" is a SHA-256 over the chart's files (path and content), so any edit to the chart
changes it; the role versions the package with it because kubernetes.core.helm without the
helm-diff plugin only notices a new chart through a new chart version.
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


def helm_binary() -> str | None:
    return shutil.which("helm")


def helm_python():
    try:
        # optional: only needed without a helm binary
        import helm_python as engine
    except ImportError:
        sys.exit(
            "No Helm engine: neither a helm binary on PATH nor the helm-python-sdk package in "
            f"{sys.executable}. Install helm (prerequisites role) or `pip install helm-python-sdk`."
        )
    return engine


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


def run_helm(*args: str) -> str:
    result = subprocess.run([helm_binary(), *args], capture_output=True, text=True, check=False)
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
    if helm_binary():
        output = run_helm("lint", str(args.chart), "--strict", "--values", str(args.values))
        return {"engine": "helm", "messages": output.splitlines()}
    engine = helm_python()
    values = engine.values_from_yaml(args.values.read_text())
    report = engine.lint(args.chart, values, strict=True)
    findings = [f"[{m['severity']}] {m['path']}: {m['error'].strip()}" for m in report["messages"]]
    if report["errors"] or any(m["severity"] >= 2 for m in report["messages"]):
        sys.exit("helm lint (helm-python-sdk) found problems:\n" + "\n".join(findings or report["errors"]))
    return {"engine": "helm-python-sdk", "messages": findings}


def command_package(args) -> dict:
    args.destination.mkdir(parents=True, exist_ok=True)
    if helm_binary():
        output = run_helm("package", str(args.chart), "--version", args.version, "--destination", str(args.destination))
        # "Successfully packaged chart and saved it to: <path>"
        return {"engine": "helm", "path": output.strip().rsplit(": ", 1)[-1]}
    path = helm_python().package(args.chart, destination=args.destination, version=args.version)
    return {"engine": "helm-python-sdk", "path": str(path)}


def redact_secrets(document: dict) -> dict:
    if document.get("kind") == "Secret":
        for field in ("data", "stringData"):
            if field in document:
                document[field] = dict.fromkeys(document[field], REDACTED)
    return document


def command_render(args) -> str:
    if helm_binary():
        text = run_helm(
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
    else:
        engine = helm_python()
        values = engine.values_from_yaml(args.values.read_text())
        templates = engine.Chart.load(args.chart).render(
            values, name=args.release, namespace=args.namespace, is_install=True
        )
        documents = [
            doc
            for path, text in templates.items()
            if not path.endswith("NOTES.txt") and "/templates/tests/" not in path
            for doc in yaml.safe_load_all(text)
            if doc
        ]
    # Sorted, so the file only changes when the manifests do (a GitOps diff shows real changes).
    documents.sort(key=lambda doc: (doc["kind"], doc["metadata"]["name"]))
    return yaml.safe_dump_all([redact_secrets(doc) for doc in documents], sort_keys=True, explicit_start=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("info", "lint", "package", "render"):
        sub = commands.add_parser(name)
        sub.add_argument("chart", type=Path)
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
