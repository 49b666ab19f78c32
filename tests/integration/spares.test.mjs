// Spare wardens in the server (sandbox/cell.h, server/ws_term.c): once a
// learner's cell started, the server keeps cell-spares (default 2) spare
// wardens, children named labhub-spare; the next learner's cell is one of
// them; they are not cells (the labhub_cells gauge counts learners' cells
// only); the pool is refilled from the loop; with cell-spares 0 there are
// none; and none is left once the server stopped.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tempDir, startServer, post, connect, cleanup } from './lib.mjs';

const dirs = [];
after(() => dirs.forEach(cleanup));

function children(pid, comm) {
  let kids = [];
  try {
    kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch { return []; }
  return kids.filter((k) => {
    try {
      return readFileSync(`/proc/${k}/comm`, 'utf8').trim() === comm && alive(k);
    } catch { return false; }
  }).map(Number);
}

function alive(pid) {
  try {
    return !/^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch { return false; }
}

async function until(what, fn, ms = 5000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function learnerCell(srv, nickname) {
  const r = await post(srv, '/api/join', { code: srv.demo.code, nickname });
  assert.equal(r.status, 200, r.text);
  const c = await connect(srv, r.headers.get('set-cookie').split(';')[0]);
  const lab = await c.request({ type: 'lab.open', lab: 'hello-shell' });
  assert.equal(lab.type, 'lab', JSON.stringify(lab));
  const ready = await c.request({ type: 'cell.attach', attempt: lab.attempt, cols: 80, rows: 24 }, 20000);
  assert.equal(ready.type, 'cell.ready', JSON.stringify(ready));
  return c;
}

async function cellsGauge(srv) {
  const m = await (await fetch(srv.url + '/metrics')).text();
  const line = m.split('\n').find((l) => l.startsWith('labhub_cells '));
  assert.ok(line, 'labhub_cells in /metrics');
  return Number(line.split(' ')[1]);
}

test('the next learner gets a spare warden, and spares are not cells', async () => {
  const data = tempDir('spares');
  dirs.push(data);
  const srv = await startServer({ data });
  const pid = srv.proc.pid;
  // every process that was ever a spare of this server (a spare becomes a
  // warden by name once it has its cell)
  const seen = new Set();
  const poll = setInterval(() => children(pid, 'labhub-spare').forEach((s) => seen.add(s)), 5);
  try {
    const a = await learnerCell(srv, 'ana');
    const spares = await until('2 spare wardens', () => {
      const s = children(pid, 'labhub-spare');
      return s.length === 2 ? s : null;
    });
    const [anas] = await until('one cell, one warden', () => {
      const w = children(pid, 'labhub-warden');
      return w.length === 1 ? w : null;
    });
    assert.equal(await cellsGauge(srv), 1, 'spares are not counted as cells');

    const b = await learnerCell(srv, 'ben');
    const wardens = await until('two cells, two wardens', () => {
      const w = children(pid, 'labhub-warden');
      return w.length === 2 ? w : null;
    });
    const bens = wardens.find((w) => w !== anas);
    assert.ok(seen.has(bens), `ben's warden ${bens} was a spare (${[...seen]})`);
    assert.ok(!spares.includes(anas));
    assert.equal(await cellsGauge(srv), 2);
    // refilled from the loop, with spares that were never a cell
    const again = await until('the pool refilled', () => {
      const s = children(pid, 'labhub-spare');
      return s.length === 2 ? s : null;
    });
    assert.ok(again.every((s) => !wardens.includes(s)));
    a.close();
    b.close();
    clearInterval(poll);
    assert.equal(await srv.stop(), 0, srv.err().split('\n').slice(-20).join('\n'));
    for (const s of again) assert.ok(!alive(s), `spare ${s} outlived the server`);
  } finally {
    clearInterval(poll);
    await srv.stop();
  }
});

test('cell-spares 0: no spares', async () => {
  const data = tempDir('nospares');
  dirs.push(data);
  const srv = await startServer({ data, args: ['--cell-spares', '0'] });
  try {
    const a = await learnerCell(srv, 'cyd');
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(children(srv.proc.pid, 'labhub-spare'), []);
    assert.equal(children(srv.proc.pid, 'labhub-warden').length, 1);
    a.close();
  } finally {
    assert.equal(await srv.stop(), 0);
  }
});
