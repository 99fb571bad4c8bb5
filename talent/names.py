"""How names, e-mail addresses and logins are folded for matching: pure functions that
identity resolution (:mod:`talent.people.identity`) links people with and that the opt-out list
(:func:`optout_tokens`) leaves people out with, so both see a person the same way.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

# Identities that many unrelated people share: never evidence that two are one person.
SHARED_NAMES = frozenset(
    {
        "root",
        "ubuntu",
        "admin",
        "administrator",
        "unknown",
        "github",
        "user",
        "noreply",
        "none",
        "nobody",
        "test",
        "dev",
        "developer",
        "localhost",
        "your name",
        "yourname",
        "your-name",
        "username",
        "git",
        "guest",
        "default",
        "vagrant",
        "ec2-user",
        "pi",
    }
)
SHARED_EMAIL_LOCALS = frozenset(
    {
        "noreply",
        "no-reply",
        "root",
        "admin",
        "unknown",
        "none",
        "nobody",
        "test",
        "you",
        "user",
        "email",
        "git",
        "github",
        "ubuntu",
        "localhost",
    }
)


NOREPLY_ADDRESS = re.compile(r"^(?:(\d+)\+)?([^@+]+)@users\.noreply\.github\.com$", re.IGNORECASE)


def login_from_noreply(email: str) -> str | None:
    """The GitHub login in a noreply address, or None.

    >>> login_from_noreply("583231+octocat@users.noreply.github.com")
    'octocat'
    >>> login_from_noreply("octocat@users.noreply.github.com")
    'octocat'
    >>> login_from_noreply("octocat@example.com") is None
    True
    """
    match = NOREPLY_ADDRESS.match(email or "")
    return match.group(2) if match else None


def is_shared_email(email: str) -> bool:
    """True for addresses many people share, which must never link identities.

    >>> is_shared_email("noreply@github.com"), is_shared_email("ada@example.org")
    (True, False)
    """
    if "@" not in (email or ""):
        return True
    local, _, domain = email.lower().partition("@")
    return local in SHARED_EMAIL_LOCALS or domain in ("localhost", "(none)") or "." not in domain


def mailbox_of(email: str | None) -> str | None:
    """The mailbox an address is delivered to, with a "+tag" taken out of its local part
    (lower-cased), or None for shared, noreply and malformed addresses.

    >>> mailbox_of("J.Doe+github@Mail.example"), mailbox_of("jdoe@mail.example")
    ('j.doe@mail.example', 'jdoe@mail.example')
    >>> mailbox_of("42+jdoe@users.noreply.github.com") is None, mailbox_of("+x@a.example")
    (True, None)
    """
    if not isinstance(email, str) or is_shared_email(email) or login_from_noreply(email):
        return None
    local, _, domain = email.lower().partition("@")
    local = local.split("+", 1)[0]
    if not local or local in SHARED_EMAIL_LOCALS:
        return None
    return f"{local}@{domain}"


_EMAIL_LIKE = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
_SPACES = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[^\w]+")
_NOT_LETTER_OR_DIGIT = re.compile(r"[^a-z0-9]")
_BRACKETED = re.compile(r"\([^)]*\)")


def looks_like_email(text: str) -> bool:
    return bool(_EMAIL_LIKE.search(text or ""))


# Git names that are a machine's, not a person's: an address such as ip-10-0-0-1, a host on
# a home or cloud network, or a laptop's default name ("Adas-MacBook-Pro").
_HOST_NAME = re.compile(
    r"^ip-\d+-\d+-\d+-\d+\b|\.(?:local|lan|localdomain|internal|home|box)$"
    r"|(?:^|[-_\s])(?:macbook|mbp|imac|thinkpad|laptop)(?:$|[-_\s])",
    re.IGNORECASE,
)


def is_generic_name(name: str | None) -> bool:
    """True for git names that many unrelated people share or that name a machine
    ("root", "Ubuntu", "Your Name", a host name), which are never a person's display name.

    >>> is_generic_name("Ubuntu"), is_generic_name("ip-172-31-2-9"), is_generic_name("Ada")
    (True, True, False)
    >>> is_generic_name("Adas-MacBook-Pro.local"), is_generic_name("tix.lo")
    (True, False)
    """
    text = _SPACES.sub(" ", (name or "").strip().casefold())
    return not text or text in SHARED_NAMES or bool(_HOST_NAME.search(text))


def normalise_name(name: str) -> str | None:
    """A name folded for matching, or None when it must never be used to link people
    (fewer than two words, generic, an email address, a bot).

    >>> normalise_name("  José   ÁLVAREZ ")
    'jose alvarez'
    >>> normalise_name("Ada"), normalise_name("Your Name"), normalise_name("a@b.org")
    (None, None, None)
    """
    if not name or looks_like_email(name):
        return None
    folded = unicodedata.normalize("NFKD", name.casefold())
    if not folded.isascii():  # no ASCII character is a combining mark
        folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    words = _NOT_WORD.sub(" ", folded).split()
    text = " ".join(words)
    if len(words) < 2 or text in SHARED_NAMES or "bot" in words or text.endswith(" bot"):
        return None
    return text


def login_variants(name: object) -> set[str]:
    """The logins a full name is often shortened to: initial and surname, name and
    initial, surname and name, surname and initial, name and surname (five letters or
    more; a name of one word has none).

    >>> sorted(login_variants("Luca Antiga"))
    ['antigal', 'antigaluca', 'lantiga', 'lucaa', 'lucaantiga']
    """
    folded = normalise_name(name) if isinstance(name, str) else None
    if not folded:
        return set()
    words = [_NOT_LETTER_OR_DIGIT.sub("", fold(w)) for w in folded.split()]
    words = [w for w in words if w]
    if len(words) < 2:
        return set()
    first, last = words[0], words[-1]
    found = {first[0] + last, first + last[0], last + first, last + first[0], first + last}
    return {v for v in found if len(v) >= 5}


def fold(text: str) -> str:
    """Lower-case letters and digits only, accents taken off (``"Zoë O'Neil"``: ``zoeoneil``)."""
    folded = unicodedata.normalize("NFKD", (text or "").casefold())
    if not folded.isascii():  # no ASCII character is a combining mark
        folded = "".join(c for c in folded if not unicodedata.combining(c))
    return _NOT_LETTER_OR_DIGIT.sub("", folded)


def name_variants(name: str | None) -> tuple[set[str], set[str]]:
    """The short forms a full name may be written as, and the short form a name is.

    A full name (first and last word of two letters or more) gives "initial surname" and
    "first-name initial"; a name with an initial first or last ("J. Doe", "Jane D") is
    itself a short form. Words in brackets are left out.

    >>> sorted(name_variants("Jane van Doe")[0])
    ['j doe', 'jane d']
    >>> name_variants("J. Doe"), name_variants("Jane D"), name_variants("J D")
    ((set(), {'j doe'}), (set(), {'jane d'}), (set(), set()))
    """
    text = _BRACKETED.sub(" ", name or "")
    folded = normalise_name(text)
    if not folded:
        return set(), set()
    words = folded.split()
    first, last = words[0], words[-1]
    if len(first) > 1 and len(last) > 1:
        return {f"{first[0]} {last}", f"{first} {last[0]}"}, set()
    if len(first) + len(last) > 2:
        return set(), {f"{first} {last}"}
    return set(), set()


# --- what the opt-out list knows a person by ------------------------------------------------

# The kinds of value a person can be left out by (``talent privacy optout --kind``).
SUPPRESSION_KINDS = ("login", "email", "hf", "github_id")


def suppression_token(kind: str, value: object) -> str:
    """The normalised form of a value a person opted out by (what gets hashed).

    >>> suppression_token("email", " Ada@Example.org "), suppression_token("hf", "@Ada")
    ('email:ada@example.org', 'hf:ada')
    """
    text = str(value).strip()
    if kind in ("login", "hf", "owner"):
        text = text.lstrip("@")
    return f"{kind}:{text.lower()}"


def optout_tokens(
    source: str,
    name: object = None,
    email: object = None,
    login: object = None,
    github_id: object = None,
    *,
    incoming: bool = False,
) -> list[str]:
    """Every token identity resolution could join an identity by, for the opt-out list.

    The same tokens are written for an opted-out person (``incoming=False``) and looked up
    for every identity a source brings or the store holds (``incoming=True``), so anything
    :mod:`talent.people.identity` would link to an opted-out person is left out with them:

    - ``email:`` the address, ``mailbox:`` the address without its "+tag", ``login:`` a
      GitHub login (of a git identity's hint, a noreply address, an account),
      ``hf:`` a Hub login, ``github_id:`` an account id;
    - ``name:`` a full name of two words or more, folded (:func:`normalise_name`), and
      ``spelled:`` its letters without spaces ("JaneDoe", a name written as a login);
    - for an opted-out person, ``short:`` the short forms of their full names ("Jane D",
      "J Doe", :func:`name_variants`), which an incoming name that *is* a short form hits
      (a ``Reviewed-by: Jane D`` trailer); a full name that merely shares a short form
      with theirs ("Jane Dunn") does not;
    - for an incoming identity, what the resolver's name-as-login rules compare with
      logins: a one-word name, and an address's local part ("jdoe@x.org": ``login:jdoe``,
      ``spelled:jdoe``).

    >>> optout_tokens("git", "Jane Doe", "jane+gh@x.org", None)  # doctest: +NORMALIZE_WHITESPACE
    ['email:jane+gh@x.org', 'mailbox:jane@x.org', 'name:jane doe', 'spelled:janedoe',
     'short:j doe', 'short:jane d']
    >>> optout_tokens("git", "Jane D", "7+jd@users.noreply.github.com", None, incoming=True)
    ... # doctest: +NORMALIZE_WHITESPACE
    ['email:7+jd@users.noreply.github.com', 'login:jd', 'name:jane d', 'spelled:janed',
     'short:jane d']
    >>> optout_tokens("github", None, None, "Ada", 7.0)
    ['login:ada', 'github_id:7']
    """
    tokens: list[str] = []
    if isinstance(email, str) and email.strip():
        tokens.append(suppression_token("email", email))
        box = mailbox_of(email.strip())
        if box:
            tokens.append(f"mailbox:{box}")
        noreply = login_from_noreply(email.strip())
        if noreply:
            tokens.append(suppression_token("login", noreply))
        elif incoming and box:
            local = box.split("@", 1)[0]
            if len(fold(local)) >= 3:
                tokens += [suppression_token("login", local), f"spelled:{fold(local)}"]
    if isinstance(login, str) and login.strip():
        tokens.append(suppression_token("hf" if source == "hf" else "login", login))
    if github_id is not None and str(github_id) not in ("", "nan", "None"):
        tokens.append(suppression_token("github_id", str(int(float(str(github_id))))))
    if isinstance(name, str) and name.strip() and not is_generic_name(name):
        full = normalise_name(name)
        if full:
            tokens += [f"name:{full}", f"spelled:{fold(full)}"]
            variants, short = name_variants(name)
            tokens += [f"short:{v}" for v in sorted(short if incoming else variants)]
        elif incoming and not looks_like_email(name) and len(fold(name)) >= 3:
            tokens.append(suppression_token("login", fold(name)))
    return list(dict.fromkeys(tokens))


def owner_tokens(owner: object, kind: object) -> list[str]:
    """The tokens an owner file's entry (``kind`` user or email) is left out by: a login
    as a login and as an owner-file login, an address as an address.

    >>> owner_tokens("@Jdoe", "user"), owner_tokens("a@x.org", "email")
    (['login:jdoe', 'owner:jdoe'], ['email:a@x.org'])
    """
    text = str(owner or "").strip()
    if not text or kind not in ("user", "email"):
        return []
    if kind == "email":
        return [suppression_token("email", text)]
    return [suppression_token("login", text), f"owner:{fold(text)}"]


# What a mention of a person who opted out becomes in others' titles and subjects.
NAME_REMOVED = "[someone]"
_WORD = re.compile(r"[\w.@+-]+")


def redact_mentions(text: str, listed: Callable[[str], bool]) -> str:
    """``text`` with every word or pair of words that names a listed person (``listed``
    answers for one token: an address, a login of four characters or more, a full name)
    replaced by :data:`NAME_REMOVED`.

    >>> listed = {"login:jooho", "name:ada lee"}.__contains__
    >>> redact_mentions("Add @Jooho and Ada Lee to OWNERS", listed)
    'Add [someone] and [someone] to OWNERS'
    """
    words = [(m.start(), m.end(), m.group().strip(".-+").lstrip("@")) for m in _WORD.finditer(text)]
    spans = []
    i = 0
    while i < len(words):
        pair = words[i : i + 2]
        if len(pair) == 2:
            full = normalise_name(f"{pair[0][2]} {pair[1][2]}")
            if full and listed(f"name:{full}"):
                spans.append((pair[0][0], pair[1][1]))
                i += 2
                continue
        word = words[i][2]
        token = (
            suppression_token("email", word)
            if "@" in word
            else suppression_token("login", word)
            if len(word) >= 4
            else None
        )
        if token and listed(token):
            spans.append((words[i][0], words[i][1]))
        i += 1
    for start, end in reversed(spans):
        text = text[:start] + NAME_REMOVED + text[end:]
    return text
