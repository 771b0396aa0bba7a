"""The team deployment (Dockerfile, .dockerignore, compose.yaml, .env.example), read as text and YAML: Docker cannot
run here, so these check what a `docker compose up` would depend on, without network or containers."""

from __future__ import annotations

import json
import re
import shlex
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from rag.config import Settings

ROOT = Path(__file__).resolve().parents[1]
DOCCHAT = ("app", "worker")
BACKENDS = ("qdrant", "postgres", "redis")
# ${NAME}, ${NAME:-default}, ${NAME:?error}: compose's interpolation.
INTERPOLATION = re.compile(r"\$\{(\w+)(?::?[-?][^}]*)?\}")
SETTINGS_NAMES = {name.upper() for name in Settings.model_fields}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def runtime() -> list[tuple[str, str]]:
    """The final stage of the Dockerfile: (INSTRUCTION, arguments), continuation lines joined, comments dropped."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    instructions = [tuple(line.strip().split(None, 1)) for line in joined.splitlines() if line.strip()]
    stages = [i for i, (keyword, _) in enumerate(instructions) if keyword.upper() == "FROM"]
    return [(keyword.upper(), args) for keyword, args in instructions[stages[-1] :]]


def interpolate(value: str, **variables: str) -> str:
    return INTERPOLATION.sub(lambda match: variables[match.group(1)], value)


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {name: str(value) for name, value in env.items()}


def mounts(service: dict[str, Any]) -> dict[str, str]:
    """Target path -> source (a named volume or a host path)."""
    found = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            found[volume["target"]] = volume["source"]
        else:
            source, target = volume.split(":")[:2]
            found[target] = source
    return found


def command(service: dict[str, Any]) -> list[str]:
    cmd = service["command"]
    return shlex.split(cmd) if isinstance(cmd, str) else [str(part) for part in cmd]


def option(args: list[str], name: str) -> str:
    return args[args.index(name) + 1]


def test_the_five_services_and_no_version_key(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {*DOCCHAT, *BACKENDS}
    assert "version" not in compose  # obsolete in the Compose Specification; compose warns about it


def test_app_and_worker_run_one_image_built_here(compose: dict[str, Any]) -> None:
    app, worker = (compose["services"][name] for name in DOCCHAT)
    assert (app["build"], app["image"]) == (worker["build"], worker["image"])
    context = app["build"] if isinstance(app["build"], str) else app["build"]["context"]
    assert (ROOT / context / "Dockerfile").is_file()


def test_app_and_worker_share_the_files_volume_at_storage_dir(compose: dict[str, Any]) -> None:
    services = compose["services"]
    storage = {name: environment(services[name])["STORAGE_DIR"] for name in DOCCHAT}
    assert storage["app"] == storage["worker"]
    sources = {mounts(services[name]).get(storage[name]) for name in DOCCHAT}
    assert len(sources) == 1 and None not in sources, "uploads written by the app must be readable by the workers"
    assert sources.pop() in compose["volumes"], "a named volume, not a path on one host"


def test_worker_has_no_fixed_name_nor_host_port_so_it_scales(compose: dict[str, Any]) -> None:
    assert "container_name" not in compose["services"]["worker"] and "ports" not in compose["services"]["worker"]


@pytest.mark.parametrize("name", [*DOCCHAT, *BACKENDS])
def test_every_service_has_a_healthcheck(compose: dict[str, Any], name: str) -> None:
    check = compose["services"][name].get("healthcheck")
    # The app's comes from the image (Dockerfile's HEALTHCHECK); compose may add its own.
    if name == "app" and check is None:
        return
    assert check and not check.get("disable") and check["test"][0] in ("CMD", "CMD-SHELL") and check["test"][1:]


def test_the_app_check_comes_from_the_image(runtime: list[tuple[str, str]]) -> None:
    checks = [args for keyword, args in runtime if keyword == "HEALTHCHECK"]
    assert len(checks) == 1 and "urllib" in checks[0] and "8501/_stcore/health" in checks[0]


def test_worker_replaces_the_http_check_with_a_celery_ping(compose: dict[str, Any]) -> None:
    test = " ".join(compose["services"]["worker"]["healthcheck"]["test"])
    assert "_stcore" not in test and "8501" not in test, "a worker serves no HTTP"
    assert "celery -A rag.jobs.celery_worker inspect ping" in test
    # `$$` is compose's escape: the shell in the container must see $HOSTNAME, its own node name.
    assert "celery@$$HOSTNAME" in test


@pytest.mark.parametrize("name", DOCCHAT)
def test_waits_for_healthy_backends(compose: dict[str, Any], name: str) -> None:
    conditions = {backend: compose["services"][name]["depends_on"][backend]["condition"] for backend in BACKENDS}
    assert conditions == dict.fromkeys(BACKENDS, "service_healthy")


@pytest.mark.parametrize("name", DOCCHAT)
def test_environment_points_at_the_backends(compose: dict[str, Any], name: str) -> None:
    env = environment(compose["services"][name])
    assert env["QDRANT_URL"] == "http://qdrant:6333"
    broker = urlsplit(env["CELERY_BROKER_URL"])
    assert (broker.scheme, broker.hostname, broker.port) == ("redis", "redis", 6379)


@pytest.mark.parametrize("name", DOCCHAT)
def test_database_url_matches_the_postgres_service(compose: dict[str, Any], name: str) -> None:
    postgres = environment(compose["services"]["postgres"])
    raw = environment(compose["services"][name])["DATABASE_URL"]
    url = urlsplit(interpolate(raw, POSTGRES_PASSWORD="s3cret"))
    assert (url.scheme, url.hostname, url.port) == ("postgresql", "postgres", 5432)
    assert (url.username, url.password) == (postgres["POSTGRES_USER"], "s3cret")
    assert url.path == "/" + postgres["POSTGRES_DB"]


def test_database_url_is_accepted_by_the_settings(compose: dict[str, Any]) -> None:
    raw = environment(compose["services"]["app"])["DATABASE_URL"]
    settings = Settings(_env_file=None, database_url=interpolate(raw, POSTGRES_PASSWORD="s3cret"))  # type: ignore[call-arg]
    assert settings.db_url == "postgresql+psycopg2://docchat:s3cret@postgres:5432/docchat"


def test_postgres_password_is_required_not_defaulted(compose: dict[str, Any]) -> None:
    # ${VAR:?message}: compose refuses to start without it, rather than run a database with an empty password.
    for value in (
        environment(compose["services"]["postgres"])["POSTGRES_PASSWORD"],
        environment(compose["services"]["app"])["DATABASE_URL"],
    ):
        assert re.search(r"\$\{POSTGRES_PASSWORD:\?[^}]+\}", value)


@pytest.mark.parametrize("name", DOCCHAT)
def test_compose_sets_only_names_the_settings_read(compose: dict[str, Any], name: str) -> None:
    names = set(environment(compose["services"][name]))
    assert {"STORAGE_DIR", "QDRANT_URL", "DATABASE_URL", "CELERY_BROKER_URL"} <= names
    # Besides DocChat's settings, only the worker's torch threads (OpenMP's own variable).
    others = {"OMP_NUM_THREADS"} if name == "worker" else set()
    assert names - SETTINGS_NAMES == others, "a misspelt or removed setting is ignored silently by pydantic-settings"


def test_env_example_names_only_settings_or_compose_variables(compose: dict[str, Any]) -> None:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    named = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))
    interpolated = set(INTERPOLATION.findall((ROOT / "compose.yaml").read_text(encoding="utf-8")))
    assert interpolated <= named, "every variable compose.yaml reads is explained in .env.example"
    assert named - SETTINGS_NAMES == {"POSTGRES_PASSWORD", "WORKER_THREADS"}


def test_used_volumes_are_declared_and_backends_persist(compose: dict[str, Any]) -> None:
    services = compose["services"]
    used = {source for service in services.values() for source in mounts(service).values()}
    assert used == set(compose["volumes"])
    assert mounts(services["qdrant"])["/qdrant/storage"] in used
    assert mounts(services["postgres"])["/var/lib/postgresql/data"] in used
    assert mounts(services["redis"])["/data"] in used


def test_redis_keeps_queued_jobs_across_restarts(compose: dict[str, Any]) -> None:
    args = command(compose["services"]["redis"])
    assert args[0] == "redis-server" and option(args, "--appendonly") == "yes"


def test_worker_is_one_celery_worker_process_of_rag_celery_app(compose: dict[str, Any]) -> None:
    args = command(compose["services"]["worker"])
    assert args[0] == "celery" and option(args, "-A") == "rag.jobs.celery_worker" and "worker" in args
    assert option(args, "--pool") == "solo" and option(args, "--concurrency") == "1"


def test_app_serves_streamlit_on_8501(compose: dict[str, Any]) -> None:
    app = compose["services"]["app"]
    args = command(app)
    assert args[:3] == ["streamlit", "run", "app.py"] and "--server.port=8501" in args
    assert "--server.address=0.0.0.0" in args, "a container's loopback is unreachable from the host"
    assert [str(port).rsplit(":", 1)[-1] for port in app["ports"]] == ["8501"]


def test_qdrant_is_pinned_within_one_minor_of_the_client(compose: dict[str, Any]) -> None:
    image = compose["services"]["qdrant"]["image"]
    match = re.fullmatch(r"qdrant/qdrant:v(\d+)\.(\d+)\.\d+", image)
    assert match, f"{image}: a pinned version, never latest"
    client = tuple(int(part) for part in version("qdrant-client").split(".")[:2])
    server = (int(match[1]), int(match[2]))
    # qdrant-client warns on a server more than one minor away; bump the image with the client.
    assert server[0] == client[0] and abs(server[1] - client[1]) <= 1, f"qdrant-client {client} vs {image}"


def test_dockerfile_builds_in_two_stages() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    stages = list(re.finditer(r"^FROM\s+\S+(?:\s+AS\s+(\S+))?", text, flags=re.MULTILINE | re.IGNORECASE))
    assert len(stages) == 2 and stages[0][1] == "builder", [stage[0] for stage in stages]
    builder = text[: stages[1].start()]
    assert "build-essential" in builder and "cmake" in builder


def test_dockerfile_final_stage_is_slim_and_has_no_compilers(runtime: list[tuple[str, str]]) -> None:
    assert runtime[0][1].split()[0] == "python:3.11-slim"
    installs = " ".join(args for keyword, args in runtime if keyword == "RUN")
    assert "build-essential" not in installs and "cmake" not in installs
    assert any(keyword == "COPY" and "--from=" in args and "/opt/venv" in args for keyword, args in runtime)


def test_dockerfile_installs_the_cpu_torch() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"pip install[^\n]*--extra-index-url https://download\.pytorch\.org/whl/cpu", text)


def test_dockerfile_runs_as_a_user_that_owns_the_storage_dir(runtime: list[tuple[str, str]]) -> None:
    users = [args.strip() for keyword, args in runtime if keyword == "USER"]
    assert users and users[-1] not in ("root", "0", "0:0")
    owned = " ".join(args for keyword, args in runtime if keyword == "RUN")
    assert re.search(rf"chown\s+{re.escape(users[-1])}(:\S+)?\s+/data\b", owned)


def test_dockerfile_environment(runtime: list[tuple[str, str]], compose: dict[str, Any]) -> None:
    env = dict(pair.split("=", 1) for keyword, args in runtime if keyword == "ENV" for pair in shlex.split(args))
    assert env["STORAGE_DIR"] == "/data" == environment(compose["services"]["app"])["STORAGE_DIR"]
    assert env["HF_HUB_OFFLINE"] == "1" and env["TRANSFORMERS_OFFLINE"] == "1"
    assert ("EXPOSE", "8501") in runtime
    cmd = [args for keyword, args in runtime if keyword == "CMD"][-1]
    assert json.loads(cmd)[:3] == ["streamlit", "run", "app.py"]


def dockerignore_regex(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern as Docker reads it: from the context's root, `*` within one name, `**` any depth."""
    out, i = "", 0
    pattern = pattern.strip("/")
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        else:
            out += {"*": "[^/]*", "?": "[^/]"}.get(pattern[i], re.escape(pattern[i]))
            i += 1
    return re.compile(out)


def ignored(path: str, patterns: list[str]) -> bool:
    """The last pattern that matches the path, or a folder above it, decides; `!` keeps what it matches."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    result = False
    for pattern in patterns:
        regex = dockerignore_regex(pattern.removeprefix("!"))
        if any(regex.fullmatch(prefix) for prefix in prefixes):
            result = not pattern.startswith("!")
    return result


@pytest.fixture(scope="module")
def dockerignore() -> list[str]:
    text = (ROOT / ".dockerignore").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


# What the image must not carry (tests, benchmarks, local state, secrets), and what the app runs from.
LEFT_OUT = "tests/test_deploy.py bench/eval.py .ci/run storage/docchat.db .venv/bin/python .git/HEAD .env".split()
LEFT_OUT += ["rag/__pycache__/config.cpython-311.pyc", ".streamlit/secrets.toml"]
KEPT = "app.py pyproject.toml rag/config.py rag/database/migrations/script.py.mako api/main.py ui/main.py".split()
KEPT += [".streamlit/config.toml"]


@pytest.mark.parametrize("path", LEFT_OUT)
def test_dockerignore_leaves_out(dockerignore: list[str], path: str) -> None:
    assert ignored(path, dockerignore)


@pytest.mark.parametrize("path", KEPT)
def test_dockerignore_keeps_what_the_app_runs_from(dockerignore: list[str], path: str) -> None:
    assert (ROOT / path).exists()
    assert not ignored(path, dockerignore)
