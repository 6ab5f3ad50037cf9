"""What the files in deploy/ must agree on and the schema checks of `make deploy-check` miss.

The Kubernetes schemas accept a probe on any port, a Service selecting nothing and a secret
reference to a key no Secret has; these tests hold the manifests, the compose file, the
Dockerfile and the service's settings to one another.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from guidera_grpc.booking.desk import BOOKING_TIMEOUT_S
from guidera_grpc.config import SANDBOX_CREDENTIALS, Settings

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
K8S = DEPLOY / "k8s"


Manifest = dict[str, Any]


def _manifests() -> list[Manifest]:
    documents: list[Manifest] = []
    for path in sorted(K8S.rglob("*.yaml")):
        with path.open() as stream:
            documents.extend(doc for doc in yaml.safe_load_all(stream) if doc)
    return documents


MANIFESTS = _manifests()


def _only(kind: str, name: str | None = None) -> Manifest:
    found = [
        m
        for m in MANIFESTS
        if m["kind"] == kind and (name is None or m["metadata"]["name"] == name)
    ]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


def _all(kind: str) -> list[Manifest]:
    return [m for m in MANIFESTS if m["kind"] == kind]


DEPLOYMENT = _only("Deployment")
POD = DEPLOYMENT["spec"]["template"]["spec"]
CONTAINER = next(c for c in POD["containers"] if c["name"] == "guidera")
PORTS = {port["name"]: port["containerPort"] for port in CONTAINER["ports"]}
CONFIG = _only("ConfigMap")["data"]


def _secret_keys() -> dict[str, set[str]]:
    keys: dict[str, set[str]] = {}
    for secret in _all("Secret"):
        keys[secret["metadata"]["name"]] = {
            *secret.get("stringData", {}),
            *secret.get("data", {}),
        }
    return keys


def _known_variables() -> set[str]:
    names = {
        field.validation_alias
        for field in Settings.model_fields.values()
        if isinstance(field.validation_alias, str)
    }
    return names


def _quantity(value: str | int | float) -> float:
    """A Kubernetes quantity as a number: cores for CPU, bytes for memory."""
    text = str(value)
    units = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "K": 1e3, "M": 1e6, "G": 1e9}
    match = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", text)
    assert match is not None, f"not a quantity: {text}"
    number, unit = match.groups()
    return float(number) * (units[unit] if unit else 1)


def _dockerfile_uid() -> int:
    text = (DEPLOY / "Dockerfile").read_text()
    match = re.search(r"^ARG GUIDERA_UID=(\d+)$", text, re.MULTILINE)
    assert match is not None
    assert re.search(r"^USER \$\{GUIDERA_UID\}:\$\{GUIDERA_UID\}$", text, re.MULTILINE)
    return int(match.group(1))


def test_every_namespaced_resource_is_in_the_namespace() -> None:
    namespace = _only("Namespace")["metadata"]["name"]
    for manifest in MANIFESTS:
        if manifest["kind"] != "Namespace":
            assert manifest["metadata"]["namespace"] == namespace, manifest["metadata"]["name"]


@pytest.mark.parametrize("probe", ["startupProbe", "readinessProbe", "livenessProbe"])
def test_probes_use_grpc_health_on_the_grpc_port(probe: str) -> None:
    spec = CONTAINER[probe]
    assert set(spec) & {"grpc", "httpGet", "tcpSocket", "exec"} == {"grpc"}
    assert spec["grpc"]["port"] == PORTS["grpc"]
    assert spec["grpc"].get("service", "") == ""


def test_the_image_and_the_pod_agree_on_ports_and_user() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    exposed = re.search(r"^EXPOSE (.+)$", dockerfile, re.MULTILINE)
    assert exposed is not None
    assert {int(p) for p in exposed.group(1).split()} == {PORTS["grpc"], PORTS["metrics"]}
    assert POD["securityContext"]["runAsUser"] == _dockerfile_uid()
    assert CONFIG["GUIDERA_LISTEN"].endswith(f":{PORTS['grpc']}")
    assert CONFIG["GUIDERA_METRICS_LISTEN"].endswith(f":{PORTS['metrics']}")
    annotations = DEPLOYMENT["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/port"] == str(PORTS["metrics"])


def test_selectors_match_the_pods() -> None:
    selector = DEPLOYMENT["spec"]["selector"]["matchLabels"]
    pod_labels = DEPLOYMENT["spec"]["template"]["metadata"]["labels"]
    assert selector.items() <= pod_labels.items()
    services = _all("Service")
    assert {s["spec"].get("clusterIP") for s in services} >= {"None"}, "no headless Service"
    for service in services:
        assert service["spec"]["selector"] == selector, service["metadata"]["name"]
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in PORTS, port
    assert _only("PodDisruptionBudget")["spec"]["selector"]["matchLabels"] == selector
    for constraint in POD.get("topologySpreadConstraints", []):
        assert constraint["labelSelector"]["matchLabels"] == selector


def test_autoscaler_and_budget_target_the_deployment() -> None:
    hpa = _only("HorizontalPodAutoscaler")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": DEPLOYMENT["apiVersion"],
        "kind": "Deployment",
        "name": DEPLOYMENT["metadata"]["name"],
    }
    low, high = hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]
    assert low <= DEPLOYMENT["spec"]["replicas"] <= high
    # Rate limits are split by GUIDERA_REPLICAS while Redis is down: count every pod there
    # can be, so that together they never exceed a supplier's limit.
    assert int(CONFIG["GUIDERA_REPLICAS"]) == high
    pdb = _only("PodDisruptionBudget")
    assert pdb["apiVersion"] == "policy/v1"
    budget = pdb["spec"]
    assert budget.get("maxUnavailable", 1) >= 1, "a PDB that forbids every eviction"
    assert budget.get("minAvailable", 0) < low


def test_pods_run_unprivileged_with_writable_scratch_only() -> None:
    pod_security = POD["securityContext"]
    assert pod_security["runAsNonRoot"] is True
    assert pod_security["runAsUser"] != 0
    container_security = CONTAINER["securityContext"]
    assert container_security["readOnlyRootFilesystem"] is True
    assert container_security["allowPrivilegeEscalation"] is False
    assert container_security["capabilities"]["drop"] == ["ALL"]
    volumes = {v["name"]: v for v in POD["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in CONTAINER["volumeMounts"]}
    for path in ("/tmp", CONFIG["GUIDERA_STATE_DIR"]):
        assert "emptyDir" in volumes[mounts[path]], path


def test_requests_and_limits_are_set_and_ordered() -> None:
    for container in POD["containers"]:
        resources = container["resources"]
        for resource in ("cpu", "memory"):
            request = _quantity(resources["requests"][resource])
            limit = _quantity(resources["limits"][resource])
            assert 0 < request <= limit, (container["name"], resource)


def test_termination_grace_outlasts_the_drain() -> None:
    pre_stop = CONTAINER["lifecycle"]["preStop"]["exec"]["command"]
    pause = float(pre_stop[-1]) if pre_stop[0] == "sleep" else 0.0
    drain = float(CONFIG["GUIDERA_SHUTDOWN_GRACE_S"])
    assert POD["terminationGracePeriodSeconds"] > pause + drain + BOOKING_TIMEOUT_S + 5


def test_secret_references_name_keys_the_template_has() -> None:
    secrets = _secret_keys()
    referenced = 0
    for variable in CONTAINER.get("env", []):
        ref = variable.get("valueFrom", {}).get("secretKeyRef")
        if ref:
            referenced += 1
            assert ref["key"] in secrets.get(ref["name"], set()), variable["name"]
    assert referenced >= 3
    for source in CONTAINER["envFrom"]:
        if "secretRef" in source:
            assert source["secretRef"]["name"] in secrets
        if "configMapRef" in source:
            assert source["configMapRef"]["name"] == _only("ConfigMap")["metadata"]["name"]


def test_variables_are_ones_the_service_reads() -> None:
    known = _known_variables()
    secrets = _secret_keys()
    names = set(CONFIG) | {v["name"] for v in CONTAINER["env"] if "secretKeyRef" in str(v)}
    for source in CONTAINER["envFrom"]:
        if "secretRef" in source:
            names |= secrets[source["secretRef"]["name"]]
    unknown = {n for n in names if n not in known and not n.startswith("OTEL_")}
    assert not unknown


def test_supplier_credentials_cover_every_supplier_secret() -> None:
    """The template names every supplier credential the settings take, and nothing else."""
    supplier_ref = next(s["secretRef"] for s in CONTAINER["envFrom"] if "secretRef" in s)
    template = _secret_keys()[supplier_ref["name"]]
    wanted = {Settings.model_fields[field].validation_alias for field in SANDBOX_CREDENTIALS}
    assert template == wanted


# --- docker-compose.yml -------------------------------------------------------------------

COMPOSE: dict[str, Any] = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
SERVERS = {name: s for name, s in SERVICES.items() if s.get("command") == ["serve"]}


def test_compose_runs_several_servers_on_distinct_host_ports() -> None:
    assert len(SERVERS) >= 2
    host_ports = [port.rsplit(":", 2)[-2] for s in SERVICES.values() for port in s.get("ports", [])]
    assert len(host_ports) == len(set(host_ports))
    for server in SERVERS.values():
        assert int(server["environment"]["GUIDERA_REPLICAS"]) == len(SERVERS)


def test_compose_servers_wait_for_healthy_dependencies() -> None:
    for name, server in SERVERS.items():
        assert server["healthcheck"]["test"][0] == "CMD"
        assert "grpc_health" in " ".join(server["healthcheck"]["test"])
        for dependency, rule in server["depends_on"].items():
            assert rule["condition"] == "service_healthy", (name, dependency)
            assert "healthcheck" in SERVICES[dependency], dependency
        assert set(server["depends_on"]) == {"postgres", "redis", "sandbox"}


def test_compose_keeps_secrets_out_of_the_file() -> None:
    for name, service in SERVICES.items():
        for variable, value in service.get("environment", {}).items():
            if re.search(r"PASSWORD|SECRET|DATABASE_URL|REDIS_URL|TOKEN", variable):
                assert "${" in str(value), (name, variable)


def test_compose_variables_are_ones_the_service_reads() -> None:
    known = _known_variables()
    for server in SERVERS.values():
        unknown = {v for v in server["environment"] if v not in known and not v.startswith("OTEL_")}
        assert not unknown
    sandbox_url = next(iter(SERVERS.values()))["environment"]["GUIDERA_SANDBOX_URL"]
    assert sandbox_url.endswith(":" + SERVICES["sandbox"]["command"][-1].rsplit(":", 1)[1])
