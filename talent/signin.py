"""Serving the app with or without sign-in: where it may listen, and the ``[auth]``
secrets Streamlit's ``st.login`` needs, given to it without writing any secret into the
checkout, the working folder, the database or a log.

Without ``[auth]`` in the settings the app has no sign-in, so it serves only this
machine (loopback). With it, Streamlit gets its ``[auth]`` table either from the user's
own ``secrets_file`` or from a file made for the app's lifetime, readable by its owner
only, in a fresh private folder outside the checkout (:func:`streamlit_secrets`); the
client secret and the cookie secret come from the environment variables the settings
name, the cookie secret otherwise from a file kept beside the privacy key
(:func:`cookie_secret_path`).

``talent app`` and ``talent serve`` use the same calls::

    problem = app_launch_problem(settings, address)   # refuse with this one line
    with streamlit_secrets(settings) as secrets:      # None without sign-in
        command = streamlit_command(address, port, secrets)  # (talent.cli)
        env = app_env(settings, os.environ)
        ...
"""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
import shutil
import socket
import tempfile
import tomllib
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from talent.config import AuthSettings, Settings
from talent.files import (
    MAX_SETTINGS_BYTES,
    InputFileError,
    parse_toml_limited,
    read_text_limited,
    write_private_text,
)
from talent.store.keys import key_path

__all__ = [
    "SIGN_IN_ENV_VAR",
    "SignInProblem",
    "is_loopback",
    "app_launch_problem",
    "sign_in_note",
    "auth_secrets",
    "cookie_secret",
    "cookie_secret_path",
    "streamlit_secrets",
    "app_env",
    "sign_in_required",
    "providers",
    "fetch_issuer",
]

# Set by ``talent app`` for the Streamlit process when the settings ask for sign-in: the
# app then refuses to show anything if it cannot read [auth] itself (a settings file
# broken after the start must not turn sign-in off).
SIGN_IN_ENV_VAR = "TALENT_SIGN_IN"
SIGN_IN_REQUIRED = "required"
_COOKIE_FILE = "cookie.secret"
_HOW_TO = 'configure sign-in: an [auth] table in the settings file (README, "Sign-in")'


class SignInProblem(ValueError):
    """Sign-in cannot be set up (message: one line saying what to do)."""


def is_loopback(address: str) -> bool:
    """True if ``address`` reaches this machine only: 127.0.0.0/8, ::1, ``localhost``
    (or a name that resolves only to those).

    >>> [is_loopback(a) for a in ("127.0.0.1", "::1", "localhost", "0.0.0.0", "::", "10.0.0.2")]
    [True, True, True, False, False, False]
    """
    if address.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(address, None)
    except (socket.gaierror, UnicodeError):
        return False
    return bool(infos) and all(
        ipaddress.ip_address(str(info[4][0]).split("%")[0]).is_loopback for info in infos
    )


def app_launch_problem(settings: Settings, address: str) -> str | None:
    """Why the app must not start on ``address`` with ``settings``, in one line, or None.

    Without sign-in only a loopback address is allowed; with it, every secret it needs
    must be at hand (an environment variable named in ``[auth]`` that is not set is
    named).

    >>> app_launch_problem(Settings(), "127.0.0.1") is None
    True
    >>> app_launch_problem(Settings(), "0.0.0.0").startswith("sign-in is off")
    True
    """
    if settings.auth is None:
        if is_loopback(address):
            return None
        return (
            f"sign-in is off, so the app serves only this machine (127.0.0.1, ::1, "
            f"localhost); to serve {address}, {_HOW_TO}"
        )
    try:
        auth_secrets(settings)
    except SignInProblem as exc:
        return str(exc)
    return None


def sign_in_note(settings: Settings) -> str:
    """The line ``talent app`` prints about sign-in (names no secret)."""
    if settings.auth is None:
        return "Sign-in is off ([auth] not in the settings): the app serves only this machine."
    names = ", ".join(providers(settings.auth))
    return f"Sign-in is on (provider: {names}); roles come from the settings' [roles]."


def _env_secret(name: str, what: str) -> str:
    value = os.environ.get(name, "")
    if not value.strip():
        raise SignInProblem(f"[auth] {what}: the environment variable {name} is not set")
    return value


def cookie_secret_path(settings: Settings) -> Path:
    """Where the cookie secret is kept when no environment variable holds it: beside the
    privacy key (:func:`talent.store.keys.key_path`), readable by its owner only."""
    return key_path(settings).with_name(_COOKIE_FILE)


def cookie_secret(settings: Settings) -> str:
    """The secret that signs the sign-in cookie: the environment variable named by
    ``[auth] cookie_secret_env``, else a random one made once and kept in
    :func:`cookie_secret_path` (so a restart keeps everyone signed in)."""
    auth = settings.auth or AuthSettings()
    if auth.cookie_secret_env:
        return _env_secret(auth.cookie_secret_env, "cookie_secret_env")
    path = cookie_secret_path(settings)
    try:
        write_private_text(path, secrets.token_hex(32) + "\n", exclusive=True)
    except FileExistsError:
        pass  # made before (or by another process just now): use it
    except OSError as exc:
        raise SignInProblem(
            f"cannot make the cookie secret file {path}: {exc.strerror}; name an "
            "environment variable with [auth] cookie_secret_env instead"
        ) from None
    try:
        value = read_text_limited(path, MAX_SETTINGS_BYTES, "the cookie secret file").strip()
    except (OSError, InputFileError) as exc:
        raise SignInProblem(f"cannot read the cookie secret file {path}: {exc}") from None
    if len(value) < 32:
        raise SignInProblem(f"{path} holds no cookie secret (32 characters or more): remove it")
    return value


def _secrets_file_auth(path: str) -> dict:
    """The ``[auth]`` table of the user's Streamlit secrets file (checked, one line if
    it cannot serve)."""
    if not path.endswith(".toml"):
        raise SignInProblem(f"[auth] secrets_file: {path} must be a .toml file")
    try:
        table = parse_toml_limited(
            read_text_limited(path, MAX_SETTINGS_BYTES, "the secrets file"), "the secrets file"
        ).get("auth")
    except FileNotFoundError:
        raise SignInProblem(f"[auth] secrets_file: {path} does not exist") from None
    except (OSError, InputFileError, tomllib.TOMLDecodeError) as exc:
        raise SignInProblem(f"[auth] secrets_file: cannot read {path}: {exc}") from None
    if not isinstance(table, dict):
        raise SignInProblem(f"[auth] secrets_file: {path} has no [auth] table")
    missing = [k for k in ("redirect_uri", "cookie_secret") if not table.get(k)]
    if missing:
        raise SignInProblem(f"[auth] secrets_file: {path} [auth] needs {', '.join(missing)}")
    if not _provider_urls(table):
        raise SignInProblem(
            f"[auth] secrets_file: {path} [auth] names no provider (server_metadata_url)"
        )
    return table


def _provider_urls(table: Mapping) -> dict[str, str]:
    found = {}
    if table.get("server_metadata_url"):
        found["default"] = str(table["server_metadata_url"])
    for name, section in table.items():
        if isinstance(section, dict) and section.get("server_metadata_url"):
            found[name] = str(section["server_metadata_url"])
    return found


def providers(auth: AuthSettings) -> dict[str, str]:
    """The sign-in providers, name -> discovery document URL: ``"default"`` for the one
    given in the settings; those of the secrets file (``[auth]`` itself and its
    ``[auth.NAME]`` tables) with ``secrets_file``.

    >>> providers(AuthSettings(server_metadata_url="http://127.0.0.1:9/.well-known/x"))
    {'default': 'http://127.0.0.1:9/.well-known/x'}
    """
    if auth.secrets_file:
        return _provider_urls(_secrets_file_auth(auth.secrets_file))
    return {"default": auth.server_metadata_url}


def auth_secrets(settings: Settings) -> dict:
    """The ``[auth]`` table Streamlit needs, built from the settings and the environment
    (raises :class:`SignInProblem` naming what is missing). With ``secrets_file`` the
    file's own table. Holds secrets: never print or log it."""
    auth = settings.auth
    if auth is None:
        raise SignInProblem(f"sign-in is not configured: {_HOW_TO}")
    if auth.secrets_file:
        return _secrets_file_auth(auth.secrets_file)
    table: dict[str, object] = {
        "redirect_uri": auth.redirect_uri,
        "cookie_secret": cookie_secret(settings),
        "client_id": auth.client_id,
        "client_secret": _env_secret(auth.client_secret_env, "client_secret_env"),
        "server_metadata_url": auth.server_metadata_url,
    }
    if auth.prompt:
        table["client_kwargs"] = {"prompt": auth.prompt}
    return table


def _toml_value(value) -> str:
    if isinstance(value, dict):
        return (
            "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
        )
    return json.dumps(value)  # a JSON string is a TOML basic string


@contextmanager
def streamlit_secrets(settings: Settings) -> Iterator[Path | None]:
    """The Streamlit secrets file to start the app with (``--secrets.files``), for as
    long as the ``with`` block runs; None without sign-in.

    With ``secrets_file`` that file as it is. Otherwise a file made from
    :func:`auth_secrets`, readable by its owner only, in a fresh private folder in the
    system's temporary folder (never the checkout or the working folder), removed with
    its folder when the block ends."""
    if settings.auth is None:
        yield None
        return
    if settings.auth.secrets_file:
        _secrets_file_auth(settings.auth.secrets_file)
        yield Path(settings.auth.secrets_file)
        return
    table = auth_secrets(settings)
    folder = Path(tempfile.mkdtemp(prefix="talent-signin-"))  # made 0700
    try:
        path = folder / "secrets.toml"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write("[auth]\n")
            out.writelines(f"{key} = {_toml_value(value)}\n" for key, value in table.items())
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def app_env(settings: Settings, base: Mapping[str, str]) -> dict[str, str]:
    """The Streamlit process's environment: ``base`` less the secrets' own variables
    (the app reads them from its secrets file, so nothing it starts inherits them), and
    :data:`SIGN_IN_ENV_VAR` when sign-in is on."""
    env = dict(base)
    env.pop(SIGN_IN_ENV_VAR, None)
    if settings.auth is not None:
        for name in (settings.auth.client_secret_env, settings.auth.cookie_secret_env):
            if name:
                env.pop(name, None)
        env[SIGN_IN_ENV_VAR] = SIGN_IN_REQUIRED
    return env


def sign_in_required(env: Mapping[str, str]) -> bool:
    """True if the app was started with sign-in (so it must never fall back to none)."""
    return env.get(SIGN_IN_ENV_VAR) == SIGN_IN_REQUIRED


def fetch_issuer(metadata_url: str, *, timeout: float = 10.0) -> str:
    """The ``issuer`` of the provider's discovery document (raises
    :class:`SignInProblem` when it cannot be read)."""
    try:
        with urllib.request.urlopen(metadata_url, timeout=timeout) as resp:
            body = resp.read(MAX_SETTINGS_BYTES + 1)
    except (OSError, ValueError) as exc:
        raise SignInProblem(f"cannot read the provider's discovery document: {exc}") from None
    try:
        issuer = json.loads(body).get("issuer") if len(body) <= MAX_SETTINGS_BYTES else None
    except (ValueError, AttributeError):
        issuer = None
    if not isinstance(issuer, str) or not issuer:
        raise SignInProblem("the provider's discovery document names no issuer")
    return issuer
