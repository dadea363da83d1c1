"""How long the event loop is kept from running (no frame can be drawn then): a task
that wakes every 5 ms and records how late it woke. Shared by the key and paste
benchmarks."""
from __future__ import annotations

import asyncio
import time

TICK = 0.005


class StallMeter:
    def __init__(self) -> None:
        self.stalls: list[float] = [0.0]
        self._running = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._running = True
        self._task = asyncio.create_task(self._tick())

    async def stop(self) -> float:
        """Stop measuring; the longest stall in seconds."""
        self._running = False
        if self._task is not None:
            await self._task
        return max(self.stalls)

    async def _tick(self) -> None:
        last = time.perf_counter()
        while self._running:
            await asyncio.sleep(TICK)
            now = time.perf_counter()
            self.stalls.append(now - last - TICK)
            last = now
