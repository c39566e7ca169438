"""Private PostgreSQL and Redis instances for tests: temporary directory, free loopback ports, removed after.

PostgreSQL refuses to run as root, so as root its commands run as the `postgres` system user (the
temporary directory is handed to that user); otherwise as the current user. Trust authentication is set
for this private instance only (it listens on 127.0.0.1 and on a socket in the temporary directory).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional

import psycopg2
import redis

from bench.servers import free_port
from bench.servers import stop as stop_process

DB_NAME, DB_USER = "icm", "icm"
START_TIMEOUT_S = 60
INITDB_ARGS = ("--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
REDIS_ARGS = ("redis-server", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")


def postgres_bin_dir() -> Optional[Path]:
    """The newest /usr/lib/postgresql/<version>/bin with initdb and pg_ctl, if any."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    for initdb in reversed(found):
        folder = Path(initdb).parent
        if (folder / "pg_ctl").exists():
            return folder
    return None


def missing_reason() -> Optional[str]:
    """Why the instances cannot be started here (a sentence saying what to do), or None."""
    missing = []
    if postgres_bin_dir() is None:
        missing.append("PostgreSQL (/usr/lib/postgresql/*/bin/initdb)")
    if shutil.which("redis-server") is None:
        missing.append("redis-server")
    if missing:
        return f"{' and '.join(missing)} not installed: run make install"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root without a 'postgres' system user: run make install (Debian's postgresql)"
    return None


class PgRedis:
    """One PostgreSQL and one Redis server, private to a test run. Use as a context manager."""

    def __init__(self) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="icm-pg-redis-"))
        self.pg_port = free_port()
        self.redis_port = free_port()
        self._pg_data = self.workdir / "pg"
        self._redis: Optional[subprocess.Popen] = None
        self._pg_started = False

    # --- PostgreSQL ------------------------------------------------------------------------------

    def _as_owner(self, args: List[str]) -> List[str]:
        return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args

    def _run(self, args: List[str]) -> None:
        command = self._as_owner(args)
        result = subprocess.run(
            command, cwd=self.workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed:\n{result.stdout[-3000:]}")

    def start_postgres(self) -> None:
        folder = postgres_bin_dir()
        assert folder is not None, missing_reason()
        sockets = self.workdir / "sockets"
        sockets.mkdir()
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            for path in (self.workdir, sockets):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        self._run([str(folder / "initdb"), "-D", str(self._pg_data), "-U", DB_USER, *INITDB_ARGS])
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.pg_port} -k {sockets} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(
            [
                str(folder / "pg_ctl"),
                "-D",
                str(self._pg_data),
                "-l",
                str(self.workdir / "postgres.log"),
                "-o",
                options,
                "-w",
                "-t",
                str(START_TIMEOUT_S),
                "start",
            ]
        )
        self._pg_started = True
        conn = psycopg2.connect(host="127.0.0.1", port=self.pg_port, user=DB_USER, dbname="postgres")
        try:
            conn.autocommit = True
            with conn.cursor() as cursor:
                cursor.execute(f"CREATE DATABASE {DB_NAME}")
        finally:
            conn.close()

    def connect(self):
        """A psycopg2 connection to the test database (the caller closes it)."""
        return psycopg2.connect(host="127.0.0.1", port=self.pg_port, user=DB_USER, dbname=DB_NAME)

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the test database."""
        return f"postgresql://{DB_USER}@127.0.0.1:{self.pg_port}/{DB_NAME}"

    # --- Redis -----------------------------------------------------------------------------------

    def start_redis(self) -> None:
        log = open(self.workdir / "redis.log", "ab")  # noqa: SIM115 - closed with the process
        self._redis = subprocess.Popen(
            [*REDIS_ARGS, "--port", str(self.redis_port), "--dir", str(self.workdir)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        client = redis.Redis(host="127.0.0.1", port=self.redis_port, socket_timeout=2)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline and self._redis.poll() is None:
            try:
                if client.ping():
                    return
            except redis.exceptions.ConnectionError:
                time.sleep(0.2)
        raise RuntimeError("redis-server did not start:\n" + (self.workdir / "redis.log").read_text()[-3000:])

    # --- Both ------------------------------------------------------------------------------------

    def env(self) -> Dict[str, str]:
        """The variables endpoints.prod.yml reads, pointing at these instances."""
        return {
            "ICM_PG_HOST": "127.0.0.1",
            "ICM_PG_PORT": str(self.pg_port),
            "ICM_PG_DB": DB_NAME,
            "ICM_PG_USER": DB_USER,
            "ICM_PG_PASSWORD": "",
            "ICM_PG_SSLMODE": "disable",
            "ICM_REDIS_HOST": "127.0.0.1",
            "ICM_REDIS_PORT": str(self.redis_port),
            "ICM_REDIS_PASSWORD": "",
            "ICM_REDIS_DB": "1",
        }

    def stop(self) -> None:
        """Stop both servers and remove the temporary directory."""
        stop_process(self._redis)
        if self._pg_started:
            folder = postgres_bin_dir()
            subprocess.run(
                self._as_owner([str(folder / "pg_ctl"), "-D", str(self._pg_data), "-m", "immediate", "stop"]),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> PgRedis:
        try:
            self.start_postgres()
            self.start_redis()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
