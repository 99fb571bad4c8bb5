"""Owner files as data: who a project names as its owners, for what, and since when.

Pure parsers (no store, no network) for the files in which projects name people:

- ``CODEOWNERS`` (at the root, in ``.github/`` or ``docs/``): :func:`parse_codeowners`
  and :func:`codeowners_owners`, with GitHub's matching rules;
- Kubernetes-style ``OWNERS`` and ``OWNERS_ALIASES`` (YAML): :func:`parse_owners_yaml`,
  :func:`parse_owners_aliases`;
- people lists (``MAINTAINERS*``, ``COMMITTERS*``, ``GOVERNANCE*``, ``CONTRIBUTORS*``):
  :func:`parse_people_list`, GitHub logins under headings that name a role (YAML, TOML
  and JSON lists too: :func:`parse_people_data`);
- the names written beside those logins (tables, "Name (@login)", "login - Name",
  ``name:``/``github:`` keys, ``- login  # Name``): :func:`parse_pairings`, evidence of who
  a login is, kept with the line as written (:func:`owner_pairings` over a history);

and :func:`owner_intervals`, which turns the versions of those files over a history
into :class:`~talent.model.NamedOwner` intervals. Reading the versions from git is
``talent.sources.git.fetch_owner_file_versions``.
"""

from __future__ import annotations

import json
import posixpath
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from functools import lru_cache

import yaml

from talent.model import NamedOwner, OwnerKind


class OwnerFileKind(StrEnum):
    CODEOWNERS = "codeowners"
    OWNERS = "owners"
    OWNERS_ALIASES = "owners_aliases"
    PEOPLE = "people"


@dataclass(frozen=True)
class OwnerRule:
    """One line of a CODEOWNERS file: a pattern and its owners (none: un-owned)."""

    pattern: str
    owners: tuple[str, ...]
    line: int


@dataclass(frozen=True)
class Naming:
    """One owner named by one file version, before any dates are known."""

    owner: str
    kind: OwnerKind
    pattern: str
    role: str


# --- which files ------------------------------------------------------------------------

# GitHub reads CODEOWNERS from these folders, the first found in this order.
CODEOWNERS_DIRS = (".github", "", "docs")
# Copies of other projects' files: their OWNERS and MAINTAINERS name someone else's people.
VENDORED_DIRS = frozenset({"vendor", "third_party", "third-party", "3rdparty", "node_modules"})
_PEOPLE_PREFIXES = ("maintainers", "committers", "governance", "contributors")
_PEOPLE_SUFFIXES = frozenset({"", ".md", ".markdown", ".rst", ".txt", ".adoc"})
# People lists kept as data: a list of people with name/github/email keys.
_DATA_SUFFIXES = frozenset({".yaml", ".yml", ".toml", ".json"})

# The one list of paths git is asked about (``:(glob)`` pathspecs); owner_file_kind
# decides on each path that comes back.
OWNER_PATHSPECS = (
    ":(glob,icase)CODEOWNERS*",
    ":(glob,icase).github/CODEOWNERS*",
    ":(glob,icase)docs/CODEOWNERS*",
    ":(glob)**/OWNERS",
    ":(glob)**/OWNERS_ALIASES",
    *(f":(glob,icase)**/{prefix}*" for prefix in _PEOPLE_PREFIXES),
)


def owner_file_kind(path: str) -> OwnerFileKind | None:
    """What kind of owner file ``path`` is, or None if it is not one."""
    parts = path.split("/")
    if any(part in VENDORED_DIRS for part in parts[:-1]):
        return None
    name = parts[-1]
    folder = "/".join(parts[:-1])
    if name.upper().startswith("CODEOWNERS") and folder.lower() in CODEOWNERS_DIRS:
        return OwnerFileKind.CODEOWNERS
    if name == "OWNERS":
        return OwnerFileKind.OWNERS
    if name == "OWNERS_ALIASES":
        return OwnerFileKind.OWNERS_ALIASES
    lower = name.lower()
    stem, suffix = posixpath.splitext(lower)
    if lower.startswith(_PEOPLE_PREFIXES) and suffix in _PEOPLE_SUFFIXES | _DATA_SUFFIXES:
        return OwnerFileKind.PEOPLE
    return None


# --- CODEOWNERS -------------------------------------------------------------------------

# GitHub logins: letters, digits and hyphens, not starting with a hyphen. New accounts
# may not end with one or hold two in a row, but older accounts do ("jan--f", "wence-"),
# and owner files name them.
_LOGIN = r"[A-Za-z0-9][A-Za-z0-9-]{0,38}"
_USER_OWNER = re.compile(rf"@({_LOGIN})")
_TEAM_OWNER = re.compile(rf"@({_LOGIN}/[A-Za-z0-9][A-Za-z0-9_.-]*)")
_EMAIL_OWNER = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _split_escaped(line: str) -> list[str]:
    """Split on unescaped whitespace; ``\\ `` is a space inside a token."""
    tokens: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(line):
        char = line[i]
        if char == "\\" and i + 1 < len(line) and line[i + 1] in " \t#":
            current.append(line[i + 1])
            i += 2
            continue
        if char in " \t":
            if current:
                tokens.append("".join(current))
                current = []
        else:
            current.append(char)
        i += 1
    if current:
        tokens.append("".join(current))
    return tokens


def classify_owner(token: str) -> tuple[OwnerKind, str] | None:
    """``@login`` -> (USER, login), ``@org/team`` -> (TEAM, org/team), an e-mail ->
    (EMAIL, address); anything else is not an owner (None)."""
    if m := _TEAM_OWNER.fullmatch(token):
        return OwnerKind.TEAM, m.group(1)
    if m := _USER_OWNER.fullmatch(token):
        return OwnerKind.USER, m.group(1)
    if _EMAIL_OWNER.fullmatch(token):
        return OwnerKind.EMAIL, token
    return None


def parse_codeowners(text: str, notes: list[str] | None = None) -> list[OwnerRule]:
    """The rules of a CODEOWNERS file, in file order.

    Comments (``#`` at the start of a line or of a token), blank lines, CRLF and tabs are
    handled; ``\\ `` in a pattern is a space. A pattern with no owners un-owns what it
    matches. Tokens that are not owners, and patterns GitHub rejects (``!`` negation,
    ``[...]`` ranges), are left out with a line in ``notes`` (if given).

    >>> for rule in parse_codeowners("*.js @js-owner  # the JS people\\n/docs/\\n"):
    ...     print(rule)
    OwnerRule(pattern='*.js', owners=('@js-owner',), line=1)
    OwnerRule(pattern='/docs/', owners=(), line=2)
    """
    rules: list[OwnerRule] = []
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        tokens = _split_escaped(line)
        pattern, rest = tokens[0], tokens[1:]
        if pattern.startswith("!") or "[" in pattern:
            if notes is not None:
                notes.append(f"line {number}: pattern {pattern!r} is not supported; skipped")
            continue
        owners: list[str] = []
        for token in rest:
            if token.startswith("#"):
                break
            if classify_owner(token) is None:
                if notes is not None:
                    notes.append(f"line {number}: {token!r} is not an owner; skipped")
                continue
            owners.append(token)
        rules.append(OwnerRule(pattern, tuple(owners), number))
    return rules


def _segment_regex(segment: str) -> str:
    out = []
    for char in segment:
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        else:
            out.append(re.escape(char))
    return "".join(out)


_PATTERN_CACHE: dict[str, re.Pattern[str]] = {}


def codeowners_regex(pattern: str) -> re.Pattern[str]:
    """The regular expression GitHub's gitignore-like rules give ``pattern``, matched
    against a path without a leading slash.

    A leading or inner ``/`` anchors the pattern to the root, otherwise it matches at
    any depth; a trailing ``/`` matches everything under a directory; ``*`` stays in a
    segment, ``**`` crosses segments; a pattern also matches everything under a
    directory it names, except that a last segment ``*`` only matches files directly
    in that directory (``docs/*``).
    """
    cached = _PATTERN_CACHE.get(pattern)
    if cached is not None:
        return cached
    directory = pattern.endswith("/")
    body = pattern.strip("/")
    anchored = pattern.startswith("/") or "/" in body
    segments = body.split("/") if body else []
    parts: list[str] = []
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if segment == "**":
            # "**/" at the start or in the middle: zero or more folders; at the end:
            # everything below.
            parts.append(".*" if last else "(?:[^/]+/)*")
        else:
            parts.append(_segment_regex(segment) + ("" if last else "/"))
    regex = "" if anchored else "(?:[^/]+/)*"
    regex += "".join(parts)
    if not segments:  # "/" alone: everything
        regex = ".*"
    elif directory:
        regex += "/.*"
    elif segments[-1] == "*" and len(segments) > 1:
        pass  # files directly in that folder only
    elif segments[-1] != "**":
        regex += "(?:/.*)?"
    compiled = re.compile(regex, re.DOTALL)
    _PATTERN_CACHE[pattern] = compiled
    return compiled


def codeowners_owners(rules: Sequence[OwnerRule], path: str) -> tuple[str, ...]:
    """The owners of ``path`` (relative to the root): the last matching rule wins.

    >>> rules = parse_codeowners("* @all\\n/apps/ @octocat\\n/apps/github\\n")
    >>> codeowners_owners(rules, "apps/x.rb"), codeowners_owners(rules, "apps/github/y.rb")
    (('@octocat',), ())
    """
    path = path.lstrip("/")
    for rule in reversed(rules):
        if codeowners_regex(rule.pattern).fullmatch(path):
            return rule.owners
    return ()


def _codeowners_namings(text: str, notes: list[str] | None) -> list[Naming]:
    out = []
    for rule in parse_codeowners(text, notes):
        for token in rule.owners:
            classified = classify_owner(token)
            if classified is not None:
                kind, owner = classified
                out.append(Naming(owner, kind, rule.pattern, "codeowner"))
    return out


# --- OWNERS / OWNERS_ALIASES ------------------------------------------------------------

_ROLE = re.compile(
    r"(?<![a-z])(?:code[\s_-]?owners?|maintainers?|committers?|owners?|leads?|core|approvers?"
    r"|reviewers?|emeritus|alumni|bdfl|steering|pmc|tsc|admins?|administrators?)(?![a-z])",
    re.IGNORECASE,
)


def is_role(text: str) -> bool:
    """Does a heading or key name a role (maintainer, committer, approver, ...)?"""
    return bool(_ROLE.search(text))


class OwnerFileError(ValueError):
    """An owner file that cannot be read; the message is one line."""


def _load_yaml(text: str, what: str) -> object:
    try:
        return yaml.safe_load(text.replace("\t", "  "))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise OwnerFileError(f"{what}: not valid YAML{where}") from None


def _names(value: object) -> list[str]:
    # A list of logins; some early files wrote "approvers: a b" or "a, b" on one line.
    if isinstance(value, str):
        return [v for v in re.split(r"[\s,]+", value) if v]
    if isinstance(value, list):
        return [str(v).strip() for v in value if isinstance(v, str | int) and str(v).strip()]
    return []


def parse_owners_aliases(text: str) -> dict[str, list[str]]:
    """``aliases:`` of an OWNERS_ALIASES file: alias -> logins (raises OwnerFileError)."""
    data = _load_yaml(text, "OWNERS_ALIASES")
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise OwnerFileError("OWNERS_ALIASES: expected a mapping with 'aliases'")
    aliases = data.get("aliases") or {}
    if not isinstance(aliases, dict):
        raise OwnerFileError("OWNERS_ALIASES: 'aliases' is not a mapping")
    return {str(name): _names(members) for name, members in aliases.items()}


def _owners_dir(path: str) -> str:
    folder = posixpath.dirname(path)
    return f"/{folder}/" if folder else "/"


def parse_owners_yaml(
    text: str, path: str = "OWNERS", aliases: Mapping[str, Sequence[str]] | None = None
) -> list[Naming]:
    """Who a Kubernetes-style OWNERS file names (raises OwnerFileError on bad YAML).

    Every key whose name is a role (``approvers``, ``reviewers``, ``emeritus_approvers``,
    ``project-leads``...) names its logins, for the file's folder (``/`` or ``/pkg/``);
    ``filters:`` name them for ``folder:regex``. An entry that is an alias expands into
    the alias's logins.
    """
    data = _load_yaml(text, path)
    if data is None:
        return []
    if not isinstance(data, dict):
        raise OwnerFileError(f"{path}: expected a mapping of roles to logins")
    folder = _owners_dir(path)
    lookup = {name.lower(): members for name, members in (aliases or {}).items()}
    out: list[Naming] = []

    def add(block: dict, pattern: str) -> None:
        for key, value in block.items():
            role = str(key)
            if role in ("filters", "options") or not is_role(role):
                continue
            for entry in _names(value):
                for login in lookup.get(entry.lower(), [entry]):
                    login = login.lstrip("@")
                    if re.fullmatch(_LOGIN, login):
                        out.append(Naming(login, OwnerKind.USER, pattern, role))

    add(data, folder)
    filters = data.get("filters")
    if isinstance(filters, dict):
        for regex, block in filters.items():
            if isinstance(block, dict):
                add(block, folder if str(regex) == ".*" else f"{folder}:{regex}")
    return out


# --- people lists -----------------------------------------------------------------------

_MD_HEADING = re.compile(r"^(#{1,6})\s*(.*?)\s*#*\s*$")
_UNDERLINE = re.compile(r"^([=\-~^\"'`*+#])\1{2,}\s*$")
_BOLD_LINE = re.compile(r"^(?:\*\*|__)(.+?)(?:\*\*|__)\s*:?\s*$")
_LABEL_LINE = re.compile(r"^([A-Za-z][^:|*\[\]()<>]{0,100}):\s*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_GITHUB_LINK = re.compile(
    r"https?://(?:www\.)?github\.com/([A-Za-z0-9-]+)(/[A-Za-z0-9_.-]+)?/?(?![A-Za-z0-9_.-])"
)
_MENTION = re.compile(rf"(?<![\w.@/`-])@({_LOGIN})(?![\w/@-])")
# github.com/<these> are pages of GitHub itself, never a person.
_NOT_USERS = frozenset(
    """orgs sponsors apps features topics settings about marketplace pricing login join
    notifications explore collections site security enterprise issues pulls search contact
    team teams new organizations users advisories customer-stories readme blog""".split()
)


def _clean_heading(text: str) -> str:
    text = re.sub(r"[*_`]+", "", text)
    text = re.sub(r"\s+", " ", text).strip().rstrip(":").strip()
    return text


# A markdown link whose text says it points at an organisation, not a person.
_NOT_A_PERSON_LINK = re.compile(
    r"\[[^\]]*\b(?:organi[sz]ation|org|team|repo|repository)\b[^\]]*\]\($", re.IGNORECASE
)


_MD_GITHUB_LINK = re.compile(r"\[[^\]]*\]\(\s*https?://(?:www\.)?github\.com/[^)]*\)")


# Owner files change a few lines per version, and a history holds hundreds of versions
# (apache/tvm: 228 of one CONTRIBUTORS.md): the per-line readers below are pure, so each
# distinct line is read once per process.
_LINE_CACHE = 1 << 14


@lru_cache(maxsize=_LINE_CACHE)
def _people_in(line: str) -> tuple[str, ...]:
    found: list[str] = []
    for m in _GITHUB_LINK.finditer(line):
        login, rest = m.group(1), m.group(2)
        if rest or login.lower() in _NOT_USERS or not re.fullmatch(_LOGIN, login):
            continue
        if _NOT_A_PERSON_LINK.search(line[: m.start()]):
            continue
        found.append(login)
    # Mentions outside links and e-mails (the lookbehind keeps "a@b.org" out).
    for m in _MENTION.finditer(_GITHUB_LINK.sub(" ", _MD_GITHUB_LINK.sub(" ", line))):
        found.append(m.group(1))
    return tuple(found)


def parse_people_list(text: str) -> list[Naming]:
    """GitHub logins named under headings whose text is a role.

    Headings are markdown ``#`` lines, setext/rst underlined lines, bold lines and
    short lines ending in ``:``; a person is a ``https://github.com/LOGIN`` link (not an
    organisation's or a repository's page) or an ``@login`` mention. The role is the
    nearest enclosing heading that names a role; lines before any heading name nobody
    (a file's name is not a heading: early MAINTAINERS files listed authors of record).

    >>> text = "## Committers\\n- @ada\\n## Thanks to\\n- @bob\\n"
    >>> [(n.owner, n.role) for n in parse_people_list(text)]
    [('ada', 'Committers')]
    """
    lines = text.lstrip("\ufeff").splitlines()
    # (level, text) of the open headings, outermost first.
    stack: list[tuple[int, str]] = []
    underline_levels: list[str] = []
    out: list[Naming] = []
    seen: set[tuple[str, str]] = set()
    in_code = False

    def open_heading(level: int, title: str) -> None:
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, _clean_heading(title)))

    def role() -> str:
        for _, title in reversed(stack):
            if is_role(title):
                return title
        return ""

    for i, raw in enumerate(lines):
        line = raw.rstrip()
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            in_code = not in_code
            continue
        if in_code:
            continue
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if stripped and not _LIST_ITEM.match(line) and "|" not in stripped:
            under = _UNDERLINE.match(nxt)
            if under and len(nxt) >= min(3, len(stripped)) and not _UNDERLINE.match(stripped):
                char = under.group(1)
                if char not in underline_levels:
                    underline_levels.append(char)
                open_heading(1 + underline_levels.index(char), stripped)
                continue
        if _UNDERLINE.match(stripped) and "|" not in stripped:
            continue
        if m := _MD_HEADING.match(stripped):
            open_heading(len(m.group(1)), m.group(2))
            continue
        if not _LIST_ITEM.match(line):
            if m := (_BOLD_LINE.match(stripped) or _LABEL_LINE.match(stripped)):
                if "http" not in stripped and "@" not in stripped:
                    open_heading(7, m.group(1))
                    continue
        current = role()
        if not current:
            continue
        for login in _people_in(line):
            if (login.lower(), current) not in seen:
                seen.add((login.lower(), current))
                out.append(Naming(login, OwnerKind.USER, "", current))
    return out


# --- names beside logins ----------------------------------------------------------------


@dataclass(frozen=True)
class Pairing:
    """A GitHub login written beside a person's name (and maybe an e-mail) in an owner
    file: evidence of who the login is. ``text`` is the line as written, reduced to its
    words (a table row's name and login cells: "Ada Lovelace | ada"), e-mails left out;
    ``line`` is where it stands (1-based)."""

    login: str
    name: str
    email: str
    text: str
    line: int


_ADDRESS = re.compile(r"<?\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+\b>?")
_ANY_MD_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)]*)\)")
_USER_LINK = re.compile(
    rf"\[([^\]]*)\]\(\s*<?https?://(?:www\.)?github\.com/({_LOGIN})/?>?(?:\s+\"[^\"]*\")?\s*\)"
)
_NAME_WORD = re.compile(r"[^\W\d_]+(?:[.'’-][^\W\d_]*)*\.?")
# Words of headers, roles and companies that a table cell or a comment may hold where a
# name would stand; never part of a person's name.
_NOT_NAME_WORDS = frozenset(
    """github gitlab email e-mail mail name login handle user username id account the and or
    of for with team teams project projects company affiliation organization organisation
    inc inc. llc ltd ltd. corp corp. corporation gmbh university lab labs see at in on by
    from to is are was tbd none role roles area areas member members contact sig wg
    committee group chair""".split()
)
_LOGIN_HEADER = re.compile(r"github|gitlab|login|handle|user\s*name|\bid\b|account|\bgh\b", re.I)
_EMAIL_HEADER = re.compile(r"e-?mail|\bmail\b|contact", re.I)
_NAME_HEADER = re.compile(
    r"\bname\b|maintainer|member|person|people|who|contributor|approver|reviewer|committer"
    r"|owner|lead|emerit|alumn|steward",
    re.I,
)
_OTHER_HEADER = re.compile(
    r"role|title|position|area|affiliat|company|organi[sz]ation|employer|team|\bsig\b|focus"
    r"|component|responsib|time\s*zone|location|status|since|scope|repo|project|slack|twitter"
    r"|website|domain|term|date|year",
    re.I,
)
_TABLE_SEPARATOR = re.compile(r"^\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)+\|?$")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
_BARE_PAIR = re.compile(rf"^`?@?({_LOGIN})`?\s+[-–—:]\s+(.+)$")
_YAML_COMMENTED = re.compile(rf"^\s*-\s*[\"']?@?({_LOGIN})[\"']?\s*#\s*(.+?)\s*$")


def _plain(text: str, logins: bool = False) -> str:
    """Markdown reduced to its words: links to their text (with ``logins``, a link to a
    person's GitHub page under another text keeps the login: "Ada Lovelace (@ada)"),
    emphasis and code marks gone, e-mails left out, spaces collapsed."""

    def person_link(m: re.Match[str]) -> str:
        shown, login = m.group(1), m.group(2)
        if login.lower() in _NOT_USERS or _fold_text(shown) == _fold_text(login):
            return shown
        return f"{shown} (@{login})"

    if logins:
        text = _USER_LINK.sub(person_link, text)
    text = _ANY_MD_LINK.sub(lambda m: m.group(1), text)
    text = _ADDRESS.sub(" ", text)
    text = re.sub(r"[*_`~]+", "", text)
    text = re.sub(r"([(\[])\s*[/,;|]\s*", r"\1", text)  # "(<e-mail> / @ada)" -> "(@ada)"
    text = re.sub(r"\s*[/,;|]\s*([)\]])", r"\1", text)
    text = re.sub(r"[(\[]\s*[)\]]", "", text)
    return re.sub(r"\s+", " ", text).strip()


def person_name(text: object, words: int = 1) -> str | None:
    """``text`` cleaned if it reads as a person's name (at least ``words`` words, at most
    six, letters only, one of them capitalised, no role or company word), else None.

    >>> person_name("**Ada Lovelace** (")
    'Ada Lovelace'
    >>> person_name("Project Lead"), person_name("ada"), person_name("R2 D2")
    (None, None, None)
    """
    if not isinstance(text, str):
        return None
    text = _plain(text).strip(" \t([{<-–—:;,|/\\").strip()
    parts = text.split()
    if not words <= len(parts) <= 6 or is_role(text):
        return None
    if not all(_NAME_WORD.fullmatch(p) for p in parts):
        return None
    if any(p.lower().strip(".") in _NOT_NAME_WORDS for p in parts):
        return None
    # A capital, or a script without case (CJK): "ada" alone is a login, not a name.
    if not any(p[0].isupper() or not p[0].islower() for p in parts):
        return None
    return " ".join(parts)


def _login_refs(line: str) -> list[tuple[int, int, str, str]]:
    """(start, end, login, link text) of each GitHub user a line points at: markdown
    links to a user's page, bare links, ``@login`` mentions; in line order."""
    refs: list[tuple[int, int, str, str]] = []
    taken: list[tuple[int, int]] = []
    for m in _USER_LINK.finditer(line):
        if m.group(2).lower() in _NOT_USERS:
            continue
        refs.append((m.start(), m.end(), m.group(2), m.group(1)))
        taken.append((m.start(), m.end()))
    for m in _ANY_MD_LINK.finditer(line):
        taken.append((m.start(), m.end()))

    def free(start: int) -> bool:
        return not any(a <= start < b for a, b in taken)

    for m in _GITHUB_LINK.finditer(line):
        login, rest = m.group(1), m.group(2)
        if free(m.start()) and not rest and login.lower() not in _NOT_USERS:
            if re.fullmatch(_LOGIN, login):
                refs.append((m.start(), m.end(), login, ""))
                taken.append((m.start(), m.end()))
    for m in _MENTION.finditer(line):
        if free(m.start()):
            refs.append((m.start(), m.end(), m.group(1), ""))
    return sorted(refs)


def _email_in(text: str) -> str:
    m = _ADDRESS.search(text)
    return m.group(0).strip("<>") if m else ""


def _link_name(link_text: str, login: str) -> str | None:
    """The name a link's text gives (``[Ada Lovelace](https://github.com/ada)``), unless
    the text is the login itself."""
    if _fold_text(link_text) == _fold_text(login):
        return None
    return person_name(link_text)


def _fold_text(text: str) -> str:
    return re.sub(r"[\W_]+", "", text).lower()


def _line_pairing(line: str, number: int) -> Pairing | None:
    """A pairing from one line of prose or a list: "Name (@login)", "Name <email>
    @login", "[Name](https://github.com/login)", "@login - Name"; a line that points at
    more than one account pairs nobody (whose name is whose is not certain)."""
    found = _text_pairing(line)
    return None if found is None else replace(found, line=number)


@lru_cache(maxsize=_LINE_CACHE)
def _text_pairing(line: str) -> Pairing | None:
    """:func:`_line_pairing` of ``line`` at line 0."""
    number = 0
    refs = _login_refs(line)
    if len({r[2].lower() for r in refs}) != 1:
        if not refs and _BULLET.match(line):
            return _bare_pairing(line, number)
        return None
    start, end, login, link_text = refs[0]
    email = _email_in(line)
    name = _link_name(link_text, login) if link_text else None
    if name is None:
        before = _BULLET.sub("", line[:start])
        name = person_name(before, 1) if _plain(before) else None
    if name is None:
        after = _plain(line[refs[-1][1] :]).lstrip(")]}>").strip()
        m = re.match(r"^(?:[-–—:]|\()\s*([^(),<|;]+)", after)
        name = person_name(m.group(1), 2) if m else None
    if name is None or _fold_text(name) == _fold_text(login):
        return None
    return Pairing(login, name, email, _plain(line.strip().lstrip("-*+•"), True), number)


def _bare_pairing(line: str, number: int) -> Pairing | None:
    """ "login - Name" in a list item, the login written bare: only with a name of two
    words or more (a bare word could be anything)."""
    m = _BARE_PAIR.match(_BULLET.sub("", line).strip())
    if not m:
        return None
    name = person_name(re.split(r"[(),<|;]", m.group(2))[0], 2)
    if name is None or _fold_text(name) == _fold_text(m.group(1)):
        return None
    text = _plain(_BULLET.sub("", line), True)
    return Pairing(m.group(1), name, _email_in(line), text, number)


def _cells(line: str) -> list[str]:
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    return [c.strip() for c in re.split(r"(?<!\\)\|", body)]


def _table_pairings(header: list[str], rows: list[tuple[int, str]]) -> list[Pairing]:
    """Pairings from a markdown table: the login from the column whose header says
    GitHub/login/handle (else the one cell pointing at an account), the name from the
    column whose header says name/maintainer/member (else the first cell that reads as
    a name, in a column not about roles or companies)."""
    kinds: list[str] = []
    for title in header:
        plain = _plain(title)
        if _EMAIL_HEADER.search(plain):
            kinds.append("email")
        elif _LOGIN_HEADER.search(plain):
            kinds.append("login")
        elif _NAME_HEADER.search(plain) and not _OTHER_HEADER.search(plain):
            kinds.append("name")
        elif _OTHER_HEADER.search(plain):
            kinds.append("other")
        else:
            kinds.append("")
    out: list[Pairing] = []
    for number, line in rows:
        cells = _cells(line)
        login_at, login, link_text = -1, "", ""
        for i, cell in enumerate(cells):
            kind = kinds[i] if i < len(kinds) else ""
            refs = _login_refs(cell)
            if not refs and kind == "login":
                bare = _plain(cell).lstrip("@")
                if re.fullmatch(_LOGIN, bare):
                    refs = [(0, 0, bare, "")]
            if len({r[2].lower() for r in refs}) == 1 and (kind == "login" or login_at < 0):
                if kind == "login" or "login" not in kinds:
                    login_at, login, link_text = i, refs[0][2], refs[0][3]
                    if kind == "login":
                        break
        if login_at < 0:
            continue
        name_at, name = -1, _link_name(link_text, login) if link_text else None
        if name is not None:
            name_at = login_at
        for want in ("name", ""):
            if name is not None:
                break
            for i, cell in enumerate(cells):
                kind = kinds[i] if i < len(kinds) else ""
                if i != login_at and kind == want:
                    name = person_name(cell)
                    if name is not None:
                        name_at = i
                        break
        if name is None or _fold_text(name) == _fold_text(login):
            continue
        email = next((_email_in(c) for c in cells if _email_in(c)), "")
        shown = [_plain(cells[name_at])] if name_at != login_at else []
        shown.append(_plain(cells[login_at], True) or login)
        out.append(Pairing(login, name, email, " | ".join(shown), number))
    return out


def _markdown_pairings(text: str) -> list[Pairing]:
    lines = text.lstrip("\ufeff").splitlines()
    out: list[Pairing] = []
    in_code = False
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            in_code = not in_code
            i += 1
            continue
        nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if not in_code and "|" in stripped and _TABLE_SEPARATOR.match(nxt):
            header = [_plain(c) for c in _cells(stripped)]
            rows: list[tuple[int, str]] = []
            i += 2
            while i < len(lines) and "|" in lines[i]:
                rows.append((i + 1, lines[i]))
                i += 1
            out.extend(_table_pairings(header, rows))
            continue
        if not in_code and stripped and not stripped.startswith("#"):
            found = _line_pairing(line, i + 1)
            if found is not None:
                out.append(found)
        i += 1
    return out


_NAME_KEYS = ("name", "full_name", "fullname", "full-name", "display_name", "realname")
_LOGIN_KEYS = (
    "github", "login", "handle", "username", "user", "github_handle", "github_username",
    "github_login", "github-handle", "github_id", "gh",
)  # fmt: skip
_EMAIL_KEYS = ("email", "e-mail", "mail")


def _load_data(path: str, text: str) -> object:
    """A YAML, TOML or JSON people list as data (None when it cannot be read)."""
    suffix = posixpath.splitext(path.lower())[1]
    try:
        if suffix == ".toml":
            return tomllib.loads(text)
        if suffix == ".json":
            return json.loads(text)
        return yaml.safe_load(text.replace("\t", "  "))
    except (ValueError, yaml.YAMLError, RecursionError):
        return None


def _entry_login(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    if m := _GITHUB_LINK.fullmatch(value.rstrip("/")):
        value = m.group(1)
    value = value.lstrip("@")
    return value if re.fullmatch(_LOGIN, value) else None


def _people_entries(data: object, roles: tuple[str, ...] = ()):
    """(person dict, enclosing keys) of every mapping with a login key, depth first."""
    stack: list[tuple[object, tuple[str, ...]]] = [(data, roles)]
    while stack:
        node, keys = stack.pop()
        if isinstance(node, dict):
            lower = {str(k).lower(): v for k, v in node.items()}
            if any(_entry_login(lower.get(k)) for k in _LOGIN_KEYS):
                yield lower, keys
                continue
            for key, value in reversed(list(node.items())):
                stack.append((value, (*keys, str(key))))
        elif isinstance(node, list):
            stack.extend((item, keys) for item in reversed(node))


def _data_people(path: str, text: str) -> list[tuple[dict, tuple[str, ...]]]:
    return list(_people_entries(_load_data(path, text)))


def parse_people_data(text: str, path: str = "MAINTAINERS.yaml") -> list[Naming]:
    """Who a people list kept as data (YAML, TOML, JSON) names: every entry with a
    login key (``github``, ``login``, ``handle``...) under a key that names a role
    (``maintainers:``, ``[[emeritus]]``), or whose own ``role`` does. Never raises.

    >>> text = "maintainers:\\n  - name: Ada Lovelace\\n    github: ada\\n"
    >>> [(n.owner, n.role) for n in parse_people_data(text)]
    [('ada', 'maintainers')]
    """
    out: list[Naming] = []
    for entry, keys in _data_people(path, text):
        login = next(filter(None, (_entry_login(entry.get(k)) for k in _LOGIN_KEYS)))
        own = entry.get("role") or entry.get("roles") or ""
        own = ", ".join(map(str, own)) if isinstance(own, list) else str(own)
        role = next((k for k in reversed(keys) if is_role(k)), own if is_role(own) else "")
        if role:
            out.append(Naming(login, OwnerKind.USER, "", role))
    return out


def _data_pairings(path: str, text: str) -> list[Pairing]:
    out: list[Pairing] = []
    lines = text.splitlines()
    for entry, _ in _data_people(path, text):
        login = next(filter(None, (_entry_login(entry.get(k)) for k in _LOGIN_KEYS)))
        name = next(filter(None, (person_name(entry.get(k)) for k in _NAME_KEYS)), None)
        if name is None:
            continue
        email = next((str(entry[k]) for k in _EMAIL_KEYS if isinstance(entry.get(k), str)), "")
        number = next((i for i, line in enumerate(lines, 1) if login in line), 0)
        out.append(Pairing(login, name, email, f"{name} | {login}", number))
    return out


def _commented_pairings(text: str) -> list[Pairing]:
    """``- login  # Name`` in an OWNERS or OWNERS_ALIASES file: a comment of two words
    or more that reads as a name."""
    out: list[Pairing] = []
    for number, line in enumerate(text.splitlines(), 1):
        if m := _YAML_COMMENTED.match(line):
            name = person_name(re.split(r"[(),<|;]", m.group(2))[0], 2)
            if name is not None:
                out.append(Pairing(m.group(1), name, "", _plain(line.strip(" -")), number))
    return out


def parse_pairings(path: str, text: str) -> list[Pairing]:
    """The names an owner file writes beside logins, each with its line (see
    :class:`Pairing`): markdown tables whose header names the columns in any order
    ("Name | GitHub | Affiliation"), "Name (@login)", "Name <email> @login",
    "[Name](https://github.com/login)", "login - Name" list items, YAML/TOML/JSON people
    lists with name and github keys, ``- login  # Name`` in OWNERS files. Never raises:
    what cannot be read pairs nobody.

    >>> text = "| Name | GitHub |\\n|---|---|\\n| Ada Lovelace | [ada](https://github.com/ada) |\\n"
    >>> parse_pairings("MAINTAINERS.md", text)
    [Pairing(login='ada', name='Ada Lovelace', email='', text='Ada Lovelace | ada', line=3)]
    """
    kind = owner_file_kind(path)
    try:
        if kind in (OwnerFileKind.OWNERS, OwnerFileKind.OWNERS_ALIASES):
            return _commented_pairings(text)
        if kind is OwnerFileKind.PEOPLE:
            if posixpath.splitext(path.lower())[1] in _DATA_SUFFIXES:
                return _data_pairings(path, text)
            return _markdown_pairings(text)
    except (ValueError, TypeError, RecursionError):
        return []
    return []


def owner_pairings(versions: Iterable[Version]) -> list[dict]:
    """The store's rows of every pairing any version of any owner file wrote (``source``,
    ``login``, ``name``, ``email``, ``text``, ``line``), each from the newest version
    that wrote it: a name written once stays evidence after the person leaves the file.
    ``versions`` as :func:`owner_intervals` takes them."""
    rows: dict[tuple[str, str, str, str], dict] = {}
    parsed: dict[tuple[str, str], list[Pairing]] = {}
    for _, path, text in versions:
        if text is None or owner_file_kind(path) is None:
            continue
        if (path, text) not in parsed:
            parsed[(path, text)] = parse_pairings(path, text)
        for p in parsed[(path, text)]:
            key = (path, p.login.lower(), p.name, p.email.lower())
            rows.pop(key, None)  # newest last
            rows[key] = {"source": path, "login": p.login, "name": p.name,
                         "email": p.email, "text": p.text[:500], "line": p.line}  # fmt: skip
    return list(rows.values())


# --- one file, whatever its kind --------------------------------------------------------


def parse_owner_file(
    path: str,
    text: str,
    aliases: Mapping[str, Sequence[str]] | None = None,
    notes: list[str] | None = None,
) -> list[Naming]:
    """Who the file at ``path`` names. Never raises: an unreadable file names nobody
    and leaves a line in ``notes``. OWNERS_ALIASES names nobody by itself (its
    aliases name people where an OWNERS file uses them)."""
    kind = owner_file_kind(path)
    try:
        if kind is OwnerFileKind.CODEOWNERS:
            return _codeowners_namings(text, None)
        if kind is OwnerFileKind.OWNERS:
            return parse_owners_yaml(text, path, aliases)
        if kind is OwnerFileKind.PEOPLE:
            if posixpath.splitext(path.lower())[1] in _DATA_SUFFIXES:
                return parse_people_data(text, path)
            return parse_people_list(text)
    except OwnerFileError as error:
        if notes is not None:
            notes.append(str(error))
    return []


def owner_file_notes(files: Mapping[str, str]) -> list[str]:
    """What could not be read in the owner files ``files`` (path -> text, e.g. those at
    a head), one line each: "CODEOWNERS: line 12: ... skipped"."""
    notes: list[str] = []
    aliases: dict[str, list[str]] = {}
    if "OWNERS_ALIASES" in files:
        try:
            aliases = parse_owners_aliases(files["OWNERS_ALIASES"])
        except OwnerFileError as error:
            notes.append(f"OWNERS_ALIASES: {error}")
    for path, text in sorted(files.items()):
        found: list[str] = []
        if owner_file_kind(path) is OwnerFileKind.CODEOWNERS:
            parse_codeowners(text, found)
        else:
            parse_owner_file(path, text, aliases, found)
        notes.extend(note if note.startswith(path) else f"{path}: {note}" for note in found)
    return notes


# --- history -> intervals ---------------------------------------------------------------

Version = tuple[datetime, str, "str | None"]


def _moves(deleted: list[str], added: list[str]) -> dict[str, str]:
    """New path -> old path for files moved in one commit: same file name, and the
    same kind of owner file."""
    out: dict[str, str] = {}
    free = list(deleted)
    for new in added:
        for old in free:
            if posixpath.basename(old).lower() == posixpath.basename(new).lower():
                out[new] = old
                free.remove(old)
                break
    return out


def owner_intervals(
    versions: Iterable[Version], repo: str = "", notes: list[str] | None = None
) -> list[NamedOwner]:
    """Intervals during which owner files name each owner.

    ``versions`` is oldest first: (commit time, path, text, or None when the file was
    deleted). Versions with the same commit time are one commit. An owner is named
    from the first version that names them until the first later version that does
    not (``until`` None while still named at the end), for each (file, owner, pattern,
    role). A file deleted at one path and added at another in the same commit (a
    move) keeps its owners named without a gap; the record's source is then the path
    that named them last. OWNERS files expand aliases from the root OWNERS_ALIASES
    as it was at each commit.
    """
    texts: dict[str, str] = {}
    lineage: dict[str, str] = {}  # current path -> the path its intervals began under
    parsed: dict[tuple[str, str, int], list[Naming]] = {}
    open_: dict[tuple[str, Naming], tuple[datetime, str]] = {}  # -> (since, source)
    out: list[NamedOwner] = []
    aliases_version = 0
    aliases: dict[str, list[str]] = {}

    def namings(path: str, text: str) -> list[Naming]:
        kind = owner_file_kind(path)
        key = (path, text, aliases_version if kind is OwnerFileKind.OWNERS else 0)
        if key not in parsed:
            parsed[key] = parse_owner_file(path, text, aliases, notes)
        return parsed[key]

    def apply(when: datetime, batch: list[tuple[str, str | None]]) -> None:
        nonlocal aliases, aliases_version
        deleted = [p for p, t in batch if t is None and p in texts]
        added = [p for p, t in batch if t is not None and p not in texts]
        for path, text in batch:
            if text is None:
                texts.pop(path, None)
            else:
                texts[path] = text
            if path == "OWNERS_ALIASES":
                try:
                    aliases = parse_owners_aliases(text or "")
                except OwnerFileError as error:
                    aliases = {}
                    if notes is not None:
                        notes.append(str(error))
                aliases_version += 1
        for new, old in _moves(deleted, added).items():
            lineage[new] = lineage.pop(old, old)
        for path in deleted:
            lineage.pop(path, None)
        now: dict[tuple[str, Naming], str] = {}
        for path, text in texts.items():
            for naming in namings(path, text):
                now.setdefault((lineage.setdefault(path, path), naming), path)
        for key in [k for k in open_ if k not in now]:
            since, source = open_.pop(key)
            out.append(_record(repo, source, key[1], since, when))
        for key, source in now.items():
            if key in open_:
                open_[key] = (open_[key][0], source)
            else:
                open_[key] = (when, source)

    batch: list[tuple[str, str | None]] = []
    batch_time: datetime | None = None
    for when, path, text in versions:
        if owner_file_kind(path) is None:
            continue
        if batch_time is not None and when != batch_time:
            apply(batch_time, batch)
            batch = []
        batch_time = when
        batch.append((path, text))
    if batch_time is not None:
        apply(batch_time, batch)
    for (_, naming), (since, source) in open_.items():
        out.append(_record(repo, source, naming, since, None))
    out.sort(key=lambda r: (r.since, r.source, r.owner.lower(), r.pattern, r.role))
    return out


def _record(
    repo: str, source: str, naming: Naming, since: datetime, until: datetime | None
) -> NamedOwner:
    return NamedOwner(
        repo=repo,
        source=source,
        owner=naming.owner,
        kind=naming.kind,
        pattern=naming.pattern,
        role=naming.role,
        since=since,
        until=until,
    )


def expand_teams(
    records: Iterable[NamedOwner], members: Mapping[str, Sequence[str]]
) -> list[NamedOwner]:
    """Team entries replaced by one record per member (``members``: "org/team" ->
    logins, from GitHub or a project's own list), with the role ``team:org/team``;
    teams without known members are kept as they are."""
    lookup = {team.lower(): logins for team, logins in members.items()}
    out: list[NamedOwner] = []
    for record in records:
        logins = lookup.get(record.owner.lower()) if record.kind is OwnerKind.TEAM else None
        if not logins:
            out.append(record)
            continue
        for login in logins:
            out.append(
                NamedOwner(
                    record.repo,
                    record.source,
                    login,
                    OwnerKind.USER,
                    record.pattern,
                    f"team:{record.owner}",
                    record.since,
                    record.until,
                )
            )
    return out


# --- team member lists ------------------------------------------------------------------

_TEAM_HEADING = re.compile(r"^(\s*)([A-Za-z0-9][\w.-]*(?:/[A-Za-z0-9][\w.-]*)?)\s*:\s*(#.*)?$")
_TEAM_MEMBER = re.compile(rf"^(\s*)-\s*@?({_LOGIN})\s*(#.*)?$")


def parse_team_list(text: str) -> dict[str, list[str]]:
    """Team members from a project's own list, for teams the API will not list.

    The layout projects keep (onnx/sigs ``CONTRIBUTORS``, and plain YAML): a heading
    ``Name:`` opens a team, ``- login`` lines are its members, and an indented heading
    opens a sub-team whose name is the path joined by "-" (``SIG-archinfra:`` then
    ``approvers:`` is ``sig-archinfra-approvers``). Names are lower-case, as GitHub's
    team slugs are; a heading may carry the organisation (``acme/reviewers:``). Other
    lines are ignored. Raises :class:`OwnerFileError` when no member is found.
    """
    teams: dict[str, list[str]] = {}
    path: list[tuple[int, str]] = []  # (indent, name) of the open headings
    for raw in text.splitlines():
        line = raw.expandtabs(4)
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        heading = _TEAM_HEADING.match(line)
        member = _TEAM_MEMBER.match(line)
        if heading:
            indent = len(heading.group(1))
            while path and path[-1][0] >= indent:
                path.pop()
            path.append((indent, heading.group(2).lower()))
        elif member and path:
            indent = len(member.group(1))
            while len(path) > 1 and path[-1][0] >= indent:
                path.pop()  # a member less indented than a sub-team belongs to its parent
            team = "-".join(name for _, name in path)
            logins = teams.setdefault(team, [])
            if member.group(2) not in logins:
                logins.append(member.group(2))
    if not teams:
        raise OwnerFileError("no team members found: expected 'team:' lines, then '- login' lines")
    return teams


def team_lookup(members: Mapping[str, Sequence[str]], org: str) -> dict[str, list[str]]:
    """``members`` keyed by "org/team" as CODEOWNERS names teams: names without an
    organisation get ``org``'s."""
    out: dict[str, list[str]] = {}
    for team, logins in members.items():
        key = team.lower() if "/" in team else f"{org.lower()}/{team.lower()}"
        out[key] = list(logins)
    return out
