-- abtest analyze in DuckDB: the per-variant records mbr-abtest analyze
-- writes (the contract, /work/abtest-spec.md, ANALYZE), for assignment
-- records and canonical orders, with the conversion metric.
-- Parameters: assignments, orders, out, window (NUMBER with d, h or w:
-- 30d), variants (as --variants: control=50,a=25,b=25 or control,a,b;
-- the first is control, the weights are the SRM test's).
--
-- What it covers: one experiment in the file (more is an error, as
-- mbr exits 2 without --experiment); an assignment with an empty
-- variant is outside the test; a member assigned twice to the same
-- variant starts at the earlier assigned_at; twice to two variants is
-- an error here (mbr rejects the record: the bench's data never have
-- it); a variant not in variants is an error; one currency.  Not
-- covered: send lists, holdouts, --covariate (CUPED), --metric revenue
-- (the verdict is on conversion), --partial.
--
-- An order counts for its member when it is paid and start <= ts <
-- start + window, the window in seconds (30d = 720 hours: days of 24
-- hours, whatever the zone).  Per member: converted (an order counted),
-- orders, revenue (the sum of amounts, in cents, exactly).  Per
-- variant, as the contract names them:
--   members, converters, conversion_rate, orders, orders_per_member,
--   revenue (exact, 2 decimals), revenue_per_member;
-- and against control (empty on control's row):
--   lift, lift_low, lift_high    p_b - p_a, unpooled Wald 95% interval
--                                (statsmodels confint_proportions_2indep,
--                                compare='diff', method='wald')
--   lift_rel, lift_rel_low, lift_rel_high
--                                p_b / p_a - 1; the interval by the
--                                delta method on the ratio itself:
--                                se = (p_b/p_a) sqrt(v_b/p_b^2 + v_a/p_a^2),
--                                v = p(1-p)/n (the contract does not
--                                say ratio or log ratio: this is a guess)
--   z, p_value                   pooled two-proportion z test, two-sided
--                                (statsmodels proportions_ztest of
--                                [c_b, c_a] over [n_b, n_a])
--   p_holm                       Holm over the variants' p_value
--   revenue_diff, revenue_diff_low, revenue_diff_high
--                                difference of the means of revenue per
--                                member (every member, 0 for those who
--                                bought nothing), Welch 95% interval
--   t, df, p_revenue             scipy ttest_ind(b, a, equal_var=False)
--   p_revenue_holm               Holm over p_revenue
--   chance_to_beat_control       P(p_b > p_a), Beta(1 + c, 1 + n - c)
--                                each, exactly (Evan Miller's sum)
--   srm_p                        chi-square of the members against the
--                                weights, k - 1 degrees of freedom
--   verdict                      the contract's rule on conversion,
--                                alpha 0.05, --min-members 100
-- A statistic that is undefined (a zero variance, an empty variant) is
-- empty, never NaN.
--
-- Distribution functions, since DuckDB has none: erfc by its series
-- below 3 and its continued fraction above; Student's t two-sided tail
-- by the regularised incomplete beta function I_x(df/2, 1/2), x = df /
-- (df + t^2), by its continued fraction (modified Lentz, 4000
-- iterations, enough for df up to 10^7: it needs about sqrt(df)); the
-- t quantile of the Welch interval by the Cornish-Fisher expansion in
-- 1/df to 1/df^4 (its error is about 10^-12 at df 1000; smaller df are
-- refused); chi-square tails in closed form.  Checked against scipy
-- 1.10 (bench/peers/abtest_pandas.py is the same in scipy).
SET TimeZone = 'UTC'
;
-- erfc(x), x >= 0
CREATE TEMP MACRO erfc_(x) AS (
  CASE WHEN x = 0 THEN 1.0::DOUBLE
       WHEN x < 3 THEN
         1 - 2 / sqrt(pi()) * exp(-x * x) * list_sum(list_transform(range(0, 150),
           n -> exp(2 * n * ln(2) + (2 * n + 1) * ln(x) + lgamma(n + 1) - lgamma(2 * n + 2))))
       ELSE exp(-x * x) / sqrt(pi()) / list_reduce(
         list_transform(range(400, 0, -1), k -> k::DOUBLE),
         (t, k) -> x + (k / 2) / t, x::DOUBLE)
  END)
;
-- the continued fraction of I_x(a, b) (Numerical Recipes' betacf), as
-- a fold over the half-steps j: m = j // 2 + 1, even and odd terms
CREATE TEMP MACRO betacf_(a, b, x) AS list_reduce(
  list_transform(range(0, 8000), j -> {'c': 0.0::DOUBLE, 'd': 0.0::DOUBLE,
    'h': 0.0::DOUBLE, 'm': (j // 2 + 1)::DOUBLE, 'odd': (j % 2)::DOUBLE}),
  (s, e) -> {
    'c': 1 + (CASE WHEN e.odd = 0
                THEN e.m * (b - e.m) * x / ((a - 1 + 2 * e.m) * (a + 2 * e.m))
                ELSE -(a + e.m) * (a + b + e.m) * x / ((a + 2 * e.m) * (a + 1 + 2 * e.m)) END) / s.c,
    'd': 1 / (1 + (CASE WHEN e.odd = 0
                THEN e.m * (b - e.m) * x / ((a - 1 + 2 * e.m) * (a + 2 * e.m))
                ELSE -(a + e.m) * (a + b + e.m) * x / ((a + 2 * e.m) * (a + 1 + 2 * e.m)) END) * s.d),
    'h': s.h * (1 / (1 + (CASE WHEN e.odd = 0
                THEN e.m * (b - e.m) * x / ((a - 1 + 2 * e.m) * (a + 2 * e.m))
                ELSE -(a + e.m) * (a + b + e.m) * x / ((a + 2 * e.m) * (a + 1 + 2 * e.m)) END) * s.d))
             * (1 + (CASE WHEN e.odd = 0
                THEN e.m * (b - e.m) * x / ((a - 1 + 2 * e.m) * (a + 2 * e.m))
                ELSE -(a + e.m) * (a + b + e.m) * x / ((a + 2 * e.m) * (a + 1 + 2 * e.m)) END) / s.c),
    'm': e.m, 'odd': e.odd},
  {'c': 1.0::DOUBLE, 'd': 1 / (1 - (a + b) * x / (a + 1)),
   'h': 1 / (1 - (a + b) * x / (a + 1)), 'm': 0.0::DOUBLE, 'odd': 1.0::DOUBLE}).h
;
-- I_x(a, b), y = 1 - x given apart (it is t^2 / (df + t^2), which 1 - x
-- would lose)
CREATE TEMP MACRO ibeta_(a, b, x, y) AS (
  CASE WHEN x <= 0 THEN 0.0::DOUBLE WHEN y <= 0 THEN 1.0::DOUBLE
       WHEN x < (a + 1) / (a + b + 2)
         THEN exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * ln(x) + b * ln(y)) * betacf_(a, b, x) / a
       ELSE 1 - exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * ln(x) + b * ln(y)) * betacf_(b, a, y) / b
  END)
;
-- two-sided tails
CREATE TEMP MACRO p_norm_(z) AS erfc_(abs(z) / sqrt(2))
;
CREATE TEMP MACRO p_t_(t, df) AS ibeta_(df / 2, 0.5::DOUBLE, df / (df + t * t), t * t / (df + t * t))
;
-- the 0.975 quantile of Student's t (Cornish-Fisher, Abramowitz and
-- Stegun 26.7.5)
CREATE TEMP MACRO z975_() AS 1.959963984540054::DOUBLE
;
CREATE TEMP MACRO t975_(df) AS (
  CASE WHEN df < 1000 THEN error('abtest_analyze.sql: Welch df ' || df || ' < 1000: the t quantile is not covered')
  ELSE z975_()
    + (z975_() ^ 3 + z975_()) / 4 / df
    + (5 * z975_() ^ 5 + 16 * z975_() ^ 3 + 3 * z975_()) / 96 / df ^ 2
    + (3 * z975_() ^ 7 + 19 * z975_() ^ 5 + 17 * z975_() ^ 3 - 15 * z975_()) / 384 / df ^ 3
    + (79 * z975_() ^ 9 + 776 * z975_() ^ 7 + 1482 * z975_() ^ 5 - 1920 * z975_() ^ 3 - 945 * z975_()) / 92160 / df ^ 4
  END)
;
-- the chi-square tail for k degrees of freedom
CREATE TEMP MACRO p_chi2_(x, k) AS (
  CASE WHEN x <= 0 THEN 1.0::DOUBLE
       WHEN k % 2 = 0 THEN exp(-x / 2) * list_sum(list_transform(range(0, k // 2),
         i -> exp(i * ln(x / 2) - lgamma(i + 1))))
       ELSE erfc_(sqrt(x / 2)) + exp(-x / 2) * coalesce(list_sum(list_transform(range(1, (k - 1) // 2 + 1),
         i -> exp((i - 0.5) * ln(x / 2) - lgamma(i + 0.5)))), 0)
  END)
;
-- ln B(x, y)
CREATE TEMP MACRO lbeta_(x, y) AS lgamma(x) + lgamma(y) - lgamma(x + y)
;
-- P(p_b > p_a) for Beta(ab, bb) and Beta(aa, ba)
CREATE TEMP MACRO beats_(aa, ba, ab, bb) AS list_sum(list_transform(range(0, ab::BIGINT),
  i -> exp(lbeta_(aa + i, ba + bb) - ln(bb + i) - lbeta_(1 + i, bb) - lbeta_(aa, ba))))
;
CREATE TEMP TABLE par AS
SELECT CAST(regexp_extract('{{window}}', '^([0-9]+)([dhw])$', 1) AS BIGINT)
       * CASE regexp_extract('{{window}}', '^([0-9]+)([dhw])$', 2)
           WHEN 'h' THEN 3600 WHEN 'w' THEN 604800 ELSE 86400 END AS win_s
;
SELECT CASE WHEN win_s IS NULL OR win_s <= 0
  THEN error('abtest_analyze.sql: window={{window}}: want NUMBER with d, h or w') END
FROM par
;
-- the variants: position (1 is control), name, weight
CREATE TEMP TABLE v AS
SELECT pos, split_part(x, '=', 1) AS variant,
       CAST(CASE WHEN x LIKE '%=%' THEN split_part(x, '=', 2) ELSE '1' END AS DOUBLE) AS w
FROM (SELECT unnest(string_split('{{variants}}', ',')) AS x,
             unnest(range(1, len(string_split('{{variants}}', ',')) + 1)) AS pos)
;
CREATE TEMP TABLE asg AS
SELECT experiment, member_id, variant, CAST(assigned_at AS TIMESTAMPTZ) AS start
FROM read_csv('{{assignments}}', header = true, all_varchar = true)
;
SELECT CASE WHEN (SELECT count(DISTINCT experiment) FROM asg) > 1
  THEN error('abtest_analyze.sql: several experiments in the assignments') END
;
-- one record a member in the test: the earliest start
CREATE TEMP TABLE a AS
SELECT member_id, min(variant) AS variant, count(DISTINCT variant) AS nvar,
       min(start) AS start
FROM asg
WHERE variant IS NOT NULL AND variant <> ''
GROUP BY member_id
;
SELECT CASE WHEN (SELECT count(*) FROM a WHERE nvar > 1) > 0
         THEN error('abtest_analyze.sql: a member in two variants')
       WHEN (SELECT count(*) FROM a WHERE variant NOT IN (SELECT variant FROM v)) > 0
         THEN error('abtest_analyze.sql: a variant not in variants={{variants}}')
       WHEN (SELECT count(*) FROM a WHERE start IS NULL) > 0
         THEN error('abtest_analyze.sql: an assignment without assigned_at') END
;
CREATE TEMP TABLE o AS
SELECT member_id, CAST(ts AS TIMESTAMPTZ) AS ts,
       CAST(CAST(amount AS DECIMAL(18, 2)) * 100 AS BIGINT) AS cents,
       currency
FROM read_csv('{{orders}}', header = true, all_varchar = true)
WHERE status = 'paid'
;
SELECT CASE WHEN (SELECT count(DISTINCT currency) FROM o) > 1
  THEN error('abtest_analyze.sql: more than one currency: not covered') END
;
-- per member
CREATE TEMP TABLE m AS
SELECT a.member_id, a.variant, count(o.ts) AS orders,
       coalesce(sum(o.cents), 0)::HUGEINT AS cents
FROM a LEFT JOIN o
  ON o.member_id = a.member_id AND o.ts >= a.start
 AND o.ts < a.start + to_seconds((SELECT win_s FROM par))
GROUP BY a.member_id, a.variant
;
-- per variant, exact sums
CREATE TEMP TABLE s AS
SELECT v.pos, v.variant, v.w,
       count(m.member_id) AS n,
       count(m.member_id) FILTER (WHERE m.orders > 0) AS c,
       coalesce(sum(m.orders), 0)::BIGINT AS orders,
       coalesce(sum(m.cents), 0)::HUGEINT AS cents,
       coalesce(sum(m.cents * m.cents), 0)::HUGEINT AS cents_sq
FROM v LEFT JOIN m USING (variant)
GROUP BY v.pos, v.variant, v.w
;
-- means, variances (revenue in yuan; the variance from exact integer
-- sums), and the SRM test on every row
CREATE TEMP TABLE s2 AS
SELECT *,
       c::DOUBLE / nullif(n, 0) AS p,
       cents::DOUBLE / 100 / nullif(n, 0) AS mean,
       CASE WHEN n > 1 THEN (n * cents_sq - cents * cents)::DOUBLE / (n::DOUBLE * (n - 1)) / 10000 END AS var,
       (SELECT p_chi2_(sum((x.n - t.nn * x.w / t.ww) ^ 2 / (t.nn * x.w / t.ww)), count(*) - 1)
          FROM s x, (SELECT sum(n)::DOUBLE AS nn, sum(w) AS ww FROM s) t
         WHERE t.nn > 0) AS srm_p
FROM s
;
CREATE TEMP TABLE r AS
SELECT b.pos, b.variant, b.n, b.c, b.p, b.orders, b.cents, b.mean, b.srm_p,
       a.n AS na, a.c AS ca,
       CASE WHEN b.pos > 1 THEN b.p - a.p END AS lift,
       CASE WHEN b.pos > 1 THEN sqrt(a.p * (1 - a.p) / a.n + b.p * (1 - b.p) / b.n) END AS lift_se,
       CASE WHEN b.pos > 1 AND a.p > 0 THEN b.p / a.p - 1 END AS lift_rel,
       CASE WHEN b.pos > 1 AND a.p > 0 AND b.p > 0
         THEN b.p / a.p * sqrt(b.p * (1 - b.p) / b.n / b.p ^ 2 + a.p * (1 - a.p) / a.n / a.p ^ 2) END AS lift_rel_se,
       CASE WHEN b.pos > 1 THEN (b.c + a.c)::DOUBLE / (b.n + a.n) END AS pool,
       CASE WHEN b.pos > 1 THEN b.mean - a.mean END AS revenue_diff,
       CASE WHEN b.pos > 1 THEN b.var / b.n + a.var / a.n END AS se2,
       CASE WHEN b.pos > 1 THEN (b.var / b.n + a.var / a.n) ^ 2
         / ((b.var / b.n) ^ 2 / (b.n - 1) + (a.var / a.n) ^ 2 / (a.n - 1)) END AS df
FROM s2 b, s2 a
WHERE a.pos = 1
;
CREATE TEMP TABLE r2 AS
SELECT *,
       CASE WHEN pool > 0 AND pool < 1
         THEN lift / sqrt(pool * (1 - pool) * (1.0 / n + 1.0 / na)) END AS z,
       CASE WHEN se2 > 0 THEN revenue_diff / sqrt(se2) END AS t
FROM r
;
CREATE TEMP TABLE r3 AS
SELECT *,
       CASE WHEN z IS NOT NULL THEN p_norm_(z) END AS p_value,
       CASE WHEN t IS NOT NULL THEN p_t_(t, df) END AS p_revenue
FROM r2
;
-- Holm: the i-th smallest of m p-values times (m - i + 1), the running
-- maximum, at most 1
CREATE TEMP TABLE h AS
SELECT *,
       (count(p_value) OVER () - row_number() OVER (ORDER BY p_value NULLS LAST, pos) + 1) * p_value AS hp,
       (count(p_revenue) OVER () - row_number() OVER (ORDER BY p_revenue NULLS LAST, pos) + 1) * p_revenue AS hr
FROM r3
;
CREATE TEMP TABLE r4 AS
SELECT *,
       CASE WHEN p_value IS NOT NULL THEN least(1.0, max(hp) OVER (ORDER BY p_value NULLS LAST, pos
         ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) END AS p_holm,
       CASE WHEN p_revenue IS NOT NULL THEN least(1.0, max(hr) OVER (ORDER BY p_revenue NULLS LAST, pos
         ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) END AS p_revenue_holm
FROM h
;
COPY (
  SELECT (SELECT min(experiment) FROM asg) AS experiment,
         variant,
         n AS members,
         c AS converters,
         p AS conversion_rate,
         orders,
         orders::DOUBLE / nullif(n, 0) AS orders_per_member,
         CAST(CAST(cents AS DECIMAL(38, 0)) / 100 AS DECIMAL(38, 2)) AS revenue,
         mean AS revenue_per_member,
         lift,
         CASE WHEN lift_se > 0 THEN lift - z975_() * lift_se END AS lift_low,
         CASE WHEN lift_se > 0 THEN lift + z975_() * lift_se END AS lift_high,
         lift_rel,
         CASE WHEN lift_rel_se > 0 THEN lift_rel - z975_() * lift_rel_se END AS lift_rel_low,
         CASE WHEN lift_rel_se > 0 THEN lift_rel + z975_() * lift_rel_se END AS lift_rel_high,
         z,
         p_value,
         p_holm,
         revenue_diff,
         CASE WHEN se2 > 0 THEN revenue_diff - t975_(df) * sqrt(se2) END AS revenue_diff_low,
         CASE WHEN se2 > 0 THEN revenue_diff + t975_(df) * sqrt(se2) END AS revenue_diff_high,
         t,
         CASE WHEN se2 > 0 THEN df END AS df,
         p_revenue,
         p_revenue_holm,
         CASE WHEN pos > 1 AND n > 0 AND na > 0 THEN beats_(1 + ca, 1 + na - ca, 1 + c, 1 + n - c) END
           AS chance_to_beat_control,
         srm_p,
         CASE WHEN pos = 1 THEN NULL
              WHEN n < 100 OR na < 100 OR c + ca < 10 THEN 'not enough data'
              WHEN srm_p < 0.001 THEN 'inconclusive'
              WHEN p_holm < 0.05 AND lift > 0 THEN 'winner'
              WHEN p_holm < 0.05 AND lift < 0 THEN 'loser'
              ELSE 'inconclusive' END AS verdict
  FROM r4
  ORDER BY pos
) TO '{{out}}' (HEADER, DELIMITER ',')
