#!/usr/bin/env python3
"""report_page_check.py: what a browser made of mbr-report's page.

    report_page_check.py RECORDS.csv PAGE.dom PROBE.dom PAGE.png

RECORDS.csv is what mbr-report wrote beside --html; PAGE.dom is
headless Chromium's --dump-dom of the page, PROBE.dom that of a copy
with a script appended that lists each chart's box (the page itself has
none); PAGE.png its screenshot, as wide as the window and as tall as
the page.  Checks, each counted:

  - the screenshot is a PNG of the page's size;
  - each chart's box is inside it and drew something: at least 0.3%
    of its pixels are in colour (the marks are; the frame, grid, title
    and ticks are grey);
  - every element of the DOM that carries a record's keys
    (data-section, data-kpi, data-period, data-group, data-key) names
    a record, and its data-value is that record's field (data-field,
    else value), as the CSV has it; a table cell shows it as the man
    page says (rates and changes as percentages to a tenth, half away
    from zero, a change with its sign);
  - the table of all records holds the CSV's records, in order, field
    for field;
  - the charts the records call for are there.

Standard library only (the PNG is read with zlib).  Prints one line a
failure, then "N passed, N failed"; exits 1 on a failure.
"""

import csv
import html.parser
import struct
import sys
import zlib
from decimal import Decimal, ROUND_HALF_UP

passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL " + what)


def read_png(path):
    """(width, height, rows of (r, g, b) tuples), 8-bit RGB or RGBA."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, w = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            if depth != 8 or ctype not in (2, 6):
                raise ValueError("PNG of depth %d, colour type %d" %
                                 (depth, ctype))
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(h):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[x] = (line[x] + pr) & 255
        rows.append(line)
        prev = line
    return w, h, rows, bpp


def pct(s, sign):
    """A rate as the page shows it (mbr_page_pct)."""
    try:
        if s.lstrip("-").count(".") != 1 or len(s.split(".")[1]) != 6:
            return s
        t = (abs(Decimal(s)) * 1000).quantize(Decimal(1),
                                              rounding=ROUND_HALF_UP)
    except Exception:
        return s
    lead = "-" if s.startswith("-") and t > 0 else \
        "+" if sign and t > 0 else ""
    return "%s%d.%d%%" % (lead, t // 10, t % 10)


def is_rate(section, kpi):
    return kpi in ("repurchase_rate", "pareto_share", "refund_rate",
                   "retention") or section == "pareto"


class Dom(html.parser.HTMLParser):
    """The elements with a record's keys (their text, for cells), the
    rows of the table of all records, the ids of the charts, and the
    probe's <pre id="mbr-boxes">."""

    def __init__(self):
        super().__init__()
        self.marks, self.records, self.charts = [], [], []
        self.boxes = None
        self.cur = None		# the mark whose text is being read
        self.row = None
        self.cell = None
        self.pre = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg" and "chart" in a.get("class", "").split():
            self.charts.append(a.get("id"))
        if "data-section" in a:
            m = {"tag": tag, "a": a, "text": ""}
            self.marks.append(m)
            if tag in ("td", "span"):
                self.cur = m
        if tag == "tr" and a.get("class") == "record":
            self.row = []
        elif tag == "td" and self.row is not None:
            self.cell = ""
        if tag == "pre" and a.get("id") == "mbr-boxes":
            self.pre = ""

    def handle_endtag(self, tag):
        if tag in ("td", "span"):
            self.cur = None
        if tag == "td" and self.row is not None and self.cell is not None:
            self.row.append(self.cell)
            self.cell = None
        if tag == "tr" and self.row is not None:
            self.records.append(self.row)
            self.row = None
        if tag == "pre" and self.pre is not None:
            self.boxes = self.pre
            self.pre = None

    def handle_data(self, data):
        if self.cur is not None:
            self.cur["text"] += data
        if self.cell is not None:
            self.cell += data
        if self.pre is not None:
            self.pre += data


def main():
    recs_path, dom_path, probe_path, png_path = sys.argv[1:5]
    with open(recs_path, newline="", encoding="utf-8") as f:
        rd = csv.reader(f)
        head = next(rd)
        recs = [r for r in rd]
    check(head == ["section", "kpi", "period", "period_start", "group",
                   "key", "value", "previous", "change"],
          "records: header %r" % head)
    by = {}
    for r in recs:
        by[(r[0], r[1], r[2], r[4], r[5])] = dict(zip(head, r))

    dom = Dom()
    dom.feed(open(dom_path, encoding="utf-8").read())
    probe = Dom()
    probe.feed(open(probe_path, encoding="utf-8").read())

    # the table of all records
    check(dom.records == recs, "page: the table of all records differs "
          "from the CSV (%d rows against %d)" % (len(dom.records),
                                                 len(recs)))

    # every figure drawn or tabled is its record's
    nmarks = 0
    for m in dom.marks:
        a = m["a"]
        k = (a.get("data-section"), a.get("data-kpi"), a.get("data-period"),
             a.get("data-group"), a.get("data-key"))
        r = by.get(k)
        if r is None:
            check(False, "page: <%s> names no record %r" % (m["tag"], k))
            continue
        field = a.get("data-field", "value")
        nmarks += 1
        if a.get("data-value") != r[field]:
            check(False, "page: %r %s: %r in the page, %r in the records"
                  % (k, field, a.get("data-value"), r[field]))
            continue
        if m["tag"] == "td":
            rate = field == "change" or is_rate(k[0], k[1])
            want = pct(r[field], field == "change") if rate else r[field]
            if m["text"] != want:
                check(False, "page: %r %s shown as %r, not %r" %
                      (k, field, m["text"], want))
                continue
        check(True, "")
    check(nmarks > 0, "page: no figure carries a record")

    # the charts the records call for
    sections = {r[0] for r in recs}
    want = ["trend-members", "trend-revenue"] if "kpi" in sections else []
    if "pareto" in sections:
        want.append("pareto")
    if "cohort" in sections:
        want.append("cohorts")
    if "segments" in sections:
        want.append("segments")
    if "migration" in sections:
        want.append("migration")
    for c in want:
        check(c in dom.charts, "page: no chart %s" % c)

    # the screenshot, and each chart's box in it
    lines = (probe.boxes or "").strip().split("\n")
    height = int(lines[0].split()[1]) if lines and lines[0].startswith(
        "height ") else 0
    w, h, rows, bpp = read_png(png_path)
    check(w == 1280 and h == height, "screenshot: %dx%d, the page is "
          "1280x%d" % (w, h, height))
    boxes = [l.split() for l in lines[1:] if l.strip()]
    check(len(boxes) == len(dom.charts), "probe: %d boxes for %d charts"
          % (len(boxes), len(dom.charts)))
    for b in boxes:
        cid, x, y, bw, bh = b[0], int(b[1]), int(b[2]), int(b[3]), int(b[4])
        if x < 0 or y < 0 or x + bw > w or y + bh > h or bw < 50 or bh < 50:
            check(False, "screenshot: chart %s's box %dx%d+%d+%d is not "
                  "inside %dx%d" % (cid, bw, bh, x, y, w, h))
            continue
        # coloured pixels: the marks (lines, bars, cells) are in
        # colour, the frame, grid, title and ticks in greys
        ink = 0
        for yy in range(y, y + bh):
            row = rows[yy]
            for xx in range(x, x + bw):
                p = xx * bpp
                c = row[p:p + 3]
                if max(c) - min(c) > 40:
                    ink += 1
        share = ink / (bw * bh)
        check(share >= 0.003, "screenshot: chart %s drew nothing (%.2f%% "
              "of its pixels in colour)" % (cid, 100 * share))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
