"""A realtime server process of a test's own, and the development OpenID provider.

Each server has its own SQLite file and an ephemeral loopback port, so no
scenario sees another's data.
"""

import json
import os
import re
import subprocess
import urllib.request
from pathlib import Path

from .paths import DEV_IDP, SERVER
from .waiting import wait_until

SECRET = "e2e-secret-0123456789abcdef-0123456789"
BOOKING_TITLE = "Canon EOS R6, Fri 12 Dec"


class Server:
    """`realtime-server serve` on 127.0.0.1:0 with a fresh database in `out`."""

    def __init__(self, out: Path, *extra_args: str, name: str = "server"):
        out.mkdir(parents=True, exist_ok=True)
        self._out = out / f"{name}.out"
        self.proc = subprocess.Popen(
            [SERVER, "serve", "--bind", "127.0.0.1:0", "--db", out / f"{name}.db", *extra_args],
            env={**os.environ, "JWT_SECRET": SECRET},
            stdout=open(self._out, "w"),
            stderr=open(out / f"{name}.log", "w"),
        )
        listening = wait_until(
            "the server to listen", lambda: re.search(r"^listening on (\S+)$", self._out.read_text(), re.M)
        )
        self.base = listening.group(1)
        self.service = self.token("marketplace", "service")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)

    def token(self, sub: str, role: str, name: str | None = None) -> str:
        args = [SERVER, "token", "--sub", sub, "--role", role, "--ttl", "1h"]
        if name:
            args += ["--name", name]
        done = subprocess.run(args, env={**os.environ, "JWT_SECRET": SECRET}, capture_output=True, text=True, check=True)
        return done.stdout.strip()

    def request(self, method: str, path: str, token: str | None = None, body: object = None) -> object:
        """One HTTP call; the parsed JSON answer (None when empty). Raises on a non-2xx status."""
        headers = {"content-type": "application/json"}
        if token is None:
            token = self.service
        if token:
            headers["authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        with urllib.request.urlopen(request, timeout=10) as answer:
            text = answer.read()
        return json.loads(text) if text else None

    def notify(self, user: str, title: str, body: str, kind: str | None = None, data: dict | None = None) -> None:
        """A notification to one user through the publish API, as the marketplace sends it."""
        payload: dict = {"title": title, "body": body}
        if kind:
            payload["type"] = kind
        if data:
            payload["data"] = data
        self.request("POST", "/api/v1/publish", body={"room": f"user-{user}", "event": "notification", "data": payload})

    def put_booking(self, booking: str, status: str, title: str = BOOKING_TITLE) -> None:
        """Host Amina's booking by renter Jean, as the marketplace records it."""
        self.request(
            "PUT",
            f"/api/v1/bookings/{booking}",
            body={"hostId": "host-amina", "renterId": "renter-jean", "status": status, "title": title},
        )

    def connections(self) -> int:
        with urllib.request.urlopen(self.base + "/metrics", timeout=10) as answer:
            metrics = answer.read().decode()
        return int(re.search(r"^realtime_connections (\d+)$", metrics, re.M).group(1))


class Provider:
    """dev-idp/server.mjs: an OpenID provider on a loopback port (access tokens live `access_ttl` s)."""

    def __init__(self, out: Path, access_ttl: int = 15):
        out.mkdir(parents=True, exist_ok=True)
        self._out = out / "idp.out"
        self.proc = subprocess.Popen(
            ["node", DEV_IDP / "server.mjs", "--access-ttl", str(access_ttl)],
            stdout=open(self._out, "w"),
            stderr=open(out / "idp.log", "w"),
        )
        first = wait_until("the OpenID provider", lambda: "issuer" in self._out.read_text() and self._out.read_text())
        self.issuer = json.loads(first.splitlines()[0])["issuer"]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)

    def revoke(self, refresh_token: str) -> None:
        data = f"token={refresh_token}&token_type_hint=refresh_token&client_id=urutibiz-desktop".encode()
        urllib.request.urlopen(urllib.request.Request(self.issuer + "/token/revocation", data=data), timeout=10).read()

    def server_args(self) -> list[str]:
        """What a realtime server needs to accept this provider's access tokens."""
        return ["--jwt-algorithm", "RS256", "--jwks-discover", "--jwt-issuer", self.issuer,
                "--jwt-audience", "urn:urutibiz:realtime"]
