// Backpressure end to end: a learner whose browser stops reading while the
// shell floods output cannot grow the server's memory, and another learner's
// keystroke echo stays fast meanwhile.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tempDir, startServer, post, connect, cleanup } from './lib.mjs';

let data, srv;

before(async () => {
  data = tempDir('flood');
  srv = await startServer({ data });
});

after(async () => {
  if (srv) await srv.stop();
  cleanup(data);
});

function rssKiB(pid) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/);
  return Number(m[1]);
}

async function learnerWithShell(nick) {
  const r = await post(srv, '/api/join', { code: srv.demo.code, nickname: nick });
  assert.equal(r.status, 200, r.text);
  const c = await connect(srv, r.headers.get('set-cookie').split(';')[0]);
  const lab = await c.request({ type: 'lab.open', lab: 'hello-shell' });
  const ready = await c.request({ type: 'cell.attach', attempt: lab.attempt }, 20000);
  assert.equal(ready.type, 'cell.ready', JSON.stringify(ready));
  return c;
}

function echoOnce(c, token) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    let text = '';
    const timer = setTimeout(() => { c.ws.off('message', on); reject(new Error('no echo')); }, 5000);
    function on(d, bin) {
      if (!bin) return;
      text += Buffer.from(d).toString();
      if (text.includes(token)) {
        clearTimeout(timer); c.ws.off('message', on);
        resolve(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }
    c.ws.on('message', on);
    c.ws.send(Buffer.from(token));
  });
}

test('a flooding shell with a stalled browser cannot grow server memory; others stay responsive', async () => {
  const quiet = await learnerWithShell('quiet');
  const loud = await learnerWithShell('loud');
  await new Promise((r) => setTimeout(r, 500));
  const before = rssKiB(srv.proc.pid);
  loud.ws.send(Buffer.from('cat /dev/zero | base64\r'));
  await new Promise((r) => setTimeout(r, 300));
  loud.ws._socket.pause();			// the browser stops reading
  const lat = [];
  for (let i = 0; i < 20; i++) {
    lat.push(await echoOnce(quiet, `k${i}x`));
    await new Promise((r) => setTimeout(r, 100));
  }
  const during = rssKiB(srv.proc.pid);
  lat.sort((a, b) => a - b);
  const p95 = lat[Math.floor(lat.length * 0.95) - 1];
  console.log(`server RSS ${before} KiB -> ${during} KiB while flooding; quiet echo median ${lat[10].toFixed(2)} ms, p95 ${p95.toFixed(2)} ms`);
  assert.ok(during - before < 16 * 1024, `server grew by ${during - before} KiB`);
  assert.ok(p95 < 250, `echo p95 ${p95} ms under flood`);
  loud.ws._socket.resume();
  loud.ws.send(Buffer.from('\x03'));
  loud.close();
  quiet.close();
  const h = await fetch(srv.url + '/healthz');
  assert.equal(h.status, 200);
});

// busy-output-rate: a terminal's output is capped while someone else types, and only then.
test('a flooding terminal gets its share of output while others type, and all of it alone', async () => {
  const d2 = tempDir('share');
  const rate = 256 * 1024;
  const s2 = await startServer({ data: d2, args: ['--busy-output-rate', '256K'] });
  const saved = srv;
  srv = s2;				// learnerWithShell() joins the server in `srv`
  try {
    const typist = await learnerWithShell('typist');
    const loud = await learnerWithShell('loud2');
    let bytes = 0;
    loud.ws.on('message', (d, bin) => { if (bin) bytes += d.length; });
    // someone types every 100 ms; the flood starts only once they do, so no output
    // made at full speed is still in flight (loopback buffers hold megabytes) while
    // we measure the share over the next 3 s
    let typing = true;
    const keys = (async () => {
      for (let i = 0; typing; i++) {
        typist.ws.send(Buffer.from(i % 2 ? '\x7f' : 'x'));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    loud.ws.send(Buffer.from('base64 /dev/zero\r'));
    await new Promise((r) => setTimeout(r, 500));
    let b0 = bytes, t0 = Date.now();
    await new Promise((r) => setTimeout(r, 3000));
    const shared = (bytes - b0) / ((Date.now() - t0) / 1000);
    typing = false;
    await keys;
    // nobody types for 2.5 s (the typing window is 2 s), then 2 s alone
    await new Promise((r) => setTimeout(r, 2500));
    b0 = bytes; t0 = Date.now();
    await new Promise((r) => setTimeout(r, 2000));
    const alone = (bytes - b0) / ((Date.now() - t0) / 1000);
    console.log(`flood while another learner types: ${(shared / 1024).toFixed(0)} KiB/s (cap ${rate / 1024}); alone: ${(alone / 1024).toFixed(0)} KiB/s`);
    assert.ok(shared < rate * 1.5, `while others typed the flood sent ${shared} B/s, cap ${rate}`);
    assert.ok(alone > rate * 3, `alone the flood sent only ${alone} B/s`);
    const m = await (await fetch(s2.url + '/metrics')).text();
    assert.match(m, /labhub_term_throttled_total [1-9]/);
    loud.ws.send(Buffer.from('\x03'));
    loud.close();
    typist.close();
  } finally {
    srv = saved;
    assert.equal(await s2.stop(), 0, s2.err());
    cleanup(d2);
  }
});
