#!/usr/bin/python3
"""Workload 6, campaign in pandas:
campaign_pandas.py MEMBERS CAMPAIGN SUPPRESS HISTORY OUT ASOF TZ CAP

The send list mbr-campaign writes (man/mbr-campaign.1) for CAMPAIGN
(bench/campaign.json) over MEMBERS (mbr-rfm --members output), with
--suppress SUPPRESS --history HISTORY --cap CAP (N/DAYS).  OUT gets
campaign_id, member_id, channel, address, send_at, message, sms_parts,
coupon_code, variant, sorted by send_at then member_id (bytewise: Python
compares str by code point, the order of their UTF-8 bytes).  With -v,
the funnel goes to standard error.

The same rules as bench/peers/campaign.sql, and what it covers: audience
"monetary >= NUMBER"; trigger inactive_days (the local day of
last_order_ts is today - days); channels sms and email (consent opt-in
or opt-out; no quiet hours, cost or follow-up); the only placeholder the
member's name, with or without a fallback (blanks around either
ignored); no coupons, holdouts, budget or variants; no tz field on the
members (the zone is TZ).  Anything else
in the campaign is an error (exit 1).  Suppression: member ids, phones
(E.164, national digits, blanks or dashes between groups) and e-mails
(trimmed, lower case); phone:... and email:... are both an id and an
address.  Cap: history rows with send_at > ASOF - DAYS * 86400 s
(scheduled ones after ASOF too) plus this one at most N; cooldown: a row
of this campaign with send_at > ASOF - cooldown_days * 86400 s.
Run with Debian's /usr/bin/python3.
"""
import json
import re
import sys

import numpy as np
import pandas as pd

PLACEHOLDER = re.compile(r"\{\{\s*name\s*(?:\|([^}]*))?\}\}")
GSM = re.compile("[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,\\-./0-9:;"
                 "<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà\f^{}\\\\\\[~\\]|€]*")
YES = {"true", "yes", "y", "1", "opt-in"}
NO = {"false", "no", "n", "0", "opt-out"}


def fail(msg):
    sys.stderr.write("campaign_pandas.py: %s\n" % msg)
    sys.exit(1)


def norm_phone(s):
    """A Series of phone strings (NaN for none) to E.164."""
    s = s.fillna("").astype(str).str.strip()
    d = s.str.replace(r"[^0-9]", "", regex=True)
    out = "+86" + d.str.lstrip("0")
    out = out.where(~(d.str.len().eq(13) & d.str.startswith("861")), "+" + d)
    out = out.where(~d.str.startswith("00"), "+" + d.str[2:])
    out = out.where(~s.str.startswith("+"), "+" + d)
    return out.where(s.ne(""))


def sms_parts(msg):
    if GSM.fullmatch(msg):
        n = len(msg)
        return 1 if n <= 160 else (n + 152) // 153
    n = len(msg) + sum(1 for ch in msg if ord(ch) > 0xFFFF)
    return 1 if n <= 70 else (n + 66) // 67


def render(tpl, names):
    """tpl with its one placeholder replaced by each of names (a Series),
    or the fallback where the name is empty."""
    m = PLACEHOLDER.search(tpl)
    if m is None:
        return pd.Series(tpl, index=names.index)
    if "{{" in tpl[:m.start()] + tpl[m.end():]:
        fail("a placeholder other than name: not covered")
    fb = (m.group(1) or "").strip(" \t")
    v = names.fillna("").where(names.fillna("").ne(""), fb)
    return tpl[:m.start()] + v + tpl[m.end():]


def main():
    args = sys.argv[1:]
    verbose = False
    if args and args[0] == "-v":
        verbose = True
        args = args[1:]
    if len(args) != 8:
        sys.stderr.write("usage: campaign_pandas.py [-v] MEMBERS CAMPAIGN "
                         "SUPPRESS HISTORY OUT ASOF TZ CAP\n")
        return 2
    members, campaign, suppress, history, out, asof_s, tz, cap = args
    with open(campaign, encoding="utf-8") as f:
        c = json.load(f)
    capn, capdays = (int(x) for x in cap.split("/"))
    m = re.fullmatch(r"\s*monetary\s*>=\s*([0-9]+(?:\.[0-9]+)?)\s*",
                     c.get("audience", ""))
    if m is None:
        fail("audience %r: not covered" % c.get("audience"))
    minmon = float(m.group(1))
    trig = c.get("trigger")
    if not isinstance(trig, dict) or trig.get("type") != "inactive_days":
        fail("trigger %r: not covered" % trig)
    days = int(trig["days"])
    cooldown = int(c.get("cooldown_days", 0))
    chans = []
    for ch in c["channels"]:
        if isinstance(ch, str):
            ch = {"channel": ch}
        if ch["channel"] not in ("sms", "email") or \
                set(ch) - {"channel", "consent", "message"} or \
                ch.get("consent", "opt-in") not in ("opt-in", "opt-out"):
            fail("channel %r: not covered" % ch)
        chans.append(ch)
    for k in ("quiet_hours", "messages", "cap", "send_window_hours"):
        if k in c:
            fail("%s: not covered" % k)

    asof = pd.Timestamp(asof_s).tz_convert("UTC")
    local = asof.tz_convert(tz)
    today = local.date()
    off = int(local.utcoffset().total_seconds())
    send_at = local.strftime("%Y-%m-%dT%H:%M:%S") + "%s%02d:%02d" % (
        "-" if off < 0 else "+", abs(off) // 3600, abs(off) % 3600 // 60)

    # Members: audience and trigger.
    mem = pd.read_csv(members, dtype=str, keep_default_na=False,
                      usecols=["member_id", "name", "phone", "email",
                               "consent_sms", "consent_email",
                               "last_order_ts", "monetary"])
    n_members = len(mem)
    mon = pd.to_numeric(mem["monetary"].replace("", np.nan))
    aud = mem[mon >= minmon]
    last = pd.to_datetime(aud["last_order_ts"].replace("", np.nan),
                          utc=True)
    lday = last.dt.tz_convert(tz).dt.date
    t = aud[lday == today - pd.Timedelta(days=days)].copy()
    n_trig = len(t)

    # Suppression.
    with open(suppress, encoding="utf-8") as f:
        vals = [l.strip(" \t\r\n") for l in f]
    vals = pd.Series([v for v in vals if v and not v.startswith("#")],
                     dtype=object)
    is_ph = vals.str.startswith("phone:")
    is_em = vals.str.startswith("email:")
    digits = vals.str.replace(r"[^0-9]", "", regex=True).str.len()
    is_addr = ~is_ph & ~is_em & vals.str.contains("@", regex=False)
    is_tel = ~is_ph & ~is_em & ~is_addr & \
        vals.str.fullmatch(r"\+?[0-9][0-9 ()\-.]*") & digits.between(7, 15)
    s_ids = set(vals[~is_addr & ~is_tel])
    s_phones = set(norm_phone(pd.concat([vals[is_tel],
                                         vals[is_ph].str[6:]])).dropna())
    s_emails = set(pd.concat([vals[is_addr], vals[is_em].str[6:]])
                   .str.strip().str.lower())

    t["phone_n"] = norm_phone(t["phone"].replace("", np.nan))
    em = t["email"].str.strip().str.lower()
    t["email_n"] = em.where(em.ne(""))
    sup = t["member_id"].isin(s_ids) | t["phone_n"].isin(s_phones) | \
        t["email_n"].isin(s_emails)
    t = t[~sup]
    n_sup = int(sup.sum())

    # Channels: the first with an address and consent.
    def ok(field, mode):
        v = t[field].fillna("").str.strip().str.lower()
        return v.isin(YES) if mode == "opt-in" else ~v.isin(NO)
    t["channel"] = None
    t["tpl"] = None
    for ch in reversed(chans):
        name = ch["channel"]
        addr = t["phone_n"] if name == "sms" else t["email_n"]
        can = addr.notna() & ok("consent_" + name,
                                ch.get("consent", "opt-in"))
        t.loc[can, "channel"] = name
        t.loc[can, "tpl"] = ch.get("message", c.get("message"))
    n_unreach = int(t["channel"].isna().sum())
    t = t[t["channel"].notna()]

    # History: the cap's window and the cooldown.
    h = pd.read_csv(history, dtype=str, keep_default_na=False,
                    usecols=["campaign_id", "member_id", "send_at"])
    h = h[h["member_id"].isin(t["member_id"])]
    ts = pd.to_datetime(h["send_at"], utc=True)
    ncap = h[ts > asof - pd.Timedelta(seconds=capdays * 86400)] \
        .groupby("member_id").size()
    cool = set(h.loc[(h["campaign_id"] == c["id"]) &
                     (ts > asof - pd.Timedelta(seconds=cooldown * 86400)),
                     "member_id"])
    in_cool = t["member_id"].isin(cool)
    t = t[~in_cool]
    capped = t["member_id"].map(ncap).fillna(0).astype(int) + 1 > capn
    n_cool, n_cap = int(in_cool.sum()), int(capped.sum())
    t = t[~capped]

    # The messages.
    msgs = pd.Series(index=t.index, dtype=object)
    for tpl in t["tpl"].unique():
        sel = t["tpl"] == tpl
        msgs[sel] = render(tpl, t.loc[sel, "name"])
    parts = [str(sms_parts(mm)) if ch == "sms" else ""
             for mm, ch in zip(msgs, t["channel"])]
    res = pd.DataFrame({
        "campaign_id": c["id"], "member_id": t["member_id"],
        "channel": t["channel"],
        "address": np.where(t["channel"] == "sms", t["phone_n"],
                            t["email_n"]),
        "send_at": send_at, "message": msgs, "sms_parts": parts,
        "coupon_code": "", "variant": ""})
    res = res.sort_values("member_id", kind="stable")
    res.to_csv(out, index=False)
    if verbose:
        sys.stderr.write(
            "members %d, triggered in audience %d, suppressed %d, "
            "unreachable or no consent %d, cooldown %d, capped %d, sent %d "
            "(%s)\n" % (n_members, n_trig, n_sup, n_unreach, n_cool, n_cap,
                        len(res), ", ".join(
                            "%s %d" % kv for kv in
                            res["channel"].value_counts().items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
