"""Candidate: one person's score under the chosen profile, the evidence behind it, who
they are, where they stand on the shortlists (the quick "Shortlist" and "Not a fit" set
their stage on the default list), their activity and rank over time."""

from urllib.parse import quote

import altair as alt
import pandas as pd
import streamlit as st

from talent.model import ACCOUNT_URLS
from talent.people.identity import name_incomplete
from talent.ranking.features import FEATURE_DOCS
from talent.ranking.rising import load_rising_model
from talent.ranking.scoring import SIGNAL_LABELS, rank_range_text
from talent.store import DEFAULT_SHORTLIST, VERDICT_STAGES
from talent.ui import app, data
from talent.ui.roles import can, current_viewer, require
from talent.ui.safe import md_escape, md_link
from talent.ui.widgets import (
    add_to_list,
    filtered_ranking,
    interval_meaning,
    page_start,
    persona_text,
    ranking_args,
    weighed_signals,
)
from talent.views.network import segments

VERDICT_BUTTONS = {"shortlisted": "Shortlist", "rejected": "Not a fit"}
PLATFORMS = {"github": "GitHub", "hf": "the Hugging Face Hub"}


def render() -> None:
    app.ensure_routed()
    require("page:candidate")
    started = page_start("Candidate")
    if started is None:
        return
    status, filters = started
    ranking = filtered_ranking(status, filters)
    if ranking.empty:
        st.info("Nobody matches the filters in the sidebar.", icon=":material/filter_alt_off:")
        return

    ids = ranking["person_id"].tolist()
    # The URL says whom to show (a clicked row, a shared link); else the last one seen.
    wanted = st.query_params.get("person") or st.session_state.get("person_id")
    if wanted and wanted not in ids:
        st.warning(
            "The person in the link is not among the people the sidebar's filters show; "
            "showing the first of those instead. Widen the filters to see them.",
            icon=":material/filter_alt_off:",
        )
    labels = {
        row.person_id: f"#{row.rank} {row.name}"
        + (f" (@{row.login})" if isinstance(row.login, str) and row.login else "")
        for row in ranking.itertuples(index=False)
    }
    # A person the URL brings (not the one this page last wrote there) is selected.
    if wanted in ids and st.query_params.get("person") != st.session_state.get("_person_url"):
        st.session_state["candidate_select"] = wanted
    person_id = st.selectbox(
        "Person",
        ids,
        format_func=labels.__getitem__,
        key="candidate_select",
    )
    st.session_state["person_id"] = person_id
    st.session_state["_person_url"] = person_id
    if st.query_params.get("person") != person_id:
        st.query_params["person"] = person_id
    person = ranking.set_index("person_id").loc[person_id]
    data.record_once(status.url, person_id, filters)
    args = ranking_args(status, filters)

    st.header(md_escape(person["name"]), anchor=False)
    identities = data.person_identities(status.url, status.version, person_id)
    # The login shown everywhere first, with where it came from (a noreply address, merge
    # branches, an owner file): how to reach someone git alone names; then other accounts.
    login = person["login"] if isinstance(person["login"], str) and person["login"] else ""
    source = person.get("login_source") or ""
    accounts = []
    if login:
        accounts.append(
            f"{md_link('@' + login, person['profile_url'])}"
            + (f" ({md_escape(source)})" if source else "")
        )
    accounts += [
        f"{md_link('@' + other, ACCOUNT_URLS[platform].format(login=other))} on "
        f"{PLATFORMS.get(platform, platform)}"
        for platform, other in identities[["source", "login"]]
        .drop_duplicates()
        .itertuples(index=False)
        if other and platform in ACCOUNT_URLS and other.lower() != login.lower()
    ]
    if accounts:
        st.markdown(" · ".join(accounts))
    if name_incomplete(person["name"], person["login"]):
        st.warning(
            f"**Name incomplete**: known only as *{md_escape(person['name'])}*, with no "
            "login to reach them by. A one-word name is never enough to join identities "
            "on its own; the identities merged into this person are listed under *Who "
            "this is*, and `talent people suggestions` offers who they may also be.",
            icon=":material/badge:",
        )
    ranked = len(data.ranking(*args))
    cols = st.columns(4)
    cols[0].metric("Rank", f"#{person['rank']}")
    cols[1].metric("Score", f"{person['score']:.3f}")
    cols[2].metric("Rank range", rank_range_text(person["rank_low"], person["rank_high"], ranked))
    cols[3].metric("Last active", f"{person['last_active']:%Y-%m-%d}")
    st.caption(interval_meaning(person["rank_low"], person["rank_high"], ranked))
    affiliation = str(person["employment"]) + (" bot" if person["is_bot"] else "")
    st.markdown(
        f"**{md_escape(persona_text(person['persona'], bool(person['rising'])))}** · "
        f"{md_escape(affiliation)}"
    )
    report = data.audit(*args, person_id)
    stewardship(report)
    if filters.skill:
        matching_work(filters.skill, person)

    # The recruiting sections, for those who recruit (a maintainer sees the rest).
    if can("section:pipeline"):
        pipeline(status, person_id)
    if can("section:outreach"):
        outreach(status, filters, person_id)

    profile = data.profile(status.url, filters.profile)
    signals = weighed_signals(status, filters.profile)
    st.subheader("Why this score", anchor=False)
    st.markdown(
        f"Profile **{md_escape(profile.name)}**"
        + (f": {md_escape(profile.description)}." if profile.description else ".")
        + " Each signal is scaled to 0-1 and weighed; the contributions add up to the score."
    )
    breakdown = pd.DataFrame(
        {
            "signal": [SIGNAL_LABELS[s] for s in signals],
            "contribution": [float(person[f"contrib_{s}"]) for s in signals],
        }
    )
    st.bar_chart(
        breakdown,
        x="signal",
        y="contribution",
        horizontal=True,
        sort="-contribution",
        height=60 + 28 * len(signals),
    )
    contributions(data.explanation(*args, person_id))
    numeric = [c for c in FEATURE_DOCS if c not in ("first_active", "last_active", "top_repos")]
    facts = pd.DataFrame(
        {
            "measure": numeric + ["pagerank"],
            "value": [round(float(person[c]), 4) for c in numeric + ["pagerank"]],
            "meaning": [FEATURE_DOCS[c] for c in numeric] + ["PageRank in the collaboration graph"],
        }
    )
    with st.expander("All measures"):
        st.dataframe(facts, hide_index=True, key="facts")
    with st.expander("Show the acts behind the counts"):
        counted = report.counts[(report.counts["value"] != 0) | (report.counts["acts"] != 0)]
        st.caption(
            f"{len(report.acts):,} acts in this ranking's repositories and time window; "
            "each count below is the number of acts of its kinds, listed after it."
        )
        st.dataframe(
            counted[["measure", "value", "acts", "kinds"]].rename(columns={"measure": "count"}),
            hide_index=True,
            key="audit_counts",
        )
        st.dataframe(
            report.acts.rename(columns={"occurred_at": "when"}),
            hide_index=True,
            width="stretch",
            key="audit_acts",
            column_config={
                "when": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD"),
                "url": st.column_config.LinkColumn("Link", display_text="open"),
                "counts_for": "Counts towards",
            },
        )

    st.subheader("Who this is", anchor=False)
    works_on = "; ".join(
        f"{label}: {md_escape(person[col])}"
        for label, col in (("areas", "areas"), ("languages", "languages"), ("topics", "topics"))
        if person[col]
    )
    st.markdown(f"Works on {works_on}." if works_on else "No skills recognised in their work.")
    st.markdown(
        f"Persona: **{md_escape(person['persona'])}** (people are clustered by how "
        "they contribute: maintainer, reviewer, builder, helper, drive-by)."
    )
    if person["rising"]:
        url, version, _profile, repos, since, bots, _intervals = ranking_args(status, filters)
        reasons = data.rising_reasons(url, version, repos, since, bots, person_id)
        where = "; ".join(
            f"{md_escape(r.repo)}: #{r.rank} of those not yet named, "
            f"{r.probability:.0%} ({md_escape(r.evidence)})"
            for r in reasons.itertuples(index=False)
        )
        held_out = load_rising_model().info.get("held_out", {}).get("marks", {})
        check = (
            f" On projects it was not fitted on, {held_out['precision']:.0%} of those it "
            "marked were named within the year."
            if "precision" in held_out
            else ""
        )
        st.markdown(
            "**Rising**: no owner file names them, and a model learned on other projects' "
            "histories puts them among the ten most likely to be named a maintainer "
            f"within a year{': ' + where if where else ''}. A forecast, not a fact.{check} "
            "The Maintainers page lists the next maintainers with their evidence."
        )
    evidence = person["affiliation_evidence"] or "no company evidence"
    bot_evidence = person.get("bot_evidence") or ""
    st.caption(
        f"Affiliation: {md_escape(str(person['employment']))} "
        f"({md_escape(evidence)}). Bot probability: {person['bot_probability']:.2f}"
        + (f" ({md_escape(bot_evidence)})." if bot_evidence else ".")
    )
    if on_demand("Show what they own: files only they author, owner files naming them",
                 "show_ownership"):  # fmt: skip
        ownership(status, person_id)
    st.dataframe(
        identities,
        hide_index=True,
        key="identities",
        column_config={"confidence": st.column_config.NumberColumn(format="%.2f")},
    )

    acts = data.person_activity(status.url, status.version, person_id)
    st.subheader("Activity over time", anchor=False)
    if acts.empty:
        st.info("No recorded activity.")
        return
    monthly = acts.assign(
        month=acts["occurred_at"].dt.to_period("M").dt.to_timestamp()
    ).pivot_table(index="month", columns="kind", values="key", aggfunc="count", fill_value=0)
    st.bar_chart(monthly, stack=True, height=280)
    st.subheader("Rank over time", anchor=False)
    if on_demand("Rank each of the last quarters' history", "show_rank_history"):
        rank_over_time(args, person_id)

    st.subheader("Latest activity", anchor=False)
    latest = acts.sort_values("occurred_at", ascending=False).head(25)
    st.dataframe(
        latest[["occurred_at", "repo", "kind", "title", "url"]],
        hide_index=True,
        width="stretch",
        key="latest",
        column_config={
            "occurred_at": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm"),
            "url": st.column_config.LinkColumn("Link", display_text="open"),
        },
    )
    st.subheader("Works with", anchor=False)
    if on_demand("Show who they work with", "show_collaborators"):
        collaborators(status, filters, person_id)


def on_demand(label: str, key: str) -> bool:
    """Whether to draw a section that takes a while the first time (rankings of past
    quarters, authorship of every file, the network): a switch, off until the viewer
    turns it on, then kept on for the session, so each Candidate page shows its score
    and why at once."""
    return st.toggle(label, key=key)


def ownership(status: data.StoreStatus, person_id: str) -> None:
    """The files nobody else authors (who comes next) and where owner files name them."""
    orphans = data.person_orphans(status.url, status.version, person_id)
    if orphans.empty:
        st.caption("No file would be left without an author if this person left.")
    else:
        lost = orphans.loc[orphans["area_orphaned"], ["repo", "area"]].drop_duplicates()
        st.markdown(
            f"**If this person left**, {len(orphans):,} files would have no author"
            + (
                " and these areas none at all: "
                + ", ".join(md_escape(f"{r} {a}") for r, a in lost.itertuples(index=False))
                if len(lost)
                else ""
            )
            + "."
        )
        with st.expander("Files they alone author, and who comes next"):
            st.dataframe(orphans, hide_index=True, key="orphans")
    namings = data.person_namings(status.url, status.version, person_id)
    if namings.empty:
        st.caption("Not named in any owner file (CODEOWNERS, OWNERS, MAINTAINERS).")
    else:
        st.markdown("**Named in owner files**")
        st.dataframe(
            namings,
            hide_index=True,
            key="namings",
            column_config={
                "since": st.column_config.DateColumn("Since", format="YYYY-MM-DD"),
                "until": st.column_config.DateColumn("Until", format="YYYY-MM-DD"),
            },
        )


def stewardship(report) -> None:
    """What stewardship the person's acts show (the line ``talent people audit`` prints
    too), with the latest act of each kind linked."""
    if not report.stewardship:
        return
    latest = report.stewardship_acts.drop_duplicates("kind").head(6)
    links = " · ".join(
        md_link(f"{kind.replace('_', ' ')}: {_short(title)}", url)
        for kind, title, url in latest[["kind", "title", "url"]].itertuples(index=False)
    )
    st.markdown(
        f"**Stewardship**: {md_escape(report.stewardship)}."
        + (f" Latest: {links}" if links else "")
    )


def _short(title: object, width: int = 60) -> str:
    text = title if isinstance(title, str) else ""
    return text if len(text) <= width else text[: width - 1] + "…"


def matching_work(query: str, person: pd.Series) -> None:
    """The person's work that the active skill search finds: their share of it, the
    words found, and their top matching items with links."""
    st.subheader(f"Matching work for “{query}”", anchor=False)
    st.markdown(
        f"**{person['skill_share']:.0%}** of the work matching *{md_escape(query)}*"
        + (f" (words found: {md_escape(person['skill_terms'])})" if person["skill_terms"] else "")
        + ". Their most relevant items, largest first:"
    )
    roles = {1.0: "did it", 0.5: "co-authored"}
    lines = [
        f"- {md_link(item['title'] or item['url'], item['url'])} · {md_escape(item['repo'])} · "
        f"{md_escape(item['kind'])} · {item['date']}"
        + ("" if item["credit"] >= 1.0 else f" · {roles.get(item['credit'], 'reviewed or merged')}")
        for item in person["skill_work"]
    ]
    st.markdown("\n".join(lines))


def contributions(parts: list[dict]) -> None:
    """The largest contributions, each with links to the acts behind it."""
    st.subheader("Top contributions", anchor=False)
    if not parts:
        st.info("Nothing in these filters adds to this person's score.")
        return
    for part in parts:
        st.markdown(
            f"**{md_escape(part['label'])}**: {part['contribution']:.3f} "
            f"({part['share']:.0%} of the score)"
        )
        lines = [
            f"- {md_link(e['title'] or e['kind'].replace('_', ' '), e['url'])} "
            f"({md_escape(e['kind'].replace('_', ' '))} in {md_escape(e['repo'])}, "
            f"{e['occurred_at'][:10]})"
            for e in part["evidence"]
        ]
        st.markdown("\n".join(lines) if lines else "*No linked acts in these filters.*")


def pipeline(status: data.StoreStatus, person_id: str) -> None:
    """The person's stages on the shortlists (with each list's size, as the Shortlists
    page counts it), the quick actions on the default list, and a way to add them to
    another list."""
    st.subheader("Shortlists", anchor=False)
    entries = data.list_entries(status.url)
    mine = entries[entries["person_id"] == person_id]
    sizes = data.shortlists(status.url, current_viewer()).set_index("name")["people"]
    marks = data.ats_marks(status.url)
    mark = marks[marks["person_id"] == person_id]
    if not mark.empty:
        row = mark.iloc[0]
        st.markdown(
            f":material/badge: **In your applicant tracking system** (matched by "
            f"{row.matched_by} in {md_escape(row.source)}, {row.imported_at:%Y-%m-%d})"
        )
    if mine.empty:
        st.caption("Not on any shortlist yet.")
    standing = data.feedback(status.url)
    note = standing.set_index("person_id")["note"].get(person_id, "")
    for row in mine.itertuples(index=False):
        tags = f" · tags: {md_escape(', '.join(row.tags))}" if row.tags else ""
        size = int(sizes.get(row.shortlist, 0))
        st.markdown(
            f"[{md_escape(row.shortlist)}](shortlists?list={quote(row.shortlist)}) "
            f"({size} {'person' if size == 1 else 'people'}): "
            f"**{md_escape(row.stage)}** since {row.updated_at:%Y-%m-%d}{tags}"
        )
    if note:
        st.markdown(f"Latest note: {md_escape(note)}")
    if can("change:verdict"):
        verdicts(status, person_id, mine)
    if can("change:shortlist"):
        add_to_list(status, [person_id], person_id, on_lists=tuple(mine["shortlist"]))


def verdicts(status: data.StoreStatus, person_id: str, mine: pd.DataFrame) -> None:
    """The quick actions on the default list: Shortlist, Not a fit, Remove, with a note."""
    on_default = mine[mine["shortlist"] == DEFAULT_SHORTLIST]
    stage = on_default.iloc[0]["stage"] if len(on_default) else None
    text = st.text_input(
        "Note (optional)", key=f"note_{person_id}", placeholder="Kept with your name and the time"
    )
    cols = st.columns([1, 1, 1, 3])
    clicked: list[str | None] = []  # the new verdict, or None to take them off the list
    for col, (label, button) in zip(cols, VERDICT_BUTTONS.items(), strict=False):
        is_current = stage == VERDICT_STAGES[label]
        if col.button(button, key=f"verdict_{label}", width="stretch",
                      type="primary" if is_current else "secondary"):  # fmt: skip
            clicked.append(label)
    if cols[2].button("Remove", key="verdict_clear", disabled=stage is None, width="stretch"):
        clicked.append(None)
    st.caption(
        f"*Shortlist* and *Not a fit* set their stage on the list "
        f"*{md_escape(DEFAULT_SHORTLIST)}* (adding them to it); *Remove* takes them off it."
    )
    if clicked:
        data.record_verdict(status.url, current_viewer(), person_id, clicked[0], text.strip())
        st.rerun()


def outreach(status: data.StoreStatus, filters, person_id: str) -> None:
    """A message draft citing the person's work, with the privacy notice (never sent);
    made only while the expander is open, and each one shown is in the access log."""
    with st.expander("Outreach draft", icon=":material/mail:", key="outreach_open",
                     on_change="rerun") as box:  # fmt: skip
        if not box.open:
            return
        st.caption(
            "Cites the work behind this person's score and carries the privacy notice "
            "(sources used, how to opt out). Edit the text in the settings file's "
            "[outreach] template; talent sends nothing."
        )
        since = data.since_for(filters.window, status.last)
        text = data.outreach(status.url, current_viewer(), status.version, person_id,
                             data.profile(status.url, filters.profile), filters.repos, since,
                             not filters.hide_bots)  # fmt: skip
        data.record_once(status.url, person_id, filters, "outreach")
        st.code(text, language=None, wrap_lines=True)


def rank_over_time(args: tuple, person_id: str) -> None:
    """The person's rank and score at the end of each quarter (the history up to then,
    ranked by the same profile), then now: a rise or a fade at a glance."""
    history = data.rank_history(*args[:-1])
    mine = history[history["person_id"] == person_id].sort_values("at")
    if len(mine) < 2:
        st.caption(
            "Not enough history in these filters: their rank needs at least one finished "
            "quarter of activity before now."
        )
        return
    first, last = mine.iloc[0], mine.iloc[-1]
    moved = int(first["rank"]) - int(last["rank"])
    trend = (
        f"up {moved} places" if moved > 0 else f"down {-moved} places" if moved < 0 else "no move"
    )
    st.caption(
        f"#{int(first['rank'])} of {int(first['ranked'])} at the end of {first['quarter']}, "
        f"#{int(last['rank'])} of {int(last['ranked'])} now: {trend}. Each point ranks the "
        "history up to the end of that quarter with this profile (people who had not started "
        "yet are not counted)."
    )
    order = mine["quarter"].tolist()
    base = alt.Chart(mine).encode(
        x=alt.X("quarter:N", sort=order, title=None, axis=alt.Axis(labelAngle=0)),
        tooltip=[
            alt.Tooltip("quarter:N", title="Quarter"),
            alt.Tooltip("rank:Q", title="Rank"),
            alt.Tooltip("ranked:Q", title="Of"),
            alt.Tooltip("score:Q", title="Score", format=".3f"),
        ],
    )
    rank = base.mark_line(point=True).encode(
        y=alt.Y("rank:Q", title="Rank (1 is top)", scale=alt.Scale(reverse=True, zero=False)),
    )
    st.altair_chart(rank, width="stretch", height=240)


def ego_chart(nodes: pd.DataFrame, ties: pd.DataFrame, names: dict) -> alt.LayerChart:
    """The ego network: circles sized by the weight of the tie, over the ties (the
    person's own in their colour, the others' grey)."""
    centre = nodes.loc[nodes["centre"], "id"].iloc[0]
    lines = segments(nodes, ties).assign(
        tie=[
            "theirs" if centre in (a, b) else "between the others"
            for a, b in zip(ties["source"], ties["target"], strict=True)
        ],
    )[["x", "y", "x2", "y2", "weight", "kinds", "tie"]]
    people = nodes.assign(
        name=[names.get(n, ("", ""))[0] or n for n in nodes["id"]],
        who=["this person" if c else "works with them" for c in nodes["centre"]],
    )[["x", "y", "name", "who", "weight"]]
    axis = alt.Axis(title=None, labels=False, ticks=False, grid=False, domain=False)
    scale = alt.Scale(domain=[-1.15, 1.15])
    drawn = (
        alt.Chart(lines)
        .mark_rule()
        .encode(
            x=alt.X("x:Q", axis=axis, scale=scale),
            y=alt.Y("y:Q", axis=axis, scale=scale),
            x2="x2:Q",
            y2="y2:Q",
            color=alt.Color(
                "tie:N",
                scale=alt.Scale(
                    domain=["theirs", "between the others"], range=["#d62728", "#9a9a9a"]
                ),  # fmt: skip
                legend=None,
            ),
            opacity=alt.Opacity(
                "tie:N",
                scale=alt.Scale(domain=["theirs", "between the others"], range=[0.55, 0.15]),
                legend=None,
            ),
            strokeWidth=alt.StrokeWidth("weight:Q", scale=alt.Scale(range=[0.5, 6]), legend=None),
            tooltip=[alt.Tooltip("kinds:N", title="Ties"), alt.Tooltip("weight:Q", title="Weight")],
        )
    )
    circles = alt.Chart(people).encode(
        x=alt.X("x:Q", axis=axis, scale=scale),
        y=alt.Y("y:Q", axis=axis, scale=scale),
        tooltip=["name:N", alt.Tooltip("weight:Q", title="Weight of the tie")],
    )
    dots = circles.mark_circle(opacity=0.9, stroke="white", strokeWidth=1).encode(
        size=alt.Size("weight:Q", scale=alt.Scale(range=[60, 1400]), legend=None),
        color=alt.Color(
            "who:N",
            scale=alt.Scale(
                domain=["this person", "works with them"], range=["#d62728", "#1f77b4"]
            ),  # fmt: skip
            legend=alt.Legend(title=None, orient="bottom"),
        ),
    )
    labels = circles.mark_text(dy=-16, fontSize=11).encode(text="name:N")
    layers = alt.layer(drawn, dots, labels).resolve_scale(color="independent")
    return layers.properties(width=640, height=460)


def collaborators(status: data.StoreStatus, filters, person_id: str) -> None:
    """The person's ego network: who they review, merge and co-author with."""
    since = data.since_for(filters.window, status.last)
    ego = data.ego_network(status.url, status.version, filters.repos, since,
                           not filters.hide_bots, person_id)  # fmt: skip
    if ego.empty:
        st.caption("No reviews, merges, comments or co-authorship with anyone in these filters.")
        return
    names = data.people_names(status.url, status.version)
    frame = ego.assign(
        name=[names.get(p, ("", ""))[0] or p for p in ego["other"]],
        what=ego["kinds"].map(lambda k: ", ".join(k).replace("_", " ")),
        where=ego["repos"].map(", ".join),
        link=[f"candidate?person={p}" for p in ego["other"]],
    )
    nodes, ties = data.ego_picture(status.url, status.version, filters.repos, since,
                                   not filters.hide_bots, person_id)  # fmt: skip
    st.altair_chart(ego_chart(nodes, ties, names), width="content")
    st.caption(
        f"Their {len(nodes) - 1} strongest ties: a bigger circle and a "
        "place nearer the middle for more reviews, merges, comments and co-authorship "
        "between them (reviews and merges count most); lines between the others are "
        "their own ties."
    )
    st.dataframe(
        frame[["name", "weight", "what", "where", "link"]],
        hide_index=True,
        width="stretch",
        column_config={"link": st.column_config.LinkColumn("Candidate", display_text="open")},
    )


render()
