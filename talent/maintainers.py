"""Ownership of files by degree of authorship (DOA), and the truck factor.

Degree of authorship (Fritz et al.; the constants of Avelino et al., ICPC 2016, as in
aserg-ufmg/Truck-Factor):

    DOA(d, f) = 3.293 + 1.098 * FA + 0.164 * DL - 0.321 * ln(1 + AC)

FA is 1 when d created f, DL the number of d's changes to f, AC the number of changes
to f by others. d is an author of f when DOA(d, f) / max_d' DOA(d', f) > 0.75 and either
DOA(d, f) >= 3.293 or d created f.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DOA_BASE = 3.293
DOA_FA = 1.098
DOA_DL = 0.164
DOA_AC = 0.321
DOA_NORMALISED = 0.75
TRUCK_COVERAGE = 0.5


def build_authorship(changes: pd.DataFrame) -> pd.DataFrame:
    """Degree of authorship of every (file, person) pair.

    Parameters
    ----------
    changes : DataFrame
        One row per file changed by a commit: ``path``, ``person``, ``occurred_at``.

    Returns
    -------
    DataFrame
        Columns ``path``, ``person``, ``fa``, ``dl``, ``ac``, ``doa``, ``is_author``.

    Examples
    --------
    Ada creates a file and changes it twice more; Bob changes it once. For Ada
    FA = 1, DL = 3, AC = 1: 3.293 + 1.098 + 0.492 - 0.321 ln 2 = 4.66; for Bob
    3.293 + 0.164 - 0.321 ln 4 = 3.012, under 0.75 of Ada's.

    >>> import pandas as pd
    >>> changes = pd.DataFrame({"path": ["f"] * 4, "person": ["ada", "ada", "bob", "ada"],
    ...     "occurred_at": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03",
    ...                                    "2024-01-04"])})
    >>> doa = build_authorship(changes).set_index("person")
    >>> round(float(doa.loc["ada", "doa"]), 3), bool(doa.loc["ada", "is_author"])
    (4.66, True)
    >>> round(float(doa.loc["bob", "doa"]), 3), bool(doa.loc["bob", "is_author"])
    (3.012, False)

    References
    ----------
    .. [1] G. Avelino, L. Passos, A. Hora and M. T. Valente, "A novel approach for
       estimating truck factors", ICPC 2016.
    """
    columns = ["path", "person", "fa", "dl", "ac", "doa", "is_author"]
    if changes.empty:
        return pd.DataFrame(columns=columns)
    ordered = changes.sort_values("occurred_at", kind="stable")
    creator = ordered.groupby("path")["person"].first()
    dl = ordered.groupby(["path", "person"]).size().rename("dl").reset_index()
    total = dl.groupby("path")["dl"].transform("sum")
    dl["ac"] = total - dl["dl"]
    dl["fa"] = (dl["person"] == dl["path"].map(creator)).astype(float)
    dl["doa"] = DOA_BASE + DOA_FA * dl["fa"] + DOA_DL * dl["dl"] - DOA_AC * np.log1p(dl["ac"])
    top = dl.groupby("path")["doa"].transform("max")
    dl["is_author"] = (dl["doa"] / top > DOA_NORMALISED) & (
        (dl["doa"] >= DOA_BASE) | (dl["fa"] == 1.0)
    )
    return dl[columns]


def file_ownership(authorship: pd.DataFrame) -> dict[str, int]:
    """Number of files each person is an author of (degree of authorship).

    >>> import pandas as pd
    >>> file_ownership(pd.DataFrame({"person": ["a", "a", "b"], "is_author": [True, True, False]}))
    {'a': 2}
    """
    owners = authorship[authorship["is_author"].astype(bool)]
    return {str(k): int(v) for k, v in owners.groupby("person").size().items()}


def truck_factor(authorship: pd.DataFrame, coverage: float = TRUCK_COVERAGE) -> int:
    """The greedy truck factor: how many top authors must leave before fewer than
    ``coverage`` of the files still have an author.

    >>> import pandas as pd
    >>> authorship = pd.DataFrame({"path": ["f1", "f2", "f3", "f4"],
    ...     "person": ["a", "a", "a", "b"], "is_author": [True] * 4})
    >>> truck_factor(authorship)
    1

    References
    ----------
    .. [1] Avelino et al., ICPC 2016 (aserg-ufmg/Truck-Factor, GreedyTruckFactor).
    """
    owners = authorship[authorship["is_author"].astype(bool)]
    files = set(authorship["path"])
    if not files:
        return 0
    by_person = {p: set(g["path"]) for p, g in owners.groupby("person")}
    covered = {f for paths in by_person.values() for f in paths}
    removed = 0
    while by_person and len(covered) / len(files) >= coverage:
        top = max(sorted(by_person), key=lambda p: len(by_person[p]))
        del by_person[top]
        removed += 1
        covered = {f for paths in by_person.values() for f in paths}
    return removed
