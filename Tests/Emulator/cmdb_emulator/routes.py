"""THE route table of the API: one entry per CMDB operation the emulator answers.

Each entry gives the gateway's HTTP method, the operation (the ESB component's name), the path on the ESB, the path
on the API gateway (a template: `{stage}` and `{bk_obj_id}` each match one path segment; the object id is URL-decoded),
the handler, where the request's items are (for `per_item` and the stats) and the ESB's method (POST: every CC
component is called with POST, whatever method the ESB then uses towards CMDB). A trailing slash is optional on every
path. Everything else follows from the table: the operations that faults may be limited to
(`"only"`) and that /_emulator/stats counts (OPS), the 404 / 405 answers for other paths and methods, and the
steps every API request goes through before its handler (app.Emulator.handle_api: credentials, --rate, a JSON
object body, bk_obj_id from the ESB body or from the gateway path).

A handler is `handler(emu, ctx, obj_id, body) -> envelopes.Answer`: emu the app.Emulator, ctx the
envelopes.Ctx, obj_id the model, body the request's JSON object. To add a route: one entry here, one handler.
"""

import re
from collections import namedtuple
from urllib.parse import unquote

from .create import batch_create_inst
from .delete import batch_delete_inst
from .instances import count_object_instances, search_object_instances
from .model_search import search_object_attribute, search_object_unique
from .search import search_inst
from .update import batch_update_inst

# method: the gateway's; items: the path of the request's item list in the body (None: a request has no items);
# esb_method: the ESB component's; reads_body: False for a CMDB handler that never reads the body (then any body is
# accepted and the handler gets {}) (README "Routes" cites the sources of each entry)
Route = namedtuple("Route", "method op esb gateway handler items esb_method reads_body", defaults=(None, "POST", True))

ROUTES = (
    Route("POST", "batch_create_inst",
          esb="/api/c/compapi/v2/cc/batch_create_inst/",
          gateway="/api/bk-cmdb/{stage}/api/v3/createmany/instance/object/{bk_obj_id}",
          handler=batch_create_inst, items=("details",)),
    Route("POST", "search_inst",
          esb="/api/c/compapi/v2/cc/search_inst/",
          gateway="/api/bk-cmdb/{stage}/api/v3/find/instassociation/object/{bk_obj_id}",
          handler=search_inst),
    Route("PUT", "batch_update_inst",
          esb="/api/c/compapi/v2/cc/batch_update_inst/",
          gateway="/api/bk-cmdb/{stage}/api/v3/updatemany/instance/object/{bk_obj_id}",
          handler=batch_update_inst, items=("update",)),
    Route("DELETE", "batch_delete_inst",
          esb="/api/c/compapi/v2/cc/batch_delete_inst/",
          gateway="/api/bk-cmdb/{stage}/api/v3/deletemany/instance/object/{bk_obj_id}",
          handler=batch_delete_inst, items=("delete", "inst_ids")),
    Route("POST", "search_object_instances",
          esb="/api/c/compapi/v2/cc/search_object_instances/",
          gateway="/api/bk-cmdb/{stage}/api/v3/search/instances/object/{bk_obj_id}",
          handler=search_object_instances),
    Route("POST", "count_object_instances",
          esb="/api/c/compapi/v2/cc/count_object_instances/",
          gateway="/api/bk-cmdb/{stage}/api/v3/count/instances/object/{bk_obj_id}",
          handler=count_object_instances),
    # the model routes: the attributes (bk_obj_id in the body on both APIs) and the unique rules (no ESB component)
    Route("POST", "search_object_attribute",
          esb="/api/c/compapi/v2/cc/search_object_attribute/",
          gateway="/api/bk-cmdb/{stage}/api/v3/find/objectattr",
          handler=search_object_attribute),
    Route("POST", "search_object_unique",
          esb=None,
          gateway="/api/bk-cmdb/{stage}/api/v3/find/objectunique/object/{bk_obj_id}",
          handler=search_object_unique, reads_body=False),   # SearchObjectUnique reads only the path
)

OPS = tuple(dict.fromkeys(route.op for route in ROUTES))   # the operations, in table order

_PLACEHOLDER = re.compile(r"\{(stage|bk_obj_id)\}")


def path_pattern(template):
    """The regex of a path template: placeholders match one segment, the trailing slash is optional."""
    pattern, at = "", 0
    template = template.rstrip("/")
    for m in _PLACEHOLDER.finditer(template):
        pattern += re.escape(template[at:m.start()]) + "(?P<%s>[^/]+)" % m.group(1)
        at = m.end()
    return re.compile("^" + pattern + re.escape(template[at:]) + "/?$")


_PATTERNS = [(route, api, method, path_pattern(path)) for route in ROUTES
             for api, method, path in (("esb", route.esb_method, route.esb), ("apigw", route.method, route.gateway))
             if path]


def obj_in_path(route):
    """Whether CMDB's path names the model: then the ESB takes bk_obj_id out of the body to build the path and
    refuses a request without it (blueking-apigateway src/esb/esb/components/component.py:97-106)."""
    return "{bk_obj_id}" in route.gateway


def method_of(route, api):
    """The HTTP method of a route on an API ("esb" or "apigw")."""
    return route.esb_method if api == "esb" else route.method


def match(method, path):
    """(route, "esb" | "apigw", bk_obj_id of the path or None) for a path of the table (a route of that method
    first, else one of another method: the caller answers 404 / 405), or None."""
    found = None
    for route, api, route_method, pattern in _PATTERNS:
        m = pattern.match(path)
        if m:
            obj_id = m.group("bk_obj_id") if "bk_obj_id" in pattern.groupindex else None
            hit = (route, api, None if obj_id is None else unquote(obj_id))
            if route_method == method:
                return hit
            found = found or hit
    return found
