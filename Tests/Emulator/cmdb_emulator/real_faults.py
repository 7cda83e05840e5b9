"""The failure answers of the real servers, as faults (README "Faults of the real servers"): the API gateway's own
errors (5xx after CMDB acted, 429 rate and concurrency limits), the ESB's answers when CMDB timed out or answered
something that is not JSON, CMDB's 1199002 after a partial save and its own rate limiter (1199997), answers that quote
the request's secrets, and result:true answers that cannot be trusted. The server (server.Handler.api) decides when
each applies; these functions only build the answers."""

import json

from .envelopes import Answer, envelope_obj, gw_fail
from .faults import NGINX_502
from .messages import (CMDB_TOO_MANY_REQUESTS, CODES, ESB_COMMON_ERROR, ESB_NOT_JSON, ESB_READ_TIMEOUT,
                       ESB_THIRD_PARTY_ERROR, ESB_THIRD_PARTY_TEMPLATE, ESB_TIMEOUT_SECONDS, GW_429, GW_5XX, GW_NAMES,
                       GW_RATE_LIMIT_TOKENS)


# ----- the API gateway ----------------------------------------------------------------------------

def gateway_5xx(ctx, name):
    """gw_504, gw_502_*, gw_500*, gw_503: the gateway's JSON error with its real status and X-Bkapi-Error-* headers.
    On the ESB route too: the ESB is itself reached through the gateway (the bk-esb gateway)."""
    status, code, code_name, message = GW_5XX[name]
    answer = gw_fail(ctx, status, code, code_name, message)
    answer.headers["X-Bkapi-Request-Id"] = ctx.rid
    return answer


def gateway_429(emu, ctx, name):
    """gw_429_*: HTTP 429 without Retry-After; the rate limits (1642901..3) send X-Bkapi-RateLimit-* headers, the
    concurrency limit (1642904) names its key in the message."""
    code, code_name, message, plugin = GW_429[name]
    emu.stats.add("rate_limited")
    headers = {"X-Bkapi-Request-Id": ctx.rid}
    if plugin is None:
        stage = ctx.stage or "prod"
        message += ' [key="%s:%s:%s"]' % (GW_NAMES[ctx.api], stage, request_app_code(ctx) or emu.app_code)
    else:
        headers.update({"X-Bkapi-RateLimit-Limit": str(GW_RATE_LIMIT_TOKENS), "X-Bkapi-RateLimit-Remaining": "0",
                        "X-Bkapi-RateLimit-Reset": "1", "X-Bkapi-RateLimit-Plugin": plugin})
    return gw_fail(ctx, 429, code, code_name, message, headers)


# ----- the ESB ------------------------------------------------------------------------------------

def esb_after_cmdb(emu, ctx, name):
    """esb_1306201 (CMDB did not answer within the ESB's 30 s) and esb_1306000_not_json (CMDB's answer was not JSON:
    the ESB quotes that answer, here nginx's 502 page). HTTP 200, result:false, data:null, English."""
    if name == "esb_1306201":
        error = ESB_READ_TIMEOUT.format(ESB_TIMEOUT_SECONDS)
        message = ESB_THIRD_PARTY_TEMPLATE.format(system="CC", interface=ctx.op, error=error)
        return Answer(200, envelope_obj(emu, ctx, False, ESB_THIRD_PARTY_ERROR, message, None))
    message = ESB_NOT_JSON.format(NGINX_502.decode("ascii"))
    return Answer(200, envelope_obj(emu, ctx, False, ESB_COMMON_ERROR, message, None))


# ----- CMDB ---------------------------------------------------------------------------------------

def cmdb_too_many_requests(emu, ctx):
    """cmdb_1199997: CMDB's API server limiter: HTTP 200, result:false, 1199997 "too many requests" (English)."""
    emu.stats.add("rate_limited")
    return Answer(200, envelope_obj(emu, ctx, False, CODES["too_many_requests"], CMDB_TOO_MANY_REQUESTS, None))


def code_key(emu):
    return "bk_error_code" if emu.envelope == "native" else "code"


def message_key(emu):
    return "bk_error_msg" if emu.envelope == "native" else "message"


def duplicate_an_id(obj):
    """dup_inst_id: the second created index gets the first one's bk_inst_id (both items are stored)."""
    created = (obj.get("data") or {}).get("success_created")
    if isinstance(created, dict) and len(created) >= 2:
        first, second = sorted(created, key=int)[:2]
        created[second] = created[first]
    return obj


def nonzero_code(emu, obj):
    """result_true_nonzero_code: result:true, yet code 1199002."""
    if obj.get("result") is True:
        obj[code_key(emu)] = CODES["http_failed"]
    return obj


# ----- secrets quoted back ------------------------------------------------------------------------

SECRET_KEYS = ("bk_app_secret", "bk_token", "access_token")


def _auth_header(ctx):
    try:
        value = json.loads(ctx.headers.get("X-Bkapi-Authorization") or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def request_app_code(ctx):
    for source in (_auth_header(ctx), ctx.json if isinstance(ctx.json, dict) else {}):
        value = source.get("bk_app_code")
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def request_secrets(ctx):
    """[(key, value)] of the request's app secret, token and access token (header, then body), without repeats."""
    found = []
    for source in (_auth_header(ctx), ctx.json if isinstance(ctx.json, dict) else {}):
        for key in SECRET_KEYS:
            value = source.get(key)
            if isinstance(value, str) and value and (key, value) not in found:
                found.append((key, value))
    return found


def quoted(secrets):
    return " ".join('%s="%s"' % (k, v) for k, v in secrets)


def echo_in_answer(emu, obj, headers, secrets):
    """echo_secret: the secrets appended to the answer's message, to every error_msg item and to an
    X-Bkapi-Error-Message header. Nothing else changes."""
    if not secrets or not isinstance(obj, dict):
        return obj
    tail = " [%s]" % quoted(secrets)
    key = message_key(emu) if message_key(emu) in obj else "message"
    if key in obj:
        obj[key] = "%s%s" % (obj[key] or "request failed", tail)
    errors = (obj.get("data") or {}).get("error_msg") if isinstance(obj.get("data"), dict) else None
    if isinstance(errors, dict):
        for index in errors:
            errors[index] = "%s%s" % (errors[index], tail)
    if "X-Bkapi-Error-Message" in headers:
        text = (headers["X-Bkapi-Error-Message"] + tail).replace("\r", " ").replace("\n", " ")
        headers["X-Bkapi-Error-Message"] = text.encode("latin-1", "backslashreplace").decode("latin-1")
    return obj


def echo_html(secrets):
    """echo_secret:html: an HTTP 502 page whose <title> (and text) quote the secrets, unescaped as a careless proxy
    would write them."""
    text = quoted(secrets) or "no credentials"
    return ("<html>\r\n<head><title>502 Bad Gateway: %s</title></head>\r\n<body>\r\n"
            "<center><h1>502 Bad Gateway</h1></center>\r\n<p>upstream refused the request of %s</p>\r\n"
            "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n" % (text, text)).encode("utf-8")
