"""The one writer lock on a warehouse, taken before anything else starts (Prefect included)."""

from __future__ import annotations

from filelock import FileLock, Timeout

from flows.config import Paths
from flows.errors import WarehouseBusy


def acquire_writer_lock(paths: Paths, timeout: float) -> FileLock:
    """One writer at a time; the OS releases the lock if the process dies, so it never goes stale."""
    paths.warehouse.mkdir(parents=True, exist_ok=True)
    lock = FileLock(paths.lock, timeout=timeout)
    try:
        lock.acquire()
    except Timeout as exc:
        raise WarehouseBusy(
            f"another skillpulse run is writing to {paths.warehouse} (lock {paths.lock}); "
            "wait for it to finish, or pass --wait SECONDS to queue behind it"
        ) from exc
    return lock
