"""Checks that run once typing settles, off the UI thread, with stale results dropped."""
from __future__ import annotations

from collections.abc import Callable

from textual.timer import Timer
from textual.widget import Widget

IMMEDIATE_SECONDS = 0.01  # not 0: set_timer(0.0) can divide by zero in Textual 8.2.8


class Debouncer:
    """Calls `start(generation)` `delay` seconds after the last `schedule()`.

    Every schedule() starts a new generation; a result that comes back with an older
    generation (the user typed again meanwhile) is stale: check with `is_current`.
    """

    def __init__(self, owner: Widget, delay: float, start: Callable[[int], None]) -> None:
        self.owner = owner
        self.delay = delay
        self.start = start
        self.generation = 0
        self._timer: Timer | None = None

    def schedule(self, immediate: bool = False) -> None:
        self.generation += 1
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.owner.set_timer(IMMEDIATE_SECONDS if immediate else self.delay, self._fire)

    def _fire(self) -> None:
        self._timer = None
        self.start(self.generation)

    def is_current(self, generation: int) -> bool:
        return generation == self.generation
