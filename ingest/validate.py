"""Row validation: which rows can't be read, and why (in plain Vietnamese).

Problems are collected as boolean masks over the data rows (vectorised); only the rows that
have a problem are turned into ``Reject`` objects, one per row, with every reason joined.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from ingest.model import Reject

MAX_LISTED = 10


@dataclass
class Problem:
    mask: np.ndarray  # rows with this problem
    column: str | None  # the file's header of the column
    describe: Callable[[int], str]  # row position -> Vietnamese reason


@dataclass
class Problems:
    n: int
    items: list[Problem] = field(default_factory=list)

    def add(self, mask, column, reason: str | Callable[[int], str]):
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            describe = reason if callable(reason) else (lambda i, r=reason: r)
            self.items.append(Problem(mask, column, describe))

    def any_mask(self) -> np.ndarray:
        out = np.zeros(self.n, dtype=bool)
        for p in self.items:
            out |= p.mask
        return out

    def rejects(self, row_numbers: np.ndarray, raw_of: Callable[[int], dict]) -> list[Reject]:
        """One Reject per row with a problem, in file order, every reason joined."""
        out = []
        for i in np.flatnonzero(self.any_mask()):
            hits = [p for p in self.items if p.mask[i]]
            reason = "; ".join(p.describe(int(i)) for p in hits)
            out.append(Reject(int(row_numbers[i]), hits[0].column, reason, raw_of(int(i))))
        return out


def fmt_date(value) -> str:
    if value is None or pd.isna(value):
        return ""
    return pd.Timestamp(value).strftime("%d/%m/%Y")


def _day(series: pd.Series) -> pd.Series:
    return series.dt.normalize()


def check_required(problems: Problems, text: pd.Series, label: str, what: str):
    """A required value that is blank: 'Thiếu mã hồ sơ'."""
    problems.add((text == "").to_numpy(dtype=bool), label, f"Thiếu {what}")


def check_unreadable(problems: Problems, bad: np.ndarray, label: str, text: pd.Series, hint: str):
    problems.add(bad, label, lambda i: f"{label} không đọc được: “{text.iloc[i]}” ({hint})")


def check_not_after_today(problems: Problems, values: pd.Series, label: str, today: dt.date):
    limit = pd.Timestamp(today) + pd.Timedelta(days=1)
    mask = (values >= limit).fillna(False).to_numpy(dtype=bool)
    problems.add(
        mask, label,
        lambda i: f"{label} {fmt_date(values.iloc[i])} sau ngày hôm nay ({today:%d/%m/%Y})",
    )


def check_due_after_received(problems: Problems, due: pd.Series, received: pd.Series,
                             due_label: str, received_label: str):
    mask = (_day(due) < _day(received)).fillna(False).to_numpy(dtype=bool)
    problems.add(
        mask, due_label,
        lambda i: (
            f"{due_label} {fmt_date(due.iloc[i])} trước {received_label} "
            f"{fmt_date(received.iloc[i])}"
        ),
    )


def summarise(rejects: list[Reject], limit: int = 5) -> str:
    """'dòng 5: Thiếu mã hồ sơ; dòng 6: …' for messages."""
    parts = [f"dòng {r.row_number}: {r.reason}" for r in rejects[:limit]]
    more = len(rejects) - limit
    text = "; ".join(parts)
    if more > 0:
        text += f"; … và {more} dòng khác"
    return text


def duplicate_warning(keys: pd.Series, row_numbers: np.ndarray, what: str) -> tuple[np.ndarray, str | None]:
    """Keep the last row of each key. Returns (keep mask, Vietnamese warning or None)."""
    if isinstance(keys.array, pd.arrays.ArrowStringArray):
        # Arrow-backed codes (the record reader's): one C++ hashing pass says whether any
        # code repeats; the usual answer (none) costs nothing more.
        import pyarrow.compute as pc

        arr = keys.array.__arrow_array__()
        if pc.count_distinct(arr, mode="only_valid").as_py() == len(arr) - arr.null_count:
            return np.ones(len(keys), dtype=bool), None
    present = keys.notna().to_numpy(dtype=bool)
    later = keys.duplicated(keep="last").to_numpy(dtype=bool) & present  # the one hashing pass
    keep = ~later
    if not later.any():
        return keep, None
    # Duplicates exist (rare): every row of a repeated key, found among those few keys only.
    dup_any = keys.isin(pd.unique(keys[later])).to_numpy(dtype=bool) & present
    groups: dict[str, list[int]] = {}
    for k, r in zip(keys[dup_any].tolist(), row_numbers[dup_any].tolist()):
        groups.setdefault(str(k), []).append(int(r))
    listed = [f"{k} (dòng {', '.join(map(str, rows))})" for k, rows in list(groups.items())[:MAX_LISTED]]
    more = len(groups) - MAX_LISTED
    text = (
        f"Có {len(groups)} {what} xuất hiện nhiều lần trong tệp; dùng dòng xuất hiện sau cùng: "
        + "; ".join(listed)
    )
    if more > 0:
        text += f"; … và {more} mã khác"
    return keep, text + "."
