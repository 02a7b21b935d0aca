-- Workload 5, points in DuckDB: per member what mbr-points writes on
-- stdout for bench/points.json (man/mbr-points.1) with no events, no
-- profiles, no state: points, earned, expired, expiring_points,
-- expiring_on, tier, tier_since, qualifying_spend, next_tier,
-- to_next_tier.  Parameters: orders, program (the programme JSON: it
-- reads earn.per, tiers.levels, tiers.review, expiry.months), out, asof
-- (a timestamp with offset), tz, expiring (--expiring-days, 30).
--
-- What it covers, which is what tests/bench/gen writes: one record per
-- order_id (so a refunded, cancelled or pending order is a member known
-- and nothing else), amounts > 0 in the programme's currency, earn by
-- "per" with floor rounding, tiers on rolling 12-month spend with a
-- yearly review, expiry N months after the day earned ("at": "day").
-- Anything else in the data (a paid amount <= 0, another currency) is
-- an error here, not a silently different answer.
--
-- Time: a record with ts > asof has not happened.  Days are local in tz.
-- A lot earned on day D lasts through D + N months - 1 day (clamped day
-- of month) and expires at the midnight after, so it has expired by
-- asof iff its last day < asof's day.  Reviews are at midnight of MM-DD;
-- one at R has run by asof iff R <= asof's day, and only for a member
-- whose first record (any status) is before it.
--
-- Tiers.  An order on day d brings the member's tier up to the level of
-- the window (d - 12 months, d], counting the orders up to and with the
-- order's ts; a review at R sets it to the level of [R - 12 months, R)
-- when that is lower (never higher: the window at the member's last
-- order before R holds at least what [R - 12 months, R) holds).  So
-- the tier in the period from one review to the next is the max of its
-- start (the review's level, or 0 from the first record) and the levels
-- its orders reached; the last change is in the last period that has
-- one: the first order at the period's highest level when that is above
-- the start, else the start when it changed the tier (the first record,
-- or a review that took the tier down).  That is one GROUP BY per
-- (member, period) and a lag over a member's few periods, not a window
-- over every order.  Verified against a literal event-by-event
-- simulation of the spec and a hand-worked example (7 members: expiry
-- at as-of's midnight, 29 February, an order at a review's instant,
-- refunded/pending only, a 0-point order, an order after as-of).
SET TimeZone = '{{tz}}'
;
CREATE TEMP TABLE prog AS
SELECT CAST(round(CAST(earn.per AS DECIMAL(18,4)) * 10000) AS BIGINT) AS per4,
       CAST(expiry.months AS INTEGER) AS months,
       CAST(split_part(tiers.review, '-', 1) AS INTEGER) AS rmm,
       CAST(split_part(tiers.review, '-', 2) AS INTEGER) AS rdd,
       [CAST(round(CAST(l."from" AS DECIMAL(18,2)) * 100) AS BIGINT)
        FOR l IN tiers.levels] AS froms,
       [l.name FOR l IN tiers.levels] AS names,
       (TIMESTAMPTZ '{{asof}}' AT TIME ZONE '{{tz}}')::DATE AS today
FROM read_json('{{program}}')
;
CREATE TEMP TABLE o AS
SELECT member_id, ts, status,
       CAST(amount * 100 AS BIGINT) AS a,
       CAST(ts AS DATE) AS d,          -- local: the session's TimeZone
       currency
FROM read_csv('{{orders}}', header = true,
              types = {'amount': 'DECIMAL(18,2)', 'ts': 'TIMESTAMPTZ'})
WHERE ts <= TIMESTAMPTZ '{{asof}}'
;
SELECT CASE WHEN count(*) > 0 THEN error('points.sql: ' || count(*) ||
       ' paid orders with amount <= 0 or another currency: not covered') END
FROM o, read_json('{{program}}') j
WHERE status = 'paid' AND (a <= 0 OR o.currency <> j.currency)
;
-- Paid orders: points, the lot's last day, the window at the order and
-- its level.
CREATE TEMP TABLE p AS
SELECT x.*, len(list_filter(froms, f -> f <= qual)) - 1 AS lvl
FROM (SELECT member_id, ts, d, a,
             a * per4 // 1000000 AS pts,
             CAST(d + to_months(months) AS DATE) - 1 AS last_day,
             sum(a) OVER (PARTITION BY member_id ORDER BY ts
                          RANGE UNBOUNDED PRECEDING)
             - coalesce(sum(a) OVER (PARTITION BY member_id ORDER BY d
                          RANGE BETWEEN UNBOUNDED PRECEDING
                                    AND INTERVAL 12 MONTH PRECEDING), 0)
             AS qual
      FROM o, prog
      WHERE status = 'paid') x, prog
;
CREATE TEMP TABLE mem AS
SELECT member_id, min(ts) AS since FROM o GROUP BY member_id
;
-- The reviews up to asof.  A day's period is the year of the last review
-- on or before it: the review at R opens period year(R).
CREATE TEMP TABLE rv AS
SELECT r, year(r) AS k, (r::TIMESTAMP AT TIME ZONE '{{tz}}') AS rts
FROM prog, (SELECT make_date(y::INTEGER, rmm, rdd) AS r
            FROM prog, range(year(today) - 120, year(today) + 1) t(y))
WHERE r <= today
;
-- Per member and period: the start (the first record, level 0, or the
-- review, at the level of [R - 12 months, R)), and the highest level an
-- order reached with the first time it did.  The review window of R is
-- the period before it: the days of [R - 12 months, R) are those of
-- period year(R) - 1.
CREATE TEMP TABLE per AS
WITH op AS (
  SELECT member_id,
         year(d) - (make_date(year(d), rmm, rdd) > d)::INT AS k,
         max(lvl) AS m,
         arg_min(ts, [-lvl, epoch_us(ts)]) AS tm,
         sum(a) AS spend
  FROM p, prog
  GROUP BY ALL),
st AS (
  SELECT m.member_id, rv.k, rv.rts AS t,
         len(list_filter(froms, f -> f <= coalesce(op.spend, 0))) - 1 AS s,
         false AS first
  FROM mem m JOIN rv ON m.since < rv.rts
       CROSS JOIN prog
       LEFT JOIN op ON op.member_id = m.member_id AND op.k = rv.k - 1
  UNION ALL
  SELECT member_id,
         year(sd) - (make_date(year(sd), rmm, rdd) > sd)::INT, since, 0, true
  FROM (SELECT *, CAST(since AS DATE) AS sd FROM mem), prog)
SELECT member_id, k, st.t, st.s, st.first, coalesce(op.m, -1) AS m, op.tm
FROM st LEFT JOIN op USING (member_id, k)
;
-- A period's end tier is max(start, m); its last change is the first
-- order at m when m is above the start, else the start when it changed
-- the tier (the first record; a review that took it down).
CREATE TEMP TABLE tiers AS
SELECT member_id, arg_max(e, k) AS tier,
       arg_max(ct, k) FILTER (WHERE ct IS NOT NULL) AS tier_since
FROM (SELECT member_id, k, greatest(s, m) AS e,
             CASE WHEN m > s THEN tm
                  WHEN first OR s < lag(greatest(s, m)) OVER (
                       PARTITION BY member_id ORDER BY k) THEN t END AS ct
      FROM per)
GROUP BY member_id
;
CREATE TEMP TABLE bal AS
SELECT member_id,
       sum(pts) AS earned,
       sum(pts) FILTER (WHERE last_day < today) AS expired,
       sum(pts) FILTER (WHERE last_day >= today
                          AND last_day <= today + {{expiring}}) AS expiring,
       min(last_day) FILTER (WHERE pts > 0 AND last_day >= today
                          AND last_day <= today + {{expiring}}) AS expiring_on,
       sum(a) FILTER (WHERE d > CAST(today - INTERVAL 12 MONTH AS DATE)
                        AND d <= today) AS qs
FROM p, prog
GROUP BY member_id
;
COPY (
  SELECT m.member_id,
         coalesce(b.earned, 0) - coalesce(b.expired, 0) AS points,
         coalesce(b.earned, 0) AS earned,
         coalesce(b.expired, 0) AS expired,
         coalesce(b.expiring, 0) AS expiring_points,
         b.expiring_on,
         names[t.tier + 1] AS tier,
         epoch(t.tier_since)::BIGINT AS tier_since_epoch,
         coalesce(b.qs, 0) AS qualifying_spend_c,
         names[t.tier + 2] AS next_tier,
         froms[t.tier + 2] - coalesce(b.qs, 0) AS to_next_tier_c
  FROM mem m JOIN tiers t USING (member_id)
       LEFT JOIN bal b USING (member_id)
       CROSS JOIN prog
  ORDER BY m.member_id
) TO '{{out}}' (HEADER, DELIMITER ',')
;
