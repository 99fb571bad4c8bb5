"""Areas, languages, topics and skill search on hand-made work."""

from __future__ import annotations

import pandas as pd
import pytest

from talent.ranking.skills import DEFAULT_AREA_RULES, area_of, build_skills, language_of


@pytest.mark.parametrize(
    ("path", "area"),
    [
        (".github/workflows/ci.yml", "ci"),
        ("docs/source/quickstart.rst", "docs"),
        ("README.md", "docs"),
        ("csrc/gemm/int4_gemm.cu", "kernels and cuda"),  # kernels before quantisation
        ("python/quantization/awq.py", "quantisation"),
        ("src/tokenizers/bpe.rs", "tokenizer"),
        ("acme_train/distributed/fsdp.py", "distributed"),
        ("serving/batching.py", "inference and serving"),
        ("eval/mmlu.py", "evaluation"),
        ("rlhf/reward_model.py", "training"),
        ("data/loader.py", "data"),
        ("tests/test_model.py", "tests"),
        ("setup.py", None),
    ],
)
def test_default_areas(path, area):
    assert area_of(path) == area


def test_area_rules_are_data():
    rules = [("robotics", r"(^|/)robot"), *DEFAULT_AREA_RULES]
    assert area_of("robot/arm.py", rules) == "robotics"


def test_languages():
    assert [language_of(p) for p in ["k.cu", "m.py", "t.ts", "x.unknown", "Makefile"]] == [
        "CUDA",
        "Python",
        "TypeScript",
        None,
        None,
    ]


CHANGES = pd.DataFrame(
    {
        "path": ["acme/r:csrc/attn.cu", "acme/r:csrc/attn.cu", "acme/r:python/ops.py",
                 "acme/r:docs/guide.md", "acme/r:docs/faq.md"],
        "person": ["ada", "ada", "ada", "bob", "bob"],
        "lines": [300, 100, 20, None, 5],
    }
)  # fmt: skip
ACTS = pd.DataFrame(
    {
        "person": ["ada", "ada", "bob", "bob", "cy"],
        "title": ["Fused attention kernel", "Speed up flash attention", "Docs for install",
                  "Fix typo in docs", "RLHF reward model loss"],
    }
)  # fmt: skip


def test_build_skills():
    skills = build_skills(CHANGES, ACTS)
    assert list(skills.index) == ["ada", "bob", "cy"]
    # ada: 400 lines of CUDA kernels, 20 of Python (ops.py has no area).
    assert skills.loc["ada", "areas"] == "kernels and cuda"
    assert skills.loc["ada", "languages"] == "CUDA, Python"
    assert skills.loc["bob", "areas"] == "docs" and skills.loc["bob", "languages"] == ""
    assert skills.loc["cy", "areas"] == ""
    assert "attention" in skills.loc["ada", "topics"].split(", ")
    assert "rlhf" in skills.loc["cy", "topics"].split(", ")


def test_rank_skill_search_end_to_end(tmp_path):
    from typer.testing import CliRunner

    from talent.cli import app

    db = str(tmp_path / "demo.db")
    runner = CliRunner()
    assert runner.invoke(app, ["demo", "--db", db, "--size", "small"]).exit_code == 0
    result = runner.invoke(
        app, ["rank", "--db", db, "--skill", "cuda kernels", "--top", "5", "--format", "json"]
    )
    import json

    rows = json.loads(result.stdout)
    assert rows, result.output
    matches = [r["skill_match"] for r in rows]
    assert matches == sorted(matches, reverse=True)
    assert all(
        "kernels and cuda" in r["areas"] or "cuda" in r["topics"] or "CUDA" in r["languages"]
        for r in rows
    )
    # Nothing found is an answer, not bad input: exit 0 with what to try instead.
    empty = runner.invoke(app, ["rank", "--db", db, "--skill", "kernals"])
    assert empty.exit_code == 0
    (line,) = [x for x in empty.stdout.splitlines() if "Nobody's work matches" in x]
    assert "did you mean kernel" in line and "one of these areas: " in line
