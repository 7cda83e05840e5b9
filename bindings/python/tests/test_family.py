"""The instance family against the emulator: batch_update_inst, batch_delete_inst and the paged search_inst.

End to end (create 1,000, search them in pages, update them, delete them), what a search guarantees while
instances come and go, lost answers and rate limits, the hand-off of pages from the search's worker thread (no page
read ahead; stopping early stops the library and ends the thread), and the README's example.

These need libbkcc's family (bkcc_batch_update_inst_json, bkcc_batch_delete_inst_json, bkcc_search_inst_json)
and the emulator's routes for it (batch_update_inst, batch_delete_inst, search_object_instances).
"""

import contextlib
import gc
import os
import re
import subprocess
import sys
import threading
import time

import pytest

from .bkcc_test_support import PACKAGE_ROOT, bkcc, switches, wait_until
from .test_memory import LAST, measure

N = 1000



def create(client, n=N, **kw):
    result = client.batch_create_inst("bk_switch", switches(n, **kw))
    assert result.ok, result
    return [result.created[i] for i in range(n)]


def searched(client, **query):
    return list(client.search_inst("bk_switch", **query))


def requests(cmdb, op):
    return cmdb.stats()["requests"][op]


def search_threads():
    return [t for t in threading.enumerate() if t.name == "bkcc-search"]


def no_search_thread_left():
    assert wait_until(lambda: not search_threads(), timeout=10), search_threads()


def assert_accounted(result, n, success):
    """Every index in exactly one map; the summary counts them; the other success maps are empty."""
    done = getattr(result, success)
    maps = [done, result.failed, result.unknown, result.skipped]
    assert sorted(i for m in maps for i in m) == list(range(n))
    assert result.summary == {"total": n, success: len(done), "failed": len(result.failed),
                              "unknown": len(result.unknown), "skipped": len(result.skipped)}
    for other in {"created", "updated", "deleted"} - {success}:
        assert getattr(result, other) == {}, other


# MARK: end to end

def test_create_search_update_delete_a_thousand(cmdb, client):
    ids = create(client)

    # search: 3 pages of 400, 400, 200; each instance exactly once, in bk_inst_id order
    found = searched(client, page_size=400)
    assert [i["bk_inst_id"] for i in found] == sorted(ids)
    assert requests(cmdb, "search_object_instances") == 3
    assert {i["bk_asset_id"] for i in found} == {d["bk_asset_id"] for d in switches(N)}

    # update every one: 5 requests of 200, each one transaction
    updates = [{"bk_inst_id": inst_id, "bk_sn": "SN-%d" % inst_id, "bk_operator": "ops"} for inst_id in ids]
    updated = client.batch_update_inst("bk_switch", updates)
    assert updated.ok and updated.status == bkcc.Status.OK and updated.error is None
    assert updated.updated == dict(enumerate(ids))
    assert_accounted(updated, N, "updated")
    assert sorted(r["count"] for r in updated.requests) == [200] * 5
    assert requests(cmdb, "batch_update_inst") == 5
    assert "updated=1000" in repr(updated) and "BKCC_OK" in repr(updated)
    assert updated.raise_for_status() is updated

    # the search shows the new values, and only the fields asked for (bk_inst_id always)
    after = searched(client, fields=["bk_sn", "bk_operator"], page_size=400)
    assert after == [{"bk_inst_id": i, "bk_sn": "SN-%d" % i, "bk_operator": "ops"} for i in sorted(ids)]
    assert {i["bk_inst_id"]: i["bk_sn"] for i in cmdb.instances("bk_switch")} == {i: "SN-%d" % i for i in ids}

    # delete every one
    deleted = client.batch_delete_inst("bk_switch", ids)
    assert deleted.ok and deleted.deleted == dict(enumerate(ids))
    assert_accounted(deleted, N, "deleted")
    assert "deleted=1000" in repr(deleted)
    assert cmdb.instances("bk_switch") == []
    assert searched(client, page_size=400) == []
    no_search_thread_left()


def test_search_filter_fields_and_page_sizes(cmdb, client):
    ids = create(client, 30)
    client.batch_update_inst("bk_switch", [{"bk_inst_id": i, "bk_operator": "even" if i % 2 == 0 else "odd"}
                                           for i in ids]).raise_for_status()
    even = searched(client, filter={"bk_operator": "even"}, fields=["bk_inst_name"], page_size=4)
    assert [i["bk_inst_id"] for i in even] == [i for i in ids if i % 2 == 0]
    assert all(set(i) == {"bk_inst_id", "bk_inst_name"} for i in even)
    assert requests(cmdb, "search_object_instances") == 4          # 4, 4, 4, 3
    assert [i["bk_inst_id"] for i in searched(client, page_size=7)] == ids      # 7, 7, 7, 7, 2
    one = searched(client, filter={"bk_asset_id": "sw-asset-7"})
    assert [i["bk_inst_id"] for i in one] == [ids[7]] and one[0]["bk_inst_name"] == "sw-7"
    whole = searched(client, page_size=500)
    assert len(whole) == 30 and whole[0]["bk_asset_id"] == "sw-asset-0"   # no fields: whole instances


def test_a_page_exactly_full_then_the_end(cmdb, client):
    ids = create(client, 400)
    assert [i["bk_inst_id"] for i in searched(client, page_size=200)] == sorted(ids)
    assert requests(cmdb, "search_object_instances") == 3          # 200, 200, then an empty page


def test_a_search_of_a_model_without_instances(cmdb, client):
    assert searched(client) == []
    assert searched(client, filter={"bk_asset_id": "nowhere"}) == []


# MARK: what a search guarantees while instances come and go

def test_an_instance_created_during_a_search_is_seen_at_most_once(cmdb, client):
    ids = create(client)
    created = []
    seen = []
    for instance in client.search_inst("bk_switch", page_size=100):
        seen.append(instance["bk_inst_id"])
        if len(seen) % 97 == 1:                                      # from the page loop, on the same client
            result = client.batch_create_inst("bk_switch", switches(1, prefix="during", start=len(seen)))
            assert result.ok
            created.append(result.created[0])
    assert len(created) == 11
    assert all(seen.count(i) == 1 for i in ids)                      # every one that exists throughout: once
    assert all(seen.count(i) <= 1 for i in created)                  # each created meanwhile: at most once
    assert seen == sorted(seen)
    assert set(seen) <= set(ids) | set(created)
    no_search_thread_left()


def test_instances_deleted_during_a_search_do_not_disturb_the_others(cmdb, client):
    ids = create(client)
    doomed = set(ids[150:850:3])
    seen = []
    for instance in client.search_inst("bk_switch", page_size=100):
        seen.append(instance["bk_inst_id"])
        if len(seen) == 120:                                         # some ahead of the search, some behind
            result = client.batch_delete_inst("bk_switch", sorted(doomed))
            assert result.ok
    survivors = [i for i in ids if i not in doomed]
    assert all(seen.count(i) == 1 for i in survivors)
    assert len(seen) == len(set(seen))


# MARK: lost answers, rate limits

@pytest.mark.parametrize("retries, count", [(0, 1), (3, 4)])
def test_a_reset_mid_update_makes_that_requests_items_unknown(cmdb, retries, count):
    with cmdb.client(concurrency=1, retries=retries) as client:
        ids = create(client)
        cmdb.set_faults([{"name": "reset", "count": count, "only": "batch_update_inst"}])
        updates = [{"bk_inst_id": i, "bk_sn": "R-%d" % i} for i in ids]
        result = client.batch_update_inst("bk_switch", updates)
    assert_accounted(result, N, "updated")
    # the first request (items 0..199) got no answer however often it was sent: its items are unknown
    assert sorted(result.unknown) == list(range(200))
    assert result.updated == {i: ids[i] for i in range(200, N)}
    assert result.status == bkcc.Status.EPARTIAL and isinstance(result.error, bkcc.PartialError)
    assert not result.ok
    [first] = [r for r in result.requests if r["first"] == 0]
    assert first["attempts"] == retries + 1 and first["status"] == "BKCC_ETRANSPORT"
    assert requests(cmdb, "batch_update_inst") == 4 + retries + 1
    # "reset" answers after acting: every instance has its new value, the unknown ones too
    assert {i["bk_inst_id"]: i["bk_sn"] for i in cmdb.instances("bk_switch")} == {i: "R-%d" % i for i in ids}


def test_an_update_whose_answer_was_lost_is_sent_again(cmdb):
    with cmdb.client(concurrency=1, retries=2) as client:
        ids = create(client, 300)
        cmdb.set_faults([{"name": "reset", "count": 1, "only": "batch_update_inst"}])
        result = client.batch_update_inst("bk_switch", [{"bk_inst_id": i, "bk_sn": "again"} for i in ids])
    assert result.ok and result.updated == dict(enumerate(ids))
    assert sorted(r["attempts"] for r in result.requests) == [1, 2]
    assert requests(cmdb, "batch_update_inst") == 3


def test_a_delete_whose_answer_was_lost_is_sent_again(cmdb):
    """The server skips ids that name no instance and answers success: a second delete ends as the first."""
    with cmdb.client(concurrency=1, retries=3) as client:
        ids = create(client, 501)
        cmdb.set_faults([{"name": "reset", "count": 1, "only": "batch_delete_inst"}])
        result = client.batch_delete_inst("bk_switch", ids[:500])
        assert_accounted(result, 500, "deleted")
        assert result.ok and result.deleted == {i: ids[i] for i in range(500)}
        assert requests(cmdb, "batch_delete_inst") == 4              # the first request sent twice
        # the server acted before the reset, and the second delete found nothing more to do
        assert [i["bk_inst_id"] for i in searched(client)] == [ids[500]]


@pytest.mark.parametrize("op", ["batch_update_inst", "batch_delete_inst", "search_object_instances"])
def test_a_rate_limit_is_retried(cmdb, op):
    with cmdb.client(concurrency=1, retries=3) as client:
        ids = create(client, 450)
        cmdb.set_faults([{"name": "rate_limit", "arg": 0, "count": 2, "only": op}])
        if op == "batch_update_inst":
            result = client.batch_update_inst("bk_switch", [{"bk_inst_id": i, "bk_sn": "rl"} for i in ids])
            assert result.ok and result.updated == dict(enumerate(ids))
            assert max(r["attempts"] for r in result.requests) == 3
        elif op == "batch_delete_inst":
            result = client.batch_delete_inst("bk_switch", ids)
            assert result.ok and result.deleted == dict(enumerate(ids))
            assert max(r["attempts"] for r in result.requests) == 3
        else:
            assert [i["bk_inst_id"] for i in searched(client, page_size=200)] == ids
        assert requests(cmdb, op) == 3 + 2
    assert cmdb.stats()["rate_limited"] == 2


def test_a_failing_page_raises_its_status_after_the_instances_before_it(cmdb, client):
    ids = create(client, 250)
    seen = []
    with pytest.raises(bkcc.APIError) as caught:
        for instance in client.search_inst("bk_switch", page_size=100):
            seen.append(instance["bk_inst_id"])
            if len(seen) == 1:
                cmdb.set_faults([{"name": "no_permission", "only": "search_object_instances"}])
    assert seen == sorted(ids)[:100]
    assert caught.value.status == bkcc.Status.EAPI and caught.value.api_code == 9900403
    assert caught.value.request_id
    no_search_thread_left()


def test_an_unreachable_server_raises_a_transport_error_from_the_iterator(spawn_cmdb):
    cmdb = spawn_cmdb()
    client = cmdb.client(retries=0, connect_timeout_ms=2000)
    cmdb.stop()
    with client:
        iterator = client.search_inst("bk_switch")           # nothing sent yet
        with pytest.raises(bkcc.TransportError):
            next(iterator)
    no_search_thread_left()


# MARK: the hand-off of pages: none read ahead; stopping early ends the thread

def test_no_page_is_read_ahead(cmdb, client):
    create(client, 350)
    iterator = client.search_inst("bk_switch", page_size=100)
    assert requests(cmdb, "search_object_instances") == 0 and not search_threads()   # lazy
    counts = []
    for n, _ in enumerate(iterator):
        if n in (0, 99, 100, 199, 200, 349):
            counts.append(requests(cmdb, "search_object_instances"))
    # the next page is asked for only once the previous one has been consumed
    assert counts == [1, 1, 2, 2, 3, 4]
    no_search_thread_left()


def test_break_stops_the_search_without_leaking_threads(cmdb, client):
    create(client)
    baseline = threading.active_count()
    for round_ in range(20):
        for n, _ in enumerate(client.search_inst("bk_switch", page_size=100)):
            if n == 150:
                break
    assert wait_until(lambda: threading.active_count() == baseline, timeout=10), threading.enumerate()
    assert requests(cmdb, "search_object_instances") == 20 * 2     # page 3 was never asked for
    assert client._active == 0


def test_close_del_gc_and_an_exception_in_the_loop_each_stop_the_search(cmdb, client):
    create(client, 500)
    baseline = threading.active_count()

    iterator = client.search_inst("bk_switch", page_size=100)
    next(iterator)
    assert len(search_threads()) == 1
    iterator.close()                                           # joins the worker
    assert not search_threads()
    with pytest.raises(StopIteration):
        next(iterator)

    iterator = client.search_inst("bk_switch", page_size=100)
    next(iterator)
    del iterator                                               # dropped: collected at once
    no_search_thread_left()

    class Holder:
        pass

    holder = Holder()
    holder.me, holder.search = holder, client.search_inst("bk_switch", page_size=100)   # a cycle
    next(holder.search)
    del holder
    gc.collect()
    no_search_thread_left()

    with pytest.raises(ZeroDivisionError):
        for instance in client.search_inst("bk_switch", page_size=100):
            1 / 0
    no_search_thread_left()

    with contextlib.closing(client.search_inst("bk_switch", page_size=100)) as iterator:
        next(iterator)
    assert not search_threads()

    never = client.search_inst("bk_switch")                    # never iterated: no thread, nothing sent
    del never
    assert wait_until(lambda: threading.active_count() == baseline, timeout=10)
    assert requests(cmdb, "search_object_instances") == 5
    assert client._active == 0


def test_an_abandoned_iterator_never_blocks_its_thread_or_the_client(cmdb):
    client = cmdb.client()
    create(client, 300)
    kept = client.search_inst("bk_switch", page_size=100)
    next(kept)                                                  # the worker waits for the next request
    assert len(search_threads()) == 1
    # the client stays usable meanwhile, also by other calls on this thread
    assert client.batch_update_inst("bk_switch", [{"bk_inst_id": 1001, "bk_sn": "x"}]).ok
    client.close()                                              # freed once the search ends
    assert client.closed and client._handle is not None
    with pytest.raises(bkcc.InvalidArgumentError, match="closed"):
        client.search_inst("bk_switch")
    del kept
    no_search_thread_left()
    assert client._handle is None


def test_searches_on_several_threads_at_once(cmdb, client):
    ids = create(client)
    results = {}

    def work(n):
        results[n] = [i["bk_inst_id"] for i in client.search_inst("bk_switch", page_size=51 + n)]

    threads = [threading.Thread(target=work, args=(n,), daemon=True) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    assert results == {n: sorted(ids) for n in range(6)}
    no_search_thread_left()


def test_the_gil_is_released_while_a_page_is_read(cmdb, client):
    create(client, 3)
    cmdb.set_faults([{"name": "latency", "arg": 400, "only": "search_object_instances"}])
    ticks = []
    started = time.monotonic()
    worker = threading.Thread(target=lambda: [ticks.append(time.monotonic()) or time.sleep(0.01)
                                              for _ in range(40)], daemon=True)
    worker.start()
    assert len(searched(client)) == 3
    finished = time.monotonic()
    worker.join(5)
    assert finished - started >= 0.35
    assert len([t for t in ticks if started < t < finished]) >= 10


def test_searches_do_not_leak_threads_or_memory(cmdb, client):
    """Each page text is copied and left to the library; each worker ends; nothing stays behind per search."""
    create(client, 250)
    baseline = threading.active_count()
    rounds = []

    def call():
        rounds.append(len(rounds))
        if len(rounds) % 2:
            assert sum(1 for _ in client.search_inst("bk_switch", fields=["bk_sn"], page_size=100)) == 250
        else:
            for n, _ in enumerate(client.search_inst("bk_switch", page_size=100)):
                if n == 120:
                    break

    py_growth, rss_growth = measure(call, calls=300, warmup=30)
    assert threading.active_count() == baseline
    assert py_growth < 64 * 1024, "Python memory grew by %d bytes over 300 searches" % py_growth
    assert rss_growth < 4 * 1024 * 1024, "RSS grew by %d bytes over 300 searches" % rss_growth
    # a leaked page (~10 KB) per search would be >= 3 MB here
    assert LAST["heap"] < 512 * 1024, "the C heap grew by %d bytes over 300 searches" % LAST["heap"]


# MARK: arguments, validation, progress

def test_bad_search_arguments(cmdb, client):
    for bad in (0, 501, True, "10", None):
        with pytest.raises(bkcc.InvalidArgumentError, match="page_size"):
            client.search_inst("bk_switch", page_size=bad)
    with pytest.raises(bkcc.InvalidArgumentError, match="fields"):
        client.search_inst("bk_switch", fields="bk_sn")
    with pytest.raises(bkcc.InvalidArgumentError, match="filter"):
        client.search_inst("bk_switch", filter=[("bk_sn", "x")])
    with pytest.raises(bkcc.InvalidArgumentError, match="JSON"):
        client.search_inst("bk_switch", filter={"bk_sn": float("nan")})
    with pytest.raises(bkcc.InvalidArgumentError, match="bk_obj_id"):
        client.search_inst(None)
    # what the library refuses is raised by the iterator, before anything is sent
    with pytest.raises(bkcc.InvalidArgumentError, match="fields"):
        next(client.search_inst("bk_switch", fields=[""]))
    with pytest.raises(bkcc.InvalidArgumentError, match="filter"):
        next(client.search_inst("bk_switch", filter={"bk_sn": None}))
    with pytest.raises(bkcc.ValidationError, match="host"):
        next(client.search_inst("host"))
    assert requests(cmdb, "search_object_instances") == 0
    no_search_thread_left()


def test_update_and_delete_validation(cmdb, client):
    ids = create(client, 3)
    with pytest.raises(bkcc.ValidationError):
        client.batch_update_inst("bk_switch", [{"bk_inst_id": ids[0], "bk_sn": "a"}, {"bk_sn": "no id"}])
    with pytest.raises(bkcc.ValidationError):
        client.batch_update_inst("bk_switch", [{"bk_inst_id": ids[0], "bk_sn": "a"},
                                               {"bk_inst_id": ids[0], "bk_sn": "b"}])
    with pytest.raises(bkcc.ValidationError):
        client.batch_delete_inst("bk_switch", [ids[0], ids[0]])
    with pytest.raises(bkcc.ValidationError):
        client.batch_delete_inst("bk_switch", [ids[0], -5])
    assert requests(cmdb, "batch_update_inst") == requests(cmdb, "batch_delete_inst") == 0

    skipped = client.batch_update_inst("bk_switch", [{"bk_inst_id": ids[0], "bk_sn": "a"}, {"bk_sn": "no id"}],
                                       on_invalid="skip")
    assert skipped.updated == {0: ids[0]} and list(skipped.failed) == [1]
    assert skipped.status == bkcc.Status.EPARTIAL
    assert_accounted(skipped, 2, "updated")

    deleted = client.batch_delete_inst("bk_switch", (i for i in ids[1:] + [0]), on_invalid="skip")  # any iterable
    assert deleted.deleted == {0: ids[1], 1: ids[2]} and list(deleted.failed) == [2]
    assert [i["bk_inst_id"] for i in searched(client)] == [ids[0]]

    with pytest.raises(bkcc.InvalidArgumentError):
        client.batch_update_inst("bk_switch", [{"bk_inst_id": ids[0]}], on_invalid="maybe")
    with pytest.raises(bkcc.InvalidArgumentError, match="JSON"):
        client.batch_delete_inst("bk_switch", [{1, 2}])


def test_update_and_delete_refused_by_the_server(cmdb, client):
    ids = create(client, 3)
    missing = client.batch_update_inst("bk_switch", [{"bk_inst_id": ids[0], "bk_sn": "a"},
                                                     {"bk_inst_id": 99999, "bk_sn": "b"}])
    assert missing.updated == {} and sorted(missing.failed) == [0, 1]  # one transaction: none updated
    assert missing.status == bkcc.Status.EAPI and isinstance(missing.error, bkcc.APIError)
    with pytest.raises(bkcc.APIError):
        missing.raise_for_status()
    assert all(i.get("bk_sn") != "a" for i in cmdb.instances("bk_switch"))
    gone = client.batch_delete_inst("unknown_model", ids)
    assert not gone.ok and gone.deleted == {} and gone.status == bkcc.Status.EAPI
    assert_accounted(gone, 3, "deleted")


def test_progress_of_an_update_cancel_and_an_exception(cmdb):
    with cmdb.client(concurrency=1) as client:
        ids = create(client)
        updates = [{"bk_inst_id": i, "bk_sn": "p"} for i in ids]

        events = []
        assert client.batch_update_inst("bk_switch", updates, progress=events.append).ok
        assert [(e["first"], e["count"], e["done"], e["total"]) for e in events] == \
            [(k * 200, 200, (k + 1) * 200, N) for k in range(5)]
        assert all(e["type"] == "request" and e["status"] == "BKCC_OK" for e in events)

        cancelled = client.batch_update_inst("bk_switch", updates, progress=lambda e: e["done"] < 400)
        assert sorted(cancelled.updated) == list(range(400)) and sorted(cancelled.skipped) == list(range(400, N))
        assert cancelled.status == bkcc.Status.EPARTIAL

        def explode(event):
            raise LookupError("from the callback")

        with pytest.raises(LookupError) as caught:
            client.batch_delete_inst("bk_switch", ids, progress=explode)
        partial = caught.value.bkcc_result
        assert sorted(partial.deleted) == list(range(200)) and sorted(partial.skipped) == list(range(200, N))
        assert_accounted(partial, N, "deleted")
    assert len(cmdb.instances("bk_switch")) == N - 200


def test_a_closed_client_refuses_the_family_before_touching_c(monkeypatch):
    client = bkcc.Client(url="http://127.0.0.1:9", app_code="a", app_secret="secret", username="u")
    client.close()

    def untouchable(*args):
        raise AssertionError("the library was called")

    for name in ("bkcc_batch_update_inst_json", "bkcc_batch_delete_inst_json", "bkcc_search_inst_json"):
        monkeypatch.setattr(bkcc._ffi.lib, name, untouchable)
    for call in (lambda: client.batch_update_inst("bk_switch", [{"bk_inst_id": 1, "bk_sn": "x"}]),
                 lambda: client.batch_delete_inst("bk_switch", [1]),
                 lambda: client.search_inst("bk_switch")):
        with pytest.raises(bkcc.InvalidArgumentError, match="closed"):
            call()


# MARK: the README's example

def readme_family_example():
    with open(os.path.join(PACKAGE_ROOT, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    section = readme[readme.index("### Update, delete, search"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    output = re.search(r"```text\n(.*?)```", section, re.S).group(1)
    return code, output


def test_the_readme_family_example_prints_what_it_says(cmdb, tmp_path):
    code, expected = readme_family_example()
    script = tmp_path / "family.py"
    script.write_text(code, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("BK_TOKEN", "BKCC_API", "BKPAAS_APP_ID", "APP_CODE",
                                                            "BKPAAS_APP_SECRET")}
    env.update(cmdb.env())
    env["PYTHONPATH"] = PACKAGE_ROOT
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60, env=env,
                       cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert r.stdout == expected
    assert cmdb.instances("bk_switch") == []
