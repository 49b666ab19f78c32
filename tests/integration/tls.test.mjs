// With a certificate and key configured, labhub serves HTTPS and WSS and its
// session cookie carries the Secure flag.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { request } from 'node:https';
import { join } from 'node:path';
import WebSocket from 'ws';
import { tempDir, cleanup, LABHUB, SRCDIR } from './lib.mjs';

function httpsJSON(port, path, method, body, headers = {}) {
  const payload = body ? JSON.stringify(body) : null;
  if (payload) headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers };
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, rejectUnauthorized: false,
      headers }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

test('HTTPS and WSS with a Secure cookie', async () => {
  const dir = tempDir('tls');
  const cert = join(dir, 'cert.pem'), key = join(dir, 'key.pem');
  const gen = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
    '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1'], { encoding: 'utf8' });
  assert.equal(gen.status, 0, gen.stderr);
  const proc = spawn(LABHUB, ['serve', '--listen', '127.0.0.1:0', '--data', join(dir, 'data'),
    '--web', join(SRCDIR, 'server/web'), '--labs', join(dir, 'nolabs'), '--demo',
    '--tls-cert', cert, '--tls-key', key], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let out = '';
    const url = await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no start: ' + out)), 20000);
      proc.stdout.on('data', (d) => {
        out += d;
        const m = out.match(/serving (https:\/\/127\.0\.0\.1:(\d+))\//);
        if (m) { clearTimeout(t); resolve(m); }
      });
    });
    const port = Number(url[2]);
    const pw = out.match(/password '([^']+)'/)[1];
    const h = await httpsJSON(port, '/healthz', 'GET');
    assert.equal(h.status, 200);
    const r = await httpsJSON(port, '/api/login', 'POST', { name: 'teacher', password: pw },
      { origin: url[1] });
    assert.equal(r.status, 200, r.text);
    const sc = r.headers['set-cookie'][0];
    assert.match(sc, /; Secure/);
    const ws = new WebSocket(`wss://127.0.0.1:${port}/ws`, 'labhub.v1',
      { rejectUnauthorized: false, headers: { cookie: sc.split(';')[0], origin: url[1] } });
    const welcome = await new Promise((resolve, reject) => {
      ws.on('open', () => ws.send(JSON.stringify({ type: 'hello' })));
      ws.on('message', (d) => resolve(JSON.parse(d)));
      ws.on('error', reject);
    });
    assert.equal(welcome.type, 'welcome');
    ws.close();
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    cleanup(dir);
  }
});
