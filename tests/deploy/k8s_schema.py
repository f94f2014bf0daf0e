"""A schema check of the Kubernetes manifests under deploy/k8s: pydantic models of the fields thidua's
manifests rely on (no kubeconform here). Unknown fields at the levels modelled are refused, so a typo
such as `replica:` or `containerport:` fails."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Loose(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Metadata(Strict):
    name: str = Field(pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", max_length=63)
    namespace: str | None = None
    labels: dict[str, str] = {}
    annotations: dict[str, str] = {}


class TemplateMetadata(Strict):
    labels: dict[str, str] = {}
    annotations: dict[str, str] = {}


class LabelSelector(Strict):
    matchLabels: dict[str, str]


class KeyRef(Strict):
    name: str
    key: str
    optional: bool = False  # an optional secret (SMTP login, signing certificates): unset when absent


class ValueFrom(Strict):
    secretKeyRef: KeyRef | None = None
    configMapKeyRef: KeyRef | None = None


class EnvVar(Strict):
    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    value: str | None = None
    valueFrom: ValueFrom | None = None


class NameRef(Strict):
    name: str


class EnvFrom(Strict):
    configMapRef: NameRef | None = None
    secretRef: NameRef | None = None


class ContainerPort(Strict):
    name: str | None = None
    containerPort: int = Field(ge=1, le=65535)
    protocol: Literal["TCP", "UDP"] = "TCP"


class HttpGet(Strict):
    path: str
    port: int | str


class Probe(Strict):
    httpGet: HttpGet
    periodSeconds: int | None = None
    failureThreshold: int | None = None
    initialDelaySeconds: int | None = None


class VolumeMount(Strict):
    name: str
    mountPath: str
    subPath: str | None = None
    readOnly: bool | None = None


class Container(Strict):
    name: str
    image: str
    command: list[str] | None = None
    args: list[str] | None = None
    ports: list[ContainerPort] = []
    env: list[EnvVar] = []
    envFrom: list[EnvFrom] = []
    readinessProbe: Probe | None = None
    livenessProbe: Probe | None = None
    resources: Loose | None = None
    securityContext: Loose | None = None
    volumeMounts: list[VolumeMount] = []


class Volume(Strict):
    name: str
    configMap: NameRef | None = None
    secret: Loose | None = None
    emptyDir: dict[str, Any] | None = None
    persistentVolumeClaim: Loose | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Volume:
        sources = [s for s in (self.configMap, self.secret, self.emptyDir, self.persistentVolumeClaim) if s is not None]
        if len(sources) != 1:
            raise ValueError(f"volume {self.name} needs exactly one source")
        return self


class PodSpec(Strict):
    initContainers: list[Container] = []
    containers: list[Container] = Field(min_length=1)
    restartPolicy: Literal["Always", "OnFailure", "Never"] | None = None
    terminationGracePeriodSeconds: int | None = None
    securityContext: Loose | None = None
    volumes: list[Volume] = []

    @property
    def every_container(self) -> list[Container]:
        return [*self.initContainers, *self.containers]

    @model_validator(mode="after")
    def _mounts_have_volumes(self) -> PodSpec:
        names = {v.name for v in self.volumes}
        for c in self.every_container:
            for m in c.volumeMounts:
                if m.name not in names:
                    raise ValueError(f"container {c.name} mounts {m.name}, which is not a volume of the pod")
        return self


class PodTemplate(Strict):
    metadata: TemplateMetadata
    spec: PodSpec


class DeploymentSpec(Strict):
    replicas: int = Field(ge=0)
    selector: LabelSelector
    strategy: Loose | None = None
    template: PodTemplate

    @model_validator(mode="after")
    def _selector_matches(self) -> DeploymentSpec:
        labels = self.template.metadata.labels
        if any(labels.get(k) != v for k, v in self.selector.matchLabels.items()):
            raise ValueError("the selector does not match the pod template's labels")
        return self


class JobSpec(Strict):
    backoffLimit: int | None = None
    ttlSecondsAfterFinished: int | None = None
    template: PodTemplate

    @model_validator(mode="after")
    def _restart(self) -> JobSpec:
        if self.template.spec.restartPolicy not in ("Never", "OnFailure"):
            raise ValueError("a Job's pods need restartPolicy Never or OnFailure")
        return self


class JobTemplate(Strict):
    spec: JobSpec


class CronJobSpec(Strict):
    schedule: str = Field(pattern=r"^(\S+\s+){4}\S+$")
    concurrencyPolicy: Literal["Allow", "Forbid", "Replace"] | None = None
    successfulJobsHistoryLimit: int | None = None
    failedJobsHistoryLimit: int | None = None
    jobTemplate: JobTemplate


class ServicePort(Strict):
    name: str | None = None
    port: int = Field(ge=1, le=65535)
    targetPort: int | str | None = None
    protocol: Literal["TCP", "UDP"] | None = None


class ServiceSpec(Strict):
    selector: dict[str, str]
    ports: list[ServicePort] = Field(min_length=1)
    type: Literal["ClusterIP", "NodePort", "LoadBalancer"] | None = None


class ScaleTarget(Strict):
    apiVersion: str
    kind: str
    name: str


class HpaSpec(Strict):
    scaleTargetRef: ScaleTarget
    minReplicas: int = Field(ge=1)
    maxReplicas: int = Field(ge=1)
    metrics: list[Loose] = Field(min_length=1)
    behavior: Loose | None = None

    @model_validator(mode="after")
    def _range(self) -> HpaSpec:
        if self.minReplicas > self.maxReplicas:
            raise ValueError("minReplicas > maxReplicas")
        return self


class PdbSpec(Strict):
    minAvailable: int | str | None = None
    maxUnavailable: int | str | None = None
    selector: LabelSelector

    @model_validator(mode="after")
    def _one(self) -> PdbSpec:
        if (self.minAvailable is None) == (self.maxUnavailable is None):
            raise ValueError("a PodDisruptionBudget sets exactly one of minAvailable and maxUnavailable")
        return self


class PolicyPeer(Strict):
    namespaceSelector: LabelSelector | dict[str, Any] | None = None
    podSelector: LabelSelector | dict[str, Any] | None = None
    ipBlock: Loose | None = None


class PolicyPort(Strict):
    protocol: Literal["TCP", "UDP"] | None = None
    port: int | str


class PolicyRule(Strict):
    from_: list[PolicyPeer] = Field(default=[], alias="from")
    to: list[PolicyPeer] = []
    ports: list[PolicyPort] = []


class NetworkPolicySpec(Strict):
    podSelector: LabelSelector | dict[str, Any]
    policyTypes: list[Literal["Ingress", "Egress"]] = Field(min_length=1)
    ingress: list[PolicyRule] = []
    egress: list[PolicyRule] = []


class IngressSpec(Strict):
    ingressClassName: str | None = None
    tls: list[Loose] = []
    rules: list[Loose] = Field(min_length=1)


class PvcSpec(Strict):
    accessModes: list[Literal["ReadWriteOnce", "ReadWriteMany", "ReadOnlyMany", "ReadWriteOncePod"]]
    resources: Loose
    storageClassName: str | None = None


class Object(Strict):
    apiVersion: str
    kind: str
    metadata: Metadata


class Deployment(Object):
    apiVersion: Literal["apps/v1"]
    kind: Literal["Deployment"]
    spec: DeploymentSpec


class Job(Object):
    apiVersion: Literal["batch/v1"]
    kind: Literal["Job"]
    spec: JobSpec


class CronJob(Object):
    apiVersion: Literal["batch/v1"]
    kind: Literal["CronJob"]
    spec: CronJobSpec


class Service(Object):
    apiVersion: Literal["v1"]
    kind: Literal["Service"]
    spec: ServiceSpec


class HorizontalPodAutoscaler(Object):
    apiVersion: Literal["autoscaling/v2"]
    kind: Literal["HorizontalPodAutoscaler"]
    spec: HpaSpec


class PodDisruptionBudget(Object):
    apiVersion: Literal["policy/v1"]
    kind: Literal["PodDisruptionBudget"]
    spec: PdbSpec


class NetworkPolicy(Object):
    apiVersion: Literal["networking.k8s.io/v1"]
    kind: Literal["NetworkPolicy"]
    spec: NetworkPolicySpec


class Ingress(Object):
    apiVersion: Literal["networking.k8s.io/v1"]
    kind: Literal["Ingress"]
    spec: IngressSpec


class ConfigMap(Object):
    apiVersion: Literal["v1"]
    kind: Literal["ConfigMap"]
    data: dict[str, str]


class PersistentVolumeClaim(Object):
    apiVersion: Literal["v1"]
    kind: Literal["PersistentVolumeClaim"]
    spec: PvcSpec


KINDS: dict[str, type[Object]] = {
    cls.__name__: cls
    for cls in (
        Deployment, Job, CronJob, Service, HorizontalPodAutoscaler, PodDisruptionBudget, NetworkPolicy, Ingress,
        ConfigMap, PersistentVolumeClaim,
    )
}  # fmt: skip


def pod_specs(obj: Object) -> list[PodSpec]:
    if isinstance(obj, Deployment):
        return [obj.spec.template.spec]
    if isinstance(obj, Job):
        return [obj.spec.template.spec]
    if isinstance(obj, CronJob):
        return [obj.spec.jobTemplate.spec.template.spec]
    return []
