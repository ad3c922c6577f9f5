"""The Kubernetes manifests in deploy/k8s, rendered with kustomize and checked offline.

Every target (the base and the overlays dev and production) is rendered with the kustomize
binary that ``deploy/tools/ensure-kustomize.sh`` provides (built with Go into
``~/.cache/csms/bin`` the first time, about a minute) and every object is validated against the
Kubernetes JSON schemas that the ``kubernetes-validate`` package bundles, in strict mode (an
unknown field is an error), for the oldest and the newest Kubernetes version we target. Nothing
here needs a cluster, RabbitMQ or MongoDB.

The rest checks what a schema cannot: resources, probes and non-root on every Deployment, the
sizes the deployment notes promise, selectors and references that resolve, the ConfigMap against
``shared.config.SETTINGS``, and the network policies (only the gateway is reachable from outside
the namespace). ``test_a_broken_manifest_is_reported`` breaks a copy of the manifests to show the
checks can fail.
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import kubernetes_validate
import pytest
import yaml

from shared import config
from shared.config import SETTINGS
from tests.deploy import bus_policy

# Building kustomize on a fresh machine takes about a minute, more on a busy one.
pytestmark = pytest.mark.timeout(900)

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
ENSURE_KUSTOMIZE = ROOT / "deploy" / "tools" / "ensure-kustomize.sh"

TARGETS = {"base": "base", "dev": "overlays/dev", "production": "overlays/production"}
NAMESPACES = {"base": None, "dev": "csms-dev", "production": "csms"}

# The oldest Kubernetes minor version we support, and the newest that kubernetes-validate knows.
K8S_VERSIONS = ("1.30", kubernetes_validate.latest_version())

# Custom resources: their CRDs (RabbitMQ cluster and messaging topology operators, KEDA) are not
# part of the Kubernetes schemas, so schema validation is skipped for them on purpose and
# crd_problems() checks their structure instead (test_custom_resources_have_no_bundled_schema
# keeps that assumption honest).
CUSTOM_RESOURCES = {
    ("rabbitmq.com/v1beta1", "RabbitmqCluster"),
    ("rabbitmq.com/v1beta1", "User"),
    ("rabbitmq.com/v1beta1", "Permission"),
    ("keda.sh/v1alpha1", "ScaledObject"),
    ("keda.sh/v1alpha1", "TriggerAuthentication"),
}

SECRET_SETTINGS = {"AMQP_URL", "MONGO_URL"}
# Each component's RabbitMQ credentials: a Secret of its own (username, password, AMQP_URL),
# and KEDA's, which may only read a queue's length (bus_policy.py, deploy/README.md).
AMQP_SECRETS = {component: f"amqp-{component}" for component in ("gateway", "workers", "api")}
KEDA_AMQP_SECRET = "amqp-keda"
MONGO_HOLDERS = ("workers", "api")  # csms-secrets (MONGO_URL): the gateway has no database
# The station password key: its own Secret, for the workers and the API only.
KEY_SECRET = "station-password-key"
KEY_SETTINGS = {"STATION_PASSWORD_KEY": False, "STATION_PASSWORD_KEY_PREVIOUS": True}  # optional?
KEY_HOLDERS = ("workers", "api")
# The operator API's admin key: a Secret of its own, optional, for the API alone.
ADMIN_KEY_SECRET = "api-admin-key"
ADMIN_KEY_SETTING = "API_ADMIN_KEY"
# Left to each process: an empty GATEWAY_ID means host name (the pod name) + pid.
PER_POD_SETTINGS = {"GATEWAY_ID"}
# /healthz and /readyz of gateways and workers, which the probes use. Accepted here even while
# shared.config does not declare it yet (upcoming); once it does, its value is checked as well.
UPCOMING_SETTINGS = {"HEALTH_LISTEN"}
HEALTH_PORT = 8081
# Where each process serves /healthz and /readyz: the API on its own port (API_LISTEN).
PROBE_PORTS = {"gateway": HEALTH_PORT, "workers": HEALTH_PORT, "api": 8080}

# Secrets that the target references but does not contain: created by the operator
# (production, see deploy/README.md) or by the overlay that uses the base. Dev has none: its
# certificate Secrets are optional volumes.
OPERATOR_SECRETS = {
    "csms-secrets",
    "csms-ca",
    "csms-v2g-ca",
    "gateway-tls",
    KEY_SECRET,
    KEDA_AMQP_SECRET,
}
OPERATOR_SECRETS |= set(AMQP_SECRETS.values())
EXTERNAL_SECRETS = {"base": OPERATOR_SECRETS, "dev": set(), "production": OPERATOR_SECRETS}
# Settings that name files, by the processes that read them; the files come from Secret volumes.
FILE_SETTINGS = {
    "gateway": (
        "GATEWAY_TLS_CERT",
        "GATEWAY_TLS_KEY",
        "GATEWAY_TLS_EC_CERT",
        "GATEWAY_TLS_EC_KEY",
        "GATEWAY_TLS_CLIENT_CA",
        "CA_CERT_FILE",
    ),
    "workers": ("CA_CERT_FILE", "CA_KEY_FILE"),
}
# Keys of a kubernetes.io/tls Secret, the type every certificate Secret here has.
TLS_SECRET_KEYS = ("tls.crt", "tls.key")

COMPONENTS = ("gateway", "workers", "api")
SIZING = {
    "gateway": {
        "requests": {"cpu": "250m", "memory": "256Mi"},
        "limits": {"cpu": "1", "memory": "1Gi"},
    },
    "workers": {
        "requests": {"cpu": "500m", "memory": "256Mi"},
        "limits": {"cpu": "1", "memory": "512Mi"},
    },
    "api": {"requests": {"cpu": "100m", "memory": "128Mi"}},
}

NAME_LABEL = "app.kubernetes.io/name"
COMPONENT_LABEL = "app.kubernetes.io/component"
DNS_1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


# --------------------------------------------------------------------------- rendering


@pytest.fixture(scope="session")
def kustomize() -> str:
    """Path of the kustomize binary (built once by deploy/tools/ensure-kustomize.sh)."""
    done = subprocess.run(
        ["bash", str(ENSURE_KUSTOMIZE)], capture_output=True, text=True, timeout=1200
    )
    if done.returncode != 0:
        pytest.fail(f"deploy/tools/ensure-kustomize.sh failed:\n{done.stderr}", pytrace=False)
    return done.stdout.strip().splitlines()[-1]


def render(kustomize: str, directory: Path) -> list[dict[str, Any]]:
    done = subprocess.run(
        [kustomize, "build", str(directory)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"kustomize build {directory} failed:\n{done.stderr}"
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


@pytest.fixture(scope="session")
def rendered(kustomize: str) -> dict[str, list[dict[str, Any]]]:
    return {name: render(kustomize, K8S / path) for name, path in TARGETS.items()}


@pytest.fixture(scope="session")
def integrations(kustomize: str) -> list[dict[str, Any]]:
    """The RabbitMQ users of deploy/k8s/integrations, templates for other services."""
    return render(kustomize, bus_policy.INTEGRATIONS)


@pytest.fixture(params=list(TARGETS))
def target(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def objects(rendered: dict[str, list[dict[str, Any]]], target: str) -> list[dict[str, Any]]:
    return rendered[target]


# --------------------------------------------------------------------------- helpers


def ident(obj: dict[str, Any]) -> str:
    return f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"


def of_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [obj for obj in objects if obj["kind"] == kind]


def named(objects: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = [obj for obj in of_kind(objects, kind) if obj["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind}/{name}, found {len(found)}"
    return found[0]


def config_map(objects: list[dict[str, Any]]) -> dict[str, Any]:
    # The generator appends a content hash: csms-config-<hash>.
    found = [
        o for o in of_kind(objects, "ConfigMap") if o["metadata"]["name"].startswith("csms-config")
    ]
    assert len(found) == 1, f"expected one csms-config ConfigMap, found {len(found)}"
    return found[0]


def containers(workload: dict[str, Any]) -> list[dict[str, Any]]:
    spec = workload["spec"]["template"]["spec"]
    return list(spec.get("initContainers", [])) + list(spec["containers"])


def selector_matches(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    """Kubernetes label-selector semantics; an empty selector matches everything."""
    if selector is None:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values", [])
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def pod_label_sets(objects: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, str]]]:
    """(owner, labels) of every pod the target creates, operator-made ones included."""
    for obj in objects:
        if obj["kind"] in ("Deployment", "StatefulSet"):
            yield ident(obj), obj["spec"]["template"]["metadata"]["labels"]
        elif obj["kind"] == "RabbitmqCluster":
            # The labels the RabbitMQ cluster operator puts on its pods
            # (rabbitmq/cluster-operator, internal/metadata/label.go).
            yield (
                ident(obj),
                {
                    NAME_LABEL: obj["metadata"]["name"],
                    COMPONENT_LABEL: "rabbitmq",
                    "app.kubernetes.io/part-of": "rabbitmq",
                },
            )


def crd_problems(obj: dict[str, Any]) -> list[str]:
    """Structural checks of a custom resource (no schema for it is bundled)."""
    problems: list[str] = []
    where = ident(obj)
    extra = set(obj) - {"apiVersion", "kind", "metadata", "spec"}
    if extra:
        problems.append(f"{where}: unexpected top-level keys {sorted(extra)}")
    meta = obj.get("metadata")
    if not isinstance(meta, dict) or not DNS_1123.match(str(meta.get("name", ""))):
        problems.append(f"{where}: metadata.name missing or not a DNS-1123 label")
    spec = obj.get("spec")
    if not isinstance(spec, dict) or not spec:
        return [*problems, f"{where}: spec missing or empty"]
    kind = obj["kind"]
    if kind == "RabbitmqCluster":
        if not isinstance(spec.get("replicas"), int) or spec["replicas"] < 1:
            problems.append(f"{where}: spec.replicas must be a positive integer")
        known = {
            "replicas",
            "image",
            "imagePullSecrets",
            "service",
            "persistence",
            "resources",
            "affinity",
            "tolerations",
            "rabbitmq",
            "tls",
            "override",
            "secretBackend",
            "skipPostDeploySteps",
            "terminationGracePeriodSeconds",
            "delayStartSeconds",
            "autoEnableAllFeatureFlags",
        }
        if set(spec) - known:
            problems.append(f"{where}: unknown spec keys {sorted(set(spec) - known)}")
    elif kind in ("User", "Permission"):
        problems += topology_problems(where, kind, spec)
    elif kind == "ScaledObject":
        ref = spec.get("scaleTargetRef")
        if not isinstance(ref, dict) or not ref.get("name"):
            problems.append(f"{where}: spec.scaleTargetRef.name missing")
        triggers = spec.get("triggers")
        if not isinstance(triggers, list) or not triggers:
            problems.append(f"{where}: spec.triggers must be a non-empty list")
        for i, trigger in enumerate(triggers or []):
            if not isinstance(trigger, dict) or not trigger.get("type"):
                problems.append(f"{where}: spec.triggers[{i}].type missing")
            elif not isinstance(trigger.get("metadata"), dict):
                problems.append(f"{where}: spec.triggers[{i}].metadata must be a mapping")
            elif any(not isinstance(v, str) for v in trigger["metadata"].values()):
                problems.append(f"{where}: spec.triggers[{i}].metadata values must be strings")
        for key in ("minReplicaCount", "maxReplicaCount", "pollingInterval", "cooldownPeriod"):
            if key in spec and not isinstance(spec[key], int):
                problems.append(f"{where}: spec.{key} must be an integer")
    elif kind == "TriggerAuthentication":
        refs = spec.get("secretTargetRef")
        if not isinstance(refs, list) or not refs:
            problems.append(f"{where}: spec.secretTargetRef must be a non-empty list")
        for i, ref in enumerate(refs or []):
            if not isinstance(ref, dict) or not {"parameter", "name", "key"} <= set(ref):
                problems.append(f"{where}: spec.secretTargetRef[{i}] needs parameter, name, key")
    return problems


def topology_problems(where: str, kind: str, spec: dict[str, Any]) -> list[str]:
    """User and Permission of the messaging topology operator (api/v1beta1 user_types.go,
    permission_types.go)."""
    problems: list[str] = []
    cluster = spec.get("rabbitmqClusterReference")
    if not isinstance(cluster, dict) or not cluster.get("name"):
        problems.append(f"{where}: spec.rabbitmqClusterReference.name missing")
    if kind == "User":
        known = {"tags", "rabbitmqClusterReference", "importCredentialsSecret"}
        secret = spec.get("importCredentialsSecret")
        if not isinstance(secret, dict) or set(secret) != {"name"}:
            problems.append(f"{where}: spec.importCredentialsSecret must be {{name: ...}}")
    else:
        known = {"user", "userReference", "vhost", "permissions", "rabbitmqClusterReference"}
        if ("user" in spec) == ("userReference" in spec):
            problems.append(f"{where}: exactly one of spec.user and spec.userReference")
        if not isinstance(spec.get("vhost"), str) or not spec["vhost"]:
            problems.append(f"{where}: spec.vhost missing")
        granted = spec.get("permissions")
        if not isinstance(granted, dict) or set(granted) - set(bus_policy.KINDS):
            problems.append(f"{where}: spec.permissions takes only configure, write, read")
        elif any(not isinstance(v, str) for v in granted.values()):
            problems.append(f"{where}: spec.permissions values must be strings")
    if set(spec) - known:
        problems.append(f"{where}: unknown spec keys {sorted(set(spec) - known)}")
    return problems


def schema_problems(objects: list[dict[str, Any]]) -> list[str]:
    """Every object against the Kubernetes schemas (custom resources structurally)."""
    problems: list[str] = []
    for obj in objects:
        if (obj.get("apiVersion"), obj.get("kind")) in CUSTOM_RESOURCES:
            problems += crd_problems(obj)  # no bundled schema: see CUSTOM_RESOURCES
            continue
        for version in K8S_VERSIONS:
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as exc:
                path = ".".join(str(p) for p in exc.path)
                problems.append(f"{ident(obj)} (Kubernetes {version}): {path}: {exc.message}")
            except kubernetes_validate.SchemaNotFoundError as exc:
                problems.append(f"{ident(obj)}: {exc.message}")
    return problems


def settings_problems(objects: list[dict[str, Any]]) -> list[str]:
    """The ConfigMap against shared.config.SETTINGS: known names, parsable values, complete."""
    problems: list[str] = []
    data: dict[str, str] = config_map(objects).get("data", {})
    parsers = {name: parse for name, _default, parse, _doc in SETTINGS}
    for name, value in sorted(data.items()):
        if name in SECRET_SETTINGS:
            problems.append(f"{name} is a secret: it belongs in csms-secrets, not the ConfigMap")
        elif name in KEY_SETTINGS:
            problems.append(f"{name} is a secret: it belongs in {KEY_SECRET}, not the ConfigMap")
        elif name == ADMIN_KEY_SETTING:
            problems.append(f"{name} is a secret: it belongs in {ADMIN_KEY_SECRET}")
        elif name not in parsers:
            if name not in UPCOMING_SETTINGS:
                problems.append(f"{name} is not a setting of shared.config")
        else:
            try:
                parsers[name](value)
            except ValueError as exc:
                problems.append(f"{name}={value!r} does not parse: {exc}")
    missing = set(parsers) - SECRET_SETTINGS - set(KEY_SETTINGS) - PER_POD_SETTINGS - set(data)
    missing.discard(ADMIN_KEY_SETTING)
    problems += [f"{name} is a setting but missing from config.env" for name in sorted(missing)]
    return problems


def admits_outside_namespace(rule: dict[str, Any]) -> bool:
    peers = rule.get("from")
    if not peers:  # no `from`: every source
        return True
    return any("ipBlock" in peer or "namespaceSelector" in peer for peer in peers)


# --------------------------------------------------------------------------- tests


def test_every_object_is_valid(objects: list[dict[str, Any]]) -> None:
    assert objects
    assert schema_problems(objects) == []


def test_custom_resources_have_no_bundled_schema() -> None:
    # If kubernetes-validate ever ships these, validate them with it instead.
    for api_version, kind in CUSTOM_RESOURCES:
        obj = {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}, "spec": {}}
        with pytest.raises(kubernetes_validate.SchemaNotFoundError):
            kubernetes_validate.validate(obj, K8S_VERSIONS[-1], strict=True)


def broken_copy(tmp_path: Path, relative: str, old: str, new: str) -> Path:
    """A copy of deploy/k8s with ``old`` replaced by ``new`` once in ``relative``."""
    copy = tmp_path / "k8s"
    shutil.copytree(K8S, copy)
    path = copy / relative
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))
    return copy


@pytest.mark.parametrize(
    ("relative", "old", "new", "expected"),
    [
        # A wrong type and an unknown field: the schemas catch both.
        ("base/gateway.yaml", "containerPort: 9000", "containerPort: ninety", "containerPort"),
        (
            "base/gateway.yaml",
            "terminationGracePeriodSeconds: 60",
            "terminationGracePeriod: 60",
            "terminationGracePeriod",
        ),
        # A setting that shared.config does not know.
        ("base/config.env", "WORKER_PREFETCH=64", "WORKER_PREFETCHES=64", "WORKER_PREFETCHES"),
    ],
)
def test_a_broken_manifest_is_reported(
    kustomize: str, tmp_path: Path, relative: str, old: str, new: str, expected: str
) -> None:
    copy = broken_copy(tmp_path, relative, old, new)
    objects = render(kustomize, copy / "overlays" / "production")
    problems = schema_problems(objects) + settings_problems(objects)
    assert any(expected in problem for problem in problems), problems


def test_deployments_have_resources_probes_and_run_as_non_root(
    objects: list[dict[str, Any]],
) -> None:
    deployments = of_kind(objects, "Deployment")
    assert {d["metadata"]["name"] for d in deployments} == set(COMPONENTS)
    for deployment in deployments:
        probe_port = PROBE_PORTS[deployment["metadata"]["name"]]
        pod = deployment["spec"]["template"]["spec"]
        pod_non_root = pod.get("securityContext", {}).get("runAsNonRoot") is True
        for container in containers(deployment):
            where = f"{ident(deployment)} container {container['name']}"
            resources = container.get("resources", {})
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources.get(kind, {})), f"{where}: {kind}"
            security = container.get("securityContext", {})
            assert pod_non_root or security.get("runAsNonRoot") is True, f"{where}: root"
            assert security.get("runAsNonRoot") is not False, f"{where}: runAsNonRoot false"
            assert security.get("allowPrivilegeEscalation") is False, where
            ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
            for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
                get = container.get(probe, {}).get("httpGet")
                assert get is not None, f"{where}: no {probe}"
                assert get["path"] == path, f"{where}: {probe} path"
                port = ports.get(get["port"], get["port"])
                assert port == probe_port, f"{where}: {probe} port {port}"


def test_sizing(objects: list[dict[str, Any]]) -> None:
    for component, expected in SIZING.items():
        (container,) = named(objects, "Deployment", component)["spec"]["template"]["spec"][
            "containers"
        ]
        for kind, values in expected.items():
            assert container["resources"][kind] == values, (component, kind)


def test_containers_run_the_image_entry_points(objects: list[dict[str, Any]]) -> None:
    entrypoint = (ROOT / "deploy" / "docker" / "entrypoint.sh").read_text()
    for component in COMPONENTS:
        (container,) = named(objects, "Deployment", component)["spec"]["template"]["spec"][
            "containers"
        ]
        assert container["args"] == [component]
        assert re.search(rf"\b{component}\b.*\)", entrypoint), component
        assert re.match(r"^(.*/)?ocpp-csms:[\w][\w.-]*$", container["image"]), container["image"]


def test_gateway_service_budget_and_draining(objects: list[dict[str, Any]]) -> None:
    gateway = named(objects, "Deployment", "gateway")
    pod_labels = gateway["spec"]["template"]["metadata"]["labels"]
    grace = gateway["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
    assert grace == 60
    # The grace period covers the preStop pause, the drain window and a last reply.
    (container,) = gateway["spec"]["template"]["spec"]["containers"]
    pause = int(container["lifecycle"]["preStop"]["exec"]["command"][-1])
    data = config_map(objects)["data"]
    drain = float(data["GATEWAY_DRAIN_SECONDS"]) + float(data["GATEWAY_REPLY_TIMEOUT"])
    assert pause + drain < grace, (pause, drain, grace)

    service = named(objects, "Service", "gateway")
    assert service["spec"]["type"] == "LoadBalancer"
    assert {(p["port"], p.get("protocol", "TCP")) for p in service["spec"]["ports"]} == {
        (9000, "TCP"),
        (9443, "TCP"),
    }
    assert selector_matches({"matchLabels": service["spec"]["selector"]}, pod_labels)
    (container,) = gateway["spec"]["template"]["spec"]["containers"]
    container_ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    for port in service["spec"]["ports"]:
        assert container_ports.get(port["targetPort"]) == port["port"], port

    budget = named(objects, "PodDisruptionBudget", "gateway")
    assert selector_matches(budget["spec"]["selector"], pod_labels)


def test_api_service_is_cluster_internal(objects: list[dict[str, Any]]) -> None:
    service = named(objects, "Service", "api")
    assert service["spec"].get("type", "ClusterIP") == "ClusterIP"
    assert [p["port"] for p in service["spec"]["ports"]] == [8080]


def test_selectors_and_scale_targets_resolve(objects: list[dict[str, Any]]) -> None:
    pods = list(pod_label_sets(objects))
    for obj in of_kind(objects, "Service") + of_kind(objects, "PodDisruptionBudget"):
        selector = obj["spec"]["selector"]
        selector = selector if obj["kind"] != "Service" else {"matchLabels": selector}
        assert any(selector_matches(selector, labels) for _, labels in pods), ident(obj)
    for obj in of_kind(objects, "NetworkPolicy"):
        selector = obj["spec"]["podSelector"]
        assert any(selector_matches(selector, labels) for _, labels in pods), ident(obj)
    deployments = {d["metadata"]["name"] for d in of_kind(objects, "Deployment")}
    for obj in of_kind(objects, "HorizontalPodAutoscaler") + of_kind(objects, "ScaledObject"):
        ref = obj["spec"]["scaleTargetRef"]
        assert ref.get("kind", "Deployment") == "Deployment", ident(obj)
        assert ref["name"] in deployments, ident(obj)
    for obj in of_kind(objects, "Deployment") + of_kind(objects, "StatefulSet"):
        template_labels = obj["spec"]["template"]["metadata"]["labels"]
        assert selector_matches(obj["spec"]["selector"], template_labels), ident(obj)


def test_config_and_secret_references_resolve(objects: list[dict[str, Any]], target: str) -> None:
    config_maps = {o["metadata"]["name"] for o in of_kind(objects, "ConfigMap")}
    secrets = {o["metadata"]["name"] for o in of_kind(objects, "Secret")}
    secrets |= EXTERNAL_SECRETS[target]
    for workload in of_kind(objects, "Deployment") + of_kind(objects, "StatefulSet"):
        for container in containers(workload):
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    assert source["configMapRef"]["name"] in config_maps, ident(workload)
                if "secretRef" in source:
                    assert source["secretRef"]["name"] in secrets, ident(workload)
            for variable in container.get("env", []):
                ref = variable.get("valueFrom", {}).get("secretKeyRef")
                if ref is not None and not ref.get("optional"):
                    assert ref["name"] in secrets, ident(workload)
        for volume in workload["spec"]["template"]["spec"].get("volumes", []):
            if "secret" in volume and not volume["secret"].get("optional"):
                assert volume["secret"]["secretName"] in secrets, ident(workload)
    for auth in of_kind(objects, "TriggerAuthentication"):
        for ref in auth["spec"]["secretTargetRef"]:
            assert ref["name"] in secrets, ident(auth)
    for name in ("gateway", "workers", "api"):
        (container,) = named(objects, "Deployment", name)["spec"]["template"]["spec"]["containers"]
        refs = {next(iter(s.values()))["name"] for s in container["envFrom"]}
        assert any(r.startswith("csms-config") for r in refs), name
        assert any(r.startswith("csms-secrets") for r in refs) == (name in MONGO_HOLDERS), name


def secret_names(deployment: dict[str, Any]) -> set[str]:
    """Every Secret the deployment's pods read, by envFrom, secretKeyRef or volume."""
    found: set[str] = set()
    for container in containers(deployment):
        found |= {s["secretRef"]["name"] for s in container.get("envFrom", []) if "secretRef" in s}
        for variable in container.get("env", []):
            ref = variable.get("valueFrom", {}).get("secretKeyRef")
            if ref is not None:
                found.add(ref["name"])
    for volume in deployment["spec"]["template"]["spec"].get("volumes", []):
        if "secret" in volume:
            found.add(volume["secret"]["secretName"])
    return found


def amqp_secret(name: str) -> str | None:
    """Which RabbitMQ credentials a Secret name is (dev appends a content hash), if any."""
    for secret in (*AMQP_SECRETS.values(), KEDA_AMQP_SECRET):
        if name == secret or re.fullmatch(rf"{re.escape(secret)}-[a-z0-9]{{10}}", name):
            return secret
    return None


def test_each_component_gets_its_own_rabbitmq_credentials_only(
    objects: list[dict[str, Any]], target: str
) -> None:
    for component, own in AMQP_SECRETS.items():
        deployment = named(objects, "Deployment", component)
        held = {amqp_secret(name) for name in secret_names(deployment)} - {None}
        assert held == {own}, f"{component} gets RabbitMQ credentials {held}"
        (container,) = containers(deployment)
        (url,) = [v for v in container.get("env", []) if v["name"] == "AMQP_URL"]
        ref = url["valueFrom"]["secretKeyRef"]
        assert amqp_secret(ref["name"]) == own and ref["key"] == "AMQP_URL", component
        assert not ref.get("optional"), component
    if target != "production":
        return
    # Each User takes its credentials from the Secret of the component it is for.
    users = {u["metadata"]["name"]: u for u in of_kind(objects, "User")}
    expected = {bus_policy.COMPONENT_USERS[c]: s for c, s in AMQP_SECRETS.items()}
    expected[bus_policy.KEDA] = KEDA_AMQP_SECRET
    assert {n: u["spec"]["importCredentialsSecret"]["name"] for n, u in users.items()} == expected
    (auth,) = of_kind(objects, "TriggerAuthentication")
    assert {ref["name"] for ref in auth["spec"]["secretTargetRef"]} == {KEDA_AMQP_SECRET}


def test_rabbitmq_permissions_allow_each_identity_only_what_it_does(
    rendered: dict[str, list[dict[str, Any]]], integrations: list[dict[str, Any]]
) -> None:
    objects = rendered["production"]
    granted = bus_policy.permissions(objects)
    users = {u["metadata"]["name"] for u in of_kind(objects, "User")}
    assert set(granted) == users == {*bus_policy.COMPONENT_USERS.values(), bus_policy.KEDA}
    for permission in of_kind(objects, "Permission"):
        cluster = permission["spec"]["rabbitmqClusterReference"]["name"]
        assert cluster == named(objects, "RabbitmqCluster", cluster)["metadata"]["name"]
        assert permission["spec"]["vhost"] == "/", "the vhost of the URLs in deploy/README.md"
    assert bus_policy.policy_problems(granted) == []
    others = bus_policy.permissions(integrations)
    assert set(others) == {
        bus_policy.EVENTS_READER,
        bus_policy.COMMAND_SENDER,
        bus_policy.ENERGY_MANAGER,
    }
    assert bus_policy.policy_problems(others) == []
    # The same regexes as the files the broker test applies, and as the README's table.
    files = bus_policy.permissions(bus_policy.load(bus_policy.USERS_FILE))
    files |= bus_policy.permissions(bus_policy.load(*bus_policy.INTEGRATION_FILES))
    assert files == granted | others
    readme = (ROOT / "deploy" / "README.md").read_text().replace("\\|", "|")  # table cells
    for user, regexes in files.items():
        for kind, regex in regexes.items():
            assert f"`{regex}`" in readme or not regex, (user, kind, regex)


def test_integration_users_are_valid(integrations: list[dict[str, Any]]) -> None:
    assert {(o["kind"], o["metadata"]["name"]) for o in integrations} == {
        (kind, user)
        for kind in ("User", "Permission")
        for user in (bus_policy.EVENTS_READER, bus_policy.COMMAND_SENDER, bus_policy.ENERGY_MANAGER)
    }
    assert schema_problems(integrations) == []
    for obj in integrations:
        assert obj["metadata"]["namespace"] == NAMESPACES["production"], ident(obj)
        assert obj["metadata"]["labels"][NAME_LABEL] == "ocpp-csms", ident(obj)


@pytest.mark.parametrize(
    ("relative", "old", "new", "expected"),
    [
        # A missing anchor lets the reader publish to any queue whose name holds "billing.".
        (
            "integrations/events-reader.yaml",
            "write: '^billing\\..+$'",
            "write: 'billing\\..+'",
            "billing may write ['not-billing.x']",
        ),
        # Write on every exchange: the gateway could command any station... and more.
        (
            "overlays/production/rabbitmq-users.yaml",
            "write: '^(amq\\.default|ocpp\\.(events|presence|sites|takeover)|gateway\\..+)$'",
            "write: '.*'",
            "csms-gateway may write",
        ),
        # The API reading ocpp.inbound would take station frames away from the workers.
        (
            "overlays/production/rabbitmq-users.yaml",
            "read: '^(ocpp\\.(events|takeover)|(commands|console)\\..+)$'",
            "read: '^(ocpp\\.(events|takeover|inbound)|(commands|console)\\..+)$'",
            "csms-api may read ['ocpp.inbound']",
        ),
        # An unescaped dot matches ocpp-station as well.
        (
            "integrations/command-sender.yaml",
            "write: '^ocpp\\.station$'",
            "write: '^ocpp.station$'",
            "dispatch may write ['ocpp-station']",
        ),
        # An unescaped dot lets the energy manager write to ocpp-site-limits too.
        (
            "integrations/energy-manager.yaml",
            "write: '^ocpp\\.site-limits$'",
            "write: '^ocpp.site-limits$'",
            "ems may write ['ocpp-site-limits']",
        ),
        # Too narrow: the workers could no longer answer a gateway.
        (
            "overlays/production/rabbitmq-users.yaml",
            "write: '^(amq\\.default|ocpp\\.(station|events|presence|sites|gateways))$'",
            "write: '^(ocpp\\.(station|events|presence|sites|gateways))$'",
            "may not write ['amq.default']",
        ),
    ],
)
def test_a_wrong_permission_is_reported(
    kustomize: str, tmp_path: Path, relative: str, old: str, new: str, expected: str
) -> None:
    copy = broken_copy(tmp_path, relative, old, new)
    objects = render(kustomize, copy / "overlays" / "production")
    objects += render(kustomize, copy / "integrations")
    problems = bus_policy.policy_problems(bus_policy.permissions(objects))
    assert any(expected in problem for problem in problems), problems


def test_no_identity_but_the_csms_may_write_where_stations_are_reached() -> None:
    """The rule in words, beside the table: only the API, the workers and a command sender
    may write to ocpp.station (not the gateway: its takeover notices go to ocpp.takeover);
    only the CSMS itself to the default exchange, which reaches ocpp.inbound and every
    gateway's queue (whose gateway takes commands only from ocpp.station)."""
    from shared import names

    granted = bus_policy.permissions(
        bus_policy.load(bus_policy.USERS_FILE, *bus_policy.INTEGRATION_FILES)
    )
    writers = {
        exchange: {u for u, r in granted.items() if bus_policy.allows(r["write"], exchange)}
        for exchange in (names.STATION_EXCHANGE, names.DEFAULT_EXCHANGE, names.EVENTS_EXCHANGE)
    }
    csms = set(bus_policy.COMPONENT_USERS.values())
    senders = {bus_policy.WORKERS, bus_policy.API, bus_policy.COMMAND_SENDER}
    assert writers[names.STATION_EXCHANGE] == senders
    assert writers[names.DEFAULT_EXCHANGE] == csms
    assert writers[names.EVENTS_EXCHANGE] == csms


def key_refs(deployment: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The station password key variables of the deployment's container, by name."""
    (container,) = containers(deployment)
    return {
        v["name"]: v["valueFrom"]["secretKeyRef"]
        for v in container.get("env", [])
        if v["name"] in KEY_SETTINGS
    }


def test_only_the_api_gets_the_admin_key_and_from_an_optional_secret(
    objects: list[dict[str, Any]],
) -> None:
    for component in ("gateway", "workers", "api"):
        refs = {
            v["name"]: v["valueFrom"]["secretKeyRef"]
            for c in containers(named(objects, "Deployment", component))
            for v in c.get("env", [])
            if v["name"] == ADMIN_KEY_SETTING
        }
        if component != "api":
            assert refs == {}, component
            continue
        ref = refs[ADMIN_KEY_SETTING]
        assert ref["name"] == ADMIN_KEY_SECRET and ref["key"] == ADMIN_KEY_SETTING
        assert ref["optional"] is True
    assert not [o for o in of_kind(objects, "Secret") if o["metadata"]["name"] == ADMIN_KEY_SECRET]


def test_only_workers_and_api_get_the_station_password_key(
    objects: list[dict[str, Any]], target: str
) -> None:
    for component in KEY_HOLDERS:
        refs = key_refs(named(objects, "Deployment", component))
        assert set(refs) == set(KEY_SETTINGS), component
        for name, optional in KEY_SETTINGS.items():
            # dev: the generated Secret's name carries a content hash
            assert refs[name]["name"].startswith(KEY_SECRET), (component, name)
            assert refs[name]["key"] == name and refs[name].get("optional", False) == optional
    gateway = named(objects, "Deployment", "gateway")
    assert key_refs(gateway) == {}, "the gateway never sees the key"
    for source in containers(gateway)[0].get("envFrom", []):
        assert KEY_SECRET not in next(iter(source.values()))["name"]
    secrets = [
        o for o in of_kind(objects, "Secret") if o["metadata"]["name"].startswith(KEY_SECRET)
    ]
    if target != "dev":
        assert secrets == [], "created by the operator; rendering one would overwrite it"
        return
    (secret,) = secrets
    data = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    assert set(data) == {"STATION_PASSWORD_KEY"}
    assert len(config.load(data).station_password_key) >= 32


def test_config_map_matches_settings(objects: list[dict[str, Any]]) -> None:
    assert settings_problems(objects) == []
    data = config_map(objects)["data"]
    assert data["HEALTH_LISTEN"].endswith(f":{HEALTH_PORT}")
    assert data["API_LISTEN"].endswith(f":{PROBE_PORTS['api']}")


def mounted_files(deployment: dict[str, Any]) -> set[str]:
    """Files that Secret volumes put into the deployment's (single) container."""
    pod = deployment["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    (container,) = pod["containers"]
    files: set[str] = set()
    for mount in container.get("volumeMounts", []):
        secret = volumes[mount["name"]].get("secret")
        if secret is None:
            continue
        keys = [item["path"] for item in secret.get("items", [])] or list(TLS_SECRET_KEYS)
        files |= {f"{mount['mountPath'].rstrip('/')}/{key}" for key in keys}
    return files


def test_certificate_files_are_mounted(objects: list[dict[str, Any]], target: str) -> None:
    data = config_map(objects)["data"]
    for component, settings in FILE_SETTINGS.items():
        files = mounted_files(named(objects, "Deployment", component))
        for name in settings:
            if data.get(name):
                assert data[name] in files, f"{component}: {name}={data[name]} is not mounted"
    # The CA's private key reaches the workers only.
    for component in ("gateway", "api"):
        files = mounted_files(named(objects, "Deployment", component))
        assert data["CA_KEY_FILE"] not in files, f"{component} gets the CA private key"
    # wss:// and the station CA are wired wherever certificates are provided.
    wired = {name: bool(data[name]) for name in ("GATEWAY_TLS_CERT", "CA_CERT_FILE", "CA_KEY_FILE")}
    assert all(wired.values()) == (target != "dev"), wired


def test_secret_holds_the_connection_urls(objects: list[dict[str, Any]], target: str) -> None:
    secrets = [
        o
        for o in of_kind(objects, "Secret")
        if o["metadata"]["name"].startswith("csms-") or amqp_secret(o["metadata"]["name"])
    ]
    if target != "dev":
        # Production: created by the operator; rendering one would overwrite it on apply.
        assert secrets == []
        return
    services = {s["metadata"]["name"]: s for s in of_kind(objects, "Service")}
    found: dict[str, str] = {}
    for secret in secrets:
        data = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
        (key,) = data  # csms-secrets: MONGO_URL; amqp-<component>: AMQP_URL
        found[amqp_secret(secret["metadata"]["name"]) or key] = key
        url = urlparse(data[key])
        port = {"AMQP_URL": 5672, "MONGO_URL": 27017}[key]
        assert url.hostname in services, (key, url.hostname)
        assert port in [p["port"] for p in services[url.hostname]["spec"]["ports"]], key
    # Dev keeps one RabbitMQ user (deploy/README.md), in a Secret per component all the same.
    assert found == {"MONGO_URL": "MONGO_URL"} | dict.fromkeys(AMQP_SECRETS.values(), "AMQP_URL")


def test_only_the_gateway_is_reachable_from_outside(
    objects: list[dict[str, Any]], target: str
) -> None:
    policies = of_kind(objects, "NetworkPolicy")
    assert any(
        p["spec"]["podSelector"] == {} and "Ingress" in p["spec"]["policyTypes"] for p in policies
    ), "no default-deny ingress policy"
    for owner, labels in pod_label_sets(objects):
        component = labels[COMPONENT_LABEL]
        selecting = [p for p in policies if selector_matches(p["spec"]["podSelector"], labels)]
        rules = [rule for p in selecting for rule in p["spec"].get("ingress", [])]
        outside = [rule for rule in rules if admits_outside_namespace(rule)]
        if component == "gateway":
            open_ports = {port["port"] for rule in outside for port in rule.get("ports", [])}
            assert open_ports == {9000, 9443}, owner
        elif component == "rabbitmq" and target == "production":
            # KEDA's operator reads the queue length: its namespace only, AMQP only.
            for rule in outside:
                assert [port["port"] for port in rule.get("ports", [])] == [5672], owner
                for peer in rule["from"]:
                    assert "ipBlock" not in peer, owner
                    assert peer["namespaceSelector"]["matchLabels"] == {
                        "kubernetes.io/metadata.name": "keda"
                    }, owner
        else:
            assert outside == [], f"{owner} admits traffic from outside the namespace"
        if component in ("workers", "api", "rabbitmq", "mongodb"):
            same_namespace = [
                rule
                for rule in rules
                if any(set(peer) == {"podSelector"} for peer in rule.get("from", []))
            ]
            assert same_namespace, f"{owner} takes no traffic from its namespace"


def test_labels(objects: list[dict[str, Any]]) -> None:
    for obj in objects:
        labels = obj["metadata"].get("labels", {})
        assert labels.get(NAME_LABEL), ident(obj)
        assert labels.get(COMPONENT_LABEL), ident(obj)
        if obj["kind"] in ("Deployment", "StatefulSet"):
            template = obj["spec"]["template"]["metadata"]["labels"]
            assert template[COMPONENT_LABEL] == labels[COMPONENT_LABEL], ident(obj)
            assert template[NAME_LABEL] == labels[NAME_LABEL], ident(obj)


def test_namespace(objects: list[dict[str, Any]], target: str) -> None:
    expected = NAMESPACES[target]
    namespaces = [o["metadata"]["name"] for o in of_kind(objects, "Namespace")]
    assert namespaces == ([expected] if expected else [])
    for obj in objects:
        if obj["kind"] != "Namespace":
            assert obj["metadata"].get("namespace") == expected, ident(obj)


def test_production(rendered: dict[str, list[dict[str, Any]]]) -> None:
    objects = rendered["production"]
    scaled = named(objects, "ScaledObject", "workers")
    assert scaled["apiVersion"] == "keda.sh/v1alpha1"
    assert scaled["spec"]["scaleTargetRef"]["name"] == "workers"
    (queue,) = [t for t in scaled["spec"]["triggers"] if t["type"] == "rabbitmq"]
    assert queue["metadata"]["queueName"] == "ocpp.inbound"
    assert queue["metadata"]["mode"] == "QueueLength"
    named(objects, "TriggerAuthentication", queue["authenticationRef"]["name"])
    # KEDA owns the workers' HPA; a second one would fight it.
    assert of_kind(objects, "HorizontalPodAutoscaler") == []
    assert "replicas" not in named(objects, "Deployment", "workers")["spec"]

    cluster = named(objects, "RabbitmqCluster", "csms-rabbitmq")
    assert cluster["apiVersion"] == "rabbitmq.com/v1beta1"
    assert cluster["spec"]["replicas"] >= 3
    # MongoDB is external, RabbitMQ is the operator's: no StatefulSet of ours.
    assert of_kind(objects, "StatefulSet") == []
    for deployment in of_kind(objects, "Deployment"):
        for container in containers(deployment):
            assert not container["image"].endswith(":latest"), ident(deployment)
            assert "/" in container["image"], f"{ident(deployment)}: no registry"


def test_dev(rendered: dict[str, list[dict[str, Any]]]) -> None:
    objects = rendered["dev"]
    rabbitmq = named(objects, "StatefulSet", "rabbitmq")
    mongodb = named(objects, "StatefulSet", "mongodb")
    assert rabbitmq["spec"]["replicas"] == 1
    assert mongodb["spec"]["replicas"] == 1
    (mongo,) = mongodb["spec"]["template"]["spec"]["containers"]
    assert re.match(r"^mongo:7(\.|$)", mongo["image"]), mongo["image"]
    for statefulset in (rabbitmq, mongodb):
        service = named(objects, "Service", statefulset["spec"]["serviceName"])
        labels = statefulset["spec"]["template"]["metadata"]["labels"]
        assert selector_matches({"matchLabels": service["spec"]["selector"]}, labels)
    assert of_kind(objects, "RabbitmqCluster") == []
    assert of_kind(objects, "ScaledObject") == []
    named(objects, "HorizontalPodAutoscaler", "workers")


def test_dockerfile_matches_the_manifests(objects: list[dict[str, Any]]) -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    (user,) = re.findall(r"^USER (\d+):(\d+)$", dockerfile, re.MULTILINE)
    assert re.search(r"^FROM \$\{PYTHON_IMAGE\} AS build$", dockerfile, re.MULTILINE)
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11[\w.-]*-slim-bookworm", dockerfile, re.M)
    for name in COMPONENTS:
        pod = named(objects, "Deployment", name)["spec"]["template"]["spec"]
        assert str(pod["securityContext"]["runAsUser"]) == user[0], name
        assert str(pod["securityContext"]["runAsGroup"]) == user[1], name
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert "!deploy/docker" in ignored


def test_entrypoint_usage() -> None:
    script = ROOT / "deploy" / "docker" / "entrypoint.sh"
    done = subprocess.run(["sh", str(script), "--help"], capture_output=True, text=True)
    assert done.returncode == 0
    for name in COMPONENTS:
        assert name in done.stdout
    assert subprocess.run(["sh", str(script)], capture_output=True).returncode == 2
