"""The privacy key: what makes the opt-out list and person ids useless without it.

The key is a secret kept **outside the database**, in a file only its owner may read
(``[privacy] key_file`` in the settings, ``TALENT_KEY_FILE``, else
``$XDG_CONFIG_HOME/talent/privacy.key``), made on first use. With it:

- an opt-out entry is ``HMAC(k_n, ... HMAC(k_1, SHA-256(salt, token)))``: the store's salt,
  then every key of the file in turn, oldest first (a rotation adds a key and wraps the
  stored entries once more, so a copy of the file made before it opens nothing made after);
- a person id is ``"p"`` and 12 hex digits of ``HMAC(k_1, anchor)``, so nobody can compute
  a person's id from their login, e-mail or account id.

A database remembers a fingerprint of the key it was made with (``meta.privacy_key``).
Opening it with another key, or with none, is refused with one line saying which file is
needed, never answered with a new key: a new key would silently let opted-out people back
in and renumber everyone.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from talent.config import Settings
from talent.files import (
    MAX_SETTINGS_BYTES,
    InputFileError,
    read_text_limited,
    write_private_text,
)
from talent.store import get_meta, privacy_salt, rewrap_suppressions, suppressed_hashes

__all__ = [
    "KEY_ENV_VAR",
    "KeyProblem",
    "PrivacyKey",
    "key_path",
    "read_key",
    "ensure_key",
    "write_key_file",
    "OptoutList",
    "rotate_key",
    "load_optout",
]

KEY_ENV_VAR = "TALENT_KEY_FILE"
_CHECK_META = "privacy_key"
_HEADER = "# talent privacy key: keep this file private and backed up apart from the database\n"


class KeyProblem(ValueError):
    """The key file is missing, unreadable or not the one this database was made with
    (message: one line saying what to do)."""


@dataclass(frozen=True)
class PrivacyKey:
    """The keys of a key file, oldest first (one until the first rotation)."""

    keys: tuple[bytes, ...]

    def wrap(self, digest: str, start: int = 0) -> str:
        """``digest`` passed through the keys from ``start`` on (hex in, hex out)."""
        for key in self.keys[start:]:
            digest = hmac.new(key, digest.encode("ascii"), hashlib.sha256).hexdigest()
        return digest

    def hash(self, salt: str, token: str) -> str:
        """The list entry of ``token``: salted SHA-256 wrapped by every key.

        >>> k = PrivacyKey((b"k1",))
        >>> k.hash("s", "login:ada") == k.wrap(PrivacyKey(()).hash("s", "login:ada"))
        True
        """
        return self.wrap(hashlib.sha256(f"{salt}\x1f{token}".encode()).hexdigest())

    def person_id(self, anchor: str) -> str:
        """A person's id from the identity that anchors them (the first key only, so a
        rotation keeps every id).

        >>> PrivacyKey((b"k1",)).person_id("github:7") == PrivacyKey((b"k2",)).person_id("github:7")
        False
        """
        digest = hmac.digest(self.keys[0], f"person\x1f{anchor}".encode(), "sha256")
        return "p" + digest.hex()[:12]

    @property
    def fingerprint(self) -> str:
        """What a database records to know its key again (tells nothing of the key)."""
        return self.wrap(hashlib.sha256(b"talent key check").hexdigest())[:24]


def key_path(settings: Settings | None = None) -> Path:
    """Where the key file is: the settings' ``key_file``, ``TALENT_KEY_FILE``, else the
    user's configuration folder."""
    chosen = (settings.key_file if settings else "") or os.environ.get(KEY_ENV_VAR, "")
    if chosen:
        return Path(chosen).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "talent" / "privacy.key"


def read_key(path: Path) -> PrivacyKey | None:
    """The key in ``path``; None when there is no file. Raises :class:`KeyProblem` when
    it cannot be read or holds no key."""
    try:
        text = read_text_limited(path, MAX_SETTINGS_BYTES, "the key file", encoding="ascii")
    except FileNotFoundError:
        return None
    except InputFileError as exc:
        raise KeyProblem(str(exc)) from None
    except OSError as exc:
        raise KeyProblem(f"cannot read the key file {path}: {exc}") from None
    lines = [line.strip() for line in text.splitlines()]
    try:
        keys = tuple(bytes.fromhex(line) for line in lines if line and not line.startswith("#"))
    except ValueError:
        raise KeyProblem(f"{path} is not a talent key file (expected hex lines)") from None
    if not keys or any(len(k) < 16 for k in keys):
        raise KeyProblem(f"{path} is not a talent key file (no key of 16 bytes or more)")
    return PrivacyKey(keys)


def write_key_file(path: Path, key: PrivacyKey, *, exclusive: bool = False) -> None:
    """Write ``key`` to ``path`` readable by its owner only (the folder too, when made).
    ``exclusive``: fail with FileExistsError if the file exists (two first uses at once
    keep one key)."""
    body = _HEADER + "".join(k.hex() + "\n" for k in key.keys)
    write_private_text(path, body, exclusive=exclusive)


# The key each open engine was checked with: a command opens its store with its settings
# (where the key file may be named) once, and the sync layer, which is given only the
# engine, finds the same key here.
_CHECKED: weakref.WeakKeyDictionary[Engine, tuple[PrivacyKey, Settings | None]] = (
    weakref.WeakKeyDictionary()
)


def ensure_key(engine: Engine, settings: Settings | None = None) -> PrivacyKey:
    """The key of this database, made on first use. Raises :class:`KeyProblem` when the
    database was made with a key that the key file does not hold.

    A database whose opt-out list was made before keys (salted hashes only) has each
    entry wrapped with the key, once, in one transaction with the key's fingerprint."""
    cached, known = _CHECKED.get(engine, (None, None))
    if settings is None:
        settings = known  # the settings the engine was first checked with
        # Another process may have rotated the key since: the recorded fingerprint says.
        if cached is not None and get_meta(engine, _CHECK_META) == cached.fingerprint:
            return cached
    key = _ensure_key(engine, settings)
    _CHECKED[engine] = (key, settings)
    return key


def _ensure_key(engine: Engine, settings: Settings | None) -> PrivacyKey:
    path = key_path(settings)
    key = read_key(path)
    recorded = get_meta(engine, _CHECK_META)
    if key is None and recorded is None:
        try:
            write_key_file(path, PrivacyKey((secrets.token_bytes(32),)), exclusive=True)
        except FileExistsError:
            pass  # another process made it just now: use theirs
        except OSError as exc:
            raise KeyProblem(
                f"cannot make the key file {path}: {exc.strerror}; set {KEY_ENV_VAR} to a "
                "writable place outside the database's folder"
            ) from None
        key = read_key(path)
    if key is None:
        raise KeyProblem(
            f"this database was made with a privacy key, and {path} is missing: restore "
            f"that file or point {KEY_ENV_VAR} at it (a new key would let opted-out people back)"
        )
    if recorded is None:
        rewrap_suppressions(engine, key.wrap, {_CHECK_META: key.fingerprint})
    elif recorded != key.fingerprint:
        pending = read_key(path.with_name(path.name + ".new"))
        if pending is not None and pending.fingerprint == recorded:
            os.replace(path.with_name(path.name + ".new"), path)  # a rotation cut short
            return pending
        raise KeyProblem(
            f"{path} is not the privacy key this database was made with: point "
            f"{KEY_ENV_VAR} at the right file"
        )
    return key


def rotate_key(engine: Engine, settings: Settings | None = None) -> int:
    """Add a new key to the key file and wrap every entry of the list with it, so that a
    copy of the key file made before opens nothing made after; person ids stay. Returns
    the entries re-wrapped.

    The new file is written beside the old one first, the list re-wrapped in one
    transaction, then the file put in place: a run killed in between is finished by the
    next :func:`ensure_key`."""
    old = ensure_key(engine, settings)
    path = key_path(settings)
    new = PrivacyKey((*old.keys, secrets.token_bytes(32)))
    pending = path.with_name(path.name + ".new")
    write_key_file(pending, new, exclusive=False)  # writes .new.new then renames to .new
    count = rewrap_suppressions(
        engine, lambda h: new.wrap(h, start=len(old.keys)), {_CHECK_META: new.fingerprint}
    )
    os.replace(pending, path)
    _CHECKED[engine] = (new, settings)
    return count


@dataclass(frozen=True)
class OptoutList:
    """The opt-out list as a matcher: the store's salt, its key and the entries."""

    salt: str
    key: PrivacyKey
    hashes: frozenset[str]
    _seen: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    def entry(self, token: str) -> str:
        return self.key.hash(self.salt, token)

    def hit(self, tokens: Iterable[str]) -> bool:
        """True when any of ``tokens`` (:func:`talent.names.optout_tokens`) is listed."""
        return bool(self.hashes) and any(self.listed(t) for t in tokens)

    def listed(self, token: str) -> bool:
        """True when ``token`` is listed (remembered: titles repeat their words)."""
        if not self.hashes:
            return False
        found = self._seen.get(token)
        if found is None:
            found = self._seen[token] = self.entry(token) in self.hashes
        return found


def load_optout(engine: Engine, settings: Settings | None = None) -> OptoutList:
    """The store's opt-out list with its key (made on first use)."""
    key = ensure_key(engine, settings)
    salt = privacy_salt(engine) or ""
    return OptoutList(salt, key, suppressed_hashes(engine))
