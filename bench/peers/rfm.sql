-- Workload 2, RFM in DuckDB, scored by mbr-rfm's rule (R rfm's
-- rfm_table_order): break points are the type-7 quantiles of the
-- members' values at 1/5 .. 4/5 plus one unit (a day, an order, one
-- yuan), bins [lower, upper), recency reversed.  quantile_cont is
-- type 7 but returns a DOUBLE; the break points here are the same
-- quantiles computed exactly, times 5 so they stay integers:
--   h = (n-1) j / 5 = lo + r/5,  5 q = 5 x[lo] + r (x[lo+1] - x[lo]).
-- Parameters: orders, out, asof (a timestamp with offset), tz.
CREATE TEMP TABLE m AS
SELECT member_id,
       date_diff('day', (max(ts) AT TIME ZONE '{{tz}}')::DATE,
                 (TIMESTAMPTZ '{{asof}}' AT TIME ZONE '{{tz}}')::DATE)
           AS recency_days,
       count(*) FILTER (WHERE amount >= 0) AS frequency,
       CAST(sum(amount) * 100 AS BIGINT) AS monetary_c
FROM read_csv('{{orders}}', header = true,
              types = {'amount': 'DECIMAL(18,2)', 'ts': 'TIMESTAMPTZ'})
WHERE status = 'paid' AND ts <= TIMESTAMPTZ '{{asof}}'
GROUP BY member_id
;
CREATE TEMP TABLE q AS
WITH s AS (
  SELECT count(*) AS n,
         list_sort(list(recency_days)) AS lr,
         list_sort(list(frequency)) AS lf,
         list_sort(list(monetary_c)) AS lm
  FROM m),
p AS (
  SELECT (n - 1) * j // 5 + 1 AS i, (n - 1) * j % 5 AS r, j, lr, lf, lm
  FROM s, range(1, 5) t(j)),
b AS (
  SELECT j,
    5 * lr[i] + CASE WHEN r = 0 THEN 0 ELSE r * (lr[i + 1] - lr[i]) END + 5 AS br,
    5 * lf[i] + CASE WHEN r = 0 THEN 0 ELSE r * (lf[i + 1] - lf[i]) END + 5 AS bf,
    5 * lm[i] + CASE WHEN r = 0 THEN 0 ELSE r * (lm[i + 1] - lm[i]) END + 500 AS bm
  FROM p)
SELECT max(br) FILTER (WHERE j = 1) AS br1, max(br) FILTER (WHERE j = 2) AS br2,
       max(br) FILTER (WHERE j = 3) AS br3, max(br) FILTER (WHERE j = 4) AS br4,
       max(bf) FILTER (WHERE j = 1) AS bf1, max(bf) FILTER (WHERE j = 2) AS bf2,
       max(bf) FILTER (WHERE j = 3) AS bf3, max(bf) FILTER (WHERE j = 4) AS bf4,
       max(bm) FILTER (WHERE j = 1) AS bm1, max(bm) FILTER (WHERE j = 2) AS bm2,
       max(bm) FILTER (WHERE j = 3) AS bm3, max(bm) FILTER (WHERE j = 4) AS bm4
FROM b
;
COPY (
  WITH s AS (
    SELECT member_id, recency_days, frequency, monetary_c,
      5 - ((5 * recency_days >= br1)::INT + (5 * recency_days >= br2)::INT +
           (5 * recency_days >= br3)::INT + (5 * recency_days >= br4)::INT) AS r_score,
      1 + (5 * frequency >= bf1)::INT + (5 * frequency >= bf2)::INT +
          (5 * frequency >= bf3)::INT + (5 * frequency >= bf4)::INT AS f_score,
      1 + (5 * monetary_c >= bm1)::INT + (5 * monetary_c >= bm2)::INT +
          (5 * monetary_c >= bm3)::INT + (5 * monetary_c >= bm4)::INT AS m_score
    FROM m, q)
  SELECT *,
    CASE
      WHEN r_score >= 4 AND f_score >= 4 AND m_score >= 4 THEN 'champions'
      WHEN r_score >= 2 AND f_score >= 3 AND m_score >= 3 THEN 'loyal'
      WHEN r_score >= 4 AND f_score = 1 THEN 'new'
      WHEN r_score = 3 AND f_score = 1 THEN 'promising'
      WHEN r_score BETWEEN 2 AND 3 AND f_score BETWEEN 2 AND 3
           AND m_score BETWEEN 2 AND 3 THEN 'need_attention'
      WHEN r_score >= 3 THEN 'potential_loyalist'
      WHEN r_score = 1 AND f_score >= 4 AND m_score >= 4 THEN 'cannot_lose'
      WHEN r_score <= 2 AND f_score >= 2 AND m_score >= 2 THEN 'at_risk'
      WHEN r_score = 2 AND f_score <= 2 AND m_score <= 2 THEN 'about_to_sleep'
      WHEN r_score = 1 AND f_score <= 2 AND m_score <= 2 THEN 'lost'
      ELSE 'hibernating'
    END AS rfm_segment
  FROM s
) TO '{{out}}' (HEADER, DELIMITER ',')
;
