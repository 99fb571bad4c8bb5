"""Files a user hands in are bounded: a size limit on every read (``/dev/zero`` stops at
the limit), a depth limit on JSON and TOML, and one ``error:`` line for each, never a
MemoryError or a RecursionError."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from talent import cli, files
from talent.cli import app
from talent.cli import ats as ats_cli
from talent.config import ConfigError, load_settings
from talent.files import (
    InputFileError,
    json_depth,
    load_json_limited,
    read_bytes_limited,
    read_text_limited,
)
from talent.people.identity import OverrideError, load_overrides
from talent.ranking.learning import load_model
from talent.views.evaluate import TruthError, load_truth

DEEP_JSON = "[" * 100_000 + "]" * 100_000  # json.loads: RecursionError
DEEP_TOML = "a = " + "[" * 5_000 + "]" * 5_000 + "\n"  # tomllib: RecursionError


def one_error_line(result) -> str:
    assert result.exit_code == 1, result.output
    assert result.output.count("\n") == 1 and result.output.startswith("error: "), result.output
    assert "Traceback" not in result.output and "unexpected" not in result.output
    return result.output


def test_dev_zero_stops_at_the_limit():
    with pytest.raises(InputFileError) as caught:
        read_bytes_limited("/dev/zero", 2**20, "the export")
    assert str(caught.value) == "/dev/zero: the export is larger than 1 MB, the most talent reads"


def test_a_file_at_the_limit_is_read_whole_and_one_byte_more_is_refused(tmp_path):
    path = tmp_path / "f.txt"
    path.write_bytes(b"x" * 100)
    assert read_text_limited(path, 100, "it") == "x" * 100
    with pytest.raises(InputFileError, match="larger than 99 bytes"):
        read_text_limited(path, 99, "it")
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(InputFileError, match="is not UTF-8 text"):
        read_text_limited(path, 100, "it")
    with pytest.raises(FileNotFoundError):
        read_text_limited(tmp_path / "absent", 100, "it")


def test_json_depth_counts_brackets_outside_strings_only(tmp_path):
    assert json_depth('"[[["') == 0
    assert json_depth('{"a\\"[": [[1], {"b": "]]]"}]}') == 3
    path = tmp_path / "deep.json"
    path.write_text(DEEP_JSON)
    with pytest.raises(InputFileError) as caught:
        load_json_limited(path, 2**20, 64, "the list")
    assert str(caught.value) == f"{path}: the list nests deeper than 64 levels"
    path.write_text(json.dumps({"a": [[[{"b": "[[[[[["}]]]}))
    assert load_json_limited(path, 2**20, 5, "the list") == {"a": [[[{"b": "[[[[[["}]]]}
    path.write_text('{"a": ')
    with pytest.raises(InputFileError, match="the list is not JSON"):
        load_json_limited(path, 2**20, 5, "the list")


def test_ats_import_of_dev_zero_is_one_line(tmp_path):
    result = CliRunner().invoke(app, ["ats", "import", "/dev/zero", "--db", str(tmp_path / "t.db")])
    out = one_error_line(result)
    assert out == "error: /dev/zero: the ATS export is larger than 64 MB, the most talent reads\n"


def test_ats_import_of_a_file_over_the_limit_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setattr(ats_cli, "MAX_FILE_BYTES", 1000)
    big = tmp_path / "ats.csv"
    big.write_text("login\n" + "someone\n" * 200)
    result = CliRunner().invoke(app, ["ats", "import", str(big), "--db", str(tmp_path / "t.db")])
    assert "the ATS export is larger than 1000 bytes" in one_error_line(result)


def test_a_settings_file_too_large_or_too_deep_is_one_line(tmp_path, monkeypatch):
    settings = tmp_path / "talent.toml"
    settings.write_text("# a comment\n" * 100_000)  # 1.2 MB
    with pytest.raises(ConfigError, match="the settings file is larger than 1 MB"):
        load_settings(settings)
    settings.write_text(DEEP_TOML)
    with pytest.raises(ConfigError) as caught:
        load_settings(settings)
    assert str(caught.value) == f"{settings}: the settings file nests too deeply to be read"
    result = CliRunner().invoke(app, ["maintainers", "--config", "/dev/zero"])
    assert "the settings file is larger than 1 MB" in one_error_line(result)


def test_a_people_file_too_large_or_too_deep_is_one_line(tmp_path, monkeypatch):
    people = tmp_path / "people.toml"
    people.write_text(DEEP_TOML)
    with pytest.raises(OverrideError, match="the people file nests too deeply"):
        load_overrides(people)
    with pytest.raises(OverrideError, match="the people file is larger than 64 MB"):
        load_overrides("/dev/zero")


def test_a_truth_or_model_file_nested_too_deep_is_one_line(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text(DEEP_JSON)
    with pytest.raises(TruthError, match="the truth file nests deeper than 64 levels"):
        load_truth(path)
    with pytest.raises(InputFileError, match="the model file nests deeper than 64 levels"):
        load_model(path)


def test_the_limits_are_the_modules_constants():
    # One place for the numbers: the messages above say 1 MB and 64 MB because of these.
    assert (files.MAX_SETTINGS_BYTES, files.MAX_FILE_BYTES, files.MAX_DEPTH) == (
        2**20,
        64 * 2**20,
        64,
    )


def test_every_read_of_a_user_file_goes_through_talent_files():
    # A new read_text/read_bytes/json.load of a path in the CLI would bypass the limits.
    for path in sorted(Path(cli.__file__).parent.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert ".read_bytes()" not in text and ".read_text(" not in text, path.name


def test_a_key_file_that_never_ends_is_one_line():
    from talent.store.keys import KeyProblem, read_key

    with pytest.raises(KeyProblem) as caught:
        read_key(Path("/dev/zero"))
    assert str(caught.value) == "/dev/zero: the key file is larger than 1 MB, the most talent reads"
