"""Reading the files a user hands in: bounded in size, JSON and TOML bounded in depth;
and writing talent's own secret files, readable by their owner only.

Every file talent is given (an ATS export, an earlier export, an opt-out list, the
settings and people files, a truth or model file) is read through these functions, so
``/dev/zero``, a 3 GB file or ``[[[[...`` nested a million deep ends in one line
(:class:`InputFileError`) instead of a MemoryError or a RecursionError.

Errors of the operating system (no such file, no permission) are left to the caller as
:class:`OSError`, which already knows what the file was for.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

MAX_FILE_BYTES = 64 * 2**20  # a file of data: an ATS export, an earlier export, a list
MAX_SETTINGS_BYTES = 2**20  # a hand-written file: settings, people, team members
MAX_DEPTH = 64  # nesting of JSON/TOML; talent's own files nest at most 4 deep


class InputFileError(ValueError):
    """A file that is too large, too deeply nested or not text; the message is one line
    naming the file."""


def _size(n: int) -> str:
    return f"{n // 2**20} MB" if n >= 2**20 else f"{n} bytes"


def read_bytes_limited(path: str | os.PathLike[str], max_bytes: int, what: str) -> bytes:
    """The bytes of ``path``, at most ``max_bytes``; reads ``max_bytes + 1`` and no more,
    so an endless file (``/dev/zero``) or a huge one stops at the limit.

    >>> read_bytes_limited("/dev/zero", 10, "it")
    Traceback (most recent call last):
    ...
    talent.files.InputFileError: /dev/zero: it is larger than 10 bytes, the most talent reads
    """
    with open(path, "rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputFileError(
            f"{path}: {what} is larger than {_size(max_bytes)}, the most talent reads"
        )
    return data


def read_text_limited(
    path: str | os.PathLike[str], max_bytes: int, what: str, *, encoding: str = "utf-8"
) -> str:
    """The text of ``path`` (UTF-8 unless told), at most ``max_bytes``; see
    :func:`read_bytes_limited`."""
    data = read_bytes_limited(path, max_bytes, what)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"{path}: {what} is not {encoding.upper()} text (byte {exc.start})"
        ) from None


# A JSON string (escapes included): what is inside it is no nesting.
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_BRACKETS = re.compile(r"[\[\]{}]")


def json_depth(text: str, stop_above: int | None = None) -> int:
    """How deep the arrays and objects of JSON ``text`` nest (0 for a bare value),
    counted without parsing, so no recursion; stops counting past ``stop_above``.

    >>> json_depth('{"a": [1, {"b": "[[["}]}')
    3
    >>> json_depth("[" * 10**6, stop_above=64)
    65
    """
    depth = deepest = 0
    for match in _BRACKETS.finditer(_JSON_STRING.sub("", text)):
        depth += 1 if match.group() in "[{" else -1
        if depth > deepest:
            deepest = depth
            if stop_above is not None and deepest > stop_above:
                break
    return deepest


def parse_json_limited(text: str, max_depth: int, what: str) -> Any:
    """JSON ``text`` parsed, refused with one line when nested deeper than ``max_depth``;
    a syntax error is a :class:`json.JSONDecodeError` as usual."""
    if json_depth(text, stop_above=max_depth) > max_depth:
        raise InputFileError(f"{what} nests deeper than {max_depth} levels")
    return json.loads(text)


def load_json_limited(
    path: str | os.PathLike[str], max_bytes: int, max_depth: int, what: str
) -> Any:
    """The JSON in ``path``: at most ``max_bytes``, nested at most ``max_depth`` deep.
    Raises :class:`InputFileError` (too large, too deep, not UTF-8, not JSON) with one
    line naming the file, :class:`OSError` when it cannot be read."""
    text = read_text_limited(path, max_bytes, what)
    try:
        return parse_json_limited(text, max_depth, f"{path}: {what}")
    except json.JSONDecodeError as exc:
        raise InputFileError(
            f"{path}: {what} is not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None


def parse_toml_limited(text: str, what: str) -> dict[str, Any]:
    """TOML ``text`` parsed; nesting so deep that the parser would exhaust the stack is
    an :class:`InputFileError` (tomllib has no depth limit of its own), a syntax error a
    :class:`tomllib.TOMLDecodeError` as usual."""
    import tomllib

    try:
        return tomllib.loads(text)
    except RecursionError:
        # tomllib recurses once per level of inline arrays and tables; only a hostile
        # file gets near the interpreter's limit, and nothing is left half-done.
        raise InputFileError(f"{what} nests too deeply to be read") from None


def write_private_text(path: str | os.PathLike[str], text: str, *, exclusive: bool = False) -> None:
    """Write ``text`` to ``path`` readable by its owner only (0600; a folder it makes,
    0700), synced to disk. ``exclusive``: create it or fail with FileExistsError (two
    first uses at once keep one file); else replace it whole (a ``.new`` file renamed
    over it, so a reader never sees half of it)."""
    path = os.fspath(path)
    os.makedirs(os.path.dirname(path) or ".", mode=0o700, exist_ok=True)
    target = path if exclusive else path + ".new"
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(target, flags, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    if not exclusive:
        os.replace(target, path)
