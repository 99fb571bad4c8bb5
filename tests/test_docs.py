"""The README's promises hold: CI runs its test command verbatim, the CLI it shows exists."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from talent.cli import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def quickstart_commands() -> list[str]:
    section = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", section)


def test_quickstart_is_exactly_two_commands():
    commands = quickstart_commands()
    assert len(commands) == 2
    install_and_run, install_and_test = commands
    assert "talent demo" in install_and_run and "talent app" in install_and_run
    assert install_and_test.endswith("pytest")


def test_ci_runs_the_readme_test_command_verbatim():
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert quickstart_commands()[1] in ci_lines


def test_every_cli_command_in_the_readme_exists():
    shown = set(re.findall(r"^\$ talent (\w+)", README, flags=re.MULTILINE))
    assert {"demo", "rank", "app"} <= shown
    runner = CliRunner()
    for command in shown:
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0, (command, result.output)
