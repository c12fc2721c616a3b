"""An Arrow copy of the skill identities worked out so far: a large table's names meet them in one hash look-up."""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# Below this many distinct names a table's names are looked up one by one in the name memo: an
# Arrow look-up hashes the whole store first (~30 ns per stored name), a dict look-up costs
# ~1.5 us per name with the list and column building around it.
MIN_NAMES = 1_000
STORE_RATIO = 50  # and the table has at least 1/50 as many names as the store holds
MAX_CHUNKS = 16
STORE_LIMIT = 200_000

# What str.strip() removes from an ASCII text.
ASCII_WHITESPACE = " \t\n\x0b\x0c\r\x1c\x1d\x1e\x1f"


def distinct_names(column: pa.ChunkedArray) -> list[str] | pa.Array:
    """The distinct names of a column that are not null or blank, in first-seen order.

    A large ASCII column stays in Arrow (harmonize_names then uses the store); otherwise a list.
    """
    unique = pc.drop_null(pc.unique(column))
    if len(unique) < MIN_NAMES or not pc.all(pc.string_is_ascii(unique)).as_py():
        return [t for t in unique.to_pylist() if t.strip()]
    return unique.filter(pc.not_equal(pc.utf8_trim(unique, ASCII_WHITESPACE), ""))


class IdentityStore:
    """Harmonized rows of every name looked up through it, one row per name (chunks of tables)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.table: pa.Table | None = None
        self.names: pa.Array | None = None  # the name column in one array, for index_in

    def pays(self, names: int) -> bool:
        stored = 0 if self.table is None else self.table.num_rows
        return names >= MIN_NAMES and names * STORE_RATIO >= stored

    def harmonize(self, names: pa.Array, resolve: Callable[[list[str]], pa.Table]) -> pa.Table:
        """One row per name (distinct, not null), in their order: stored rows, and `resolve` for
        the names not stored yet (then stored)."""
        with self.lock:
            if self.table is None or self.table.num_rows >= STORE_LIMIT:
                self.table, self.names = None, None
                new = resolve(names.to_pylist())
                self._append(new)
                return new
            positions = self._positions(names)
            missing = positions < 0
            if missing.any():
                positions[missing] = np.arange(missing.sum()) + self.table.num_rows
                self._append(resolve(names.filter(missing).to_pylist()))
            return self.table.take(positions)

    def _positions(self, names: pa.Array) -> np.ndarray:
        """Each name's stored row, -1 when not stored. The store is probed against the names:
        hashing the names and probing the store costs a third of the other way round."""
        found = pc.index_in(self.names, value_set=names)
        stored = pc.is_valid(found)
        positions = np.full(len(names), -1, dtype=np.int64)
        positions[found.filter(stored).to_numpy()] = pc.indices_nonzero(stored).to_numpy()
        return positions

    def _append(self, new: pa.Table) -> None:
        table = new if self.table is None else pa.concat_tables([self.table, new])
        if table.column(0).num_chunks > MAX_CHUNKS:
            table = table.combine_chunks()
        self.table = table
        self.names = table.column(0).combine_chunks()
