"""Candidate: one person's score breakdown and activity over time."""

import pandas as pd
import streamlit as st

from talent.features import FEATURE_DOCS
from talent.scoring import SIGNAL_LABELS, SIGNALS
from talent.ui import data
from talent.ui.safe import md_escape
from talent.ui.widgets import demo_banner, filtered_ranking, offer_demo


def render() -> None:
    st.title("Candidate")
    status = st.session_state["status"]
    if not status.ready:
        offer_demo(status)
        return
    demo_banner(status)
    ranking = filtered_ranking(status, st.session_state["filters"])
    if ranking.empty:
        st.info("Nobody matches the filters in the sidebar.", icon=":material/filter_alt_off:")
        return

    ids = ranking["person_id"].tolist()
    wanted = st.session_state.get("person_id") or st.query_params.get("person")
    labels = {
        row.person_id: f"#{row.rank} {row.name}" + (f" (@{row.login})" if row.login else "")
        for row in ranking.itertuples(index=False)
    }
    person_id = st.selectbox(
        "Person",
        ids,
        index=ids.index(wanted) if wanted in ids else 0,
        format_func=labels.get,
        key="candidate_select",
    )
    st.session_state["person_id"] = person_id
    st.query_params["person"] = person_id
    person = ranking.set_index("person_id").loc[person_id]

    st.header(md_escape(person["name"]), anchor=False)
    if isinstance(person["login"], str) and person["login"]:
        st.markdown(f"[@{md_escape(person['login'])}]({person['profile_url']}) on GitHub")
    cols = st.columns(4)
    cols[0].metric("Rank", f"#{person['rank']}")
    cols[1].metric("Score", f"{person['score']:.3f}")
    cols[2].metric(
        "Affiliation",
        str(person["affiliation"]).replace("_", " ") + (" (bot)" if person["is_bot"] else ""),
    )
    cols[3].metric("Last active", f"{person['last_active']:%Y-%m-%d}")

    st.subheader("Why this score", anchor=False)
    breakdown = pd.DataFrame(
        {
            "signal": [SIGNAL_LABELS[s] for s in SIGNALS],
            "contribution": [float(person[f"contrib_{s}"]) for s in SIGNALS],
        }
    )
    st.bar_chart(breakdown, x="signal", y="contribution", horizontal=True, height=220)
    numeric = [c for c in FEATURE_DOCS if c not in ("first_active", "last_active", "top_repos")]
    facts = pd.DataFrame(
        {
            "measure": numeric + ["pagerank"],
            "value": [round(float(person[c]), 4) for c in numeric + ["pagerank"]],
            "meaning": [FEATURE_DOCS[c] for c in numeric] + ["PageRank in the collaboration graph"],
        }
    )
    st.dataframe(facts, hide_index=True, key="facts")

    st.subheader("Who this is", anchor=False)
    works_on = "; ".join(
        f"{label}: {md_escape(person[col])}"
        for label, col in (("areas", "areas"), ("languages", "languages"), ("topics", "topics"))
        if person[col]
    )
    if works_on:
        st.markdown(f"Works on {works_on}.")
    st.markdown(
        f"Persona: **{md_escape(person['persona'])}** (people are clustered by how "
        "they contribute: maintainer, reviewer, builder, helper, drive-by)."
    )
    evidence = person["affiliation_evidence"] or "no company evidence"
    st.caption(
        f"Affiliation: {md_escape(str(person['affiliation']).replace('_', ' '))} "
        f"({md_escape(evidence)}). Bot probability: {person['bot_probability']:.2f}."
    )
    st.dataframe(
        data.person_identities(status.url, status.version, person_id),
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


render()
