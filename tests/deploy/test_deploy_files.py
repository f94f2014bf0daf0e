"""deploy/ checked without containers: every data file parses; every setting the service reads is given
in the Compose file, .env.example and the Kubernetes manifests; every command named exists in
`thidua`; the image installs no dev-only package; the manifests pass a schema check."""

from __future__ import annotations

import json
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from service.cli import build_parser
from service.core.settings import Settings
from tests.deploy.k8s_schema import KINDS, Object, pod_specs
from tests.support import paths
from workflows import search_attributes

ROOT = paths.ROOT
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose" / "compose.yaml"
ENV_EXAMPLE = DEPLOY / "compose" / ".env.example"
K8S = DEPLOY / "k8s"
CONTAINERFILE = ROOT / "Containerfile"
# Settings that carry a secret: never given a value in the repository.
SECRETS = {"DATABASE_URL", "THIDUA_MIGRATION_DATABASE_URL", "THIDUA_JWT_SECRET"}


def setting_env_names() -> set[str]:
    """The environment name of every field of Settings (CoreSettings' included)."""
    prefix = Settings.model_config.get("env_prefix", "")
    names = set()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        names.add(alias if isinstance(alias, str) else f"{prefix}{name}".upper())
    return names


def yaml_documents(path: Path) -> list[Any]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc is not None]


def deploy_files(*suffixes: str) -> list[Path]:
    return sorted(p for p in DEPLOY.rglob("*") if p.is_file() and p.suffix in suffixes)


def k8s_objects() -> list[tuple[Path, dict[str, Any]]]:
    out = []
    for path in sorted(K8S.rglob("*.yaml")):
        if path.name in ("kustomization.yaml", "values.yaml"):
            continue
        out.extend((path, doc) for doc in yaml_documents(path))
    return out


def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def env_example() -> dict[str, str]:
    out = {}
    for n, line in enumerate(ENV_EXAMPLE.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        assert re.match(r"^[A-Z_][A-Z0-9_]*=", line), f".env.example line {n} is not NAME=value: {line!r}"
        name, _, value = line.partition("=")
        assert name not in out, f".env.example sets {name} twice"
        out[name] = value
    return out


# ---- every file parses ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", deploy_files(".yaml", ".yml"), ids=lambda p: str(p.relative_to(DEPLOY)))
def test_every_yaml_file_parses(path: Path) -> None:
    assert yaml_documents(path), f"{path} is empty"


def test_every_toml_and_json_file_parses() -> None:
    for path in deploy_files(".toml", ".json"):
        text = path.read_text(encoding="utf-8")
        tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)


def test_the_deploy_tree_has_what_the_docs_name() -> None:
    for rel in ("compose/compose.yaml", "compose/.env.example", "compose/Caddyfile", "compose/prometheus.yml",
                "compose/backup.sh", "temporal/schema.sh", "temporal/namespace.sh", "k8s/kustomization.yaml",
                "k8s/temporal/values.yaml", "sql/roles.sql"):  # fmt: skip
        assert (DEPLOY / rel).is_file(), rel
    assert CONTAINERFILE.is_file()


# ---- every setting has a deploy entry ------------------------------------------------------------


def test_every_setting_is_in_the_compose_file() -> None:
    given: set[str] = set()
    for service in compose()["services"].values():
        env = service.get("environment") or {}
        given |= set(env) if isinstance(env, dict) else {e.split("=", 1)[0] for e in env}
    missing = setting_env_names() - given
    assert not missing, f"settings missing from deploy/compose/compose.yaml: {sorted(missing)}"


def test_every_setting_is_in_env_example_without_a_real_secret() -> None:
    env = env_example()
    missing = setting_env_names() - set(env)
    assert not missing, f"settings missing from deploy/compose/.env.example: {sorted(missing)}"
    for name, value in env.items():
        if name in SECRETS or "PASSWORD" in name or name.endswith("SECRET"):
            assert "CHANGE_ME" in value, f".env.example must not give {name} a real value"


def test_the_api_and_the_worker_never_get_the_owner_connection_in_compose() -> None:
    services = compose()["services"]
    for name in ("api", "worker", "plans-start"):
        assert "THIDUA_MIGRATION_DATABASE_URL" not in services[name]["environment"], name
    assert "THIDUA_JWT_SECRET" not in services["worker"]["environment"]
    assert "THIDUA_MIGRATION_DATABASE_URL" in services["migrate"]["environment"]


def test_every_setting_is_in_the_kubernetes_manifests() -> None:
    given: set[str] = set()
    for _, doc in k8s_objects():
        if doc["kind"] == "ConfigMap":
            given |= set(doc.get("data", {}))
        obj = KINDS[doc["kind"]].model_validate(doc)
        for spec in pod_specs(obj):
            for container in spec.every_container:
                given |= {e.name for e in container.env}
    missing = setting_env_names() - given
    assert not missing, f"settings missing from deploy/k8s: {sorted(missing)}"


def test_secrets_in_kubernetes_are_references_only() -> None:
    settings = next(
        doc for _, doc in k8s_objects() if doc["kind"] == "ConfigMap" and doc["metadata"]["name"] == "thidua-settings"
    )
    assert not SECRETS & set(settings["data"]), "a secret setting is in the ConfigMap"
    for path, doc in k8s_objects():
        assert doc["kind"] != "Secret", f"{path}: Secrets are created outside the repository"
        obj = KINDS[doc["kind"]].model_validate(doc)
        for spec in pod_specs(obj):
            for container in spec.every_container:
                for env in container.env:
                    if env.name in SECRETS:
                        assert env.valueFrom and env.valueFrom.secretKeyRef, (
                            f"{path}: {env.name} must come from a Secret"
                        )


def test_the_settings_of_env_example_are_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    """What an operator copies works once the placeholders are replaced (read from the environment,
    as the containers read it)."""
    for name in setting_env_names():
        monkeypatch.delenv(name, raising=False)
    for name, value in env_example().items():
        if name in setting_env_names():
            monkeypatch.setenv(name, value.replace("CHANGE_ME", "x" * 40))
    settings = Settings()
    assert settings.env == "prod" and settings.api_workers == 2 and settings.login_limit_account is None
    assert settings.oidc_issuer is None and settings.oidc_role_map == {}


# ---- commands ------------------------------------------------------------------------------------


def _check_command(argv: list[str], where: str) -> None:
    try:
        build_parser().parse_args(argv)
    except SystemExit as exc:
        raise AssertionError(f"{where}: `thidua {' '.join(argv)}` is not a thidua command") from exc


def containerfile_run_stage() -> str:
    text = CONTAINERFILE.read_text(encoding="utf-8")
    return text


def test_every_command_the_image_and_manifests_name_exists() -> None:
    text = containerfile_run_stage()
    entry = re.search(r"^ENTRYPOINT\s+(\[.*\])", text, re.M)
    cmd = re.search(r"^CMD\s+(\[.*\])", text, re.M)
    assert entry and json.loads(entry.group(1)) == ["thidua"]
    assert cmd
    _check_command(json.loads(cmd.group(1)), "Containerfile CMD")
    named = 0
    for name, service in compose()["services"].items():
        if str(service.get("image", "")).startswith("${THIDUA_IMAGE"):
            _check_command([str(a) for a in service["command"]], f"compose service {name}")
            named += 1
    for path, doc in k8s_objects():
        obj = KINDS[doc["kind"]].model_validate(doc)
        for spec in pod_specs(obj):
            for container in spec.every_container:
                if container.image == "thidua":
                    assert container.command is None, f"{path}: the image's entrypoint is thidua"
                    _check_command(container.args or [], f"{path} {obj.metadata.name}")
                    named += 1
    assert named >= 8
    roles = {"api", "worker", "migrate", "db", "plans"}
    used = {
        str(s["command"][0])
        for s in compose()["services"].values()
        if str(s.get("image", "")).startswith("${THIDUA_IMAGE")
    }
    assert used == roles


def test_the_image_installs_no_dev_package_and_runs_as_no_root() -> None:
    text = CONTAINERFILE.read_text(encoding="utf-8")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    installs = [line for line in re.findall(r"^RUN\s+(.*pip install.*)$", text, re.M)]
    assert installs, "no pip install line in the Containerfile"
    for line in installs:
        assert "[" not in line, f"the image installs an extra: {line}"
        assert not re.search(r"(^|\s)-e(\s|$)|--editable", line), "the image installs in editable mode"
        for extra in extras:
            assert f"[{extra}]" not in line and f"'.[{extra}" not in line
        dev_only = {
            re.split(r"[\[<>=!~; ]", req, maxsplit=1)[0].lower() for name in ("dev", "embedded") for req in extras[name]
        }
        for word in re.split(r"\s+", line):
            assert word.lower().split("==")[0] not in dev_only, f"the image installs {word}, a dev-only package"
    # What `pip install /src` brings: the production dependencies, none of which is dev-only.
    prod = {re.split(r"[\[<>=!~; ]", req, maxsplit=1)[0].lower() for req in project["dependencies"]}
    assert not prod & {
        re.split(r"[\[<>=!~; ]", req, maxsplit=1)[0].lower() for req in extras["dev"] + extras["embedded"]
    }
    users = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert users and users[-1].split(":")[0] not in ("root", "0")
    stages = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", text, re.M)
    assert len(stages) >= 2, "the image is built in stages"
    assert "temporal" not in text.lower().replace("temporal and postgresql run elsewhere", "")


# ---- manifests: schema -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, doc", k8s_objects(), ids=lambda v: str(v.relative_to(K8S)) if isinstance(v, Path) else v.get("kind", "?")
)
def test_the_manifests_pass_the_schema_check(path: Path, doc: dict[str, Any]) -> None:
    assert doc.get("kind") in KINDS, f"{path}: a {doc.get('kind')} has no schema model here"
    obj: Object = KINDS[doc["kind"]].model_validate(doc)
    for spec in pod_specs(obj):
        if obj.kind == "Deployment":
            assert spec.securityContext and spec.securityContext.model_extra.get("runAsNonRoot") is True  # type: ignore[union-attr]


def test_the_kubernetes_shape() -> None:
    objs = [KINDS[doc["kind"]].model_validate(doc) for _, doc in k8s_objects()]
    by_kind: dict[str, set[str]] = {}
    for obj in objs:
        by_kind.setdefault(obj.kind, set()).add(obj.metadata.name)
    assert {"thidua-api", "thidua-worker"} <= by_kind["Deployment"]
    assert {"thidua-db-roles", "thidua-migrate", "thidua-plans-start"} <= by_kind["Job"]
    assert "thidua-api" in by_kind["Service"] and by_kind["Service"] == {"thidua-api"}, "only the API has a Service"
    assert "thidua-worker" in by_kind["HorizontalPodAutoscaler"]
    assert {"thidua-api", "thidua-worker"} <= by_kind["PodDisruptionBudget"]
    assert "default-deny-ingress" in by_kind["NetworkPolicy"]
    assert by_kind["CronJob"] == {"thidua-backup"}
    # The kustomization lists every manifest file of the service.
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    listed = set(kustomization["resources"])
    assert listed == {p.name for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml"}
    for generator in kustomization["configMapGenerator"]:
        for f in generator["files"]:
            assert (K8S / f).resolve().is_file(), f


def test_the_service_starts_only_after_the_release_migration() -> None:
    """The API's and the workers' pods and the plans' Job wait in an init container for `thidua migrate`
    (Job thidua-migrate) to have brought the schema to their release, as the service role; the two
    Jobs that prepare the database wait for nothing."""
    objs = {
        obj.metadata.name: obj
        for obj in (KINDS[doc["kind"]].model_validate(doc) for _, doc in k8s_objects())
        if obj.kind in ("Deployment", "Job")
    }
    for name in ("thidua-api", "thidua-worker", "thidua-plans-start"):
        (spec,) = pod_specs(objs[name])
        assert spec.initContainers, f"{name} has no init container"
        wait = spec.initContainers[0]
        assert wait.image == "thidua" and (wait.args or [])[:2] == ["db", "wait"], f"{name}: {wait.args}"
        refs = {e.name: e.valueFrom.secretKeyRef for e in wait.env if e.valueFrom and e.valueFrom.secretKeyRef}
        assert refs["DATABASE_URL"] is not None and refs["DATABASE_URL"].key == "DATABASE_URL"
        for container in spec.every_container:
            given = {e.name for e in container.env}
            assert not given & {"THIDUA_MIGRATION_DATABASE_URL", "ADMIN_DATABASE_URL"}, f"{name}/{container.name}"
    for name in ("thidua-db-roles", "thidua-migrate"):
        (spec,) = pod_specs(objs[name])
        assert not spec.initContainers, f"{name} is what the others wait for"
    guide = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    assert "thidua db wait" in guide


def test_temporal_values_choose_shards_once_and_use_existing_secrets() -> None:
    values = yaml.safe_load((K8S / "temporal" / "values.yaml").read_text(encoding="utf-8"))
    persistence = values["server"]["config"]["persistence"]
    shards = persistence["numHistoryShards"]
    assert shards > 0 and shards & (shards - 1) == 0
    text = (K8S / "temporal" / "values.yaml").read_text(encoding="utf-8")
    assert re.search(r"#.*chosen once", text), "the shard count needs its reason next to it"
    for store in ("default", "visibility"):
        sql = persistence["datastores"][store]["sql"]
        assert sql["pluginName"] == "postgres12" and sql["existingSecret"] and "password" not in sql
    assert compose()["services"]["temporal"]["environment"]["NUM_HISTORY_SHARDS"] == str(shards)
    namespace = values["server"]["config"]["namespaces"]["namespace"][0]
    assert namespace == {"name": "thidua", "retention": "2560d"}
    images = {values["server"]["image"]["tag"], values["admintools"]["image"]["tag"]}
    assert len(images) == 1, "admin-tools must be the server's version"
    assert compose()["services"]["temporal"]["image"].endswith(f":-{values['server']['image']['tag']}}}")


def test_compose_shape() -> None:
    services = compose()["services"]
    assert "auto-setup" not in services["temporal"]["image"]
    assert services["temporal"]["image"].startswith("temporalio/server:")
    assert "healthcheck" in services["postgres"]
    published = {name for name, s in services.items() if s.get("ports")}
    assert published == {"proxy"}, f"only the reverse proxy publishes ports, not {published - {'proxy'}}"
    assert services["api"]["command"] == ["api"] and services["worker"]["command"] == ["worker"]
    assert "replicas" not in services["worker"].get("deploy", {}), "workers scale with --scale"
    schema = (DEPLOY / "temporal" / "schema.sh").read_text(encoding="utf-8")
    for step in (" create ", "setup-schema", "update-schema", "visibility"):
        assert step in schema
    prometheus = yaml.safe_load((DEPLOY / "compose" / "prometheus.yml").read_text(encoding="utf-8"))
    assert any(job.get("metrics_path") == "/metrics" for job in prometheus["scrape_configs"])


def test_the_namespace_script_registers_the_search_attributes_the_workflows_set() -> None:
    """deploy/temporal/namespace.sh registers exactly workflows/search_attributes.py's names and types
    (the dev and test servers register them from the Python definition itself)."""
    script = (DEPLOY / "temporal" / "namespace.sh").read_text(encoding="utf-8")
    listed = re.search(r'^SEARCH_ATTRIBUTES="([^"]*)"$', script, re.M)
    assert listed, 'namespace.sh must list its search attributes as SEARCH_ATTRIBUTES="Name=Type ..."'
    registered = dict(pair.split("=", 1) for pair in listed.group(1).split())
    assert registered == {key.name: search_attributes.type_name(key) for key in search_attributes.ALL}
    assert re.search(r"for attribute in \$SEARCH_ATTRIBUTES; do", script)
    assert '--type "$type"' in script
    for name in registered:
        for path in (ROOT / "docs" / "deploy.md", K8S / "temporal" / "values.yaml"):
            assert name in path.read_text(encoding="utf-8"), f"{path.name} does not name {name}"
    assert search_attributes.dev_server_flags()[:2] == ["--search-attribute", "ThiduaUnit=Keyword"]


def test_every_setting_is_in_the_readme_settings_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = sorted(n for n in setting_env_names() if f"`{n}`" not in readme)
    assert not missing, f"settings missing from README's settings table: {missing}"


def test_operator_secrets_never_enter_the_image_or_git() -> None:
    for ignore in (".containerignore", ".dockerignore", ".gitignore"):
        lines = {line.strip().rstrip("/") for line in (ROOT / ignore).read_text(encoding="utf-8").splitlines()}
        for path in ("deploy/compose/.env", "deploy/compose/certs", "deploy/compose/backups"):
            assert path in lines, f"{ignore} must exclude {path}"


def test_a_new_setting_without_a_deploy_entry_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """The checks above compare against the settings class itself: a setting added to it and to no
    deploy file makes each of them fail, naming it."""

    class WithANewSetting(Settings):
        brand_new: int = 1

    monkeypatch.setattr(sys.modules[__name__], "Settings", WithANewSetting)
    for check in (
        test_every_setting_is_in_the_compose_file,
        test_every_setting_is_in_env_example_without_a_real_secret,
        test_every_setting_is_in_the_kubernetes_manifests,
        test_every_setting_is_in_the_readme_settings_table,
    ):
        with pytest.raises(AssertionError, match="THIDUA_BRAND_NEW"):
            check()


def test_the_image_has_the_fonts_documents_need() -> None:
    """Decisions, letters and minutes are PDFs in a Times-metric serif with Vietnamese glyphs, found
    where service/documents/decision.py looks (Liberation 1.x alone lacks them)."""
    from service.documents.decision import FONT_FILES

    text = CONTAINERFILE.read_text(encoding="utf-8")
    run_stage = text[text.index("AS run") :]
    assert re.search(r"apt-get install[^\n]*fonts-texgyre", run_stage), "the image installs no Vietnamese serif"
    assert any("texgyre" in str(f) for f in FONT_FILES)
