"""The HTTP/1.1 protocol the backend is served with: uvicorn's httptools protocol, with a bound on the request head.

uvicorn bounds a request's line and headers only when h11 parses them (uvicorn's setting
`h11_max_incomplete_event_size`, h11's 16,384 bytes by default; past it uvicorn answers 400 and closes). httptools,
which uvicorn prefers when it is installed (0.21 ms of CPU per request here where h11 takes 0.34), has no bound, and
it joins the pieces of a header value that arrive in separate reads by concatenation: one 64 MB header cost
5 CPU-seconds and held up every other request on the event loop for seconds. This protocol applies the same setting
to httptools: it feeds the parser at most what the limit still allows, and answers 431 and closes the connection
once a request's bytes other than its body (request line, headers, chunk sizes, trailers) pass the limit.

    uvicorn --http todo_api.http_protocol:BoundedHttpToolsProtocol todo_api.main:app

(the image sets UVICORN_HTTP to it; UVICORN_H11_MAX_INCOMPLETE_EVENT_SIZE or --h11-max-incomplete-event-size
changes the limit for both parsers).
"""

import asyncio
import json
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import DEFAULT_MAX_INCOMPLETE_EVENT_SIZE  # the h11 protocol's limit by default
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

REASON = b"Request Header Fields Too Large"


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.head_limit = config.h11_max_incomplete_event_size or DEFAULT_MAX_INCOMPLETE_EVENT_SIZE
        # Bytes of the current request fed to the parser that were not body, and the counters that tell them.
        self.head_bytes = 0
        self.body_bytes = 0
        self.messages_completed = 0

    def data_received(self, data: bytes) -> None:
        rest = memoryview(data)
        while rest:
            room = self.head_limit + 1 - self.head_bytes  # one byte past the limit tells a head over it
            piece, rest = rest[:room], rest[room:]
            body_before, completed_before = self.body_bytes, self.messages_completed
            super().data_received(piece)
            if self.transport.is_closing() or self.transport.get_protocol() is not self:
                return  # answered 400, or handed over to the WebSocket protocol
            if self.messages_completed != completed_before:
                # A request ended in this piece: what follows it (at most one limit's worth) belongs to the next
                # one, which is counted from its next piece on.
                self.head_bytes = 0
            else:
                self.head_bytes += len(piece) - (self.body_bytes - body_before)
            if self.head_bytes > self.head_limit:
                self.send_431_response()
                return

    def on_body(self, body: bytes) -> None:
        self.body_bytes += len(body)
        super().on_body(body)

    def on_message_complete(self) -> None:
        self.messages_completed += 1
        super().on_message_complete()

    def send_431_response(self) -> None:
        self.logger.warning("Request line and headers over %d bytes: answered 431.", self.head_limit)
        body = json.dumps({"detail": f"The request line and headers are larger than {self.head_limit} bytes."})
        content = [b"HTTP/1.1 431 " + REASON + b"\r\n"]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend(
            [
                b"content-type: application/json\r\n",
                b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
                b"connection: close\r\n",
                b"\r\n",
                body.encode("ascii"),
            ]
        )
        self.transport.write(b"".join(content))
        self.transport.close()
