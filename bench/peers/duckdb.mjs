// duckdb.mjs: run a SQL file through DuckDB's Node.js package.
//
//   node duckdb.mjs MODULE_DIR THREADS FILE.sql [key=value ...]
//
// MODULE_DIR is where `npm install @duckdb/node-api` put node_modules
// (bench/data/node); THREADS is 0 for DuckDB's default (one per core)
// or the number to pin.  Each {{key}} in the SQL is replaced by value;
// statements are separated by a line holding only ";".  With "version"
// as the SQL file it prints DuckDB's version instead.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const [moddir, threads, sqlfile, ...kv] = process.argv.slice(2);
if (!moddir || threads === undefined || !sqlfile) {
  process.stderr.write('usage: node duckdb.mjs MODULE_DIR THREADS FILE.sql [key=value ...]\n');
  process.exit(2);
}
const require = createRequire(path.resolve(moddir) + '/');
const { DuckDBInstance } = require('@duckdb/node-api');

const opts = {};
if (Number(threads) > 0) opts.threads = String(threads);
const db = await DuckDBInstance.create(':memory:', opts);
const con = await db.connect();
if (sqlfile === 'version') {
  const r = await con.runAndReadAll("SELECT version(), current_setting('threads')");
  const [v, t] = r.getRows()[0];
  process.stdout.write(`${v} threads=${t}\n`);
  process.exit(0);
}
let sql = readFileSync(sqlfile, 'utf8');
for (const a of kv) {
  const i = a.indexOf('=');
  sql = sql.split('{{' + a.slice(0, i) + '}}').join(a.slice(i + 1));
}
const left = sql.match(/{{[a-z_]+}}/);
if (left) {
  process.stderr.write(`duckdb.mjs: ${sqlfile}: ${left[0]} has no value\n`);
  process.exit(2);
}
try {
  for (const stmt of sql.split(/^;\s*$/m)) {
    if (stmt.replace(/--.*$/gm, '').trim() === '') continue;
    await con.run(stmt);
  }
} catch (e) {
  process.stderr.write(`duckdb.mjs: ${sqlfile}: ${e.message}\n`);
  process.exit(1);
}
