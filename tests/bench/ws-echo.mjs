// tests/bench/ws-echo: labhub's terminal WebSocket side by side with ttyd, one client, one run.
// Run it through the tests/bench/ws-echo wrapper; README: tests/bench/ws-echo.md.
//
// Every connection gets its own shell: ttyd spawns `bash --norc` per connection; in labhub every
// session is a joined learner of the demo cohort with hello-shell open and a live cell attached.
// Loopback only. Each phase has a time bound, servers are stopped at the end (also on errors).
import { spawn, spawnSync } from 'node:child_process';
import { Worker, isMainThread, workerData, parentPort } from 'node:worker_threads';
import { readFileSync, writeFileSync, mkdtempSync, rmSync, existsSync, statSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

const HERE = dirname(fileURLToPath(import.meta.url));
const SRCDIR = resolve(HERE, '../..');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

// ---- sessions ----------------------------------------------------------------------------

function connectWs(url, protocol, headers, deflate) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocol, {
      headers, perMessageDeflate: deflate ? {} : false, handshakeTimeout: 30000,
    });
    ws.binaryType = 'nodebuffer';
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
  });
}

class Session {
  constructor(ws) {
    this.ws = ws;
    this.onOut = null;
    this.bytes = 0;
    this.closed = null;
    this.firstWaiters = [];
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason), at: now() };
      for (const w of this.firstWaiters.splice(0)) w(false);
    });
    ws.on('error', () => {});
  }

  out(buf) {
    this.bytes += buf.length;
    this.frames = (this.frames || 0) + 1;
    if (this.firstWaiters.length) for (const w of this.firstWaiters.splice(0)) w(true);
    if (this.onOut) this.onOut(buf);
  }

  // Resolves once the shell has printed something (its prompt).
  firstOutput(ms) {
    if (this.bytes > 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no prompt from the shell')), ms);
      this.firstWaiters.push((ok) => { clearTimeout(t); ok ? resolve() : reject(new Error(`closed ${this.closed?.code}`)); });
    });
  }

  close() { try { this.ws.close(); } catch { /* gone */ } }
}

// ttyd's protocol: binary frames, first byte '0' = terminal bytes both ways; the client starts
// the shell with a JSON {AuthToken, columns, rows}.
async function openTtyd(t, { deflate = false } = {}) {
  const ws = await connectWs(`ws://127.0.0.1:${t.port}/ws`, 'tty', {}, deflate);
  const s = new Session(ws);
  const zero = Buffer.from('0');
  s.send = (b) => ws.send(Buffer.concat([zero, Buffer.from(b)]));
  ws.on('message', (d) => { if (d[0] === 0x30) s.out(d.subarray(1)); });
  ws.send(Buffer.from(JSON.stringify({ AuthToken: '', columns: 80, rows: 24 })));
  await s.firstOutput(20000);
  return s;
}

// labhub: join the demo cohort (a new learner), open hello-shell, attach its cell.
export const openStats = { join: [], attach: [] };
export const netErrors = [];
async function joinLabhub(t, nick) {
  const tj = now();
  let r;
  for (let attempt = 1; ; attempt++) {
    try {
      r = await fetch(`${t.url}/api/join`, {
        method: 'POST', headers: { 'content-type': 'application/json', origin: t.url },
        body: JSON.stringify({ code: t.code, nickname: nick }),
      });
      break;
    } catch (e) {
      // a network error (not an HTTP answer): noted, retried twice
      const why = `${e.message}${e.cause ? ` (${e.cause.code || e.cause.message})` : ''}`;
      netErrors.push(why);
      if (attempt >= 3) throw new Error(`join as ${nick}: ${why}`);
      await sleep(500);
    }
  }
  const text = await r.text();
  if (r.status !== 200) throw new Error(`join as ${nick}: HTTP ${r.status} ${text.slice(0, 200)}`);
  const cookie = (r.headers.get('set-cookie') || '').split(';')[0];
  openStats.join.push(now() - tj);
  return cookie;
}

async function attachLabhub(t, cookie, { deflate = false } = {}) {
  const ws = await connectWs(`${t.url.replace('http', 'ws')}/ws`, 'labhub.v1', { cookie, origin: t.url }, deflate);
  const s = new Session(ws);
  const replies = new Map();
  let nextId = 0;
  s.control = [];
  ws.on('message', (d, isBinary) => {
    if (isBinary) return s.out(d);
    const m = JSON.parse(d.toString());
    const w = m.id !== undefined && replies.get(m.id);
    if (w) { replies.delete(m.id); w(m); } else s.control.push(m);
  });
  const request = (obj, ms) => new Promise((resolve, reject) => {
    const id = ++nextId;
    const timer = setTimeout(() => { replies.delete(id); reject(new Error(`no reply to ${obj.type} in ${ms} ms`)); }, ms);
    replies.set(id, (m) => { clearTimeout(timer); resolve(m); });
    ws.send(JSON.stringify({ ...obj, id }));
  });
  const ta = now();
  const lab = await request({ type: 'lab.open', lab: 'hello-shell' }, 30000);
  if (lab.type !== 'lab') throw new Error(`lab.open: ${JSON.stringify(lab).slice(0, 300)}`);
  const ready = await request({ type: 'cell.attach', attempt: lab.attempt, cols: 80, rows: 24 }, 90000);
  if (ready.type !== 'cell.ready') throw new Error(`cell.attach: ${JSON.stringify(ready).slice(0, 300)}`);
  s.send = (b) => ws.send(Buffer.from(b));
  await s.firstOutput(30000);
  openStats.attach.push(now() - ta);
  return s;
}

let nickSeq = 0;
let deflateAll = false;	/* --deflate-all: every connection offers permessage-deflate, as browsers do */
const nickFor = (t, tag) => `${t.prefix}${tag || ''}${++nickSeq}`;
async function openSession(t, opts = {}) {
  if (deflateAll && opts.deflate === undefined) opts = { ...opts, deflate: true };
  if (t.kind === 'ttyd') return openTtyd(t, opts);
  return attachLabhub(t, await joinLabhub(t, nickFor(t, opts?.tag)), opts);
}

// ---- output phases (run in a worker thread so the typists' loop stays free) -----------------

function markerWatch(s, marker) {
  const m = Buffer.from(marker);
  let tail = Buffer.alloc(0);
  return new Promise((resolve) => {
    s.onOut = (buf) => {
      if (buf.indexOf(m) >= 0 || Buffer.concat([tail, buf.subarray(0, m.length)]).indexOf(m) >= 0) {
        s.onOut = null;
        resolve(true);
        return;
      }
      tail = buf.length >= m.length ? buf.subarray(buf.length - m.length) : Buffer.concat([tail, buf]).subarray(-m.length);
    };
    s.ws.once('close', () => resolve(false));
  });
}

function withTimeout(p, ms, value) {
  return Promise.race([p, sleep(ms).then(() => value)]);
}

async function settle(s, quietMs = 300, maxMs = 5000) {
  const t0 = now();
  let last = now();
  s.onOut = () => { last = now(); };
  while (now() - last < quietMs && now() - t0 < maxMs) await sleep(50);
  s.onOut = null;
}

async function workerMain({ target, task, p }) {
  const deflate = task === 'sustain';
  let s;
  try {
    s = await openSession(target, { deflate, tag: task });
  } catch (e) {
    return { error: `could not open a session: ${e.message}` };
  }
  await settle(s);
  const res = { extensions: s.ws.extensions || '' };
  if (task === 'throughput') {
    const done = markerWatch(s, 'TP-END-42');
    const b0 = s.bytes, f0 = s.frames, t0 = now();
    s.send(`head -c ${p.size} /dev/zero | base64; echo TP-END-$((6*7))\r`);
    const ok = await withTimeout(done, p.timeoutMs, false);
    res.ok = ok;
    res.seconds = (now() - t0) / 1000;
    res.bytes = s.bytes - b0;
    res.mbps = res.bytes / 1e6 / res.seconds;
    res.frames = s.frames - f0;
    res.bytes_per_frame = res.bytes / res.frames;
  } else if (task === 'flood' || task === 'sustain') {
    const marker = task === 'flood' ? 'FL-END-42' : 'SU-END-42';
    const done = markerWatch(s, marker);
    const b0 = s.bytes, t0 = now();
    let started = false;
    const startWatch = setInterval(() => {
      if (!started && s.bytes - b0 > 1e6) { started = true; parentPort.postMessage({ flooding: true }); }
    }, 20);
    s.send(`timeout ${p.seconds} base64 /dev/zero; echo ${marker.replace('42', '$((6*7))')}\r`);
    const ok = await withTimeout(done, (p.seconds + 30) * 1000, false);
    clearInterval(startWatch);
    if (!started) parentPort.postMessage({ flooding: true });
    res.ok = ok;
    res.seconds = (now() - t0) / 1000;
    res.bytes = s.bytes - b0;
    res.mbps = res.bytes / 1e6 / res.seconds;
    res.closed = s.closed ? { code: s.closed.code, reason: s.closed.reason, after_s: (s.closed.at - t0) / 1000 } : null;
  }
  s.close();
  await sleep(200);
  return res;
}

function runWorker(target, task, p, onMsg) {
  return new Promise((resolve) => {
    const plain = { kind: target.kind, name: target.name, port: target.port, url: target.url, code: target.code, prefix: target.prefix };
    const w = new Worker(fileURLToPath(import.meta.url), { workerData: { target: plain, task, p } });
    w.on('message', (m) => { if (m.result) resolve(m.result); else if (onMsg) onMsg(m); });
    w.on('error', (e) => resolve({ error: e.message }));
    w.on('exit', (c) => resolve({ error: `worker exited ${c}` }));
  });
}

// ---- echo ----------------------------------------------------------------------------------

// Each typist types one key, waits for its echo, pauses 50-150 ms (a fast typist), repeats;
// keys alternate 'x' and DEL so the line stays short. Echo time = key sent -> first output.
async function typist(s, win, samples, stats) {
  await sleep(Math.random() * 150);
  let k = 0;
  while (now() < win.endAt && !s.closed) {
    const key = k++ % 2 === 0 ? 'x' : '\x7f';
    const t0 = now();
    const got = await new Promise((resolve) => {
      const timer = setTimeout(() => { s.onOut = null; resolve(false); }, 2000);
      s.onOut = () => { clearTimeout(timer); s.onOut = null; resolve(true); };
      s.send(key);
    });
    const dt = now() - t0;
    if (t0 >= win.startAt && t0 < win.endAt) {
      if (got) samples.push(dt); else stats.lost++;
    }
    await sleep(50 + Math.random() * 100);
  }
  if (k % 2 === 1) s.send('\x7f');
  await sleep(50);
}

function echoSummary(samples, lost) {
  samples = [...samples].sort((a, b) => a - b);
  const q = (f) => (samples.length ? samples[Math.min(samples.length - 1, Math.floor(f * samples.length))] : NaN);
  return { keys: samples.length, lost, p50: q(0.5), p99: q(0.99), max: samples[samples.length - 1] };
}

// seconds: a number, or a promise: measure until it settles.
async function measureEcho(typists, seconds, warmMs = 1000, { raw = false } = {}) {
  const samples = [], stats = { lost: 0 };
  const win = { startAt: now() + warmMs, endAt: Infinity };
  if (typeof seconds === 'number') win.endAt = win.startAt + seconds * 1000;
  else seconds.finally(() => { win.endAt = now(); });
  await Promise.all(typists.map((s) => typist(s, win, samples, stats)));
  return raw ? { samples, lost: stats.lost } : echoSummary(samples, stats.lost);
}

// The servers' typists take turns: `rounds` windows each, the order swapped every round
// (A B, B A, ...), so that a change in the machine's load during the sweep falls on both
// alike. Only one server's typists type at a time.
async function measureEchoTurns(sts, seconds, rounds) {
  const acc = sts.map(() => ({ samples: [], lost: 0 }));
  for (let k = 0; k < rounds; k++) {
    const order = sts.map((_, i) => i);
    if (k % 2 === 1) order.reverse();
    for (const i of order) {
      const e = await measureEcho(sts[i].typists, seconds / rounds, 300, { raw: true });
      acc[i].samples.push(...e.samples);
      acc[i].lost += e.lost;
    }
  }
  return acc.map((a) => echoSummary(a.samples, a.lost));
}

// ---- memory ----------------------------------------------------------------------------------

// Pss and Private (Private_Clean + Private_Dirty, i.e. USS) of one process, kB.
function smapsKb(pid) {
  try {
    const t = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const g = (k) => Number((t.match(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm')) || [0, NaN])[1]);
    return { pss: g('Pss'), priv: g('Private_Clean') + g('Private_Dirty') };
  } catch { return { pss: NaN, priv: NaN }; }
}

const loads = [];
function loadavg() {
  const l = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  loads.push(l);
  return l;
}

function memAvailableKb() {
  return Number(readFileSync('/proc/meminfo', 'utf8').match(/^MemAvailable:\s+(\d+) kB/m)[1]);
}

function rssAnonKb(pid) {
  try { return Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/^RssAnon:\s+(\d+) kB/m)[1]); } catch { return NaN; }
}

function memSnap(pid) {
  return { ...smapsKb(pid), anon: rssAnonKb(pid), avail: memAvailableKb(), client: Math.round(process.memoryUsage().rss / 1024) };
}

// labhub's warden (PID 1 of every cell) is a fork of the server, sharing its pages copy-on-write,
// so the server's own Pss/Private shrink as cells start; its direct children are counted with it.
// Sums Pss over the direct children (kids) and over all descendants (tree) of pid.
function descendantsPssKb(pid) {
  const r = spawnSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const kids = new Map();
  for (const line of r.stdout.split('\n')) {
    const [c, p] = line.trim().split(/\s+/).map(Number);
    if (!c) continue;
    if (!kids.has(p)) kids.set(p, []);
    kids.get(p).push(c);
  }
  const out = { kids: 0, nkids: 0, tree: 0, ntree: 0 };
  const todo = (kids.get(pid) || []).map((c) => [c, 1]);
  while (todo.length) {
    const [c, depth] = todo.pop();
    const k = smapsKb(c).pss;
    if (Number.isFinite(k)) {
      out.tree += k; out.ntree++;
      if (depth === 1) { out.kids += k; out.nkids++; }
    }
    for (const g of kids.get(c) || []) todo.push([g, depth + 1]);
  }
  return out;
}

// utime + stime of a process, in seconds.
function cpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch { return NaN; }
}

const avg = (a) => (a.length ? a.reduce((x, y) => x + y, 0) / a.length : NaN);

// ---- servers ---------------------------------------------------------------------------------

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
    srv.on('error', reject);
  });
}

function waitExit(proc, ms) {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(true);
  return withTimeout(new Promise((r) => proc.once('exit', () => r(true))), ms, false);
}

async function stopProc(proc, ms = 60000) {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill('SIGTERM');
  if (!(await waitExit(proc, ms))) { proc.kill('SIGKILL'); await waitExit(proc, 10000); }
}

async function startTtyd(bin, log) {
  const port = await freePort();
  const proc = spawn(bin, ['-p', String(port), '-i', 'lo', '-W', 'bash', '--norc'],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, HOME: tmpdir() } });
  let err = '';
  proc.stderr.on('data', (d) => { if (err.length < 100000) err += d; });
  const t0 = now();
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`ttyd exited ${proc.exitCode}: ${err.slice(-500)}`);
    const ok = await new Promise((r) => {
      const c = net.connect(port, '127.0.0.1', () => { c.destroy(); r(true); });
      c.on('error', () => r(false));
    });
    if (ok) break;
    if (now() - t0 > 10000) { proc.kill('SIGKILL'); throw new Error('ttyd did not listen'); }
    await sleep(100);
  }
  log(`ttyd ${bin} listening on 127.0.0.1:${port} (pid ${proc.pid})`);
  return { kind: 'ttyd', name: 'ttyd', port, pid: proc.pid, proc, stderr: () => err };
}

async function startLabhub(o, log) {
  const data = mkdtempSync(join(tmpdir(), 'labhub-bench-'));
  const args = ['serve', '--listen', '127.0.0.1:0', '--data', data, '--web', o.web, '--labs', o.labs,
    '--demo', '--cell-grace', '3', ...(o.cellLimits ? ['--cell-limits', o.cellLimits] : [])];
  const proc = spawn(o.labhub, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  proc.stderr.on('data', (d) => { err = (err + d).slice(-200000); });
  const srv = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`labhub did not start:\n${out}\n${err.slice(-2000)}`)), 60000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/labhub: serving (http:\/\/127\.0\.0\.1:(\d+))\//);
      const code = out.match(/code ([A-Z0-9-]+)/);
      if (!m || !code) return;
      clearTimeout(timer);
      resolve({ url: m[1], port: Number(m[2]), code: code[1] });
    });
    proc.once('exit', (c) => { clearTimeout(timer); reject(new Error(`labhub exited ${c}:\n${out}\n${err.slice(-2000)}`)); });
  });
  const built = join(dirname(o.labhub), 'labhub-full');
  log(`labhub ${o.labhub} serving ${srv.url} (pid ${proc.pid}, data ${data}; labhub-full built ` +
    `${existsSync(built) ? statSync(built).mtime.toISOString() : '(missing)'})`);
  return { kind: 'labhub', name: 'labhub', ...srv, prefix: 'b', pid: proc.pid, proc, data, stderr: () => err };
}

// ---- one target, all phases ----------------------------------------------------------------

async function openMany(t, count, into, { concurrency, deadline, log, make = () => openSession(t, { tag: 'i' }), what = 'idle sessions' }) {
  let next = 0, failed = null;
  const started = now();
  async function lane() {
    while (next < count && !failed) {
      if (now() > deadline) { failed = `time budget for opening sessions used up after ${into.length}`; return; }
      const i = next++;
      try {
        into.push(await make(i));
      } catch (e) {
        failed = e.message;
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  log(`  ${into.length} ${what} (${((now() - started) / 1000).toFixed(1)} s for this step)`);
  return failed;
}

// What one PTY gives on this machine: the throughput command read by a bare C loop (tests/bench/pty-rate).
function ptyCeiling(o, size) {
  if (!o.ptyRate) return null;
  const r = spawnSync(o.ptyRate, [`head -c ${size} /dev/zero | base64`], { encoding: 'utf8', timeout: 120000 });
  try { return JSON.parse(r.stdout); } catch { return { error: (r.stderr || '').trim() || `exit ${r.status}` }; }
}

// Memory the machine gave while `action` ran (MemAvailable drop minus the client's own RSS growth),
// added to st.machineKb; the same client serves both servers, so each server is charged only
// for the steps that opened its own sessions.
async function charged(st, action) {
  const a = memSnap(st.t.pid);
  const out = await action();
  await sleep(2000);
  const b = memSnap(st.t.pid);
  st.machineKb += (a.avail - b.avail) - (b.client - a.client);
  return out;
}

// Per server: memory before any session, the typists, then the output phases
// (throughput, fairness, sustain) with nothing else going on but the typists' shells.
async function outputPhases(t, o, log) {
  const r = { name: t.name, echo: [], notes: [] };
  const st = { t, r, typists: [], idle: [], machineKb: 0, deadline: null };
  t.t0 = now();
  await sleep(500);
  const base = memSnap(t.pid);
  base.desc = descendantsPssKb(t.pid);
  r.base = base;
  st.base = base;

  log(`${t.name}: opening ${o.typists} typists`);
  await charged(st, async () => {
    for (let i = 0; i < o.typists; i++) st.typists.push(await openSession(t, { tag: 't' }));
    for (const s of st.typists) await settle(s, 200, 2000);
  });
  const typists = st.typists;

  loadavg();
  r.ceiling = ptyCeiling(o, o.tpSize);
  if (r.ceiling) log(`  the same output through one PTY, bare C loop (no server): ${JSON.stringify(r.ceiling)}`);
  log(`${t.name}: throughput (head -c ${o.tpSize} /dev/zero | base64)`);
  const c0 = cpuSeconds(t.pid);
  r.throughput = await runWorker(t, 'throughput', { size: o.tpSize, timeoutMs: 120000 });
  r.throughput.server_cpu_s_per_100mb = (cpuSeconds(t.pid) - c0) / (r.throughput.bytes / 1e8);
  log(`  ${JSON.stringify(r.throughput)}`);

  loadavg();
  log(`${t.name}: the same ${o.fairTypists} typists without a flood (the baseline of fairness)`);
  r.fairBase = await measureEcho(typists.slice(0, o.fairTypists), o.floodS - 1);
  log(`  ${showEcho(r.fairBase)}`);
  log(`${t.name}: fairness (${o.fairTypists} typists, one session floods for ${o.floodS} s)`);
  let flooding;
  const floodOn = new Promise((res) => { flooding = res; });
  const floodDone = runWorker(t, 'flood', { seconds: o.floodS + 3 }, (m) => { if (m.flooding) flooding(); });
  await withTimeout(floodOn, 30000);
  r.fair = await measureEcho(typists.slice(0, o.fairTypists), o.floodS - 1);
  r.flood = await floodDone;
  log(`  echo under flood ${JSON.stringify(r.fair)}; flood ${JSON.stringify(r.flood)}`);
  for (const s of typists) await settle(s, 300, 10000);

  loadavg();
  log(`${t.name}: sustain (${o.sustainS} s of output, permessage-deflate offered)`);
  r.sustain = await runWorker(t, 'sustain', { seconds: o.sustainS });
  log(`  ${JSON.stringify(r.sustain)}`);
  await sleep(t.kind === 'labhub' ? 5000 : 1000);	/* labhub: the closed sessions' cells end after --cell-grace 3 */
  return st;
}

const showEcho = (e) => `p50 ${f2(e.p50)} ms p99 ${f2(e.p99)} ms max ${f2(e.max)} ms (${e.keys} keys, ${e.lost} lost)`;

// Opens idle sessions of one server up to n; the first batch is opened while its typists type.
// Returns why it stopped short, or null.
async function growTo(st, n, o, log) {
  const { t, r, typists, idle } = st;
  if (idle.length >= n) return null;
  if (st.deadline === null) st.deadline = now() + o.budgetS * 1000;
  const deadline = st.deadline;
  let stop = null;
  log(`${t.name}: opening idle sessions up to ${n}`);
  const j0 = openStats.join.length, a0 = openStats.attach.length, t1 = now(), i0 = idle.length;
  await charged(st, async () => {
    if (!r.echoOpening && t.kind === 'labhub') {
      // The typists keep typing while the first batch opens: first every learner joins
      // (POST /api/join), then every one opens hello-shell and attaches its cell.
      const cookies = [];
      const joining = openMany(t, n - idle.length, cookies, { concurrency: o.concurrency(t), deadline, log,
        make: () => joinLabhub(t, nickFor(t, 'i')), what: 'learners joined' });
      r.echoJoining = await measureEcho(typists, joining, 100);
      stop = await joining;
      log(`  echo while they join: ${showEcho(r.echoJoining)}`);
      if (!stop) {
        const attaching = openMany(t, cookies.length, idle, { concurrency: o.concurrency(t), deadline, log,
          make: (i) => attachLabhub(t, cookies[i], { deflate: deflateAll }), what: 'cells attached' });
        r.echoOpening = await measureEcho(typists, attaching, 100);
        stop = await attaching;
        log(`  echo while their cells start: ${showEcho(r.echoOpening)}`);
      }
    } else if (!r.echoOpening) {
      const opening = openMany(t, n - idle.length, idle, { concurrency: o.concurrency(t), deadline, log });
      r.echoOpening = await measureEcho(typists, opening, 100);
      stop = await opening;
      log(`  echo while they connect: ${showEcho(r.echoOpening)}`);
    } else {
      stop = await openMany(t, n - idle.length, idle, { concurrency: o.concurrency(t), deadline, log });
    }
  });
  const rate = (now() - t1 - 2000) / Math.max(1, idle.length - i0);
  if (t.kind === 'labhub') {
    log(`  ${rate.toFixed(0)} ms per session; join ${avg(openStats.join.slice(j0)).toFixed(0)} ms, ` +
      `lab.open + cell.attach + prompt ${avg(openStats.attach.slice(a0)).toFixed(0)} ms (each, ${o.concurrency(t)} in flight)`);
  }
  r.open = { ms_per_session: rate, join_ms: avg(openStats.join.slice(j0)), attach_ms: avg(openStats.attach.slice(a0)) };
  if (stop) {
    r.stopped = { wanted: n, reached: idle.length, why: stop };
    log(`  stopped: ${stop}`);
    r.notes.push(`idle sessions stopped at ${idle.length} (wanted ${n}): ${stop}`);
  }
  return stop;
}

function echoRow(st, n, e, load) {
  const { t, base, idle, typists } = st;
  const mem = memSnap(t.pid);
  const desc = descendantsPssKb(t.pid);
  const sessions = idle.length + typists.length;
  return {
    n: idle.length, wanted: n, sessions, ...e, load,
    pss_per_session_kb: (mem.pss - base.pss) / sessions,
    priv_per_session_kb: (mem.priv - base.priv) / sessions,
    anon_per_session_kb: (mem.anon - base.anon) / sessions,
    machine_per_session_kb: st.machineKb / sessions,
    with_children_pss_per_session_kb: (mem.pss + desc.kids - base.pss - base.desc.kids) / sessions,
    tree_pss_per_session_kb: (mem.pss + desc.tree - base.pss - base.desc.tree) / sessions,
    children: desc.nkids, tree_procs: desc.ntree,
    server_pss_kb: mem.pss, server_priv_kb: mem.priv,
  };
}

// The sweep over N for one or more servers that are all up: each grows to N in turn, then
// their typists take turns (measureEchoTurns), and memory is read per server.
async function sweep(sts, o, log) {
  const live = new Set(sts);
  for (const n of o.ns) {
    for (const st of live) {
      const stop = await growTo(st, n, o, log);
      if (stop) {
        st.stopped = true;
        if (st.idle.length <= (st.r.echo[st.r.echo.length - 1]?.n ?? -1)) live.delete(st);
      }
    }
    if (!live.size) break;
    const cur = [...live];
    const load = loadavg();
    const es = await measureEchoTurns(cur, o.echoS, o.rounds);
    cur.forEach((st, i) => {
      const row = echoRow(st, n, es[i], load);
      st.r.echo.push(row);
      log(`  ${st.t.name} N=${n}: echo ${showEcho(es[i])}; ` +
        `server PSS ${(row.pss_per_session_kb).toFixed(0)} kB/session, machine ${(row.machine_per_session_kb).toFixed(0)} kB/session`);
      if (st.typists.some((s) => s.closed)) { st.r.notes.push(`a typist's connection closed at N=${n}`); live.delete(st); }
      if (st.stopped) live.delete(st);
    });
    if (!live.size) break;
  }
}

async function closeAll(st, log) {
  const { t, r, typists, idle } = st;
  const dropped = idle.filter((s) => s.closed);
  if (dropped.length) {
    const codes = {};
    for (const s of dropped) { const k = `${s.closed.code} ${s.closed.reason}`.trim(); codes[k] = (codes[k] || 0) + 1; }
    r.dropped_at_s = dropped.map((s) => Math.round((s.closed.at - t.t0) / 1000));
    r.notes.push(`${dropped.length} idle connections were closed by the server during the run (close code: count ${JSON.stringify(codes)})`);
  }
  if (t.kind === 'labhub' && netErrors.length) r.notes.push(`${netErrors.length} joins hit a network error and were retried: ${[...new Set(netErrors)].slice(0, 3).join('; ')}`);
  const cellMsgs = {};
  for (const s of [...typists, ...idle]) for (const m of s.control || []) if (m.type !== 'welcome') cellMsgs[m.type + (m.message ? `: ${m.message}` : '')] = (cellMsgs[m.type + (m.message ? `: ${m.message}` : '')] || 0) + 1;
  if (Object.keys(cellMsgs).length) r.notes.push(`messages the server pushed: ${JSON.stringify(cellMsgs)}`);
  log(`${t.name}: closing ${idle.length + typists.length} sessions`);
  for (const s of [...typists, ...idle]) s.close();
  await sleep(1500);
}

// ---- report --------------------------------------------------------------------------------

const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '-');
const f0 = (x) => (Number.isFinite(x) ? x.toFixed(0) : '-');

function table(res, o) {
  const T = res.ttyd, L = res.labhub;
  const rows = [];
  const verdict = (ok) => (ok === null ? 'n/a' : ok ? 'PASS' : 'FAIL');
  const ratio = (l, t) => (Number.isFinite(l) && Number.isFinite(t) && t > 0 ? (l / t).toFixed(2) : '-');
  const echoAt = (r, n) => r?.echo.find((e) => e.wanted === n);
  for (const n of o.ns) {
    const te = echoAt(T, n), le = echoAt(L, n);
    let ok = null, target = 'p99 <= ttyd';
    if (le && te) ok = le.p99 <= te.p99;
    if (n === 2000) { target += ', < 5 ms'; ok = le ? (ok !== false) && le.p99 < 5 : false; }
    if (!le && L) ok = false;
    const cell = (e, r) => (e ? `${f2(e.p50)} / ${f2(e.p99)}${e.n !== n ? ` (at N=${e.n})` : ''}` : (r ? 'not reached' : '-'));
    if (le && le.n !== n) ok = false;
    rows.push([`echo p50 / p99 ms, N=${n} idle`, cell(te, T), cell(le, L), le && te ? ratio(le.p99, te.p99) : '-', target, verdict(ok)]);
  }
  const tt = T?.throughput?.mbps, lt = L?.throughput?.mbps;
  const eo = (e) => (e ? `${f2(e.p50)} / ${f2(e.p99)}` : '-');
  const first = o.ns.find((x) => x > 0);
  rows.push([`echo p50 / p99 ms while ${first} learners join`, '-', eo(L?.echoJoining), '', '', '']);
  rows.push([`echo p50 / p99 ms while ${first} sessions start a shell`, eo(T?.echoOpening), eo(L?.echoOpening),
    ratio(L?.echoOpening?.p99, T?.echoOpening?.p99), '', '']);
  const ceil = Math.max(T?.ceiling?.mbps ?? NaN, L?.ceiling?.mbps ?? NaN);
  rows.push([`throughput MB/s (1 session, head -c ${o.tpSize} | base64)`, f2(tt), f2(lt), ratio(lt, tt),
    Number.isFinite(tt) && Number.isFinite(ceil) && 2 * tt > ceil ? `>= 2x ttyd (${f2(2 * tt)}: ${ratio(2 * tt, ceil)}x the bare PTY loop)` : '>= 2x ttyd',
    verdict(Number.isFinite(lt) && Number.isFinite(tt) ? lt >= 2 * tt : null)]);
  rows.push(['  the same output through one PTY, bare C loop, no server', f2(T?.ceiling?.mbps), f2(L?.ceiling?.mbps), '', 'measured just before', '']);
  rows.push(['  throughput / bare PTY loop', ratio(tt, T?.ceiling?.mbps), ratio(lt, L?.ceiling?.mbps), '', '', '']);
  rows.push(['  server CPU s per 100 MB of output', f2(T?.throughput?.server_cpu_s_per_100mb), f2(L?.throughput?.server_cpu_s_per_100mb),
    ratio(L?.throughput?.server_cpu_s_per_100mb, T?.throughput?.server_cpu_s_per_100mb), '', '']);
  rows.push(['  bytes per WebSocket frame', f0(T?.throughput?.bytes_per_frame), f0(L?.throughput?.bytes_per_frame),
    ratio(L?.throughput?.bytes_per_frame, T?.throughput?.bytes_per_frame), '', '']);
  rows.push([`echo p50 / p99 ms, ${o.fairTypists} typists + 1 flood`, T ? `${f2(T.fair.p50)} / ${f2(T.fair.p99)}` : '-',
    L ? `${f2(L.fair.p50)} / ${f2(L.fair.p99)}` : '-', ratio(L?.fair.p99, T?.fair.p99), 'p99 <= 2 ms',
    verdict(L ? L.fair.p99 <= 2 : null)]);
  rows.push([`  the same ${o.fairTypists} typists without the flood, just before`, T?.fairBase ? `${f2(T.fairBase.p50)} / ${f2(T.fairBase.p99)}` : '-',
    L?.fairBase ? `${f2(L.fairBase.p50)} / ${f2(L.fairBase.p99)}` : '-', ratio(L?.fairBase?.p99, T?.fairBase?.p99), '', '']);
  rows.push(['  p99 under flood / p99 without', ratio(T?.fair?.p99, T?.fairBase?.p99), ratio(L?.fair?.p99, L?.fairBase?.p99), '', '', '']);
  rows.push(['  flood rate MB/s during fairness', f2(T?.flood?.mbps), f2(L?.flood?.mbps), ratio(L?.flood?.mbps, T?.flood?.mbps), '', '']);
  const sus = (r) => {
    if (!r) return '-';
    const s = r.sustain;
    if (s.error) return `error: ${s.error}`;
    const neg = s.extensions.includes('permessage-deflate') ? 'deflate' : 'no deflate';
    return s.ok ? `held ${f0(s.seconds)} s, ${neg}, ${f2(s.mbps)} MB/s` :
      `DROPPED after ${s.closed ? f0(s.closed.after_s) : '?'} s (${s.closed?.code ?? 'no marker'}), ${neg}`;
  };
  rows.push([`sustain ${o.sustainS} s output, deflate offered`, sus(T), sus(L), '', 'connection stays up',
    verdict(L ? !!L.sustain.ok : null)]);
  const last = (r) => r?.echo[r.echo.length - 1];
  const tl = last(T), ll = last(L);
  rows.push([`server PSS kB/session (at N=${tl?.n ?? '-'} / ${ll?.n ?? '-'})`, f0(tl?.pss_per_session_kb), f0(ll?.pss_per_session_kb),
    ratio(ll?.pss_per_session_kb, tl?.pss_per_session_kb), '<= ttyd',
    verdict(tl && ll ? ll.pss_per_session_kb <= tl.pss_per_session_kb : null)]);
  rows.push(['server PSS kB/session, labhub + its wardens', f0(tl?.pss_per_session_kb), f0(ll?.with_children_pss_per_session_kb),
    ratio(ll?.with_children_pss_per_session_kb, tl?.pss_per_session_kb), '<= ttyd (see note)',
    verdict(tl && ll ? ll.with_children_pss_per_session_kb <= tl.pss_per_session_kb : null)]);
  rows.push(['process tree PSS kB/session (server, shells, cells)', f0(tl?.tree_pss_per_session_kb), f0(ll?.tree_pss_per_session_kb),
    ratio(ll?.tree_pss_per_session_kb, tl?.tree_pss_per_session_kb), '', '']);
  rows.push(['server anonymous RSS kB/session (shared or not)', f0(tl?.anon_per_session_kb), f0(ll?.anon_per_session_kb),
    ratio(ll?.anon_per_session_kb, tl?.anon_per_session_kb), '', '']);
  rows.push(['server Private (USS) kB/session', f0(tl?.priv_per_session_kb), f0(ll?.priv_per_session_kb),
    ratio(ll?.priv_per_session_kb, tl?.priv_per_session_kb), '', '']);
  rows.push(['machine kB/session (MemAvailable delta)', f0(tl?.machine_per_session_kb), f0(ll?.machine_per_session_kb),
    ratio(ll?.machine_per_session_kb, tl?.machine_per_session_kb), '', '']);
  const head = ['metric', 'ttyd', 'labhub', 'labhub/ttyd', 'target', 'result'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => `| ${r.map((c, i) => String(c).padEnd(w[i])).join(' | ')} |`;
  return [line(head), `|${w.map((x) => '-'.repeat(x + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

// ---- main ----------------------------------------------------------------------------------

function parseArgs(argv) {
  const o = {
    quick: false, only: null, json: null,
    ttyd: process.env.TTYD || 'ttyd',
    labhub: process.env.LABHUB || join(SRCDIR, 'build/labhub'),
    web: null, labs: join(SRCDIR, 'curriculum'), cellLimits: process.env.LABHUB_BENCH_CELL_LIMITS || 'idle=3h', ns: null,
  };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i], v = () => { if (i + 1 >= argv.length) throw new Error(`${a} needs a value`); return argv[++i]; };
    if (a === '--quick') o.quick = true;
    else if (a === '--only') o.only = v();
    else if (a === '--ttyd') o.ttyd = v();
    else if (a === '--labhub') o.labhub = v();
    else if (a === '--web') o.web = v();
    else if (a === '--labs') o.labs = v();
    else if (a === '--cell-limits') o.cellLimits = v();
    else if (a === '--n') o.ns = v().split(',').map(Number);
    else if (a === '--json') o.json = v();
    else if (a === '--budget') o.budget = Number(v());
    else if (a === '--deflate-all') deflateAll = true;
    else if (a === '--sequential') o.sequential = true;
    else if (a === '--pty-rate') o.ptyRate = v();
    else if (a === '--help' || a === '-h') {
      console.log('usage: tests/bench/ws-echo [--quick] [--only labhub|ttyd] [--ttyd PATH] [--labhub PATH]\n' +
        '                         [--web DIR] [--labs DIR] [--cell-limits SPEC] [--n LIST] [--budget SECONDS]\n' +
        '                         [--deflate-all] [--sequential] [--pty-rate PATH] [--json FILE]\n' +
        '--deflate-all: the typists and idle sessions offer permessage-deflate too, as browsers do\n' +
        '--budget: seconds each server may spend opening idle sessions (default 300, quick 40)\n' +
        '--sequential: one server after the other (default: both up, their typists measured in turns)\n' +
        '--pty-rate: the PTY ceiling helper (default: tests/bench/pty-rate in the labhub binary\'s build dir)');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!o.web && o.labhub) {
    const w = join(dirname(o.labhub), 'web');
    o.web = existsSync(w) ? w : join(SRCDIR, 'server/web');
  }
  Object.assign(o, o.quick
    ? { ns: o.ns || [0, 20], echoS: 3, rounds: 3, tpSize: '30M', floodS: 4, sustainS: 6, budgetS: 30 }
    : { ns: o.ns || [0, 100, 500, 1000, 2000], echoS: 10, rounds: 5, tpSize: '100M', floodS: 10, sustainS: 30, budgetS: 300 });
  if (!o.ptyRate && o.labhub) {
    const pr = join(dirname(o.labhub), 'tests/bench/pty-rate');
    if (!existsSync(pr)) spawnSync('make', ['-C', dirname(o.labhub), 'tests/bench/pty-rate'], { stdio: 'ignore' });
    if (existsSync(pr)) o.ptyRate = pr;
  }
  if (o.budget) o.budgetS = o.budget;
  o.typists = 20;
  o.fairTypists = 5;
  o.concurrency = (t) => (t.kind === 'ttyd' ? 16 : 8);
  return o;
}

function which(bin) {
  if (bin.includes('/')) return existsSync(bin) ? bin : null;
  const r = spawnSync('sh', ['-c', `command -v "${bin}"`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

async function main() {
  const o = parseArgs(process.argv);
  const t0 = now();
  const log = (m) => console.error(`[${((now() - t0) / 1000).toFixed(1).padStart(6)} s] ${m}`);
  const res = {};
  const nofile = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim();
  log(`mode ${o.quick ? 'quick' : 'full'}${deflateAll ? ', every connection offers permessage-deflate' : ''}: N = ${o.ns.join(', ')}; echo ${o.echoS} s per N, ${o.typists} typists; ` +
    `fd limit ${nofile}; MemAvailable ${(memAvailableKb() / 1048576).toFixed(1)} GiB`);
  const ttyd = which(o.ttyd);
  const wantTtyd = o.only !== 'labhub', wantLabhub = o.only !== 'ttyd';
  if (wantTtyd && !ttyd) log(`ttyd not found ('${o.ttyd}'): the ttyd column is skipped. Give its path with --ttyd PATH or TTYD=PATH.`);
  const haveLabhub = o.labhub && existsSync(o.labhub);
  if (wantLabhub && !haveLabhub) log('labhub binary not found: build it (see doc/HACKING.md) or give --labhub PATH');
  if (!o.ptyRate) log('tests/bench/pty-rate not built (make -C BUILDDIR tests/bench/pty-rate): the bare PTY row is skipped');
  const starters = [];
  if (wantTtyd && ttyd) starters.push({ key: 'ttyd', start: () => startTtyd(ttyd, log) });
  if (wantLabhub && haveLabhub) starters.push({ key: 'labhub', start: () => startLabhub(o, log) });
  const stop = async (t) => {
    if (t.kind === 'labhub') {
      log('labhub: stopping the server (it stops every cell)');
      await stopProc(t.proc, 120000);
      if (o.json) writeFileSync(`${o.json}.labhub.log`, t.stderr());
      rmSync(t.data, { recursive: true, force: true });
    } else {
      await stopProc(t.proc, 20000);
      const left = spawnSync('sh', ['-c', `pgrep -P ${t.pid} | wc -l`], { encoding: 'utf8' }).stdout.trim();
      if (left !== '0') log(`warning: ${left} children of ttyd still there`);
    }
  };
  // Every labhub cell has its own devpts instance, and the kernel lets all such instances
  // together hold kernel.pty.max - kernel.pty.reserve PTYs (4096 - 1024 by default), counting
  // ttyd's too: with both servers up at N = 2000 that is not enough. As root the limit is
  // raised for the run and put back at the end; otherwise the run says so.
  const ptyMax = '/proc/sys/kernel/pty/max';
  let ptyRestore = null;
  try {
    const max = Number(readFileSync(ptyMax, 'utf8')), reserve = Number(readFileSync('/proc/sys/kernel/pty/reserve', 'utf8'));
    const nr = Number(readFileSync('/proc/sys/kernel/pty/nr', 'utf8'));
    const need = nr + (o.sequential ? 1 : starters.length) * (Math.max(...o.ns) + o.typists + 16) + 64;
    if (need > max - reserve) {
      if (process.getuid() === 0) {
        writeFileSync(ptyMax, String(need + reserve));
        ptyRestore = max;
        process.on('exit', () => { if (ptyRestore !== null) writeFileSync(ptyMax, String(ptyRestore)); });
        log(`kernel.pty.max raised from ${max} to ${need + reserve} for this run (cells' devpts instances may hold max - reserve = ${max - reserve} PTYs in all, ttyd's included); restored at the end`);
      } else {
        log(`warning: kernel.pty.max - kernel.pty.reserve = ${max - reserve} PTYs, the run needs about ${need}: cells will fail to open a PTY near the end (as root: sysctl kernel.pty.max=${need + reserve})`);
      }
    }
  } catch (e) { log(`kernel.pty limits not read: ${e.message}`); }
  // Default: both servers stay up for the whole run and the sweep measures them in turns at
  // each N (the same machine state for both); --sequential: one server after the other.
  const groups = o.sequential ? starters.map((x) => [x]) : [starters];
  for (const group of groups) {
    const up = [];
    try {
      for (const x of group) up.push({ key: x.key, t: await x.start() });
      const sts = [];
      for (const u of up) {
        const st = await outputPhases(u.t, o, log);
        res[u.key] = st.r;
        sts.push(st);
      }
      await sweep(sts, o, log);
      for (const st of sts) await closeAll(st, log);
    } finally {
      for (const u of up) await stop(u.t);
    }
    if (o.json) writeFileSync(o.json, JSON.stringify({ partial: true, results: res }, null, 2));
  }
  if (ptyRestore !== null) {
    writeFileSync(ptyMax, String(ptyRestore));
    log(`kernel.pty.max restored to ${ptyRestore}`);
    ptyRestore = null;
  }
  const save = () => o.json && writeFileSync(o.json, JSON.stringify({ options: { ...o, concurrency: undefined }, loads, results: res }, null, 2));
  save();
  const tbl = table(res, o);
  console.log(`\nws-echo (${o.quick ? '--quick' : 'full'}), ${new Date().toISOString()}, ${((now() - t0) / 1000).toFixed(0)} s, ` +
    `load average (1 min) during the echo runs ${Math.min(...loads).toFixed(1)}-${Math.max(...loads).toFixed(1)} on ${cpus().length} CPUs\n`);
  console.log(tbl);
  for (const k of ['ttyd', 'labhub']) for (const n of res[k]?.notes || []) console.log(`note (${k}): ${n}`);
}

if (isMainThread) {
  main().then(() => process.exit(0), (e) => { console.error(`ws-echo: ${e.stack || e}`); process.exit(1); });
} else {
  workerMain(workerData).then((result) => parentPort.postMessage({ result }),
    (e) => parentPort.postMessage({ result: { error: e.message } }));
}
