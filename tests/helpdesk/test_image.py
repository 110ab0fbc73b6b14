"""The container image and the production-like stack, read from their files: Docker is not
available here, so these tests hold the rules the image must keep."""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

import environ
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined, comments dropped."""
    lines = [
        line
        for line in (ROOT / "Dockerfile").read_text().splitlines()
        if not line.lstrip().startswith("#")
    ]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    return [
        (parts[0].upper(), parts[1] if len(parts) > 1 else "")
        for line in joined.splitlines()
        if (parts := line.strip().split(None, 1))
    ]


def _index(instructions: list[tuple[str, str]], kind: str, pattern: str = "") -> int:
    for number, (instruction, arguments) in enumerate(instructions):
        if instruction == kind and re.search(pattern, arguments):
            return number
    raise AssertionError(f"no {kind} matching {pattern!r} in the Dockerfile")


def _ignored(path: str) -> bool:
    """Whether .dockerignore keeps `path` out of the build context (last match wins)."""
    ignored = False
    for raw in (ROOT / ".dockerignore").read_text().splitlines():
        pattern = raw.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negate = pattern.startswith("!")
        pattern = pattern.removeprefix("!").removeprefix("**/")
        parts = path.split("/")
        prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        if any(fnmatch.fnmatch(candidate, pattern) for candidate in [*prefixes, parts[-1]]):
            ignored = not negate
    return ignored


def test_dependencies_are_installed_in_a_layer_before_the_source_is_copied():
    instructions = _instructions()
    manifest = _index(instructions, "COPY", r"^pyproject\.toml\s")
    dependencies = _index(instructions, "RUN", r"pip install -r")
    source = _index(instructions, "COPY", r"^\.\s+\.$")
    assert manifest < dependencies < source


def test_the_image_runs_as_an_unprivileged_user_with_a_healthcheck_and_collected_static():
    instructions = _instructions()
    user = _index(instructions, "USER")
    assert instructions[user][1].strip() not in {"root", "0", "0:0"}
    assert user > _index(instructions, "RUN", r"collectstatic --noinput")
    assert user < _index(instructions, "CMD")
    assert "/healthz" in instructions[_index(instructions, "HEALTHCHECK")][1]


def test_dockerignore_keeps_secrets_databases_uploads_and_the_repository_out():
    for path in (
        ".env",
        ".venv/bin/python",
        "db.sqlite3",
        "media/attachments/1/a.pdf",
        ".git/HEAD",
    ):
        assert _ignored(path), path
    for path in ("manage.py", "helpdesk/settings.py", ".env.example", "pyproject.toml"):
        assert not _ignored(path), path


def test_docker_compose_names_the_five_services_with_healthchecks():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    for name in ("postgres", "redis", "web", "worker"):
        assert "healthcheck" in services[name], name
    # Beat has no port: the image's web probe must not mark it unhealthy.
    assert services["beat"]["healthcheck"] == {"disable": True}
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert "DATABASE_URL" in env and "REDIS_URL" in env
    # Throttling counts per token across gunicorn's workers only with a shared cache.
    cache = environ.Env.cache_url_config(services["web"]["environment"]["CACHE_URL"])
    assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
