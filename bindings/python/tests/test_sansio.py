"""The sans-IO functions (no network): validate, parse_response, build_request; argument conversion."""

import json

import pytest

from .bkcc_test_support import APP_CODE, APP_SECRET, bkcc, switches


# MARK: validate

def test_validate_valid_details_gives_an_empty_dict():
    assert bkcc.validate("bk_switch", switches(3)) == {}


def test_validate_reports_problems_by_int_index():
    details = [{"bk_inst_name": "a", "bk_asset_id": "A"}, {"bk_inst_name": "b"}, {"bk_inst_name": "c",
               "bk_asset_id": "A"}, 7, {"bk_inst_name": "d", "bk_asset_id": "D", "bk_sn": 5}]
    problems = bkcc.validate("bk_switch", details)
    assert sorted(problems) == [1, 2, 3, 4]
    assert all(isinstance(k, int) and isinstance(v, str) and v for k, v in problems.items())
    assert "bk_asset_id" in problems[1]
    assert "bk_sn" in problems[4]


def test_validate_accepts_tuples_and_generators():
    assert bkcc.validate("bk_switch", tuple(switches(2))) == {}
    assert bkcc.validate("bk_switch", (d for d in switches(2))) == {}


def test_validate_keeps_unicode_intact():
    details = [{"bk_inst_name": "交换机-1", "bk_asset_id": "资产-1"}, {"bk_inst_name": "交换机-2"}]
    assert list(bkcc.validate("bk_switch", details)) == [1]


@pytest.mark.parametrize("obj_id", ["host", "biz", "set", "module", ""])
def test_validate_unusable_model_is_a_validation_error(obj_id):
    with pytest.raises(bkcc.ValidationError) as info:
        bkcc.validate(obj_id, switches(1))
    assert info.value.status == bkcc.Status.EVALIDATION
    assert isinstance(info.value, ValueError)


def test_validate_empty_details_is_a_validation_error():
    with pytest.raises(bkcc.ValidationError, match="at least one"):
        bkcc.validate("bk_switch", [])


@pytest.mark.parametrize("details", [{"bk_inst_name": "a"}, "text", 5, None])
def test_validate_details_not_a_list_is_an_invalid_argument(details):
    with pytest.raises(bkcc.InvalidArgumentError) as info:
        bkcc.validate("bk_switch", details)
    assert info.value.status == bkcc.Status.EINVAL
    assert "details" in info.value.message


@pytest.mark.parametrize("details, why", [
    ([{"bk_inst_name": "a", "bk_asset_id": float("nan")}], "NaN"),
    ([{"bk_inst_name": "a", "bk_asset_id": object()}], "object"),
    ([{"bk_inst_name": "\ud800", "bk_asset_id": "A"}], "surrogate"),
])
def test_values_json_cannot_carry_are_invalid_arguments(details, why):
    with pytest.raises(bkcc.InvalidArgumentError, match="details: cannot be sent as JSON"):
        bkcc.validate("bk_switch", details)


@pytest.mark.parametrize("obj_id", ["bk_\0switch", b"bk_switch", None, "\udc80"])
def test_a_model_id_that_is_no_c_string_is_an_invalid_argument(obj_id):
    with pytest.raises(bkcc.InvalidArgumentError, match="bk_obj_id"):
        bkcc.validate(obj_id, switches(1))


# MARK: parse_response

OK_BODY = {"result": True, "code": 0, "message": "", "permission": None, "request_id": "r1",
           "data": {"success_created": {"0": 1001, "2": 1002}, "error_msg": {"1": "duplicated"}}}


@pytest.mark.parametrize("body", [json.dumps(OK_BODY), json.dumps(OK_BODY).encode(),
                                  bytearray(json.dumps(OK_BODY).encode()),
                                  memoryview(json.dumps(OK_BODY).encode())])
def test_parse_response_reads_an_envelope(body):
    answer = bkcc.parse_response(200, body, 3)
    assert answer["result"] is True
    assert answer["request_id"] == "r1"
    assert answer["success_created"] == {"0": 1001, "2": 1002}
    assert answer["error_msg"] == {"1": "duplicated"}


def test_parse_response_reads_the_native_spelling():
    body = {"result": True, "bk_error_code": 0, "bk_error_msg": "success", "data": {
        "success_created": {"0": 7}, "error_msg": {}}}
    assert bkcc.parse_response(200, json.dumps(body), 1)["success_created"] == {"0": 7}


def test_parse_response_result_false_returns_the_envelope_with_its_permission():
    permission = {"system_id": "bk_cmdb", "actions": [{"id": "create_sys_instance"}]}
    body = {"result": False, "code": 9900403, "message": "no permission", "permission": permission,
            "request_id": "r2", "data": None}
    answer = bkcc.parse_response(200, json.dumps(body), 2)
    assert answer["result"] is False
    assert answer["code"] == 9900403
    assert answer["permission"] == permission


def test_parse_response_html_502_is_an_http_error():
    with pytest.raises(bkcc.HTTPError) as info:
        bkcc.parse_response(502, b"<html><body>502 Bad Gateway</body></html>", 1)
    assert info.value.http_status == 502
    assert info.value.status == bkcc.Status.EHTTP


@pytest.mark.parametrize("body", [b"<html>login</html>", b'{"result": true, "code": 0, "data": {"success_cr',
                                  json.dumps({"result": True, "code": 0, "message": "", "data": {
                                      "success_created": {"5": 1001}, "error_msg": {}}})])
def test_parse_response_untrustworthy_answers_are_protocol_errors(body):
    with pytest.raises(bkcc.ProtocolError) as info:
        bkcc.parse_response(200, body, 2)
    assert info.value.status == bkcc.Status.EPROTOCOL


def test_parse_response_bodies_with_nul_bytes_are_read_by_length():
    body = json.dumps(OK_BODY).encode() + b"\0garbage"
    with pytest.raises(bkcc.ProtocolError):
        bkcc.parse_response(200, body, 3)


@pytest.mark.parametrize("status, count", [(200, -1), (200, 2**64), (2**40, 1), ("200", 1)])
def test_parse_response_out_of_range_numbers_are_invalid_arguments(status, count):
    with pytest.raises(bkcc.InvalidArgumentError):
        bkcc.parse_response(status, b"{}", count)


# MARK: build_request (json_t through jansson)

def offline_client(**overrides):
    config = {"url": "http://127.0.0.1:9", "app_code": APP_CODE, "app_secret": APP_SECRET, "username": "admin"}
    config.update(overrides)
    return bkcc.Client(**config)


def test_build_request_esb_puts_credentials_in_the_body():
    with offline_client() as client:
        request = client.build_request("bk_switch", switches(2))
    assert request["method"] == "POST"
    assert request["url"] == "http://127.0.0.1:9/api/c/compapi/v2/cc/batch_create_inst/"
    assert request["headers"]["Content-Type"] == "application/json"
    body = request["body"]
    assert body["bk_app_code"] == APP_CODE and body["bk_app_secret"] == APP_SECRET
    assert body["bk_username"] == "admin" and body["bk_obj_id"] == "bk_switch"
    assert body["details"] == switches(2)


def test_build_request_gateway_uses_the_authorization_header():
    with offline_client(api="apigw") as client:
        request = client.build_request("bk_switch", switches(1))
    assert "/api/bk-cmdb/prod/api/v3/createmany/instance/object/bk_switch" in request["url"]
    auth = json.loads(request["headers"]["X-Bkapi-Authorization"])
    assert auth["bk_app_code"] == APP_CODE
    assert "bk_app_secret" not in request["body"]


def test_build_request_keeps_unicode_and_numbers():
    details = [{"bk_inst_name": "交换机", "bk_asset_id": "A", "bk_port_count": 48, "x": 1.5, "big": 2**62}]
    with offline_client() as client:
        assert client.build_request("bk_switch", details)["body"]["details"] == details


@pytest.mark.parametrize("details", [[], switches(201)])
def test_build_request_empty_or_over_200_is_an_invalid_argument(details):
    with offline_client() as client, pytest.raises(bkcc.InvalidArgumentError):
        client.build_request("bk_switch", details)


def test_build_request_integers_jansson_cannot_hold_are_invalid_arguments():
    with offline_client() as client, pytest.raises(bkcc.InvalidArgumentError, match="jansson"):
        client.build_request("bk_switch", [{"bk_inst_name": "a", "bk_asset_id": "A", "n": 2**70}])
