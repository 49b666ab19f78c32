// The learner's workspace cap through the real server: a lab's own cap
// (lab-limits), ENOSPC in the terminal at about that cap when the server is
// root (the workspace is an ext4 image in the data directory, no larger than
// the cap), the files still there after a server restart.  As an ordinary
// user the server says at start-up that only the per-file cap holds, and it does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, startServer, post, connect, cleanup } from './lib.mjs';

const CAP = 8 << 20;
const args = ['--cell-grace', '30', '--lab-limits', 'hello-shell workspace=8M'];
let data, srv, learner, attempt, images;

before(async () => {
  data = tempDir('wscap');
  srv = await startServer({ data, args });
  // logged just after the "serving" line on stdout
  for (let i = 0; i < 100 && !/workspaces(:| are capped)/.test(srv.err()); i++)
    await new Promise((r) => setTimeout(r, 50));
  images = /workspaces: ext4 images/.test(srv.err());
  const r = await post(srv, '/api/join', { code: srv.demo.code, nickname: 'fay' });
  assert.equal(r.status, 200, r.text);
  learner = r.headers.get('set-cookie').split(';')[0];
});

after(async () => {
  if (srv) assert.equal(await srv.stop(), 0, srv.err().split('\n').slice(-30).join('\n'));
  cleanup(data);
});

function termUntil(c, re, ms = 60000) {
  let text = '';
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { c.ws.off('message', on); reject(new Error(`no ${re} in terminal output: ${JSON.stringify(text.slice(-400))}`)); }, ms);
    function on(d, isBinary) {
      if (!isBinary) return;
      text += Buffer.from(d).toString();
      const m = text.match(re);
      if (m) { clearTimeout(t); c.ws.off('message', on); resolve(m); }
    }
    c.ws.on('message', on);
  });
}

// The learner's workspace directory and its image in the data directory.
function paths() {
  const top = join(data, 'workspaces');
  const user = readdirSync(top).find((n) => /^\d+$/.test(n));
  return { dir: join(top, user, 'hello-shell'), img: join(top, user, 'hello-shell.img') };
}

test('the server says at start-up how the workspace is capped', () => {
  assert.match(srv.err(), images ? /workspaces: ext4 images/ : /capped per file only, not in total/);
});

test('many small files stop at the lab\'s cap, and the host holds no more than it', async () => {
  const c = await connect(srv, learner);
  const lab = await c.request({ type: 'lab.open', lab: 'hello-shell' });
  attempt = lab.attempt;
  const ready = await c.request({ type: 'cell.attach', attempt, cols: 120, rows: 30 }, 20000);
  assert.equal(ready.type, 'cell.ready', JSON.stringify(ready));
  // at most twice the cap's worth: without a total cap all 1024 files fit
  c.ws.send(Buffer.from('mkdir -p many; i=0; while [ $i -lt 1024 ] && head -c 16384 /dev/zero > many/f$i 2>/dev/null; ' +
    'do i=$((i+1)); done; echo "files=$i="; head -c 9M /dev/zero > big 2>/dev/null; echo "big=$?=$(stat -c %s big)="\r'));
  // one wait for both lines: they may arrive in one frame
  const [, n, status, size] = await termUntil(c, /files=(\d+)=[\s\S]*big=(\d+)=(\d+)=/);
  assert.notEqual(Number(status), 0, 'writing 9M into an 8M workspace fails');
  if (images) {
    assert.ok(n * 16384 <= CAP && n * 16384 >= CAP * 0.75, `ENOSPC after ${n} files of 16 KiB`);
    const { dir, img } = paths();
    assert.equal(statSync(img).size, CAP);
    assert.ok(statSync(img).blocks * 512 <= CAP, 'the image stores no more than the cap');
    assert.deepEqual(readdirSync(dir), [], 'the files are in the image, not in the directory');
    assert.ok(Number(size) < CAP, `big: ${size} bytes`);
  } else {
    assert.equal(Number(n), 1024, 'no total cap as an ordinary user (and the docs say so)');
    assert.equal(Number(size), CAP, 'the per-file cap holds');
  }
  c.ws.send(Buffer.from('rm -rf many big; echo keep > notes; echo ok-$((3*3))\r'));
  await termUntil(c, /ok-9/);
  c.close();
});

test('the workspace survives a server restart', async () => {
  await srv.stop();
  srv = await startServer({ data, args });
  const c = await connect(srv, learner);
  const ready = await c.request({ type: 'cell.attach', attempt }, 20000);
  assert.equal(ready.type, 'cell.ready', JSON.stringify(ready));
  c.ws.send(Buffer.from('echo "[$(cat notes)]"\r'));
  await termUntil(c, /\[keep\]/);
  c.close();
});

// Spare images (server/ws_term.c): as root, images of the default cap are
// made ahead in <data>/workspaces/.spares by short-lived processes, and a
// learner's first cell of a lab with that cap takes one by rename (the same
// inode) instead of running mkfs on the server's loop; the spares are then
// made up again.  As an ordinary user there are no images, so no spares.
test('a first cell takes a spare image made ahead, and the spares are made up again', async () => {
  const spares = join(data, 'workspaces', '.spares');
  const list = () => {
    try {
      return readdirSync(spares).filter((n) => /^spare-67108864-\d+-\d+\.img$/.test(n));
    } catch { return []; }
  };
  if (!images) {
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(list(), [], 'no spare images without image workspaces');
    return;
  }
  const until = async (what, fn, ms = 10000) => {
    for (const end = Date.now() + ms; !fn();) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(list())}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await until('32 spares (workspace-spares)', () => list().length === 32);
  const inodes = new Map(list().map((n) => [statSync(join(spares, n)).ino, n]));
  const r = await post(srv, '/api/join', { code: srv.demo.code, nickname: 'gil' });
  assert.equal(r.status, 200, r.text);
  const c = await connect(srv, r.headers.get('set-cookie').split(';')[0]);
  const lab = await c.request({ type: 'lab.open', lab: 'dnssec-sign-zone' });
  assert.equal(lab.type, 'lab', JSON.stringify(lab));
  const ready = await c.request({ type: 'cell.attach', attempt: lab.attempt }, 20000);
  assert.equal(ready.type, 'cell.ready', JSON.stringify(ready));
  const top = join(data, 'workspaces');
  const img = readdirSync(top).filter((u) => /^\d+$/.test(u))
    .map((u) => join(top, u, 'dnssec-sign-zone.img')).find((p) => { try { return statSync(p); } catch { return false; } });
  assert.ok(img, 'the learner has an image workspace');
  assert.ok(inodes.has(statSync(img).ino), `${img} is not one of the spares ${JSON.stringify([...inodes.values()])}`);
  assert.ok(!list().includes(inodes.get(statSync(img).ino)), 'the spare was renamed, not copied');
  c.ws.send(Buffer.from('echo "[$(stat -c %U:%a ~)]"\r'));
  await termUntil(c, /\[learner:700\]/);
  await until('the spares made up again', () => list().length === 32);
  c.close();
});
