"""Unit tests of the output parsing in plugins/module_utils/minikube_cli.py.

The event lines follow minikube's CloudEvents JSON output (``--output=json``), as printed by
pkg/minikube/out/register: fatal problems are io.k8s.sigs.minikube.error events with an exitcode.
"""

import json

import pytest

from ansible_collections.cloudnative.todo_chatbot.plugins.module_utils import minikube_cli


def event(kind, data):
    return json.dumps(
        {
            "specversion": "1.0",
            "id": "random-id",
            "source": "https://minikube.sigs.k8s.io/",
            "type": f"io.k8s.sigs.minikube.{kind}",
            "datacontenttype": "application/json",
            "data": data,
        }
    )


def test_parse_json_lines_skips_plain_text_between_events():
    text = "\n".join([event("step", {"name": "Initial Minikube Setup"}), "W1122 klog warning", "", "{broken"])

    documents = minikube_cli.parse_json_lines(text)

    assert len(documents) == 1
    assert documents[0]["data"]["name"] == "Initial Minikube Setup"


def test_error_events_without_exit_code_are_warnings_not_the_failure():
    text = "\n".join(
        [
            event("error", {"message": "To pull new external images, you may need to configure a proxy"}),
            event(
                "error",
                {"exitcode": "29", "name": "RSRC_INSUFFICIENT_CORES", "message": "Requested cpu count 8", "advice": ""},
            ),
            event("error", {"message": "This container is having trouble accessing https://registry.k8s.io"}),
        ]
    )

    fatal = minikube_cli.find_fatal_error_event(text)

    assert fatal["name"] == "RSRC_INSUFFICIENT_CORES"


def test_no_fatal_event_in_plain_output():
    assert minikube_cli.find_fatal_error_event("* Done! kubectl is now configured") is None


@pytest.mark.parametrize(
    ("exit_code", "kind"),
    [
        (23, "insufficient_resources"),
        (26, "insufficient_resources"),
        (29, "insufficient_resources"),
        (55, "driver_unavailable"),
        (69, "driver_unavailable"),
        (85, "profile_not_found"),
        (10, "error"),
        (1, "error"),
    ],
)
def test_exit_codes_are_classified_by_minikubes_ranges(exit_code, kind):
    assert minikube_cli.classify_exit_code(exit_code) == kind


def test_error_without_events_quotes_minikubes_last_lines_and_adds_a_hint():
    error = minikube_cli.MinikubeCLI.error_from_output(
        ["minikube", "start", "-p", "dev"],
        59,
        "",
        "some detail\nX Exiting due to DRV_X: the driver is broken\n",
    )

    assert error.kind == "driver_unavailable"
    assert "the driver is broken" in error.msg
    assert "driver is not usable" in error.msg
    assert error.to_fail_kwargs()["rc"] == 59


class _Failed(Exception):
    pass


class _Module:
    def fail_json(self, **kwargs):
        raise _Failed(kwargs)


@pytest.mark.parametrize("timeout", [0, -5, minikube_cli.MAX_TIMEOUT + 1])
def test_the_runner_refuses_a_timeout_out_of_range_before_looking_for_minikube(timeout):
    with pytest.raises(_Failed) as failed:
        minikube_cli.MinikubeCLI(_Module(), "minikube", "/nonexistent/minikube", timeout)
    assert failed.value.args[0]["msg"] == f"timeout must be between 1 and 86400 seconds, got {timeout}"
