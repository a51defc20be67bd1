"""The one rule for a service a test needs and cannot find (PostgreSQL, Chromium, npm).

In CI a missing service is a failure, never a skip: a run that skipped what it was meant to check must not
pass. Elsewhere the test is skipped, and the message says how to provide the service.

"In CI" means the environment variable CI is set to anything but "", "0", "false" or "no" (as CI systems
set it), or TODO_TEST_REQUIRE_SERVICES is: scripts/test exports TODO_TEST_REQUIRE_SERVICES=1, because it
installs and starts every service itself, so one that is missing afterwards is a fault of the run.

The helpers that find a service raise ServiceUnavailable (the benchmarks use them outside pytest too);
`require` turns that into the skip or the failure.
"""

import os
from collections.abc import Callable
from typing import NoReturn, TypeVar

T = TypeVar("T")

STRICT_VARIABLES = ("CI", "TODO_TEST_REQUIRE_SERVICES")
NOT_SET = {"", "0", "false", "no"}


class ServiceUnavailable(RuntimeError):
    """A service is missing; the message names it and says how to provide it."""


def services_required() -> bool:
    """True in CI (see the module docstring): a missing service must fail the test."""
    return any(os.environ.get(name, "").strip().lower() not in NOT_SET for name in STRICT_VARIABLES)


def service_missing(message: str) -> NoReturn:
    """Fail the current test in CI, skip it elsewhere; message says what is missing and how to provide it."""
    import pytest

    if services_required():
        pytest.fail(
            f"{message}\n(a missing service fails the run when {' or '.join(STRICT_VARIABLES)} is set)",
            pytrace=False,
        )
    pytest.skip(message)


def require(find: Callable[[], T]) -> T:
    """find(), or the skip or failure of service_missing when it raises ServiceUnavailable."""
    try:
        return find()
    except ServiceUnavailable as error:
        service_missing(str(error))
