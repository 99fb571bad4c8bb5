"""talent app, talent serve and talent health: the Streamlit app, the schedule beside
it, and the check a supervisor runs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from talent.cli.common import (
    _CONTROL,
    _SPACES,
    CliError,
    ConfigOption,
    DbOption,
    _check_url,
    _load,
    _open_existing,
    _opened,
)
from talent.config import CONFIG_ENV_VAR, DB_ENV_VAR, Settings


def run_app(
    db: DbOption = None,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to serve on.")] = 8501,
    address: Annotated[
        str, typer.Option(help="Address to bind (0.0.0.0 to serve other machines).")
    ] = "127.0.0.1",
    headless: Annotated[
        bool,
        typer.Option(
            "--headless",
            help="Never open a browser tab (one opens only in a terminal with a display).",
        ),
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Open the Streamlit app on the database (missing or empty: it offers the demo).

    Never asks anything: Streamlit is configured here (headless server, no usage
    statistics, the viewer's toolbar), whatever folder it is started from and with or
    without a terminal. Stop it with Ctrl+C (or SIGTERM).
    """
    settings = _load(db, config)
    problem = _app_problem(settings, address, port)
    if problem:
        raise CliError(problem)
    code = _launch_app(settings, config, address, port, headless)
    raise typer.Exit(code)


def _app_problem(settings: Settings, address: str, port: int) -> str | None:
    """Why the app cannot start (sign-in needed for this address, a secret missing, the
    port taken), or None."""
    from talent.signin import app_launch_problem

    return app_launch_problem(settings, address) or port_problem(address, port)


def _launch_app(settings: Settings, config: str | None, address: str, port: int,
                headless: bool) -> int:  # fmt: skip
    """Run the app (``talent app``, ``talent serve``) until SIGTERM or SIGINT: its settings
    and database in the environment, the sign-in secrets in a private file outside the
    checkout for its lifetime; Streamlit's exit status."""
    from talent.signin import SignInProblem, app_env, sign_in_note, streamlit_secrets

    env = app_env(settings, os.environ)
    env[DB_ENV_VAR] = settings.db_url
    if config:  # the app reads the same settings file (its profiles, company, people)
        env[CONFIG_ENV_VAR] = str(Path(config).resolve())
    url = f"http://{'127.0.0.1' if address in ('0.0.0.0', '::') else address}:{port}"
    typer.echo(sign_in_note(settings), err=True)
    typer.echo(f"Starting talent on {url} (database {settings.db_url})...", err=True)
    try:
        with streamlit_secrets(settings) as secrets_file:
            return serve_streamlit(
                streamlit_command(address, port, secrets_file),
                env,
                url,
                on_ready=lambda: _app_ready(url, open_browser=not headless),
            )
    except SignInProblem as exc:
        raise CliError(str(exc)) from None


def streamlit_command(address: str, port: int, secrets_file: Path | None = None) -> list[str]:
    """``streamlit run`` on the app (through :mod:`talent.ui.server`, which imports what
    the first page needs while the server starts) with every setting given on the
    command line, so neither the folder it starts in (a ``.streamlit/config.toml`` there
    or not) nor a missing terminal changes anything. ``secrets_file``: the only secrets
    file Streamlit reads (:func:`talent.signin.streamlit_secrets`), so one in the folder
    it starts in cannot change the sign-in."""
    entry = Path(__file__).parents[1] / "ui" / "entry.py"
    settings = {
        "server.port": port,
        "server.address": address,
        # Headless: Streamlit neither opens a tab nor asks for an e-mail on its first
        # run (that prompt waits for a terminal, or exits when there is none).
        "server.headless": "true",
        "server.showEmailPrompt": "false",
        "server.fileWatcherType": "none",
        "server.runOnSave": "false",
        "browser.gatherUsageStats": "false",
        "global.developmentMode": "false",
        # The viewer's toolbar: no "Deploy" button, no developer menu.
        "client.toolbarMode": "viewer",
        # The dataframe toolbar's CSV export does not neutralise formulas: the app's
        # own download button (talent.views.export) is the only export.
        "client.disableDataExport": "true",
        "client.showErrorDetails": "none",
    }
    if secrets_file:  # then the only secrets file Streamlit reads
        settings["secrets.files"] = str(secrets_file)
    command = [sys.executable, "-m", "talent.ui.server", "run", str(entry)]
    for key, value in settings.items():
        command += [f"--{key}", str(value)]
    return command


def port_problem(address: str, port: int) -> str | None:
    """Why the app cannot serve on ``address:port`` (taken, or not an address here),
    or None."""
    import errno
    import socket

    try:
        infos = socket.getaddrinfo(address, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return f"--address: {address!r} is not an address of this machine"
    family, _type, _proto, _name, sockaddr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        # As the server binds: a port left in TIME_WAIT by the last run is free, one
        # that something listens on is not.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(sockaddr)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (
                    f"port {port} on {address} is taken (is talent app already running?); "
                    f"open that one, or choose another with --port {port + 1}"
                )
            return f"cannot serve on {address}:{port}: {exc.strerror}"
    return None


def serve_streamlit(command: list[str], env: dict[str, str], url: str, on_ready) -> int:
    """Run Streamlit until it ends, calling ``on_ready`` once it answers; SIGTERM and
    SIGINT are passed on, so stopping ``talent app`` stops the server (no orphan keeps
    the port). Returns Streamlit's exit status (0 when stopped by a signal)."""
    import signal
    import threading
    import urllib.request

    proc = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL)
    stopped = threading.Event()

    def forward(signum, _frame) -> None:
        stopped.set()
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        deadline = time.monotonic() + 120
        while proc.poll() is None and not stopped.is_set() and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        on_ready()
                        break
            except OSError:
                time.sleep(0.2)
        while True:
            try:
                code = proc.wait(timeout=1.0)
                break
            except subprocess.TimeoutExpired:
                continue
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if proc.poll() is None:
            proc.kill()
    return 0 if stopped.is_set() else code


def _app_ready(url: str, open_browser: bool) -> None:
    typer.echo(f"talent is ready: open {url} in a browser (Ctrl+C stops it)", err=True)
    if open_browser and sys.stdout.isatty() and _has_display():
        import webbrowser

        webbrowser.open(url, new=2)


def _has_display() -> bool:
    """A screen to open a browser on: any desktop on macOS and Windows, an X or Wayland
    display elsewhere."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


# --- talent serve and talent health --------------------------------------------------------


def _log(line: str) -> None:
    """A progress line of ``talent serve`` on stderr, stamped with the UTC time."""
    text = _CONTROL.sub("", _SPACES.sub(" ", line))
    typer.echo(f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ} {text}", err=True)


def serve(
    db: DbOption = None,
    config: ConfigOption = None,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port of the app.")] = 8501,
    address: Annotated[
        str, typer.Option(help="Address the app binds (0.0.0.0 to serve other machines).")
    ] = "127.0.0.1",
    headless: Annotated[bool, typer.Option("--headless", help="Never open a browser tab.")] = False,
    no_app: Annotated[
        bool, typer.Option("--no-app", help="Run the schedule only, without the app.")
    ] = False,
    once: Annotated[
        bool,
        typer.Option(
            "--once",
            help="One scheduled run now, then exit (0 when every source went well): for "
            "cron or a systemd timer. No app.",
        ),
    ] = False,
    github_url: Annotated[
        str, typer.Option(help="GitHub API root: GitHub Enterprise (https://host/api/v3).")
    ] = "https://api.github.com",
    hub_endpoint: Annotated[
        str, typer.Option(metavar="URL", help="The Hugging Face Hub's address (a mirror).")
    ] = "https://huggingface.co",
    max_wait: Annotated[
        float,
        typer.Option(
            help="Longest wait for a rate-limit reset, in seconds; past it the source stops "
            "and the next run resumes it."
        ),
    ] = 900.0,
) -> None:
    """Run the app and the settings' [schedule]: mine its GitHub orgs, Hub orgs and git
    clones every every_hours (incrementally, as talent mine does), then send the digest
    to the [digest] webhook. The first run starts at once unless the last one, recorded
    in the store, is recent. Progress lines go to stderr.

    One scheduler per store: a second talent serve on the same database stops with one
    line. Tokens come from the environment: the settings' token_env (GITHUB_TOKEN) for
    GitHub, HF_TOKEN (optional) for the Hub. Stop it with Ctrl+C or SIGTERM: the run under
    way stops at its next repository or batch, and the next run resumes it. Check it
    with talent health.
    """
    from talent.schedule import (
        ScheduleBusy,
        SourceOptions,
        acquire_lock,
        run_scheduled,
        schedule_problem,
        scheduling,
    )

    settings = _load(db, config)
    schedule = settings.schedule
    if schedule is None:
        raise CliError(
            "the settings have no [schedule]: add one (every_hours, and github, hf or git "
            "lists) to the settings file, or run the app alone with: talent app"
        )
    problem = schedule_problem(schedule)
    if problem:
        raise CliError(problem)
    _check_url(github_url, "--github-url", "https://api.github.com")
    _check_url(hub_endpoint, "--hub-endpoint", "https://huggingface.co")
    github_token = os.environ.get(settings.token_env, "").strip()
    if schedule.github and not github_token:
        raise CliError(f"no GitHub token: set {settings.token_env} (the schedule mines GitHub)")
    try:
        lock = acquire_lock(settings.db_url)
    except ScheduleBusy as exc:
        raise CliError(str(exc)) from None
    except ValueError as exc:
        raise CliError(str(exc)) from None
    with lock:
        run_app_too = not (no_app or once)
        if run_app_too:
            problem = _app_problem(settings, address, port)
            if problem:
                raise CliError(problem)
        engine = _opened(settings)
        options: SourceOptions = {
            "github_token": github_token or None,
            "hf_token": os.environ.get("HF_TOKEN", "").strip() or None,
            "github_url": github_url,
            "hub_endpoint": hub_endpoint,
            "max_wait": max_wait,
        }
        if once:
            report = run_scheduled(engine, settings, log=_log, **options)
            raise typer.Exit(0 if report.ok else 1)
        from sqlalchemy.engine import make_url

        shown = make_url(settings.db_url).render_as_string(hide_password=True)  # no secret
        _log(f"scheduling {shown} every {schedule.every_hours:g} h (lock: {lock.where})")
        if schedule.digest and not settings.digest_webhook:
            _log("no [digest] webhook in the settings: the digest is not sent")
        with scheduling(engine, settings, log=_log, **options):
            code = _launch_app(settings, config, address, port, headless) if run_app_too else 0
            if not run_app_too:
                _wait_for_signal()
        _log("talent serve stopped")
        raise typer.Exit(code)


def _wait_for_signal() -> None:
    import signal
    import threading

    stopped = threading.Event()
    previous = {
        s: signal.signal(s, lambda _signum, _frame: stopped.set())
        for s in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        while not stopped.wait(1.0):
            pass
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def health(
    db: DbOption = None,
    config: ConfigOption = None,
    url: Annotated[
        str, typer.Option(metavar="URL", help="The app's address, as talent serve prints it.")
    ] = "http://127.0.0.1:8501",
    no_app: Annotated[
        bool, typer.Option("--no-app", help="Check the schedule only (talent serve --no-app).")
    ] = False,
    max_age: Annotated[
        float | None,
        typer.Option(
            metavar="HOURS",
            min=0.0,
            help="Longest time since the last scheduled run ended (default: twice "
            "[schedule] every_hours).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Exit 0 when talent serve is healthy: the app answers URL/_stcore/health and the
    last scheduled run ended well within --max-age hours (or none was due yet); else one
    line saying why, and exit 1. For a supervisor: Docker HEALTHCHECK, systemd, a
    monitor."""
    import urllib.request

    from talent.schedule import health_problem, load_schedule_state

    settings = _load(db, config)
    said = []
    if not no_app:
        _check_url(url, "--url", "http://127.0.0.1:8501")
        target = url.rstrip("/") + "/_stcore/health"
        try:
            with urllib.request.urlopen(target, timeout=10) as resp:
                answer = resp.status
        except OSError as exc:
            reason = getattr(exc, "reason", None) or exc
            raise CliError(f"the app does not answer at {target}: {reason}") from None
        if answer != 200:
            raise CliError(f"the app answers {answer} at {target}")
        said.append("the app answers")
    if settings.schedule is not None:
        state = load_schedule_state(_open_existing(settings))
        problem = health_problem(state, settings.schedule, datetime.now(UTC), max_age)
        if problem:
            raise CliError(problem)
        said.append(
            f"last scheduled run ended {state.last_end:%Y-%m-%d %H:%M:%S} UTC: {state.status}"
            if state.last_end
            else "no scheduled run has ended yet"
        )
    else:
        said.append("no [schedule] in the settings")
    typer.echo("ok: " + "; ".join(said))
