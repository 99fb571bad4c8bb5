"""The README's first command as a newcomer meets it: ``talent demo && talent app`` from a
folder outside the checkout, with no terminal and a home where Streamlit never ran, and
``talent app``'s own promises (one line for a taken port, no orphan after SIGTERM).

These run real processes: the installed ``talent`` script, Streamlit serving on 127.0.0.1.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from test_docs import quickstart_commands

TALENT = str(Path(sys.executable).with_name("talent"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _fresh_env(home: Path) -> dict[str, str]:
    """The environment of a service or container: no terminal, a home where Streamlit
    never ran (no ~/.streamlit), the virtualenv's scripts first on the PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TALENT_", "STREAMLIT_"))}
    env["HOME"] = str(home)
    env["PATH"] = str(Path(TALENT).parent) + os.pathsep + env.get("PATH", "")
    env.pop("DISPLAY", None)
    return env


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
            return r.read() == b"ok"
    except OSError:
        return False


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_readme_first_command_serves_from_any_folder_without_a_terminal(tmp_path):
    install_and_run = quickstart_commands()[0]
    # The part after the install, exactly as the README writes it (plus a free port).
    served = install_and_run[install_and_run.index("talent demo") :]
    assert served == "talent demo && talent app"
    folder, home = tmp_path / "elsewhere", tmp_path / "home"
    folder.mkdir()
    home.mkdir()
    port = _free_port()
    proc = subprocess.Popen(
        ["bash", "-c", f"{served} --port {port}"],
        cwd=folder,
        env=_fresh_env(home),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    ready = f"talent is ready: open http://127.0.0.1:{port}"
    try:
        # talent says it is ready once Streamlit answers its health check.
        deadline = time.monotonic() + 240
        while not any(ready in line for line in list(lines)):
            if proc.poll() is not None:
                reader.join(timeout=5)
                pytest.fail(f"ended with {proc.returncode}:\n{''.join(lines)}")
            assert time.monotonic() < deadline, "talent app did not serve in time"
            time.sleep(0.3)
        assert _healthy(port)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as page:
            assert b"<title>" in page.read()
        assert (folder / "talent.db").exists()
        assert not (home / ".streamlit" / "credentials.toml").exists()  # never prompted
    finally:
        _stop(proc)
    reader.join(timeout=10)
    out = "".join(lines)
    assert "Email" not in out and "Traceback" not in out


def test_app_configures_streamlit_itself():
    from talent.cli import streamlit_command

    command = streamlit_command("127.0.0.1", 8123)
    settings = dict(zip(command[5::2], command[6::2], strict=True))
    assert command[1:4] == ["-m", "talent.ui.server", "run"]
    assert Path(command[4]).is_file() and Path(command[4]).name == "entry.py"
    assert settings["--server.headless"] == "true"
    assert settings["--server.showEmailPrompt"] == "false"
    assert settings["--browser.gatherUsageStats"] == "false"
    assert settings["--client.toolbarMode"] == "viewer"
    assert settings["--client.disableDataExport"] == "true"
    assert settings["--server.port"] == "8123"


def test_taken_port_is_one_line(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        proc = subprocess.run(
            [TALENT, "app", "--db", str(tmp_path / "x.db"), "--port", str(port)],
            env=_fresh_env(tmp_path),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert proc.returncode == 1
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"error: port {port} on 127.0.0.1 is taken")
    assert "--port" in lines[0]
    assert not (tmp_path / "x.db").exists()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_stopping_talent_app_stops_streamlit(tmp_path, signum):
    port = _free_port()
    proc = subprocess.Popen(
        [TALENT, "app", "--db", str(tmp_path / "x.db"), "--port", str(port)],
        env=_fresh_env(tmp_path),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not _healthy(port):
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.3)
        proc.send_signal(signum)  # to talent alone, as a service manager would
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    # Streamlit went with it: nothing answers on the port, and it can be bound again.
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen()


def test_server_preloads_modules_that_exist():
    # A module renamed or dropped from PRELOAD's list would silently stop being loaded
    # ahead of the first page: every name must import.
    from talent.ui.server import PRELOAD, preload

    assert "talent.ui.app" in PRELOAD
    assert preload() == []
    assert preload(("talent.no_such_module",)) == ["talent.no_such_module"]
