// Black-box tests of labhub serve: HTTP endpoints, sign-in, the labhub.v1
// WebSocket protocol, caps, authorization between learners and cohorts, and
// a restart that keeps everything.  Runs a real server on 127.0.0.1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir, startServer, post, login, connect, cli, cleanup } from './lib.mjs';

let data, srv, teacher;
const learners = {};

before(async () => {
  data = tempDir('it');
  srv = await startServer({ data });
  assert.ok(srv.demo.password, 'demo password printed');
  assert.match(srv.demo.code, /^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
});

after(async () => {
  // A clean exit: under the ASan build a leak or memory error makes this non-zero.
  if (srv) assert.equal(await srv.stop(), 0, srv.err().split('\n').slice(-30).join('\n'));
  cleanup(data);
});

test('healthz and metrics', async () => {
  const h = await fetch(srv.url + '/healthz');
  assert.equal(h.status, 200);
  assert.equal(await h.text(), 'ok\n');
  assert.equal(h.headers.get('x-content-type-options'), 'nosniff');
  const m = await (await fetch(srv.url + '/metrics')).text();
  for (const name of ['labhub_ws_connections', 'labhub_sessions', 'labhub_ws_messages_received_total',
    'labhub_errors_total{code="bad_json"}', 'labhub_store_latency_seconds_sum'])
    assert.ok(m.includes(name), `metrics lack ${name}`);
});

test('unknown page is 404 with an error body', async () => {
  const r = await fetch(srv.url + '/api/nothing-here');
  assert.equal(r.status, 404);
  assert.equal((await r.json()).error.code, 'not_found');
});

test('sign-in: wrong password refused, right one gives a strict HttpOnly cookie', async () => {
  const bad = await login(srv, { name: 'teacher', password: 'wrong' });
  assert.equal(bad.status, 401);
  assert.equal(bad.json.error.code, 'bad_credentials');
  assert.equal(bad.setCookie, '');
  const nouser = await login(srv, { name: 'nobody', password: 'x' });
  assert.equal(nouser.status, 401);
  assert.equal(nouser.json.error.message, bad.json.error.message, 'same words for unknown users');
  const ok = await login(srv, { name: 'teacher', password: srv.demo.password });
  assert.equal(ok.status, 200);
  assert.equal(ok.json.user.role, 'instructor');
  assert.match(ok.setCookie, /HttpOnly/);
  assert.match(ok.setCookie, /SameSite=Strict/);
  assert.doesNotMatch(ok.setCookie, /Secure/);
  teacher = ok.cookie;
  const me = await fetch(srv.url + '/api/me', { headers: { cookie: teacher } });
  assert.equal((await me.json()).user.name, 'teacher');
});

test('POST without an allowed Origin is refused', async () => {
  const r = await post(srv, '/api/login', { name: 'teacher', password: srv.demo.password },
    { origin: 'http://evil.example' });
  assert.equal(r.status, 403);
  const r2 = await post(srv, '/api/login', { name: 'teacher', password: srv.demo.password }, { origin: null });
  assert.equal(r2.status, 403);
});

test('malformed and oversized HTTP bodies', async () => {
  const r = await post(srv, '/api/login', '{not json');
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 'bad_json');
  const big = await post(srv, '/api/login', JSON.stringify({ name: 'x'.repeat(10000), password: 'y' }));
  assert.equal(big.status, 413);
});

test('learners join with a code and a nickname, and get a passphrase once', async () => {
  for (const nick of ['alice', 'bob']) {
    const r = await post(srv, '/api/join', { code: srv.demo.code.toLowerCase(), nickname: nick });
    assert.equal(r.status, 200, r.text);
    assert.match(r.json.passphrase, /^[a-z]+-[a-z]+-[a-z]+-\d\d$/);
    assert.equal(r.json.user.display, nick);
    learners[nick] = { cookie: r.headers.get('set-cookie').split(';')[0], passphrase: r.json.passphrase, user: r.json.user };
  }
  const dup = await post(srv, '/api/join', { code: srv.demo.code, nickname: 'alice' });
  assert.equal(dup.status, 409);
  const badcode = await post(srv, '/api/join', { code: 'ZZZZ-ZZZZ', nickname: 'carol' });
  assert.equal(badcode.status, 404);
  const again = await login(srv, { code: srv.demo.code, nickname: 'alice', password: learners.alice.passphrase });
  assert.equal(again.status, 200, again.text);
  assert.equal(again.json.user.id, learners.alice.user.id);
});

test('WebSocket upgrade needs a session, an allowed Origin and the /ws path', async () => {
  await assert.rejects(connect(srv, null), /refused|Unexpected|socket hang up|closed/);
  await assert.rejects(connect(srv, 'labhub_session=' + 'A'.repeat(43)), /refused|Unexpected|hang up|closed/);
  await assert.rejects(connect(srv, teacher, { origin: 'http://evil.example' }), /refused|Unexpected|hang up|closed/);
  await assert.rejects(connect(srv, teacher, { path: '/elsewhere' }), /refused|Unexpected|hang up|closed/);
  const c = await connect(srv, teacher);
  const w = await c.request({ type: 'hello' });
  assert.equal(w.type, 'welcome');
  assert.equal(w.user.name, 'teacher');
  c.close();
});

test('malformed and unknown messages get stable error codes and change nothing', async () => {
  const c = await connect(srv, learners.alice.cookie);
  c.send('{');
  assert.equal((await c.wait((m) => m.type === 'error')).code, 'bad_json');
  let e = await c.request({ type: 'launch.missiles' });
  assert.equal(e.code, 'unknown_type');
  e = await c.request({ type: 'lab.open' });
  assert.equal(e.code, 'bad_message');
  assert.equal(e.field, 'lab');
  e = await c.request({ type: 'attempt.get', attempt: 'one' });
  assert.equal(e.code, 'bad_message');
  e = await c.request({ type: 'cohort.create', name: 'mine' });
  assert.equal(e.code, 'forbidden', 'a learner cannot create cohorts');
  const p = await c.request({ type: 'ping' });
  assert.equal(p.type, 'pong', 'the connection is still usable');
  c.close();
});

test('an oversized message is refused with too_large and the connection closed; others are unaffected', async () => {
  const other = await connect(srv, learners.bob.cookie);
  const c = await connect(srv, learners.alice.cookie);
  c.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(70 * 1024) }));
  assert.equal((await c.wait((m) => m.type === 'error')).code, 'too_large');
  assert.equal((await c.waitClose()).code, 1009);
  assert.equal((await other.request({ type: 'ping' })).type, 'pong');
  other.close();
});

test('a message flood is cut off with rate_limited; others are unaffected', async () => {
  const other = await connect(srv, learners.bob.cookie);
  const c = await connect(srv, learners.alice.cookie);
  for (let i = 0; i < 200; i++) c.send({ type: 'ping' });
  assert.equal((await c.wait((m) => m.type === 'error')).code, 'rate_limited');
  assert.equal((await c.waitClose()).code, 1008);
  assert.equal((await other.request({ type: 'ping' })).type, 'pong');
  other.close();
});

test('permessage-deflate: negotiated when offered, large compressed messages arrive whole', async () => {
  const c = await connect(srv, learners.alice.cookie);
  assert.equal(c.ws.extensions, 'permessage-deflate');
  // 40 KiB that inflates over several of the server's 16 KiB inflate buffers
  // (ping has no field 'pad': the answer is a schema error, which proves the whole message was read)
  for (let i = 0; i < 3; i++) {
    const r = await c.request({ type: 'ping', pad: 'y'.repeat(40 * 1024) }, 5000);
    assert.equal(r.type, 'error', JSON.stringify(r));
    assert.equal(r.field, 'pad', JSON.stringify(r));
  }
  assert.equal((await c.request({ type: 'ping' })).type, 'pong');
  c.close();
  const plain = await connect(srv, learners.alice.cookie, { deflate: false });
  assert.equal(plain.ws.extensions, '');
  assert.equal((await plain.request({ type: 'ping' })).type, 'pong');
  // uncompressed, the same 40 KiB comes in ten of the server's 4 KiB receive buffers
  const r = await plain.request({ type: 'ping', pad: 'z'.repeat(40 * 1024) }, 5000);
  assert.equal(r.field, 'pad', JSON.stringify(r));
  assert.equal((await plain.request({ type: 'ping' })).type, 'pong');
  plain.close();
});

test('with lws\'s poll loop and without deflate the same caps and close codes hold', async () => {
  const d2 = tempDir('poll');
  const s2 = await startServer({ data: d2, args: ['--event-loop', 'poll', '--ws-deflate', 'no'] });
  try {
    const j = await post(s2, '/api/join', { code: s2.demo.code, nickname: 'pat' });
    const cookie = j.headers.get('set-cookie').split(';')[0];
    const c = await connect(s2, cookie);
    assert.equal(c.ws.extensions, '', 'ws-deflate no: not negotiated');
    assert.equal((await c.request({ type: 'ping' })).type, 'pong');
    c.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(70 * 1024) }));
    assert.equal((await c.wait((m) => m.type === 'error')).code, 'too_large');
    assert.equal((await c.waitClose()).code, 1009);
  } finally {
    assert.equal(await s2.stop(), 0, s2.err());
    cleanup(d2);
  }
});

test('a learner cannot read or act on another learner\'s attempt', async () => {
  const a = await connect(srv, learners.alice.cookie);
  const b = await connect(srv, learners.bob.cookie);
  const labs = await a.request({ type: 'labs.list' });
  assert.equal(labs.type, 'labs');
  assert.ok(labs.labs.length > 0, 'the demo cohort has labs');
  const lab = labs.labs[0].id;
  const opened = await b.request({ type: 'lab.open', lab });
  assert.equal(opened.type, 'lab', JSON.stringify(opened));
  const mine = await b.request({ type: 'attempt.get', attempt: opened.attempt });
  assert.equal(mine.type, 'attempt');
  for (const msg of [{ type: 'attempt.get', attempt: opened.attempt },
    { type: 'check', attempt: opened.attempt, step: opened.lab.steps[0].id },
    { type: 'hint', attempt: opened.attempt, step: opened.lab.steps[0].id, index: 0 },
    { type: 'cell.attach', attempt: opened.attempt }]) {
    const r = await a.request(msg);
    assert.equal(r.type, 'error', `${msg.type}: ${JSON.stringify(r)}`);
    assert.equal(r.code, 'forbidden', msg.type);
  }
  const none = await a.request({ type: 'attempt.get', attempt: 999999 });
  assert.equal(none.code, 'not_found');
  learners.bob.attempt = opened.attempt;
  a.close(); b.close();
});

test('step texts follow the browser\'s language when the lab has a translation', async () => {
  const de = await connect(srv, learners.alice.cookie, { lang: 'de-CH,de;q=0.9,en;q=0.5' });
  const en = await connect(srv, learners.alice.cookie);
  const ld = await de.request({ type: 'lab.open', lab: 'hello-shell' });
  const le = await en.request({ type: 'lab.open', lab: 'hello-shell' });
  assert.match(ld.lab.steps[0].html, /Sag hallo|Willkommen/);
  assert.doesNotMatch(le.lab.steps[0].html, /Willkommen/);
  const pick = await en.request({ type: 'lab.open', lab: 'hello-shell', lang: 'de' });
  assert.match(pick.lab.steps[0].html, /Willkommen/, 'the page may ask for a language');
  assert.ok(!/<script/i.test(ld.lab.steps[0].html), 'raw HTML is never passed through');
  de.close(); en.close();
});

test('an instructor of one cohort cannot read another cohort', async () => {
  const t = await connect(srv, teacher);
  const list = await t.request({ type: 'cohort.list' });
  const demo = list.cohorts[0];
  assert.equal(demo.learners, 2);
  const grid = await t.request({ type: 'cohort.watch', cohort: demo.id });
  assert.equal(grid.type, 'grid');
  assert.equal(grid.learners.length, 2);

  const add = cli(['user', 'add', 'other', '--role', 'instructor', '--password-stdin', '--data', data], 'other-password-123\n');
  assert.equal(add.status, 0, add.stderr);
  const o = await login(srv, { name: 'other', password: 'other-password-123' });
  assert.equal(o.status, 200, o.text);
  const oc = await connect(srv, o.cookie);
  const mine = await oc.request({ type: 'cohort.create', name: 'Other group' });
  assert.equal(mine.type, 'cohort');
  assert.equal((await oc.request({ type: 'cohort.list' })).cohorts.length, 1);
  for (const msg of [{ type: 'cohort.watch', cohort: demo.id },
    { type: 'learner.history', cohort: demo.id, user: learners.bob.user.id },
    { type: 'learner.passphrase', cohort: demo.id, user: learners.bob.user.id },
    { type: 'attempt.get', attempt: learners.bob.attempt }]) {
    const r = await oc.request(msg);
    assert.equal(r.code, 'forbidden', `${msg.type}: ${JSON.stringify(r)}`);
  }
  const csv = await fetch(`${srv.url}/api/cohorts/${demo.id}/grades.csv`, { headers: { cookie: o.cookie } });
  assert.equal(csv.status, 403);
  const own = await fetch(`${srv.url}/api/cohorts/${demo.id}/grades.csv`, { headers: { cookie: teacher } });
  assert.equal(own.status, 200);
  const text = await own.text();
  assert.match(text, /^nickname,/);
  assert.ok(text.includes('alice') && text.includes('bob'));
  // The demo instructor may see its own learner's attempt.
  assert.equal((await t.request({ type: 'attempt.get', attempt: learners.bob.attempt })).type, 'attempt');
  t.close(); oc.close();
});

test('instructors choose the labs of their cohort; admins manage accounts and read the audit log', async () => {
  const t = await connect(srv, teacher);
  const demo = (await t.request({ type: 'cohort.list' })).cohorts[0];
  const labs = await t.request({ type: 'cohort.labs', cohort: demo.id });
  assert.ok(labs.labs.some((l) => l.id === 'hello-shell' && l.enabled));
  const off = await t.request({ type: 'cohort.lab.enable', cohort: demo.id, lab: 'hello-shell', enabled: false });
  assert.equal(off.labs.find((l) => l.id === 'hello-shell').enabled, false);
  const a = await connect(srv, learners.alice.cookie);
  assert.ok(!(await a.request({ type: 'labs.list' })).labs.some((l) => l.id === 'hello-shell'));
  assert.equal((await a.request({ type: 'lab.open', lab: 'hello-shell' })).code, 'not_found');
  assert.equal((await a.request({ type: 'users.list' })).code, 'forbidden');
  await t.request({ type: 'cohort.lab.enable', cohort: demo.id, lab: 'hello-shell', enabled: true });
  assert.ok((await a.request({ type: 'labs.list' })).labs.some((l) => l.id === 'hello-shell'));
  assert.equal((await t.request({ type: 'audit.list' })).code, 'forbidden');

  const add = cli(['user', 'add', 'root-admin', '--role', 'admin', '--password-stdin', '--data', data], 'admin-password-123\n');
  assert.equal(add.status, 0, add.stderr);
  const s = await login(srv, { name: 'root-admin', password: 'admin-password-123' });
  const ad = await connect(srv, s.cookie);
  const users = await ad.request({ type: 'users.list' });
  assert.ok(users.users.some((u) => u.name === 'teacher'));
  const carl = await post(srv, '/api/join', { code: srv.demo.code, nickname: 'carl' });
  const cc = await connect(srv, carl.headers.get('set-cookie').split(';')[0]);
  assert.equal((await ad.request({ type: 'user.disable', user: carl.json.user.id, disabled: true })).type, 'ok');
  cc.send({ type: 'ping' });
  assert.equal((await cc.wait((m) => m.type === 'session.expired')).type, 'session.expired');
  const audit = await ad.request({ type: 'audit.list', limit: 50 });
  const actions = audit.entries.map((e) => e.action);
  for (const act of ['user.disable', 'cohort.lab.disable', 'cohort.lab.enable', 'user.add'])
    assert.ok(actions.includes(act), `audit lacks ${act}: ${actions}`);
  t.close(); a.close(); ad.close();
});

test('sign-out ends the session for HTTP and the WebSocket', async () => {
  const s = await login(srv, { name: 'teacher', password: srv.demo.password });
  const c = await connect(srv, s.cookie);
  const out = await post(srv, '/api/logout', {}, { cookie: s.cookie });
  assert.equal(out.status, 200);
  assert.match(out.headers.get('set-cookie'), /Max-Age=0/);
  c.send({ type: 'ping' });
  assert.equal((await c.wait((m) => m.type === 'session.expired')).type, 'session.expired');
  const me = await fetch(srv.url + '/api/me', { headers: { cookie: s.cookie } });
  assert.equal(me.status, 401);
});

test('restart keeps accounts, cohorts and attempts', async () => {
  await srv.stop();
  srv = await startServer({ data });
  const again = await login(srv, { code: srv.demo.code, nickname: 'bob', password: learners.bob.passphrase });
  assert.equal(again.status, 200, again.text);
  const b = await connect(srv, again.cookie);
  const a = await b.request({ type: 'attempt.get', attempt: learners.bob.attempt });
  assert.equal(a.type, 'attempt');
  const t = await login(srv, { name: 'teacher', password: srv.demo.password });
  assert.equal(t.status, 200, 'the demo password is kept across restarts');
  b.close();
});

test('a class joining at once does not freeze the server (hashing runs off the loop)', async () => {
  const t = await login(srv, { name: 'teacher', password: srv.demo.password });
  const c = await connect(srv, t.cookie);
  const joins = [];
  const t0 = Date.now();
  for (let i = 0; i < 20; i++)
    joins.push(post(srv, '/api/join', { code: srv.demo.code, nickname: `class-${i}` }));
  const rtts = [];
  let done = false;
  Promise.all(joins).then(() => { done = true; });
  while (!done) {
    const s = Date.now();
    await c.request({ type: 'ping' });
    rtts.push(Date.now() - s);
    await new Promise((r) => setTimeout(r, 20));
  }
  const res = await Promise.all(joins);
  const took = Date.now() - t0;
  assert.ok(res.every((r) => r.status === 200), res.map((r) => r.status).join(','));
  assert.equal(new Set(res.map((r) => r.json.passphrase)).size, 20);
  rtts.sort((a, b) => a - b);
  console.log(`20 joins in ${took} ms; ping during them: median ${rtts[rtts.length >> 1]} ms, max ${rtts[rtts.length - 1]} ms over ${rtts.length} pings`);
  assert.ok(rtts.length >= 3, 'pings were answered while the joins ran');
  assert.ok(rtts[rtts.length - 1] < 1000, `a ping waited ${rtts[rtts.length - 1]} ms`);
  c.close();
});

test('login rate limit per address and per account', async () => {
  const d2 = tempDir('rl');
  const s2 = await startServer({ data: d2, args: ['--login-rate', '3'] });
  try {
    const codes = [];
    for (let i = 0; i < 5; i++)
      codes.push((await login(s2, { name: 'teacher', password: 'nope' + i })).status);
    assert.deepEqual(codes.slice(0, 3), [401, 401, 401]);
    assert.equal(codes[4], 429);
    const r = await login(s2, { name: 'teacher', password: s2.demo.password });
    assert.equal(r.status, 429, 'even the right password waits');
    assert.ok(Number(r.headers.get('retry-after')) > 0);
  } finally {
    await s2.stop();
    cleanup(d2);
  }
});
