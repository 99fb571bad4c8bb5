"""Candidates: the ranked table under the chosen profile, filters in the sidebar, a safe
CSV download of exactly the rows shown."""

from dataclasses import replace

import streamlit as st

from talent.people.identity import name_incomplete
from talent.ranking.scoring import CONTRIBUTIONS, SIGNAL_LABELS, rank_range_text
from talent.ui import app, data
from talent.ui.roles import can, require
from talent.ui.safe import md_escape
from talent.ui.widgets import (
    RANGE_HELP,
    add_to_list,
    filtered_ranking,
    open_person,
    page_start,
    persona_text,
    ranking_args,
    weighed_signals,
)
from talent.views.evaluate import ranking_check_text
from talent.views.export import readable_numbers, to_safe_csv

EXPORT_COLUMNS = [
    "rank",
    "rank_low",
    "rank_high",
    "person_id",
    "login",
    "login_source",
    "name",
    "profile",
    "score",
    "verdict",
    "persona",
    "rising",
    "areas",
    "languages",
    "topics",
    "affiliation",
    "affiliation_evidence",
    "bot_probability",
    "top_repos",
    "first_active",
    "last_active",
    *CONTRIBUTIONS,
    "commits",
    "active_months",
    "prs_opened",
    "prs_merged",
    "merges",
    "reviews",
    "issues_opened",
    "comments",
    "profile_url",
]


def render() -> None:
    app.ensure_routed()
    viewer = require("page:candidates")
    started = page_start("Candidates")
    if started is None:
        return
    status, filters = started
    # Rank ranges not at hand (a ranking not computed yet) take re-rankings of five
    # stretches of time: the table is drawn first without them.
    url, version, profile, repos, since, include_bots, intervals = ranking_args(status, filters)
    pending = filters.intervals and not data.ranges_at_hand(
        url, profile, repos, since, include_bots
    )
    if pending:  # their windows meanwhile, on another core
        data.ranges_ahead(url, repos, since, include_bots)
    drawn = replace(filters, intervals=False) if pending else filters
    shown = filtered_ranking(status, drawn)

    cols = st.columns(4)
    cols[0].metric("People ranked", f"{len(shown):,}")
    cols[1].metric("Rising", f"{int(shown['rising'].sum()):,}")
    pipeline = can("section:pipeline")
    if pipeline:
        cols[2].metric(
            "Shortlisted",
            f"{int((shown['verdict'] == 'shortlisted').sum()):,}",
            help="On a shortlist (any list) at a stage other than not a fit or not interested",
        )
    cols[3].metric("Activities in the database", f"{status.activities:,}")
    if checked := ranking_check_text(filters.profile):
        st.caption(checked, help="benchmarks/maintainer_model.py; see docs/learning.md")
    if st.toggle("Since my last visit", key="since_visit",
                 help="What changed in this profile's top 50 since you last marked it seen: "
                 "who is new, who rose or fell and why, who went quiet"):  # fmt: skip
        st.markdown(data.since_last_visit(status.url, viewer, filters.profile))
        if can("change:seen") and st.button(
            "Mark as seen", key="mark_seen", icon=":material/done_all:"
        ):
            data.mark_visit_seen(status.url, viewer, filters.profile)
            st.rerun()

    if shown.empty:
        if filters.skill:
            args = (url, version, repos, since, include_bots, filters.skill)
            if data.skill_matches(*args).empty:
                st.info(
                    f"Nobody's work matches **{md_escape(filters.skill)}**: "
                    f"{md_escape(data.suggest_skills(*args))}.",
                    icon=":material/search_off:",
                )
            else:
                st.info(
                    f"The work matching **{md_escape(filters.skill)}** is done by people "
                    "these filters hide: widen the affiliations, the time window or the "
                    "toggles in the sidebar.",
                    icon=":material/filter_alt_off:",
                )
        else:
            st.info(
                "No candidates match these filters. Widen the time window, clear the "
                "repository filter, the name search or the toggles in the sidebar.",
                icon=":material/filter_alt_off:",
            )
        return

    signals = weighed_signals(status, filters.profile)
    st.caption(
        f"Ranked by the **{md_escape(filters.profile)}** profile: the score adds up "
        + ", ".join(SIGNAL_LABELS[s].lower() for s in signals)
        + ". *#* is the rank among everyone scored, employees and all, so filters never "
        "renumber anyone. *Rank range*: "
        + RANGE_HELP[:1].lower()
        + RANGE_HELP[1:]
        + ". Tick rows to open a person (why they rank where they do) or to put several "
        "on a named shortlist at once."
    )
    ranked = len(data.ranking(*ranking_args(status, drawn)))
    if filters.skill:
        st.caption(
            f"Skill search **{md_escape(filters.skill)}**: only people whose own work "
            "matches, most of the matching work first. *Share of matching work*: of all "
            "the commits, pull requests and issues the words find (in titles and in the "
            "paths changed, weighed by size), how much this person did; *skill match* is "
            "that work against the first person's (0-1); *matched* lists the words found. "
            "Open a person to see their matching work."
        )
    config = _column_config(signals)
    slot = st.empty()
    if pending:
        # The ranking is drawn at once, its ranges ("…") filled in place when the
        # re-rankings they take are done.
        slot.dataframe(
            _table(shown, filters, signals, ranked, pipeline, pending=True),
            hide_index=True,
            width="stretch",
            column_config=config,
        )
        shown = filtered_ranking(status, filters)
    event = slot.dataframe(
        _table(shown, filters, signals, ranked, pipeline),
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="multi-row",
        key="candidates_table",
        column_config=config,
    )
    left, right, _ = st.columns([1, 1, 2])
    if can("download:candidates_csv"):
        columns = [c for c in EXPORT_COLUMNS if pipeline or c != "verdict"]
        with left:
            st.download_button(
                "Download CSV",
                data=to_safe_csv(readable_numbers(shown[columns])),
                file_name="talent-candidates.csv",
                mime="text/csv",
                icon=":material/download:",
                on_click=data.on_export(status.url, shown["person_id"], filters, file="candidates"),
                help="Exactly the rows shown, safe to open in a spreadsheet (no cell runs as a "
                "formula). Contains no email addresses.",
                key="download_csv",
            )
    if can("download:shortlisted_csv"):
        shortlisted = data.shortlisted_ids(url, viewer)

        def shortlist_csv() -> bytes:
            # Made when the button is clicked, not with the page: the reasons and links
            # each row cites need the evidence behind every score, built on first use.
            frame = data.shortlist(url, viewer, version, profile, repos, since, include_bots,
                                   intervals)  # fmt: skip
            return to_safe_csv(frame)

        with right:
            st.download_button(
                f"Download shortlist ({len(shortlisted)})",
                data=shortlist_csv,
                file_name="talent-shortlist.csv",
                mime="text/csv",
                icon=":material/playlist_add_check:",
                on_click=data.on_export(status.url, shortlisted, filters, file="shortlist"),
                disabled=not shortlisted,
                help="Everyone shortlisted on any list, for a hiring manager: rank, profile link, "
                "lists and stages, the latest note, score and why, links to the work behind it, "
                "areas and skills. Safe in any spreadsheet; no email addresses."
                if shortlisted
                else "Shortlist people on their Candidate page, or add them to a list, first.",
                key="download_shortlist",
            )
    rows = event.selection.rows if event is not None else []
    if rows:
        selected(status, filters, shown.iloc[rows])
    # A person's page (or the shortlist file) is the likely next click: its evidence is
    # built meanwhile, once the page is drawn.
    data.prepare_evidence(url, version, repos, since, include_bots)


def _table(shown, filters, signals: list[str], ranked: int, pipeline: bool, pending: bool = False):
    """The candidates table of ``shown``; ``pending``: its rank ranges still to come."""
    contributions = [f"contrib_{s}" for s in signals]
    return shown.assign(
        interval=["…"] * len(shown)
        if pending
        else [
            rank_range_text(lo, hi, ranked)
            for lo, hi in zip(shown["rank_low"], shown["rank_high"], strict=True)
        ],
        persona=[
            persona_text(p, r) for p, r in zip(shown["persona"], shown["rising"], strict=True)
        ],
        # No account known (git alone): an empty cell, not the grid's grey "None".
        profile_url=shown["profile_url"].fillna(""),
        name_check=[
            "name incomplete" if name_incomplete(n, lg) else ""
            for n, lg in zip(shown["name"], shown["login"], strict=True)
        ],
    )[
        [
            "rank",
            "name",
            *(["skill_match", "skill_terms"] if filters.skill else []),
            "profile_url",
            "score",
            # Where the person stands in the pipeline, in view beside the score.
            *(["verdict"] if pipeline else []),
            "interval",
            "persona",
            "affiliation",
            *(["pipeline"] if pipeline else []),
            *(["skill_share"] if filters.skill else []),
            # After the columns a recruiter reads first, which stay in view.
            "employment",
            "name_check",
            "login_source",
            "areas",
            "languages",
            *contributions,
            "top_repos",
            "last_active",
        ]
    ]


def _column_config(signals: list[str]) -> dict:
    """The candidates table's columns: titles, help, formats."""
    return {
        "rank": st.column_config.NumberColumn("#", width="small"),
        "name": st.column_config.TextColumn("Name"),
        "name_check": st.column_config.TextColumn(
            "Name check",
            help="Name incomplete: known only by one word or a generic name, with no "
            "login to reach them by",
        ),
        "skill_match": st.column_config.ProgressColumn(
            "Skill match", min_value=0.0, max_value=1.0, format="%.2f"
        ),
        "skill_share": st.column_config.NumberColumn(
            "Share of matching work",
            help="Their share of all the work the skill search finds",
            format="percent",
        ),
        "skill_terms": st.column_config.TextColumn(
            "Matched", help="The words of the skill search found in the person's work"
        ),
        "profile_url": st.column_config.LinkColumn(
            "Profile",
            help="GitHub, or the Hugging Face Hub for people known only there",
            display_text=r"https://(?:github\.com|huggingface\.co)/(.*)",
        ),
        "login_source": st.column_config.TextColumn(
            "Handle from",
            help="Where the login comes from: the GitHub API, a noreply address, merged "
            "pull-request branches, an owner file, the Hub",
        ),
        "score": st.column_config.ProgressColumn(
            "Score", min_value=0.0, max_value=1.0, format="%.3f"
        ),
        "interval": st.column_config.TextColumn("Rank range", help=RANGE_HELP),
        "persona": st.column_config.TextColumn(
            "Persona",
            help="How the person contributes; ↑ rising: not named by an owner file, and "
            "among the ten a learned model finds most likely to be named within a year",
        ),
        "verdict": st.column_config.TextColumn(
            "Verdict",
            help="shortlisted: on a shortlist and in the running; rejected: not a fit "
            "(the lists and stages are under In pipeline)",
        ),
        "pipeline": st.column_config.TextColumn(
            "In pipeline",
            help="In ATS (your applicant tracking system, imported on Shortlists), and the "
            "shortlists this person is on, with their stage",
        ),
        "affiliation": st.column_config.TextColumn("Affiliation"),
        "employment": st.column_config.TextColumn(
            "Employment",
            help="Employee from the first to the last work with the company's address or "
            "membership, plus the grace period; a former employee after it",
        ),
        "areas": st.column_config.TextColumn("Areas"),
        "languages": st.column_config.TextColumn("Languages"),
        **{
            f"contrib_{s}": st.column_config.NumberColumn(
                SIGNAL_LABELS[s], format="%.3f", help="Contribution to the score"
            )
            for s in signals
        },
        "top_repos": st.column_config.TextColumn("Top repositories"),
        "last_active": st.column_config.DateColumn("Last active", format="YYYY-MM-DD"),
    }


def selected(status, filters, chosen) -> None:
    """What can be done with the ticked rows: open one person, or put them all on a
    named shortlist with a note."""
    st.subheader(f"Selected: {len(chosen)}", anchor=False)
    names = ", ".join(md_escape(n) for n in chosen["name"].head(5))
    st.caption(names + (f" and {len(chosen) - 5} more" if len(chosen) > 5 else ""))
    if len(chosen) == 1:
        person = chosen.iloc[0]
        if st.button(f"Open {md_escape(person['name'])}", key="open_person", type="primary",
                     icon=":material/person:"):  # fmt: skip
            open_person(filters, person["person_id"])
    if can("change:shortlist"):
        add_to_list(status, chosen["person_id"].tolist(), "candidates", with_note=True)


render()
