"""The conversation lock shared by several Rasa servers (locks/redis_lock_store.py) on a private Redis.

Two processes, each with its own lock store (as two Rasa servers), take the lock of the same
conversations at the same moment, many times. Inside the lock each one does a slow read-modify-write of a
counter, as Rasa does with a conversation's tracker. With a correct lock nobody is ever inside at the same
time as another holder and no increment is lost.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from typing import Dict, Iterator

import pytest
import redis
from rasa.utils.endpoints import EndpointConfig

from locks.redis_lock_store import AtomicRedisLockStore
from tests.pg_redis import PgRedis

pytestmark = pytest.mark.integration

PROCESSES = 2
CONVERSATIONS = 8
ROUNDS_PER_PROCESS = 6  # concurrent lock requests per conversation and process


def lock_store(port: int) -> AtomicRedisLockStore:
    """The store as Rasa builds it from endpoints.prod.yml."""
    return AtomicRedisLockStore(EndpointConfig(url="127.0.0.1", port=port, db=1, key_prefix="icm"))


def hammer(port: int, start: multiprocessing.Event) -> None:
    """One 'server': every conversation gets ROUNDS_PER_PROCESS concurrent critical sections."""
    store = lock_store(port)
    client = redis.Redis(host="127.0.0.1", port=port, db=2)

    async def critical_section(conversation: str) -> None:
        async with store.lock(conversation, wait_time_in_seconds=0.005):
            if client.incr(f"inside:{conversation}") > 1:
                client.incr("overlaps")
            value = int(client.get(f"counter:{conversation}") or 0)
            await asyncio.sleep(0.003)  # the tracker being processed
            client.set(f"counter:{conversation}", value + 1)
            client.decr(f"inside:{conversation}")

    async def main() -> None:
        names = [f"conversation-{c}" for c in range(CONVERSATIONS)]
        await asyncio.gather(*(critical_section(name) for _ in range(ROUNDS_PER_PROCESS) for name in names))

    start.wait(30)
    asyncio.run(main())


@pytest.fixture(scope="module")
def redis_port() -> Iterator[int]:
    servers = PgRedis()
    try:
        servers.start_redis()
    except FileNotFoundError:
        pytest.skip("redis-server not installed: run make install")
    try:
        yield servers.redis_port
    finally:
        servers.stop()


def run_processes(port: int) -> Dict[str, int]:
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    workers = [context.Process(target=hammer, args=(port, start)) for _ in range(PROCESSES)]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0, "a lock-store process failed (see its traceback above)"
    client = redis.Redis(host="127.0.0.1", port=port, db=2, decode_responses=True)
    names = [f"conversation-{c}" for c in range(CONVERSATIONS)]
    counts = {name: int(client.get(f"counter:{name}") or 0) for name in names}
    counts["overlaps"] = int(client.get("overlaps") or 0)
    return counts


def test_two_servers_never_hold_the_lock_of_one_conversation_at_the_same_time(redis_port):
    counts = run_processes(redis_port)
    assert counts.pop("overlaps") == 0, "two holders were inside one conversation's lock at once"
    expected = PROCESSES * ROUNDS_PER_PROCESS
    assert counts == {f"conversation-{c}": expected for c in range(CONVERSATIONS)}, "increments were lost"
    leftovers = redis.Redis(host="127.0.0.1", port=redis_port, db=1).keys("icm:*")
    assert leftovers == [], f"locks left behind after every holder finished: {leftovers}"


def test_the_store_is_built_from_the_production_endpoints(redis_port, monkeypatch):
    from rasa.core.lock_store import LockStore
    from rasa.utils.endpoints import read_endpoint_config

    environment = {
        "ICM_REDIS_HOST": "127.0.0.1",
        "ICM_REDIS_PORT": str(redis_port),
        "ICM_REDIS_PASSWORD": "",
        "ICM_REDIS_DB": "1",
        # read_endpoint_config expands every variable of the file; these sections are not used here
        **{name: "unused" for name in ("ACTION_SERVER_URL", "ICM_PG_HOST", "ICM_PG_DB", "ICM_PG_USER")},
        **{name: "" for name in ("ICM_PG_PORT", "ICM_PG_PASSWORD", "ICM_PG_SSLMODE")},
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    config = read_endpoint_config("endpoints.prod.yml", "lock_store")
    assert config is not None and config.type == "locks.redis_lock_store.AtomicRedisLockStore"
    store = LockStore.create(config)
    assert isinstance(store, AtomicRedisLockStore)
    assert store.issue_ticket("someone") == 0 and store.issue_ticket("someone") == 1
    store.cleanup("someone", 0)
    store.cleanup("someone", 1)
    assert store.get_lock("someone") is None


def test_a_message_waiting_for_a_dead_servers_lock_is_served_once_that_lock_expires(redis_port):
    dead, alive = lock_store(redis_port), lock_store(redis_port)
    dead.issue_ticket("orphaned", lock_lifetime=1.0)  # a server killed while it held the lock

    async def next_message() -> str:
        # Issued with a shorter life than the dead ticket: in Rasa's store it expired while waiting,
        # the lock was then left without a ticket and the message waited forever.
        async with alive.lock("orphaned", lock_lifetime=0.5, wait_time_in_seconds=0.1):
            return "served"

    assert asyncio.run(asyncio.wait_for(next_message(), timeout=15)) == "served"
    assert alive.get_lock("orphaned") is None  # nobody waits any more: the lock is gone
