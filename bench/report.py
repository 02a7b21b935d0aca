#!/usr/bin/python3
"""report.py DATA OUT.md PNG SIZE...: bench/RESULTS.md from bench/run.sh's
measurements (DATA/machine.tsv, DATA/SIZE/{facts,times,checks}.tsv).

Writes the markdown to OUT.md and, when PNG is not empty, a gnuplot
script DATA/chart.gp that draws PNG: wall time against orders for mbr
and the peers at each size, log-log, one panel per workload.
Standard library only.
"""
import os
import statistics
import sys

WORKLOADS = [
    ("ingest", "ingest + validate: canonical order CSV to NDJSON"),
    ("rfm", "RFM: recency, frequency, monetary, quintile scores and "
            "the 11 named segments over paid orders"),
    ("segment", "segment: 20 rules (10 segments, 10 tags) over the "
                "member records"),
    ("rfm-gz", "RFM on the same orders gzipped"),
    ("points", "points: the loyalty programme bench/points.json (1 point "
               "a yuan, tiers on rolling 12-month spend, 24-month expiry), "
               "every member's balance, tier and expiring points"),
    ("campaign", "campaign: the win-back bench/campaign.json (inactive 51 "
                 "days, monetary >= 100, SMS then e-mail by consent) over "
                 "the member records, with a suppression list, a 30-day "
                 "cooldown and a cap of 2 messages in 7 days over the send "
                 "history: the send list"),
    ("abtest-assign", "assign: GrowthBook buckets (experiment bench-2025, "
                      "control/a/b at 50/25/25, coverage 0.2, hash version "
                      "2) over the member records of abtest-members.csv, "
                      "against the GrowthBook SDK"),
    ("abtest-analyze", "analyze: 30-day conversion and revenue per variant "
                       "with z, Welch, Holm, chance to beat control and SRM"),
    ("oneid", "oneid: one id a person on every order, the people being "
              "the connected components of the orders' identifiers, "
              "against iterative label propagation in SQL"),
    ("clv", "clv: BG/NBD and Gamma-Gamma fitted by maximum likelihood, "
            "then every member's p_alive, expected purchases, AOV and CLV "
            "over 90 days, against the same model in pandas and scipy"),
    ("report", "report: the membership KPIs of the 12 months to "
               "2025-01 (each with the month before's and the change), "
               "the latest month's Pareto curve and 12 first-purchase "
               "cohorts, all orders and by channel, against the same "
               "records in DuckDB SQL"),
]
# The chart's variants, each with its colour (COLOURS, in this order).
CHART_VARIANTS = ["mbr", "duckdb", "duckdb-1t", "pandas", "miller",
                  "miller-1t", "growthbook", "growthbook-util"]
COLOURS = ["#d62728", "#1f77b4", "#17becf", "#2ca02c", "#ff7f0e",
           "#8c564b", "#9467bd", "#e377c2"]
# What the chart's x (the size's orders) is to a workload's own input.
XNOTE = {"segment": " (member records = orders / 5)",
         "campaign": " (member records = orders / 5)",
         "abtest-assign": " (member records = orders)",
         "abtest-analyze": " (and assignments = orders / 5)",
         "oneid": " (oneid-orders.csv, as many)",
         "clv": " (read twice by mbr: fit, then predict)",
         "report": " (mbr and duckdb: all orders only)"}
# Variants that only read the input, timed beside mbr as its floor: not
# peers, so never in "Where mbr is slower".
FLOORS = ("cat", "cat-wc", "mbr-reader")
THREADS = {
    "mbr": "2 (default)", "mbr-1t": "1", "duckdb": "default (all cores)",
    "duckdb-1t": "1",
    "duckdb-ntile": "default", "pandas": "1 (pandas is single-threaded)",
    "pandas-qcut": "1", "pandas-grouped": "1",
    "miller": "default (GOMAXPROCS = cores)",
    "miller-1t": "GOMAXPROCS=1",
    "cat-wc": "2 processes", "cat": "1", "mbr-reader": "1",
    "mbr-stratify": "2 (default)",
    "growthbook": "1 (JavaScript in Node.js)",
    "growthbook-util": "1 (JavaScript in Node.js)",
    "mbr-by": "2 (default)", "duckdb-by": "default (all cores)",
}
HOW = {
    "cat-wc": {"ingest": "`cat FILE | wc -l`, the floor, in the same rounds"},
    "cat": {"abtest-assign": "`cat FILE >/dev/null`, the floor, in the same "
                             "rounds"},
    "mbr-reader": {"abtest-assign": "mbr's record reader alone (tests/bench/"
                                    "readspeed FILE), in the same rounds"},
    "mbr-stratify": {"abtest-assign": "mbr-abtest assign ... --stratify "
                                      "segment,tier (no peer: timed only)"},
    "growthbook": {"abtest-assign": "GrowthBookClient.runInlineExperiment a "
                                    "member (checked)"},
    "growthbook-util": {"abtest-assign": "the SDK's util.js hash/"
                                         "getBucketRanges/chooseVariation "
                                         "(checked)"},
    "mbr": {"ingest": "mbr-ingest --output-format ndjson",
            "rfm": "mbr-rfm", "rfm-gz": "mbr-rfm (gzip detected)",
            "segment": "mbr-segment -r segment.rules",
            "points": "mbr-points --program points.json",
            "campaign": "mbr-campaign --campaign campaign.json --suppress "
                        "--history --cap 2/7",
            "abtest-assign": "mbr-abtest assign --experiment bench-2025 "
                             "--variants control=50,a=25,b=25 --coverage 0.2",
            "abtest-analyze": "mbr-abtest analyze --assignments "
                              "assignments.csv --window 30d --variants "
                              "control=50,a=25,b=25",
            "oneid": "mbr-oneid --max-members-per-identifier 1000000",
            "clv": "end to end (checked): mbr-clv fit -o model.json, "
                   "then mbr-clv predict --model model.json --horizon 90d",
            "report": "mbr-report --periods 12 --cohorts 12 (checked)"},
    "mbr-by": {"report": "mbr-report ... --by channel (checked)"},
    "mbr-fit": {"clv": "mbr-clv fit alone"},
    "mbr-predict": {"clv": "mbr-clv predict alone, with the check's "
                           "model"},
    "duckdb": {"ingest": "COPY (read_csv) TO json",
               "rfm": "SQL, type-7 quantile rule (checked)",
               "rfm-gz": "SQL, type-7 quantile rule (checked)",
               "segment": "CASE WHEN (checked)",
               "points": "SQL, window functions (checked)",
               "campaign": "SQL, joins and a group-by over the history "
                           "(checked)",
               "abtest-analyze": "SQL, a left join of the orders on member "
                                 "and window, group-bys, the tests as SQL "
                                 "macros (checked)",
               "oneid": "SQL, label propagation: an UPDATE to the least "
                        "label of the neighbours, repeated until none "
                        "changes (checked)",
               "report": "SQL, group-bys over (member, month), a range "
                         "join for the active counts, row_number() for "
                         "the Pareto share (checked)"},
    "duckdb-by": {"report": "the same SQL, each order in all orders and "
                            "in its channel (checked)"},
    "duckdb-ntile": {"rfm": "SQL with ntile(5) (not comparable: timed "
                            "only)"},
    "pandas": {"ingest": "read_csv(dtype=str).to_json(lines=True)",
               "rfm": "groupby + type-7 quantile rule (checked)",
               "rfm-gz": "groupby + type-7 quantile rule (checked)",
               "segment": "boolean masks (checked)",
               "points": "numpy cumulative sums + searchsorted (checked)",
               "campaign": "boolean masks, isin, groupby (checked)",
               "abtest-analyze": "groupby + merge, the tests by scipy.stats "
                                 "(and statsmodels) (checked)",
               "report": "groupby over (member, month), a loop over "
                         "the months for the active counts, cumcount "
                         "ranks for the Pareto share; all orders only "
                         "(checked)",
               "clv": "groupby to histories; lifetimes' likelihoods "
                      "(scipy.special) over every member, BFGS with "
                      "their gradients; lifetimes' predictions "
                      "vectorised (checked)"},
    "pandas-grouped": {"clv": "as pandas, the likelihoods summed over "
                              "identical histories with their counts as "
                              "weights (checked)"},
    "pandas-qcut": {"rfm": "groupby + qcut (not comparable: timed only)"},
    "miller": {"ingest": "mlr --icsv --ojsonl cat",
               "segment": "mlr put -f segment.mlr (checked)"},
}


def how(variant, wl):
    base = variant[:-3] if variant.endswith("-1t") else variant
    return HOW.get(base, {}).get(wl, "")


def read_kv(path):
    out = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("\t")
                out[k] = v
    return out


def fmt_s(x):
    if x >= 100:
        return "%.0f" % x
    if x >= 10:
        return "%.1f" % x
    if x >= 1:
        return "%.2f" % x
    return "%.3f" % x


def fmt_mb(kb):
    return "%.0f MB" % (kb / 1024.0) if kb >= 10240 else \
        "%.1f MB" % (kb / 1024.0)


def fmt_n(x):
    for unit, d in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if x >= d:
            return "%.3g%s" % (x / d, unit)
    return "%.3g" % x


def main():
    data, out, png = sys.argv[1], sys.argv[2], sys.argv[3]
    sizes = sys.argv[4:]
    mach = read_kv(os.path.join(data, "machine.tsv"))
    facts, rows, checks = {}, {}, {}
    for s in sizes:
        facts[s] = read_kv(os.path.join(data, s, "facts.tsv"))
        rows[s] = []
        p = os.path.join(data, s, "times.tsv")
        if os.path.exists(p):
            with open(p, encoding="utf-8") as f:
                rows[s] = [l.rstrip("\n").split("\t") for l in f if l.strip()]
        checks[s] = []
        p = os.path.join(data, s, "checks.tsv")
        if os.path.exists(p):
            with open(p, encoding="utf-8") as f:
                checks[s] = [l.rstrip("\n").split("\t", 1)[1] for l in f]

    # med[size][wl][variant] = (median wall, min, max, max rss, n, note)
    med = {}
    for s in sizes:
        g = {}
        for r in rows[s]:
            size, wl, var, run, wall, rss, rc = r[:7]
            d = g.setdefault(wl, {}).setdefault(var, {"w": [], "r": [],
                                                      "note": None,
                                                      "fail": 0})
            if wall == "-":
                d["note"] = rc
                continue
            d["w"].append(float(wall))
            d["r"].append(int(rss))
            if rc != "0":
                d["fail"] += 1
        med[s] = g

    L = []
    w = L.append
    w("# mbr benchmarks")
    w("")
    w("Generated by `make %s` (bench/run.sh); do not edit by hand. "
      "%s." % ("bench-small" if mach.get("smoke") == "1" else "bench",
               mach.get("date", "")))
    w("")
    w("## Machine and versions")
    w("")
    w("| | |")
    w("| --- | --- |")
    for k, label in (("cpu", "CPU"), ("cores", "cores"),
                     ("memory", "memory"), ("os", "system"),
                     ("kernel", "kernel"),
                     ("cc", "compiler"), ("mbr", "mbr (git describe)"),
                     ("mbr_threads", "mbr threads"),
                     ("gen", "generator"), ("duckdb", "DuckDB"),
                     ("growthbook", "GrowthBook SDK"),
                     ("node", "Node.js (DuckDB's and the GrowthBook "
                              "SDK's host)"),
                     ("pandas", "pandas"), ("scipy", "scipy (clv's "
                                                     "and abtest's peers)"),
                     ("miller", "Miller")):
        w("| %s | %s |" % (label, mach.get(k, "-")))
    if "fresh_cold" in mach:
        w("| fresh memory | %s MB/s the first time a process touches it "
          "after 15 s without load, %s MB/s right after (tests/bench/"
          "touch.c, 256 MB) |" % (mach["fresh_cold"],
                                  mach.get("fresh_warm", "?")))
    w("")
    w("## Method")
    w("")
    w("Each size is generated once by `tests/bench/gen` (seed 1; small "
      "100k orders and 20k members, medium 1M and 200k, large 10M and 2M) "
      "and reused. Every figure is whole-process wall time and peak RSS "
      "(GNU time), the median of the rounds after the warm-up rounds (their "
      "numbers are given for each size); in a round each variant of a "
      "workload runs once, so that drift of the machine falls on all of "
      "them alike, %s Outputs go to /dev/null. " % (
          "in an order shuffled afresh each round (seeded by the round, so "
          "that a rerun repeats it): a variant that followed a long peer "
          "every time would start each time on a machine that peer had "
          "slowed." if mach.get("order") == "shuffled" else
          "each round starting one variant further on than the last (the "
          "cyclic order stays: each variant follows the same one every "
          "round).") + "Peers are run with their "
      "default threads and pinned to one thread (`-1t`). **mbr/peer** is "
      "the ratio of the medians: below 1, mbr is faster. RFM and "
      "segment outputs of DuckDB and pandas (and Miller for segment) were "
      "compared with mbr's member by member before timing, as were the "
      "balances, tiers and expiring points of points, campaign's send "
      "list row by row (member, channel, address, send_at, message, SMS "
      "parts, order), abtest-assign's variant for every member record, in "
      "order, against the GrowthBook SDK (through its client and through "
      "its util.js bucketing functions), and abtest-analyze's record of "
      "each variant field by field against DuckDB and pandas (members, "
      "converters, orders and revenue exactly, the statistics within 1e-6 "
      "relative); a peer that "
      "disagrees is not timed. abtest's inputs come from "
      "`tests/bench/abtest_gen` (seed 1) out of the size's members and "
      "orders: abtest-members.csv (member_id, segment, tier), the members "
      "and made-up ones up to as many records as the size has orders, "
      "and assignments.csv, every member in control/a/b from "
      "2024-11-01T10:00+08:00, some exactly on the window's edges. "
      "oneid's orders come from `tests/bench/oneid_gen` (seed 1): as many "
      "as the size has, their identifiers (phone, e-mail, openid, Tmall "
      "nick, card; 1 to 4 a person, one person in 20 sharing one with "
      "another) linked only through chains of orders that carry two or "
      "three neighbours; mbr-oneid runs with --max-members-per-identifier "
      "1000000, so that no identifier is set aside and its people are the "
      "plain connected components, and its output was checked to be the "
      "same partition of the orders as DuckDB's components (one label for "
      "each of mbr's ids and one id for each label). "
      "clv fits BG/NBD and Gamma-Gamma to the size's orders in days as "
      "of 2025-01-01 (mbr-clv fit), then predicts every member over 90 "
      "days at 1% a month (mbr-clv predict with that model): its row "
      "`mbr` is the two in turn, end to end, `mbr-fit` and `mbr-predict` "
      "each alone. The peer (bench/peers/clv.py) builds the same "
      "histories with pandas, fits lifetimes' likelihoods written with "
      "scipy.special by scipy.optimize.minimize (BFGS on the "
      "log-parameters, the gradients written out with digamma, as "
      "lifetimes has them from autograd) over every member, or with "
      "`pandas-grouped` over identical histories weighted by their "
      "counts (lifetimes' weights), and predicts as lifetimes does "
      "(hyp2f1), in one process; before timing, the seven parameters "
      "were checked to agree within a relative 1e-6, the "
      "log-likelihoods within 1e-9, and every member's x, t_x, T, mean "
      "spend, p_alive and expected purchases (within 1.5e-6), AOV and "
      "CLV (within 1.5 cents) with mbr's. "
      "report runs mbr-report --periods 12 --cohorts 12 as of "
      "2025-01-01T00:00:00+08:00 in Asia/Shanghai (`mbr`), and `--by "
      "channel` (`mbr-by`), against the same records in DuckDB SQL "
      "(bench/peers/report.sql: the man page's definitions, money in "
      "integer cents, rates and changes as fractions of integers rounded "
      "to 6 places half away from zero; `duckdb-by` puts each order in "
      "all orders and in its channel) and, all orders only, pandas "
      "(bench/peers/report_pandas.py); before timing every record (KPIs, "
      "the Pareto curve, cohorts) was checked equal to mbr's, value, "
      "previous and change as numbers (bench/compare_report.py), and "
      "once more as of 2024-12-15T12:00:00+08:00, whose latest month has "
      "orders (2025-01 has none yet as of its first instant). The "
      "`-by` rows' mbr/peer is against `mbr-by`. The "
      "RFM peers score by mbr-rfm's rule "
      "(type-7 quantiles plus one unit, bins [lower, upper)), computed "
      "exactly in integers; the `duckdb-ntile` and `pandas-qcut` variants "
      "are what an analyst writes first and are timed only, as they "
      "score ties differently. Recency is in calendar days in "
      "Asia/Shanghai as of 2025-01-01T00:00:00+08:00. The machine is "
      "shared (2 cores, other work running): the load averages "
      "(1, 5, 15 minutes) at the start and end of each size are given.")
    if "fresh_cold" in mach:
        w("")
        w("Pages a process touches for the first time are cleared by the "
          "kernel and, in a virtual machine, may have to come from the host "
          "again when it took them back after they were freed (free page "
          "reporting). \"fresh memory\" above is that rate after a 15-second "
          "pause and right after: when the first is much lower, every "
          "variant's peak RSS costs it wall time, about %.2f s a 100 MB at "
          "the first rate." % (100.0 / max(float(mach["fresh_cold"]), 1.0)))
    w("")

    for s in sizes:
        f = facts[s]
        w("## Size: %s" % s)
        w("")
        ob = int(f.get("orders_bytes", 0) or 0)
        w("%s orders (%.1f MB CSV, %.1f MB gzipped), %s member profiles, "
          "%s members with a paid order%s." % (
              fmt_n(int(f.get("orders", 0) or 0)), ob / 1e6,
              int(f.get("gz_bytes", 0) or 0) / 1e6,
              fmt_n(int(f.get("profiles", 0) or 0)),
              fmt_n(int(f.get("members_scored", 0) or 0)),
              ", %s member records for segment" %
              fmt_n(int(f["member_records"])) if "member_records" in f
              else ""))
        w("")
        w("Measured %s: %s round(s) after %s warm-up round(s); load "
          "average %s at the start, %s at the end%s." % (
              f.get("date", "?"), f.get("runs", "?"), f.get("warmup", "?"),
              f.get("load_start", "?"), f.get("load_end", "?"),
              "; the floor measured again %s" % f["floor_date"]
              if "floor_date" in f else "") +
          (" %s measured again %s (bench/run.sh --only): %s; load average "
           "%s at the start, %s at the end." % (
               f.get("only_what", "?"), f["only_date"],
               f.get("only_rounds", "?"), f.get("only_load_start", "?"),
               f.get("only_load_end", "?")) if "only_date" in f else ""))
        w("")
        fl = med[s].get("floor", {})
        names = {"cat": "cat FILE >/dev/null", "wc-l": "wc -l FILE",
                 "cat-wc": "cat FILE | wc -l",
                 "gzip-dc": "gzip -dc FILE.gz >/dev/null",
                 "mbr-reader": "mbr's record reader alone "
                               "(tests/bench/readspeed FILE)",
                 "duckdb-start": "DuckDB's start: Node.js, load, "
                                 "SELECT version()",
                 "pandas-import": "python3 -c 'import pandas'"}
        start = ("duckdb-start", "pandas-import")
        read = [(v, d) for v, d in fl.items() if d["w"] and v not in start]
        if read:
            w("Floor, reading the order file: " + "; ".join(
                "`%s` %s s (%.0f MB/s)" % (
                    names.get(v, v), fmt_s(statistics.median(d["w"])),
                    ob / 1e6 / max(statistics.median(d["w"]), 1e-6))
                for v, d in read) + ".")
            w("")
        st = [(v, d) for v, d in fl.items() if d["w"] and v in start]
        if st:
            w("Start-up, part of every peer's time: " + "; ".join(
                "%s %s s" % (names[v], fmt_s(statistics.median(d["w"])))
                for v, d in st) + ".")
            w("")
        for wl, title in WORKLOADS:
            g = med[s].get(wl)
            if not g:
                continue
            w("### %s — %s" % (wl, title))
            w("")
            mb = g.get("mbr")
            mw = statistics.median(mb["w"]) if mb and mb["w"] else None
            if wl == "segment":
                nrow = int(f.get("member_records", 0) or 0)
                nbytes = int(f.get("member_bytes", 0) or 0)
                per, perlabel = nrow, "bytes/member"
            elif wl == "campaign":
                # the member records, the history and the suppression list
                nrow = int(f.get("campaign_members", 0) or 0) + \
                    int(f.get("campaign_history", 0) or 0)
                nbytes = int(f.get("campaign_bytes", 0) or 0)
                per = int(f.get("campaign_members", 0) or 0)
                perlabel = "bytes/member"
            elif wl == "points":
                # every member of an order of any status has a balance
                nrow = int(f.get("orders", 0) or 0)
                nbytes = ob
                per = int(f.get("points_members", 0) or 0)
                perlabel = "bytes/member"
            elif wl == "abtest-assign":
                # the member records of abtest-members.csv, one a member
                nrow = int(f.get("abtest_assign_members", 0) or 0)
                nbytes = int(f.get("abtest_assign_bytes", 0) or 0)
                per, perlabel = nrow, "bytes/member"
            elif wl == "oneid":
                # the orders read (twice, by mbr); memory per identifier
                nrow = int(f.get("oneid_orders", 0) or 0)
                nbytes = int(f.get("oneid_bytes", 0) or 0)
                per = int(f.get("oneid_identifiers", 0) or 0)
                perlabel = "bytes/identifier"
            elif wl == "clv":
                # the orders (read twice by mbr); memory per member
                nrow = int(f.get("orders", 0) or 0)
                nbytes = ob
                per = int((f.get("clv_model", "") or "0").split(";")[0])
                perlabel = "bytes/member"
            elif wl == "report":
                # the orders; memory per member (any order, as
                # mbr-report counts them)
                nrow = int(f.get("orders", 0) or 0)
                nbytes = ob
                per = int(f.get("report_members", 0) or 0)
                perlabel = "bytes/member"
            elif wl == "abtest-analyze":
                # the orders and the assignment records, both read
                nrow = int(f.get("orders", 0) or 0) + \
                    int(f.get("abtest_assignments", 0) or 0)
                nbytes = int(f.get("abtest_analyze_bytes", 0) or 0)
                per = int(f.get("abtest_assignments", 0) or 0)
                perlabel = "bytes/assignment"
            else:
                nrow = int(f.get("orders", 0) or 0)
                nbytes = ob
                if wl == "ingest":
                    per, perlabel = nrow, "bytes/order"
                else:
                    per = int(f.get("members_scored", 0) or 0)
                    perlabel = "bytes/member"
            if mw:
                # The floor timed in this workload's own rounds, when
                # it was (run.sh), else the floor rounds'.
                cw = g.get("cat-wc") or fl.get("cat-wc")
                vs = ""
                if wl == "ingest" and cw and cw["w"]:
                    vs = " That is %.1f× `cat FILE | wc -l` (%s s%s)." % (
                        mw / statistics.median(cw["w"]),
                        fmt_s(statistics.median(cw["w"])),
                        ", in the same rounds" if "cat-wc" in g else "")
                if wl == "abtest-assign":
                    # the floor of reading this very file, run.sh times
                    # it in these rounds
                    fv = [(v, lab) for v, lab in (
                        ("cat", "`cat FILE >/dev/null`"),
                        ("mbr-reader", "mbr's record reader alone"))
                        if g.get(v) and g[v]["w"]]
                    if fv:
                        vs = " That is " + " and ".join(
                            "%.1f× %s (%s s)" % (
                                mw / statistics.median(g[v]["w"]), lab,
                                fmt_s(statistics.median(g[v]["w"])))
                            for v, lab in fv) + ", in the same rounds."
                w("mbr: %.0f MB/s of CSV, %s rows/s.%s" % (
                    nbytes / 1e6 / mw, fmt_n(nrow / mw), vs))
                w("")
            if wl == "campaign" and "campaign_members" in f:
                w("Input: %s member records, %s history rows, %s "
                  "suppressed values (%.1f MB in all); %s send-list rows."
                  "%s" % (
                      fmt_n(int(f["campaign_members"])),
                      fmt_n(int(f.get("campaign_history", 0) or 0)),
                      fmt_n(int(f.get("campaign_suppress", 0) or 0)),
                      int(f.get("campaign_bytes", 0) or 0) / 1e6,
                      fmt_n(int(f.get("campaign_sent", 0) or 0)),
                      " mbr-campaign's summary: %s." %
                      f["campaign_summary"].rstrip(".")
                      if f.get("campaign_summary") else ""))
                w("")
            if wl == "abtest-assign" and "abtest_assign_members" in f:
                # the check's verdict, when this run's checks have it (a
                # fact of an earlier run stays in facts.tsv after --only)
                ck = f.get("abtest_assign_check", "")
                w("Input: %s member records (%.1f MB).%s" % (
                    fmt_n(nrow), nbytes / 1e6,
                    " Against the GrowthBook SDK: %s." %
                    ck.split(": ", 2)[-1].rstrip(".")
                    if ck and ck in checks[s] else ""))
                w("")
            if wl == "abtest-analyze" and "abtest_assignments" in f:
                w("Input: %s assignment records and %s orders (%.1f MB in "
                  "all).%s" % (
                      fmt_n(int(f["abtest_assignments"])),
                      fmt_n(int(f.get("orders", 0) or 0)), nbytes / 1e6,
                      " mbr-abtest analyze's answer: %s." %
                      f["abtest_analyze_result"].rstrip(".")
                      if f.get("abtest_analyze_result") and mw else ""))
                w("")
            if wl == "oneid" and "oneid_identifiers" in f:
                w("Input: %s orders (%.1f MB), %s distinct identifiers of "
                  "%s generated people, in %s connected components (the "
                  "largest %s identifiers).%s%s" % (
                      fmt_n(nrow), nbytes / 1e6, fmt_n(per),
                      fmt_n(int(f.get("oneid_people", 0) or 0)),
                      fmt_n(int(f.get("oneid_components", 0) or 0)),
                      f.get("oneid_largest", "?"),
                      " DuckDB's labels settled after %s passes (the "
                      "last changing none)." % f["oneid_passes"]
                      if f.get("oneid_passes") else "",
                      " mbr-oneid's summary: %s." %
                      f["oneid_summary"].rstrip(".")
                      if f.get("oneid_summary") and mw else ""))
                w("")
            if wl == "clv" and f.get("clv_model"):
                cm = f["clv_model"].split(";")
                w("Input: %s orders (%.1f MB); %s members with a purchase, "
                  "%s of them with repeat purchases, in %s groups of "
                  "identical (x, t_x, T); %s members in the Gamma-Gamma "
                  "fit. mbr's model: %s (BG/NBD %s iterations/evaluations, "
                  "Gamma-Gamma %s).%s" % (
                      fmt_n(nrow), nbytes / 1e6, fmt_n(int(cm[0])),
                      fmt_n(int(cm[1])), fmt_n(int(cm[2])),
                      fmt_n(int(cm[3])), cm[4], cm[5], cm[6],
                      " mbr-clv fit's summary: %s." %
                      f["clv_summary"].rstrip(".")
                      if f.get("clv_summary") and mw else ""))
                w("")
                fw = g.get("mbr-fit")
                pw = g.get("mbr-predict")
                pdw = g.get("pandas")
                if mw and fw and fw["w"] and pw and pw["w"]:
                    a = statistics.median(fw["w"])
                    b = statistics.median(pw["w"])
                    w("End to end, mbr takes %s s (fit %s s + predict %s s "
                      "timed alone: %s s)%s." % (
                          fmt_s(mw), fmt_s(a), fmt_s(b), fmt_s(a + b),
                          "; pandas and scipy %s s, %.1f× mbr's time "
                          "(the goal: at least 10×)" % (
                              fmt_s(statistics.median(pdw["w"])),
                              statistics.median(pdw["w"]) / mw)
                          if pdw and pdw["w"] else ""))
                    w("")
                for key, lab in (("clv_pandas_phases", "pandas"),
                                 ("clv_pandas_grouped_phases",
                                  "pandas-grouped")):
                    if f.get(key):
                        w("Where %s's time went (its own clock, in the "
                          "check's run): %s." % (lab, f[key]))
                        w("")
            if wl == "report" and f.get("report_records"):
                w("Input: %s orders (%.1f MB), %s members. mbr-report "
                  "writes %s records, %s with --by channel.%s" % (
                      fmt_n(nrow), nbytes / 1e6, fmt_n(per),
                      f["report_records"], f.get("report_records_by", "?"),
                      " Its summary: %s." % f["report_summary"].rstrip(".")
                      if f.get("report_summary") and mw else ""))
                w("")
                cpu = dict(x.split(" ", 1) for x in
                           f.get("report_cpu", "").split(";") if " " in x)
                if cpu:
                    w("CPU seconds (user + system, the median of the "
                      "rounds; the machine is shared, so these say more "
                      "than the wall times of a loaded round): %s.%s" % (
                          ", ".join("%s %s" % (v, cpu[v]) for v in sorted(
                              cpu, key=lambda v: (not v.startswith("mbr"),
                                                  v))),
                          "".join(" By CPU, %s takes %.1f× %s's." % (
                              p, float(cpu[p]) / float(cpu[m]), m)
                              for m, p in (("mbr", "duckdb"),
                                           ("mbr-by", "duckdb-by"))
                              if m in cpu and p in cpu and
                              float(cpu[m]) > 0)))
                    w("")
                for m, p in (("mbr", "duckdb"), ("mbr-by", "duckdb-by")):
                    if g.get(m) and g[m]["w"] and g.get(p) and g[p]["w"]:
                        w("%s: %s s against %s %s s: %.1f× faster (the "
                          "goal: at least 3×)." % (
                              m, fmt_s(statistics.median(g[m]["w"])), p,
                              fmt_s(statistics.median(g[p]["w"])),
                              statistics.median(g[p]["w"]) /
                              statistics.median(g[m]["w"])))
                        w("")
            w("| variant | how | threads | wall s (median) | min–max | "
              "peak RSS | %s | mbr/peer |" % perlabel)
            w("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |")
            order = sorted(g, key=lambda v: (v != "mbr", not g[v]["w"]))
            for var in order:
                d = g[var]
                if d["note"] is not None and not d["w"]:
                    w("| %s | %s | | | | | | %s |" % (var, how(var, wl),
                                                    d["note"]))
                    continue
                m = statistics.median(d["w"])
                rss = max(d["r"])
                ref = mw
                if wl == "report" and var.endswith("-by"):
                    # the --by variants against mbr's --by run
                    mby = g.get("mbr-by")
                    ref = statistics.median(mby["w"]) \
                        if mby and mby["w"] else None
                ratio = "—" if var in ("mbr", "mbr-by") and \
                    (var == "mbr" or wl == "report") else (
                    "%.2f" % (ref / m) if ref else "-")
                fail = " (exit status ≠ 0 in %d runs)" % d["fail"] \
                    if d["fail"] else ""
                thr = THREADS.get(var, "")
                if wl == "oneid" and var == "mbr" and \
                        f.get("oneid_mbr_threads"):
                    thr = f["oneid_mbr_threads"]
                if wl == "clv" and var in ("mbr", "mbr-fit",
                                           "mbr-predict") and \
                        f.get("clv_mbr_threads"):
                    thr = f["clv_mbr_threads"]
                w("| %s | %s | %s | %s%s | %s–%s | %s | %s | %s |" % (
                    var, how(var, wl) + (" --threads 1" if var == "mbr-1t"
                                         else ""), thr, fmt_s(m), fail,
                    fmt_s(min(d["w"])), fmt_s(max(d["w"])), fmt_mb(rss),
                    "%.0f" % (rss * 1024.0 / per) if per else "-", ratio))
            w("")
        if checks[s]:
            w("Agreement checks:")
            w("")
            for c in checks[s]:
                w("- %s" % c)
            w("")

    # Where mbr is slower.
    slow = []
    for s in sizes:
        for wl, _ in WORKLOADS:
            g = med[s].get(wl, {})
            mb = g.get("mbr")
            if not mb or not mb["w"]:
                continue
            mw = statistics.median(mb["w"])
            for var, d in g.items():
                ref = mw
                if wl == "report" and var.endswith("-by"):
                    mby = g.get("mbr-by")
                    ref = statistics.median(mby["w"]) \
                        if mby and mby["w"] else 0
                if not var.startswith("mbr") and var not in FLOORS and \
                        d["w"] and statistics.median(d["w"]) < ref:
                    slow.append("%s %s: %s takes %.2f× mbr's time" % (
                        s, wl, var, statistics.median(d["w"]) / ref))
    w("## Where mbr is slower")
    w("")
    if slow:
        for x in slow:
            w("- %s" % x)
    else:
        w("Nowhere in this run.")
    w("")

    if png:
        w("## Scaling")
        w("")
        w("![wall time against orders](%s)" % os.path.basename(png))
        w("")
        write_chart(data, png, sizes, facts, med)

    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(L))


def write_chart(data, png, sizes, facts, med):
    variants = CHART_VARIANTS
    panels = []
    for wl, title in WORKLOADS:
        path = os.path.join(data, "chart-%s.dat" % wl)
        with open(path, "w", encoding="utf-8") as f:
            f.write("# orders " + " ".join(variants) + "\n")
            n = 0
            seen = set()
            for s in sizes:
                g = med[s].get(wl, {})
                vals = []
                for v in variants:
                    d = g.get(v)
                    vals.append("%.4f" % statistics.median(d["w"])
                                if d and d["w"] else "NaN")
                    if d and d["w"]:
                        seen.add(v)
                if all(x == "NaN" for x in vals):
                    continue
                f.write("%s %s\n" % (facts[s].get("orders", 0),
                                     " ".join(vals)))
                n += 1
        if n:
            panels.append((wl, path, seen))
    gp = os.path.join(data, "chart.gp")
    with open(gp, "w", encoding="utf-8") as f:
        rows = max(2, (len(panels) + 1) // 2)
        f.write("set terminal png size 1200,%d\n" % (450 * rows))
        f.write('set output "%s"\n' % png)
        f.write("set multiplot layout %d,2 title "
                "\"wall time (s) against orders, log-log\"\n" % rows)
        f.write("set logscale xy\nset grid\nset key top left\n"
                "set ylabel \"seconds\"\n"
                "set datafile missing \"NaN\"\n")
        for wl, path, seen in panels:
            f.write('set title "%s"\n' % wl)
            f.write('set xlabel "orders%s"\n' % XNOTE.get(wl, ""))
            f.write("plot " + ", ".join(
                '"%s" using 1:%d with linespoints lw 2 pt %d lc rgb "%s" '
                'title "%s"' % (path, i + 2, i + 4,
                                COLOURS[i % len(COLOURS)], v)
                for i, v in enumerate(variants) if v in seen) + "\n")
        f.write("unset multiplot\n")


if __name__ == "__main__":
    main()
