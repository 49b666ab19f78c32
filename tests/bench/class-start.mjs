// tests/bench/class-start: a class pressing "Start" at once.  N learners
// (default 30) join and open a lab, then all attach their cells in the same
// moment while one more learner pings the server every 2 ms; printed: the
// time until every cell is ready and the pings' p50 / p99 / max.  Each round
// runs two fresh servers one after the other, the baseline with
// `--workspace-spares 0` (every first cell makes its ext4 image on the
// loop) and one with the default spare images; ROUNDS rounds (default 3).
// Root with loop devices only (else both lines are the same: no images).
//
//   tests/bench/class-start [N] [ROUNDS]        (LABHUB: build/labhub)
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRCDIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
process.env.LABHUB ||= join(SRCDIR, 'build/labhub');
process.env.LABHUB_FULL ||= join(dirname(process.env.LABHUB), 'labhub-full');
process.env.LABHUB_SRCDIR ||= SRCDIR;
const { tempDir, startServer, post, connect, cleanup } = await import('../integration/lib.mjs');

const N = Number(process.argv[2] || 30), ROUNDS = Number(process.argv[3] || 3);

async function round(args) {
  const data = tempDir('class');
  /* the pinger sends up to ~400 messages a second: above the default message-rate */
  const srv = await startServer({ data, args: [...args, '--message-rate', '10000'] });
  try {
    const learners = [];
    for (let i = 0; i < N; i++) {
      const r = await post(srv, '/api/join', { code: srv.demo.code, nickname: `l${i}` });
      const c = await connect(srv, r.headers.get('set-cookie').split(';')[0]);
      const lab = await c.request({ type: 'lab.open', lab: 'hello-shell' });
      if (lab.type !== 'lab') throw new Error(JSON.stringify(lab));
      learners.push({ c, attempt: lab.attempt });
    }
    const r = await post(srv, '/api/join', { code: srv.demo.code, nickname: 'pinger' });
    const p = await connect(srv, r.headers.get('set-cookie').split(';')[0]);
    await new Promise((res) => setTimeout(res, 2000));	/* spares made, machine quiet */
    const rtts = [];
    let done = false;
    const pinger = (async () => {
      while (!done) {
        const t0 = performance.now();
        await p.request({ type: 'ping' });
        rtts.push(performance.now() - t0);
        await new Promise((res) => setTimeout(res, 2));
      }
    })();
    const t0 = performance.now();
    const ready = await Promise.all(learners.map(({ c, attempt }) =>
      c.request({ type: 'cell.attach', attempt, cols: 80, rows: 24 }, 60000)));
    const took = performance.now() - t0;
    done = true;
    await pinger;
    if (ready.some((m) => m.type !== 'cell.ready')) throw new Error(JSON.stringify(ready.find((m) => m.type !== 'cell.ready')));
    rtts.sort((a, b) => a - b);
    for (const { c } of learners) c.close();
    p.close();
    return { took, p50: rtts[rtts.length >> 1], p99: rtts[Math.floor((rtts.length - 1) * 0.99)], max: rtts[rtts.length - 1] };
  } finally {
    await srv.stop();
    cleanup(data);
  }
}

const rows = { base: [], spares: [] };
for (let i = 0; i < ROUNDS; i++) {
  rows.base.push(await round(['--workspace-spares', '0']));
  rows.spares.push(await round([]));
}
const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const line = (name, rs, base) => {
  const m = { took: med(rs.map((r) => r.took)), p50: med(rs.map((r) => r.p50)), p99: med(rs.map((r) => r.p99)), max: med(rs.map((r) => r.max)) };
  console.log(`  ${name.padEnd(40)} ${m.took.toFixed(0).padStart(8)} ${m.p50.toFixed(1).padStart(8)} ${m.p99.toFixed(1).padStart(8)} ${m.max.toFixed(1).padStart(8)}` +
    (base ? `   ${(m.took / base.took).toFixed(2)}x ${(m.max / base.max).toFixed(2)}x` : '   1.00x 1.00x'));
  return m;
};
console.log(`class start: ${N} learners attach at once, median of ${ROUNDS} rounds; load ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`  ${''.padEnd(40)} ${'ready ms'.padStart(8)} ${'ping p50'.padStart(8)} ${'p99'.padStart(8)} ${'max'.padStart(8)}   ready, max vs baseline`);
const b = line('baseline: workspace-spares 0', rows.base);
line('workspace-spares 32 (default)', rows.spares, b);
