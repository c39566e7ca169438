"""Rasa's Redis lock store with atomic ticket updates, for several Rasa servers on one conversation.

Rasa 3.6's ``RedisLockStore`` keeps each conversation's ticket lock as one JSON value and changes it with
separate GET and SET calls. Two servers receiving a message of the same conversation at the same moment
can both read "no ticket", both take ticket 0 and process the two messages in parallel: the tracker of
one overwrites the other's events (seen in ``tests/test_scale_out.py``). Rasa fixed this only in its
commercial edition (RasaHQ/rasa#11256). Here every read-modify-write of a lock runs in a Redis
transaction (WATCH / MULTI / EXEC, retried when another server changed the lock in between), so ticket
numbers are unique and a lock is never deleted while someone still waits for it.

A waiting ticket is also kept alive while its server waits. In Rasa a ticket expires LOCK_LIFETIME
(60 s) after it was issued, waiting or not: when a server dies holding a conversation's lock and
another server takes the next message of that conversation within the same second, both tickets expire
at the same poll, the lock is left with no ticket, "now serving" falls back to 0 and the waiting message
is never served (seen once in `tests/test_scale_out.py`: a retried message hung until the client gave up).
Here every poll of a waiting server pushes its own ticket's expiry LOCK_LIFETIME ahead, so only the
tickets of servers that stopped polling (dead ones) expire.

Use it in endpoints.yml as ``type: locks.redis_lock_store.AtomicRedisLockStore`` with the usual Redis keys
(url, port, password, db, key_prefix).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any, Callable, Optional

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig


class AtomicRedisLockStore(RedisLockStore):
    """A RedisLockStore whose ticket changes are Redis transactions."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        """Connect with the keys of the endpoints.yml `lock_store` section."""
        super().__init__(host=endpoint_config.url or "localhost", **endpoint_config.kwargs)

    def _change(self, conversation_id: str, change: Callable[[Optional[TicketLock]], Any]) -> Any:
        """Apply `change` to the stored lock atomically; it returns (new lock or None to delete, result)."""
        key = self.key_prefix + conversation_id

        def transaction(pipe: Any) -> Any:
            raw = pipe.get(key)
            lock = TicketLock.from_dict(json.loads(raw)) if raw else None
            new_lock, result = change(lock)
            pipe.multi()
            if new_lock is None:
                pipe.delete(key)
            else:
                pipe.set(key, new_lock.dumps())
            return result

        return self.red.transaction(transaction, key, value_from_callable=True)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """Issue the next ticket number of the conversation (creating its lock if needed)."""

        def issue(lock: Optional[TicketLock]) -> Any:
            lock = lock or TicketLock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change(conversation_id, issue)
        except Exception as error:  # same contract as RedisLockStore.issue_ticket
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        """Remove expired tickets (a server that died while holding the lock). Rasa's public API, kept
        atomic; our own wait loop drops them in `keep_waiting` instead."""

        def drop_expired(lock: Optional[TicketLock]) -> Any:
            if lock is None:
                return None, None
            lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, drop_expired)

    def keep_waiting(self, conversation_id: str, ticket_number: int) -> bool:
        """Push a waiting ticket's expiry LOCK_LIFETIME ahead and drop the expired tickets (dead
        servers'), in one transaction; False if the ticket is gone."""

        def extend(lock: Optional[TicketLock]) -> Any:
            ticket = next((t for t in lock.tickets if t.number == ticket_number), None) if lock else None
            if ticket is None:
                return lock, False
            ticket.expires = max(ticket.expires, time.time() + LOCK_LIFETIME)
            lock.remove_expired_tickets()
            return lock, True

        return self._change(conversation_id, extend)

    async def _acquire_lock(
        self, conversation_id: str, ticket: int, wait_time_in_seconds: float
    ) -> TicketLock:
        """Rasa's wait loop, keeping `ticket` alive while it waits (see the module's doc).

        Rasa's loop also calls `update_lock` after each sleep; `keep_waiting` drops the expired
        tickets in the same transaction, so each poll is one read and one transaction."""
        while True:
            lock = self.get_lock(conversation_id)
            if lock is not None and not lock.is_locked(ticket):
                return lock
            if lock is None or not self.keep_waiting(conversation_id, ticket):
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            await asyncio.sleep(wait_time_in_seconds)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        """Remove the ticket; delete the lock when nobody else waits for it."""

        def finish(lock: Optional[TicketLock]) -> Any:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        self._change(conversation_id, finish)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Finish serving `ticket_number` (one transaction: no lock is deleted under a waiting ticket)."""
        self.finish_serving(conversation_id, ticket_number)
