"""Outreach drafts: they cite the person's work (the links behind their score), carry the
privacy notice, follow the settings' template, and put hostile titles in as text."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from talent.cli import app
from talent.config import OUTREACH_FIELDS, ConfigError, Settings, load_settings
from talent.ranking.scoring import build_ranking_base, explain, score_base
from talent.store import open_store, save_activities
from talent.views.outreach import cited_work, draft, fill_template

ROOT = Path(__file__).resolve().parents[1]
PULLS = "https://github.com/acme-ai/acme-serve/pull"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


@pytest.fixture()
def ranked(demo_store):
    settings = Settings()
    base = build_ranking_base(demo_store, settings)
    ranking = score_base(base, settings.profile("recruiter"), affiliations=())
    return demo_store, settings, base, ranking


def test_a_draft_cites_the_work_behind_the_score_and_carries_the_notice(ranked):
    engine, settings, base, ranking = ranked
    person = ranking[~ranking["is_bot"]].iloc[0]
    text = draft(engine, settings, person["person_id"], ranking, base.evidence)
    urls = [e["url"] for p in explain(ranking, base.evidence, person["person_id"])
            for e in p["evidence"] if e["url"]]  # fmt: skip
    assert urls and urls[0] in text
    assert f"Hi {person['name'].split()[0]}," in text
    assert "How we found your work, and how to be left out" in text
    assert "talent privacy optout" in text and "Article 21" in text
    assert not EMAIL.search(text)


def test_the_settings_template_is_used_and_titles_stay_text(ranked, tmp_path):
    engine, settings, base, ranking = ranked
    person = ranking[~ranking["is_bot"]].iloc[1]
    mine = replace(settings, outreach_template="Dear {name} ({areas})\n{work}\n{notice}")
    text = draft(engine, mine, person["person_id"], ranking, base.evidence)
    assert text.startswith(f"Dear {person['name']} (")
    first = explain(ranking, base.evidence, person["person_id"])[0]["evidence"][0]
    assert first["url"] in text and text.rstrip().endswith("or to correct it.")


def test_cli_outreach_and_bad_templates(demo_copy, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    engine = open_store(demo_copy)
    result = runner.invoke(app, ["rank", "--db", demo_copy, "--format", "json", "--top", "1",
                                 "--profile", "recruiter"])  # fmt: skip
    assert result.exit_code == 0, result.output
    import json

    who = json.loads(result.stdout)[0]["person_id"]
    done = runner.invoke(app, ["outreach", who, "--db", demo_copy])
    assert done.exit_code == 0, done.output
    assert "Subject:" in done.stdout and "talent privacy optout" in done.stdout
    out = tmp_path / "draft.txt"
    assert runner.invoke(app, ["outreach", who, "--db", demo_copy, "-o", str(out)]).exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("Subject:")
    for template, says in (
        ("Hi {email}\n{notice}", "unknown field {email}"),
        ("Hi {name}", "must carry {notice}"),
        ("Hi {name\n{notice}", "literal brace"),
        ("Hi {name}\n{notice:.0}", "{notice:.0}: no format specs"),
    ):
        config = tmp_path / "talent.toml"
        config.write_text(f"[outreach]\ntemplate = '''{template}'''\n", encoding="utf-8")
        bad = runner.invoke(app, ["outreach", who, "--db", demo_copy, "--config", str(config)])
        assert bad.exit_code == 1 and bad.output.count("\n") == 1, bad.output
        assert bad.output.startswith("error: ") and says in bad.output
        config.unlink()
    nobody = runner.invoke(app, ["outreach", "ghost-zz", "--db", demo_copy])
    assert nobody.exit_code == 1 and "ghost-zz" in nobody.output
    engine.dispose()


def test_hostile_titles_go_in_as_text(demo_copy):
    from talent.model import Activity, ActivityKind, Identity, IdentitySource
    from talent.store import save_identities

    engine = open_store(demo_copy)
    who = Identity(IdentitySource.GITHUB, name="Brace {Person}", login="brace", github_id=77_001)
    words = ["kernels", "tokenizer", "fused attention", "quantised matmul", "LoRA merge", "docs"]
    title = "{notice} {0} {name.__class__} <script>x</script>"
    from datetime import UTC, datetime, timedelta

    acts = [
        Activity(f"brace:{n}", "acme-ai/acme-serve", ActivityKind.PR_OPENED, who.key,
                 datetime(2026, 9, 1, tzinfo=UTC) + timedelta(days=n), item=f"x#{n}",
                 title=f"{words[n % 6]} {n}: {title}", url=f"{PULLS}/{90000 + n}")
        for n in range(30)
    ]  # fmt: skip
    save_identities(engine, [who])
    save_activities(engine, acts)
    settings = Settings()
    from talent.people.identity import update_people

    update_people(engine, settings)
    base = build_ranking_base(engine, settings)
    ranking = score_base(base, settings.profile("recruiter"), affiliations=())
    pid = ranking.loc[ranking["login"] == "brace", "person_id"].iloc[0]
    text = draft(engine, settings, pid, ranking, base.evidence)
    assert "{notice} {0} {name.__class__}" in text
    assert text.count("How we found your work") == 1
    assert "Hi Brace," in text
    engine.dispose()


def test_the_candidate_page_shows_the_draft(monkeypatch, demo_store, ranked):
    from streamlit.testing.v1 import AppTest

    _engine, _settings, _base, ranking = ranked
    monkeypatch.setenv("TALENT_DB", demo_store.url.render_as_string(False))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.switch_page("talent/ui/pages/candidate.py")
    at.query_params["person"] = ranking[~ranking["is_bot"]].iloc[0]["person_id"]
    at.run()
    assert not at.exception
    # The draft is made only once its expander is opened.
    assert not [c.value for c in at.code if "How we found your work" in c.value]
    at.session_state["outreach_open"] = True
    at.run()
    drafts = [c.value for c in at.code if "How we found your work" in c.value]
    assert len(drafts) == 1 and "Subject:" in drafts[0]


def test_a_draft_cites_what_the_explanation_cites_each_once(ranked):
    engine, settings, base, ranking = ranked
    for person in ranking[~ranking["is_bot"]].head(5).itertuples():
        text = draft(engine, settings, person.person_id, ranking, base.evidence)
        cited = cited_work(explain(ranking, base.evidence, person.person_id))
        urls = [e["url"] for e in cited]
        # The work lines, "- commit in owner/repo, “title”: url", before the notice's.
        work = [line.rsplit(": ", 1)[-1] for line in text.splitlines() if line.startswith("- ")]
        assert work[: len(urls)] == urls and len(urls) == 3
        assert len({e["key"] for e in cited}) == len(cited)


HOSTILE_TEMPLATES = [
    ("Hi {name}\n{notice:.0}", "{notice:.0}: no format specs"),  # drops the notice
    ("Hi {name}\n{notice:.12}", "{notice:.12}: no format specs"),  # truncates it
    ("{name:{name.__class__.__mro__[1].__subclasses__}} {notice}", "no format specs"),
    ("{name:>99999999} {notice}", "{name:>99999999}: no format specs"),  # MemoryError
    ("{name!r} {notice}", "{name!r}: no conversions"),
    ("{name.__class__} {notice}", "unknown field {name.__class__}"),
    ("{name[0]} {notice}", "unknown field {name[0]}"),
    ("{} {notice}", "unknown field {}"),
    ("{notice}\n{notice}", "it carries {notice} 2 times"),
]


@pytest.mark.parametrize("template, says", HOSTILE_TEMPLATES)
def test_a_template_with_more_than_plain_fields_is_refused_in_one_line(tmp_path, template, says):
    config = tmp_path / "talent.toml"
    config.write_text(f"[outreach]\ntemplate = '''{template}'''\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    message = str(caught.value)
    assert message.startswith(f"{config}: [outreach] template: ") and "\n" not in message
    assert says in message
    with pytest.raises(ValueError, match="outreach template: "):
        fill_template(template, dict.fromkeys(OUTREACH_FIELDS, "x"))


def test_a_template_is_filled_by_substitution_with_every_value_whole():
    fields = {f: f"<{f} {{notice}} {{0}} {{name.__class__}}>" for f in OUTREACH_FIELDS}
    fields["notice"] = "N" * 5000
    template = "{{literal}} {name}/{first_name}/{company}/{areas}/{work}/{recent}\n{notice}}}"
    text = fill_template(template, fields)
    assert text == (
        "{literal} " + "/".join(fields[f] for f in OUTREACH_FIELDS[:6]) + "\n" + "N" * 5000 + "}"
    )


def test_a_bad_template_given_in_settings_made_by_code_is_refused_by_draft(ranked):
    engine, settings, base, ranking = ranked
    person = ranking[~ranking["is_bot"]].iloc[1]
    mine = replace(settings, outreach_template="Dear {name}\n{notice:.0}")
    with pytest.raises(ValueError, match="no format specs"):
        draft(engine, mine, person["person_id"], ranking, base.evidence)
