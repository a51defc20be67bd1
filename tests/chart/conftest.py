"""Render the todo-chatbot chart with the real Helm engine (helm-python-sdk), no cluster needed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

helm_python = pytest.importorskip("helm_python", reason="helm-python-sdk (the Helm engine) is not installed")

CHART_DIR = Path(__file__).resolve().parents[2] / "app" / "chart" / "todo-chatbot"
RELEASE = "todo-chatbot"
NAMESPACE = "todo"

# The value sets a user is expected to deploy with; every one is rendered and checked.
VALUE_SETS = {
    "defaults": {},
    "external-db-url": {
        "externalDatabase": {"enabled": True, "url": "postgresql+psycopg://u:p@db.example.com/todo?sslmode=require"},
    },
    "external-db-secret": {
        "existingSecret": "todo-credentials",
        "externalDatabase": {"enabled": True, "existingSecret": "todo-credentials"},
    },
    "hpa-on": {
        "backend": {"autoscaling": {"enabled": True, "minReplicas": 2, "maxReplicas": 5}},
        "frontend": {"autoscaling": {"enabled": True}},
    },
    "tls-on": {"ingress": {"tls": {"enabled": True, "secretName": "todo-local-tls"}}},
    "ingress-off": {"ingress": {"enabled": False}},
}


@dataclass
class Rendered:
    """One render of the chart: the parsed objects and the raw text per template."""

    objects: list[dict]
    templates: dict[str, str]

    def of_kind(self, kind: str) -> list[dict]:
        return [obj for obj in self.objects if obj["kind"] == kind]

    def named(self, kind: str, name: str) -> dict:
        matches = [obj for obj in self.of_kind(kind) if obj["metadata"]["name"] == name]
        assert len(matches) == 1, f"expected one {kind} {name}, found {len(matches)}"
        return matches[0]

    @property
    def workloads(self) -> list[dict]:
        return [obj for obj in self.objects if obj["kind"] in ("Deployment", "StatefulSet", "Pod")]


def render(values: dict | None = None) -> Rendered:
    chart = helm_python.Chart.load(CHART_DIR)
    templates = chart.render(values or {}, name=RELEASE, namespace=NAMESPACE, is_install=True)
    objects = []
    for path, text in templates.items():
        if path.endswith("NOTES.txt"):
            continue
        objects.extend(doc for doc in yaml.safe_load_all(text) if doc)
    return Rendered(objects=objects, templates=templates)


@pytest.fixture(scope="session")
def chart_dir() -> Path:
    return CHART_DIR


@pytest.fixture(scope="session", params=sorted(VALUE_SETS), ids=sorted(VALUE_SETS))
def rendered(request) -> Rendered:
    return render(VALUE_SETS[request.param])


@pytest.fixture(scope="session")
def value_sets() -> dict[str, dict]:
    return VALUE_SETS


@pytest.fixture(scope="session")
def render_chart():
    """The render function, for tests that need their own values."""
    return render


@pytest.fixture(scope="session")
def default_render() -> Rendered:
    return render()
