#!/usr/bin/python3
"""Workload 3, the 20 rules of segment.rules as pandas boolean masks:
segment_pandas.py MEMBERS OUT.  Run with Debian's /usr/bin/python3."""
import sys

import numpy as np
import pandas as pd

df = pd.read_csv(sys.argv[1], dtype={"phone": str, "email": str,
                                     "wechat_openid": str, "birthday": str})
r, f, m = df["r_score"], df["f_score"], df["monetary"]
rec, fre = df["recency_days"], df["frequency"]
seg = np.select(
    [(r >= 4) & (f >= 4) & (m > 5000),
     (rec <= 60) & (fre >= 3) & (m > 2000),
     df["tenure_days"] <= 30,
     rec.between(61, 90),
     rec.between(91, 180) & (fre >= 2),
     rec > 180,
     df["lifecycle"] == "prospect",
     (fre >= 5) & (m < 500),
     fre == 1,
     fre >= 2],
    ["champions_vip", "vip_active", "new_buyer", "sleeping", "churn_risk",
     "churned", "prospect", "frequent_low_value", "one_timer", "regular"],
    "other")


def true(col):
    return df[col].astype(str).str.lower() == "true"


born = pd.to_numeric(df["birthday"].str[:4], errors="coerce")
tags = [
    ("gold_plus", df["tier"].isin(["gold", "platinum"])),
    ("female", df["gender"] == "F"),
    ("qq_mail", df["email"].str.contains(r"@qq\.com$", case=False,
                                         na=False, regex=True)),
    ("sms_ok", true("consent_sms") & df["phone"].notna()),
    ("wechat_ok", true("consent_wechat") & df["wechat_openid"].notna()),
    ("email_ok", true("consent_email") & df["email"].notna()),
    ("high_aov", df["aov"] >= 500),
    ("born_90s", born.between(1990, 1999)),
    ("big_spender", df["m_score"] == 5),
    ("at_risk_vip", df["rfm_segment"].isin(["cannot_lose", "at_risk"])
     & (m > 3000)),
]
t = pd.Series("", index=df.index)
for name, mask in tags:
    t = t.where(~mask.to_numpy(), t + "|" + name)
df["segment"] = seg
df["tags"] = t.str[1:]
df.to_csv(sys.argv[2], index=False)
