-- Workload 2 as a DuckDB user would first write it: ntile(5) over each
-- metric.  ntile splits into equal-sized groups and so scores ties
-- differently from mbr's quantile rule: timed, not compared.
-- Parameters: orders, out, asof, tz.
COPY (
  WITH m AS (
    SELECT member_id,
           date_diff('day', (max(ts) AT TIME ZONE '{{tz}}')::DATE,
                     (TIMESTAMPTZ '{{asof}}' AT TIME ZONE '{{tz}}')::DATE)
               AS recency_days,
           count(*) FILTER (WHERE amount >= 0) AS frequency,
           sum(amount) AS monetary
    FROM read_csv('{{orders}}', header = true,
                  types = {'amount': 'DECIMAL(18,2)', 'ts': 'TIMESTAMPTZ'})
    WHERE status = 'paid' AND ts <= TIMESTAMPTZ '{{asof}}'
    GROUP BY member_id),
  s AS (
    SELECT *,
           ntile(5) OVER (ORDER BY recency_days DESC) AS r_score,
           ntile(5) OVER (ORDER BY frequency) AS f_score,
           ntile(5) OVER (ORDER BY monetary) AS m_score
    FROM m)
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
