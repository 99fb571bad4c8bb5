"""CSV and JSON writers: formula neutralisation, RFC 4180 quoting, JSON-ready values."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from talent.sources.demo import HOSTILE_NAMES, HOSTILE_TITLES
from talent.views.export import (
    DANGEROUS_PREFIXES,
    neutralise_cell,
    sanitise_frame,
    to_json,
    to_records,
    to_safe_csv,
)

OWASP = ("=", "+", "-", "@", "\t", "\r", "\n")
BOM = "\ufeff"


def _parse(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8")
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[len(BOM) :], newline="")))


def _is_dangerous(cell: str) -> bool:
    return cell.startswith(DANGEROUS_PREFIXES)


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_owasp_prefixes_are_all_covered():
    assert set(OWASP) <= set(DANGEROUS_PREFIXES)


@pytest.mark.parametrize("prefix", DANGEROUS_PREFIXES)
def test_neutralise_each_dangerous_prefix(prefix):
    value = prefix + "SUM(A1:A2)"
    assert neutralise_cell(value) == "'" + value
    assert neutralise_cell(prefix) == "'" + prefix


@pytest.mark.parametrize(
    "value", ["Ada", "", "a=b", "'=already", " =space first", "1+1", "Łukasz", "李伟", "<b>x</b>"]
)
def test_safe_text_untouched(value):
    assert neutralise_cell(value) == value


@pytest.mark.parametrize(
    "value", [-2, 0, 3, -2.5, float("nan"), np.int64(-3), np.float64(-1.5), True, None]
)
def test_numbers_and_non_text_untouched(value):
    assert neutralise_cell(value) is value


def _frame() -> pd.DataFrame:
    names = [*HOSTILE_NAMES, *HOSTILE_TITLES, "Ada Lovelace", "-", "@", "=", "'=quoted"]
    n = len(names)
    return pd.DataFrame(
        {
            "name": names,
            "score": np.linspace(-1.0, 1.0, n),
            "delta": [-(i + 1) for i in range(n)],
            "is_bot": [i % 2 == 0 for i in range(n)],
            "when": pd.date_range("2024-01-01 10:00", periods=n, freq="D"),
        }
    )


def test_to_safe_csv_neutralises_text_and_keeps_numbers():
    frame = _frame()
    rows = _parse(to_safe_csv(frame))
    assert rows[0] == ["name", "score", "delta", "is_bot", "when"]
    body = rows[1:]
    assert len(body) == len(frame)
    for row, (_, src) in zip(body, frame.iterrows(), strict=True):
        assert len(row) == 5
        # Text cells never start dangerous unless neutralised; the only other cells that
        # start with "-" are negative numbers.
        for cell in row:
            assert not _is_dangerous(cell) or cell.startswith("'") or _is_number(cell)
        name = src["name"]
        assert row[0] == ("'" + name if _is_dangerous(name) else name)
        # Negative numbers are numbers, not formulas: never prefixed.
        assert float(row[1]) == src["score"]
        assert int(row[2]) == src["delta"] < 0
        assert row[3] == str(src["is_bot"])
        assert row[4] == src["when"].strftime("%Y-%m-%dT%H:%M:%SZ")
    # The hostile strings did get neutralised (a proof the check above is not vacuous).
    assert sum(row[0].startswith("'") for row in body) >= 10


def test_to_safe_csv_starts_with_a_bom_and_is_utf8():
    data = to_safe_csv(pd.DataFrame({"name": ["Zoë 李伟"]}))
    assert data.startswith(b"\xef\xbb\xbf")
    assert _parse(data) == [["name"], ["Zoë 李伟"]]


def test_column_names_are_neutralised():
    rows = _parse(to_safe_csv(pd.DataFrame({"=cmd": ["x"], "+y": [1]})))
    assert rows[0] == ["'=cmd", "'+y"]


def test_sanitise_frame_leaves_non_text_columns_and_the_input_alone():
    frame = _frame()
    before = frame.copy()
    out = sanitise_frame(frame)
    pd.testing.assert_frame_equal(frame, before)
    for col in ("score", "delta", "is_bot", "when"):
        pd.testing.assert_series_equal(out[col], frame[col])
    assert out["name"].iloc[0] == "'" + HOSTILE_NAMES[0]


@pytest.mark.parametrize(
    "text",
    [
        "a,=b",
        '"=1+2";=1+2',
        "x\n=y",
        "x\r\n=y",
        "\n=y",
        '",=cmd',
        'a"\n"=b',
        "tab\t=x",
        ";=1+2",
    ],
)
def test_separators_quotes_and_newlines_inside_cells(text):
    frame = pd.DataFrame({"text": [text, "after"], "n": [-1, 2]})
    rows = _parse(to_safe_csv(frame))
    assert rows == [
        ["text", "n"],
        ["'" + text if _is_dangerous(text) else text, "-1"],
        ["after", "2"],
    ]


def test_carriage_return_inside_a_cell_does_not_start_a_new_cell():
    frame = pd.DataFrame({"text": ["x\r=y"], "n": [1]})
    rows = _parse(to_safe_csv(frame))
    assert rows == [["text", "n"], ["x\r=y", "1"]]


_FLOATS = st.floats(allow_nan=False, allow_infinity=False, width=64)
_INTS = st.integers(min_value=-(2**63), max_value=2**63 - 1)
_PROPERTY = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _check_round_trip(texts, ints, floats):
    frame = pd.DataFrame({"text": texts, "i": ints, "f": floats})
    rows = _parse(to_safe_csv(frame))
    assert rows[0] == ["text", "i", "f"]
    assert len(rows) == len(texts) + 1
    for row, text, i, f in zip(rows[1:], texts, ints, floats, strict=True):
        assert len(row) == 3
        assert row[0] == ("'" + text if _is_dangerous(text) else text)
        assert int(row[1]) == i
        assert float(row[2]) == f
        # Numbers are never prefixed, even negative ones; text cells never start
        # dangerous unless neutralised.
        assert not _is_dangerous(row[0]) or row[0].startswith("'")
        assert not row[1].startswith("'") and not row[2].startswith("'")


@st.composite
def _table(draw, text):
    n = draw(st.integers(min_value=1, max_value=6))
    return (
        draw(st.lists(text, min_size=n, max_size=n)),
        draw(st.lists(_INTS, min_size=n, max_size=n)),
        draw(st.lists(_FLOATS, min_size=n, max_size=n)),
    )


@_PROPERTY
@given(_table(st.text()))
@example((["=1+2", "-x", "a,=b", '"q"', "x\n=y", "", "\0", "＝1"], [-1] * 8, [-0.5] * 8))
@example((["x\r=y"], [0], [0.0]))
def test_csv_round_trip_property_any_text(table):
    _check_round_trip(*table)


def test_to_records_json_ready_values():
    frame = pd.DataFrame(
        {
            "name": ["Ada", None],
            "score": [0.1234567891, np.nan],
            "n": [np.int64(3), np.int64(-4)],
            "bot": [np.bool_(True), np.bool_(False)],
            "when": [pd.Timestamp("2024-01-02 03:04:05"), pd.NaT],
            "ids": [[{"email": "a@x.org", "n": np.int64(1)}], []],
        }
    )
    records = to_records(frame)
    assert records == [
        {
            "name": "Ada",
            "score": 0.123457,
            "n": 3,
            "bot": True,
            "when": "2024-01-02T03:04:05Z",
            "ids": [{"email": "a@x.org", "n": 1}],
        },
        {"name": None, "score": None, "n": -4, "bot": False, "when": None, "ids": []},
    ]
    assert type(records[0]["n"]) is int and type(records[0]["bot"]) is bool
    text = to_json(records)
    assert json.loads(text) == records
    assert '"score": null' in text and '"when": null' in text
    assert "NaN" not in text


def test_to_records_dates_and_datetimes():
    frame = pd.DataFrame(
        {"d": [date(2024, 2, 29)], "dt": [datetime(2024, 2, 29, 23, 59, 59)]}, dtype=object
    )
    assert to_records(frame) == [{"d": "2024-02-29", "dt": "2024-02-29T23:59:59Z"}]


def test_to_json_keeps_non_ascii_and_hostile_text_verbatim():
    records = [{"name": "Łukasz 李伟", "title": HOSTILE_TITLES[0]}]
    text = to_json(records)
    assert "Łukasz 李伟" in text
    assert json.loads(text) == records


def test_aware_times_are_written_in_utc():
    when = pd.Timestamp("2024-01-01 12:00", tz="Europe/Berlin")
    assert to_records(pd.DataFrame({"t": [when]})) == [{"t": "2024-01-01T11:00:00Z"}]
    assert _parse(to_safe_csv(pd.DataFrame({"t": [when]})))[1] == ["2024-01-01T11:00:00Z"]
