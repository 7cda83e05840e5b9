#!/usr/bin/env python3
"""Reading a 100,000-row .xlsx against the same rows as CSV: the wall time and peak RSS of `bkcc validate` (it reads
and checks every row and sends nothing, so no server is involved). The workbook is written by XlsxWriter, which
puts every string in the shared-strings table as Excel does (the table bkcc holds in memory while it streams the
sheet). Run from the repository root after `make dist`; `make bench` runs it too.

    python3 Benchmarks/xlsx_bench.py [--rows 100000] [--reps 3]

Each run is a child of Benchmarks/runstat.c (peak RSS from the kernel's rusage); bounded by a timeout per run.
"""
import argparse
import csv
import os
import statistics
import subprocess
import sys
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HERE = os.path.join(ROOT, "Benchmarks")
WORK = os.path.join(ROOT, "build", "bench")
HEADER = ["bk_inst_name", "bk_asset_id", "bk_sn", "bk_rack_u", "bk_start_date"]


def rows(count):
    """The same rows for both files: Chinese names, unique asset ids and serials, a number, a date."""
    for i in range(count):
        yield ["机柜-%06d" % i, "ASSET-%08d" % i, "SN%012d" % (i * 7919), i % 42 + 1, "2024-%02d-%02d" % (i % 12 + 1, i % 28 + 1)]


def write_files(count, work):
    import datetime
    import xlsxwriter
    book_path = os.path.join(work, "xlsx-%d.xlsx" % count)
    csv_path = os.path.join(work, "xlsx-%d.csv" % count)
    if not os.path.exists(book_path):
        book = xlsxwriter.Workbook(book_path)
        sheet = book.add_worksheet()
        date = book.add_format({"num_format": "yyyy-mm-dd"})
        sheet.write_row(0, 0, HEADER)
        for r, row in enumerate(rows(count), start=1):
            sheet.write_row(r, 0, row[:4])
            sheet.write_datetime(r, 4, datetime.datetime.strptime(row[4], "%Y-%m-%d"), date)
        book.close()
    if not os.path.exists(csv_path):
        with open(csv_path, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(HEADER)
            writer.writerows(rows(count))
    return book_path, csv_path


def runstat(work):
    binary = os.path.join(work, "runstat")
    if not os.path.exists(binary):
        subprocess.run(["gcc", "-O2", "-Wall", "-o", binary, os.path.join(HERE, "runstat.c")], check=True)
    return binary


def run_once(bkcc, path, work, timeout=300):
    stat_file = os.path.join(work, "xlsx-runstat.out")
    with open(os.devnull, "wb") as null, open(os.path.join(work, "xlsx-child.stderr"), "wb") as err:
        subprocess.run([runstat(work), stat_file, str(timeout), bkcc, "validate", "--obj", "cabinet", path],
                       stdout=null, stderr=err, check=True, timeout=timeout + 30, env={"PATH": "/usr/bin:/bin", "HOME": work})
    with open(stat_file) as f:
        wall, user, sys_, rss, code = f.read().split()
    if int(code) != 0:
        with open(os.path.join(work, "xlsx-child.stderr"), encoding="utf-8", errors="replace") as f:
            raise RuntimeError("bkcc validate %s exited %s: %s" % (path, code, f.read()[-500:]))
    return {"wall": float(wall), "cpu": float(user) + float(sys_), "rss_kib": int(rss)}


def measure(bkcc, count=100000, reps=3, work=WORK):
    """Medians over reps of each file, and the sizes that say what was streamed."""
    os.makedirs(work, exist_ok=True)
    book, table = write_files(count, work)
    with zipfile.ZipFile(book) as z:
        unpacked = sum(i.file_size for i in z.infolist())
        strings = z.getinfo("xl/sharedStrings.xml").file_size
    out = {"rows": count, "xlsx_bytes": os.path.getsize(book), "xml_bytes": unpacked, "shared_strings_bytes": strings,
           "csv_bytes": os.path.getsize(table)}
    for name, path in (("xlsx", book), ("csv", table)):
        runs = [run_once(bkcc, path, work) for _ in range(reps)]
        out[name] = {key: statistics.median(r[key] for r in runs) for key in ("wall", "cpu", "rss_kib")}
    return out


def result_line(m):
    return ("xlsx: %s rows (%.1f MB zipped, %.1f MB of XML, %.1f MB of shared strings): validate %.2f s, %.1f MiB peak RSS; "
            "the same rows as CSV (%.1f MB): %.2f s, %.1f MiB" % (
                format(m["rows"], ","), m["xlsx_bytes"] / 1e6, m["xml_bytes"] / 1e6, m["shared_strings_bytes"] / 1e6,
                m["xlsx"]["wall"], m["xlsx"]["rss_kib"] / 1024, m["csv_bytes"] / 1e6, m["csv"]["wall"],
                m["csv"]["rss_kib"] / 1024))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--bkcc", default=os.environ.get("BKCC", os.path.join(ROOT, "dist", "bin", "bkcc")))
    args = parser.parse_args()
    if not os.access(args.bkcc, os.X_OK):
        sys.exit("xlsx_bench: %s is missing: run `make dist` first (or set BKCC)" % args.bkcc)
    print(result_line(measure(args.bkcc, args.rows, args.reps)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
