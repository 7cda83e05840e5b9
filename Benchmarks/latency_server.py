#!/usr/bin/env python3
"""A server that takes 20 ms (--latency) to answer each request and next to no CPU: #13's "20 ms-per-request server".

    latency_server.py [--port N] [--latency MS]     prints its URL (http://127.0.0.1:PORT) on the first line, serves until SIGTERM

Why not the emulator: the emulator checks and stores each item in Python, under one GIL: ~4.5 ms of CPU for a
200-item create (cProfile: validate_item 60% of it, then the store and the HTTP layer). At concurrency 8 that
serialised work, not the 20 ms, bounds every client -- `curl --parallel` with pre-built bodies got the same 4.2-5.4x
over the SDK loop as bkcc. A CMDB's servers do not serialise their requests so; this one spends ~0.4 ms a request
(one json.loads of the body, to count its details), on one asyncio loop with no threads, so that the clients are what
is measured. (Counting the details by bytes.count instead, ~0.015 ms, moved no client's wall time: measured.)

What it answers:
- POST /api/c/compapi/v2/cc/batch_create_inst/ (the route bkcc and the SDK loop use): every detail created, ids
  counting up, in the ESB envelope; after --latency ms from the request's last byte.
- Every other API request (bkcc reads the model first: search_object_attribute): the emulator's own handler, run
  in this process (Tests/Emulator/cmdb_emulator), after the same latency.
- GET /_emulator/stats ({"items_created": N}) and POST /_emulator/reset, at once: what bench.py checks after a run.

Loopback only; a request head is read up to 64 KiB and a body up to 64 MiB, or the connection is closed."""

import argparse
import asyncio
import json
import os
import signal
import sys
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Emulator"))

from cmdb_emulator import routes  # noqa: E402  (after the path set-up above)
from cmdb_emulator.app import Emulator  # noqa: E402
from cmdb_emulator.cli import build_parser  # noqa: E402
from cmdb_emulator.envelopes import Ctx, dump_json  # noqa: E402

CREATE = "/api/c/compapi/v2/cc/batch_create_inst/"
MAX_HEAD = 64 * 1024
MAX_BODY = 64 * 1024 * 1024


class Headers(dict):
    """A request's headers, looked up without regard to case (as the emulator's handlers look them up)."""

    def get(self, name, default=None):
        return dict.get(self, name.lower(), default)


class Sink:
    def __init__(self, latency_ms):
        self.delay = latency_ms / 1000.0
        self.emulator = Emulator(build_parser().parse_args([]))
        self.next_id = 1001
        self.created = 0

    def create(self, body):
        details = json.loads(body)["details"]
        first = self.next_id
        self.next_id += len(details)
        self.created += len(details)
        return dump_json({"result": True, "code": 0, "message": "success", "permission": None,
                          "request_id": uuid.uuid4().hex,
                          "data": {"success_created": {str(i): first + i for i in range(len(details))},
                                   "error_msg": {}}})

    def other(self, method, path, headers, body):
        hit = routes.match(method, path)
        if hit is None:
            return 404, dump_json({"error": "not found"})
        route, api, obj_id = hit
        answer = self.emulator.handle_api(Ctx(route, api, obj_id, headers, body))
        return answer.status, dump_json(answer.obj)

    async def serve(self, reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                if len(head) > MAX_HEAD:
                    break
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = Headers()
                for line in lines[1:]:
                    name, sep, value = line.partition(":")
                    if sep:
                        headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length") or 0)
                if not 0 <= length <= MAX_BODY:
                    break
                body = await reader.readexactly(length)
                if path.startswith("/_emulator/"):
                    if path == "/_emulator/reset":
                        self.created = 0
                    status, data = 200, dump_json({"items_created": self.created})
                else:
                    arrived = asyncio.get_running_loop().time()
                    if path == CREATE:
                        status, data = 200, self.create(body)
                    else:
                        status, data = self.other(method, path, headers, body)
                    await asyncio.sleep(max(0.0, arrived + self.delay - asyncio.get_running_loop().time()))
                writer.write(b"HTTP/1.1 %d OK\r\nContent-Type: application/json; charset=utf-8\r\n"
                             b"Content-Length: %d\r\n\r\n" % (status, len(data)) + data)
                await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError):
            pass
        finally:
            writer.close()


async def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default 0: a free port)")
    parser.add_argument("--latency", type=float, default=20.0, metavar="MS", help="each answer's delay (default 20)")
    args = parser.parse_args()
    sink = Sink(args.latency)
    # backlog 128, no Nagle (asyncio sets TCP_NODELAY on its TCP transports): the server must not measure itself
    server = await asyncio.start_server(sink.serve, "127.0.0.1", args.port, backlog=128, limit=MAX_HEAD)
    print("http://127.0.0.1:%d" % server.sockets[0].getsockname()[1], flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
