"""Fixtures for the tests on the real test cluster (tests/cluster/up).

They drive the collection the way a user with the cluster inventory would: `ansible-playbook` with
inventory/cluster plus tests/cluster/inventory, against the cluster in KUBECONFIG. `scripts/test cluster`
builds and starts the cluster, sets TODO_TEST_CLUSTER=1 and runs them; anywhere else they are skipped,
saying how to run them.
"""

import os
import re
import secrets
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from harness.browser import launch, playwright_driver

REPO_ROOT = Path(__file__).resolve().parents[2]
CLUSTER_INVENTORY = [REPO_ROOT / "inventory" / "cluster", REPO_ROOT / "tests" / "cluster" / "inventory"]
LOG_DIR = Path(os.environ.get("CLUSTER_LOGS", REPO_ROOT / ".build" / "logs" / "cluster"))
APP_HOST = "todo.local"
APP_URL = f"http://{APP_HOST}"
NAMESPACE = "todo"
RELEASE = "todo-chatbot"
PASSWORD = "correct horse battery staple"
RECAP = re.compile(
    r"^(?P<host>\S+)\s*:\s*ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)\s+"
    r"failed=(?P<failed>\d+)",
    re.MULTILINE,
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("TODO_TEST_CLUSTER") == "1":
        return
    skip = pytest.mark.skip(
        reason="needs the test cluster: run `scripts/test cluster`, which builds, starts and stops it"
    )
    for item in items:
        if Path(item.fspath).is_relative_to(Path(__file__).parent):
            item.add_marker(skip)


@dataclass
class PlaybookRun:
    returncode: int
    output: str
    log: Path

    @property
    def recap(self) -> dict[str, int]:
        match = RECAP.search(self.output)
        assert match, f"no PLAY RECAP in the output (log: {self.log})"
        return {key: int(value) for key, value in match.groupdict().items() if key != "host"}


@pytest.fixture(scope="session")
def playbook_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    for variable in ("KUBECONFIG", "TODO_CLUSTER_REGISTRY"):
        if not os.environ.get(variable):
            pytest.fail(f"{variable} is not set: `scripts/test cluster` sets it after tests/cluster/up")
    env = dict(os.environ)
    env.setdefault("TODO_CLUSTER_BUILD_DIR", str(tmp_path_factory.mktemp("build")))
    env.setdefault("TODO_CLUSTER_BUILD_CA_BUNDLE", "/etc/ssl/certs/ca-certificates.crt")
    env.update(ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1", PY_COLORS="0")
    return env


@pytest.fixture(scope="session")
def run_playbook(playbook_env: dict[str, str]) -> Callable[..., PlaybookRun]:
    """Run a playbook of the collection with the test cluster's inventory; its output goes to a log."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 1000))

    def run(playbook: str, *args: str, check: bool = True, timeout: int = 1800) -> PlaybookRun:
        inventories = [arg for path in CLUSTER_INVENTORY for arg in ("-i", str(path))]
        log = LOG_DIR / f"playbook-{next(counter):02d}-{Path(playbook).stem}.log"
        started = time.monotonic()
        result = subprocess.run(
            ["ansible-playbook", *inventories, playbook, *args],
            cwd=REPO_ROOT,
            env=playbook_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        output = result.stdout + result.stderr
        log.write_text(f"# ansible-playbook {playbook} {' '.join(args)}: {time.monotonic() - started:.0f} s\n{output}")
        run_result = PlaybookRun(result.returncode, output, log)
        if check and result.returncode != 0:
            pytest.fail(f"ansible-playbook {playbook} {' '.join(args)} failed (log: {log}):\n{output[-6000:]}")
        return run_result

    return run


@pytest.fixture(scope="session")
def k8s(playbook_env: dict[str, str]):
    """The Kubernetes Python client, on the test cluster's admin kubeconfig."""
    from kubernetes import client, config

    config.load_kube_config(config_file=playbook_env["KUBECONFIG"])
    return client


@dataclass
class AppUser:
    email: str
    user_id: int
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def url(self, path: str) -> str:
        return f"{APP_URL}/api/{self.user_id}/{path}"


def sign_up(prefix: str = "cluster") -> AppUser:
    """A new user of the deployed app, through the Ingress."""
    email = f"{prefix}-{secrets.token_hex(4)}@example.com"
    response = requests.post(f"{APP_URL}/api/auth/signup", json={"email": email, "password": PASSWORD}, timeout=30)
    assert response.status_code == 201, response.text
    body = response.json()
    return AppUser(email, body["user"]["id"], body["access_token"])


def log_in(email: str) -> AppUser:
    response = requests.post(f"{APP_URL}/api/auth/login", json={"email": email, "password": PASSWORD}, timeout=30)
    assert response.status_code == 200, response.text
    body = response.json()
    return AppUser(email, body["user"]["id"], body["access_token"])


def check_isolation() -> str:
    """tests/cluster/check-isolation: no route and no packet of the cluster's ranges leaves this machine.

    It reads routing decisions and up's counting rule; it sends nothing. Fails naming the range.
    """
    result = subprocess.run(
        [str(Path(__file__).parent / "check-isolation")], capture_output=True, text=True, timeout=60, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"a packet of the test cluster could leave this machine:\n{output}"
    return output


def wait_until(what: str, condition: Callable[[], object], timeout: float = 180, interval: float = 2) -> object:
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = condition()
            if result:
                return result
        except Exception as error:  # any failure means "not yet"; the last one is reported
            last_error = error
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what} (last error: {last_error})")


@pytest.fixture(scope="session")
def app_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of app/ that a test may edit (a one-line backend change), leaving the checkout alone."""
    target = tmp_path_factory.mktemp("app") / "app"
    shutil.copytree(
        REPO_ROOT / "app",
        target,
        ignore=shutil.ignore_patterns("node_modules", "dist", "__pycache__", ".build-ca.pem"),
    )
    return target


@pytest.fixture(scope="session")
def browser_driver():
    """The one Playwright driver of the session; tests that need their own browser launch it from here."""
    with playwright_driver() as driver:
        yield driver


@pytest.fixture(scope="module")
def chromium(browser_driver):
    browser = launch(browser_driver)
    yield browser
    browser.close()
