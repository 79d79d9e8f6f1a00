"""The local HTTP endpoint that stands in for every API destination of the stack.

One `ThreadingHTTPServer` on 127.0.0.1 (a free port) serves `/<destination>/...`
for each destination and `/_oauth/<destination>/token` for OAuth client
credentials. It checks the auth header the connection must send (a request
without it gets 401, as a real protected endpoint would), answers with the
status a scenario asks for (`{"status": 500}` or a sequence `[500, 200]`, the
last one repeating), and records every call so the summary can show it.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["ApiCall", "Credentials", "LocalEndpoint"]


@dataclass(frozen=True)
class Credentials:
    """Placeholder secrets of one connection for the local run; never printed."""

    auth_type: str
    header_name: str = "x-api-key"
    api_key: str = ""
    username: str = ""
    password: str = ""
    client_id: str = ""
    client_secret: str = ""

    @classmethod
    def placeholder(cls, auth_type: str, auth: Mapping[str, Any]) -> Credentials:
        """Fresh random placeholders, keeping the non-secret parts (header name, user, client id)."""
        api_key = auth.get("apiKey") or {}
        basic = auth.get("basic") or {}
        client = (auth.get("oauth") or {}).get("clientParameters") or {}
        return cls(
            auth_type=auth_type,
            header_name=str(api_key.get("key") or "x-api-key"),
            api_key=secrets.token_hex(8),
            username=str(basic.get("username") or "eventplane"),
            password=secrets.token_hex(8),
            client_id=str(client.get("clientId") or "eventplane"),
            client_secret=secrets.token_hex(8),
        )


@dataclass
class ApiCall:
    destination: str
    method: str
    path: str
    status: int
    authorized: bool
    body: str


@dataclass
class _Destination:
    credentials: Credentials | None
    statuses: list[int] = field(default_factory=lambda: [200])
    served: int = 0
    tokens: set[str] = field(default_factory=set)


class LocalEndpoint:
    """Start with `start()`, stop with `stop()`; `url_for(destination, path)` is where to call."""

    def __init__(self) -> None:
        self._destinations: dict[str, _Destination] = {}
        self._lock = threading.Lock()
        self.calls: list[ApiCall] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def add(self, destination: str, credentials: Credentials | None, statuses: Sequence[int] = (200,)) -> None:
        self._destinations[destination] = _Destination(credentials, list(statuses) or [200])

    def start(self) -> None:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep the run's output clean
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
                status, payload = endpoint._answer(self.command, self.path, dict(self.headers), body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def base_url(self) -> str:
        assert self._server is not None, "LocalEndpoint.start() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def url_for(self, destination: str, path: str = "/") -> str:
        return f"{self.base_url}/{destination}{path if path.startswith('/') else '/' + path}"

    def token_url(self, destination: str) -> str:
        return f"{self.base_url}/_oauth/{destination}/token"

    def _answer(self, method: str, path: str, headers: Mapping[str, str], body: str) -> tuple[int, Any]:
        parts = path.split("?", maxsplit=1)[0].strip("/").split("/")
        with self._lock:
            if parts[0] == "_oauth" and len(parts) >= 2:
                return self._token(parts[1], headers)
            dest = self._destinations.get(parts[0])
            if dest is None:
                return 404, {"message": f"no destination {parts[0]!r} on the local endpoint"}
            authorized = _authorized(dest, headers)
            if authorized:
                status = dest.statuses[min(dest.served, len(dest.statuses) - 1)]
                dest.served += 1
            else:
                status = 401
            self.calls.append(ApiCall(parts[0], method, path, status, authorized, body))
            return status, {"ok": 200 <= status < 300}

    def _token(self, name: str, headers: Mapping[str, str]) -> tuple[int, Any]:
        dest = self._destinations.get(name)
        creds = dest.credentials if dest else None
        if dest is None or creds is None:
            return 404, {"error": "unknown client"}
        expected = base64.b64encode(f"{creds.client_id}:{creds.client_secret}".encode()).decode()
        if _header(headers, "Authorization") != f"Basic {expected}":
            return 401, {"error": "invalid_client"}
        token = secrets.token_hex(12)
        dest.tokens.add(token)
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600}


def _header(headers: Mapping[str, str], name: str) -> str:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), "")


def _authorized(dest: _Destination, headers: Mapping[str, str]) -> bool:
    creds = dest.credentials
    if creds is None:
        return True
    if creds.auth_type == "API_KEY":
        return _header(headers, creds.header_name) == creds.api_key
    if creds.auth_type == "BASIC":
        token = base64.b64encode(f"{creds.username}:{creds.password}".encode()).decode()
        return _header(headers, "Authorization") == f"Basic {token}"
    if creds.auth_type == "OAUTH_CLIENT_CREDENTIALS":
        value = _header(headers, "Authorization")
        return value.startswith("Bearer ") and value[7:] in dest.tokens
    return False
