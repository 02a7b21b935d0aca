-- Workload oneid in DuckDB (issue #18): the people of the orders'
-- identifiers as connected components, by iterative label propagation,
-- as warehouse identity stitching computes them.  Run by
-- bench/peers/oneid.mjs, which repeats the statements between
-- "-- @loop" and "-- @until 0" until the UPDATE changes no row: the
-- loop a dbt run-operation or an Airflow task drives.  Parameters:
-- orders (canonical order CSV with member_id and identifiers), out.
--
-- A record's identifiers are its member_id followed by the entries of
-- its identifiers field, split at "|", blanks trimmed, empty ones
-- dropped (man/mbr-oneid.1, IDENTIFIERS); each is linked to the first,
-- the member_id.  Identifiers are numbered in byte order (DuckDB's
-- default collation), so that the least number of a component is its
-- least identifier: joins and minimums on integers, as one would write
-- it for speed.  Every identifier starts with its own number as label;
-- a pass gives each the least label of its neighbours when that is
-- less; when a pass changes nothing, each label is the least identifier
-- of its component.  Passes: the longest distance from a component's
-- least identifier, plus one.
--
-- Out: order_id, label (the least identifier of the component of the
-- order's member_id), in no particular order.  No guards: plain
-- connected components, which mbr-oneid gives with
-- --max-members-per-identifier above any identifier's sharing.
CREATE TABLE orders AS
SELECT order_id, member_id, identifiers
FROM read_csv('{{orders}}', header = true, all_varchar = true)
;
CREATE TABLE pairs AS
WITH sets AS (SELECT DISTINCT member_id, identifiers FROM orders)
SELECT DISTINCT a, b FROM (
    SELECT member_id AS a, member_id AS b FROM sets
    UNION ALL
    SELECT member_id AS a,
           trim(unnest(string_split(identifiers, '|'))) AS b
    FROM sets
)
WHERE b <> ''
;
CREATE TABLE nodes AS
SELECT b AS identifier, row_number() OVER (ORDER BY b) AS n
FROM (SELECT DISTINCT b FROM pairs)
;
CREATE TABLE edges AS
SELECT na.n AS a, nb.n AS b
FROM pairs
JOIN nodes na ON na.identifier = pairs.a
JOIN nodes nb ON nb.identifier = pairs.b
WHERE pairs.a <> pairs.b
UNION
SELECT nb.n, na.n
FROM pairs
JOIN nodes na ON na.identifier = pairs.a
JOIN nodes nb ON nb.identifier = pairs.b
WHERE pairs.a <> pairs.b
;
CREATE TABLE labels AS SELECT n, n AS label FROM nodes
;
-- @loop
UPDATE labels SET label = m.label
FROM (SELECT e.a AS n, min(l.label) AS label
      FROM edges e JOIN labels l ON l.n = e.b
      GROUP BY e.a) AS m
WHERE labels.n = m.n AND m.label < labels.label
;
-- @until 0
COPY (
    SELECT o.order_id, lid.identifier AS label
    FROM orders o
    JOIN nodes nm ON nm.identifier = o.member_id
    JOIN labels l ON l.n = nm.n
    JOIN nodes lid ON lid.n = l.label
) TO '{{out}}' (HEADER, DELIMITER ',')
