"""benchmarks/app_speed.py on a small demo world: it runs the app and `talent rank` and
reports every time as a positive number of seconds (no thresholds: times depend on the
machine)."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import streamlit as st

BENCHMARK = Path(__file__).resolve().parents[1] / "benchmarks" / "app_speed.py"
KEYS = (
    "cold_s",
    "warm_s",
    "switch_s",
    "candidate_s",
    "rank_cli_s",
    "first_candidate_s",
    "next_candidate_s",
    "maintainers_cli_s",
    "export_cli_s",
    "rank_cli_again_s",
)


def _benchmark():
    spec = importlib.util.spec_from_file_location("app_speed", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_app_speed_json_has_every_time(tmp_path, monkeypatch, capsys):
    bench = _benchmark()
    url = bench.make_demo_db(str(tmp_path), size="small", seed=3)
    monkeypatch.setenv("TALENT_DB", url)  # restored afterwards (the benchmark sets it)
    try:
        result = bench.main(["--db", url, "--json"])
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    for key in KEYS:
        assert isinstance(last[key], float) and math.isfinite(last[key]) and last[key] > 0, key
        assert last[key] == round(result[key], 4)
    assert last["switch_over_cold"] == round(result["switch_s"] / result["cold_s"], 4)
    assert last["cold_over_rank_cli"] == round(result["cold_s"] / result["rank_cli_s"], 4)
