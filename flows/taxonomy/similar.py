"""Names that mean alike: a static word-embedding model shipped inside the wordllama wheel ranks review suggestions."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np

from flows.errors import TaxonomyError

# WordLlama's 256-dimension "l2_supercat" token table (16 MB of weights inside the wheel): a name's
# vector is the average of its tokens', so embedding costs ~30 us per name and needs no network.
MODEL_CONFIG = "l2_supercat"
# Rows of one cosine block: bounds the memory of a (queries x pool) product to ~CHUNK x pool floats.
CHUNK = 512
# Vectors kept per process, keyed by name: a review embeds each distinct name once.
MEMO_LIMIT = 200_000


class EmbeddingError(TaxonomyError):
    """The embedding model could not be loaded."""


@cache
def model():  # -> wordllama.inference.WordLlamaInference
    """The shipped model, loaded once per process, never from the network."""
    try:
        import wordllama
        from wordllama import WordLlama

        # The package looks for its tokenizer under "tokenizer/" but ships it under "tokenizers/";
        # as cache_dir its own folder holds both files where the cache lookup expects them, and
        # disable_download makes a missing file an error instead of a hub download.
        folder = Path(wordllama.__file__).parent
        return WordLlama.load(MODEL_CONFIG, cache_dir=folder, disable_download=True)
    except (ImportError, OSError, ValueError) as exc:
        raise EmbeddingError(f"cannot load the name embedding model: {exc}") from exc


_memo: dict[str, np.ndarray] = {}


def embed(names: Sequence[str]) -> np.ndarray:
    """Unit vectors of the names (rows in the given order), each distinct name embedded once per process."""
    new = [n for n in dict.fromkeys(names) if n not in _memo]
    if new:
        if len(_memo) + len(new) > MEMO_LIMIT:
            _memo.clear()
        vectors = model().embed(new, norm=True)
        _memo.update(zip(new, np.asarray(vectors, dtype=np.float32), strict=True))
    if not names:
        return np.zeros((0, 0), dtype=np.float32)
    return np.stack([_memo[n] for n in names])


def nearest(
    queries: Sequence[str],
    pool: Sequence[str],
    limit: int,
    floor: float = -1.0,
    skip_self: bool = True,
) -> list[list[tuple[int, float]]]:
    """For each query, up to `limit` (pool position, cosine) pairs at or above `floor`, best first."""
    if not queries or not pool or limit < 1:
        return [[] for _ in queries]
    pool_vectors = embed(list(pool))
    query_vectors = embed(list(queries))
    own = {name: i for i, name in enumerate(pool)} if skip_self else {}
    found: list[list[tuple[int, float]]] = []
    for start in range(0, len(queries), CHUNK):
        block = query_vectors[start : start + CHUNK] @ pool_vectors.T
        for offset, row in enumerate(block):
            self_at = own.get(queries[start + offset])
            if self_at is not None:
                row[self_at] = -np.inf
            take = min(limit, len(row))
            top = np.argpartition(-row, take - 1)[:take]
            top = top[np.argsort(-row[top], kind="stable")]
            found.append([(int(i), float(row[i])) for i in top if row[i] >= floor])
    return found
