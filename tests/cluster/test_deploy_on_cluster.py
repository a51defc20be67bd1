"""The whole deploy path on the real test cluster, in the order a user lives it.

site.yml with the cluster inventory, a second run that changes nothing, the app in a browser through
the Ingress, a backend change rolled out while a client polls, status, rollback, pods killed under
writes, teardown and a redeploy that finds the data again. The tests share one release and run in
file order; each says what it proves.
"""

import collections
import json
import os
import re
import secrets
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests
from harness.browser import launch, sign_up_in_the_page

from .conftest import (
    APP_HOST,
    APP_URL,
    NAMESPACE,
    PASSWORD,
    RELEASE,
    check_isolation,
    log_in,
    sign_up,
    wait_until,
)

pytestmark = pytest.mark.cluster

SITE = "site.yml"
# Kept across tests: what was created before a teardown must be there after the redeploy.
STATE: dict[str, object] = {}


def _release_pods(k8s, component: str | None = None):
    selector = f"app.kubernetes.io/instance={RELEASE}"
    if component:
        selector += f",app.kubernetes.io/component={component}"
    return k8s.CoreV1Api().list_namespaced_pod(NAMESPACE, label_selector=selector).items


def _helm(*args: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        ["helm", *args, "--namespace", NAMESPACE, "--kube-context", "todo-test"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return result.stdout


def _add_task(user, title: str) -> requests.Response:
    return requests.post(user.url("tasks"), json={"title": title}, headers=user.headers, timeout=10)


def _all_tasks(user) -> list[dict]:
    """Every task of the user, following the list's pages (X-Next-After) to the last."""
    tasks: list[dict] = []
    after = 0
    while True:
        response = requests.get(
            user.url("tasks"), params={"limit": 500, "after": after}, headers=user.headers, timeout=30
        )
        response.raise_for_status()
        tasks += response.json()
        if "X-Next-After" not in response.headers:
            return tasks
        after = int(response.headers["X-Next-After"])


def _task_titles(user) -> set[str]:
    return {task["title"] for task in _all_tasks(user)}


def test_cluster_is_kubernetes_1_34_with_a_ready_node(k8s) -> None:
    version = k8s.VersionApi().get_code()
    assert version.git_version.startswith("v1.34."), version.git_version
    nodes = k8s.CoreV1Api().list_node().items
    assert len(nodes) == 1
    ready = {c.type: c.status for c in nodes[0].status.conditions}["Ready"]
    assert ready == "True"


def test_no_route_and_no_packet_of_the_cluster_leaves_this_machine() -> None:
    output = check_isolation()
    # the proof covers every range: Services (with and without a Service behind the address), pods, the node
    for checked in ("Service range", "pod range", "node address", "from a pod", "0 packets"):
        assert checked in output, output


def test_site_yml_deploys_the_app_with_helm_test_and_smoke_test(run_playbook, k8s) -> None:
    started = time.monotonic()
    run = run_playbook(SITE)
    STATE["first_deploy_seconds"] = round(time.monotonic() - started)
    assert run.recap["failed"] == 0
    # the doctor ran first and found the cluster and the Docker daemon this run needs
    assert re.search(r"ok +cluster todo-test +answers \(readyz ok\)", run.output), run.log
    assert re.search(r"ok +Docker +daemon \S+ answers", run.output), run.log
    # the deploy role's own checks ran: helm test and the smoke test's chat through the Ingress
    assert "Run helm test" in run.output
    assert "Smoke test passed" in run.output, run.log
    # the hosts entry points todo.local at the node, where the ingress controller listens
    hosts = Path("/etc/hosts").read_text()
    assert re.search(rf"^\S+\s+{re.escape(APP_HOST)}$", hosts, re.MULTILINE), hosts
    phases = {}
    for pod in _release_pods(k8s):
        phases.setdefault(pod.metadata.labels["app.kubernetes.io/component"], set()).add(pod.status.phase)
    assert phases == {
        "backend": {"Running"},
        "frontend": {"Running"},
        "postgresql": {"Running"},
        "test": {"Succeeded"},  # helm test's pod, kept for its logs
    }, phases


def _sql(k8s, query: str) -> str:
    """One query's answer from the release's PostgreSQL, run with psql inside its pod."""
    from kubernetes.stream import stream

    pod = next(p for p in _release_pods(k8s, "postgresql") if p.status.phase == "Running")
    return stream(
        k8s.CoreV1Api().connect_get_namespaced_pod_exec,
        pod.metadata.name,
        NAMESPACE,
        container="postgresql",
        command=["sh", "-c", f'psql -U "$POSTGRES_USER" -d "$POSTGRES_DB" -tAc "{query}"'],
        stderr=True,
        stdout=True,
        stdin=False,
        tty=False,
    ).strip()


def test_the_deploy_checks_leave_no_account_behind(k8s) -> None:
    # helm test and the smoke test each signed up, chatted and added a task during the deploy above
    left = _sql(k8s, "SELECT count(*) FROM users WHERE email LIKE 'smoke-%' OR email LIKE 'helm-test-%'")
    assert left == "0", f"accounts of the deploy checks left behind: {left}"
    assert _sql(k8s, "SELECT count(*) FROM tasks") == "0"


def test_the_namespace_enforces_the_restricted_pod_security_standard(k8s) -> None:
    labels = k8s.CoreV1Api().read_namespace(NAMESPACE).metadata.labels
    assert labels.get("pod-security.kubernetes.io/enforce") == "restricted"
    # every pod of the release was admitted under it, PostgreSQL included
    assert {p.metadata.labels["app.kubernetes.io/component"] for p in _release_pods(k8s)} >= {"backend", "postgresql"}
    # and the standard is really enforced: a root pod is refused
    privileged = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "root-probe"},
        "spec": {"containers": [{"name": "c", "image": "todo-test.local/busybox:1", "command": ["true"]}]},
    }
    from kubernetes.client.exceptions import ApiException

    with pytest.raises(ApiException) as refused:
        k8s.CoreV1Api().create_namespaced_pod(NAMESPACE, privileged, dry_run="All")
    assert refused.value.status == 403
    assert "violates PodSecurity" in refused.value.body


def _probe_from_outside(k8s, targets: dict[str, str]) -> dict[str, str]:
    """Open a TCP connection to each host:port from a pod in another namespace; OPEN or BLOCKED for each."""
    script = "; ".join(
        f"if nc -w 3 {address.replace(':', ' ')} </dev/null; then echo {name}=OPEN; else echo {name}=BLOCKED; fi"
        for name, address in targets.items()
    )
    name = f"netpol-probe-{secrets.token_hex(3)}"
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {
            "restartPolicy": "Never",
            "containers": [{"name": "probe", "image": "todo-test.local/busybox:1", "command": ["sh", "-c", script]}],
        },
    }
    core = k8s.CoreV1Api()
    core.create_namespaced_pod("default", pod)
    try:
        wait_until(
            "the probe pod to finish",
            lambda: core.read_namespaced_pod(name, "default").status.phase in ("Succeeded", "Failed"),
            timeout=120,
        )
        lines = core.read_namespaced_pod_log(name, "default").split()
    finally:
        core.delete_namespaced_pod(name, "default", grace_period_seconds=0)
    return dict(line.split("=", 1) for line in lines if "=" in line)


def test_network_policies_keep_postgresql_to_the_backend(k8s) -> None:
    # Enforced by kube-router's policy controller in the test cluster (on Minikube's default CNI they are not).
    # the clients' Service (ClusterIP) and the StatefulSet's headless one
    database = f"{RELEASE}-postgresql-rw.{NAMESPACE}.svc.cluster.local:5432"
    pod = f"{RELEASE}-postgresql.{NAMESPACE}.svc.cluster.local:5432"
    backend = f"{RELEASE}-backend.{NAMESPACE}.svc.cluster.local:8000"
    seen = _probe_from_outside(
        k8s,
        {"apiserver": "kubernetes.default.svc.cluster.local:443", "database": database, "pod": pod, "backend": backend},
    )
    assert seen == {"apiserver": "OPEN", "database": "BLOCKED", "pod": "BLOCKED", "backend": "BLOCKED"}, seen
    # the backend itself still reaches PostgreSQL
    backend_pod = next(p for p in _release_pods(k8s, "backend") if p.status.phase == "Running")
    from kubernetes.stream import stream

    answer = stream(
        k8s.CoreV1Api().connect_get_namespaced_pod_exec,
        backend_pod.metadata.name,
        NAMESPACE,
        container="backend",
        command=[
            "python",
            "-c",
            f"import socket; socket.create_connection(('{RELEASE}-postgresql-rw', 5432), 5); print('OPEN')",
        ],
        stderr=True,
        stdout=True,
        stdin=False,
        tty=False,
    )
    assert answer.strip() == "OPEN", answer


def test_postgresql_keeps_its_data_on_a_bound_volume_of_the_default_class(k8s) -> None:
    claims = k8s.CoreV1Api().list_namespaced_persistent_volume_claim(NAMESPACE).items
    assert len(claims) == 1
    assert claims[0].status.phase == "Bound"
    assert claims[0].spec.storage_class_name == "standard"


def test_the_doctor_stops_a_deploy_to_an_unreachable_cluster_before_changing_anything(run_playbook) -> None:
    started = time.monotonic()
    run = run_playbook(SITE, "--tags", "deploy", "-e", "todo_chatbot_kube_context=no-such-cluster", check=False)
    seconds = time.monotonic() - started
    assert run.returncode == 2, run.log
    assert "1 problem(s) block this run (images, chart, deploy)" in run.output, run.log
    assert re.search(r"blocker +cluster no-such-cluster", run.output), run.log
    assert "TASK [cloudnative.todo_chatbot.images" not in run.output, "a stage ran after a blocker"
    STATE["doctor_blocked_seconds"] = round(seconds, 1)


def test_a_changed_database_password_is_refused_and_the_app_keeps_working(run_playbook) -> None:
    # PostgreSQL keeps the password it was initialised with; writing another into the Secret would cut the
    # backend off from its database on the next restart. The deploy must stop before it writes anything.
    run = run_playbook(
        SITE, "--tags", "deploy", "-e", f"deploy_postgresql_password=changed-{secrets.token_hex(8)}", check=False
    )
    assert run.returncode != 0, run.log
    assert "differs from the password the in-cluster PostgreSQL was initialised with" in run.output, run.log
    assert "changed-" not in run.output, "the password reached the output"
    assert "TASK [cloudnative.todo_chatbot.deploy : Write the credentials Secret" not in run.output, run.log
    user = sign_up("password-kept")
    created = _add_task(user, "written with the database password it always had")
    assert created.status_code == 201, created.text


def _task_outcome(output: str, task: str, *, ran: bool = True) -> str:
    """How a task of the deploy role ended in a playbook's output: ok, changed, skipping or failed; "absent"
    for a task the run never reached (a tasks file it did not include), allowed only with ran=False."""
    header = rf"^TASK \[cloudnative\.todo_chatbot\.deploy : {re.escape(task)}[^\]]*\] \*+\n"
    match = re.search(header + r"(?:.*\n)*?(ok|changed|skipping|failed|fatal):", output, re.MULTILINE)
    if match is None and not ran:
        return "absent"
    assert match, f"no outcome of the task '{task}' in the output"
    return match.group(1)


def test_a_second_run_changes_nothing(run_playbook) -> None:
    started = time.monotonic()
    run = run_playbook(SITE)
    STATE["noop_run_seconds"] = round(time.monotonic() - started)
    assert run.recap["failed"] == 0
    assert run.recap["changed"] == 0, f"changed tasks on a re-run (log: {run.log})"
    # the checks proved this revision in the first run, and the preflight checked these cluster settings: a
    # run that changes nothing reads the record, the credentials and the release, and repeats none of them
    assert "Nothing changed: revision" in run.output, run.log
    for task in (
        "Find the IngressClass",  # the preflight
        "Create the namespace",
        "Write the credentials Secret",  # the same credentials are not written again
        "Wait for the Deployments and the StatefulSet",
        "Run helm test",
        "Get the frontend page",
        "Record that this release revision passed its checks",
    ):
        assert _task_outcome(run.output, task, ran=False) in {"absent", "skipping"}, f"{task} ran: {run.log}"
    assert _task_outcome(run.output, "Install or upgrade the release") == "ok", run.log


def test_a_browser_signs_up_and_chats_through_the_ingress(chromium) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=20_000)
    context = chromium.new_context(base_url=APP_URL)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    email = f"browser-{secrets.token_hex(4)}@example.com"
    try:
        sign_up_in_the_page(page, email, PASSWORD)
        page.get_by_label("Message", exact=True).fill("add a task to buy milk")
        page.get_by_role("button", name="Send", exact=True).click()
        tasks = page.get_by_role("list", name="Tasks")
        expect(tasks.get_by_text(re.compile("buy milk", re.IGNORECASE))).to_be_visible()

        page.reload()
        expect(page.get_by_role("heading", name="Your tasks")).to_be_visible()
        expect(
            page.get_by_role("list", name="Tasks").get_by_text(re.compile("buy milk", re.IGNORECASE))
        ).to_be_visible()
        assert errors == []
    finally:
        context.close()
    # the server holds it too, not only the page
    assert any("buy milk" in title.lower() for title in _task_titles(log_in(email)))


class Poller(threading.Thread):
    """A client that reads its task list through the Ingress, as fast as it can, until stopped."""

    def __init__(self, user) -> None:
        super().__init__(daemon=True)
        self.user = user
        self.stop = threading.Event()
        self.ok = 0
        self.failures: list[str] = []

    def run(self) -> None:
        session = requests.Session()
        while not self.stop.is_set():
            try:
                response = session.get(self.user.url("tasks"), headers=self.user.headers, timeout=10)
                if response.status_code == 200:
                    self.ok += 1
                else:
                    self.failures.append(f"{response.status_code}: {response.text[:200]}")
            except requests.RequestException as error:
                self.failures.append(type(error).__name__)
            time.sleep(0.05)


def test_a_backend_change_rolls_out_while_a_client_polls_without_a_failed_request(
    run_playbook, k8s, app_copy: Path, playbook_env
) -> None:
    user = sign_up("rollout")
    assert _add_task(user, "survive the rollout").status_code == 201
    before = {p.spec.containers[0].image for p in _release_pods(k8s, "backend")}
    STATE["revision_before_change"] = json.loads(_helm("history", RELEASE, "-o", "json", env=playbook_env))[-1][
        "revision"
    ]

    init = app_copy / "backend" / "todo_api" / "__init__.py"
    init.write_text(init.read_text() + "# a one-line change: the image's content hash and so its tag change\n")
    poller = Poller(user)
    poller.start()
    started = time.monotonic()
    try:
        run = run_playbook(SITE, "--tags", "deploy", "-e", f"images_app_dir={app_copy}")
    finally:
        poller.stop.set()
        poller.join()
    STATE["edit_to_live_seconds"] = round(time.monotonic() - started)
    assert run.recap["failed"] == 0
    # a new revision is proved again
    assert _task_outcome(run.output, "Run helm test") == "ok", run.log
    assert "Smoke test passed" in run.output, run.log
    after = {p.spec.containers[0].image for p in _release_pods(k8s, "backend") if p.metadata.deletion_timestamp is None}
    assert after, "no backend pod after the rollout"
    assert after.isdisjoint(before), (before, after)
    STATE["rollout"] = {"ok": poller.ok, "failed": len(poller.failures)}
    assert poller.ok > 100, "the client barely ran"
    assert poller.failures == [], (
        f"{len(poller.failures)} of {poller.ok + len(poller.failures)} requests failed: {poller.failures[:10]}"
    )
    STATE["images_after_change"] = after


def test_a_change_that_breaks_the_backend_takes_nothing_down_and_is_rolled_back(
    run_playbook, k8s, app_copy: Path, playbook_env
) -> None:
    user = sign_up("broken-change")
    assert _add_task(user, "survive a broken change").status_code == 201
    serving = {
        p.spec.containers[0].image for p in _release_pods(k8s, "backend") if p.metadata.deletion_timestamp is None
    }
    revision = json.loads(_helm("history", RELEASE, "-o", "json", env=playbook_env))[-1]["revision"]

    # a backend that no longer starts: its image builds, its pods crash at start-up
    main = app_copy / "backend" / "todo_api" / "main.py"
    working = main.read_text()
    main.write_text(working + '\nraise SystemExit("broken on purpose by the cluster test")\n')
    poller = Poller(user)
    poller.start()
    started = time.monotonic()
    try:
        run = run_playbook(
            SITE, "--tags", "deploy", "-e", f"images_app_dir={app_copy}", "-e", "deploy_timeout=60s", check=False
        )
    finally:
        poller.stop.set()
        poller.join()
        main.write_text(working)
    STATE["broken_change"] = {
        "seconds": round(time.monotonic() - started),
        "ok": poller.ok,
        "failed": len(poller.failures),
    }
    # the run fails, naming the new pods and what they reported, and says helm rolled back
    assert run.returncode != 0, run.log
    assert "did not become ready within 60s, so helm rolled the release back" in run.output, run.log
    assert re.search(r"todo-chatbot-backend-[a-z0-9-]+: (BackOff|Unhealthy) \(", run.output), run.log
    # the release is back on the revision that worked, and its pods are the ones that served before
    last = json.loads(_helm("history", RELEASE, "-o", "json", env=playbook_env))[-1]
    assert (last["status"], last["description"]) == ("deployed", f"Rollback to {revision}"), last
    wait_until(
        "only the backend pods that served before the broken change",
        lambda: (
            {p.spec.containers[0].image for p in _release_pods(k8s, "backend") if p.metadata.deletion_timestamp is None}
            == serving
        ),
    )
    # and nobody noticed: every request of the polling client was answered
    assert poller.ok > 100, "the client barely ran"
    assert poller.failures == [], (
        f"{len(poller.failures)} of {poller.ok + len(poller.failures)} requests failed: {poller.failures[:10]}"
    )
    assert "survive a broken change" in _task_titles(user)


def test_status_playbook_reports_the_release_and_its_health(run_playbook) -> None:
    run = run_playbook("playbooks/status.yml")
    assert run.recap["failed"] == 0
    assert f"{RELEASE} revision" in run.output
    assert "deployed" in run.output
    assert f"http://{APP_HOST}" in run.output
    # the health summary read from the backends' metrics (since the rollout: the smoke test and helm test)
    health = re.search(r"health:\s*\n((?:\s+\w+: .*\n)+)", run.output)
    assert health, run.log
    values = dict(re.findall(r"(\w+): (\S+)", health.group(1)))
    assert int(values["requests"]) > 0
    assert int(values["chat_turns"]) >= 1
    assert float(values["error_rate"]) < 0.05
    assert values["p95_latency_ms"] != "null"


def test_metrics_are_served_by_the_backend_and_not_through_the_ingress(k8s) -> None:
    from kubernetes.stream import stream
    from prometheus_client.parser import text_string_to_metric_families

    read = "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:8000/metrics').read().decode())"
    wanted = {"todo_http_requests", "todo_http_request_duration_seconds", "todo_db_pool_connections"}
    routes: set[str] = set()
    for pod in (p for p in _release_pods(k8s, "backend") if p.status.phase == "Running"):
        text = stream(
            k8s.CoreV1Api().connect_get_namespaced_pod_exec,
            pod.metadata.name,
            NAMESPACE,
            container="backend",
            command=["python", "-c", read],
            stderr=True,
            stdout=True,
            stdin=False,
            tty=False,
        )
        families = {family.name: family for family in text_string_to_metric_families(text)}
        assert wanted <= set(families)
        routes |= {sample.labels.get("route") for sample in families["todo_http_requests"].samples}
    # the smoke test's requests, on whichever pod served them: route templates, never raw paths
    assert {"/api/{user_id}/chat", "/api/auth/signup"} <= routes
    assert not any(route and re.search(r"/\d+(/|$)", route) for route in routes), routes
    public = requests.get(f"{APP_URL}/metrics", timeout=30)
    assert "todo_http_requests" not in public.text


def test_rollback_returns_to_the_previous_revision_and_the_app_still_serves(run_playbook, k8s, playbook_env) -> None:
    user = sign_up("rollback")
    run = run_playbook("playbooks/rollback.yml")
    assert run.recap["failed"] == 0
    history = json.loads(_helm("history", RELEASE, "-o", "json", env=playbook_env))
    assert history[-1]["status"] == "deployed"
    assert f"Rollback to {STATE['revision_before_change']}" in history[-1]["description"]
    wait_until(
        "the backend pods of the previous revision",
        lambda: {
            p.spec.containers[0].image for p in _release_pods(k8s, "backend") if p.metadata.deletion_timestamp is None
        }.isdisjoint(STATE["images_after_change"]),
    )
    assert _add_task(user, "after the rollback").status_code == 201
    assert "after the rollback" in _task_titles(user)


class Writer(threading.Thread):
    """A client that keeps adding tasks and remembers which ones the server acknowledged."""

    def __init__(self, user) -> None:
        super().__init__(daemon=True)
        self.user = user
        self.stop = threading.Event()
        self.acknowledged: list[str] = []
        self.refused = 0
        # Every Server header seen, with its count: an answer from outside the cluster would show here
        # (a packet for a Service without endpoints once left by the default route and a gateway answered).
        self.servers: collections.Counter[str | None] = collections.Counter()

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            title = f"write {n}"
            try:
                response = _add_task(self.user, title)
                self.servers[response.headers.get("Server")] += 1
                if response.status_code == 201:
                    self.acknowledged.append(title)
                else:
                    self.refused += 1
            except requests.RequestException:
                self.refused += 1
            time.sleep(0.02)


def test_killing_the_backend_and_postgresql_pods_loses_no_acknowledged_write(k8s) -> None:
    user = sign_up("chaos")
    writer = Writer(user)
    writer.start()
    core = k8s.CoreV1Api()
    try:
        time.sleep(3)
        for component in ("backend", "postgresql"):
            for pod in _release_pods(k8s, component):
                core.delete_namespaced_pod(pod.metadata.name, NAMESPACE)
            time.sleep(2)
            wait_until(
                f"a ready {component} pod again",
                lambda c=component: any(
                    p.status.container_statuses and all(s.ready for s in p.status.container_statuses)
                    for p in _release_pods(k8s, c)
                    if p.metadata.deletion_timestamp is None
                ),
            )
        # writes go through again once everything is back
        wait_until("a write after the restarts", lambda: len(writer.acknowledged) > 0 and _add_task(user, "probe").ok)
        time.sleep(3)
    finally:
        writer.stop.set()
        writer.join()
    assert len(writer.acknowledged) > 20, "the writer barely ran"
    # One write getting through does not mean every backend pod has its database back yet (a pod may still
    # answer 503 for a while: issue 23); what this test proves is that nothing acknowledged is lost.
    stored = wait_until("every task readable after the restarts", lambda: _task_titles(user), timeout=120)
    lost = [title for title in writer.acknowledged if title not in stored]
    assert lost == [], f"{len(lost)} acknowledged writes are gone: {lost[:10]}"
    # Answers came from the cluster only: the backend (uvicorn) or the ingress controller (no Server header).
    assert set(writer.servers) <= {"uvicorn", None}, f"answers from a server that is not ours: {writer.servers}"
    check_isolation()
    STATE["chaos"] = {"acknowledged": len(writer.acknowledged), "refused": writer.refused}
    STATE["kept_user"] = user.email
    STATE["kept_titles"] = stored


def test_teardown_keeps_the_volume_and_a_redeploy_finds_the_data(run_playbook, k8s, playbook_env) -> None:
    run = run_playbook("playbooks/teardown.yml")
    assert run.recap["failed"] == 0
    assert _helm("list", "-q", env=playbook_env).strip() == ""
    claims = k8s.CoreV1Api().list_namespaced_persistent_volume_claim(NAMESPACE).items
    assert len(claims) == 1, "the database volume must outlive the release"

    run = run_playbook(SITE, "--tags", "deploy")
    assert run.recap["failed"] == 0
    user = log_in(str(STATE["kept_user"]))
    assert _task_titles(user) == STATE["kept_titles"]


def _conversations(user) -> list:
    response = requests.get(user.url("conversations"), headers=user.headers, timeout=30)
    response.raise_for_status()
    return [(c["id"], [(m["role"], m["content"]) for m in c["messages"]]) for c in response.json()]


def _tasks(user) -> list:
    return [(t["id"], t["title"], t["description"], t["completed"], t["created_at"]) for t in _all_tasks(user)]


def test_a_backup_survives_deleting_the_data_and_restores_every_row(run_playbook, k8s, playbook_env) -> None:
    user = sign_up("backup")
    for title in ("Renew passport", "Book dentist"):
        assert _add_task(user, title).status_code == 201
    chat = requests.post(user.url("chat"), json={"message": "add a task to pay rent"}, headers=user.headers, timeout=30)
    assert chat.status_code == 200
    before = (_tasks(user), _conversations(user))

    run = run_playbook("playbooks/backup.yml")
    dump = Path(re.search(r"file: (\S+\.dump)", run.output).group(1))
    assert dump.stat().st_size > 0
    assert oct(dump.stat().st_mode & 0o777) == "0o600"
    assert oct(dump.parent.stat().st_mode & 0o777) == "0o700"
    record = json.loads(Path(f"{dump}.json").read_text())
    assert record["rows"]["tasks"] >= 3
    # the dump went to the file, not through Ansible's output
    assert "PGDMP" not in run.output

    run_playbook("playbooks/teardown.yml", "-e", "delete_data=true")
    assert k8s.CoreV1Api().list_namespaced_persistent_volume_claim(NAMESPACE).items == []
    run_playbook(SITE, "--tags", "deploy")
    gone = requests.post(f"{APP_URL}/api/auth/login", json={"email": user.email, "password": PASSWORD}, timeout=30)
    assert gone.status_code == 401, "the new database should not know the user yet"

    # a backup of another schema version is refused before anything changes
    other = dump.with_name("other-schema.dump")
    other.write_bytes(dump.read_bytes())
    Path(f"{other}.json").write_text(json.dumps(record | {"schema_version": "9999_future"}))
    refused = run_playbook("playbooks/restore.yml", "-e", f"backup_file={other}", check=False)
    assert refused.returncode != 0
    assert "holds schema version 9999_future" in refused.output

    for _ in range(2):  # restoring twice gives the same content
        run_playbook("playbooks/restore.yml", "-e", f"backup_file={dump}")
        restored = log_in(user.email)
        assert (_tasks(restored), _conversations(restored)) == before

    # encrypted with Ansible Vault: nothing readable on disk, and it restores the same
    password_file = dump.parent / "vault-pass"
    password_file.write_text(secrets.token_urlsafe(24))
    vault = ["-e", "deploy_backup_encrypt=true", "-e", f"deploy_backup_vault_password_file={password_file}"]
    run = run_playbook("playbooks/backup.yml", *vault)
    sealed = Path(re.search(r"file: (\S+\.dump)", run.output).group(1))
    assert sealed.read_bytes().startswith(b"$ANSIBLE_VAULT;")
    run_playbook("playbooks/restore.yml", "-e", f"backup_file={sealed}", *vault[2:])
    restored = log_in(user.email)
    assert (_tasks(restored), _conversations(restored)) == before


def test_https_with_a_local_ca_the_browser_trusts(run_playbook, k8s, playbook_env, browser_driver, tmp_path) -> None:
    from cryptography import x509
    from cryptography.x509.oid import ExtensionOID

    tls = ["--tags", "deploy", "-e", "chart_ingress_tls_enabled=true"]
    system_copy = Path("/usr/local/share/ca-certificates/todo-chatbot-local-ca.crt")
    try:
        run = run_playbook(SITE, *tls)
        assert "Smoke test passed" in run.output  # over HTTPS, checked against the local CA
        ca_dir = Path(playbook_env["TODO_CLUSTER_BUILD_DIR"]) / "tls"
        assert oct((ca_dir / "ca.key").stat().st_mode & 0o777) == "0o600"
        ca_pem = (ca_dir / "ca.crt").read_bytes()

        secret = k8s.CoreV1Api().read_namespaced_secret(f"{RELEASE}-tls", NAMESPACE)
        assert secret.type == "kubernetes.io/tls"
        import base64

        certificate = x509.load_pem_x509_certificate(base64.b64decode(secret.data["tls.crt"]))
        names = certificate.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
        assert names.get_values_for_type(x509.DNSName) == [APP_HOST]
        assert certificate.issuer == x509.load_pem_x509_certificate(ca_pem).subject

        again = run_playbook(SITE, *tls)
        assert again.recap["changed"] == 0, f"TLS made changes on a re-run (log: {again.log})"
        # trusting the CA on this machine is opt-in (it also changes the CA bundle the image builds read)
        run_playbook(SITE, *tls, "-e", "deploy_trust_local_ca=true")

        redirect = requests.get(f"http://{APP_HOST}/", allow_redirects=False, timeout=30)
        assert redirect.status_code in (301, 308)
        assert redirect.headers["Location"].startswith(f"https://{APP_HOST}")
        # the system store now trusts the CA (deploy_trust_local_ca): curl checks the certificate with it
        curl = subprocess.run(
            ["curl", "-fsS", "-o", "/dev/null", "-w", "%{http_code}", f"https://{APP_HOST}/"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert curl.stdout == "200", curl.stderr

        # Chromium keeps its own store (~/.pki/nssdb): a fresh HOME whose store trusts the CA, and no
        # flag that ignores certificate errors
        home = tmp_path / "home"
        nssdb = home / ".pki" / "nssdb"
        nssdb.mkdir(parents=True)
        (tmp_path / "ca.crt").write_bytes(ca_pem)
        for args in (
            ["-N", "--empty-password"],
            ["-A", "-t", "C,,", "-n", "todo-local-ca", "-i", str(tmp_path / "ca.crt")],
        ):
            subprocess.run(["certutil", "-d", f"sql:{nssdb}", *args], check=True, capture_output=True, timeout=60)
        from playwright.sync_api import expect

        browser = launch(browser_driver, env={**os.environ, "HOME": str(home)})
        try:
            page = browser.new_page(base_url=f"https://{APP_HOST}")
            expect.set_options(timeout=20_000)
            sign_up_in_the_page(page, f"https-{secrets.token_hex(4)}@example.com", PASSWORD)
            page.get_by_label("Message", exact=True).fill("add a task to renew the certificate")
            page.get_by_role("button", name="Send", exact=True).click()
            expect(
                page.get_by_role("list", name="Tasks").get_by_text(re.compile("renew the certificate", re.I))
            ).to_be_visible()
            assert page.url.startswith(f"https://{APP_HOST}/")
        finally:
            browser.close()
    finally:
        if system_copy.exists():
            system_copy.unlink()
            subprocess.run(["update-ca-certificates", "--fresh"], capture_output=True, timeout=120, check=False)
