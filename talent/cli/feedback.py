"""talent feedback: quick verdicts on the default shortlist, their export, and a
profile learned from them."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from talent.cli.common import (
    CliError,
    ConfigOption,
    DbOption,
    ExportFormat,
    FormatOption,
    OutputFormat,
    WhoArgument,
    _find_person,
    _load,
    _OneLineErrors,
    _open_existing,
    _plain,
    _record,
    _text,
    _write_export,
)
from talent.people.identity import ensure_people
from talent.ranking.scoring import (
    INTERVAL_WINDOWS,
    SIGNAL_LABELS,
    SIGNALS,
    FeedbackError,
    learn_profile,
    load_ranking_profile,
    rank_store,
    save_ranking_profile,
)
from talent.store import DEFAULT_SHORTLIST, VERDICT_STAGES, load_entries, load_people
from talent.views.export import shortlist_frame, to_json, to_records, to_safe_csv

feedback_app = typer.Typer(
    cls=_OneLineErrors,
    rich_markup_mode=None,
    help="Quick verdicts, kept as stages on the default shortlist ('Shortlist': "
    "shortlisted or not a fit), the people shortlisted on any list, and learning a "
    "profile's weights from the stages.",
    no_args_is_help=True,
)


def _verdict(who: list[str], db: str | None, config: str | None, label: str, note: str) -> None:
    """The quick verdicts: a stage on the default shortlist (``talent shortlist`` with
    the list's name does the same and more)."""
    from talent.views.pipeline import current_user, record_verdict

    settings = _load(db, config)
    engine = _open_existing(settings)
    ensure_people(engine, settings)
    person_ids = [_find_person(engine, w) for w in who]  # all found before any is written
    on_list = set(load_entries(engine, DEFAULT_SHORTLIST)["person_id"])
    if not label:
        cleared = [p for p in dict.fromkeys(person_ids) if p in on_list]
        for person_id in cleared:
            record_verdict(engine, person_id, None, who=current_user())
        typer.echo(f"{len(cleared)} taken off {DEFAULT_SHORTLIST!r}.")
        return
    for person_id in dict.fromkeys(person_ids):
        record_verdict(engine, person_id, label, note, current_user())
    people = "person" if len(set(person_ids)) == 1 else "people"
    typer.echo(
        f"{len(set(person_ids))} {people} at stage {VERDICT_STAGES[label]!r} on "
        f"{DEFAULT_SHORTLIST!r}."
    )


@feedback_app.command("shortlist")
def feedback_shortlist(
    who: WhoArgument,
    note: Annotated[str, typer.Option(help="Why (a note on the entry).")] = "",
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Put people on the default shortlist at stage 'shortlisted' (a good fit)."""
    _verdict(who, db, config, "shortlisted", note)


@feedback_app.command("reject")
def feedback_reject(
    who: WhoArgument,
    note: Annotated[str, typer.Option(help="Why (a note on the entry).")] = "",
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Move people to 'not a fit' on the default shortlist."""
    _verdict(who, db, config, "rejected", note)


@feedback_app.command("clear")
def feedback_clear(who: WhoArgument, db: DbOption = None, config: ConfigOption = None) -> None:
    """Take people off the default shortlist (their history stays)."""
    _verdict(who, db, config, "", "")


@feedback_app.command("list")
def feedback_list(
    db: DbOption = None,
    config: ConfigOption = None,
    format: FormatOption = OutputFormat.table,
) -> None:
    """Everyone on a shortlist, newest change first: shortlisted (in the running on a
    list), rejected (not a fit) or not interested, with their lists and stages."""
    from talent.views.pipeline import pipeline_verdicts

    settings = _load(db, config)
    engine = _open_existing(settings)
    verdicts = pipeline_verdicts(engine).merge(  # inner: nobody who opted out since
        load_people(engine)[["person_id", "login", "name"]], on="person_id", how="inner"
    )
    verdicts = verdicts.sort_values("noted_at", ascending=False)[
        ["person_id", "login", "name", "label", "lists", "note", "noted_at"]
    ]
    if format == OutputFormat.json:
        typer.echo(to_json(to_records(verdicts)))
    elif format == OutputFormat.csv:
        typer.echo(to_safe_csv(verdicts).decode("utf-8").lstrip("\ufeff"), nl=False)
    elif verdicts.empty:
        typer.echo(
            "No verdicts yet: talent feedback shortlist LOGIN / talent feedback reject LOGIN"
        )
    else:
        shortlisted = int((verdicts["label"] == "shortlisted").sum())
        table = Table(
            title=f"{len(verdicts)} on shortlists, {shortlisted} shortlisted", title_justify="left"
        )
        for col in ("login", "name", "label", "lists", "note", "noted at"):
            table.add_column(col)
        for row in verdicts.itertuples(index=False):
            table.add_row(
                _plain(_text(row.login)),
                _plain(_text(row.name)),
                row.label,
                _plain(row.lists),
                _plain(row.note),
                f"{row.noted_at:%Y-%m-%d %H:%M}",
            )
        Console().print(table)


class VerdictChoice(StrEnum):
    shortlisted = "shortlisted"
    rejected = "rejected"
    all = "all"


@feedback_app.command("export")
def feedback_export(
    label: Annotated[
        VerdictChoice, typer.Option("--label", help="Whose verdicts to export.")
    ] = VerdictChoice.shortlisted,
    profile: Annotated[
        str, typer.Option(help="The profile whose rank, score and reasons to give.")
    ] = "recruiter",
    format: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="CSV (safe in any spreadsheet) or JSON.")
    ] = ExportFormat.csv,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", metavar="FILE", help="Write here instead of standard output."
        ),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Everyone shortlisted on any list, for a hiring manager: rank, name, profile link,
    lists and stages, the latest note and change, score and why, links to the work
    behind it, areas and skills (one list: talent shortlist export NAME).

    CSV opens safely in any spreadsheet (no cell runs as a formula); no e-mail address
    is exported.
    """
    from talent.ranking.scoring import build_ranking_base, score_base

    settings = _load(db, config)
    engine = _open_existing(settings)
    chosen = load_ranking_profile(engine, settings, profile)
    from talent.views.pipeline import pipeline_verdicts

    verdicts = pipeline_verdicts(engine)
    labels = ("shortlisted", "rejected") if label == VerdictChoice.all else (str(label),)
    if not verdicts["label"].isin(labels).any():
        raise CliError(
            f"no {' or '.join(labels)} people yet: talent feedback shortlist LOGIN --note '...'"
        )
    base = build_ranking_base(engine, settings)
    ranking = score_base(base, chosen, affiliations=(), interval_windows=INTERVAL_WINDOWS)
    frame = shortlist_frame(
        ranking, verdicts, base.evidence, labels=labels, people=load_people(engine)
    )
    _record(engine, settings, "export", frame["person_id"], export="feedback",
            label=str(label), profile=profile, format=str(format))  # fmt: skip
    _write_export(frame, format, output)


@feedback_app.command("learn")
def feedback_learn(
    profile: Annotated[str, typer.Option(help="The profile to re-weight.")] = "recruiter",
    save: Annotated[
        str | None,
        typer.Option(
            help="Keep the new weights in the database as a profile of this name, for "
            "`talent rank --profile NAME` and the app.",
            show_default=False,
        ),
    ] = None,
    test_size: Annotated[
        float,
        typer.Option(min=0.1, max=0.9, help="Share of the verdicts held back to measure."),
    ] = 0.3,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Learn which signals tell shortlisted from rejected people (logistic regression),
    re-weight the profile, and report the effect on held-back verdicts. Learns from
    shortlist stages: interviewing, offer, hired on any list are right, else not a fit
    is wrong, else 'shortlisted' (the quick verdict) is right."""
    from talent.views.pipeline import learning_feedback

    settings = _load(db, config)
    if save in {p.name for p in settings.profiles}:
        raise CliError(f"--save: {save!r} is a profile of the settings; choose another name")
    engine = _open_existing(settings)
    base = load_ranking_profile(engine, settings, profile)
    ranking = rank_store(engine, settings, profile=base, affiliations=())
    try:
        report = learn_profile(
            ranking, learning_feedback(engine), base, name=save, test_size=test_size
        )
    except FeedbackError as exc:
        raise CliError(str(exc)) from None
    console = Console()
    table = Table(title=f"Weights of {base.name!r}, before and after", title_justify="left")
    for col in ("signal", "before", "after", "coefficient"):
        table.add_column(col, justify="left" if col == "signal" else "right")
    old, new = base.as_dict(), report.profile.as_dict()
    for signal in SIGNALS:
        if old.get(signal) or new.get(signal):
            table.add_row(
                SIGNAL_LABELS[signal],
                f"{old.get(signal, 0.0):.3f}",
                f"{new.get(signal, 0.0):.3f}",
                f"{report.coefficients[signal]:+.2f}",
            )
    console.print(table)
    console.print(
        f"Held-back verdicts ({report.n_test}; learned from {report.n_train}): ROC AUC "
        f"{report.auc_before:.3f} before, {report.auc_after:.3f} after."
        + (
            " With so few held back, take it as a rough guide; more verdicts make it firmer."
            if report.n_test < 20
            else ""
        ),
        highlight=False,
    )
    if save:
        save_ranking_profile(engine, report.profile)
        console.print(f"Saved as profile {save!r}: talent rank --profile {_plain(save)}")
