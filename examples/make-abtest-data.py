#!/usr/bin/env python3
"""make-abtest-data.py: remake the A/B test example data.

    python3 examples/make-abtest-data.py      (from the repository root)

writes examples/abtest-members.csv and examples/abtest-orders.csv.  No
dependencies; the same bytes on every run (random.Random with a fixed
seed, only its random() method, which is stable across Pythons).

The story (examples/README.md has it in full): 澜序 / LANXU launches its
winter repair cream (修护面霜, 299.00).  On Friday 22 November 2024 at
10:00 the CRM team assigns 20% of its 3,000 members to the test
`cream-test` (control, a, b in equal thirds; the other 80% get the
variant `later`) and sends examples/campaigns/cream-abtest.json:
control the usual text, a a personal "your winter repair gift" with a
free sample, b a 48-hour deadline.  Seven days later a has converted
about twice as well as control and b no better, so on 1 December the
team sends a's text to the rest (examples/campaigns/cream-winner.json)
and keeps 10% of them out, to measure what the message added.

The orders are made to tell that story with exact counts: among the
members each send reached, exactly round(rate x n) buy in the window
(choosing the buyers by a weighted draw, VIPs more likely than
prospects), and no other member of that group has a paid order in it.
Everyone else buys at the background rate.  So the generator has to
know who is in which variant, who is reachable and who is held out: it
repeats GrowthBook's hash (as mbr-abtest assign and mbr-campaign
--holdout compute it) and mbr-campaign's channel rule (WeChat with an
openid and consent, else SMS with a phone and consent).
"""

import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
N_MEMBERS = 3000
EXPERIMENT = "cream-test"
VARIANTS = ["control", "a", "b"]
COVERAGE = 0.2
REST_CAMPAIGN = "cream-rest"
REST_HOLDOUT = 0.10

# Conversion within 7 days of the message, among the members it reached.
RATE_TEST = {"control": 0.09, "a": 0.20, "b": 0.11}
RATE_REST_SENT = 0.19
RATE_HOLDOUT = 0.09
RATE_BACKGROUND = 0.08      # a week without a message

# Windows (minutes since 2024-11-15 00:00 +08:00).
DAY = 24 * 60
W1 = (7 * DAY + 10 * 60, 14 * DAY + 10 * 60)   # 11-22 10:00 to 11-29 10:00
# The rest's send goes at 09:00 on 1 December (WeChat and SMS keep
# quiet until 09:00), its holdout is assigned at midnight: orders that
# count fall in both windows, 12-01 09:00 to 12-08 00:00; a member who
# does not convert has no paid order from 12-01 00:00 to 12-08 09:00.
W2_BUY = (16 * DAY + 9 * 60, 23 * DAY)
W2_QUIET = (16 * DAY, 23 * DAY + 9 * 60)
END = 24 * DAY                                  # 12-09 00:00

rng = random.Random(20241122)


def rnd():
    return rng.random()


def pick(seq):
    return seq[int(rnd() * len(seq))]


def weighted(pairs):
    total = sum(w for _, w in pairs)
    x = rnd() * total
    for v, w in pairs:
        x -= w
        if x < 0:
            return v
    return pairs[-1][0]


# GrowthBook's hashFnv32a over UTF-16 code units, and hash() version 2.
def fnv32a(s, h=0x811C9DC5):
    data = s.encode("utf-16-le")
    for i in range(0, len(data), 2):
        h ^= data[i] | data[i + 1] << 8
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def gb_hash(seed, value):
    return (fnv32a(str(fnv32a(seed + value))) % 10000) / 10000


def variant_of(member_id):
    n = gb_hash(EXPERIMENT, member_id)
    cum = 0.0
    w = 1.0 / len(VARIANTS)
    for v in VARIANTS:
        if cum <= n < cum + COVERAGE * w:
            return v
        cum += w
    return "later"


# --- members ------------------------------------------------------------

# Names and their pinyin, for the e-mail addresses.
SURNAMES = dict(x.split(":") for x in (
    "王:wang 李:li 张:zhang 刘:liu 陈:chen 杨:yang 黄:huang 赵:zhao 吴:wu "
    "周:zhou 徐:xu 孙:sun 马:ma 朱:zhu 胡:hu 郭:guo 何:he 高:gao 林:lin "
    "罗:luo 郑:zheng 梁:liang 谢:xie 宋:song 唐:tang 许:xu 韩:han 冯:feng "
    "邓:deng 曹:cao 彭:peng 曾:zeng 肖:xiao 田:tian 董:dong 袁:yuan 潘:pan "
    "蒋:jiang 蔡:cai 余:yu 杜:du 叶:ye 程:cheng 苏:su 魏:wei 吕:lv 丁:ding "
    "任:ren 沈:shen 姚:yao 卢:lu 姜:jiang 崔:cui 钟:zhong 谭:tan 陆:lu "
    "汪:wang 范:fan 金:jin 石:shi 廖:liao 贾:jia 夏:xia 韦:wei 方:fang "
    "白:bai 邹:zou 孟:meng 熊:xiong 秦:qin 邱:qiu 江:jiang 尹:yin 薛:xue "
    "段:duan 雷:lei 侯:hou 龙:long 史:shi 陶:tao 黎:li 贺:he 顾:gu 毛:mao "
    "郝:hao 龚:gong 邵:shao 钱:qian 武:wu 戴:dai 孔:kong 汤:tang 樊:fan "
    "殷:yin 施:shi 洪:hong").split())
GIVEN_F = dict(x.split(":") for x in (
    "芳:fang 娜:na 敏:min 静:jing 丽:li 艳:yan 婷:ting 雪:xue 琳:lin "
    "颖:ying 倩:qian 洁:jie 晶:jing 悦:yue 欣:xin 怡:yi 佳:jia 慧:hui "
    "蕾:lei 璐:lu 思琪:siqi 雨涵:yuhan 欣怡:xinyi 梓涵:zihan 诗涵:shihan "
    "可馨:kexin 佳怡:jiayi 雅婷:yating 晓雯:xiaowen 婉清:wanqing "
    "紫萱:zixuan 梦瑶:mengyao 一诺:yinuo 安琪:anqi 心怡:xinyi 语嫣:yuyan "
    "若汐:ruoxi 嘉怡:jiayi 静怡:jingyi 佩琪:peiqi").split())
GIVEN_M = dict(x.split(":") for x in (
    "伟:wei 强:qiang 磊:lei 杰:jie 涛:tao 浩:hao 宇航:yuhang 子豪:zihao "
    "俊杰:junjie 晨阳:chenyang").split())
WESTERN_FIRST = ("Emma Olivia Sophie Chloe Grace Lily Mia Hannah Zoe Amy "
                 "Lucy Ella Ava Isla Ruby Anna Clara Laura Sarah Kate "
                 "James Daniel Ryan").split()
WESTERN_LAST = ("Wang Chen Li Zhang Liu Lin Huang Smith Brown Taylor "
                "Wilson Martin Lee Walker Wright Green Hall Young King "
                "Scott").split()
MAIL_CN = ["qq.com", "163.com", "126.com", "sina.com", "foxmail.com"]
MAIL_WEST = ["gmail.com", "outlook.com", "icloud.com", "hotmail.com"]
PREFIX = ("130 131 132 133 135 136 137 138 139 150 151 152 155 156 157 "
          "158 159 177 180 181 182 183 185 186 187 188 189 199").split()
B64 = ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
       "0123456789_-")
SEGMENTS = [("vip_active", 8), ("high_potential", 12), ("new", 10),
            ("sleeping", 15), ("churned", 30), ("prospect", 25)]
PROPENSITY = {"vip_active": 3.0, "high_potential": 2.0, "new": 1.5,
              "sleeping": 0.8, "churned": 0.5, "prospect": 0.6}
TIERS = {"vip_active": [("gold", 60), ("silver", 35), ("member", 5)],
         "high_potential": [("gold", 25), ("silver", 50), ("member", 25)],
         "new": [("silver", 10), ("member", 90)],
         "sleeping": [("gold", 10), ("silver", 35), ("member", 55)],
         "churned": [("gold", 5), ("silver", 25), ("member", 70)],
         "prospect": [("member", 100)]}


def phone():
    return "+86" + pick(PREFIX) + "".join(str(int(rnd() * 10))
                                          for _ in range(8))


def openid():
    return "o6_bmj" + "".join(pick(B64) for _ in range(22))


def local_part(sur, given):
    """An address as people make them: wangfang88, fang.wang, wf1996."""
    style = int(rnd() * 4)
    if style == 0:
        return sur + given + str(int(rnd() * 100))
    if style == 1:
        return given + "." + sur
    if style == 2:
        return sur + "_" + given + str(int(rnd() * 10))
    return sur[0] + given[0] + str(1980 + int(rnd() * 26))


def make_members():
    seen = set()
    members = []
    while len(members) < N_MEMBERS:
        western = rnd() < 0.12
        if western:
            first, last = pick(WESTERN_FIRST), pick(WESTERN_LAST)
            name = first + " " + last
        else:
            sur = pick(sorted(SURNAMES))
            given = pick(sorted(GIVEN_M if rnd() < 0.1 else GIVEN_F))
            name = sur + given
        ph = phone()
        kind = "email" if western and rnd() < 0.8 or rnd() < 0.2 else "phone"
        if kind == "phone":
            mid = "phone:" + ph
            tel = ph
        else:
            if western:
                local = (first + "." + last).lower()
                if rnd() < 0.6:
                    local += str(int(rnd() * 1000))
                mid = "email:" + local + "@" + pick(MAIL_WEST)
            else:
                mid = "email:" + local_part(
                    SURNAMES[sur], {**GIVEN_F, **GIVEN_M}[given]) + \
                    "@" + pick(MAIL_CN)
            tel = ph if rnd() < 0.5 else ""
        # not the members of examples/members.csv
        if mid in seen or mid == "email:emma.wang@gmail.com":
            continue
        seen.add(mid)
        oid = openid() if rnd() < (0.45 if western else 0.8) else ""
        c_wechat = "true" if oid and rnd() < 0.88 else "false"
        c_sms = "true" if tel and rnd() < 0.72 else "false"
        seg = weighted(SEGMENTS)
        tier = weighted(TIERS[seg])
        members.append({"member_id": mid, "name": name, "phone": tel,
                        "wechat_openid": oid, "consent_wechat": c_wechat,
                        "consent_sms": c_sms, "tier": tier,
                        "segment": seg})
    return members


def reachable(m):
    return (m["wechat_openid"] and m["consent_wechat"] == "true") or \
        (m["phone"] and m["consent_sms"] == "true")


# --- orders -------------------------------------------------------------

PRODUCTS = [("299.00", 45), ("568.00", 15), ("89.00", 15),
            ("159.00", 15), ("129.00", 10)]
CHANNELS = [("wechat", 55), ("tmall", 30), ("pos", 15)]


def ts(minute):
    day, rest = divmod(minute, DAY)
    # 2024-11-15 + day: November has 30 days
    d = 15 + day
    month, dd = (11, d) if d <= 30 else (12, d - 30)
    return "2024-%02d-%02dT%02d:%02d:%02d+08:00" % (
        month, dd, rest // 60, rest % 60, int(rnd() * 60))


def when(lo, hi, avoid=()):
    """A minute in [lo, hi), by day hours 08:00-23:59, outside avoid."""
    while True:
        m = lo + int(rnd() * (hi - lo))
        if m % DAY < 8 * 60:
            continue
        if any(a <= m < b for a, b in avoid):
            continue
        return m


def choose(group, rate):
    """Exactly round(rate * n) of group, drawn weighted by propensity."""
    k = int(rate * len(group) + 0.5)
    keyed = sorted(group,
                   key=lambda m: -rnd() ** (1 / PROPENSITY[m["segment"]]))
    return set(m["member_id"] for m in keyed[:k])


def main():
    members = make_members()
    for m in members:
        m["variant"] = variant_of(m["member_id"])
        m["reached"] = bool(reachable(m))
        m["held_out"] = (m["variant"] == "later" and m["reached"] and
                         gb_hash(REST_CAMPAIGN, m["member_id"]) < REST_HOLDOUT)

    # Who buys in each window.
    buy1, buy2 = set(), set()
    for v in VARIANTS:
        buy1 |= choose([m for m in members
                        if m["variant"] == v and m["reached"]], RATE_TEST[v])
    buy2 |= choose([m for m in members if m["variant"] == "later" and
                    m["reached"] and not m["held_out"]], RATE_REST_SENT)
    buy2 |= choose([m for m in members if m["held_out"]], RATE_HOLDOUT)
    exact1 = {m["member_id"] for m in members
              if m["variant"] != "later" and m["reached"]}
    exact2 = {m["member_id"] for m in members
              if m["variant"] == "later" and m["reached"]}
    for m in members:
        mid = m["member_id"]
        if mid not in exact1 and rnd() < RATE_BACKGROUND * \
                PROPENSITY[m["segment"]] / 1.2:
            buy1.add(mid)
        if mid not in exact2 and rnd() < RATE_BACKGROUND * \
                PROPENSITY[m["segment"]] / 1.2:
            buy2.add(mid)

    orders = []     # (minute, member_id, amount, status, channel)

    def order(minute, mid, status="paid"):
        orders.append((minute, mid, weighted(PRODUCTS), status,
                       weighted(CHANNELS)))

    for m in members:
        mid = m["member_id"]
        quiet1 = mid in exact1
        quiet2 = mid in exact2
        if mid in buy1:
            order(when(*W1), mid)
            if rnd() < 0.2:
                order(when(*W1), mid)
        if mid in buy2:
            order(when(*W2_BUY), mid)
            if rnd() < 0.2:
                order(when(*W2_BUY), mid)
        # Orders outside the windows that count: the week before the
        # test, the days between, and after; a few refunds, cancelled
        # and unpaid orders anywhere (they never count).
        avoid = []
        if quiet1 or mid in buy1:
            avoid.append(W1)
        if quiet2 or mid in buy2:
            avoid.append(W2_QUIET)
        if rnd() < 0.06 * PROPENSITY[m["segment"]]:
            order(when(0, END, avoid), mid)
        if rnd() < 0.03:
            order(when(0, END), mid, weighted([("refunded", 4),
                                               ("cancelled", 3),
                                               ("pending", 2)]))

    orders.sort()
    with open(os.path.join(HERE, "abtest-orders.csv"), "w",
              newline="") as f:
        f.write("order_id,member_id,ts,amount,currency,status,channel\n")
        for i, (minute, mid, amount, status, channel) in enumerate(orders):
            stamp = ts(minute)
            oid = "LX%s%s%04d" % (stamp[2:4], stamp[5:7] + stamp[8:10], i + 1)
            f.write("%s,%s,%s,%s,CNY,%s,%s\n" % (oid, mid, stamp, amount,
                                                 status, channel))
    cols = ["member_id", "name", "phone", "wechat_openid", "consent_wechat",
            "consent_sms", "tier", "segment"]
    with open(os.path.join(HERE, "abtest-members.csv"), "w",
              newline="") as f:
        f.write(",".join(cols) + "\n")
        for m in members:
            f.write(",".join(m[c] for c in cols) + "\n")


if __name__ == "__main__":
    main()
