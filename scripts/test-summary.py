#!/usr/bin/env python3
"""The last line of `make test`: "all suites passed" only when nothing was skipped; otherwise every skipped test
with its reason. Reads the JUnit XML files the pytest suites wrote (build/test-results/*.xml)."""

import glob
import sys
import xml.etree.ElementTree as ET


def main(folder):
    skipped = []
    for path in sorted(glob.glob(folder + "/*.xml")):
        for case in ET.parse(path).getroot().iter("testcase"):
            for skip in case.findall("skipped"):
                name = "%s::%s" % (case.get("classname", "").replace(".", "/") + ".py", case.get("name"))
                reason = (skip.get("message") or skip.text or "").strip().splitlines()[0:1]
                skipped.append("%s (%s)" % (name, reason[0] if reason else "no reason given"))
    if not skipped:
        print("make test: all suites passed")
    else:
        print("make test: every suite that ran passed; %d test%s skipped: %s" % (
            len(skipped), "" if len(skipped) == 1 else "s", "; ".join(skipped)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "build/test-results"))
