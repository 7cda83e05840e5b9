#!/usr/bin/env python3
"""Writes a CSV of realistic network switches for bkcc (model bk_switch): Chinese and English names, vendors,
models, serial numbers, port counts (an :int column). Deterministic for a given --seed.

    python3 Tests/CLI/gen_switches.py 1000 --flaws > examples/switches.csv     # the demo file
    python3 Tests/CLI/gen_switches.py 100000 > /tmp/switches-100k.csv          # the memory check

--flaws puts a few invalid rows in on purpose (a repeated asset id, a missing name, a port count that is not a
number, an empty asset id), at fixed places, so that `bkcc validate` and --skip-invalid have something to show.
"""
import argparse
import csv
import random
import sys

SITES = [("北京", "亦庄"), ("北京", "酒仙桥"), ("上海", "外高桥"), ("上海", "宝山"), ("深圳", "南山"),
         ("广州", "科学城"), ("杭州", "滨江"), ("成都", "天府"), ("Singapore", "Jurong"), ("Frankfurt", "FRA3")]
ROLES = [("核心交换机", "core", 2), ("汇聚交换机", "agg", 6), ("接入交换机", "access", 40), ("管理交换机", "mgmt", 4)]
MODELS = {
    "core": [("华为", "CE16808", 384), ("新华三", "S12508G-AF", 288), ("Cisco", "Nexus 9508", 288)],
    "agg": [("华为", "CE6881-48S6CQ", 54), ("新华三", "S6850-56HF", 56), ("Arista", "7280SR3-48YC8", 56)],
    "access": [("华为", "S5735-L48T4X-A1", 52), ("新华三", "S5130S-52S-EI", 52), ("锐捷", "RG-S5750-48GT4XS-E", 52),
               ("Cisco", "C9300-48T", 52)],
    "mgmt": [("华为", "S1730S-L24T-A", 24), ("TP-LINK", "TL-SG2428", 28)],
}
OPERATORS = ["zhangwei", "liuyang", "wangfang", "chenjie", "admin"]


def rows(count, seed, flaws):
    rng = random.Random(seed)
    for i in range(count):
        city, campus = SITES[i % len(SITES)]
        role, short, _ = rng.choices(ROLES, weights=[r[2] for r in ROLES])[0]
        vendor, model, ports = rng.choice(MODELS[short])
        rack = "%s%02d" % ("ABCDEFGH"[rng.randrange(8)], rng.randrange(1, 40))
        row = {
            "bk_inst_name": "%s-%s-%s-%s-%05d" % (city, campus, role, rack, i + 1),
            "bk_asset_id": "ZC-SW-%d-%06d" % (2020 + i % 5, i + 1),
            "bk_sn": "%s%010d" % ("".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(3)), rng.randrange(10**10)),
            "bk_operator": rng.choice(OPERATORS),
            "bk_vendor": vendor,
            "bk_model": model,
            "bk_port_count": str(ports),
            "bk_remark": rng.choice(["", "", "", "上架于%s机房, 双电源" % campus, "spare, \"hot standby\"", "待下线"]),
        }
        if flaws:
            if i == 16:
                row["bk_asset_id"] = "ZC-SW-%d-%06d" % (2020 + 15 % 5, 16)   # repeats row 15's asset id
            elif i == 233:
                row["bk_inst_name"] = ""                                     # missing name
            elif i == 508:
                row["bk_port_count"] = "四十八"                               # not an integer
            elif i == 871:
                row["bk_asset_id"] = "   "                                   # blank asset id
        yield row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--flaws", action="store_true", help="a few invalid rows on purpose")
    args = parser.parse_args()
    out = csv.writer(sys.stdout, lineterminator="\n")
    header = ["bk_inst_name", "bk_asset_id", "bk_sn", "bk_operator", "bk_vendor", "bk_model", "bk_port_count:int", "bk_remark"]
    out.writerow(header)
    for row in rows(args.count, args.seed, args.flaws):
        out.writerow([row[h.split(":")[0]] for h in header])


if __name__ == "__main__":
    main()
