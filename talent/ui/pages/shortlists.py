"""Shortlists: the named lists, one list's people by stage, bulk moves, notes and the
export for a hiring manager. A move is made on the versions the table showed: if
someone else changed an entry since, that move is refused and said, nothing lost.
A hiring manager sees only the lists shared with them: they read, comment and export."""

import pandas as pd
import streamlit as st

from talent.store import DEFAULT_SHORTLIST
from talent.ui import app, data
from talent.ui.roles import can, current_viewer, require
from talent.ui.safe import md_escape
from talent.ui.widgets import page_start
from talent.views.access import Viewer
from talent.views.export import to_safe_csv
from talent.views.pipeline import STAGES

COLUMNS = ["stage", "name", "login", "in_ats", "tags", "notes", "updated", "person_id", "version"]


def render() -> None:
    app.ensure_routed()
    viewer = require("page:shortlists")
    started = page_start("Shortlists")
    if started is None:
        return
    status, filters = started
    lists = data.shortlists(status.url, viewer)
    if lists.empty and not can("section:all_lists"):
        st.info(
            f"No shortlist is shared with you ({md_escape(viewer.email)}) yet: a recruiter "
            "shares one on this page or with `talent shortlist share LIST EMAIL`.",
            icon=":material/share:",
        )
        return
    if lists.empty:
        st.info(
            "No shortlists yet. Open a person on the Candidate page and press *Shortlist* "
            f"(the list *{DEFAULT_SHORTLIST}*) or add them to a list of its own (one list "
            "per role, e.g. *inference engineer* or *DevRel*), or run "
            "`talent shortlist add NAME LOGIN`.",
            icon=":material/playlist_add:",
        )
        if can("change:ats"):
            ats_importer(status)
        return
    if can("section:pipeline"):
        standing(status, len(lists))
    the_list(status, filters, viewer, lists)
    if can("change:ats"):
        ats_importer(status)


def standing(status: data.StoreStatus, count: int) -> None:
    """Where everyone stands across the lists (the recruiters' view)."""
    standing = data.feedback(status.url)["label"].value_counts()
    st.caption(
        f"**{int(standing.get('shortlisted', 0))} shortlisted** (on a list at a stage other "
        f"than not a fit or not interested) across {count} "
        f"{'list' if count == 1 else 'lists'}; {int(standing.get('rejected', 0))} "
        f"not a fit, {int(standing.get('not interested', 0))} not interested. "
        f"*Shortlist* and *Not a fit* on a Candidate page set the stage on "
        f"*{md_escape(DEFAULT_SHORTLIST)}*."
    )


def the_list(status: data.StoreStatus, filters, viewer: Viewer, lists: pd.DataFrame) -> None:
    """One list: its people by stage, and what the viewer may do with them."""
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
    if can("change:share"):
        sharing(status, viewer, name)
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
    if can("change:stage"):
        stage = left.selectbox("Move to stage", STAGES, key="move_stage")
        if left.button("Move", disabled=chosen.empty, key="move", type="primary"):
            seen = dict(zip(chosen["person_id"], chosen["version"].astype(int), strict=True))
            refused = data.move_entries(status.url, viewer, name, seen, stage)
            st.session_state["refused"] = refused
            st.session_state["list_changes"] = st.session_state.get("list_changes", 0) + 1
            st.rerun()
    if can("change:note"):
        note = right.text_input("Note on the selected person", key="entry_note")
        if right.button("Add note", disabled=len(chosen) != 1 or not note.strip(),
                        key="add_note"):  # fmt: skip
            data.note_entry(status.url, viewer, name, chosen.iloc[0]["person_id"], note.strip())
            st.rerun()
    for message in st.session_state.pop("refused", []):
        st.warning(md_escape(message), icon=":material/sync_problem:")
    if can("download:shortlist_export"):
        download(status, filters, viewer, name)


def download(status: data.StoreStatus, filters, viewer: Viewer, name: str) -> None:
    """The list as a hiring manager gets it, under the ranking in view."""
    export = data.list_export(
        status.url,
        viewer,
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


def sharing(status: data.StoreStatus, viewer: Viewer, name: str) -> None:
    """Who the list is shared with (hiring managers, by the address they sign in
    with), sharing it with one more, and stopping."""
    shared = data.shares(status.url, viewer, name)
    label = f"Shared with {len(shared)}" if shared else "Share with a hiring manager"
    with st.expander(label, icon=":material/share:"):
        st.caption(
            "A hiring manager sees only the lists shared with their address: they read them, "
            "add notes and export them, and change nothing else."
            + (" Now: " + ", ".join(md_escape(e) for e in shared) + "." if shared else "")
        )
        left, right = st.columns(2, vertical_alignment="bottom")
        left.text_input("E-mail address", key="share_email", placeholder="name@company.com")
        left.button("Share", key="share", on_click=_share, args=(status.url, name))
        right.selectbox("Shared with", shared, key="unshare_email", index=None,
                        placeholder="Choose an address")  # fmt: skip
        right.button("Stop sharing", key="unshare", on_click=_unshare, args=(status.url, name))
        said = st.session_state.pop("share_said", None)
        if said:
            ok, text = said
            (st.success if ok else st.error)(md_escape(text), icon=":material/share:")


def _share(url: str, name: str) -> None:
    email = (st.session_state.get("share_email") or "").strip()
    try:
        new = data.share_list(url, current_viewer(), name, email)
    except ValueError as exc:
        st.session_state["share_said"] = (False, str(exc))
        return
    said = "Shared with" if new else "Already shared with"
    st.session_state["share_said"] = (True, f"{said} {email.lower()}.")
    st.session_state["share_email"] = ""


def _unshare(url: str, name: str) -> None:
    email = st.session_state.get("unshare_email")
    if email and data.unshare_list(url, current_viewer(), name, email):
        st.session_state["share_said"] = (True, f"No longer shared with {email}.")
        st.session_state["unshare_email"] = None


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
        found = data.import_ats(url, current_viewer(), upload.getvalue(), upload.name,
                                replace=bool(st.session_state.get("ats_replace")))  # fmt: skip
    except ValueError as exc:
        st.session_state["ats_said"] = (False, f"{upload.name}: {exc}")
    else:
        st.session_state["ats_said"] = (True, found.summary())


render()
