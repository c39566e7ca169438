"""Two Rasa servers on one PostgreSQL tracker store and one Redis lock store (endpoints.prod.yml).

50 conversations of 6 turns each alternate their turns between the two servers; every conversation is
then read back from PostgreSQL directly. Then one server is killed (SIGKILL) in the middle of a run and
the conversations carry on on the other one, as a proxy would route them.

"Complete, none lost or duplicated" means, for every conversation, in the stored `user` events:
- the 6 texts appear in the order they were sent, none missing;
- each appears exactly once, except a turn that the client had sent to the killed server and then
  re-sent to the survivor: the dead server may have stored it before dying, so it may appear twice, in a row;
- every stored user message is followed by at least one bot message before the next user message (Rasa
  stores a turn's events in one transaction: a user message is never stored without its answer).
A user message cancelled by a `rewind` event (Rasa's two-stage fallback reverts it, then stores it again)
is not counted, as Rasa does not count it either.
"""

from __future__ import annotations

import http.client
import json
import signal
import threading
import time
import urllib.error
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Set, Tuple

import pytest

from tests.conftest import Servers, post_json
from tests.pg_redis import PgRedis, missing_reason

pytestmark = pytest.mark.integration

CONVERSATIONS = 50
REQUEST_TIMEOUT_S = 240  # a turn retried after a kill waits for the dead server's lock to expire (60 s)
# Six turns each, French and English, none asking for personal data or starting the callback form.
SCRIPTS = [
    [
        "Bonjour",
        "c'est quoi l'ALD ?",
        "parle moi du 4eme engagement",
        "et le suivant ?",
        "y a t il un centre a perpignan",
        "merci beaucoup",
    ],
    [
        "Hello",
        "What are your values?",
        "Is there a cancer centre in Lyon?",
        "What is a CLCC?",
        "and who runs ICM?",
        "thank you",
    ],
    [
        "bonjour",
        "Est-ce que je vais payer des dépassements d'honoraires ?",
        "quels sont les 6 engagements de la charte ?",
        "parle moi du 2eme engagement",
        "Et c'est quoi un ESPIC ?",
        "merci",
    ],
    [
        "Salut",
        "c koi les valeurs de l'icm",
        "y a t il un centre a Lyon",
        "c'est quoi l'ALD ?",
        "parle moi du 6eme engagement",
        "merci beaucoup",
    ],
]
GONE = (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError)


class ProdServer(Servers):
    """conftest's Servers, started with endpoints.prod.yml and extra environment variables."""

    def __init__(self, model: Path, workdir: Path, extra_env: Dict[str, str]) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        super().__init__(model, workdir)
        self.env.update(extra_env)

    def _spawn(self, args: List[str], log_name: str):
        # The REST channel only: this test is about the stores, not the channels and their secrets.
        credentials = self.workdir / "credentials.yml"
        credentials.write_text("rest:\n")
        swap = {"endpoints.yml": "endpoints.prod.yml", "credentials.yml": str(credentials)}
        return super()._spawn([swap.get(arg, arg) for arg in args], log_name)


class Cluster:
    """PostgreSQL + Redis, one action server and two Rasa servers (first, second) sharing them."""

    def __init__(self, stores: PgRedis, first: ProdServer, second: ProdServer) -> None:
        self.stores, self.first, self.second = stores, first, second


@pytest.fixture(scope="module")
def cluster(trained_model: Path, tmp_path_factory) -> Iterator[Cluster]:
    reason = missing_reason()
    if reason:
        pytest.skip(reason)
    workdir = tmp_path_factory.mktemp("scale-out")
    with PgRedis() as stores:
        env = {**stores.env(), "ICM_ACTIONS_DB_URL": stores.url}
        first = ProdServer(trained_model, workdir / "first", env)
        second = ProdServer(trained_model, workdir / "second", {**env, "ACTION_SERVER_URL": ""})
        second.env["ACTION_SERVER_URL"] = first.env["ACTION_SERVER_URL"]
        errors: List[BaseException] = []

        def start(server: ProdServer) -> None:
            try:
                server.start_rasa()
            except BaseException as error:  # re-raised in the main thread
                errors.append(error)

        try:
            first.start_actions()
            threads = [threading.Thread(target=start, args=(server,)) for server in (first, second)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            if errors:
                raise errors[0]
            yield Cluster(stores, first, second)
        finally:
            first.close()
            second.close()


class Run:
    """Conversations sent concurrently; turn k of conversation i goes to server (i + k) mod n."""

    def __init__(self, servers: List[ProdServer], prefix: str, victim: Optional[ProdServer] = None) -> None:
        self.servers, self.victim = servers, victim
        self.senders = [f"{prefix}-{i:02d}" for i in range(CONVERSATIONS)]
        self.scripts = {s: SCRIPTS[i % len(SCRIPTS)] for i, s in enumerate(self.senders)}
        self.retried: Set[Tuple[str, int]] = set()
        self.replies: Dict[Tuple[str, int], List[dict]] = {}
        self.killed = threading.Event()
        self.done_turns = 0
        self._count = threading.Lock()
        self._kill_after: Optional[int] = None

    def _send(self, index: int, sender: str, turn: int, text: str) -> List[dict]:
        target = self.servers[(index + turn) % len(self.servers)]
        survivor = next((s for s in self.servers if s is not self.victim), None)
        if target is self.victim and self.killed.is_set():
            target = survivor  # the proxy knows the server is down
        try:
            return post_json(target.webhook, {"sender": sender, "message": text}, timeout=REQUEST_TIMEOUT_S)
        except GONE:
            if target is not self.victim or not self.killed.is_set():
                raise
            self.retried.add((sender, turn))
            return post_json(survivor.webhook, {"sender": sender, "message": text}, timeout=REQUEST_TIMEOUT_S)

    def _conversation(self, index: int, sender: str) -> None:
        for turn, text in enumerate(self.scripts[sender]):
            self.replies[(sender, turn)] = self._send(index, sender, turn, text)
            with self._count:
                self.done_turns += 1
                if self._kill_after is not None and self.done_turns == self._kill_after:
                    self.killed.set()
                    self.victim.rasa.send_signal(signal.SIGKILL)

    def go(self, kill_after: Optional[int] = None) -> float:
        """Run every conversation; SIGKILL the victim after `kill_after` answered turns. Returns msg/s."""
        self._kill_after = kill_after
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=CONVERSATIONS) as pool:
            for future in [pool.submit(self._conversation, i, s) for i, s in enumerate(self.senders)]:
                future.result()
        return self.done_turns / (time.monotonic() - started)


def stored_turns(stores: PgRedis, senders: List[str]) -> Dict[str, List[List]]:
    """For each conversation, read from PostgreSQL: [user text, number of bot messages after it] in order.

    A `rewind` event (Rasa's UserUtteranceReverted) cancels the user message before it, as in Rasa.
    """
    turns: Dict[str, List[List]] = {sender: [] for sender in senders}
    conn = stores.connect()
    try:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT sender_id, type_name, data FROM events WHERE sender_id = ANY(%s) "
                "AND type_name IN ('user', 'bot', 'rewind') ORDER BY id",
                (senders,),
            )
            for sender, kind, data in cursor.fetchall():
                if kind == "rewind":  # the two-stage fallback reverts a message, then stores it again
                    turns[sender].pop()
                elif kind == "user":
                    turns[sender].append([json.loads(data)["text"], 0])
                elif turns[sender]:
                    turns[sender][-1][1] += 1
    finally:
        conn.close()
    return turns


def assert_complete(run: Run, turns: Dict[str, List[List]]) -> int:
    """The definition in the module docstring; returns the number of stored user events checked."""
    checked = 0
    for sender in run.senders:
        script, stored = run.scripts[sender], turns[sender]
        texts = [text for text, _ in stored]
        allowed = [2 if (sender, turn) in run.retried else 1 for turn in range(len(script))]
        position = 0
        for turn, copies in enumerate(allowed):
            count = 0
            while position < len(texts) and texts[position] == script[turn] and count < copies:
                position, count = position + 1, count + 1
            assert count >= 1, f"{sender}: turn {turn + 1} ({script[turn]!r}) is missing; stored: {texts}"
        assert position == len(texts), f"{sender}: unexpected or duplicated user events; stored: {texts}"
        unanswered = [text for text, bots in stored if bots == 0]
        assert not unanswered, f"{sender}: user messages stored without a bot answer: {unanswered}"
        checked += len(stored)
    return checked


def test_two_servers_share_every_conversation_through_postgresql(cluster):
    both = Run([cluster.first, cluster.second], "two-servers")
    two_rate = both.go()
    assert all(both.replies[(s, t)] for s in both.senders for t in range(6)), "a turn got no answer"
    checked = assert_complete(both, stored_turns(cluster.stores, both.senders))
    assert checked == CONVERSATIONS * 6

    one = Run([cluster.first], "one-server")
    one_rate = one.go()
    assert_complete(one, stored_turns(cluster.stores, one.senders))
    print(
        f"\nscale-out: {CONVERSATIONS} conversations x 6 turns, {checked} user events checked in PostgreSQL; "
        f"throughput 2 servers {two_rate:.1f} msg/s, 1 server {one_rate:.1f} msg/s"
    )


def test_two_messages_of_one_conversation_at_once_are_handled_one_after_the_other(cluster):
    """The Redis lock: without it, both servers would append to the same tracker and lose events."""
    senders = [f"same-time-{i:02d}" for i in range(20)]
    for sender in senders:
        cluster.first.say(sender, "Bonjour")

    def pair(sender: str) -> None:
        with ThreadPoolExecutor(max_workers=2) as pool:
            a = pool.submit(cluster.first.say, sender, "c'est quoi l'ALD ?")
            b = pool.submit(cluster.second.say, sender, "What are your values?")
            assert a.result() and b.result()

    with ThreadPoolExecutor(max_workers=len(senders)) as pool:
        for future in [pool.submit(pair, sender) for sender in senders]:
            future.result()
    for sender, stored in stored_turns(cluster.stores, senders).items():
        texts = [text for text, _ in stored]
        assert texts[0] == "Bonjour" and sorted(texts[1:]) == [
            "What are your values?",
            "c'est quoi l'ALD ?",
        ], f"{sender}: {texts}"
        assert all(bots >= 1 for _, bots in stored), f"{sender}: a message has no answer: {stored}"


def test_killing_one_server_mid_run_loses_no_conversation(cluster):
    run = Run([cluster.first, cluster.second], "failover", victim=cluster.second)
    rate = run.go(kill_after=CONVERSATIONS * 2)
    assert run.killed.is_set() and cluster.second.rasa.poll() is not None, "the second server was not killed"
    assert all(run.replies[(s, t)] for s in run.senders for t in range(6)), "a turn got no answer"
    checked = assert_complete(run, stored_turns(cluster.stores, run.senders))
    print(
        f"\nfailover: second server killed after {CONVERSATIONS * 2} turns; {len(run.retried)} turns re-sent "
        f"to the survivor; {checked} user events checked, every conversation complete ({rate:.1f} msg/s)"
    )


def test_the_staff_unanswered_list_reads_the_postgresql_tracker_store(cluster):
    """Reception's "questions the assistant could not answer" works on the production store too."""
    from staff.unanswered import unanswered

    sender, gibberish = "unanswered-pg", "zkqj wxxv plmf"
    cluster.first.say(sender, "Bonjour")  # the first server: the failover test may have killed the second
    assert cluster.first.say(sender, gibberish), "the fallback gave no answer"
    entries = {entry.question: entry for entry in unanswered(days=1, url=cluster.stores.url)}
    assert gibberish in entries, f"not listed as unanswered: {sorted(entries)}"
    assert entries[gibberish].fallbacks >= 1
    assert "Bonjour" not in entries
