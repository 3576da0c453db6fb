// The tus test server of Conduit's bulk uploads: the real @tus/server with
// @tus/file-store, plus the end-to-end hash check (docs/data-gathering.md,
// "Bulk uploads (tus)").
//
//   node server.js --port N --dir DIR
//
// Prints "listening <port>" on stdout once it accepts connections. When an
// upload is complete it computes the SHA-256 of the stored file and compares
// it with the "sha256" metadata (hex): a mismatch is logged, the upload is
// removed and refused with 460 on the final PATCH and on every later HEAD or
// PATCH of it. Uploads that passed are listed in DIR/verified.log
// ("<id> <sha256>" per line).
//
// Fault injection for tests, from the environment:
//   TUS_DROP_AFTER_BYTES=N  the first PATCH that carries N body bytes has its
//                           connection destroyed there (once)
//   TUS_FAIL_ONCE=S         the first PATCH is answered with status S (once)
//   TUS_EXPIRE_MS=N         uploads expire N ms after creation (expiration
//                           extension; HEAD then answers 410)
//   TUS_MAX_SIZE=N          Tus-Max-Size: larger uploads are refused (413)
import { Server, EVENTS } from '@tus/server';
import { FileStore } from '@tus/file-store';
import { createHash } from 'node:crypto';
import { createReadStream, appendFileSync, writeFileSync, existsSync, readFileSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const args = process.argv.slice(2);
const arg = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const port = Number(arg('--port'));
const dir = arg('--dir');
if (!Number.isInteger(port) || port <= 0 || !dir) {
  console.error('usage: node server.js --port N --dir DIR');
  process.exit(2);
}
mkdirSync(dir, { recursive: true });

const dropAfter = Number(process.env.TUS_DROP_AFTER_BYTES || 0);
let failOnce = Number(process.env.TUS_FAIL_ONCE || 0);
const expireMs = Number(process.env.TUS_EXPIRE_MS || 0);
const maxSize = Number(process.env.TUS_MAX_SIZE || 0);
let dropped = false;

const log = (...m) => console.error('tus-server:', ...m);
const refusedPath = (id) => path.join(dir, `${id}.refused`);

function sha256Of(file) {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (c) => h.update(c))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', reject);
  });
}

// Ids whose hash check is running: a HEAD waits for it, so that it never
// reports a complete upload whose check has not passed yet.
const verifying = new Map();

async function verify(upload) {
  const expected = (upload.metadata?.sha256 || '').toLowerCase();
  const actual = await sha256Of(path.join(dir, upload.id));
  if (expected === actual) {
    appendFileSync(path.join(dir, 'verified.log'), `${upload.id} ${actual}\n`);
    log(`upload ${upload.id} complete, sha256 ${actual} verified`);
    return null;
  }
  const why = `sha256 mismatch: metadata says ${expected || '(none)'}, the ${upload.size} bytes received hash to ${actual}`;
  log(`upload ${upload.id} refused: ${why}`);
  writeFileSync(refusedPath(upload.id), why);
  await store.remove(upload.id).catch((e) => log(`cannot remove ${upload.id}: ${e}`));
  return why;
}

const store = new FileStore({ directory: dir, expirationPeriodInMilliseconds: expireMs });
const tus = new Server({
  path: '/files',
  datastore: store,
  ...(maxSize > 0 ? { maxSize } : {}),
  onUploadFinish: async (req, upload) => {
    const check = verify(upload);
    verifying.set(upload.id, check);
    const why = await check.finally(() => verifying.delete(upload.id));
    if (why) throw { status_code: 460, body: `${why}\n` };
    return {};
  },
});
tus.on(EVENTS.POST_CREATE, (req, upload) => log(`created ${upload.id} (${upload.size} bytes)`));

const uploadId = (url) => {
  const m = /^\/files\/([^/?]+)/.exec(url || '');
  return m ? m[1] : null;
};

const server = http.createServer(async (req, res) => {
  const id = uploadId(req.url);
  if (id && verifying.has(id)) await verifying.get(id);
  if (id && (req.method === 'HEAD' || req.method === 'PATCH') && existsSync(refusedPath(id))) {
    const why = readFileSync(refusedPath(id), 'utf8');
    res.writeHead(460, { 'Tus-Resumable': '1.0.0', 'Content-Type': 'text/plain' });
    res.end(req.method === 'HEAD' ? undefined : `${why}\n`);
    return;
  }
  if (req.method === 'PATCH' && failOnce) {
    const status = failOnce;
    failOnce = 0;
    log(`fault: answering this PATCH with ${status}`);
    req.resume();
    req.on('end', () => {
      res.writeHead(status, { 'Tus-Resumable': '1.0.0' });
      res.end('injected failure\n');
    });
    return;
  }
  if (req.method === 'PATCH' && dropAfter > 0 && !dropped) {
    let seen = 0;
    req.on('data', (c) => {
      seen += c.length;
      if (seen >= dropAfter && !dropped) {
        dropped = true;
        log(`fault: dropping the connection after ${seen} bytes of a PATCH`);
        req.socket.destroy();
      }
    });
  }
  tus.handle(req, res);
});
server.listen(port, '127.0.0.1', () => {
  console.log(`listening ${port}`);
});
