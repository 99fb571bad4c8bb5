"""Showing untrusted text (names, titles) in Streamlit without it acting as markup."""

from __future__ import annotations

import re

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def md_escape(text: object) -> str:
    """Escape Markdown (and the HTML angle brackets) in ``text`` for ``st.markdown`` and
    friends, so a name like ``[x](javascript:...)`` or ``<script>`` shows as written.

    >>> md_escape("<script>alert(1)</script>")
    '\\\\<script\\\\>alert\\\\(1\\\\)\\\\</script\\\\>'
    """
    return _MARKDOWN_SPECIALS.sub(r"\\\1", str(text))
