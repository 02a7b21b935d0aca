// abtest_assign.mjs: the GrowthBook JavaScript SDK as the peer of
// mbr-abtest assign: every member's variant, computed by the SDK's own
// code (npm package @growthbook/growthbook).
//
//   node abtest_assign.mjs MODULE_DIR members=FILE out=FILE
//        experiment=KEY variants=NAME=W,NAME=W,... [coverage=C]
//        [hash=1|2] [seed=S] [api=client|run|util]
//   node abtest_assign.mjs MODULE_DIR version
//
// MODULE_DIR is where `npm install @growthbook/growthbook` put
// node_modules (bench/data/node, beside DuckDB's package).  members is
// a CSV file of member records with a member_id column (RFC 4180;
// read streaming, in 8 MB blocks); out gets "member_id,variant", one
// row a record in input order, the variant empty for a member outside
// the coverage.  A record with an empty member_id is left out (mbr
// rejects it); a member_id seen twice is not detected (mbr rejects the
// second): the bench's members are distinct.
//
// The experiment is { key: KEY, variations: the names, weights: W / sum
// of the W (so 50,25,25 gives 0.5, 0.25, 0.25 exactly), coverage: C
// (default 1), hashVersion: hash (default 2, as mbr-abtest; the SDK's
// own default is 1) }, seed S when given (the SDK hashes with the key
// otherwise), hashed on the attribute "id" = member_id.
//
// api chooses how the SDK is called; each is the SDK's code, none a
// re-implementation:
//   client  (default) GrowthBookClient.runInlineExperiment(experiment,
//           { attributes: { id } }): the SDK's public multi-user API
//           (one client, a user context a member: its server-side use)
//   run     GrowthBook.run(experiment) after setAttributes({ id }) on
//           one instance: the public single-user API, as a browser
//           calls it, a member at a time
//   util    hash(), getBucketRanges() and chooseVariation() of the
//           package's dist/cjs/util.js, required by its file name: the
//           package does not export them (its "exports" map hides the
//           file), so this is the SDK's bucketing without the
//           per-call machinery of runExperiment (overrides, query
//           string, filters, tracking)
// With "version" it prints the package's version.
import { createRequire } from 'node:module';
import { openSync, readSync, writeSync, closeSync, readFileSync } from 'node:fs';
import path from 'node:path';

const [moddir, ...rest] = process.argv.slice(2);
const usage = 'usage: node abtest_assign.mjs MODULE_DIR members=FILE out=FILE ' +
  'experiment=KEY variants=NAME=W,... [coverage=C] [hash=1|2] [seed=S] ' +
  '[api=client|run|util]\n';
if (!moddir || rest.length === 0) {
  process.stderr.write(usage);
  process.exit(2);
}
const require = createRequire(path.resolve(moddir) + '/');
const pkgdir = path.dirname(require.resolve('@growthbook/growthbook/package.json'));
if (rest[0] === 'version') {
  const p = JSON.parse(readFileSync(path.join(pkgdir, 'package.json'), 'utf8'));
  process.stdout.write(`${p.name} ${p.version}\n`);
  process.exit(0);
}
const opt = { coverage: '1', hash: '2', api: 'client' };
for (const a of rest) {
  const i = a.indexOf('=');
  if (i <= 0) {
    process.stderr.write(usage);
    process.exit(2);
  }
  opt[a.slice(0, i)] = a.slice(i + 1);
}
for (const k of ['members', 'out', 'experiment', 'variants']) {
  if (opt[k] === undefined) {
    process.stderr.write(`abtest_assign.mjs: ${k}= is missing\n` + usage);
    process.exit(2);
  }
}
const fail = (msg) => {
  process.stderr.write(`abtest_assign.mjs: ${msg}\n`);
  process.exit(2);
};

// --variants as mbr-abtest takes it: NAME=W,... or NAME,NAME,...
const names = [];
const w = [];
for (const part of opt.variants.split(',')) {
  const i = part.indexOf('=');
  names.push(i < 0 ? part : part.slice(0, i));
  w.push(i < 0 ? 1 : Number(part.slice(i + 1)));
}
if (names.length < 2 || names.some((n) => n === '') ||
    new Set(names).size !== names.length || w.some((x) => !(x >= 0)))
  fail(`variants=${opt.variants}: want NAME=WEIGHT,... (2 or more, distinct)`);
const sum = w.reduce((a, b) => a + b, 0);
const weights = w.map((x) => x / sum);
const coverage = Number(opt.coverage);
const hashVersion = Number(opt.hash);
const experiment = {
  key: opt.experiment,
  variations: names,
  weights,
  coverage,
  hashVersion,
};
if (opt.seed !== undefined) experiment.seed = opt.seed;

// variantOf(id): the variation's name, or '' outside the experiment.
let variantOf;
if (opt.api === 'client') {
  const { GrowthBookClient } = require('@growthbook/growthbook');
  const gb = new GrowthBookClient({});
  variantOf = (id) => {
    const r = gb.runInlineExperiment(experiment, { attributes: { id } });
    return r.inExperiment ? r.value : '';
  };
} else if (opt.api === 'run') {
  const { GrowthBook } = require('@growthbook/growthbook');
  const gb = new GrowthBook({ attributes: {} });
  variantOf = (id) => {
    gb.setAttributes({ id });	// synchronous up to its first await
    const r = gb.run(experiment);
    return r.inExperiment ? r.value : '';
  };
} else if (opt.api === 'util') {
  const u = require(path.join(pkgdir, 'dist/cjs/util.js'));
  for (const f of ['hash', 'getBucketRanges', 'chooseVariation'])
    if (typeof u[f] !== 'function') fail(`the SDK's util.js has no ${f}()`);
  const ranges = u.getBucketRanges(names.length, coverage, weights);
  const seed = experiment.seed || experiment.key;	// as runExperiment
  variantOf = (id) => {
    const n = u.hash(seed, id, hashVersion);
    if (n === null) return '';
    const v = u.chooseVariation(n, ranges);
    return v < 0 ? '' : names[v];
  };
} else {
  fail(`api=${opt.api}: want client, run or util`);
}

// --- CSV in, streaming ---------------------------------------------

// The fields of one record (RFC 4180); rec may hold newlines inside
// quotes.
function parse(rec) {
  const out = [];
  let i = 0;
  const n = rec.length;
  for (;;) {
    if (rec.charCodeAt(i) === 34) {
      let s = '';
      i++;
      for (;;) {
        const q = rec.indexOf('"', i);
        if (q < 0) { s += rec.slice(i); i = n; break; }
        s += rec.slice(i, q);
        if (rec.charCodeAt(q + 1) === 34) { s += '"'; i = q + 2; continue; }
        i = q + 1;
        break;
      }
      const c = rec.indexOf(',', i);
      out.push(s + (c < 0 ? rec.slice(i) : rec.slice(i, c)));
      if (c < 0) return out;
      i = c + 1;
    } else {
      const c = rec.indexOf(',', i);
      if (c < 0) { out.push(rec.slice(i)); return out; }
      out.push(rec.slice(i, c));
      i = c + 1;
    }
  }
}

const quote = (s) => /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;

const ofd = openSync(opt.out, 'w');
let obuf = [];
let olen = 0;
const flush = () => {
  if (obuf.length) writeSync(ofd, obuf.join(''));
  obuf = [];
  olen = 0;
};
const emit = (s) => {
  obuf.push(s);
  olen += s.length;
  if (olen >= 1 << 20) flush();
};

let col = -1;		// member_id's column
let header = true;
let pending = '';	// a record with an open quote, waiting for its end
let records = 0;
let members = 0;
let inside = 0;
const counts = new Map(names.map((x) => [x, 0]));

function record(rec) {
  if (header) {
    if (rec.charCodeAt(0) === 0xfeff) rec = rec.slice(1);
    col = parse(rec).indexOf('member_id');
    if (col < 0) fail(`${opt.members}: no member_id column`);
    header = false;
    emit('member_id,variant\n');
    return;
  }
  if (rec === '') return;
  records++;
  let id;
  if (rec.indexOf('"') < 0) {
    let s = 0;
    for (let k = 0; k < col && s >= 0; k++) {
      s = rec.indexOf(',', s);
      if (s >= 0) s++;
    }
    if (s < 0) id = '';
    else {
      const e = rec.indexOf(',', s);
      id = e < 0 ? rec.slice(s) : rec.slice(s, e);
    }
  } else {
    const f = parse(rec);
    id = col < f.length ? f[col] : '';
  }
  if (id === '') return;
  members++;
  const v = variantOf(id);
  if (v !== '') {
    inside++;
    counts.set(v, counts.get(v) + 1);
  }
  emit(quote(id) + ',' + v + '\n');
}

// A line closes a record unless the record has an odd number of quotes
// so far (a newline inside a quoted field).
const odd = (s) => {
  let c = 0;
  for (let i = s.indexOf('"'); i >= 0; i = s.indexOf('"', i + 1)) c++;
  return c % 2 === 1;
};

function line(l) {
  if (l.charCodeAt(l.length - 1) === 13) l = l.slice(0, -1);
  if (pending !== '') {
    pending += '\n' + l;
    if (odd(pending)) return;
    l = pending;
    pending = '';
  } else if (l.indexOf('"') >= 0 && odd(l)) {
    pending = l;
    return;
  }
  record(l);
}

const ifd = openSync(opt.members, 'r');
const buf = Buffer.allocUnsafe(8 << 20);
let have = 0;
for (;;) {
  const got = readSync(ifd, buf, have, buf.length - have, null);
  const end = have + got;
  if (got === 0) {
    if (end > 0) line(buf.toString('utf8', 0, end));
    break;
  }
  const nl = buf.lastIndexOf(10, end - 1);
  if (nl < 0) {
    if (end === buf.length) fail(`${opt.members}: a line longer than 8 MB`);
    have = end;
    continue;
  }
  // whole lines only: a UTF-8 sequence never spans a newline
  const text = buf.toString('utf8', 0, nl);
  let s = 0;
  for (let e = text.indexOf('\n'); e >= 0; e = text.indexOf('\n', s)) {
    line(text.slice(s, e));
    s = e + 1;
  }
  line(text.slice(s));
  buf.copy(buf, 0, nl + 1, end);
  have = end - nl - 1;
}
if (pending !== '') record(pending);
closeSync(ifd);
flush();
closeSync(ofd);
process.stderr.write(`abtest_assign.mjs: ${members} members, ${inside} in the ` +
  `experiment (${[...counts].map(([k, n]) => `${k} ${n}`).join(', ')}), api ${opt.api}\n`);
