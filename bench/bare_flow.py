"""A Prefect flow that does nothing: the machine's fixed Prefect start, skillpulse's yardstick."""

import json
import sys
import time

# Measured like `skillpulse run`: from before Prefect is imported to the first line of the flow.
started_at = time.time()

from prefect import flow  # noqa: E402  (importing Prefect is part of the start)


@flow(name="bare")
def bare() -> float:
    return time.time()


if __name__ == "__main__":
    json.dump({"prefect_start": round(bare() - started_at, 4)}, sys.stdout)
    print()
