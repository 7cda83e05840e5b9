"""Fixtures for the emulator's own tests: the emulator as a subprocess (emulator_control.py), plus raw HTTP
(http.client) to its API routes, so that the tests see status lines, headers and bodies as they are sent."""

import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import emulator_control  # noqa: E402  (after the path set-up above)
from emulator_control import APP_CODE, APP_SECRET, EMULATOR, switches  # noqa: E402,F401
from emulator_fixtures import reset_emulator_fixtures, spawn_fixture  # noqa: E402

BODY_AUTH = {"bk_app_code": APP_CODE, "bk_app_secret": APP_SECRET, "bk_username": "admin"}
HEADER_AUTH = json.dumps(BODY_AUTH)
ESB_CREATE = "/api/c/compapi/v2/cc/batch_create_inst/"
ESB_SEARCH = "/api/c/compapi/v2/cc/search_inst/"


def gw_create_path(obj_id, stage="prod"):
    return "/api/bk-cmdb/%s/api/v3/createmany/instance/object/%s" % (stage, obj_id)


def gw_search_path(obj_id, stage="prod"):
    return "/api/bk-cmdb/%s/api/v3/find/instassociation/object/%s" % (stage, obj_id)


class Response:
    def __init__(self, status, headers, body, elapsed):
        self.status, self.headers, self.body, self.elapsed = status, headers, body, elapsed

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def header(self, name):
        return self.headers.get(name)


class Emulator(emulator_control.Emulator):
    """The emulator, with raw HTTP requests that return a Response whatever the status."""

    def request(self, method, path, body=None, headers=None, timeout=10.0, conn=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode("utf-8")
        elif isinstance(body, str):
            body = body.encode("utf-8")
        own = conn is None
        conn = conn or self.connection(timeout)
        hdrs = {"Content-Type": "application/json"}
        hdrs.update(headers or {})
        started = time.monotonic()
        try:
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
            return Response(resp.status, resp.headers, data, time.monotonic() - started)
        finally:
            if own:
                conn.close()

    def post(self, path, body=None, headers=None, **kw):
        return self.request("POST", path, body, headers, **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    # ----- API helpers -----------------------------------------------------------------------

    def esb_create(self, obj_id, details, headers=None, auth=None, **kw):
        body = dict(BODY_AUTH if auth is None else auth)
        body.update({"bk_obj_id": obj_id, "details": details})
        return self.post(ESB_CREATE, body, headers, **kw)

    def gw_create(self, obj_id, details, headers=None, **kw):
        hdrs = {"X-Bkapi-Authorization": HEADER_AUTH}
        hdrs.update(headers or {})
        return self.post(gw_create_path(obj_id), {"details": details}, hdrs, **kw)

    def esb_search(self, obj_id, query, headers=None, **kw):
        body = dict(BODY_AUTH)
        body["bk_obj_id"] = obj_id
        body.update(query)
        return self.post(ESB_SEARCH, body, headers, **kw)

    def gw_search(self, obj_id, query, headers=None, **kw):
        hdrs = {"X-Bkapi-Authorization": HEADER_AUTH}
        hdrs.update(headers or {})
        return self.post(gw_search_path(obj_id), query, hdrs, **kw)


shared_emulator, emu = reset_emulator_fixtures("shared_emulator", "emu", factory=Emulator)
spawn = spawn_fixture("spawn", factory=Emulator)
