"""skillpulse: skill-demand reports -> Parquet lake -> DuckDB marts, orchestrated by Prefect."""

import os

# Embedded by default and silent offline: Prefect's telemetry would only log errors with no network.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
