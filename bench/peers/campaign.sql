-- Workload 6, campaign in DuckDB: the send list mbr-campaign writes
-- (man/mbr-campaign.1) for bench/campaign.json over member records
-- (mbr-rfm --members output), with --suppress, --history and --cap.
-- Parameters: members, campaign (the JSON), suppress, history, out,
-- asof (a timestamp with offset), tz, capn, capdays (--cap N/DAYS).
--
-- What it covers, which is what bench/campaign.json and the bench data
-- (tests/bench/gen, tests/bench/campaign_gen.c) hold; anything else in
-- the campaign is an error here, not a silently different answer:
--   audience "monetary >= NUMBER"; trigger inactive_days; channels sms
--   and email only (each a name or an object with channel, consent,
--   message; no quiet hours, cost or follow-up); messages whose only
--   placeholder is the member's name (with or without a fallback,
--   blanks around either ignored); no coupons, holdouts, budget,
--   variants; members without a tz field (the zone is tz).
--
-- Selection (SELECTION in the man page), as far as the send list shows:
-- audience and trigger; not suppressed (member_id, phone or e-mail on
-- the list); the first channel with an address and consent; not in
-- cooldown (a row of this campaign with send_at > asof - cooldown
-- days); not capped (history rows with send_at > asof - cap days,
-- scheduled ones after asof included, plus this one, at most capn).
-- A day of the windows is 24 hours back from asof (SEND HISTORY).
--
-- Phones are normalised as the bench's suppression list writes them
-- (E.164, 11 national digits, blanks or dashes between groups, 00 for
-- +); e-mails trimmed and in lower case.  send_at is asof in tz with
-- its offset; rows sorted by send_at, then member_id bytewise (DuckDB's
-- default collation).  sms_parts: GSM-7 when every character is in the
-- GSM 03.38 alphabet (extension characters counted as one, as the man
-- page says "characters"), 160/153; else UCS-2 in UTF-16 units, 70/67.
SET TimeZone = '{{tz}}'
;
CREATE TEMP TABLE c AS
SELECT id,
       CAST(regexp_extract(audience, '^\s*monetary\s*>=\s*([0-9]+(\.[0-9]+)?)\s*$', 1)
            AS DECIMAL(18,2)) AS minmon,
       audience,
       "trigger".type AS ttype,
       CAST("trigger".days AS INTEGER) AS days,
       CAST(coalesce(cooldown_days, 0) AS INTEGER) AS cooldown,
       channels,
       message,
       TIMESTAMPTZ '{{asof}}' AS now_ts,
       CAST(TIMESTAMPTZ '{{asof}}' AS DATE) AS today,
       CAST({{capn}} AS INTEGER) AS capn,
       CAST({{capdays}} AS INTEGER) AS capdays
FROM read_json('{{campaign}}')
;
SELECT CASE WHEN minmon IS NULL THEN error('campaign.sql: audience ' || audience || ': not covered')
            WHEN ttype <> 'inactive_days' THEN error('campaign.sql: trigger ' || ttype || ': not covered')
            WHEN len(list_filter(channels, x -> x.channel NOT IN ('sms', 'email')
                   OR coalesce(x.consent, 'opt-in') NOT IN ('opt-in', 'opt-out'))) > 0
              THEN error('campaign.sql: a channel other than sms or email: not covered')
            WHEN len(list_filter(list_append(list_transform(channels, x -> x.message), message),
                   x -> x IS NOT NULL AND regexp_replace(x,
                        '\{\{\s*name\s*(\|[^}]*)?\}\}', '', 'g') LIKE '%{{%'))
                 > 0
              THEN error('campaign.sql: a placeholder other than name: not covered')
       END
FROM c
;
-- The members triggered and in the audience: the local day of the last
-- order is today - days.
CREATE TEMP TABLE t AS
SELECT m.member_id, m.name,
       CASE WHEN m.phone IS NULL OR trim(m.phone) = '' THEN NULL
            WHEN starts_with(trim(m.phone), '+')
              THEN '+' || regexp_replace(m.phone, '[^0-9]', '', 'g')
            WHEN starts_with(regexp_replace(m.phone, '[^0-9]', '', 'g'), '00')
              THEN '+' || substr(regexp_replace(m.phone, '[^0-9]', '', 'g'), 3)
            ELSE '+86' || ltrim(regexp_replace(m.phone, '[^0-9]', '', 'g'), '0')
       END AS phone,
       nullif(lower(trim(m.email)), '') AS email,
       lower(trim(m.consent_sms)) AS consent_sms,
       lower(trim(m.consent_email)) AS consent_email
FROM read_csv('{{members}}', header = true, all_varchar = true) m, c
WHERE CAST(CAST(m.last_order_ts AS TIMESTAMPTZ) AS DATE) = c.today - c.days
  AND TRY_CAST(m.monetary AS DECIMAL(18,2)) >= c.minmon
;
-- The suppression list: member ids, phones, e-mails.
CREATE TEMP TABLE sup AS
WITH l AS (
  SELECT trim(unnest(string_split(content, chr(10))), E' \t\r') AS v
  FROM read_text('{{suppress}}')),
v AS (
  SELECT v,
         CASE WHEN starts_with(v, 'phone:') THEN 'phone'
              WHEN starts_with(v, 'email:') THEN 'email'
              WHEN contains(v, '@') THEN 'addr'
              WHEN regexp_full_match(v, '\+?[0-9][0-9 ()\-.]*')
                   AND length(regexp_replace(v, '[^0-9]', '', 'g')) BETWEEN 7 AND 15
                THEN 'tel'
              ELSE 'id' END AS kind
  FROM l
  WHERE v <> '' AND NOT starts_with(v, '#')),
p AS (
  SELECT v, kind,
         CASE WHEN kind IN ('phone', 'tel') THEN
           CASE WHEN starts_with(trim(replace(v, 'phone:', '')), '+')
                  THEN '+' || regexp_replace(v, '[^0-9]', '', 'g')
                WHEN starts_with(regexp_replace(v, '[^0-9]', '', 'g'), '00')
                  THEN '+' || substr(regexp_replace(v, '[^0-9]', '', 'g'), 3)
                WHEN length(regexp_replace(v, '[^0-9]', '', 'g')) = 13
                     AND starts_with(regexp_replace(v, '[^0-9]', '', 'g'), '861')
                  THEN '+' || regexp_replace(v, '[^0-9]', '', 'g')
                ELSE '+86' || ltrim(regexp_replace(v, '[^0-9]', '', 'g'), '0')
           END END AS phone,
         CASE WHEN kind = 'email' THEN lower(trim(substr(v, 7)))
              WHEN kind = 'addr' THEN lower(v) END AS email
  FROM v)
SELECT v AS member_id, NULL AS phone, NULL AS email FROM p WHERE kind IN ('phone', 'email', 'id')
UNION ALL SELECT NULL, phone, NULL FROM p WHERE phone IS NOT NULL
UNION ALL SELECT NULL, NULL, email FROM p WHERE email IS NOT NULL
;
-- The history of the members triggered: messages in the cap's window
-- (scheduled ones after asof too), and this campaign's in the cooldown.
CREATE TEMP TABLE h AS
SELECT h.member_id,
       count(*) FILTER (WHERE h.send_at > c.now_ts - to_seconds(c.capdays * 86400)) AS ncap,
       count(*) FILTER (WHERE h.campaign_id = c.id
                          AND h.send_at > c.now_ts - to_seconds(c.cooldown * 86400)) AS ncool
FROM read_csv('{{history}}', header = true,
              columns = {'campaign_id': 'VARCHAR', 'member_id': 'VARCHAR',
                         'channel': 'VARCHAR', 'address': 'VARCHAR',
                         'send_at': 'TIMESTAMPTZ', 'message': 'VARCHAR',
                         'sms_parts': 'VARCHAR', 'coupon_code': 'VARCHAR',
                         'variant': 'VARCHAR'}) h, c
WHERE h.member_id IN (SELECT member_id FROM t)
  AND h.send_at > c.now_ts - to_seconds(greatest(c.capdays, c.cooldown) * 86400)
GROUP BY h.member_id
;
CREATE TEMP TABLE s AS
SELECT t.member_id, t.name, t.phone, t.email, c.id, c.now_ts, c.message AS cmsg,
       list_filter(c.channels, x ->
         (x.channel = 'sms' AND t.phone IS NOT NULL AND
          CASE WHEN coalesce(x.consent, 'opt-in') = 'opt-in'
               THEN coalesce(t.consent_sms IN ('true', 'yes', 'y', '1', 'opt-in'), false)
               ELSE NOT coalesce(t.consent_sms IN ('false', 'no', 'n', '0', 'opt-out'), false) END)
         OR
         (x.channel = 'email' AND t.email IS NOT NULL AND
          CASE WHEN coalesce(x.consent, 'opt-in') = 'opt-in'
               THEN coalesce(t.consent_email IN ('true', 'yes', 'y', '1', 'opt-in'), false)
               ELSE NOT coalesce(t.consent_email IN ('false', 'no', 'n', '0', 'opt-out'), false) END)
       )[1] AS ch
FROM t CROSS JOIN c
     LEFT JOIN h ON h.member_id = t.member_id
WHERE t.member_id NOT IN (SELECT member_id FROM sup WHERE member_id IS NOT NULL)
  AND (t.phone IS NULL OR t.phone NOT IN (SELECT phone FROM sup WHERE phone IS NOT NULL))
  AND (t.email IS NULL OR t.email NOT IN (SELECT email FROM sup WHERE email IS NOT NULL))
  AND coalesce(h.ncool, 0) = 0
  AND coalesce(h.ncap, 0) + 1 <= c.capn
;
CREATE TEMP TABLE r AS
SELECT *,
       -- the one placeholder, name, with or without a fallback
       replace(tpl, regexp_extract(tpl, '\{\{\s*name\s*(\|[^}]*)?\}\}', 0),
               coalesce(nullif(name, ''),
                        trim(substr(regexp_extract(tpl, '\{\{\s*name\s*(\|[^}]*)?\}\}', 1), 2),
                             E' \t'),
                        '')) AS msg
FROM (SELECT *, ch.channel AS channel, coalesce(ch.message, cmsg) AS tpl
      FROM s WHERE ch IS NOT NULL)
;
COPY (
  SELECT id AS campaign_id, member_id, channel,
         CASE channel WHEN 'sms' THEN phone ELSE email END AS address,
         strftime(now_ts AT TIME ZONE '{{tz}}', '%Y-%m-%dT%H:%M:%S') ||
         CASE WHEN o < 0 THEN '-' ELSE '+' END ||
         lpad(CAST(abs(o) // 3600 AS VARCHAR), 2, '0') || ':' ||
         lpad(CAST(abs(o) % 3600 // 60 AS VARCHAR), 2, '0')
           AS send_at,
         msg AS message,
         CASE WHEN channel <> 'sms' THEN NULL
              WHEN regexp_full_match(msg, '[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&''()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà\f^{}\\\[~\]|€]*')
                THEN CASE WHEN length(msg) <= 160 THEN 1 ELSE (length(msg) + 152) // 153 END
              ELSE CASE WHEN u16 <= 70 THEN 1 ELSE (u16 + 66) // 67 END
         END AS sms_parts,
         NULL AS coupon_code,
         NULL AS variant
  FROM (SELECT *, length(msg) + length(msg) -
               length(regexp_replace(msg, '[\x{10000}-\x{10FFFF}]', '', 'g')) AS u16,
               CAST(epoch(now_ts AT TIME ZONE '{{tz}}') - epoch(now_ts) AS BIGINT) AS o
        FROM r)
  ORDER BY now_ts, member_id
) TO '{{out}}' (HEADER, DELIMITER ',')
;
