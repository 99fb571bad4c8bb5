"""talent evaluate and talent model train: the rankings scored against known
maintainers, and the maintainer model learned from owner files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from talent.cli.common import (
    CliError,
    ConfigOption,
    DbOption,
    FormatOption,
    OutputFormat,
    _check_repos,
    _load,
    _OneLineErrors,
    _open_existing,
)
from talent.config import BUILTIN_PROFILES, Settings
from talent.ranking.learning import MODEL_TARGET
from talent.ranking.scoring import (
    DEFAULT_PROFILE,
    build_ranking_base,
    load_ranking_profile,
    score_base,
)
from talent.store import count_rows, load_identities, load_identity_links, load_people, load_repos
from talent.views.evaluate import (
    SCOPES,
    TruthError,
    evaluate_owner_files,
    evaluate_store,
    load_truth,
    match_maintainers,
    split_rate,
)
from talent.views.export import to_records, to_safe_csv


def evaluate(
    truth: Annotated[
        Path | None,
        typer.Option(
            "--truth",
            metavar="FILE",
            help='Ground-truth JSON: {"repo": "OWNER/NAME", "maintainers": [{"login": '
            '..., "current": true, "identities": [{"name": ..., "email": ...}]}]} '
            "(see docs/evaluation.md).",
            show_default=False,
        ),
    ] = None,
    from_owner_files: Annotated[
        bool,
        typer.Option(
            "--from-owner-files",
            help="No truth file: judge each mined repository by the people its own "
            "CODEOWNERS/OWNERS/MAINTAINERS files name (ever, and at the mined head), and "
            "compare every built-in profile and the chosen one with commit count.",
        ),
    ] = False,
    repo: Annotated[
        list[str] | None,
        typer.Option(
            metavar="OWNER/REPO", help="With --from-owner-files: only this repository; repeatable."
        ),
    ] = None,
    profile: Annotated[
        str,
        typer.Option(
            help="The profile judged first, beside every other built-in profile and commit count."
        ),
    ] = DEFAULT_PROFILE,
    db: DbOption = None,
    config: ConfigOption = None,
    format: FormatOption = OutputFormat.table,
) -> None:
    """Score the rankings against known maintainers, beside plain commit count.

    Prints precision@10, recall@50 and NDCG@20 for maintainers ever listed and for
    current ones, for the chosen profile, every other built-in profile and commit count.
    A maintainer counts once: a second row of the same person is a miss. The
    maintainers come from a truth file (--truth) or from the mined repositories' own
    owner files (--from-owner-files).
    """
    if (truth is None) == (not from_owner_files):
        raise CliError("give either --truth FILE or --from-owner-files (see --help)")
    settings = _load(db, config)
    if from_owner_files:
        _evaluate_owner_files(settings, repo, profile, format)
        return
    if repo:
        raise CliError("--repo goes with --from-owner-files; a truth file names its repository")
    assert truth is not None  # the check above: no --from-owner-files, so --truth
    try:
        known = load_truth(truth)
    except TruthError as exc:
        raise CliError(str(exc)) from None
    engine = _open_existing(settings)
    if count_rows(engine, "activities") == 0:
        raise CliError("the database holds no activity yet; mine the repository first")
    stored = set(load_repos(engine)["full_name"])
    repos = [known.repo] if known.repo in stored else None
    # The chosen profile first, then every other built-in one, all on the same acts and
    # everyone shown (a maintainer may be anyone, employees too).
    names = dict.fromkeys([profile, *(p.name for p in BUILTIN_PROFILES)])
    base = build_ranking_base(engine, settings, repos)
    rankings = {
        name: score_base(base, load_ranking_profile(engine, settings, name), affiliations=())
        for name in names
    }
    ranking = rankings[profile]
    parts: list[pd.DataFrame] = []
    for name, ranked in rankings.items():
        rows = evaluate_store(engine, known, ranked, repos=repos)
        if parts:  # commit count once, after the chosen profile
            rows = rows[rows["method"] == "talent"]
        parts.append(rows.replace({"method": {"talent": name}}))
    first, *others = parts
    result = pd.concat(
        [first[first["method"] == profile], *others, first[first["method"] != profile]],
        ignore_index=True,
    )
    maintainers = match_maintainers(
        known, load_identities(engine), load_identity_links(engine), load_people(engine)
    )
    splits, considered = split_rate(ranking["person_id"].tolist(), maintainers)
    if format == OutputFormat.json:
        payload = {
            "repo": known.repo,
            "metrics": to_records(result),
            "splits_in_top_50": splits,
            "rows_considered": considered,
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    if format == OutputFormat.csv:
        typer.echo(to_safe_csv(result).decode("utf-8").lstrip("\ufeff"), nl=False)
        return
    console = Console()
    scope_note = "" if repos else " (repository not in the database by that name: all data)"
    table = Table(title=f"{known.repo}{scope_note}", title_justify="left")
    for col in ("method", "maintainers", "precision@10", "recall@50", "NDCG@20", "findable"):
        table.add_column(col, justify="left" if col in ("method", "maintainers") else "right")
    for row in result.itertuples(index=False):
        table.add_row(
            row.method,
            row.scope,
            f"{row.precision_at_10:.2f}",
            f"{row.recall_at_50:.2f}",
            f"{row.ndcg_at_20:.3f}",
            str(row.findable),
        )
    console.print(table)
    console.print(f"Second rows of a maintainer ranked higher, in the top {considered}: {splits}")


def _evaluate_owner_files(
    settings: Settings, repos: list[str] | None, profile: str, format: OutputFormat
) -> None:
    """``talent evaluate --from-owner-files``: a row per repository and method, then the
    means over repositories."""
    engine = _open_existing(settings)
    if count_rows(engine, "activities") == 0:
        raise CliError("the database holds no activity yet; mine the repository first")
    _check_repos(engine, repos)
    names = dict.fromkeys([profile, *(p.name for p in BUILTIN_PROFILES)])
    profiles = [load_ranking_profile(engine, settings, name) for name in names]
    with Console(stderr=True).status("Ranking each repository by each profile..."):
        result = evaluate_owner_files(engine, settings, profiles, repos)
    if result.empty:
        raise CliError(
            "no mined repository's owner files (CODEOWNERS, OWNERS, MAINTAINERS) name anyone "
            "who committed; mine with `talent mine git` a repository that has them"
        )
    if format == OutputFormat.json:
        typer.echo(json.dumps({"metrics": to_records(result)}, indent=2))
        return
    if format == OutputFormat.csv:
        typer.echo(to_safe_csv(result).decode("utf-8").lstrip("\ufeff"), nl=False)
        return
    wide = result.pivot_table(
        index=["repo", "method"],
        columns="scope",
        values=["ndcg_at_20", "precision_at_10", "findable", "named_logins"],
        sort=False,
    )
    methods = list(result["method"].unique())
    console = Console()
    table = Table(
        title="Judged by the repositories' own owner files (named ever / named now)",
        title_justify="left",
    )
    for col in ("repository", "method", "NDCG@20", "P@10", "named (matched)"):
        left = col in ("repository", "method")
        table.add_column(
            col,
            justify="left" if left else "right",
            no_wrap=col != "repository",
            overflow="fold",
        )

    def cells(row: pd.Series) -> list[str]:
        return [
            " / ".join("-" if pd.isna(row[(m, s)]) else f"{row[(m, s)]:{f}}" for s in SCOPES)
            for m, f in (("ndcg_at_20", ".3f"), ("precision_at_10", ".2f"))
        ]

    shown = None
    for (name, method), row in wide.iterrows():
        named = " / ".join(
            f"{int(row[('named_logins', s)])} ({int(row[('findable', s)])})" for s in SCOPES
        )
        table.add_row("" if name == shown else name, method, *cells(row), named)
        shown = name
    if result["repo"].nunique() > 1:
        means = wide.groupby(level="method", sort=False).mean().reindex(methods)
        for method, row in means.iterrows():
            table.add_row("mean", str(method), *cells(row), "", style="bold")
    console.print(table)
    console.print(
        "A named login counts only when identity resolution matched it to someone who "
        "committed; maintainers it did not match count against every ranking that puts them "
        "high. Mine GitHub too (talent mine github) to match more."
    )


model_app = typer.Typer(
    cls=_OneLineErrors,
    rich_markup_mode=None,
    help="The maintainer model: learn it from the owner files of mined repositories.",
    no_args_is_help=True,
)


@model_app.command("train")
def model_train(
    stores: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[DB]...",
            help="Databases to learn from, each a file path or SQLAlchemy URL (default: "
            "--db). Every repository in them counts once.",
            show_default=False,
        ),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
    out: Annotated[
        Path, typer.Option("--out", "-o", metavar="FILE", help="Where to write the model.")
    ] = Path("maintainer_model.json"),
    target: Annotated[
        str,
        typer.Option(
            help="Learn who was ever named in the owner files ('ever') or who is named "
            "at the head ('now', as the shipped model)."
        ),
    ] = MODEL_TARGET,
    folds: Annotated[
        int,
        typer.Option(
            min=0,
            help="Also score it by cross-validation over this many groups of repositories "
            "(0: no check; needs at least this many repositories that name someone).",
        ),
    ] = 5,
) -> None:
    """Learn the maintainer model from who the mined repositories' owner files name.

    Labels are the people CODEOWNERS, OWNERS and MAINTAINERS files named (talent mine
    git reads every version), matched to people by identity resolution. The model is
    one rising curve per signal; its file is small JSON. To rank with it, add to the
    settings file:

        [profiles.ours]
        based_on = "learned"
        model = "maintainer_model.json"
    """
    from talent.config import resolve_db_url
    from talent.ranking.learning import (
        FIT,
        MODEL_SIGNALS,
        cross_validate,
        fit_model,
        ndcg_at,
        ranked,
    )
    from talent.ranking.training import person_table

    if target not in ("ever", "now"):
        raise CliError("--target is 'ever' or 'now'")
    settings = _load(db, config)
    urls = [resolve_db_url(s) for s in stores] if stores else [settings.db_url]
    tables: dict[str, pd.DataFrame] = {}
    console = Console(stderr=True)
    for url in urls:
        store_settings = _load(url, config)
        engine = _open_existing(store_settings)
        names = load_repos(engine)["full_name"].tolist()
        with console.status(f"Reading {len(names)} repositories from {url}..."):
            for repo in names:
                table = person_table(engine, store_settings, repos=[repo])
                if not table.empty:
                    tables[f"{url} {repo}" if len(urls) > 1 else repo] = table
        engine.dispose()
    label = f"named_{target}"
    named = {r: t for r, t in tables.items() if t[label].any()}
    if not named:
        raise CliError(
            "no mined repository's owner files name anyone its history knows: mine "
            "repositories with CODEOWNERS, OWNERS or MAINTAINERS files (talent mine git)"
        )
    model = fit_model(named, MODEL_SIGNALS, label, **FIT)
    out.write_text(model.to_json() + "\n")
    people = sum(int(t[label].sum()) for t in named.values())
    typer.echo(
        f"learned from {len(named)} repositories ({people} people named, "
        f"{sum(len(t) for t in named.values())} in all); wrote {out}"
    )
    if folds >= 2 and len(named) >= folds:

        def judge(repo, scores):
            relevant = set(named[repo].index[named[repo][label]])
            for method, score in scores.items():
                order = ranked(score[score > 0] if method == "commit count" else score)
                yield {"method": method, "ndcg20": ndcg_at(order, relevant, 20)}

        rows = cross_validate(named, MODEL_SIGNALS, judge, folds, label, **FIT)
        means = rows.groupby("method")["ndcg20"].mean()
        typer.echo(
            f"held-out NDCG@20 over {folds} groups of repositories (who the owner files "
            f"name): learned {means['learned']:.3f}, maintainer profile "
            f"{means['maintainer']:.3f}, commit count {means['commit count']:.3f}"
        )
    elif folds >= 2:
        typer.echo(f"(no cross-validation: fewer than {folds} repositories name anyone)")
