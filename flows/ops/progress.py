"""Live progress of a run on a terminal (stage, reports and rows ingested); silent when nobody watches."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)


class RunProgress:
    """One line for the current stage, one bar for the reports being ingested."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description:<20}"),
            BarColumn(),
            TextColumn("{task.fields[count]}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self.stage_task = self.progress.add_task("starting Prefect", total=None, count="")
        self.reports_task: TaskID | None = None
        self.reports = self.done = self.rows = 0

    def stage(self, name: str) -> None:
        # Drawn at once: a stage shorter than the refresh interval would otherwise never show.
        self.progress.update(self.stage_task, description=f"stage: {name}", refresh=True)

    def ingest(self, reports: int) -> None:
        self.reports = reports
        self.done = 0
        self.reports_task = self.progress.add_task(
            "reports ingested", total=reports, count=f"0/{reports:,}"
        )

    def ingested(self, rows: list[dict]) -> None:
        if self.reports_task is None:
            return
        self.done += len(rows)
        self.rows += sum(row.get("observations", 0) for row in rows)
        count = f"{self.done:,}/{self.reports:,}, {self.rows:,} observations"
        self.progress.update(self.reports_task, advance=len(rows), count=count)


# The display of the run in this process, if a person is watching it; tasks on other machines
# (Dask workers) have none, so every hook is a no-op there.
_display: RunProgress | None = None


@contextmanager
def live_progress(console: Console | None) -> Iterator[None]:
    """Show progress on console while the block runs; None shows nothing."""
    global _display
    if console is None:
        yield
        return
    display = RunProgress(console)
    _display = display
    try:
        with display.progress:
            yield
    finally:
        _display = None


def stage_started(name: str) -> None:
    if _display is not None:
        _display.stage(name)


def ingest_started(reports: int) -> None:
    if _display is not None:
        _display.ingest(reports)


def batch_ingested(rows: list[dict]) -> None:
    if _display is not None:
        _display.ingested(rows)
