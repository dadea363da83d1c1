"""Waiting for a state instead of sleeping for a fixed time.

A test that sleeps for a fixed time is slow on a fast machine and flaky on a busy one.
These helpers poll a condition and return as soon as it holds; the timeout is a
safety net against a hang, never an assertion about speed, so it is generous.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

DEFAULT_TIMEOUT = 10.0  # seconds; a safety net, not a speed requirement
POLL_SECONDS = 0.1  # between polls in the terminal (tmux) tests: each poll runs tmux


async def wait_until(pilot: Any, condition: Callable[[], Any], timeout: float = DEFAULT_TIMEOUT,
                     what: str = "the expected state", workers: bool = True) -> Any:
    """Let the app run until `condition()` is truthy, and return that value.

    Each round lets pending messages, timers (debounce, file polling) and, with
    `workers`, the app's running workers (checks and reloads in threads) finish,
    then asks again. Fails with `what` in the message when `timeout` passes first.
    """
    deadline = time.monotonic() + timeout
    value = condition()
    while not value:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"timed out after {timeout} s waiting for {what} (last value: {value!r})")
        await pilot.pause()  # waits for the app to go idle: at least one event-loop round
        if workers and pilot.app.workers:
            try:
                await asyncio.wait_for(pilot.app.workers.wait_for_complete(), timeout=max(remaining, 0.01))
            except TimeoutError:
                pass  # the loop reports the timeout with the message
            await pilot.pause()  # results that workers hand back with call_from_thread
        value = condition()
    return value


def poll_until(condition: Callable[[], Any], timeout: float = 15.0, what: str = "the expected state",
               describe: Callable[[], str] | None = None) -> Any:
    """The same for code outside the app's event loop (a process in tmux, a file)."""
    deadline = time.monotonic() + timeout
    value = condition()
    while not value:
        if time.monotonic() >= deadline:
            detail = f"\n{describe()}" if describe is not None else f" (last value: {value!r})"
            raise AssertionError(f"timed out after {timeout} s waiting for {what}{detail}")
        time.sleep(POLL_SECONDS)
        value = condition()
    return value
