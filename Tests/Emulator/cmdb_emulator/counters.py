"""The --rate token bucket and the counters of GET /_emulator/stats."""

import threading
import time

from .routes import OPS

class TokenBucket:
    """--rate N: a bucket of N tokens refilled at N per second; a request without a token is limited."""

    def __init__(self, rate):
        self.lock = threading.Lock()
        self.set_rate(rate)

    def set_rate(self, rate):
        with getattr(self, "lock", threading.Lock()):
            self.rate = float(rate or 0)
            self.tokens = max(self.rate, 1.0)
            self.stamp = time.monotonic()

    def take(self):
        with self.lock:
            if self.rate <= 0:
                return True
            now = time.monotonic()
            self.tokens = min(max(self.rate, 1.0), self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens >= 1.0:
                self.tokens -= 1.0
                return True
            return False


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with getattr(self, "lock", threading.Lock()):
            self.requests = {op: 0 for op in OPS}
            self.not_found = 0
            self.by_api = {"esb": 0, "apigw": 0}
            self.items_received = 0
            self.items_created = 0
            self.items_updated = 0
            self.items_deleted = 0
            self.rate_limited = 0
            self.faults_applied = {}

    def arrived(self, op, api, items):
        with self.lock:
            self.requests[op] += 1
            self.by_api[api] += 1
            if op == "batch_create_inst":
                self.items_received += items

    def add(self, field, n=1):
        with self.lock:
            setattr(self, field, getattr(self, field) + n)

    def fault(self, name):
        with self.lock:
            self.faults_applied[name] = self.faults_applied.get(name, 0) + 1

    def to_json(self, instances):
        with self.lock:
            return {"requests": dict(self.requests), "requests_by_api": dict(self.by_api),
                    "not_found": self.not_found, "items_received": self.items_received,
                    "items_created": self.items_created, "items_updated": self.items_updated,
                    "items_deleted": self.items_deleted, "rate_limited": self.rate_limited,
                    "faults_applied": dict(self.faults_applied), "instances": instances}

