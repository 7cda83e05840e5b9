"""One client shared by threads: parallel imports (the GIL is released in C), per-thread progress, close."""

import threading
import time

from .bkcc_test_support import bkcc, switches, wait_until

THREADS = 8
PER_THREAD = 250
JOIN_SECONDS = 60


def run_threads(target, count):
    errors = []
    barrier = threading.Barrier(count, timeout=30)

    def wrapped(n):
        try:
            barrier.wait()
            target(n)
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append((n, error))

    threads = [threading.Thread(target=wrapped, args=(n,), daemon=True) for n in range(count)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + JOIN_SECONDS
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), "threads still running after %d s" % JOIN_SECONDS
    assert errors == []


def test_eight_threads_share_one_client_importing_disjoint_sets(cmdb):
    results = {}
    events = {}
    with cmdb.client(concurrency=2) as client:
        def work(n):
            mine = []
            results[n] = client.batch_create_inst("bk_switch", switches(PER_THREAD, prefix="t%d" % n),
                                                  progress=mine.append)
            events[n] = mine

        run_threads(work, THREADS)

    stored = {i["bk_asset_id"]: i["bk_inst_id"] for i in cmdb.instances("bk_switch")}
    expected = {d["bk_asset_id"] for n in range(THREADS) for d in switches(PER_THREAD, prefix="t%d" % n)}
    assert set(stored) == expected
    assert len(cmdb.instances("bk_switch")) == THREADS * PER_THREAD
    for n in range(THREADS):
        result = results[n]
        assert result.ok and sorted(result.created) == list(range(PER_THREAD))
        for i, d in enumerate(switches(PER_THREAD, prefix="t%d" % n)):
            assert stored[d["bk_asset_id"]] == result.created[i]
        # each thread's callback saw its own call's events only
        assert {e["total"] for e in events[n]} == {PER_THREAD}
        # two requests (200 and 50 items, in flight together): "done" counts up to 250 in finishing order
        assert [e["done"] for e in events[n]] in ([200, 250], [50, 250])
    assert len(set(stored.values())) == THREADS * PER_THREAD


def test_the_gil_is_released_while_the_library_works(cmdb):
    cmdb.set_faults(["latency:400"])
    ticks = []
    done = threading.Event()

    def tick():
        for _ in range(10000):
            if done.is_set():
                return
            ticks.append(time.monotonic())
            time.sleep(0.01)

    ticker = threading.Thread(target=tick, daemon=True)
    with cmdb.client() as client:
        ticker.start()
        started = time.monotonic()
        result = client.batch_create_inst("bk_switch", switches(3))
        finished = time.monotonic()
    done.set()
    ticker.join(5)
    assert result.ok and finished - started >= 0.35
    during = [t for t in ticks if started < t < finished]
    assert len(during) >= 10, "the ticker thread ran %d times during a 400 ms call" % len(during)


def test_close_while_another_thread_imports_frees_after_its_call(cmdb):
    cmdb.set_faults(["latency:300"])
    client = cmdb.client()
    outcome = {}

    def work():
        outcome["result"] = client.batch_create_inst("bk_switch", switches(3))

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    assert wait_until(lambda: cmdb.stats()["requests"]["batch_create_inst"] >= 1, timeout=5)
    client.close()                       # returns at once; the handle lives until the call returns
    assert client.closed
    try:
        client.build_request("bk_switch", switches(1))
        raise AssertionError("a closed client was usable")
    except bkcc.InvalidArgumentError:
        pass
    worker.join(10)
    assert not worker.is_alive()
    assert outcome["result"].ok
    assert client._handle is None


def test_sans_io_calls_from_many_threads(cmdb):
    with cmdb.client() as client:
        def work(n):
            for i in range(200):
                assert bkcc.validate("bk_switch", switches(3, prefix="v%d-%d" % (n, i))) == {}
                assert client.build_request("bk_switch", switches(2, prefix="b%d" % n))["body"]["details"][1][
                    "bk_asset_id"] == "b%d-asset-1" % n

        run_threads(work, THREADS)
