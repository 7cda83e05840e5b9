"""Credentials: the ESB's checks (body and/or X-Bkapi-Authorization header) and the gateway's (header only), in
their order. Each returns None when the request may go on, else the Answer to send."""

import json

from .envelopes import esb_fail, gw_fail
from .messages import ESB_AUTH_FAILED, ESB_PARAM_ERROR, GW_INVALID_ARGS


def _text(v):
    if isinstance(v, str):
        return v.strip()
    if isinstance(v, int) and not isinstance(v, bool):
        return str(v)
    return ""


def _header_auth(ctx):
    """X-Bkapi-Authorization as a dict ({} when absent or blank), or None when it is not a JSON object."""
    header = ctx.headers.get("X-Bkapi-Authorization")
    if header is None or not header.strip():
        return {}
    try:
        auth = json.loads(header)
    except ValueError:
        return None
    return auth if isinstance(auth, dict) else None


def esb_auth(emu, ctx):
    auth = _header_auth(ctx)
    if auth is None:
        return esb_fail(emu, ctx, ESB_PARAM_ERROR, "esb_auth_header")
    body = ctx.json if isinstance(ctx.json, dict) else {}

    def get(key):
        return _text(auth.get(key)) or _text(body.get(key))

    app_code, app_secret = get("bk_app_code"), get("bk_app_secret")
    if not app_code:
        return esb_fail(emu, ctx, ESB_AUTH_FAILED, "esb_app_code")
    if not app_secret:
        return esb_fail(emu, ctx, ESB_AUTH_FAILED, "esb_app_secret")
    if app_code != emu.app_code or app_secret != emu.app_secret:
        return esb_fail(emu, ctx, ESB_AUTH_FAILED, "esb_app_wrong")
    if not (get("bk_username") or get("bk_token")):
        return esb_fail(emu, ctx, ESB_AUTH_FAILED, "esb_user")
    return None


def gw_auth(emu, ctx):
    def bad(reason):
        return gw_fail(ctx, 400, GW_INVALID_ARGS, "INVALID_ARGS", 'Parameters error [reason="%s"]' % reason)

    auth = _header_auth(ctx)
    if auth is None:
        return bad("request header X-Bkapi-Authorization is not a valid JSON object")
    if _text(auth.get("access_token")):
        return None  # an access token stands for both the app and the user
    app_code, app_secret = _text(auth.get("bk_app_code")), _text(auth.get("bk_app_secret"))
    if not app_code:
        return bad("app code cannot be empty")
    if not app_secret:
        return bad("app secret cannot be empty")
    if app_code != emu.app_code or app_secret != emu.app_secret:
        return bad("bk_app_code or bk_app_secret is incorrect")
    if not (_text(auth.get("bk_username")) or _text(auth.get("bk_token"))):
        return bad("user authentication failed, please provide a valid user identity, "
                   "such as bk_username, bk_token, access_token")
    return None


def check(emu, ctx):
    """The checks of the request's API ("esb" or "apigw")."""
    return esb_auth(emu, ctx) if ctx.api == "esb" else gw_auth(emu, ctx)
