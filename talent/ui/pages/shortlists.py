"""Shortlists: the named lists, one list's people by stage, bulk moves, notes and the
export for a hiring manager. A move is made on the versions the table showed: if
someone else changed an entry since, that move is refused and said, nothing lost."""

import pandas as pd
import streamlit as st

from talent.export import to_safe_csv
from talent.pipeline import STAGES
from talent.store import DEFAULT_SHORTLIST
from talent.ui import app, data
from talent.ui.safe import md_escape
from talent.ui.widgets import page_start

COLUMNS = ["stage", "name", "login", "in_ats", "tags", "notes", "updated", "person_id", "version"]


def render() -> None:
    app.ensure_routed()
    started = page_start("Shortlists")
    if started is None:
        return
    status, filters = started
    lists = data.shortlists(status.url)
    if lists.empty:
        st.info(
            "No shortlists yet. Open a person on the Candidate page and press *Shortlist* "
            f"(the list *{DEFAULT_SHORTLIST}*) or add them to a list of its own (one list "
            "per role, e.g. *inference engineer* or *DevRel*), or run "
            "`talent shortlist add NAME LOGIN`.",
            icon=":material/playlist_add:",
        )
        ats_importer(status)
        return
    standing = data.feedback(status.url)["label"].value_counts()
    st.caption(
        f"**{int(standing.get('shortlisted', 0))} shortlisted** (on a list at a stage other "
        f"than not a fit or not interested) across {len(lists)} "
        f"{'list' if len(lists) == 1 else 'lists'}; {int(standing.get('rejected', 0))} "
        f"not a fit, {int(standing.get('not interested', 0))} not interested. "
        f"*Shortlist* and *Not a fit* on a Candidate page set the stage on "
        f"*{md_escape(DEFAULT_SHORTLIST)}*."
    )
    names = lists["name"].tolist()
    wanted = st.query_params.get("list")
    name = st.selectbox(
        "Shortlist",
        names,
        index=names.index(wanted) if wanted in names else 0,
        format_func=lambda n: f"{n} ({int(lists.set_index('name').loc[n, 'people'])})",
        key="shortlist_name",
    )
    st.query_params["list"] = name
    entries = data.list_entries(status.url, name)
    if entries.empty:
        st.caption("Nobody on this list yet.")
        return
    people = data.people_names(status.url, status.version)
    notes = data.list_notes(status.url, name)
    order = {s: i for i, s in enumerate(STAGES)}
    entries = entries.assign(order=entries["stage"].map(order)).sort_values(
        ["order", "added_at"], kind="stable"
    )
    table = pd.DataFrame(
        {
            "stage": entries["stage"],
            "name": entries["person_id"].map(lambda p: people.get(p, ("", ""))[0]),
            "login": entries["person_id"].map(lambda p: people.get(p, ("", ""))[1]),
            "in_ats": entries["person_id"].isin(data.ats_marks(status.url)["person_id"]),
            "tags": [", ".join(t) for t in entries["tags"]],
            "notes": [
                " | ".join(f"{n['who']}: {n['text']}" for n in notes.get(p, []))
                for p in entries["person_id"]
            ],
            "updated": entries["updated_at"].dt.strftime("%Y-%m-%d") + " " + entries["updated_by"],
            "person_id": entries["person_id"],
            "version": entries["version"],
        }
    )[COLUMNS].reset_index(drop=True)
    counts = table["stage"].value_counts()
    cols = st.columns(min(len(counts), 6) or 1)
    for col, stage in zip(cols, [s for s in STAGES if s in counts][:6], strict=False):
        col.metric(stage.capitalize(), int(counts[stage]))
    event = st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="multi-row",
        # A new key after each change: the rows move (they are ordered by stage), so a
        # selection kept by position would point at other people.
        key=f"entries_{name}_{st.session_state.get('list_changes', 0)}",
        column_config={
            "stage": st.column_config.TextColumn("Stage", width="medium"),
            "name": st.column_config.TextColumn("Name"),
            "login": st.column_config.TextColumn("Login"),
            "in_ats": st.column_config.CheckboxColumn(
                "In ATS", help="Already in your applicant tracking system (imported below)"
            ),
            "tags": st.column_config.TextColumn("Tags"),
            "notes": st.column_config.TextColumn("Notes", width="large"),
            "updated": st.column_config.TextColumn("Last change", help="When, and by whom"),
            "person_id": st.column_config.TextColumn("Person id"),
            "version": st.column_config.NumberColumn(
                "Version",
                help="Changes are made on this version; a newer one means someone "
                "else changed the entry since",
            ),  # fmt: skip
        },
    )
    chosen = table.iloc[event.selection.rows] if event is not None else table.iloc[[]]
    st.subheader(f"Selected: {len(chosen)}", anchor=False)
    left, right = st.columns(2)
    with left:
        stage = st.selectbox("Move to stage", STAGES, key="move_stage")
        if st.button("Move", disabled=chosen.empty, key="move", type="primary"):
            seen = dict(zip(chosen["person_id"], chosen["version"].astype(int), strict=True))
            refused = data.move_entries(status.url, name, seen, stage)
            st.session_state["refused"] = refused
            st.session_state["list_changes"] = st.session_state.get("list_changes", 0) + 1
            st.rerun()
    with right:
        note = st.text_input("Note on the selected person", key="entry_note")
        if st.button("Add note", disabled=len(chosen) != 1 or not note.strip(), key="add_note"):
            data.note_entry(status.url, name, chosen.iloc[0]["person_id"], note.strip())
            st.rerun()
    for message in st.session_state.pop("refused", []):
        st.warning(md_escape(message), icon=":material/sync_problem:")
    export = data.list_export(
        status.url,
        status.version,
        name,
        data.profile(status.url, filters.profile),
        filters.repos,
        data.since_for(filters.window, status.last),
        not filters.hide_bots,
    )
    st.download_button(
        f"Download {name} ({len(export)})",
        data=to_safe_csv(export),
        file_name=f"talent-{''.join(c if c.isalnum() else '-' for c in name)}.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click=data.on_export(status.url, export["person_id"], filters, list=name),
        help="For a hiring manager: stage, tags and dated notes beside rank and rank range, "
        "profile link, score and why, the links behind it, areas and skills. Safe in any "
        "spreadsheet; no email addresses.",
        key="download_list",
    )
    ats_importer(status)


def ats_importer(status: data.StoreStatus) -> None:
    """Mark who the company's applicant tracking system already has, from its export."""
    marked = len(data.ats_marks(status.url))
    # The label stays the same: a new label would be a new expander, closed after an import.
    with st.expander("Applicant tracking system", icon=":material/badge:"):
        st.caption(
            f"**{marked} {'person' if marked == 1 else 'people'} marked *in ATS* now.** Upload "
            "your ATS's export (CSV) with a column of logins (login, username, GitHub: names or "
            "profile links) or e-mails (email), or one per line. People found here show as *in "
            "ATS* on Candidates, their page, these lists and exports. Only who matched is kept, "
            "never the file's addresses."
        )
        upload = st.file_uploader("ATS export", type=["csv", "txt"], key="ats_file")
        st.checkbox(
            "Replace the earlier import", key="ats_replace",
            help="The file is the whole ATS: people not in it lose their mark",
        )  # fmt: skip
        # A callback, so the page (the table above included) is drawn after the import.
        st.button("Import", disabled=upload is None, key="ats_import", on_click=_import,
                  args=(status.url,))  # fmt: skip
        said = st.session_state.pop("ats_said", None)
        if said:
            ok, text = said
            (st.success if ok else st.error)(md_escape(text), icon=":material/badge:")


def _import(url: str) -> None:
    upload = st.session_state.get("ats_file")
    if upload is None:
        return
    try:
        found = data.import_ats(url, upload.getvalue(), upload.name,
                                replace=bool(st.session_state.get("ats_replace")))  # fmt: skip
    except ValueError as exc:
        st.session_state["ats_said"] = (False, f"{upload.name}: {exc}")
    else:
        st.session_state["ats_said"] = (True, found.summary())


render()
