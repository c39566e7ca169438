"""Deploy files (deploy/): syntax and the rules they must keep. Nothing is built or started here.

- docker-compose.yml parses, has the expected services, healthchecks, a PostgreSQL volume, publishes
  only nginx, and every variable the containers need is in .env.example;
- both Dockerfiles install like scripts/install.sh, run as a non-root user, copy only files that exist
  and that their .dockerignore lets in, and never enable Rasa's HTTP API;
- nginx.conf: `nginx -t` on a copy with local paths when nginx is installed (else that test is skipped
  with the reason), plus a structural check that always runs: balanced blocks, the public locations
  proxied, Rasa's HTTP API never proxied (nginx's location matching rules), sticky socket.io, limits and
  security headers.
"""

from __future__ import annotations

import datetime
import fnmatch
import http.server
import os
import re
import shlex
import shutil
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Dict, List, Optional, Set, Tuple, Union

import pytest
import yaml

from bench.servers import free_port, rasa_env
from channels.active_credentials import read_credentials, variables
from tests.helpers import ROOT, makefile_default

DEPLOY = ROOT / "deploy"
VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)")
EXPECTED_SERVICES = {"rasa-1", "rasa-2", "actions", "postgres", "redis", "nginx"}


# --- docker-compose.yml and .env.example ---------------------------------------------------------------


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def _env_example() -> Dict[str, str]:
    pairs = {}
    for line in (DEPLOY / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            pairs[name.strip()] = value
    return pairs


def test_compose_has_the_expected_services_and_images():
    services = _compose()["services"]
    assert set(services) >= EXPECTED_SERVICES
    assert services["postgres"]["image"] == "postgres:15"
    assert services["redis"]["image"] == "redis:7"
    assert services["rasa-1"]["build"]["dockerfile"] == "deploy/Dockerfile.rasa"
    assert services["actions"]["build"]["dockerfile"] == "deploy/Dockerfile.actions"


def test_every_long_running_service_has_a_healthcheck_and_restarts():
    for name, service in _compose()["services"].items():
        if name == "staff":
            continue
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
        assert service.get("restart") == "unless-stopped", name


def test_postgres_keeps_its_data_in_a_named_volume():
    compose = _compose()
    assert "pgdata:/var/lib/postgresql/data" in compose["services"]["postgres"]["volumes"]
    assert "pgdata" in compose["volumes"]


def test_only_nginx_publishes_ports():
    published = {name for name, service in _compose()["services"].items() if service.get("ports")}
    assert published == {"nginx"}


def test_the_rasa_servers_read_their_environment_from_the_env_file():
    services = _compose()["services"]
    for name in ("rasa-1", "rasa-2", "actions"):
        assert services[name]["env_file"] == ".env", name
    assert services["rasa-1"]["environment"]["ACTION_SERVER_URL"] == "http://actions:5055/webhook"


def _compose_variables() -> Set[str]:
    text = (DEPLOY / "docker-compose.yml").read_text()
    return set(VAR.findall(text.replace("$${", "")))


def test_every_variable_the_deployment_needs_is_in_env_example():
    """Rasa stops at start-up on an unset ${VAR}: each one is set by Compose or listed in .env.example."""
    example = set(_env_example())
    rasa_env = set(_compose()["services"]["rasa-1"]["environment"])
    endpoints = set(variables(read_credentials(ROOT / "endpoints.prod.yml")))
    assert endpoints - rasa_env - example == set(), "endpoints.prod.yml variables missing from .env.example"
    channels = set(variables(read_credentials(ROOT / "credentials.channels.yml")))
    assert channels - example == set(), "channel variables missing from .env.example"
    assert _compose_variables() - example == set(), "docker-compose.yml variables missing from .env.example"


def test_env_example_holds_no_secret_value():
    for name, value in _env_example().items():
        if re.search(r"PASSWORD|SECRET|TOKEN|KEY|SID", name):
            assert value == "", f"{name} must be empty in .env.example"
    for private in ("deploy/.env", "deploy/certs/privkey.pem"):
        ignored = subprocess.run(["git", "check-ignore", "-q", private], cwd=ROOT)
        assert ignored.returncode == 0, f"{private} must be git-ignored"


# --- Dockerfiles -------------------------------------------------------------------------------------------


def _instructions(name: str) -> List[Tuple[str, str]]:
    text = (DEPLOY / name).read_text().replace("\\\n", " ")
    rows = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, rest = line.strip().partition(" ")
            rows.append((keyword.upper(), rest.strip()))
    return rows


DOCKERFILES = ["Dockerfile.rasa", "Dockerfile.actions"]


def _dockerfile_env(name: str) -> Dict[str, str]:
    env: Dict[str, str] = {}
    for keyword, rest in _instructions(name):
        if keyword == "ENV":
            env.update(dict(pair.split("=", 1) for pair in shlex.split(rest)))
    return env


@pytest.mark.parametrize("name", DOCKERFILES)
def test_servers_run_with_the_allocator_setting_the_bench_measures(name, monkeypatch):
    """The bench's memory numbers hold for `make run` and the containers: same glibc arena limit."""
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    measured = rasa_env()["MALLOC_ARENA_MAX"]
    assert makefile_default("MALLOC_ARENA_MAX") == measured, "the Makefile's default differs"
    assert re.search(r"^export MALLOC_ARENA_MAX\b", (ROOT / "Makefile").read_text(), re.M), "and exported"
    assert _dockerfile_env(name).get("MALLOC_ARENA_MAX") == measured


@pytest.mark.parametrize("name", DOCKERFILES)
def test_dockerfile_runs_as_a_non_root_user(name):
    rows = _instructions(name)
    assert rows[0] == ("FROM", "python:3.11-slim")
    users = [rest for keyword, rest in rows if keyword == "USER"]
    assert users and users[-1] not in ("root", "0"), f"{name} must end with a non-root USER"
    last_user = max(i for i, (keyword, _) in enumerate(rows) if keyword == "USER")
    assert [k for k, _ in rows[last_user:]] and all(
        k != "RUN" for k, _ in rows[last_user:]
    ), "nothing should run as root after USER"
    assert any(keyword == "RUN" and "useradd" in rest and "--uid 10001" in rest for keyword, rest in rows)


@pytest.mark.parametrize("name", DOCKERFILES)
def test_dockerfile_installs_like_scripts_install_sh(name):
    install = (ROOT / "scripts" / "install.sh").read_text()
    pins = re.search(r'RASA_PINS="([^"]+)"', install).group(1).split()
    pip_pin = re.search(r'"(pip==[^"]+)"', install).group(1)
    run = " ".join(rest for keyword, rest in _instructions(name) if keyword == "RUN")
    assert f'"{pip_pin}"' in run
    assert "--no-deps -r requirements/lock.txt" in run  # the lock is the whole environment
    phase_two = run[run.index("--no-deps") :]
    assert "--ignore-requires-python" in phase_two
    for pin in pins:
        assert f'"{pin}"' in phase_two, pin


def _copy_sources(name: str) -> List[str]:
    sources = []
    for keyword, rest in _instructions(name):
        if keyword == "COPY":
            parts = [p for p in shlex.split(rest) if not p.startswith("--")]
            sources += parts[:-1]
    return sources


def _ignored(path: str, patterns: List[str]) -> bool:
    """Docker's .dockerignore rule: the last matching pattern wins (`!` re-includes)."""
    ignored = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        glob = pattern[1:] if negate else pattern
        glob = glob.rstrip("/")
        if fnmatch.fnmatch(path, glob) or path.startswith(glob + "/"):
            ignored = not negate
    return ignored


@pytest.mark.parametrize("name", DOCKERFILES)
def test_dockerfile_copies_files_that_exist_and_that_its_dockerignore_lets_in(name):
    ignore_file = DEPLOY / f"{name}.dockerignore"
    patterns = [
        line.strip()
        for line in ignore_file.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert patterns[0] == "*", "the context should be an allow-list (never .venv or var/)"
    assert _ignored(".venv/bin/python", patterns) and _ignored("var/secrets/x", patterns)
    for source in _copy_sources(name):
        source = source.rstrip("/")
        assert not _ignored(source, patterns), f"{name}: {source} is excluded by {ignore_file.name}"
        if source != "models/icm.tar.gz":  # written by `make train`, not in git
            assert (ROOT / source).exists(), f"{name}: {source} does not exist"


def test_the_rasa_image_contains_every_custom_store_class_of_the_production_endpoints():
    endpoints = yaml.safe_load((ROOT / "endpoints.prod.yml").read_text())
    custom = [section["type"] for section in endpoints.values() if "." in str(section.get("type", ""))]
    assert "locks.redis_lock_store.AtomicRedisLockStore" in custom
    copied = {source.rstrip("/") for source in _copy_sources("Dockerfile.rasa")}
    for class_path in custom:
        package = class_path.split(".")[0]
        assert package in copied, f"Dockerfile.rasa does not copy {package}/, needed by {class_path}"


def test_the_rasa_image_copies_every_project_package_its_python_code_imports():
    copied = {source.rstrip("/") for source in _copy_sources("Dockerfile.rasa")}
    project_packages = {path.parent.name for path in ROOT.glob("*/__init__.py")}
    imported = set()
    for package in copied & project_packages:
        for module in (ROOT / package).rglob("*.py"):
            found = re.findall(r"^\s*(?:from|import) (\w+)", module.read_text(), flags=re.MULTILINE)
            imported |= {(name, f"{package}/{module.name}") for name in found if name in project_packages}
    missing = sorted(f"{name} (imported by {where})" for name, where in imported if name not in copied)
    assert not missing, f"Dockerfile.rasa does not copy: {missing}"


def _cmd(name: str) -> str:
    return next(rest for keyword, rest in _instructions(name) if keyword == "CMD")


def test_the_rasa_image_never_enables_the_http_api_and_reads_the_generated_credentials():
    command = _cmd("Dockerfile.rasa")
    assert "--enable-api" not in command and "--auth-token" not in command
    assert "channels.active_credentials --out var/credentials.active.yml" in command
    assert "--credentials var/credentials.active.yml" in command
    assert "--endpoints endpoints.prod.yml" in command
    nginx = (DEPLOY / "nginx.conf").read_text()
    for name, service in _compose()["services"].items():
        command = str(service.get("command", ""))
        if "--enable-api" in command:  # only the staff finder's internal server, with a token
            assert name == "rasa-api" and '--auth-token "$$RASA_API_TOKEN"' in command, name
            assert not service.get("ports") and "rasa-api" not in nginx, "the HTTP API must stay internal"


def test_the_action_image_runs_the_action_server():
    assert (
        _cmd("Dockerfile.actions") == '["rasa", "run", "actions", "--port", "5055", "--actions", "actions"]'
    )


# --- nginx.conf: a small parser and nginx's location matching ----------------------------------------------


@dataclass
class Block:
    name: str
    args: List[str]
    children: List[Union[Block, Tuple[str, List[str]]]] = field(default_factory=list)

    def directives(self, name: str) -> List[List[str]]:
        return [c[1] for c in self.children if isinstance(c, tuple) and c[0] == name]

    def blocks(self, name: str) -> List[Block]:
        return [c for c in self.children if isinstance(c, Block) and c.name == name]


def _tokens(text: str) -> List[str]:
    tokens, i = [], 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif char == "#":
            i = text.find("\n", i) if "\n" in text[i:] else len(text)
        elif char in "{};":
            tokens.append(char)
            i += 1
        elif char in "\"'":
            end = text.index(char, i + 1)
            tokens.append(text[i + 1 : end])
            i = end + 1
        else:
            match = re.match(r"[^\s{};\"']+", text[i:])
            tokens.append(match.group(0))
            i += len(match.group(0))
    return tokens


def parse_nginx(text: str) -> Block:
    """The configuration as nested blocks; fails on unbalanced braces or a missing `;`."""
    root = Block("main", [])
    stack, words = [root], []
    for token in _tokens(text):
        if token == ";":
            assert words, "empty directive"
            stack[-1].children.append((words[0], words[1:]))
            words = []
        elif token == "{":
            assert words, "a block without a name ('{' after '{', '}' or ';')"
            block = Block(words[0], words[1:])
            stack[-1].children.append(block)
            stack.append(block)
            words = []
        elif token == "}":
            assert not words, f"missing ';' after {' '.join(words)}"
            assert len(stack) > 1, "unbalanced '}'"
            stack.pop()
        else:
            words.append(token)
    assert len(stack) == 1 and not words, "unbalanced '{' or unterminated directive"
    return root


def _nginx() -> Block:
    return parse_nginx((DEPLOY / "nginx.conf").read_text())


def _tls_server() -> Block:
    http = _nginx().blocks("http")[0]
    return next(s for s in http.blocks("server") if any("ssl" in d for d in s.directives("listen")))


def match_location(server: Block, uri: str) -> Block:
    """The location nginx picks for `uri`: exact, then longest prefix (^~ stops), regexes in order."""
    locations = server.blocks("location")
    for loc in locations:
        if loc.args[0] == "=" and loc.args[1] == uri:
            return loc
    prefixes = [loc for loc in locations if loc.args[0] in ("^~",) or len(loc.args) == 1]
    best = max(
        (loc for loc in prefixes if uri.startswith(loc.args[-1])),
        key=lambda loc: len(loc.args[-1]),
        default=None,
    )
    if best is not None and best.args[0] == "^~":
        return best
    for loc in locations:
        if loc.args[0] in ("~", "~*"):
            flags = re.I if loc.args[0] == "~*" else 0
            if re.search(loc.args[1], uri, flags):
                return loc
    assert best is not None, f"no location for {uri}"
    return best


def _proxies(location: Block) -> bool:
    return bool(location.directives("proxy_pass"))


PUBLIC = [
    "/webhooks/rest/webhook",
    "/webhooks/telegram/webhook",
    "/webhooks/facebook/webhook",
    "/webhooks/twilio/webhook",
    "/webhooks/slack/webhook",
    "/socket.io/",
    "/staff/",
]
NEVER_PROXIED = [
    "/model/parse",
    "/model",
    "/conversations/abc/tracker",
    "/conversations/abc/messages",
    "/status",
    "/domain",
    "/version",
    "/webhooks/rest/webhook/extra",
    "/webhooks/callback/webhook",
    "/webhooks/telegram/set_webhook",
    "/socket.io",
]


def test_nginx_conf_has_balanced_blocks_and_one_http_section():
    config = _nginx()
    assert len(config.blocks("http")) == 1 and len(config.blocks("events")) == 1


@pytest.mark.parametrize("uri", PUBLIC)
def test_nginx_proxies_the_public_paths(uri):
    assert _proxies(match_location(_tls_server(), uri)), uri


@pytest.mark.parametrize("uri", NEVER_PROXIED)
def test_nginx_never_proxies_rasa_http_api_or_other_paths(uri):
    location = match_location(_tls_server(), uri)
    assert not _proxies(location), f"{uri} is proxied by location {' '.join(location.args)}"


def test_socketio_is_sticky_and_upgrades_to_websocket():
    http = _nginx().blocks("http")[0]
    location = match_location(_tls_server(), "/socket.io/")
    upstream_name = location.directives("proxy_pass")[0][0].split("//")[1]
    upstream = next(u for u in http.blocks("upstream") if u.args == [upstream_name])
    sticky = upstream.directives("ip_hash") or [d for d in upstream.directives("hash") if "consistent" in d]
    assert sticky, "socket.io needs sticky sessions (ip_hash or hash … consistent)"
    assert len(upstream.directives("server")) >= 2
    headers = {d[0]: d[1] for d in location.directives("proxy_set_header")}
    assert headers.get("Upgrade") == "$http_upgrade" and headers.get("Connection") == "$connection_upgrade"


def test_staff_is_restricted_to_internal_networks():
    location = match_location(_tls_server(), "/staff/")
    allowed = [d[0] for d in location.directives("allow")]
    assert allowed and "all" not in allowed
    assert location.directives("deny") == [["all"]]
    assert location.children.index(("deny", ["all"])) > max(
        location.children.index(("allow", [a])) for a in allowed
    ), "deny all must come after the allow list"


def _size(value: str) -> int:
    units = {"k": 1024, "m": 1024**2, "g": 1024**3}
    return int(value[:-1]) * units[value[-1].lower()] if value[-1].isalpha() else int(value)


def test_bodies_are_small_and_security_headers_are_sent():
    http = _nginx().blocks("http")[0]
    assert _size(http.directives("client_max_body_size")[0][0]) <= 1024**2
    server = _tls_server()
    headers = {d[0] for d in server.directives("add_header")}
    expected = {
        "Strict-Transport-Security",
        "X-Content-Type-Options",
        "Content-Security-Policy",
        "Referrer-Policy",
    }
    assert expected <= headers
    assert http.directives("server_tokens") == [["off"]]
    for location in server.blocks("location"):  # add_header in a location would drop the server's headers
        assert not location.directives("add_header"), f"location {' '.join(location.args)} resets the headers"


# --- nginx -t -----------------------------------------------------------------------------------------------


def _nginx_binary() -> Optional[str]:
    return os.environ.get("ICM_NGINX") or shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")


def _self_signed(directory: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (directory / "fullchain.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_bytes = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (directory / "privkey.pem").write_bytes(key_bytes)


def test_nginx_accepts_the_configuration(tmp_path):
    binary = _nginx_binary()
    if binary is None:
        pytest.skip("nginx is not installed (set ICM_NGINX=/path/to/nginx): only the structural checks ran")
    _self_signed(tmp_path)
    mime = Path(binary).resolve().parent.parent.parent / "etc" / "nginx" / "mime.types"
    mime = mime if mime.exists() else Path("/etc/nginx/mime.types")
    text = re.sub(r"(\s)/tmp/", rf"\g<1>{tmp_path}/", (DEPLOY / "nginx.conf").read_text())
    text = text.replace("/etc/nginx/certs/", f"{tmp_path}/").replace("/etc/nginx/mime.types", str(mime))
    # Compose service names do not resolve here; nginx -t resolves upstream servers.
    text = re.sub(r"server (rasa-\d|staff):(\d+)", r"server 127.0.0.1:\2", text)
    (tmp_path / "nginx.conf").write_text(text)
    result = subprocess.run(
        [
            binary,
            "-t",
            "-p",
            str(tmp_path),
            "-c",
            str(tmp_path / "nginx.conf"),
            "-e",
            str(tmp_path / "error.log"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


# --- nginx running the configuration, in front of a stub Rasa (when nginx is installed) --------------------


class _Stub(http.server.BaseHTTPRequestHandler):
    """Stands in for the Rasa and staff servers: records each path, answers 200."""

    seen: ClassVar[List[str]] = []

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        _Stub.seen.append(self.path)
        body = b'{"stub": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def running_nginx(tmp_path_factory):
    binary = _nginx_binary()
    if binary is None:
        pytest.skip("nginx is not installed (set ICM_NGINX=/path/to/nginx): only the structural checks ran")
    tmp = tmp_path_factory.mktemp("nginx")
    _self_signed(tmp)
    stub = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), _Stub)
    threading.Thread(target=stub.serve_forever, daemon=True).start()
    plain, tls = free_port(), free_port()
    mime = Path(binary).resolve().parent.parent.parent / "etc" / "nginx" / "mime.types"
    text = re.sub(r"(\s)/tmp/", rf"\g<1>{tmp}/", (DEPLOY / "nginx.conf").read_text())
    text = text.replace("/etc/nginx/certs/", f"{tmp}/").replace(
        "/etc/nginx/mime.types", str(mime if mime.exists() else "/etc/nginx/mime.types")
    )
    text = re.sub(r"server (rasa-\d|staff):\d+", f"server 127.0.0.1:{stub.server_port}", text)
    text = re.sub(r"resolver [^;]+;", "", text).replace("staff:8090", f"127.0.0.1:{stub.server_port}")
    text = text.replace("listen 8080 ", f"listen 127.0.0.1:{plain} ").replace(
        "listen 8443 ", f"listen 127.0.0.1:{tls} "
    )
    # nginx's workers run as an unprivileged user, who may not be allowed into the checkout (a clone in a
    # `mktemp -d` directory is 0700): serve a world-readable copy of web/, as the image's /srv/web is.
    site = Path(tempfile.mkdtemp(prefix="icm-nginx-site-"))
    shutil.copytree(ROOT / "web", site / "web")
    for path in (site, *site.rglob("*")):
        path.chmod(0o755 if path.is_dir() else 0o644)
    text = text.replace("/srv/web", str(site / "web")).replace("/srv/acme", str(tmp))
    text = text.replace("access_log /dev/stdout icm;", f"access_log {tmp}/access.log icm;")
    text = text.replace("error_log /dev/stderr warn;", f"error_log {tmp}/error.log warn;")
    (tmp / "nginx.conf").write_text(text)
    process = subprocess.Popen(
        [
            binary,
            "-p",
            str(tmp),
            "-c",
            str(tmp / "nginx.conf"),
            "-e",
            str(tmp / "error.log"),
            "-g",
            "daemon off;",
        ]
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{plain}/healthz", timeout=2)
            break
        except OSError:
            time.sleep(0.2)
    try:
        yield f"https://127.0.0.1:{tls}", f"http://127.0.0.1:{plain}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        stub.shutdown()
        shutil.rmtree(site, ignore_errors=True)


def _fetch(url: str, method: str = "GET", body: Optional[bytes] = None):
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the test's self-signed certificate

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context), _NoRedirect)
    request = urllib.request.Request(
        url, data=body, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode(errors="replace")


def test_nginx_serves_the_public_paths_only(running_nginx):
    https, plain = running_nginx
    assert _fetch(f"{plain}/healthz")[0] == 200
    status, headers, _ = _fetch(f"{plain}/webhooks/rest/webhook")
    assert status == 301 and headers["Location"].startswith("https://")
    for path in (
        "/webhooks/rest/webhook",
        "/webhooks/slack/webhook",
        "/socket.io/?EIO=4&transport=polling",
        "/staff/",
    ):
        _Stub.seen.clear()
        status, headers, _ = _fetch(
            https + path, "POST" if "webhooks" in path else "GET", b"{}" if "webhooks" in path else None
        )
        forwarded = "/" if path == "/staff/" else path  # the staff server's routes have no prefix
        assert status == 200 and _Stub.seen == [forwarded], path
        assert (
            "max-age" in headers["Strict-Transport-Security"]
            and headers["X-Content-Type-Options"] == "nosniff"
        )
    _Stub.seen.clear()
    for path in (
        "/model/parse",
        "/status",
        "/conversations/a/tracker",
        "/version",
        "/domain",
        "/webhooks/telegram/set_webhook",
    ):
        assert (
            _fetch(
                https + path,
                "POST" if path.startswith("/model") else "GET",
                b"{}" if path.startswith("/model") else None,
            )[0]
            == 404
        ), path
    assert _Stub.seen == [], "Rasa's HTTP API must never be proxied"


def test_nginx_refuses_large_bodies_before_rasa(running_nginx):
    https, _ = running_nginx
    _Stub.seen.clear()
    status, _, _ = _fetch(https + "/webhooks/rest/webhook", "POST", b"{" + b" " * 100_000 + b"}")
    assert status == 413 and _Stub.seen == []


def test_nginx_serves_the_widget_and_demo_but_not_the_python_sources(running_nginx):
    https, _ = running_nginx
    status, headers, body = _fetch(https + "/widget/icm-chat.js")
    assert status == 200 and "webhooks/rest/webhook" in body
    assert "Content-Security-Policy" in headers
    status, _, body = _fetch(https + "/demo/")
    assert (
        status == 200 and "__RASA_PUBLIC_URL__" not in body and 'data-server-url="https://127.0.0.1"' in body
    )
    for path in ("/serve.py", "/web/serve.py", "/widget/../serve.py", "/__init__.py"):
        assert _fetch(https + path)[0] == 404, path
