"""Who authored which file: degree of authorship (DOA), the number of files each person
owns by it, and the files no person wrote file by file (vendored, generated, lock files,
data, bulk additions). The ranking (:mod:`talent.ranking.scoring`) and the Maintainers view
(:mod:`talent.views.maintainers`) both build on it.

Degree of authorship (Fritz et al.; the constants of Avelino et al., ICPC 2016, as in
aserg-ufmg/Truck-Factor):

    DOA(d, f) = 3.293 + 1.098 * FA + 0.164 * DL - 0.321 * ln(1 + AC)

FA is 1 when d created f, DL the number of d's changes to f, AC the number of changes
to f by others. d is an author of f when DOA(d, f) / max_d' DOA(d', f) > 0.75 and either
DOA(d, f) >= 3.293 or d created f. The truck factor counts as the authors' tool does:
the creation is FA only, DL and AC count the changes after it (DOACalculator: an added
file is no delivery); ownership and the rankings count the creation as a change too.

Paths are those of :func:`talent.ranking.features.commit_changes`, ``"owner/repo:path/in/repo"``.
Everything here is a pure function of frames.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DOA_BASE = 3.293
DOA_FA = 1.098
DOA_DL = 0.164
DOA_AC = 0.321
DOA_NORMALISED = 0.75

# What the truck factor leaves out, and why: what GitHub Linguist leaves out of a
# repository's languages (its vendor.yml and generated.rb, as github-linguist 7 states
# them; only the rules a path shows, since reading every file's first lines would cost a
# process per file; not Linguist's ``cache/`` and ``Pods/``, which lower-cased would take
# real code such as a ``pkg/cache`` package). Code copied in from elsewhere, files a tool
# writes, pinned dependency lists and data have no human author whose leaving would
# orphan them. (reason, regular
# expression searched in the lower-cased path inside the repository); the first that
# matches names the reason. A repository's ``.gitattributes`` overrides them both ways
# (:func:`talent.views.maintainers.files_left_out`).
LEFT_OUT_RULES: tuple[tuple[str, str], ...] = (
    (
        "vendored",
        r"(^|/)(third[-_]?party|3rd[-_]?party|vendors?|vendored|node_modules|bower_components"
        r"|externals?|extern|godeps/_workspace|testdata|carthage/build|dist"
        r"|\.yarn/(releases|plugins|sdks|versions|unplugged))/"
        r"|^(deps|dependencies)/|(^|/)(configure|config\.guess|config\.sub|cpplint\.py)$"
        r"|(^|/)(aclocal|libtool|ltoptions|ltsugar|ltversion|lt~obsolete)\.m4$"
        r"|(^|/)(jquery|bootstrap|font-?awesome|normalize|select2)[^/]*\.(js|css)$"
        r"|\.d\.ts$",
    ),
    (
        "generated",
        r"_pb2(_grpc)?\.pyi?$|\.pb\.(go|cc|h|gw\.go|validate\.go)$|_pb\.(js|d\.ts)$"
        r"|(^|/)zz_generated[^/]*\.go$|(^|/|[._-])generated[./_-]|(^|/)__generated__/"
        r"|[.-]min\.(js|css)$|\.(js|css)\.map$|\.designer\.(cs|vb)$|(^|/)\.idea/"
        r"|(^|/)\.pnp\.[^/]*$|\.(nib|xcworkspacedata|xcuserstate)$",
    ),
    (
        "lock file",
        r"(^|/)(package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml"
        r"|poetry\.lock|pipfile\.lock|pdm\.lock|uv\.lock|cargo\.lock|composer\.lock"
        r"|gemfile\.lock|go\.sum|gopkg\.lock|glide\.lock|flake\.lock|\.terraform\.lock\.hcl"
        r"|[^/]*esy\.lock|requirements[^/]*\.lock|conda-lock\.ya?ml)$",
    ),
    (
        # Linguist counts data and binaries in no language: tables, serialised arrays and
        # models, test fixtures in binary form, images, fonts and archives.
        "data",
        r"\.(csv|tsv|parquet|feather|arrow|avro|orc|npy|npz|pkl|pickle|joblib|h5|hdf5|nc"
        r"|onnx|pb|pbtxt|pt|pth|ckpt|safetensors|tflite|bin|dat|tfrecords?|jsonl|ndjson"
        r"|xlsx?|sqlite3?|db|png|jpe?g|gif|bmp|ico|svg|webp|tiff?|pdf|woff2?|ttf|otf|eot"
        r"|zip|gz|tgz|bz2|xz|7z|tar|jar|whl|so|dylib|dll|exe|wasm)$",
    ),
)
# The paper's tool ran on what Linguist counts, before the path rules above were its
# ``VENDORED`` filter: kept for callers that pass regular expressions.
VENDORED: tuple[str, ...] = tuple(rx for _, rx in LEFT_OUT_RULES[:3])

# Files one commit adds at once, at least: an import, a vendored tree or generated files
# checked in (the case: one commit of 342 generated model files). Below it a
# commit is a change a person made.
BULK_FILES = 100


def build_authorship(changes: pd.DataFrame, *, creation_is_change: bool = True) -> pd.DataFrame:
    """Degree of authorship of every (file, person) pair.

    Parameters
    ----------
    changes : DataFrame
        One row per file changed by a commit: ``path``, ``person``, ``occurred_at``.
    creation_is_change : bool
        Whether the creation counts in DL and AC besides FA (True), or only as FA, as
        aserg-ufmg/Truck-Factor counts for the truck factor (False): then one change by
        someone else to a file its creator never touched again makes them an author too.

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

    As the authors' tool counts, the creation is no delivery: Ada DL = 2, AC = 1 (4.496),
    Bob DL = 1, AC = 2 (3.104).

    >>> doa = build_authorship(changes, creation_is_change=False).set_index("person")
    >>> round(float(doa.loc["ada", "doa"]), 3), round(float(doa.loc["bob", "doa"]), 3)
    (4.496, 3.104)

    References
    ----------
    .. [1] G. Avelino, L. Passos, A. Hora and M. T. Valente, "A novel approach for
       estimating truck factors", ICPC 2016.
    """
    columns = ["path", "person", "fa", "dl", "ac", "doa", "is_author"]
    if changes.empty:
        return pd.DataFrame(columns=columns)
    ordered = changes.sort_values("occurred_at", kind="stable")
    created = ~ordered.duplicated("path")
    creator = ordered.loc[created].set_index("path")["person"]
    touched = ordered[["path", "person"]].drop_duplicates()
    counted = ordered if creation_is_change else ordered[~created]
    changed = counted.groupby(["path", "person"]).size().rename("dl")
    dl = touched.join(changed, on=["path", "person"]).fillna({"dl": 0})
    dl = dl.sort_values(["path", "person"], ignore_index=True)
    dl["dl"] = dl["dl"].astype(int)
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


def bulk_additions(changes: pd.DataFrame, min_files: int = BULK_FILES) -> pd.DataFrame:
    """Files a commit added with at least ``min_files`` others that its author never
    changed again: imports and generated trees, which no one wrote file by file.

    Parameters
    ----------
    changes : DataFrame
        ``path``, ``person``, ``occurred_at``, ``commit``; without ``commit``, nothing is
        a bulk addition.
    min_files : int
        How many files one commit must add.

    Returns
    -------
    DataFrame
        ``path``, ``commit``, ``added`` (how many files that commit added).

    Examples
    --------
    Ada's first commit adds three files; she edits ``b`` later, Bob edits ``c``. With
    three files a bulk, ``a`` and ``c`` are left out (Bob's edit does not make Ada's
    addition hers).

    >>> import pandas as pd
    >>> changes = pd.DataFrame({"path": ["a", "b", "c", "b", "c"],
    ...     "person": ["ada", "ada", "ada", "ada", "bob"], "commit": list("11123"),
    ...     "occurred_at": pd.to_datetime(["2024-01-01"] * 3 + ["2024-02-01"] * 2)})
    >>> bulk_additions(changes, min_files=3)
      path commit  added
    0    a      1      3
    1    c      1      3
    >>> len(bulk_additions(changes, min_files=4))
    0
    """
    columns = ["path", "commit", "added"]
    if changes.empty or "commit" not in changes.columns:
        return pd.DataFrame(columns=columns)
    ordered = changes.sort_values("occurred_at", kind="stable")
    first = ordered.drop_duplicates("path")
    added = first.groupby("commit")["path"].transform("size")
    created = first[added >= min_files].assign(added=added[added >= min_files])
    if created.empty:
        return pd.DataFrame(columns=columns)
    again = ordered.merge(created[["path", "person", "commit"]], on=["path", "person"],
                          suffixes=("", "_added"))  # fmt: skip
    edited = set(again.loc[again["commit"] != again["commit_added"], "path"])
    out = created[~created["path"].isin(edited)]
    return out.assign(added=out["added"].astype(int))[columns].reset_index(drop=True)
