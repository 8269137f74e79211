"""The worker pool runs CPU-bound jobs in its own bounded threads and refuses past its queue."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import pytest

from pallmall.api.pool import WorkerPool
from pallmall.core.errors import Unavailable

T = TypeVar("T")


def test_at_most_workers_run_and_past_the_queue_it_says_busy() -> None:
    pool = WorkerPool(2, queue=1)
    release = threading.Event()
    running: set[str] = set()
    peak = 0
    lock = threading.Lock()

    def job() -> str:
        nonlocal peak
        name = threading.current_thread().name
        with lock:
            running.add(name)
            peak = max(peak, len(running))
        release.wait(10)
        with lock:
            running.discard(name)
        return name

    async def scenario() -> list[str]:
        jobs = [asyncio.ensure_future(pool.run(job)) for _ in range(3)]
        await asyncio.sleep(0.2)
        with pytest.raises(Unavailable) as refused:
            await pool.run(job)
        assert refused.value.status == 503 and refused.value.retry_after >= 1
        release.set()
        return list(await asyncio.gather(*jobs))

    names = _in_own_thread(scenario)
    pool.shutdown()
    assert peak == 2 and all(n.startswith("pallmall-worker") for n in names)

    async def again() -> int:
        return await pool.run(lambda: 7)

    assert _in_own_thread(again) == 7  # usable again after shutdown
    pool.shutdown()


def _in_own_thread(scenario: Callable[[], Coroutine[Any, Any, T]]) -> T:
    # its own thread and loop: a browser test earlier in the worker may leave a loop running
    out: list[T] = []
    thread = threading.Thread(target=lambda: out.append(asyncio.run(scenario())))
    thread.start()
    thread.join(30)
    return out[0]
