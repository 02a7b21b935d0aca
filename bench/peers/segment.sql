-- Workload 3, the 20 rules of segment.rules as CASE WHEN over member
-- records.  Parameters: members, out.
COPY (
  SELECT *,
    CASE
      WHEN r_score >= 4 AND f_score >= 4 AND monetary > 5000 THEN 'champions_vip'
      WHEN recency_days <= 60 AND frequency >= 3 AND monetary > 2000 THEN 'vip_active'
      WHEN tenure_days <= 30 THEN 'new_buyer'
      WHEN recency_days BETWEEN 61 AND 90 THEN 'sleeping'
      WHEN recency_days BETWEEN 91 AND 180 AND frequency >= 2 THEN 'churn_risk'
      WHEN recency_days > 180 THEN 'churned'
      WHEN lifecycle = 'prospect' THEN 'prospect'
      WHEN frequency >= 5 AND monetary < 500 THEN 'frequent_low_value'
      WHEN frequency = 1 THEN 'one_timer'
      WHEN frequency >= 2 THEN 'regular'
      ELSE 'other'
    END AS segment,
    concat_ws('|',
      CASE WHEN tier IN ('gold', 'platinum') THEN 'gold_plus' END,
      CASE WHEN gender = 'F' THEN 'female' END,
      CASE WHEN regexp_matches(email, '(?i)@qq\.com$') THEN 'qq_mail' END,
      CASE WHEN consent_sms AND coalesce(phone, '') <> '' THEN 'sms_ok' END,
      CASE WHEN consent_wechat AND coalesce(wechat_openid, '') <> '' THEN 'wechat_ok' END,
      CASE WHEN consent_email AND coalesce(email, '') <> '' THEN 'email_ok' END,
      CASE WHEN aov >= 500 THEN 'high_aov' END,
      CASE WHEN year(birthday) BETWEEN 1990 AND 1999 THEN 'born_90s' END,
      CASE WHEN m_score = 5 THEN 'big_spender' END,
      CASE WHEN rfm_segment IN ('cannot_lose', 'at_risk') AND monetary > 3000
           THEN 'at_risk_vip' END) AS tags
  FROM read_csv('{{members}}', header = true,
                types = {'phone': 'VARCHAR', 'birthday': 'DATE'})
) TO '{{out}}' (HEADER, DELIMITER ',')
;
