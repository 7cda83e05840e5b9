"""HTTP: the request handler (bodies in, answers out, the faults that act on the wire, 404 / 405 answers), the
threaded server, and its TLS context (--tls-cert / --tls-key)."""

import os
import socket
import ssl
import struct
import sys
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from . import VERSION, control, routes
from . import real_faults
from .envelopes import Ctx, dump_json, envelope_obj, fail, language, permission_obj, rate_limited
from .faults import AFTER_CMDB, NGINX_502, NOT_JSON, answers_unprocessed
from .messages import CODES, ESB_METHOD, ESB_NOT_FOUND, GW_429, GW_5XX, GW_NOT_FOUND, msg

MAX_BODY = 64 * 1024 * 1024  # request bodies above this are refused with 413


def tls_context(cert, key):
    """The server's TLS context for --tls-cert / --tls-key (None without them)."""
    if not (cert or key):
        return None
    if not (cert and key):
        raise ValueError("--tls-cert and --tls-key go together")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


class HTTPError(Exception):
    def __init__(self, status, message, close=True):
        super().__init__(message)
        self.status, self.message, self.close = status, message, close


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "bkcc-cmdb-emulator/" + VERSION
    sys_version = ""
    timeout = 300  # idle keep-alive connections are closed after this many seconds

    server_override = None

    @property
    def emu(self):
        return self.server.emu

    def version_string(self):
        return self.server_override or self.server_version

    def setup(self):
        super().setup()
        try:  # answers go out in two writes (head, body): no Nagle delay on keep-alive connections
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def log_message(self, fmt, *args):
        if self.emu.verbose:
            sys.stderr.write("%s - - [%s] %s\n" % (self.address_string(), self.log_date_time_string(), fmt % args))

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def do_PATCH(self):
        self.dispatch("PATCH")

    # ----- plumbing --------------------------------------------------------------------------

    def read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks, total = [], 0
            for _ in range(1 << 20):
                line = self.rfile.readline(1024)
                if not line:
                    raise HTTPError(400, "truncated chunked body")
                try:
                    size = int(line.split(b";")[0].strip(), 16)
                except ValueError:
                    raise HTTPError(400, "bad chunk size")
                if size == 0:
                    for _ in range(1024):  # trailers
                        trailer = self.rfile.readline(8192)
                        if trailer in (b"\r\n", b"\n", b""):
                            break
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY:
                    raise HTTPError(413, "request body too large")
                data = self.rfile.read(size)
                if len(data) < size:
                    raise HTTPError(400, "truncated chunked body")
                chunks.append(data)
                self.rfile.readline(1024)
            raise HTTPError(400, "too many chunks")
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        try:
            n = int(length)
        except ValueError:
            raise HTTPError(400, "bad Content-Length")
        if n < 0:
            raise HTTPError(400, "bad Content-Length")
        if n > MAX_BODY:
            raise HTTPError(413, "request body too large")
        data = self.rfile.read(n)
        if len(data) < n:
            raise HTTPError(400, "truncated body")
        return data

    def send_bytes(self, status, body, content_type="application/json; charset=utf-8", headers=None,
                   close=False, body_limit=None):
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            if close:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body if body_limit is None else body[:body_limit])
        except OSError:
            self.close_connection = True
        if close:
            self.close_connection = True

    def send_json(self, status, obj, headers=None, close=False):
        self.send_bytes(status, dump_json(obj), headers=headers, close=close)

    def hard_close(self, rst):
        """Close this connection without an answer: with RST (SO_LINGER 0) or an orderly FIN."""
        self.close_connection = True
        try:
            self.wfile.flush()
        except OSError:
            pass
        try:
            if rst:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                fd = self.connection.detach()
                os.close(fd)
            else:
                self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def dispatch(self, method):
        try:
            try:
                body = self.read_body()
            except HTTPError as e:
                self.send_json(e.status, {"error": e.message}, close=True)
                return
            parts = urlsplit(self.path)
            if control.is_control(parts.path):
                status, obj = control.answer(self.emu, method, parts.path, parse_qs(parts.query), body)
                self.send_json(status, obj)
            else:
                self.api(method, parts.path, body)
        except Exception:  # never kill the thread silently: answer 500 and log
            traceback.print_exc(file=sys.stderr)
            self.send_json(500, {"error": "emulator internal error"}, close=True)

    # ----- API requests ----------------------------------------------------------------------

    def api(self, method, path, body):
        emu = self.emu
        hit = routes.match(method, path)
        if hit is None or routes.method_of(hit[0], hit[1]) != method:
            return self.not_found(method, path, hit)
        route, api, obj_id = hit
        generation = emu.generation  # a reset after this point means this request is not processed (Emulator.begin)
        ctx = Ctx(route, api, obj_id, self.headers, body)
        if api == "apigw":
            ctx.stage = path.split("/")[3]
        emu.stats.arrived(ctx.op, api, ctx.n_details)
        faults = emu.faults.take(ctx.op, api)
        names = [name for name, _ in faults]
        args = dict(reversed(faults))  # the first of a name wins
        for name in names:
            emu.stats.fault(name)

        headers = {}
        if ctx.client_request_id:
            headers["X-Request-Id"] = ctx.client_request_id
        if api == "apigw":
            headers["X-Bkapi-Request-Id"] = ctx.rid

        # 1. sleeps before processing
        delay = sum(arg for name, arg in faults if name == "latency")
        delay += sum(arg for name, arg in faults if name == "per_item") * ctx.n_details
        emu.sleep_ms(delay)

        # 2. faults that answer without processing
        pre = next((n for n, a in faults if answers_unprocessed(n, a)), None)
        if pre == "drop":
            return self.hard_close(rst=False)
        if pre == "http_502_html":
            self.server_override = "nginx"
            return self.send_bytes(502, NGINX_502, "text/html", close=True)
        if pre == "not_json":
            return self.send_bytes(200, NOT_JSON, "text/html; charset=utf-8", headers)
        if pre == "rate_limit":
            answer = rate_limited(emu, ctx, args["rate_limit"])
            headers.update(answer.headers)
            return self.send_json(answer.status, answer.obj, headers)
        if pre == "no_permission":
            answer = fail(emu, ctx, "no_permission", permission=permission_obj(emu, ctx, self.target_obj(ctx)))
            return self.send_json(answer.status, answer.obj, headers)
        if pre == "big_body":
            return self.send_big_body(ctx, args["big_body"], headers)
        if pre in GW_429:
            answer = real_faults.gateway_429(emu, ctx, pre)
            headers.update(answer.headers)
            return self.send_json(answer.status, answer.obj, headers)
        if pre == "cmdb_1199997":
            answer = real_faults.cmdb_too_many_requests(emu, ctx)
            return self.send_json(answer.status, answer.obj, headers)
        if pre == "echo_secret":   # echo_secret:html
            self.server_override = "nginx"
            page = real_faults.echo_html(real_faults.request_secrets(ctx))
            return self.send_bytes(502, page, "text/html", close=True)

        # 3. process (cmdb_1199002:K: the create stops with 1199002 after its first K items; audit_fail: an update or a
        # delete fails in its transaction and changes nothing)
        if "cmdb_1199002" in names:
            ctx.fail_after = args["cmdb_1199002"]
        ctx.audit_fail = "audit_fail" in names
        if not emu.begin(generation):  # reset while it waited: it belongs to the CMDB the reset discarded
            return self.hard_close(rst=False)
        try:
            answer = emu.handle_api(ctx)
        finally:
            emu.end()
        headers.update(answer.headers)
        obj, status = answer.obj, answer.status

        # 4. after the inserts: the audit failure, answers that cannot be trusted, the layers in front of CMDB
        if "audit_fail" in names and answer.created:
            obj = envelope_obj(emu, ctx, False, CODES["audit"], ctx.m("audit"), None)
        if "dup_inst_id" in names and answer.created:
            obj = real_faults.duplicate_an_id(obj)
        if "result_true_nonzero_code" in names and answer.created:
            obj = real_faults.nonzero_code(emu, obj)
        after = next((n for n in names if n in AFTER_CMDB), None)
        if after is not None and ctx.reached_cmdb:
            if after in GW_5XX:
                replaced = real_faults.gateway_5xx(ctx, after)
            else:
                replaced = real_faults.esb_after_cmdb(emu, ctx, after)
            obj, status = replaced.obj, replaced.status
            headers.update(replaced.headers)
        if "echo_secret" in names:
            obj = real_faults.echo_in_answer(emu, obj, headers, real_faults.request_secrets(ctx))

        # 5. stall
        if "stall" in names:
            emu.sleep_ms(args["stall"])
            if emu.stop.is_set():
                return self.hard_close(rst=False)

        # 6. delivery
        if "reset" in names:
            return self.hard_close(rst=True)
        if "truncate" in names:
            data = dump_json(obj)
            self.send_bytes(status, data, headers=headers, close=True, body_limit=len(data) // 2)
            return self.hard_close(rst=False)
        self.send_json(status, obj, headers)

    @staticmethod
    def target_obj(ctx):
        if ctx.api == "apigw":
            return ctx.path_obj_id
        obj = ctx.json.get("bk_obj_id") if isinstance(ctx.json, dict) else None
        return obj if isinstance(obj, str) else ""

    def not_found(self, method, path, hit):
        """No route of the table for this path (hit None), or one for another method."""
        emu = self.emu
        emu.stats.add("not_found")
        if path.startswith("/api/bk-cmdb/"):
            message = 'API not found [method="%s" path="%s"]' % (method, path[:200])
            ctx_rid = uuid.uuid4().hex
            return self.send_json(404, {"code_name": "API_NOT_FOUND", "code": GW_NOT_FOUND, "message": message,
                                        "result": False, "data": None},
                                  {"X-Bkapi-Error-Code": str(GW_NOT_FOUND), "X-Bkapi-Error-Message": message,
                                   "X-Bkapi-Request-Id": ctx_rid})
        if path.startswith("/api/c/compapi/"):
            lang = language("esb", self.headers)
            if hit is not None:
                code, text, status = ESB_METHOD, msg(lang, "esb_method", method), 405
            else:
                code, text, status = ESB_NOT_FOUND, msg(lang, "esb_not_found", path[:200]), 404
            out = {"result": False}
            if emu.envelope == "native":
                out.update({"bk_error_code": code, "bk_error_msg": text})
            else:
                out.update({"code": code, "message": text})
            out.update({"permission": None, "request_id": uuid.uuid4().hex, "data": None})
            return self.send_json(status, out)
        return self.send_json(404, {"error": "not found", "path": path[:200]})

    def send_big_body(self, ctx, mb, headers):
        total = int(mb * 1024 * 1024)
        head = dump_json({"result": True, "code": 0, "message": "", "permission": None, "request_id": ctx.rid})
        head = head[:-1] + b',"data":{"success_created":{},"error_msg":{},"padding":"'
        tail = b'"}}'
        pad = max(0, total - len(head) - len(tail))
        total = len(head) + pad + len(tail)
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(total))
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(head)
            block = b"x" * 65536
            left = pad
            while left > 0 and not self.emu.stop.is_set():
                n = min(left, len(block))
                self.wfile.write(block[:n])
                left -= n
            self.wfile.write(tail)
        except OSError:
            pass
        self.close_connection = True


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, emu):
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.emu = emu
        super().__init__(address, Handler)

    def get_request(self):
        sock, address = super().get_request()
        if self.emu.tls is not None:  # the handshake happens in the handler's thread, on its first read
            sock = self.emu.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def handle_error(self, request, client_address):
        if self.emu.verbose:
            super().handle_error(request, client_address)
