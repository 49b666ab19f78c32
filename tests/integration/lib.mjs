// Helpers for black-box tests against a real `labhub serve` on 127.0.0.1.
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';

export const LABHUB = process.env.LABHUB;
export const SRCDIR = process.env.LABHUB_SRCDIR;

export function tempDir(tag) {
  return mkdtempSync(join(tmpdir(), `labhub-${tag}-`));
}

// Starts labhub serve; resolves with { url, port, proc, out, stop(), demo: {password, code} }.
// With LABHUB_TEST_AS_USER=NAME (tests run as root) the server runs as that
// ordinary user instead, so its cells use unprivileged user namespaces.
const asUser = process.env.LABHUB_TEST_AS_USER;

export function startServer({ data, args = [], labs = join(SRCDIR, 'curriculum') } = {}) {
  return new Promise((resolve, reject) => {
    let cmd = LABHUB, pre = [];
    if (asUser) {
      const id = spawnSync('id', ['-u', asUser], { encoding: 'utf8' });
      const uid = Number(id.stdout.trim());
      chownSync(data, uid, uid);
      // setpriv execs labhub itself (runuser would stay in between and eat SIGTERM)
      cmd = 'setpriv';
      pre = [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--reset-env', LABHUB];
    }
    const proc = spawn(cmd, [...pre, 'serve', '--listen', '127.0.0.1:0', '--data', data,
      '--web', join(SRCDIR, 'server/web'), '--labs', labs, '--demo', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    const timer = setTimeout(() => reject(new Error(`labhub did not start:\n${out}\n${err}`)), 30000);
    proc.stderr.on('data', (d) => { err += d; });
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/labhub: serving (http:\/\/127\.0\.0\.1:(\d+))\//);
      if (!m) return;
      clearTimeout(timer);
      const pw = out.match(/password '([^']+)'/);
      const code = out.match(/code ([A-Z0-9-]+)/);
      const srv = {
        url: m[1], port: Number(m[2]), proc, out: () => out, err: () => err,
        demo: { password: pw && pw[1], code: code && code[1] },
        stop: () => new Promise((res) => {
          if (proc.exitCode !== null) return res(proc.exitCode);
          proc.once('exit', (c) => res(c));
          proc.kill('SIGTERM');
        }),
      };
      resolve(srv);
    });
    proc.once('exit', (c) => { clearTimeout(timer); reject(new Error(`labhub exited ${c}:\n${out}\n${err}`)); });
  });
}

export async function post(srv, path, body, { origin = srv.url, cookie } = {}) {
  const headers = { 'content-type': 'application/json' };
  if (origin) headers.origin = origin;
  if (cookie) headers.cookie = cookie;
  const r = await fetch(srv.url + path, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, headers: r.headers, json, text };
}

export async function login(srv, body) {
  const r = await post(srv, '/api/login', body);
  const sc = r.headers.get('set-cookie') || '';
  return { ...r, cookie: sc.split(';')[0], setCookie: sc };
}

// Opens a labhub.v1 connection. Resolves with a client, rejects when refused.
export function connect(srv, cookie, { origin = srv.url, path = '/ws', protocol = 'labhub.v1', lang, deflate = true } = {}) {
  return new Promise((resolve, reject) => {
    const headers = {};
    if (lang) headers['accept-language'] = lang;
    if (cookie) headers.cookie = cookie;
    if (origin) headers.origin = origin;
    const ws = new WebSocket(srv.url.replace('http', 'ws') + path, protocol, { headers, perMessageDeflate: deflate });
    const inbox = [];
    const waiters = [];
    let closed = null;
    ws.on('message', (data, isBinary) => {
      const msg = isBinary ? { binary: Buffer.from(data) } : JSON.parse(data.toString());
      const i = waiters.findIndex((w) => w.pred(msg));
      if (i >= 0) { const [w] = waiters.splice(i, 1); clearTimeout(w.t); w.resolve(msg); } else inbox.push(msg);
    });
    ws.on('close', (code, reason) => {
      closed = { code, reason: reason.toString() };
      for (const w of waiters.splice(0)) { clearTimeout(w.t); w.reject(new Error(`closed ${code} ${reason}`)); }
    });
    ws.on('unexpected-response', (req, res) => reject(new Error(`refused: HTTP ${res.statusCode}`)));
    ws.on('error', (e) => reject(e));
    ws.on('open', () => {
      let nextId = 1;
      const client = {
        ws,
        closed: () => closed,
        send: (obj) => ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj)),
        wait(pred, ms = 10000) {
          const i = inbox.findIndex(pred);
          if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0]);
          return new Promise((res, rej) => {
            const w = { pred, resolve: res, reject: rej };
            w.t = setTimeout(() => { waiters.splice(waiters.indexOf(w), 1); rej(new Error('timed out waiting')); }, ms);
            waiters.push(w);
          });
        },
        async request(obj, ms) {
          const id = nextId++;
          client.send({ ...obj, id });
          return client.wait((m) => m.id === id, ms);
        },
        waitClose(ms = 10000) {
          if (closed) return Promise.resolve(closed);
          return new Promise((res, rej) => {
            const t = setTimeout(() => rej(new Error('not closed')), ms);
            ws.once('close', (code, reason) => { clearTimeout(t); res({ code, reason: reason.toString() }); });
          });
        },
        close: () => ws.close(),
      };
      resolve(client);
    });
  });
}

export function cli(args, input) {
  return spawnSync(LABHUB, args, { input, encoding: 'utf8' });
}

export function cleanup(dir) {
  rmSync(dir, { recursive: true, force: true });
}
