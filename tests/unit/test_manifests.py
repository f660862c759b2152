"""Deployment artefacts: Kubernetes manifests, deploy.sh, the k8s chaos experiments, Dockerfile.

Static checks only: no cluster is needed. They pin what the original got wrong (active-standby
weights, duplicate policy names, TLS disabled, no locality failover, no PeerAuthentication,
NodePorts, Redis without a password, secrets committed in plain text).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]

ROOT = Path(__file__).parents[2]
MANIFESTS = ROOT / "manifests"
K8S_EXPERIMENTS = ROOT / "chaos" / "experiments" / "k8s"
APP_IMAGE = "trafficha"
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


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl not installed")
def test_kustomize_renders_every_directory() -> None:
    for directory in ("central", "members", "karmada", "istio", "."):
        subprocess.run(
            ["kubectl", "kustomize", str(MANIFESTS / directory)],
            check=True,
            capture_output=True,
            timeout=60,
        )


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
            http_ports = [p for p in container.get("ports", []) if p.get("name") == "http"]
            if http_ports:
                assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", where
                assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", where
                assert name in services, f"{where}: HTTP workload without a Service"
            elif name in {"mariadb", "redis"}:
                assert "readinessProbe" in container, where
                assert "livenessProbe" in container, where


def test_member_services_take_config_and_secrets_by_reference() -> None:
    deployments = {d["metadata"]["name"]: (p, d) for p, d in _of_kind("Deployment")}
    for name in ("openapi-proxy", "collector", "processor", "data-api", "gateway"):
        path, doc = deployments[name]
        assert path.parent.name == "members"
        container = _pod_spec(doc)["containers"][0]
        assert container["args"] == [name.removeprefix("openapi-")]
        assert container["env"][0]["name"] == "MEMBER_NAME"  # the OverridePolicy replaces env/0
        assert {"configMapRef": {"name": "trafficha-config"}} in container["envFrom"]
        secret_keys = {
            e["valueFrom"]["secretKeyRef"]["key"]
            for e in container["env"]
            if "secretKeyRef" in e.get("valueFrom", {})
        }
        assert secret_keys >= {"DB_PASSWORD", "REDIS_PASSWORD", "REAL_OPENAPI_KEY"}
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


def test_single_collector_alternative_is_documented_but_not_applied() -> None:
    path = MANIFESTS / "karmada" / "collector-failover-alternative.yaml"
    assert path.resolve() not in _in_default_kustomizations()
    text = path.read_text(encoding="utf-8")
    assert "ClusterTaintPolicy" in text
    assert "--enable-no-execute-taint-eviction" in text
    doc = yaml.safe_load(text)
    application = doc["spec"]["failover"]["application"]
    assert application["decisionConditions"]["tolerationSeconds"] > 0
    assert application["purgeMode"] in {"Directly", "Gracefully", "Never"}


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
    if shutil.which("shellcheck"):
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
    assert drain["method"][0]["provider"]["func"] == "drain_nodes"
    assert drain["rollbacks"][0]["provider"]["func"] == "uncordon_node"


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
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    for entry in (".venv", "spa/dist", ".git", "test-artifacts"):
        assert entry in ignored
