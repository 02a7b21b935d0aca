#!/usr/bin/python3
"""compare_clv.py MBR.csv PEER.csv NAME: do mbr-clv and a peer fit the
same model and predict the same for every member?

MBR.csv is mbr-clv predict's output over the orders the model was
fitted on; MBR.model.json beside it (the same name, .csv replaced by
.model.json) is mbr-clv fit's model.  PEER.csv and PEER.model.json are
bench/peers/clv.py's (member_id, x, t_x, T, mean_spend, p_alive,
expected_purchases, expected_aov, clv; r, alpha, a, b, p, q, gamma,
log_likelihood and data).

What must agree:
- the seven parameters, each within a relative 1e-6.  Both sides stop
  with the gradient of the mean log-likelihood below 1e-8 (mbr-clv)
  and 1e-9 (scipy's BFGS), where the parameters are settled to about
  1e-8; 1e-6 leaves that a hundred-fold margin and is a thousandth of
  a standard error even at 2M members, so that a likelihood that
  differs in any term (a day more or less in T, a purchase counted
  twice) cannot pass, as it could at 1e-4;
- the log-likelihoods within a relative 1e-9 (mbr writes 10
  significant digits);
- the counts both report: orders, used, status_ignored, after_as_of,
  returns, members, repeaters, gamma_gamma_members,
  spend_not_positive;
- the same members in the same order (that of their first paid order),
  with x equal, t_x and T equal, mean_spend within one minor unit (0.01:
  mbr rounds the exact quotient half away from zero, the peer a
  float), p_alive and expected_purchases within 1.5e-6 + 1e-6 of the
  value (each side rounds to 6 decimals; the rest is the parameters'
  last digits and scipy's hyp2f1 against mbr's series), expected_aov
  and clv within 0.015 + 1e-6 of the value (each rounded to the cent).

Prints "NAME: N members agree: ..." with the largest differences seen,
or the disagreements (the first few of each kind), and exits 1.
Standard library only; the two outputs are read in step, row by row.
"""
import csv
import json
import math
import sys

PARAMS = ("r", "alpha", "a", "b", "p", "q", "gamma")
PARAM_REL = 1e-6
LL_REL = 1e-9
COUNTS = ("orders", "used", "status_ignored", "after_as_of", "returns",
          "members", "repeaters", "gamma_gamma_members",
          "spend_not_positive")
# field: (absolute, relative) tolerance
TOL = {"t_x": (1e-9, 0), "T": (1e-9, 0), "mean_spend": (0.0100001, 0),
       "p_alive": (1.5e-6, 1e-6), "expected_purchases": (1.5e-6, 1e-6),
       "expected_aov": (0.015, 1e-6), "clv": (0.015, 1e-6)}


def model_of(pred):
    base = pred[:-4] if pred.endswith(".csv") else pred
    with open(base + ".model.json", encoding="utf-8") as f:
        return json.load(f)


def num(s):
    return None if s in ("", None) else float(s)


def main():
    mine, theirs, name = sys.argv[1], sys.argv[2], sys.argv[3]
    problems = {}       # kind -> [count, the first three]

    def bad(kind, what):
        p = problems.setdefault(kind, [0, []])
        p[0] += 1
        if len(p[1]) < 3:
            p[1].append(what)

    ma, mb = model_of(mine), model_of(theirs)
    worst_par = (0.0, "")
    for k in PARAMS:
        a, b = ma.get(k), mb.get(k)
        if a is None or b is None:
            if (a is None) != (b is None):
                bad("parameter", "%s %r vs %r" % (k, a, b))
            continue
        rel = abs(a - b) / max(abs(a), abs(b), 1e-300)
        worst_par = max(worst_par, (rel, k))
        if not rel <= PARAM_REL:
            bad("parameter", "%s %.10g vs %.10g (relative %.2g)" %
                (k, a, b, rel))
    for k in ("bgnbd", "gamma_gamma"):
        a = ma.get("log_likelihood", {}).get(k)
        b = mb.get("log_likelihood", {}).get(k)
        if a is None or b is None or \
                abs(a - b) > LL_REL * max(abs(a), abs(b)):
            bad("log-likelihood", "%s %r vs %r" % (k, a, b))
    da, db = ma.get("data", {}), mb.get("data", {})
    for k in COUNTS:
        if k in da and k in db and da[k] != db[k]:
            bad("count", "%s %r vs %r" % (k, da[k], db[k]))

    worst = {k: 0.0 for k in TOL}
    n = 0
    with open(mine, newline="", encoding="utf-8") as fa, \
            open(theirs, newline="", encoding="utf-8") as fb:
        ra, rb = csv.reader(fa), csv.reader(fb)
        ha, hb = next(ra, []), next(rb, [])
        fields = ["member_id", "x"] + list(TOL)
        missing = [f for f in fields if f not in ha or f not in hb]
        if missing:
            print("%s: no %s in %s" % (name, ", ".join(missing),
                                       "mbr's output" if any(
                                           f not in ha for f in missing)
                                       else "the peer's output"))
            return 1
        ia = [ha.index(f) for f in fields]
        ib = [hb.index(f) for f in fields]
        for row_a in ra:
            row_b = next(rb, None)
            n += 1
            if row_b is None:
                bad("member in mbr's output only", row_a[ia[0]])
                continue
            va = [row_a[i] for i in ia]
            vb = [row_b[i] for i in ib]
            who = va[0]
            if va[0] != vb[0]:
                bad("members in another order (or not the same)",
                    "record %d: %s vs %s" % (n, va[0], vb[0]))
                continue
            if int(va[1]) != int(float(vb[1])):
                bad("x", "%s: %s vs %s" % (who, va[1], vb[1]))
            for j, k in enumerate(TOL, 2):
                a, b = num(va[j]), num(vb[j])
                if a is None or b is None:
                    if (a is None) != (b is None):
                        bad(k, "%s: %r vs %r" % (who, va[j], vb[j]))
                    continue
                d = abs(a - b)
                ab, rel = TOL[k]
                if not d <= ab + rel * max(abs(a), abs(b)) or \
                        math.isnan(d):
                    bad(k, "%s: %s vs %s" % (who, va[j], vb[j]))
                worst[k] = max(worst[k], d)
        for row_b in rb:
            bad("member in the peer's output only", row_b[ib[0]])
    if problems:
        for kind, (c, eg) in problems.items():
            print("%s: %s: %d, e.g. %s" % (name, kind, c, "; ".join(eg)))
        return 1
    print("%s: %d members agree: parameters within %.1g relative (the "
          "largest difference %.1g, %s), log-likelihoods within %.0g, "
          "the counts equal; largest differences: p_alive %.1g, "
          "expected_purchases %.1g, expected_aov %.3g, clv %.3g, "
          "mean_spend %.3g" % (
              name, n, PARAM_REL, worst_par[0], worst_par[1], LL_REL,
              worst["p_alive"], worst["expected_purchases"],
              worst["expected_aov"], worst["clv"], worst["mean_spend"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
