"""Where a table's fields are: the manifest's columns resolved against the header as published."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from flows.errors import ExtractError
from flows.raw.manifest import TableSpec
from flows.user_regex import search_texts

FIELDS = ("skill", "category", "period", "geography", "measure")


@dataclass(frozen=True)
class Layout:
    """Where each canonical field sits in the published header (1-based column numbers)."""

    fields: dict[str, int]
    value_columns: tuple[tuple[int, str], ...]
    dimensions: tuple[tuple[str, int], ...] = ()


class LayoutError(ExtractError):
    """The published header lacks a column the manifest maps."""


def resolve_layout(header: tuple[str, ...], spec: TableSpec, rel_file: str) -> Layout:
    """Find each mapped column in the header; the first of several declared names present wins."""
    folded = {_fold(h): i for i, h in reversed(list(enumerate(header, start=1)))}
    fields: dict[str, int] = {}
    missing: list[str] = []
    duplicated: list[str] = []
    for field in ("skill", "value", *FIELDS[1:]):
        names = spec.columns.headers(field)
        if not names:
            continue
        index = next((folded[_fold(n)] for n in names if _fold(n) in folded), None)
        if index is not None and (twice := _positions(header, header[index - 1]))[1:]:
            duplicated.append(
                f'columns.{field} = "{header[index - 1].strip()}" names columns '
                + " and ".join(map(str, twice))
            )
        if index is None:
            missing.append(_missing_column_message(field, names, header))
        else:
            fields[field] = index
    dimensions = []
    for name, headers in (spec.columns.dimensions or {}).items():
        names = (headers,) if isinstance(headers, str) else tuple(headers)
        index = next((folded[_fold(n)] for n in names if _fold(n) in folded), None)
        if index is None:
            missing.append(_missing_column_message(f"dimensions.{name}", names, header))
        else:
            dimensions.append((name, index))
    if spec.value_in_label and "skill" in fields:
        value_columns = ((fields["skill"], header[fields["skill"] - 1]),)
    elif spec.unpivot is not None:
        stripped = [h.strip() for h in header]
        matched = search_texts(stripped, spec.unpivot.headers, "unpivot.headers")
        value_columns = tuple(
            (i, h)
            for i, h in enumerate(header, start=1)
            if matched[i - 1] and i not in fields.values()
        )
        if not value_columns:
            missing.append(
                f'no header matches unpivot.headers = "{spec.unpivot.headers}"; headers are {_list(header)}'
            )
    else:
        value_index = fields.pop("value", None)
        value_columns = ((value_index, header[value_index - 1]),) if value_index else ()
    unpivoted = [h for _, h in value_columns] if spec.unpivot is not None else []
    duplicated += [
        f'unpivot.headers matches "{h.strip()}" in columns ' + " and ".join(map(str, twice))
        for h in dict.fromkeys(unpivoted)
        if (twice := _positions(header, h))[1:]
    ]
    if duplicated:
        raise LayoutError(
            "duplicate_header",
            f"{rel_file}: " + "; ".join(duplicated) + "; the header is ambiguous, so no column "
            "is guessed: set header_row/header_rows so the names differ, or map the table another way",
        )
    if missing:
        raise LayoutError(
            "missing_column",
            f"{rel_file}: " + "; ".join(missing) + "; fix the [tables] columns in report.toml",
        )
    return Layout(fields, value_columns, tuple(dimensions))


def _missing_column_message(field: str, names: tuple[str, ...], header: tuple[str, ...]) -> str:
    wanted = " or ".join(f'"{n}"' for n in names)
    close = difflib.get_close_matches(names[0], header, n=1, cutoff=0.6)
    hint = f' (did you mean "{close[0]}"?)' if close else ""
    return f"columns.{field} = {wanted} is not in the header {_list(header)}{hint}"


def _list(header: tuple[str, ...]) -> str:
    return "[" + ", ".join(f'"{h}"' for h in header) + "]"


def _positions(header: tuple[str, ...], name: str) -> list[int]:
    """1-based columns whose header is `name` (spacing and case aside)."""
    return [i for i, h in enumerate(header, start=1) if _fold(h) == _fold(name)]


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()
