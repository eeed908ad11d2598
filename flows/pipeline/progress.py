"""A progress bar on the terminal (documents through the clean stage), or none."""
from __future__ import annotations


class NoProgress:
    def advance(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


class RichProgress:
    """rich's bar, transient: it leaves the terminal as it found it."""

    def __init__(self):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._bar = Progress(
            TextColumn("[bold]newsflow[/] documents"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            transient=True,
        )
        self._task = self._bar.add_task("docs", total=None)
        self._bar.start()

    def advance(self, n: int = 1) -> None:
        self._bar.advance(self._task, n)

    def close(self) -> None:
        self._bar.stop()


def progress_bar(enabled: bool):
    return RichProgress() if enabled else NoProgress()
