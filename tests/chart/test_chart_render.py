"""The chart lints clean, renders valid Kubernetes objects and keeps its hardening promises."""

from __future__ import annotations

import kubernetes_validate
import pytest
import yaml

helm_python = pytest.importorskip("helm_python")

KUBERNETES_VERSIONS = ("1.30", "1.34", "1.37")
FORBIDDEN_WRITABLE_ROOT = "a container may only write to emptyDir/volume mounts"


def pod_spec(workload: dict) -> dict:
    return workload["spec"] if workload["kind"] == "Pod" else workload["spec"]["template"]["spec"]


def pod_labels(workload: dict) -> dict:
    return (
        workload["metadata"]["labels"]
        if workload["kind"] == "Pod"
        else workload["spec"]["template"]["metadata"]["labels"]
    )


def all_containers(workload: dict) -> list[dict]:
    spec = pod_spec(workload)
    return spec.get("initContainers", []) + spec["containers"]


def test_lint_is_clean(chart_dir):
    report = helm_python.lint(chart_dir, strict=True)
    assert report["errors"] == []
    # severity 1 is information ("icon is recommended": the app has no icon); 2 warning, 3 error
    assert [m for m in report["messages"] if m["severity"] >= 2] == [], report["messages"]


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_object_validates_against_kubernetes_schema(rendered, version):
    assert rendered.objects, "the chart rendered nothing"
    for obj in rendered.objects:
        # strict: unknown fields (a typo in a template) fail too
        kubernetes_validate.validate(obj, version, strict=True)


def test_every_object_carries_the_standard_labels(rendered):
    for obj in rendered.objects:
        labels = obj["metadata"].get("labels", {})
        for key in (
            "app.kubernetes.io/name",
            "app.kubernetes.io/instance",
            "app.kubernetes.io/version",
            "app.kubernetes.io/managed-by",
            "helm.sh/chart",
        ):
            assert key in labels, f"{obj['kind']}/{obj['metadata']['name']} lacks label {key}"
        assert obj["metadata"]["namespace"] == "todo"


def test_a_chart_edit_alone_restarts_no_pod(rendered, chart_dir):
    """No pod template carries the chart's version (no helm.sh/chart label): the chart role versions the chart
    by its content, so it changes with any edit of the chart and would restart every pod, PostgreSQL's too."""
    metadata = yaml.safe_load((chart_dir / "Chart.yaml").read_text())
    chart = f"{metadata['name']}-{metadata['version']}"  # helm.sh/chart's value (the appVersion may equal the version)
    for workload in rendered.workloads:
        if workload["kind"] == "Pod":
            continue  # helm test's pod is made anew by every helm test
        template = workload["spec"]["template"]["metadata"]
        assert "helm.sh/chart" not in template["labels"], workload["metadata"]["name"]
        assert template["labels"]["app.kubernetes.io/part-of"] == "todo-chatbot"
        assert not any(
            chart in str(v) for v in [*template["labels"].values(), *template.get("annotations", {}).values()]
        )


def test_workload_pods_are_hardened(rendered):
    assert rendered.workloads
    for workload in rendered.workloads:
        where = f"{workload['kind']}/{workload['metadata']['name']}"
        spec = pod_spec(workload)
        assert spec["automountServiceAccountToken"] is False, where
        assert spec["securityContext"]["runAsNonRoot"] is True, where
        assert spec["securityContext"]["runAsUser"] > 0, where
        assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault", where
        assert "app.kubernetes.io/component" in pod_labels(workload), where
        mounted = set()
        for container in all_containers(workload):
            context = container["securityContext"]
            assert context["runAsNonRoot"] is True, where
            assert context["allowPrivilegeEscalation"] is False, where
            assert context["readOnlyRootFilesystem"] is True, where
            assert context["capabilities"]["drop"] == ["ALL"], where
            assert "add" not in context["capabilities"], where
            assert context["seccompProfile"]["type"] == "RuntimeDefault", where
            assert context.get("privileged") is not True, where
            mounted.update(mount["mountPath"] for mount in container.get("volumeMounts", []))
        assert "/tmp" in mounted, f"{where}: /tmp must be a writable mount ({FORBIDDEN_WRITABLE_ROOT})"


def test_every_container_has_requests_limits_and_a_pinned_image(rendered):
    for workload in rendered.workloads:
        for container in all_containers(workload):
            where = f"{workload['metadata']['name']}/{container['name']}"
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(container["resources"][kind]), where
            # an explicit tag on the last path segment (a registry host:port is not a tag), never latest
            tag = container["image"].rsplit("/", 1)[-1].partition(":")[2]
            assert tag, f"{where}: no tag in {container['image']}"
            assert tag != "latest", f"{where}: {container['image']}"
            assert container["imagePullPolicy"] == "IfNotPresent", where


def test_long_running_containers_have_all_three_probes(rendered):
    for workload in rendered.workloads:
        if workload["kind"] == "Pod":
            continue  # the helm test pod runs once and exits
        for container in pod_spec(workload)["containers"]:
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                assert probe in container, f"{workload['metadata']['name']}/{container['name']} lacks {probe}"


def test_rollouts_start_every_new_pod_at_once_and_keep_the_old_ones_until_ready(default_render):
    for name in ("todo-chatbot-backend", "todo-chatbot-frontend"):
        strategy = default_render.named("Deployment", name)["spec"]["strategy"]
        assert strategy == {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "100%", "maxUnavailable": 0}}
        container = pod_spec(default_render.named("Deployment", name))["containers"][0]
        # a started pod is seen within a second, a ready one within two
        assert container["startupProbe"]["periodSeconds"] == 1
        assert container["readinessProbe"]["periodSeconds"] == 2


def test_probe_paths_and_resources_match_the_contract(default_render):
    backend = default_render.named("Deployment", "todo-chatbot-backend")
    container = pod_spec(backend)["containers"][0]
    assert container["ports"][0]["containerPort"] == 8000
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    # a CPU limit above one core's share: start-up is all CPU (imports) and 300m made it 3x slower
    assert container["resources"]["limits"] == {"cpu": "1", "memory": "512Mi"}
    assert pod_spec(backend)["initContainers"][0]["resources"]["limits"]["cpu"] == "1"

    frontend = default_render.named("Deployment", "todo-chatbot-frontend")
    container = pod_spec(frontend)["containers"][0]
    assert container["ports"][0]["containerPort"] == 8080
    assert {container[p]["httpGet"]["path"] for p in ("startupProbe", "livenessProbe", "readinessProbe")} == {"/"}
    assert container["resources"]["limits"] == {"cpu": "200m", "memory": "256Mi"}
    assert {"name": "BACKEND_URL", "value": "http://todo-chatbot-backend:8000"} in container["env"]
    mounts = {mount["mountPath"] for mount in container["volumeMounts"]}
    assert {"/tmp", "/var/cache/nginx", "/var/run"} <= mounts


def test_a_stopping_backend_drains_its_requests_and_exits_within_the_pods_grace_period(
    render_chart, default_render, chart_dir
):
    spec = pod_spec(default_render.named("Deployment", "todo-chatbot-backend"))
    container = spec["containers"][0]
    # 30 s of grace: the 5 s preStop sleep, then up to 20 s for in-flight requests, 5 s to close the pools
    assert spec["terminationGracePeriodSeconds"] == 30
    assert container["lifecycle"]["preStop"]["sleep"]["seconds"] == 5
    assert {"name": "UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN", "value": "20"} in container["env"]
    # the image's own default is the same, for a pod that does not set it
    dockerfile = (chart_dir.parents[1] / "backend" / "Dockerfile").read_text()
    assert "UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN=20" in dockerfile
    longer = pod_spec(
        render_chart({"backend": {"terminationGracePeriodSeconds": 120, "preStopSleepSeconds": 10}}).named(
            "Deployment", "todo-chatbot-backend"
        )
    )
    assert longer["terminationGracePeriodSeconds"] == 120
    assert {"name": "UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN", "value": "105"} in longer["containers"][0]["env"]
    with pytest.raises(helm_python.HelmError, match=r"must exceed backend\.preStopSleepSeconds"):
        render_chart({"backend": {"terminationGracePeriodSeconds": 10, "preStopSleepSeconds": 5}})


def test_images_default_to_app_version_and_latest_is_refused(render_chart, default_render):
    backend = default_render.named("Deployment", "todo-chatbot-backend")
    assert pod_spec(backend)["containers"][0]["image"] == "todo-chatbot-backend:0.1.0"
    custom = render_chart({"backend": {"image": {"repository": "registry.example.com/todo/backend", "tag": "1.2.3"}}})
    backend = custom.named("Deployment", "todo-chatbot-backend")
    assert {c["image"] for c in all_containers(backend)} == {"registry.example.com/todo/backend:1.2.3"}
    with pytest.raises(helm_python.HelmValuesError, match="frontend/image/tag"):
        render_chart({"frontend": {"image": {"tag": "latest"}}})


def test_default_install_runs_postgresql_in_cluster(default_render):
    statefulset = default_render.named("StatefulSet", "todo-chatbot-postgresql")
    service = default_render.named("Service", "todo-chatbot-postgresql")
    assert service["spec"]["clusterIP"] == "None"
    assert statefulset["spec"]["serviceName"] == "todo-chatbot-postgresql"
    # clients connect through a ClusterIP Service: its name resolves whatever the pod's state (a headless
    # name has no address until the pod is Ready, and a failed lookup is cached)
    clients = default_render.named("Service", "todo-chatbot-postgresql-rw")
    assert clients["spec"]["type"] == "ClusterIP"
    assert "clusterIP" not in clients["spec"]
    assert clients["spec"]["selector"] == service["spec"]["selector"]
    assert clients["spec"]["ports"] == service["spec"]["ports"]
    claim = statefulset["spec"]["volumeClaimTemplates"][0]
    assert claim["spec"]["resources"]["requests"]["storage"] == "1Gi"
    secret = default_render.named("Secret", "todo-chatbot-postgresql")
    # kept on uninstall: the password is baked into the data volume that also survives
    assert secret["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    assert len(secret["data"]["POSTGRES_PASSWORD"]) > 20

    backend_env = {
        e["name"]: e
        for e in pod_spec(default_render.named("Deployment", "todo-chatbot-backend"))["containers"][0]["env"]
    }
    assert backend_env["DATABASE_URL"]["value"] == (
        "postgresql+psycopg://todo:$(POSTGRES_PASSWORD)@todo-chatbot-postgresql-rw:5432/todo"
    )
    env_names = list(backend_env)
    assert env_names.index("POSTGRES_PASSWORD") < env_names.index("DATABASE_URL"), "$(VAR) expands only earlier vars"


def test_migrations_run_in_an_init_container_with_the_backend_environment(default_render):
    spec = pod_spec(default_render.named("Deployment", "todo-chatbot-backend"))
    (migrate,) = spec["initContainers"]
    assert migrate["command"] == ["python", "-m", "todo_api.migrate"]
    assert migrate["image"] == spec["containers"][0]["image"]
    # the same environment, less the server's own setting (the migration runs no server)
    server_only = {"UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN"}
    assert migrate["env"] == [var for var in spec["containers"][0]["env"] if var["name"] not in server_only]


@pytest.mark.parametrize("value_set", ["external-db-url", "external-db-secret"])
def test_external_database_switches_off_the_in_cluster_one(render_chart, value_sets, value_set):
    result = render_chart(value_sets[value_set])
    assert result.of_kind("StatefulSet") == []
    assert all("postgresql" not in obj["metadata"]["name"] for obj in result.objects)
    env = {e["name"]: e for e in pod_spec(result.named("Deployment", "todo-chatbot-backend"))["containers"][0]["env"]}
    assert "POSTGRES_PASSWORD" not in env
    reference = env["DATABASE_URL"]["valueFrom"]["secretKeyRef"]
    if value_set == "external-db-url":
        assert reference == {"name": "todo-chatbot", "key": "DATABASE_URL"}
        secret = result.named("Secret", "todo-chatbot")
        assert "DATABASE_URL" in secret["data"]
    else:
        assert reference == {"name": "todo-credentials", "key": "DATABASE_URL"}
        assert result.of_kind("Secret") == [], "existing secrets: the chart must render no Secret"


def test_ingress_routes_without_rewrite(default_render):
    ingress = default_render.named("Ingress", "todo-chatbot")
    assert ingress["spec"]["ingressClassName"] == "nginx"
    (rule,) = ingress["spec"]["rules"]
    assert rule["host"] == "todo.local"
    routes = {p["path"]: (p["pathType"], p["backend"]["service"]["name"]) for p in rule["http"]["paths"]}
    assert routes == {
        "/": ("Prefix", "todo-chatbot-frontend"),
        "/api": ("Prefix", "todo-chatbot-backend"),
        "/mcp": ("Prefix", "todo-chatbot-backend"),
    }
    assert not any("rewrite" in key for key in ingress["metadata"].get("annotations", {}))
    assert "tls" not in ingress["spec"]


def test_tls_and_ingress_off(render_chart):
    tls = render_chart({"ingress": {"tls": {"enabled": True}}}).named("Ingress", "todo-chatbot")
    assert tls["spec"]["tls"] == [{"hosts": ["todo.local"], "secretName": "todo-chatbot-tls"}]
    assert render_chart({"ingress": {"enabled": False}}).of_kind("Ingress") == []


def test_hpa_replaces_fixed_replicas(render_chart, default_render):
    assert default_render.of_kind("HorizontalPodAutoscaler") == []
    result = render_chart({"backend": {"autoscaling": {"enabled": True, "minReplicas": 2, "maxReplicas": 5}}})
    (hpa,) = result.of_kind("HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"]["name"] == "todo-chatbot-backend"
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 5)
    assert "replicas" not in result.named("Deployment", "todo-chatbot-backend")["spec"]
    assert result.named("Deployment", "todo-chatbot-frontend")["spec"]["replicas"] == 1


def test_network_policies_isolate_database_and_backend(default_render):
    def peers(name):
        policy = default_render.named("NetworkPolicy", name)
        return policy, policy["spec"]["ingress"][0]["from"]

    policy, sources = peers("todo-chatbot-postgresql")
    assert policy["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "postgresql"
    assert [s["podSelector"]["matchLabels"]["app.kubernetes.io/component"] for s in sources] == ["backend"]
    assert policy["spec"]["egress"] == []

    policy, sources = peers("todo-chatbot-backend")
    components = {s["podSelector"]["matchLabels"]["app.kubernetes.io/component"] for s in sources if "podSelector" in s}
    assert components == {"frontend", "test"}
    namespaces = [s["namespaceSelector"]["matchLabels"] for s in sources if "namespaceSelector" in s]
    assert namespaces == [{"kubernetes.io/metadata.name": "ingress-nginx"}]


def test_checksum_annotations_roll_pods_on_config_and_credential_changes(render_chart):
    def annotations(values):
        backend = render_chart(values).named("Deployment", "todo-chatbot-backend")
        return backend["spec"]["template"]["metadata"]["annotations"]

    base = {"existingSecret": "creds", "postgresql": {"auth": {"existingSecret": "creds"}}}
    first = annotations(base)
    assert first == annotations(base), "same values must give the same pod template"
    assert annotations({**base, "config": {"logLevel": "DEBUG"}})["checksum/config"] != first["checksum/config"]
    assert annotations({**base, "credentialsRevision": "42"})["checksum/secret"] != first["checksum/secret"]


def test_service_account_and_disruption_budgets(default_render):
    account = default_render.named("ServiceAccount", "todo-chatbot")
    assert account["automountServiceAccountToken"] is False
    budgets = {pdb["metadata"]["name"]: pdb["spec"] for pdb in default_render.of_kind("PodDisruptionBudget")}
    assert set(budgets) == {"todo-chatbot-backend", "todo-chatbot-frontend"}
    assert all(spec["maxUnavailable"] == 1 for spec in budgets.values())


def test_helm_test_hook_checks_readiness_and_a_chat_round_trip(default_render):
    (pod,) = default_render.of_kind("Pod")
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    assert pod["metadata"]["labels"]["app.kubernetes.io/component"] == "test"
    container = pod["spec"]["containers"][0]
    assert container["image"] == "todo-chatbot-backend:0.1.0"
    script = container["args"][0]
    compile(script, "helm_test.py", "exec")
    for fragment in ('"/readyz"', '"/api/auth/signup"', "/chat", "add a task to test helm", '"add_task" in tool_names'):
        assert fragment in script
    assert {"name": "BACKEND_URL", "value": "http://todo-chatbot-backend:8000"} in container["env"]


def test_notes_tell_the_url_hosts_entry_and_next_commands(default_render, render_chart):
    notes = default_render.templates["todo-chatbot/templates/NOTES.txt"]
    assert "http://todo.local/" in notes
    assert "$(minikube ip) todo.local" in notes
    assert "helm test todo-chatbot -n todo" in notes
    assert (
        "https://todo.local/"
        in render_chart({"ingress": {"tls": {"enabled": True}}}).templates["todo-chatbot/templates/NOTES.txt"]
    )
    assert "port-forward" in render_chart({"ingress": {"enabled": False}}).templates["todo-chatbot/templates/NOTES.txt"]


def _pods_selected_by(rendered, selector: dict) -> list[dict]:
    return [
        workload
        for workload in rendered.workloads
        if workload["kind"] != "Pod" and selector.items() <= pod_labels(workload).items()
    ]


def _container_port_names(workloads: list[dict]) -> set[str]:
    return {
        port["name"]
        for workload in workloads
        for container in pod_spec(workload)["containers"]
        for port in container.get("ports", [])
    }


def test_services_and_network_policies_reach_real_pods_and_ports(rendered):
    """Selectors, named target ports and Ingress backends must all resolve, or traffic silently goes nowhere."""
    services = {service["metadata"]["name"]: service for service in rendered.of_kind("Service")}
    for name, service in services.items():
        pods = _pods_selected_by(rendered, service["spec"]["selector"])
        assert len(pods) == 1, f"Service {name} selects {len(pods)} workloads"
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in _container_port_names(pods), f"Service {name}: no port {port['targetPort']}"
    for policy in rendered.of_kind("NetworkPolicy"):
        pods = _pods_selected_by(rendered, policy["spec"]["podSelector"]["matchLabels"])
        assert pods, f"NetworkPolicy {policy['metadata']['name']} selects no pod"
        for rule in policy["spec"]["ingress"]:
            for port in rule["ports"]:
                assert port["port"] in _container_port_names(pods), policy["metadata"]["name"]
    for ingress in rendered.of_kind("Ingress"):
        for path in ingress["spec"]["rules"][0]["http"]["paths"]:
            target = path["backend"]["service"]
            assert target["name"] in services, target
            assert target["port"]["name"] in {p["name"] for p in services[target["name"]]["spec"]["ports"]}
    for workload in rendered.workloads:
        spec = pod_spec(workload)
        volumes = {volume["name"] for volume in spec.get("volumes", [])}
        volumes |= {claim["metadata"]["name"] for claim in workload["spec"].get("volumeClaimTemplates", [])}
        for container in all_containers(workload):
            for mount in container.get("volumeMounts", []):
                assert mount["name"] in volumes, f"{workload['metadata']['name']}: no volume {mount['name']}"


def test_the_ingress_waits_longer_than_a_chat_turn_may_take(render_chart):
    def timeouts(values=None):
        annotations = render_chart(values).of_kind("Ingress")[0]["metadata"]["annotations"]
        return {key.rsplit("/", 1)[1]: value for key, value in annotations.items() if key.endswith("-timeout")}

    # the ingress controller's default (60 s) would cut off a 90 s LLM turn
    assert timeouts() == {"proxy-read-timeout": "120", "proxy-send-timeout": "120"}
    assert timeouts({"config": {"chatTurnTimeoutSeconds": 300}})["proxy-read-timeout"] == "330"
    # an annotation the user sets wins
    mine = {"ingress": {"annotations": {"nginx.ingress.kubernetes.io/proxy-read-timeout": "600"}}}
    assert timeouts(mine)["proxy-read-timeout"] == "600"
    configmap = render_chart().of_kind("ConfigMap")[0]["data"]
    assert configmap["CHAT_TURN_TIMEOUT_SECONDS"] == "90"


def test_metrics_are_private_unless_a_namespace_is_allowed(render_chart):
    default = render_chart()
    # no ServiceMonitor without the Prometheus Operator's API, even when asked for
    assert default.of_kind("ServiceMonitor") == []
    assert render_chart({"metrics": {"serviceMonitor": {"enabled": True}}}).of_kind("ServiceMonitor") == []

    def backend_sources(rendered):
        policy = rendered.named("NetworkPolicy", "todo-chatbot-backend")
        return [rule["from"] for rule in policy["spec"]["ingress"]]

    assert len(backend_sources(default)) == 1
    allowed = backend_sources(render_chart({"metrics": {"allowedNamespaces": ["monitoring"]}}))
    assert allowed[1] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]
