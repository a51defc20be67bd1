"""values.schema.json refuses bad values with a message that names the value and the rule."""

from __future__ import annotations

import pytest

helm_python = pytest.importorskip("helm_python")

BAD_VALUES = {
    "negative-replicas": ({"backend": {"replicaCount": -1}}, "at '/backend/replicaCount': minimum: got -1, want 0"),
    "replicas-as-string": (
        {"frontend": {"replicaCount": "two"}},
        "at '/frontend/replicaCount': got string, want integer",
    ),
    "port-as-string": (
        {"backend": {"service": {"port": "8000"}}},
        "at '/backend/service/port': got string, want integer",
    ),
    "ingress-enabled-as-string": ({"ingress": {"enabled": "yes"}}, "at '/ingress/enabled': got string, want boolean"),
    "external-db-without-url-or-secret": (
        {"externalDatabase": {"enabled": True}},
        "at '/externalDatabase/url': minLength: got 0, want 1",
    ),
    "external-db-url-not-postgresql": (
        {"externalDatabase": {"enabled": True, "url": "mysql://u:p@h/db"}},
        "does not match pattern '^postgresql(\\\\+psycopg)?://'",
    ),
    "latest-tag": ({"backend": {"image": {"tag": "latest"}}}, "at '/backend/image/tag': 'not' failed"),
    "unknown-pull-policy": ({"frontend": {"image": {"pullPolicy": "Sometimes"}}}, "at '/frontend/image/pullPolicy'"),
    "typo-in-a-key": ({"backend": {"replicas": 2}}, "additional properties 'replicas' not allowed"),
    "root-filesystem-writable": (
        {"containerSecurityContext": {"readOnlyRootFilesystem": False}},
        "at '/containerSecurityContext/readOnlyRootFilesystem': value must be true",
    ),
    "running-as-root-allowed": (
        {"podSecurityContext": {"runAsNonRoot": False}},
        "at '/podSecurityContext/runAsNonRoot': value must be true",
    ),
    "password-not-url-safe": (
        {"postgresql": {"auth": {"password": "p@ss:word"}}},
        "at '/postgresql/auth/password': 'p@ss:word' does not match pattern",
    ),
    "hpa-zero-max": (
        {"backend": {"autoscaling": {"maxReplicas": 0}}},
        "at '/backend/autoscaling/maxReplicas': minimum",
    ),
    "bad-host": ({"ingress": {"host": "Todo Local"}}, "at '/ingress/host'"),
    "surge-not-a-count": ({"rollingUpdate": {"maxSurge": "all"}}, "at '/rollingUpdate/maxSurge'"),
}

GOOD_VALUES = {
    "defaults": {},
    "external-db-url": {"externalDatabase": {"enabled": True, "url": "postgresql+psycopg://u:p@h/db?sslmode=require"}},
    "external-db-secret": {"externalDatabase": {"enabled": True, "existingSecret": "neon"}},
    "external-db-off-with-empty-url": {"externalDatabase": {"enabled": False, "url": ""}},
    "zero-replicas": {"frontend": {"replicaCount": 0}},
    "numeric-tag": {"backend": {"image": {"tag": 2}}},
    "one-pod-at-a-time": {"rollingUpdate": {"maxSurge": 1, "maxUnavailable": "25%"}},
}


@pytest.mark.parametrize(("values", "fragment"), BAD_VALUES.values(), ids=BAD_VALUES.keys())
def test_schema_rejects_bad_values(chart_dir, values, fragment):
    chart = helm_python.Chart.load(chart_dir)
    with pytest.raises(helm_python.HelmValuesError) as error:
        chart.validate_schema(values)
    assert fragment in str(error.value)
    # an install refuses them the same way, before anything is rendered
    with pytest.raises(helm_python.HelmValuesError):
        chart.render(values, name="todo-chatbot", namespace="todo")


@pytest.mark.parametrize("values", GOOD_VALUES.values(), ids=GOOD_VALUES.keys())
def test_schema_accepts_good_values(chart_dir, values):
    helm_python.Chart.load(chart_dir).validate_schema(values)


def test_every_value_in_values_yaml_is_commented(chart_dir):
    """Every value has a comment right above it, or sits inside a map whose key is commented."""
    lines = (chart_dir / "values.yaml").read_text().splitlines()
    undocumented = [
        f"line {number + 1}: {line.strip()}"
        for number, line in enumerate(lines)
        if _is_value(line) and not _is_commented(lines, number) and not _has_commented_ancestor(lines, number)
    ]
    assert undocumented == []


def _is_value(line: str) -> bool:
    stripped = line.strip()
    if not stripped or stripped.startswith(("#", "-")) or ":" not in stripped:
        return False
    return stripped.partition(":")[2].strip() != ""  # a header ("backend:") holds values, it is not one


def _is_commented(lines: list[str], number: int) -> bool:
    return number > 0 and lines[number - 1].strip().startswith("#")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _has_commented_ancestor(lines: list[str], number: int) -> bool:
    indent = _indent(lines[number])
    for previous in range(number - 1, -1, -1):
        text = lines[previous]
        if not text.strip() or text.strip().startswith(("#", "-")) or _indent(text) >= indent:
            continue
        if _is_commented(lines, previous):
            return True
        indent = _indent(text)
    return False
