"""Showing untrusted text (names, titles) in Streamlit without it acting as markup."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def md_escape(text: object) -> str:
    """Escape Markdown (and the HTML angle brackets) in ``text`` for ``st.markdown`` and
    friends, so a name like ``[x](javascript:...)`` or ``<script>`` shows as written.

    >>> md_escape("<script>alert(1)</script>")
    '\\\\<script\\\\>alert\\\\(1\\\\)\\\\</script\\\\>'
    """
    return _MARKDOWN_SPECIALS.sub(r"\\\1", str(text))


# Characters a Markdown link destination may hold as they are; the rest (parentheses,
# spaces, angle brackets, backslashes) are percent-encoded so the link cannot break out.
_URL_SAFE = ":/?#@!$&'*+,;=%~"


def md_link(text: object, url: object) -> str:
    """A Markdown link with ``text`` escaped, or the escaped text alone when ``url`` is
    not an http(s) address (no ``javascript:`` links).

    >>> print(md_link("Fix [x](y)", "https://github.com/o/r/pull/1"))
    [Fix \\[x\\]\\(y\\)](https://github.com/o/r/pull/1)
    >>> md_link("x", "javascript:alert(1)")
    'x'
    """
    label = md_escape(text)
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
        return label
    return f"[{label}]({quote(url, safe=_URL_SAFE)})"
