"""Benchmarks/latency_server.py, the 20 ms-per-request server of #13's wall-time goals: what bench.py relies on
(every detail created with its id, the count it checks, the model read answered as the emulator answers it, the
delay), so that a benchmark run cannot pass on a server that answers otherwise."""

import http.client
import json
import os
import time

from emulator_control import Emulator

HERE = os.path.dirname(os.path.abspath(__file__))
LATENCY_SERVER = os.path.join(HERE, "..", "..", "Benchmarks", "latency_server.py")
CREDENTIALS = {"bk_app_code": "bkcc-demo", "bk_app_secret": "bkcc-demo-secret", "bk_username": "bench"}


def post(server, connection, path, body):
    started = time.monotonic()
    connection.request("POST", path, body=json.dumps(body, ensure_ascii=False).encode(),
                       headers={"Content-Type": "application/json"})
    answer = connection.getresponse()
    return answer.status, json.loads(answer.read()), time.monotonic() - started


def test_creates_every_detail_after_the_latency_on_one_keep_alive_connection():
    with Emulator("--latency", "60", program=LATENCY_SERVER) as server:
        connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
        try:
            details = [{"bk_inst_name": "交换机-%d" % i, "bk_asset_id": "A-%d" % i} for i in range(3)]
            first = post(server, connection, "/api/c/compapi/v2/cc/batch_create_inst/",
                         dict(CREDENTIALS, bk_obj_id="bk_switch", details=details))
            second = post(server, connection, "/api/c/compapi/v2/cc/batch_create_inst/",
                          dict(CREDENTIALS, bk_obj_id="bk_switch", details=details[:2]))
        finally:
            connection.close()
        for status, answer, _ in (first, second):
            assert status == 200 and answer["result"] is True and answer["code"] == 0
            assert answer["data"]["error_msg"] == {}
        assert first[1]["data"]["success_created"] == {"0": 1001, "1": 1002, "2": 1003}
        assert second[1]["data"]["success_created"] == {"0": 1004, "1": 1005}
        assert first[2] >= 0.06 and second[2] >= 0.06   # the delay is a floor: never answered sooner
        assert server.stats() == {"items_created": 5}
        server.reset()
        assert server.stats() == {"items_created": 0}


def test_the_model_read_is_the_emulators_answer():
    body = dict(CREDENTIALS, bk_obj_id="bk_switch")
    with Emulator("--latency", "0", program=LATENCY_SERVER) as server, Emulator() as emulator:
        answers = []
        for target in (server, emulator):
            connection = http.client.HTTPConnection(target.host, target.port, timeout=10)
            try:
                status, answer, _ = post(target, connection, "/api/c/compapi/v2/cc/search_object_attribute/", body)
            finally:
                connection.close()
            assert status == 200 and answer["result"] is True
            # the same attributes; the times say when each process built its models
            answers.append([{k: v for k, v in a.items() if k not in ("create_time", "last_time")} for a in answer["data"]])
        assert answers[0] == answers[1]
        assert any(attribute["bk_property_id"] == "bk_asset_id" for attribute in answers[0])
