-- Workload report in DuckDB: the records of mbr-report --as-of ASOF --tz
-- TZ --periods N --cohorts C (monthly; man/mbr-report.1) over the
-- canonical orders, and with --by FIELD too: every KPI of each month
-- with the month before's value and the change, the latest month's
-- Pareto curve and the first-purchase cohorts.  Parameters: orders,
-- out, asof (a timestamp with offset), tz, periods, cohorts, by (the
-- --by column, or NULL for none).
--
-- The definitions, as the man page gives them:
--   a purchase is a paid order with amount >= 0; a paid order with a
--   negative amount is a return: revenue, and a member's last paid
--   order, but no purchase.  Refunded orders count only in
--   refunded_orders, refunds and refund_rate; cancelled and pending
--   ones only towards members.  An order after asof has not happened.
--   A month holds the orders of its local days; the latest ends at
--   asof.  A month's as-of day is the first day of the next (for the
--   latest, asof's local day).
--   members: members with any order up to the month's end;
--   active_Nd: a paid order within N days before the as-of day, up to
--   the month's end.  A group's members are those with an order in
--   the group; new_buyers are buyers whose first purchase (over all
--   orders) was in the month.
--
-- Exactness: money is integer cents (DuckDB divides DECIMALs as
-- DOUBLE); a rate or change is kept as a fraction num / den of
-- integers, rounded to 6 places half away from zero when written
-- (r6).  A change is (value - previous) / |previous| over those
-- fractions: of aov and revenue_per_buyer as written (whole cents), of
-- a rate as its exact fraction, as mbr-report does it.
SET TimeZone = '{{tz}}'
;
-- a / b rounded half away from zero, in integers
CREATE MACRO div_half_away(a, b) AS
    sign(a) * sign(b) * ((2 * abs(a) + abs(b)) // (2 * abs(b)))
;
-- the fraction num / den to exactly 6 places, empty when den <= 0
CREATE MACRO r6(num, den) AS
    CASE WHEN den > 0 THEN
        CAST(CAST(div_half_away(CAST(num AS HUGEINT) * 1000000,
                                CAST(den AS HUGEINT)) AS DECIMAL(38, 0))
             * 0.000001 AS VARCHAR)
    END
;
CREATE MACRO money(cents) AS
    CAST(CAST(cents AS DECIMAL(38, 0)) * 0.01 AS VARCHAR)
;
-- The months: the N written, ending with asof's, and one before for the
-- first one's previous value (p = 0).
CREATE TEMP TABLE cal AS
WITH a AS (
  SELECT CAST(TIMESTAMPTZ '{{asof}}' AS DATE) AS asof_day,
         CAST(date_trunc('month', CAST(TIMESTAMPTZ '{{asof}}' AS DATE))
              AS DATE) AS asof_month)
SELECT p,
       CAST(asof_month - to_months({{periods}} - p) AS DATE) AS month,
       CASE WHEN p = {{periods}} THEN asof_day
            ELSE CAST(asof_month - to_months({{periods}} - p - 1) AS DATE)
       END AS asof_day
FROM a, range(0, {{periods}} + 1) t(p)
;
-- The orders that have happened, local, each once for all orders
-- (group '') and once for its --by group.
CREATE TEMP TABLE o AS
SELECT unnest(CASE WHEN '{{by}}' = 'NULL' THEN ['']
               ELSE ['', coalesce(nullif(trim(CAST({{by}} AS VARCHAR)), ''),
                                  '(none)')] END) AS g,
       member_id,
       CAST(ts AS DATE) AS d,
       CAST(date_trunc('month', CAST(ts AS DATE)) AS DATE) AS month,
       status,
       CAST(amount * 100 AS BIGINT) AS cents
FROM read_csv('{{orders}}', header = true,
              types = {'amount': 'DECIMAL(18,2)', 'ts': 'TIMESTAMPTZ',
                       'member_id': 'VARCHAR'})
WHERE ts <= TIMESTAMPTZ '{{asof}}'
  AND status IN ('paid', 'refunded', 'cancelled', 'pending')
  AND trim(member_id) <> ''
;
-- Each member's month in each group: paid amounts, purchases, the last
-- paid day.
CREATE TEMP TABLE mm AS
SELECT g, member_id, month,
       coalesce(sum(cents) FILTER (WHERE status = 'paid'), 0) AS rev,
       count(*) FILTER (WHERE status = 'paid' AND cents >= 0) AS purchases,
       max(d) FILTER (WHERE status = 'paid') AS last_paid
FROM o
GROUP BY ALL
;
-- A member's first month of any order (per group), and first purchase
-- (over all orders).
CREATE TEMP TABLE firsts AS
SELECT g, member_id, min(month) AS first_month,
       min(month) FILTER (WHERE purchases > 0) AS first_purchase
FROM mm
GROUP BY ALL
;
CREATE TEMP TABLE members AS
SELECT h.g, cal.p, sum(h.n) AS members
FROM (SELECT g, first_month, count(*) AS n FROM firsts GROUP BY ALL) h
JOIN cal ON h.first_month <= cal.month
GROUP BY ALL
;
CREATE TEMP TABLE active AS
SELECT mm.g, cal.p,
       count(DISTINCT mm.member_id) FILTER (WHERE cal.asof_day - mm.last_paid <= 30) AS active_30d,
       count(DISTINCT mm.member_id) FILTER (WHERE cal.asof_day - mm.last_paid <= 60) AS active_60d,
       count(DISTINCT mm.member_id) AS active_90d
FROM mm JOIN cal
  ON mm.month <= cal.month AND cal.asof_day - mm.last_paid <= 90
GROUP BY ALL
;
-- The month's buyers, ranked by their revenue in it (the Pareto share).
CREATE TEMP TABLE buyers AS
SELECT mm.g, cal.p, mm.member_id, mm.rev,
       f.first_purchase = mm.month AS is_new,
       row_number() OVER (PARTITION BY mm.g, cal.p ORDER BY mm.rev DESC) AS rank,
       count(*) OVER (PARTITION BY mm.g, cal.p) AS n
FROM mm
JOIN cal ON cal.month = mm.month
JOIN firsts f ON f.g = '' AND f.member_id = mm.member_id
WHERE mm.purchases > 0
;
CREATE TEMP TABLE sales AS
SELECT mm.g, cal.p,
       count(*) FILTER (WHERE purchases > 0) AS buyers,
       count(*) FILTER (WHERE purchases >= 2) AS repeaters,
       sum(purchases) AS orders,
       sum(rev) AS revenue
FROM mm JOIN cal ON cal.month = mm.month
GROUP BY ALL
;
CREATE TEMP TABLE top AS
SELECT g, p,
       count(*) FILTER (WHERE is_new) AS new_buyers,
       CAST(ceil(max(n) * 0.2) AS BIGINT) AS pareto_buyers,
       sum(rev) FILTER (WHERE rank <= ceil(n * 0.2)) AS top_revenue
FROM buyers
GROUP BY ALL
;
CREATE TEMP TABLE refunds AS
SELECT g, cal.p, count(*) AS refunded_orders, sum(cents) AS refunds
FROM o JOIN cal ON cal.month = o.month
WHERE status = 'refunded'
GROUP BY ALL
;
-- Every KPI of every group and month as a fraction num / den: counts
-- and money over 1, an empty value as a NULL num.
CREATE TEMP TABLE kv AS
WITH base AS (
  SELECT gs.g, cal.p,
         coalesce(m.members, 0) AS members,
         coalesce(s.buyers, 0) AS buyers,
         coalesce(t.new_buyers, 0) AS new_buyers,
         coalesce(a.active_30d, 0) AS active_30d,
         coalesce(a.active_60d, 0) AS active_60d,
         coalesce(a.active_90d, 0) AS active_90d,
         coalesce(s.repeaters, 0) AS repeaters,
         coalesce(s.orders, 0) AS orders,
         coalesce(s.revenue, 0) AS revenue,
         coalesce(t.pareto_buyers, 0) AS pareto_buyers,
         coalesce(t.top_revenue, 0) AS top_revenue,
         coalesce(r.refunded_orders, 0) AS refunded_orders,
         coalesce(r.refunds, 0) AS refunds
  FROM (SELECT DISTINCT g FROM firsts) gs
  CROSS JOIN cal
  LEFT JOIN members m USING (g, p)
  LEFT JOIN active a USING (g, p)
  LEFT JOIN sales s USING (g, p)
  LEFT JOIN top t USING (g, p)
  LEFT JOIN refunds r USING (g, p))
SELECT g, p, k.*
FROM base,
LATERAL (VALUES
  (1, 'members', 'n', members, 1),
  (2, 'buyers', 'n', buyers, 1),
  (3, 'new_buyers', 'n', new_buyers, 1),
  (4, 'active_30d', 'n', active_30d, 1),
  (5, 'active_60d', 'n', active_60d, 1),
  (6, 'active_90d', 'n', active_90d, 1),
  (7, 'repurchase_rate', 'r', CASE WHEN buyers > 0 THEN repeaters END, buyers),
  (8, 'orders', 'n', orders, 1),
  (9, 'revenue', 'm', revenue, 1),
  (10, 'aov', 'm', CASE WHEN orders > 0 THEN div_half_away(revenue, orders) END, 1),
  (11, 'revenue_per_buyer', 'm', CASE WHEN buyers > 0 THEN div_half_away(revenue, buyers) END, 1),
  (12, 'pareto_buyers', 'n', pareto_buyers, 1),
  (13, 'pareto_share', 'r', CASE WHEN buyers > 0 AND revenue > 0 THEN top_revenue END, revenue),
  (14, 'refunded_orders', 'n', refunded_orders, 1),
  (15, 'refunds', 'm', refunds, 1),
  (16, 'refund_rate', 'r', CASE WHEN refunded_orders + orders > 0 THEN refunded_orders END,
                           refunded_orders + orders)
) k(ki, kpi, kind, num, den)
;
CREATE MACRO shown(kind, num, den) AS
    CASE kind WHEN 'n' THEN CAST(num AS VARCHAR)
              WHEN 'm' THEN money(num)
              ELSE r6(num, den) END
;
COPY (
  WITH kp AS (
    SELECT *,
           lag(num) OVER w AS pnum, lag(den) OVER w AS pden
    FROM kv
    WINDOW w AS (PARTITION BY g, kpi ORDER BY p))
  SELECT 'kpi' AS section, kpi, strftime(cal.month, '%Y-%m') AS period,
         CAST(cal.month AS VARCHAR) AS period_start, nullif(g, '') AS "group",
         NULL AS key,
         shown(kind, num, den) AS value,
         shown(kind, pnum, pden) AS previous,
         -- (v - p) / |p| with v = num / den, p = pnum / pden
         CASE WHEN num IS NOT NULL AND pnum IS NOT NULL AND pnum <> 0 THEN
             r6(CAST(num AS HUGEINT) * pden - CAST(pnum AS HUGEINT) * den,
                abs(CAST(pnum AS HUGEINT)) * den)
         END AS change
  FROM kp JOIN cal USING (p)
  WHERE p > 0
  UNION ALL
  -- the latest month's Pareto curve over all orders: the top 10%, 20%,
  -- ... 100% of its buyers (rounded up) and their share of revenue
  SELECT 'pareto', 'revenue_share', strftime(cal.month, '%Y-%m'),
         CAST(cal.month AS VARCHAR), NULL, CAST(10 * j AS VARCHAR),
         CASE WHEN s.buyers > 0 AND s.revenue > 0 THEN
             r6((SELECT sum(rev) FROM buyers b
                 WHERE b.g = '' AND b.p = cal.p AND b.rank <= ceil(b.n * j * 0.1)),
                s.revenue)
         END, NULL, NULL
  FROM cal
  CROSS JOIN range(1, 11) t(j)
  LEFT JOIN sales s ON s.g = '' AND s.p = cal.p
  WHERE cal.p = {{periods}}
  UNION ALL
  -- cohorts: the members by the month of their first purchase, the
  -- last C months to asof's; for each month k after it, those who
  -- bought and what they paid (returns included)
  SELECT 'cohort', kpi, strftime(cohort, '%Y-%m'), CAST(cohort AS VARCHAR),
         NULL, key, value, NULL, NULL
  FROM (
    WITH months AS (
      SELECT CAST(month - to_months(k) AS DATE) AS cohort
      FROM cal, range(0, {{cohorts}}) t(k)
      WHERE cal.p = {{periods}}),
    cells AS (
      SELECT f.first_purchase AS cohort,
             date_diff('month', f.first_purchase, mm.month) AS k,
             count(*) FILTER (WHERE mm.purchases > 0) AS buyers,
             sum(mm.rev) AS revenue
      FROM firsts f JOIN mm USING (g, member_id)
      WHERE f.g = '' AND mm.month >= f.first_purchase
      GROUP BY ALL),
    sizes AS (
      SELECT first_purchase AS cohort, count(*) AS size
      FROM firsts WHERE g = '' GROUP BY ALL)
    SELECT cohort, 'size' AS kpi, NULL AS key,
           CAST(coalesce(size, 0) AS VARCHAR) AS value
    FROM months LEFT JOIN sizes USING (cohort)
    UNION ALL
    SELECT m.cohort, x.kpi, CAST(t.k AS VARCHAR),
           CASE x.kpi WHEN 'buyers' THEN CAST(coalesce(c.buyers, 0) AS VARCHAR)
                      WHEN 'retention' THEN r6(coalesce(c.buyers, 0), s.size)
                      ELSE money(coalesce(c.revenue, 0)) END
    FROM months m
    JOIN cal ON cal.p = {{periods}}
    CROSS JOIN range(0, {{cohorts}}) t(k)
    CROSS JOIN (VALUES ('buyers'), ('retention'), ('revenue')) x(kpi)
    LEFT JOIN cells c ON c.cohort = m.cohort AND c.k = t.k
    LEFT JOIN sizes s ON s.cohort = m.cohort
    WHERE m.cohort + to_months(t.k) <= cal.month)
) TO '{{out}}' (HEADER, DELIMITER ',')
;
