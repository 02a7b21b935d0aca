#!/usr/bin/python3
"""Workload clv in pandas and scipy: BG/NBD and Gamma-Gamma, fitted and
predicted as an analyst does it with lifetimes' formulas.

  clv.py [--grouped] ORDERS AS_OF TZ OUT.csv MODEL.json [HORIZON DISCOUNT]

ORDERS is canonical order CSV.  The histories are built by the rules of
man/mbr-clv.1 (lifetimes' summary_data_from_transaction_data, in days):
paid orders up to AS_OF; an order's day its local date in TZ; several
purchases on a day one purchase; a paid order of a negative amount a
return, no purchase, its amount counted in its day's spend; x the
purchase days less one, t_x the days from the first to the last, T from
the first to AS_OF's date; the spend of a member the amounts of the
days after the first purchase day, its mean over the x repeat
purchases (Gamma-Gamma's monetary value).

Fit: the negative mean log-likelihoods of lifetimes' BetaGeoFitter and
GammaGammaFitter, written with scipy.special.gammaln and numpy over
every member (lifetimes' _negative_log_likelihood), their gradients
written out with scipy.special.digamma (lifetimes gets them from
autograd, which Debian does not package), minimised over the
log-parameters by scipy.optimize.minimize's BFGS from lifetimes'
starting point (every log-parameter 0.1), times scaled by 10 / max T
as lifetimes' _scale_time does.  Gamma-Gamma is fitted on the members
with x > 0 and a mean spend above zero, in major units (yuan), from
p = 1, q = 2 and gamma = the mean spend (lifetimes' 0.1 start is a
hundred-fold off the spend in yuan).  --grouped sums the likelihood
over identical (x, t_x, T), and (x, mean spend), with their counts as
weights (lifetimes' `weights` argument, which its documentation
suggests for large data): the same model, fewer terms.

Predict, vectorised over the members as lifetimes writes it:
conditional_probability_alive (p_alive),
conditional_expected_number_of_purchases_up_to_time over HORIZON days
(90) with scipy.special.hyp2f1 and lifetimes' fallback for an infinite
hypergeometric term, conditional_expected_average_profit (a negative
mean spend taken as 0, as mbr-clv does), and customer_lifetime_value
over 30-day months (the last one shorter), discounted monthly by
DISCOUNT (0.01).

OUT.csv: member_id, x, t_x, T, mean_spend, p_alive,
expected_purchases, expected_aov, clv (the members in the order of
their first paid order).  MODEL.json: the seven parameters, the
log-likelihoods (in days, summed over the members), the optimiser's
report and the counts.  The time each phase took goes to stderr, one
line: "clv.py: read ... s, ...".  Run with Debian's /usr/bin/python3.
"""
import json
import sys
import time

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import digamma, expit, gammaln, hyp2f1

PLACES = {"JPY": 0, "KRW": 0, "VND": 0, "BHD": 3, "KWD": 3, "OMR": 3}


def read_orders(path, asof, tz):
    """Paid orders up to AS_OF: member code, local day, minor units."""
    df = pd.read_csv(path, usecols=["member_id", "ts", "amount",
                                    "currency", "status"],
                     dtype={"member_id": str, "ts": str, "amount": float,
                            "currency": str, "status": str})
    counts = {"orders": len(df)}
    paid = df[df["status"] == "paid"]
    counts["status_ignored"] = len(df) - len(paid)
    del df
    cur = paid["currency"].dropna().unique()
    if len(cur) > 1:
        sys.exit("clv.py: more than one currency: %s" % ", ".join(cur))
    cur = cur[0] if len(cur) else "CNY"
    # pandas 1.5's to_datetime is three times slower on ISO 8601 with
    # an offset than on the local time and the offset apart.
    ts = paid["ts"]
    local = pd.to_datetime(ts.str[:19], format="%Y-%m-%dT%H:%M:%S")
    off = ts.str[19:]

    def offset(o):
        if o in ("", "Z"):
            return pd.Timedelta(0)
        sign = -1 if o[0] == "-" else 1
        return sign * pd.Timedelta(hours=int(o[1:3]), minutes=int(o[4:6]))
    utc = local - off.map({o: offset(o) for o in off.unique()})
    asof_ts = pd.Timestamp(asof).tz_convert("UTC").tz_localize(None)
    keep = (utc <= asof_ts).to_numpy()
    counts["after_as_of"] = int((~keep).sum())
    day = utc[keep].dt.tz_localize("UTC").dt.tz_convert(tz) \
        .dt.tz_localize(None).to_numpy().astype("datetime64[D]") \
        .astype(np.int64)
    cents = np.rint(paid["amount"].to_numpy()[keep] *
                    10 ** PLACES.get(cur, 2)).astype(np.int64)
    # members as integer codes, numbered in the order of their first
    # paid order: grouping by them is several times faster than by text
    code, ids = pd.factorize(paid["member_id"].to_numpy()[keep])
    end = np.datetime64(pd.Timestamp(asof).tz_convert(tz).tz_localize(None),
                        "D").astype(np.int64)
    counts["used"] = len(cents)
    counts["returns"] = int((cents < 0).sum())
    return pd.DataFrame({"member": code, "day": day, "cents": cents}), ids, \
        counts, cur, int(end)


def summarise(o, end):
    """Per member: x, t_x, T (days), repeat spend (minor units)."""
    o["buy"] = o["cents"] >= 0
    days = o.groupby(["member", "day"]) \
        .agg(spend=("cents", "sum"), buy=("buy", "any")).reset_index()
    bought = days[days["buy"]]
    m = bought.groupby("member")["day"] \
        .agg(first="min", last="max", n="count")
    days = days.join(m["first"], on="member", how="inner")
    m["repeat"] = days[days["day"] > days["first"]] \
        .groupby("member")["spend"].sum()
    m["repeat"] = m["repeat"].fillna(0).astype(np.int64)
    m["x"] = m["n"] - 1
    m["t_x"] = (m["last"] - m["first"]).astype(float)
    m["T"] = (end - m["first"]).astype(float)
    return m    # by code: the order of the members' first paid order


# --- BG/NBD, lifetimes' BetaGeoFitter._negative_log_likelihood ---------

def bg_nll(log_params, x, tx, T, w):
    r, alpha, a, b = np.exp(log_params)
    A_1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    A_2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    A_3 = -(r + x) * np.log(alpha + T)
    A_4 = np.log(a) - np.log(b + np.maximum(x, 1) - 1) - \
        (r + x) * np.log(tx + alpha)
    mx = np.maximum(A_3, A_4)
    ll = A_1 + A_2 + np.log(np.exp(A_3 - mx) + np.exp(A_4 - mx) * (x > 0)) \
        + mx
    return ll, (r, alpha, a, b, A_3, A_4)


def bg_objective(log_params, x, tx, T, w):
    """The mean negative log-likelihood and its gradient in the
    log-parameters."""
    ll, (r, alpha, a, b, A_3, A_4) = bg_nll(log_params, x, tx, T, w)
    W = w.sum()
    # d log(e^A3 + [x>0] e^A4) = (1 - s) dA3 + s dA4
    s = np.where(x > 0, expit(A_4 - A_3), 0.0)
    lT, ltx = np.log(alpha + T), np.log(alpha + tx)
    dr = digamma(r + x) - digamma(r) + np.log(alpha) - (1 - s) * lT - s * ltx
    dal = r / alpha - (r + x) * ((1 - s) / (alpha + T) + s / (alpha + tx))
    dab, dabx = digamma(a + b), digamma(a + b + x)
    da = dab - dabx + s / a
    db = dab + digamma(b + x) - digamma(b) - dabx - \
        s / (b + np.maximum(x, 1) - 1)
    g = np.array([(w * dr).sum() * r, (w * dal).sum() * alpha,
                  (w * da).sum() * a, (w * db).sum() * b])
    return -(w * ll).sum() / W, -g / W


# --- Gamma-Gamma, lifetimes' GammaGammaFitter ---------------------------

def gg_ll(log_params, k, m):
    p, q, v = np.exp(log_params)
    return (gammaln(p * k + q) - gammaln(p * k) - gammaln(q) + q * np.log(v)
            + (p * k - 1) * np.log(m) + (p * k) * np.log(k)
            - (p * k + q) * np.log(k * m + v))


def gg_objective(log_params, k, m, w):
    p, q, v = np.exp(log_params)
    W = w.sum()
    ll = gg_ll(log_params, k, m)
    pk = p * k
    dpq = digamma(pk + q)
    lkm = np.log(k * m + v)
    dp = k * (dpq - digamma(pk) + np.log(m) + np.log(k) - lkm)
    dq = dpq - digamma(q) + np.log(v) - lkm
    dv = q / v - (pk + q) / (k * m + v)
    g = np.array([(w * dp).sum() * p, (w * dq).sum() * q,
                  (w * dv).sum() * v])
    return -(w * ll).sum() / W, -g / W


def fit(objective, x0, args):
    res = minimize(objective, x0, args=args, jac=True, method="BFGS",
                   options={"gtol": 1e-9, "maxiter": 2000})
    return res


def report(res):
    return {"success": bool(res.success), "message": str(res.message),
            "iterations": int(res.nit), "evaluations": int(res.nfev),
            "gradient": float(np.abs(res.jac).max())}


# --- predictions, as lifetimes writes them ------------------------------

def expected_purchases(t, x, tx, T, r, alpha, a, b):
    """lifetimes' conditional_expected_number_of_purchases_up_to_time."""
    if t <= 0:
        return np.zeros_like(x)
    _a, _b, _c = r + x, b + x, a + b + x - 1
    _z = t / (alpha + T + t)
    with np.errstate(divide="ignore", invalid="ignore"):
        ln_hyp = np.log(hyp2f1(_a, _b, _c, _z))
        alt = np.isinf(ln_hyp)
        if alt.any():
            ln_hyp[alt] = np.log(hyp2f1(_c - _a, _c - _b, _c, _z)[alt]) + \
                ((_c - _a - _b) * np.log(1 - _z))[alt]
    first = (a + b + x - 1) / (a - 1)
    second = 1 - np.exp(ln_hyp + (r + x) * np.log((alpha + T) /
                                                    (alpha + t + T)))
    den = 1 + (x > 0) * (a / (b + np.maximum(x, 1) - 1)) * \
        ((alpha + T) / (alpha + tx)) ** (r + x)
    return first * second / den


def main():
    args = sys.argv[1:]
    grouped = args[:1] == ["--grouped"]
    if grouped:
        args = args[1:]
    if len(args) not in (5, 7):
        sys.exit("usage: clv.py [--grouped] ORDERS AS_OF TZ OUT.csv "
                 "MODEL.json [HORIZON_DAYS DISCOUNT]")
    path, asof, tz, out, model_out = args[:5]
    horizon = float(args[5]) if len(args) > 5 else 90.0
    discount = float(args[6]) if len(args) > 5 else 0.01
    clock = [("start", time.time())]

    def lap(name):
        clock.append((name, time.time()))

    o, ids, counts, cur, end = read_orders(path, asof, tz)
    lap("read")
    mem = summarise(o, end)
    del o
    lap("histories")
    x = mem["x"].to_numpy(dtype=float)
    tx = mem["t_x"].to_numpy()
    T = mem["T"].to_numpy()
    if grouped:
        g = pd.DataFrame({"x": x, "tx": tx, "T": T}) \
            .groupby(["x", "tx", "T"]).size().reset_index(name="w")
        fx, ftx, fT, fw = (g[c].to_numpy(dtype=float)
                           for c in ("x", "tx", "T", "w"))
    else:
        fx, ftx, fT, fw = x, tx, T, np.ones_like(x)
    scale = 10.0 / fT.max()
    bg = fit(bg_objective, np.full(4, 0.1), (fx, ftx * scale, fT * scale, fw))
    r, alpha, a, b = np.exp(bg.x)
    alpha /= scale
    lab = [r, alpha, a, b]
    bg_ll = float((fw * bg_nll(np.log(lab), fx, ftx, fT, fw)[0]).sum())
    lap("fit BG/NBD")

    places = PLACES.get(cur, 2)
    k_all = mem["x"].to_numpy()
    mean = np.where(k_all > 0, mem["repeat"].to_numpy() /
                    np.maximum(k_all, 1) / 10 ** places, 0.0)
    sel = (k_all > 0) & (mean > 0)
    k, m = k_all[sel].astype(float), mean[sel]
    if grouped:
        g = pd.DataFrame({"k": k, "m": m}).groupby(["k", "m"]).size() \
            .reset_index(name="w")
        gk, gm, gw = (g[c].to_numpy(dtype=float) for c in ("k", "m", "w"))
    else:
        gk, gm, gw = k, m, np.ones_like(k)
    gg = fit(gg_objective, np.log([1.0, 2.0, m.mean()]), (gk, gm, gw))
    p, q, v = np.exp(gg.x)
    gg_ll_sum = float((gw * gg_ll(gg.x, gk, gm)).sum())
    lap("fit Gamma-Gamma")

    # p_alive: lifetimes' conditional_probability_alive
    log_div = (r + x) * np.log((alpha + T) / (alpha + tx)) + \
        np.log(a / (b + np.maximum(x, 1) - 1))
    p_alive = np.where(x == 0, 1.0, expit(-log_div))
    # CLV: lifetimes' _customer_lifetime_value in 30-day months, the
    # expected purchases of each month discounted by its end
    aov_w = p * x / (p * x + q - 1)
    aov = (1 - aov_w) * v * p / (q - 1) + aov_w * np.maximum(mean, 0)
    clv = np.zeros_like(x)
    prev = np.zeros_like(x)
    step = 30.0
    while True:
        t = min(step, horizon)
        e = expected_purchases(t, x, tx, T, r, alpha, a, b)
        clv += aov * (e - prev) / (1 + discount) ** (t / 30.0)
        prev = e
        if t >= horizon:
            break
        step += 30.0
    lap("predict")

    rep = mem["repeat"].to_numpy()
    res = pd.DataFrame({
        "member_id": ids[mem.index.to_numpy()], "x": mem["x"].to_numpy(),
        "t_x": tx, "T": T,
        "mean_spend": np.where(k_all > 0, np.round(mean, places), np.nan),
        "p_alive": np.round(p_alive, 6),
        "expected_purchases": np.round(prev, 6),
        "expected_aov": np.round(aov, places),
        "clv": np.round(clv, places)})
    res.to_csv(out, index=False, float_format="%.6f")
    model = {"unit": "days", "currency": cur, "monetary": "repeat",
             "grouped": grouped,
             "r": r, "alpha": alpha, "a": a, "b": b, "p": p, "q": q,
             "gamma": v,
             "log_likelihood": {"bgnbd": bg_ll, "gamma_gamma": gg_ll_sum},
             "convergence": {"bgnbd": report(bg),
                             "gamma_gamma": report(gg)},
             "data": dict(counts, members=len(mem),
                          repeaters=int((k_all > 0).sum()),
                          terms_bgnbd=len(fx),
                          gamma_gamma_members=int(sel.sum()),
                          terms_gamma_gamma=len(gk),
                          spend_not_positive=int(((k_all > 0) &
                                                  (rep <= 0)).sum()))}
    with open(model_out, "w") as f:
        json.dump(model, f, indent=1)
        f.write("\n")
    lap("write")
    print("clv.py: " + ", ".join(
        "%s %.2f s" % (clock[i][0], clock[i][1] - clock[i - 1][1])
        for i in range(1, len(clock))) +
        ", total %.2f s" % (clock[-1][1] - clock[0][1]), file=sys.stderr)


if __name__ == "__main__":
    main()
