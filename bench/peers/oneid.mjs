// oneid.mjs: run bench/peers/oneid.sql through DuckDB's Node.js
// package, repeating its loop until it converges: the shell a warehouse
// job (a dbt run-operation, an Airflow task) drives iterative SQL with.
//
//   node oneid.mjs MODULE_DIR THREADS FILE.sql [key=value ...]
//
// As bench/peers/duckdb.mjs: MODULE_DIR is where `npm install
// @duckdb/node-api` put node_modules (bench/data/node); THREADS is 0 for
// DuckDB's default (one per core) or the number to pin; each {{key}} in
// the SQL is replaced by value; statements are separated by a line
// holding only ";".  Besides, the statements between a line "-- @loop"
// and a line "-- @until 0" are run again and again, in order, until the
// last of them changes no row (an UPDATE's count of rows changed, or
// the first value a SELECT returns), at most 10000 times.  Standard
// error gets "oneid.mjs: converged after N passes".
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const [moddir, threads, sqlfile, ...kv] = process.argv.slice(2);
if (!moddir || threads === undefined || !sqlfile) {
  process.stderr.write('usage: node oneid.mjs MODULE_DIR THREADS FILE.sql [key=value ...]\n');
  process.exit(2);
}
const require = createRequire(path.resolve(moddir) + '/');
const { DuckDBInstance } = require('@duckdb/node-api');

const opts = {};
if (Number(threads) > 0) opts.threads = String(threads);
const db = await DuckDBInstance.create(':memory:', opts);
const con = await db.connect();
let sql = readFileSync(sqlfile, 'utf8');
for (const a of kv) {
  const i = a.indexOf('=');
  sql = sql.split('{{' + a.slice(0, i) + '}}').join(a.slice(i + 1));
}
const left = sql.match(/{{[a-z_]+}}/);
if (left) {
  process.stderr.write(`oneid.mjs: ${sqlfile}: ${left[0]} has no value\n`);
  process.exit(2);
}

const stmts = (s) => s.split(/^;\s*$/m)
  .filter((t) => t.replace(/--.*$/gm, '').trim() !== '');
const m = sql.match(/^([\s\S]*?)^--\s*@loop\s*$([\s\S]*?)^--\s*@until 0\s*$([\s\S]*)$/m);
const [before, loop, after] = m ? [m[1], m[2], m[3]] : [sql, '', ''];

async function changed(stmt) {
  const r = await con.runAndReadAll(stmt);
  if (r.columnCount > 0) {
    const rows = r.getRows();
    return rows.length ? Number(rows[0][0]) : 0;
  }
  return r.rowsChanged;
}

try {
  for (const s of stmts(before)) await con.run(s);
  const body = stmts(loop);
  if (body.length) {
    let pass = 0;
    for (;;) {
      if (++pass > 10000) throw new Error('no convergence in 10000 passes');
      let n = 0;
      for (const s of body) n = await changed(s);
      if (n === 0) break;
    }
    process.stderr.write(`oneid.mjs: converged after ${pass} passes\n`);
  }
  for (const s of stmts(after)) await con.run(s);
} catch (e) {
  process.stderr.write(`oneid.mjs: ${sqlfile}: ${e.message}\n`);
  process.exit(1);
}
