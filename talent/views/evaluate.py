"""Does a ranking find the people a project itself trusts?

A *truth file* names a repository's maintainers (people listed in its ``CODEOWNERS``,
``OWNERS``, ``MAINTAINERS``-style files) with the git identities each one committed
under. :func:`match_maintainers` finds them among the store's people,
:func:`ranking_metrics` scores a ranking against them, and :func:`evaluate_store` puts
the project's ranking next to the baseline every ranking has to beat: plain commit
count (:func:`commit_count_ranking`).

Relevance is binary and every maintainer counts once: walking the ranking from the top,
a row is a hit when its person belongs to a maintainer that no higher row has already
been credited for. A second row of the same maintainer (an identity split that
resolution did not merge) is a miss, so splits cost a ranking what they cost a
recruiter reading it.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from talent.config import Profile, Settings
from talent.files import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    InputFileError,
    parse_json_limited,
    read_text_limited,
)
from talent.lazy import LazyModule
from talent.model import ActivityKind, IdentitySource
from talent.store import (
    load_activities,
    load_identities,
    load_identity_links,
    load_named_owners,
    load_people,
    load_repos,
)

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = LazyModule("pandas")

__all__ = [
    "TruthError",
    "Maintainer",
    "Truth",
    "Metrics",
    "METHODS",
    "SCOPES",
    "parse_truth",
    "load_truth",
    "match_maintainers",
    "ranking_metrics",
    "commit_count_ranking",
    "evaluate_store",
    "evaluate_owner_files",
    "owner_file_maintainers",
    "split_rate",
    "load_ranking_check",
    "ranking_check_text",
]

# Rows of :func:`evaluate_store`, in order.
METHODS = ("talent", "commit count")
SCOPES = ("ever", "current")


class TruthError(ValueError):
    """A truth file that cannot be used (message is one line naming the file)."""


@dataclass(frozen=True)
class Maintainer:
    """One maintainer of the truth.

    ``identities`` are the git author ``(name, email)`` pairs known to be theirs; empty
    when they never committed under a recognisable identity.
    """

    login: str
    current: bool  # still named at the truth's head
    identities: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Truth:
    """The maintainers of one repository at one commit."""

    repo: str
    head: str
    maintainers: tuple[Maintainer, ...]


@dataclass(frozen=True)
class Metrics:
    """How well one ranking finds one set of maintainers (see :func:`ranking_metrics`)."""

    precision_at_10: float
    recall_at_50: float
    ndcg_at_20: float
    findable: int  # maintainers matched to at least one person
    found_in_top_50: int  # maintainers credited within the first 50 rows


# --- the truth file -----------------------------------------------------------------------


def parse_truth(data: object, source: str = "<truth>") -> Truth:
    """Check the decoded JSON of a truth file and turn it into a :class:`Truth`.

    Keys other than those used (``head_date``, ``roles``, ``note``) are ignored.

    Parameters
    ----------
    data : object
        What ``json.load`` returned.
    source : str
        Names the data in error messages (the file's path).

    Returns
    -------
    Truth

    Raises
    ------
    TruthError
        When a key is missing, a value has the wrong type or a login appears twice.

    Examples
    --------
    >>> truth = parse_truth({"repo": "acme/r", "head": "abc", "maintainers": [
    ...     {"login": "ada", "current": True,
    ...      "identities": [{"name": "Ada L", "email": "ada@example.org"}]}]})
    >>> truth.maintainers[0]
    Maintainer(login='ada', current=True, identities=(('Ada L', 'ada@example.org'),))
    >>> try:
    ...     parse_truth({"repo": "acme/r", "head": "abc"}, "t.json")
    ... except TruthError as exc:
    ...     print(exc)
    t.json: missing key "maintainers"
    """

    def fail(problem: str) -> TruthError:
        return TruthError(f"{source}: {problem}")

    def field(obj: Mapping, key: str, kind: type, where: str):
        if key not in obj:
            raise fail(f'missing key "{key}"{where}')
        value = obj[key]
        # bool is an int in Python; a flag must be a JSON true/false and vice versa.
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise fail(f'"{key}"{where} must be {_JSON_NAMES[kind]}')
        return value

    if not isinstance(data, dict):
        raise fail("the top level must be an object")
    repo = field(data, "repo", str, "")
    head = field(data, "head", str, "")
    entries = field(data, "maintainers", list, "")
    maintainers = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        where = f" in maintainers[{i}]"
        if not isinstance(entry, dict):
            raise fail(f"maintainers[{i}] must be an object")
        login = field(entry, "login", str, where)
        current = field(entry, "current", bool, where)
        pairs = []
        for j, ident in enumerate(field(entry, "identities", list, where)):
            inner = f" in maintainers[{i}].identities[{j}]"
            if not isinstance(ident, dict):
                raise fail(f"maintainers[{i}].identities[{j}] must be an object")
            pairs.append((field(ident, "name", str, inner), field(ident, "email", str, inner)))
        # GitHub logins are case-insensitive: "Ada" and "ada" are one account.
        if not login or login.lower() in seen:
            raise fail(f'empty or repeated login "{login}"{where}')
        seen.add(login.lower())
        maintainers.append(Maintainer(login, current, tuple(pairs)))
    return Truth(repo, head, tuple(maintainers))


_JSON_NAMES = {str: "a string", bool: "true or false", list: "a list", dict: "an object"}


def load_truth(path: str | Path) -> Truth:
    """Read a truth file (format: ``eval/README.md`` of the evaluation set).

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    Truth

    Raises
    ------
    TruthError
        With a one-line message naming the file and the problem, when it cannot be
        read, is not JSON, or misses a key or has a value of the wrong type.
    """
    path = Path(path)
    try:
        text = read_text_limited(path, MAX_FILE_BYTES, "the truth file")
        data = parse_json_limited(text, MAX_DEPTH, f"{path}: the truth file")
    except OSError as exc:
        raise TruthError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except InputFileError as exc:
        raise TruthError(str(exc)) from None
    except json.JSONDecodeError as exc:
        raise TruthError(
            f"{path}: not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    return parse_truth(data, str(path))


# --- matching -----------------------------------------------------------------------------


def match_maintainers(
    truth: Truth, identities: pd.DataFrame, links: pd.DataFrame, people: pd.DataFrame
) -> dict[str, set[str]]:
    """The people of the store that each maintainer of ``truth`` is.

    A maintainer is a person when one of the maintainer's ``(name, email)`` pairs is a
    stored git identity linked to that person (name exact, email case-insensitive, as
    in :attr:`talent.model.Identity.key`), or when a GitHub account the API returned
    (a stored ``github`` identity with an id) has the maintainer's login (compared
    case-insensitively) and is linked to the person.

    Logins guessed from git alone (noreply addresses, "Merge pull request ... from
    login/branch" subjects) do not count: the truth files define "findable from git"
    by the listed identities, and matching more would change the denominator that the
    published baselines were computed with.

    Parameters
    ----------
    truth : Truth
    identities, links, people : DataFrame
        The store's frames (``load_identities``, ``load_identity_links``,
        ``load_people``).

    Returns
    -------
    dict
        Every maintainer's login -> set of person ids; an empty set means the
        maintainer is not findable in this store.

    Examples
    --------
    >>> import pandas as pd
    >>> truth = Truth("acme/r", "abc", (
    ...     Maintainer("ada", True, (("Ada L", "Ada@Example.org"),)),
    ...     Maintainer("bob", False, ())))
    >>> identities = pd.DataFrame({"key": ["git:Ada L\\x1fada@example.org"],
    ...     "source": ["git"], "name": ["Ada L"], "email": ["ada@example.org"],
    ...     "login": [None], "github_id": [None]})
    >>> links = pd.DataFrame({"identity_key": identities["key"], "person_id": ["p1"]})
    >>> people = pd.DataFrame({"person_id": ["p1"], "login": [None]})
    >>> match_maintainers(truth, identities, links, people)
    {'ada': {'p1'}, 'bob': set()}
    """
    person_of = dict(zip(links["identity_key"], links["person_id"], strict=True))
    ids = identities.astype(object).where(identities.notna(), None)

    git_keys: dict[tuple[str, str], list[str]] = {}
    account_keys: dict[str, list[str]] = {}
    for row in ids.itertuples(index=False):
        if row.source == IdentitySource.GIT:
            pair = (row.name or "", (row.email or "").lower())
            git_keys.setdefault(pair, []).append(row.key)
        elif row.source == IdentitySource.GITHUB and row.login and row.github_id is not None:
            account_keys.setdefault(row.login.lower(), []).append(row.key)

    matched: dict[str, set[str]] = {}
    for maintainer in truth.maintainers:
        login = maintainer.login.lower()
        keys = list(account_keys.get(login, []))
        for name, email in maintainer.identities:
            keys.extend(git_keys.get((name, email.lower()), []))
        found = {person_of[k] for k in keys if k in person_of}
        matched[maintainer.login] = found
    return matched


# --- metrics ------------------------------------------------------------------------------


def _credit(
    ranked_person_ids: Sequence[str], maintainers: Mapping[str, set[str]], top: int
) -> list[str | None]:
    """Walk the first ``top`` rows: per row, "hit", "split" (matches only maintainers
    credited by higher rows) or None (matches no maintainer)."""
    of_person: dict[str, list[str]] = {}
    for login in sorted(maintainers):
        for person_id in maintainers[login]:
            of_person.setdefault(person_id, []).append(login)
    credited: set[str] = set()
    rows: list[str | None] = []
    for person_id in list(ranked_person_ids)[:top]:
        logins = of_person.get(person_id)
        if not logins:
            rows.append(None)
            continue
        # One maintainer per row, even if messy data makes one person two maintainers;
        # logins are sorted, so which one is credited does not depend on set order.
        fresh = [login for login in logins if login not in credited]
        if fresh:
            credited.add(fresh[0])
            rows.append("hit")
        else:
            rows.append("split")
    return rows


def _dcg(positions: Sequence[int]) -> float:
    return sum(1.0 / math.log2(i + 1) for i in positions)


def ranking_metrics(
    ranked_person_ids: Sequence[str], maintainers: Mapping[str, set[str]]
) -> Metrics:
    """Precision@10, recall@50 and NDCG@20 of a ranking against the maintainers.

    Walking the ranking from the top, a row is a hit when its person belongs to a
    maintainer not credited by a higher row; that maintainer is then credited (one per
    row). A second row of an already credited maintainer is a miss.

    - precision@10 = hits in the first 10 rows / 10 (a ranking shorter than 10 rows
      is not rewarded for it);
    - recall@50 = maintainers credited in the first 50 rows / findable maintainers;
    - NDCG@20 = DCG / IDCG, DCG = sum over hits at 1-based position i within the
      first 20 rows of 1 / log2(i + 1), IDCG = the same for min(findable, 20) hits at
      the top.

    Parameters
    ----------
    ranked_person_ids : sequence of str
        Person ids, best first.
    maintainers : mapping
        Maintainer -> person ids (:func:`match_maintainers`); a maintainer with no
        person is not findable and counts in neither recall nor IDCG.

    Returns
    -------
    Metrics
        With no findable maintainer the three metrics are NaN: there is nothing a
        ranking could find.

    Examples
    --------
    Maintainers ``a`` and ``b`` findable; ``a`` at positions 1 and 2 (a split), ``b``
    at 3: precision@10 = 2/10, NDCG@20 = (1 + 1/log2(4)) / (1 + 1/log2(3)).

    >>> m = ranking_metrics(["a1", "a2", "b1", "x"],
    ...                     {"a": {"a1", "a2"}, "b": {"b1"}, "c": set()})
    >>> m.precision_at_10, m.recall_at_50, round(m.ndcg_at_20, 4), m.findable
    (0.2, 1.0, 0.9197, 2)

    References
    ----------
    .. [1] K. Järvelin and J. Kekäläinen, "Cumulated gain-based evaluation of IR
       techniques", ACM TOIS 20(4), 2002.
    """
    findable = sum(1 for people in maintainers.values() if people)
    rows = _credit(ranked_person_ids, {m: p for m, p in maintainers.items() if p}, top=50)
    found = rows.count("hit")
    if findable == 0:
        return Metrics(math.nan, math.nan, math.nan, 0, 0)
    hits_at = [i for i, row in enumerate(rows, start=1) if row == "hit"]
    dcg = _dcg([i for i in hits_at if i <= 20])
    idcg = _dcg(range(1, min(findable, 20) + 1))
    return Metrics(
        precision_at_10=sum(1 for i in hits_at if i <= 10) / 10,
        recall_at_50=found / findable,
        ndcg_at_20=dcg / idcg,
        findable=findable,
        found_in_top_50=found,
    )


def split_rate(
    ranked_person_ids: Sequence[str], maintainers: Mapping[str, set[str]], top: int = 50
) -> tuple[int, int]:
    """How many of the first ``top`` rows are a maintainer ranked a second time.

    A row is a split when its person matches only maintainers already credited by a
    higher row (the misses of :func:`ranking_metrics` that are maintainers): one human
    that identity resolution left as two people. This under-counts: the truth knows
    only maintainers, so a split of anyone else is invisible here.

    Parameters
    ----------
    ranked_person_ids : sequence of str
        Person ids, best first.
    maintainers : mapping
        Maintainer -> person ids (:func:`match_maintainers`).
    top : int
        Rows considered.

    Returns
    -------
    tuple of int
        ``(splits, rows_considered)``; ``rows_considered`` is ``top`` or the length of
        a shorter ranking, so the share is ``splits / rows_considered``.

    Examples
    --------
    >>> split_rate(["a1", "x", "a2", "b1"], {"a": {"a1", "a2"}, "b": {"b1"}})
    (1, 4)
    """
    rows = _credit(ranked_person_ids, maintainers, top)
    return rows.count("split"), len(rows)


# --- baseline and store -------------------------------------------------------------------


def commit_count_ranking(
    activities: pd.DataFrame, links: pd.DataFrame, people: pd.DataFrame
) -> list[str]:
    """Person ids by number of authored commits, most first: the baseline ranking.

    Only activities of kind ``"commit"`` count (not merge commits, not trailers). Bots
    and people without a commit are left out; ties go to the smaller person id.

    Parameters
    ----------
    activities, links, people : DataFrame
        The store's frames (``load_activities``, ``load_identity_links``,
        ``load_people``).

    Returns
    -------
    list of str

    Examples
    --------
    >>> import pandas as pd
    >>> acts = pd.DataFrame({"kind": ["commit", "commit", "review", "commit"],
    ...                      "actor": ["git:a", "git:b", "git:b", "git:c"]})
    >>> links = pd.DataFrame({"identity_key": ["git:a", "git:b", "git:c"],
    ...                       "person_id": ["p2", "p1", "p3"]})
    >>> people = pd.DataFrame({"person_id": ["p1", "p2", "p3"],
    ...                        "is_bot": [False, False, True]})
    >>> commit_count_ranking(acts, links, people)
    ['p1', 'p2']
    """
    person_of = dict(zip(links["identity_key"], links["person_id"], strict=True))
    commits = activities.loc[activities["kind"] == str(ActivityKind.COMMIT), "actor"]
    persons = commits.map(person_of).dropna()
    bots = set(people.loc[people["is_bot"].fillna(False).astype(bool), "person_id"])
    counts = persons[~persons.isin(bots)].value_counts()
    order = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [person_id for person_id, _ in order]


def evaluate_store(
    engine: Engine,
    truth: Truth,
    ranking: pd.DataFrame,
    *,
    repos: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Score ``ranking`` and the commit-count baseline against ``truth``.

    Reads identities, identity links, people and activities from the store; people
    must already be resolved (:func:`talent.ranking.scoring.rank_store` does it).

    Parameters
    ----------
    engine : Engine
        The store.
    truth : Truth
        From :func:`load_truth`.
    ranking : DataFrame
        Column ``person_id``, best first (:func:`talent.ranking.scoring.rank_store`).
    repos : sequence of str, optional
        Count only these repositories' commits for the baseline; pass what the
        ranking was computed on so that both see the same acts.

    Returns
    -------
    DataFrame
        One row per method (``"talent"``, ``"commit count"``) and scope (``"ever"``:
        every maintainer; ``"current"``: those still named at the truth's head), with
        the columns ``method``, ``scope`` and those of :class:`Metrics`.
    """
    links = load_identity_links(engine)
    people = load_people(engine)
    matched = match_maintainers(truth, load_identities(engine), links, people)
    current = {m.login for m in truth.maintainers if m.current}
    scopes = {
        "ever": matched,
        "current": {login: found for login, found in matched.items() if login in current},
    }
    rankings = {
        "talent": [str(p) for p in ranking["person_id"]],
        "commit count": commit_count_ranking(load_activities(engine, repos=repos), links, people),
    }
    rows = []
    for method in METHODS:
        for scope in SCOPES:
            metrics = ranking_metrics(rankings[method], scopes[scope])
            rows.append({"method": method, "scope": scope, **asdict(metrics)})
    return pd.DataFrame(rows, columns=["method", "scope", *(f.name for f in fields(Metrics))])


# --- truth from the store's own owner files ----------------------------------------------


def owner_file_maintainers(engine: Engine, repo: str) -> dict[str, dict[str, set[str]]]:
    """The people ``repo``'s own owner files name, as :func:`ranking_metrics` takes them.

    The truth then needs no JSON: every person matched to a named login
    (:func:`talent.ranking.learning.named_people`: owner-file logins matched by identity
    resolution, teams left out) is a maintainer "ever"; those still named at the mined
    head are "current". Unlike :func:`match_maintainers`, a named login that no stored
    person matches is not counted at all (the store cannot tell it was findable).

    Returns
    -------
    dict
        ``{"ever": {person_id: {person_id}}, "current": {...}}``; empty mappings when
        the repository's owner files name nobody who committed.
    """
    from talent.ranking.learning import named_people

    named = named_people(engine, [repo])
    ever = {str(p): {str(p)} for p in named["person_id"].unique()}
    now = named.loc[named["until"].isna(), "person_id"].unique()
    return {"ever": ever, "current": {str(p): {str(p)} for p in now}}


def evaluate_owner_files(
    engine: Engine,
    settings: Settings,
    profiles: Sequence[Profile],
    repos: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Score ``profiles`` and commit count against each repository's own owner files.

    Every repository of ``repos`` (default: all mined ones) whose owner files name at
    least one person is ranked on its own acts by each profile and by commit count
    (:func:`commit_count_ranking`), and scored by :func:`ranking_metrics` against
    :func:`owner_file_maintainers`. The ranking signals never read the owner files
    (``ownership`` is degree of authorship over the history), so the check is not
    circular.

    Parameters
    ----------
    engine : Engine
        The store, mined with ``talent mine git`` (owner history read).
    settings : Settings
    profiles : sequence of Profile
        Rankings to compare, in the order the rows should appear.
    repos : sequence of str, optional

    Returns
    -------
    DataFrame
        A row per repository, method (profile name or ``"commit count"``) and scope,
        with ``repo``, ``method``, ``scope``, the :class:`Metrics` columns and
        ``named_logins`` (people's logins the owner files name in that scope, matched to
        a person or not: ``findable`` of them are); empty when no repository names
        anyone.
    """
    from talent.people.identity import ensure_people
    from talent.ranking.scoring import build_ranking_base, score_base

    ensure_people(engine, settings)  # owner logins are matched to resolved people
    names = list(repos) if repos else sorted(load_repos(engine)["full_name"])
    links, people = load_identity_links(engine), load_people(engine)
    columns = ["repo", "method", "scope", *(f.name for f in fields(Metrics)), "named_logins"]
    rows = []
    for repo in names:
        truth = owner_file_maintainers(engine, repo)
        if not truth["ever"]:
            continue
        named = load_named_owners(engine, repos=[repo])
        named = named[named["kind"] != "team"]
        logins = {
            "ever": named["owner"].str.lower().nunique(),
            "current": named.loc[named["until"].isna(), "owner"].str.lower().nunique(),
        }
        base = build_ranking_base(engine, settings, [repo])
        rankings = {
            profile.name: [str(p) for p in score_base(base, profile)["person_id"]]
            for profile in profiles
        }
        rankings["commit count"] = commit_count_ranking(
            load_activities(engine, repos=[repo]), links, people
        )
        for method, ranking in rankings.items():
            for scope in SCOPES:
                metrics = ranking_metrics(ranking, truth[scope])
                rows.append(
                    {
                        "repo": repo,
                        "method": method,
                        "scope": scope,
                        **asdict(metrics),
                        "named_logins": logins[scope],
                    }
                )
    return pd.DataFrame(rows, columns=columns)


# --- how the built-in profiles did on held-out repositories -------------------------------

CHECK_FILE = "ranking_check.json"


@functools.cache
def load_ranking_check() -> dict:
    """The held-out comparison shipped with talent (``data/ranking_check.json``, written
    by ``benchmarks/maintainer_model.py --check``): per method (each built-in profile
    and ``"commit count"``), the mean NDCG@20 and P@10 over repositories that no model
    was fitted on, for the maintainers named ever and at the head; empty if missing."""
    path = Path(__file__).parents[1] / "data" / CHECK_FILE
    if not path.exists():
        return {}
    return json.loads(path.read_text())


def ranking_check_text(profile: str, check: Mapping | None = None) -> str | None:
    """One line on how ``profile`` compared with plain commit count on the projects it
    was checked on (``check``: default :func:`load_ranking_check`); None when it was not
    checked (a profile of the settings file).

    Examples
    --------
    >>> check = {"checked_on": 53, "methods": {
    ...     "learned": {"ndcg20_ever": 0.78, "ndcg20_current": 0.74},
    ...     "commit count": {"ndcg20_ever": 0.71, "ndcg20_current": 0.65}}}
    >>> ranking_check_text("learned", check)  # doctest: +NORMALIZE_WHITESPACE
    'Checked on 53 public projects (held out by repository): this ranking puts the people
    they name as maintainers higher than plain commit count does (NDCG@20 0.78 against
    0.71; current maintainers 0.74 against 0.65).'
    >>> check["methods"]["recruiter"] = {"ndcg20_ever": 0.62, "ndcg20_current": 0.67}
    >>> ranking_check_text("recruiter", check)  # doctest: +NORMALIZE_WHITESPACE
    'Checked on 53 public projects (held out by repository): this ranking puts the people
    they name as maintainers lower than plain commit count does among everyone ever named,
    higher among current maintainers (NDCG@20 0.62 against 0.71; current maintainers 0.67
    against 0.65).'
    >>> ranking_check_text("ours", check) is None
    True
    """
    check = load_ranking_check() if check is None else check
    methods = check.get("methods", {})
    if profile not in methods or "commit count" not in methods:
        return None
    mine, count = methods[profile], methods["commit count"]
    ever, now = (
        mine["ndcg20_ever"] - count["ndcg20_ever"],
        (mine["ndcg20_current"] - count["ndcg20_current"]),
    )

    def side(margin: float) -> str:
        return "higher" if margin > 0.005 else "lower" if margin < -0.005 else "about as high"

    if side(ever) == side(now):
        verdict = f"{side(ever)} {'as' if side(ever) == 'about as high' else 'than'} plain "
        verdict += "commit count does"
    else:  # one way for everyone ever named, the other for current maintainers: say both
        verdict = (
            f"{side(ever)} than plain commit count does among everyone ever named, "
            f"{side(now)} among current maintainers"
        ).replace("about as high than", "about as high as")
    return (
        f"Checked on {check['checked_on']} public projects (held out by repository): this "
        f"ranking puts the people they name as maintainers {verdict} (NDCG@20 "
        f"{mine['ndcg20_ever']:.2f} against {count['ndcg20_ever']:.2f}; current maintainers "
        f"{mine['ndcg20_current']:.2f} against {count['ndcg20_current']:.2f})."
    )
