// The learner's path through a real cell: open hello-shell, get a shell over
// binary frames, do the work in the terminal, check, take a hint, reconnect
// to the same shell; the instructor's grid updates from the checks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync, mkdirSync, writeFileSync, readFileSync, symlinkSync, chownSync, lchownSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tempDir, startServer, post, login, connect, cleanup } from './lib.mjs';

let data, srv, learner, attempt;

before(async () => {
  data = tempDir('cell');
  srv = await startServer({ data, args: ['--cell-grace', '30'] });
  const r = await post(srv, '/api/join', { code: srv.demo.code, nickname: 'dana' });
  assert.equal(r.status, 200, r.text);
  learner = r.headers.get('set-cookie').split(';')[0];
});

after(async () => {
  if (srv) assert.equal(await srv.stop(), 0, srv.err().split('\n').slice(-30).join('\n'));
  cleanup(data);
});

// Collects terminal output until `re` matches.
function termUntil(c, re, ms = 15000) {
  let text = '';
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { c.ws.off('message', on); reject(new Error(`no ${re} in terminal output: ${JSON.stringify(text.slice(-400))}`)); }, ms);
    function on(data, isBinary) {
      if (!isBinary) return;
      text += Buffer.from(data).toString();
      if (re.test(text)) { clearTimeout(t); c.ws.off('message', on); resolve(text); }
    }
    c.ws.on('message', on);
  });
}

test('a learner gets a real shell in a cell and passes a step', async () => {
  const c = await connect(srv, learner);
  const lab = await c.request({ type: 'lab.open', lab: 'hello-shell' });
  assert.equal(lab.type, 'lab', JSON.stringify(lab));
  attempt = lab.attempt;
  assert.equal(lab.lab.steps[0].state, 'open');
  assert.equal(lab.lab.steps[1].state, 'locked');
  assert.match(lab.lab.steps[0].html, /<p>/);
  const early = await c.request({ type: 'check', attempt, step: 'secret' });
  assert.equal(early.code, 'forbidden', 'later steps are locked');

  const ready = await c.request({ type: 'cell.attach', attempt, cols: 100, rows: 30 }, 20000);
  assert.equal(ready.type, 'cell.ready', JSON.stringify(ready));
  assert.equal(ready.fresh, true);
  c.ws.send(Buffer.from('echo "marker-$((6*7))"; id -un; hostname\r'));
  await termUntil(c, /marker-42/);

  const fail = await c.request({ type: 'check', attempt, step: 'create' }, 20000);
  assert.equal(fail.type, 'check.result', JSON.stringify(fail));
  assert.equal(fail.passed, false);
  assert.match(fail.feedback, /hello\.txt/);

  c.ws.send(Buffer.from("echo 'Hello, shell!' > hello.txt && echo done-$((1+1))\r"));
  await termUntil(c, /done-2/);
  const pass = await c.request({ type: 'check', attempt, step: 'create' }, 20000);
  assert.equal(pass.passed, true, JSON.stringify(pass));
  assert.equal(pass.points, 10);
  assert.equal(pass.next, 'secret');

  const hint = await c.request({ type: 'hint', attempt, step: 'secret', index: 0 }, 20000);
  assert.equal(hint.type, 'hint', JSON.stringify(hint));
  assert.match(hint.text, /ls -a/);
  assert.equal(hint.cost, 2);

  // Re-checking a passed step never loses the pass.
  c.ws.send(Buffer.from('rm hello.txt; echo gone-$((2+1))\r'));
  await termUntil(c, /gone-3/);
  const again = await c.request({ type: 'check', attempt, step: 'create' }, 20000);
  assert.equal(again.passed, false);
  const state = await c.request({ type: 'attempt.get', attempt });
  assert.equal(state.steps.find((s) => s.id === 'create').state, 'passed');
  c.ws.send(Buffer.from('export KEEP=still-here-$((3*3))\r'));
  await termUntil(c, /still-here/);
  c.close();
});

test('reconnecting re-attaches the same shell', async () => {
  const c = await connect(srv, learner);
  const ready = await c.request({ type: 'cell.attach', attempt, cols: 80, rows: 24 }, 20000);
  assert.equal(ready.type, 'cell.ready');
  assert.equal(ready.fresh, false, 'the cell was kept during the grace period');
  c.ws.send(Buffer.from('echo "$KEEP"\r'));
  await termUntil(c, /still-here-9/);
  c.close();
});

test('a paste larger than the server\'s receive buffer arrives whole, in order', async () => {
  // 24 000 bytes in one binary message: lws hands it over in 4 KiB pieces,
  // and the PTY takes it in pieces too (the writer waits when it is full).
  const c = await connect(srv, learner, { deflate: false });
  const ready = await c.request({ type: 'cell.attach', attempt, cols: 80, rows: 24 }, 20000);
  assert.equal(ready.type, 'cell.ready');
  c.ws.send(Buffer.from("stty -echo; echo ready-$((5*5)); cat > paste.txt\r"));
  await termUntil(c, /ready-25/);
  await new Promise((r) => setTimeout(r, 300));
  let paste = '';
  for (let i = 0; i < 240; i++) paste += `${String(i).padStart(3, '0')}:${'p'.repeat(95)}\r`;
  c.ws.send(Buffer.from(paste));
  c.ws.send(Buffer.from('\x04'));
  c.ws.send(Buffer.from('stty echo; echo "size-$(wc -c < paste.txt) last-$(tail -n 1 paste.txt | cut -c1-3) lines-$(grep -c ^ paste.txt)"\r'));
  await termUntil(c, /size-24000 last-239 lines-240/);
  c.close();
});

test('the instructor grid shows the learner\'s progress, pushed within a second', async () => {
  const t = await login(srv, { name: 'teacher', password: srv.demo.password });
  const tc = await connect(srv, t.cookie);
  const cohorts = await tc.request({ type: 'cohort.list' });
  const grid = await tc.request({ type: 'cohort.watch', cohort: cohorts.cohorts[0].id });
  const row = grid.learners.find((l) => l.display === 'dana');
  assert.equal(row.steps['hello-shell/create'], 'passed');

  const c = await connect(srv, learner);
  await c.request({ type: 'cell.attach', attempt }, 20000);
  c.ws.send(Buffer.from('echo nope > answer.txt\r'));
  await new Promise((r) => setTimeout(r, 300));
  const t0 = Date.now();
  const check = c.request({ type: 'check', attempt, step: 'secret' }, 20000);
  const upd = await tc.wait((m) => m.type === 'grid.update', 5000);
  const res = await check;
  assert.equal(res.passed, false);
  assert.equal(upd.learner.display, 'dana');
  assert.equal(upd.learner.steps['hello-shell/secret'], 'failed');
  assert.ok(Date.now() - t0 < 5000);
  const hist = await tc.request({ type: 'learner.history', cohort: cohorts.cohorts[0].id, user: upd.learner.user });
  const kinds = hist.log.filter((e) => e.lab === 'hello-shell').map((e) => `${e.step}:${e.kind}`);
  assert.deepEqual(kinds.slice(0, 3), ['create:check_fail', 'create:check_pass', 'secret:hint']);
  assert.ok(kinds.includes('secret:check_fail'));
  assert.match(hist.log.find((e) => e.kind === 'check_fail').feedback, /hello\.txt/);
  assert.ok(hist.log.every((e, i, a) => i === 0 || a[i - 1].at <= e.at), 'oldest first');
  const csv = await (await fetch(`${srv.url}/api/cohorts/${cohorts.cohorts[0].id}/grades.csv`, { headers: { cookie: t.cookie } })).text();
  const [head, ...rows] = csv.trim().split('\r\n').map((l) => l.split(','));
  const col = head.indexOf('hello-shell/create');
  assert.ok(col > 0, head.join(','));
  const dana = rows.find((r) => r[0] === 'dana');
  assert.equal(dana[col], '10');
  assert.equal(dana[head.indexOf('total')], '10');
  c.close(); tc.close();
});

test('a check still answers when the learner detaches from the cell while it runs', async () => {
  const c = await connect(srv, learner);
  await c.request({ type: 'cell.attach', attempt }, 20000);
  const result = c.request({ type: 'check', attempt, step: 'create' }, 20000);
  c.send({ type: 'cell.detach' });
  const r = await result;
  assert.equal(r.type, 'check.result', JSON.stringify(r));
  assert.equal(r.step, 'create');
  c.close();
});

test('after a server restart the learner gets a fresh cell on the same workspace', async () => {
  await srv.stop();
  srv = await startServer({ data, args: ['--cell-grace', '30'] });
  const c = await connect(srv, learner);
  const ready = await c.request({ type: 'cell.attach', attempt }, 20000);
  assert.equal(ready.type, 'cell.ready', JSON.stringify(ready));
  assert.equal(ready.fresh, true, 'the old cell ended with the old server');
  c.ws.send(Buffer.from('echo "[$(cat answer.txt)]"; ls -a | grep -c secret\r'));
  await termUntil(c, /\[nope\]/);
  const st = await c.request({ type: 'attempt.get', attempt });
  assert.equal(st.steps.find((s) => s.id === 'create').state, 'passed', 'progress survived too');
  c.close();
});

test('a shell that exits is reported in words and a new attach gets a new shell', async () => {
  const c = await connect(srv, learner);
  await c.request({ type: 'cell.attach', attempt }, 20000);
  c.ws.send(Buffer.from('exit\r'));
  const ex = await c.wait((m) => m.type === 'cell.exit', 10000);
  assert.match(ex.message, /shell has ended/);
  const again = await c.request({ type: 'cell.attach', attempt }, 20000);
  assert.equal(again.type, 'cell.ready');
  c.ws.send(Buffer.from('echo back-$((5+5))\r'));
  await termUntil(c, /back-10/);
  c.close();
});

test('a cell that cannot start a shell says so instead of hanging', async () => {
  const d2 = tempDir('pids');
  const s2 = await startServer({ data: d2, args: ['--cell-limits', 'pids=1'] });
  try {
    const r = await post(s2, '/api/join', { code: s2.demo.code, nickname: 'erin' });
    const c = await connect(s2, r.headers.get('set-cookie').split(';')[0]);
    const lab = await c.request({ type: 'lab.open', lab: 'hello-shell' });
    const reply = await c.request({ type: 'cell.attach', attempt: lab.attempt }, 20000);
    assert.equal(reply.type, 'error', JSON.stringify(reply));
    assert.equal(reply.code, 'cell_failed');
    assert.match(reply.message, /could not start/);
    c.close();
  } finally {
    await s2.stop();
    cleanup(d2);
  }
});

test('a learner who joins appears in a watching instructor\'s grid at once', async () => {
  const t = await login(srv, { name: 'teacher', password: srv.demo.password });
  const tc = await connect(srv, t.cookie);
  const cohorts = await tc.request({ type: 'cohort.list' });
  await tc.request({ type: 'cohort.watch', cohort: cohorts.cohorts[0].id });
  const r = await post(srv, '/api/join', { code: srv.demo.code, nickname: 'fred' });
  assert.equal(r.status, 200);
  const upd = await tc.wait((m) => m.type === 'grid.update' && m.learner.display === 'fred', 3000);
  assert.deepEqual(upd.learner.steps, {});
  tc.close();
});

test('an instructor\'s reset gives the learner an empty workspace, and the old one is deleted', async () => {
  const t = await login(srv, { name: 'teacher', password: srv.demo.password });
  const tc = await connect(srv, t.cookie);
  const cohort = (await tc.request({ type: 'cohort.list' })).cohorts[0].id;
  const grid = await tc.request({ type: 'cohort.watch', cohort });
  const dana = grid.learners.find((l) => l.display === 'dana');
  const wsRoot = join(data, 'workspaces', String(dana.user));
  assert.ok(existsSync(join(wsRoot, 'hello-shell', 'answer.txt')) || existsSync(join(wsRoot, 'hello-shell.img')),
    'the workspace is there before the reset');

  const c = await connect(srv, learner);
  await c.request({ type: 'cell.attach', attempt }, 20000);
  c.ws.send(Buffer.from('echo "before-[$(cat answer.txt)]"\r'));
  await termUntil(c, /before-\[nope\]/);
  const exit = c.wait((m) => m.type === 'cell.exit', 10000);
  const ok = await tc.request({ type: 'learner.reset', cohort, user: dana.user, lab: 'hello-shell' });
  assert.equal(ok.type, 'ok', JSON.stringify(ok));
  assert.match((await exit).message, /reset/);

  const lab = await c.request({ type: 'lab.open', lab: 'hello-shell' });
  assert.notEqual(lab.attempt, attempt, 'a new attempt');
  const ready = await c.request({ type: 'cell.attach', attempt: lab.attempt }, 20000);
  assert.equal(ready.fresh, true);
  c.ws.send(Buffer.from('for f in answer.txt paste.txt; do [ -e "$f" ] && echo "ke""pt-$f" || echo "go""ne-$f"; done; echo end-$((4*4))\r'));
  const out = await termUntil(c, /end-16/);
  assert.match(out, /gone-answer\.txt/);
  assert.match(out, /gone-paste\.txt/);
  assert.doesNotMatch(out, /kept-/);

  // the old workspace (and its image) goes once its cell is reaped
  let left = [];
  for (let i = 0; i < 50; i++) {
    left = readdirSync(wsRoot).filter((n) => n.startsWith('.discarded-'));
    if (left.length === 0) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.deepEqual(left, [], 'nothing of the old workspace is left');
  attempt = lab.attempt;
  c.close(); tc.close();
});

test('what a reset left before a restart is deleted at start-up, without following links', async () => {
  await srv.stop();
  const owner = statSync(data);
  const userDir = readdirSync(join(data, 'workspaces')).find((n) => !n.startsWith('.'));
  const left = join(data, 'workspaces', userDir, '.discarded-hello-shell-999');
  const outside = join(data, 'outside.txt');
  mkdirSync(join(left, 'sub'), { recursive: true });
  writeFileSync(join(left, 'sub', 'file.txt'), 'old work\n');
  writeFileSync(outside, 'not the workspace\n');
  symlinkSync(outside, join(left, 'link'));
  symlinkSync(dirname(outside), join(left, 'sub', 'dirlink'));
  for (const p of [left, join(left, 'sub'), join(left, 'sub', 'file.txt'), outside]) chownSync(p, owner.uid, owner.gid);
  for (const p of [join(left, 'link'), join(left, 'sub', 'dirlink')]) lchownSync(p, owner.uid, owner.gid);
  srv = await startServer({ data, args: ['--cell-grace', '30'] });
  for (let i = 0; i < 50 && existsSync(left); i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(existsSync(left), false, 'the left-over workspace is gone');
  assert.equal(readFileSync(outside, 'utf8'), 'not the workspace\n', 'a link inside was not followed');
  assert.ok(existsSync(join(data, 'workspaces', userDir)), 'the learner\'s other workspaces stay');
});

test('a lab that was opened but never checked can be reset too', async () => {
  const j = await post(srv, '/api/join', { code: srv.demo.code, nickname: 'gil' });
  const c = await connect(srv, j.headers.get('set-cookie').split(';')[0]);
  const lab = await c.request({ type: 'lab.open', lab: 'hello-shell' });
  await c.request({ type: 'cell.attach', attempt: lab.attempt }, 20000);
  c.ws.send(Buffer.from('echo mine > wreck.txt; echo wrote-$((3+4))\r'));
  await termUntil(c, /wrote-7/);
  const t = await login(srv, { name: 'teacher', password: srv.demo.password });
  const tc = await connect(srv, t.cookie);
  const cohort = (await tc.request({ type: 'cohort.list' })).cohorts[0].id;
  const gil = (await tc.request({ type: 'cohort.watch', cohort })).learners.find((l) => l.display === 'gil');
  const ok = await tc.request({ type: 'learner.reset', cohort, user: gil.user, lab: 'hello-shell' });
  assert.equal(ok.type, 'ok', JSON.stringify(ok));	/* was not_found: no check, so not in the grid */
  const again = await c.request({ type: 'lab.open', lab: 'hello-shell' });
  assert.notEqual(again.attempt, lab.attempt);
  await c.request({ type: 'cell.attach', attempt: again.attempt }, 20000);
  c.ws.send(Buffer.from('[ -e wreck.txt ] && echo "ke""pt" || echo "go""ne"; echo end-$((5*5))\r'));
  const out = await termUntil(c, /end-25/);
  assert.match(out, /\bgone\b/);
  c.close(); tc.close();
});
