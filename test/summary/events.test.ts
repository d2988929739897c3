import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { crc32c, maskedCrc32c } from '../../src/summary/crc32c';
import { EventWriter } from '../../src/summary/events';
import { imageGrid } from '../../src/summary/grid';
import { tmpDir } from '../helpers/tmp-dir';
import { readEventsIndependently } from './independent-reader';

test('crc32c is Castagnoli, not zlib CRC-32', () => {
  // Standard check value of CRC-32C for "123456789" (zlib's CRC-32 gives 0xcbf43926).
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32c(Buffer.alloc(0)), 0);
  // Masking per TFRecord: rotr15 + 0xa282ead8.
  const c = 0xe3069283;
  assert.equal(maskedCrc32c(Buffer.from('123456789')), ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0);
});

test('event file parses record by record with valid CRCs, tags, steps and values', () => {
  const dir = tmpDir('events');
  const w = new EventWriter(dir);
  assert.match(path.basename(w.path), new RegExp(`^events\\.out\\.tfevents\\.\\d{10}\\.${os.hostname().replace(/\./g, '\\.')}$`));
  assert.equal(path.dirname(w.path), dir);

  const scalars: [string, number, number][] = [
    ['loss/accuracy', 0.8125, 0],
    ['loss/d_loss', 1.2345678, 100],
    ['loss/g_loss', 0, 100],
    ['loss/S_loss', -3.5, 200],
    ['test/accuracy', 0.75, 2 ** 40],
  ];
  for (const [tag, value, step] of scalars) w.scalar(tag, value, step);

  const gray = imageGrid(new Uint8Array(6 * 5 * 7).map((_, i) => i % 256), 6, 5, 7, 1, { cols: 3, pad: 1 });
  const rgb = imageGrid(new Uint8Array(4 * 3 * 3 * 3).fill(200), 4, 3, 3, 3);
  w.image('img/fake', gray.png, gray.height, gray.width, 1, 300);
  w.image('img/real', rgb.png, rgb.height, rgb.width, 3, 300);
  w.close();

  const recs = readEventsIndependently(w.path);
  assert.equal(recs.length, 1 + scalars.length + 2);
  assert.equal(recs[0].what, 'file_version');
  assert.equal(recs[0].file_version, 'brain.Event:2');
  const now = Date.now() / 1000;
  for (const r of recs) assert.ok(Math.abs(r.wall_time - now) < 60, `wall_time ${r.wall_time} is seconds since the epoch`);

  scalars.forEach(([tag, value, step], i) => {
    const r = recs[1 + i];
    assert.equal(r.what, 'summary');
    assert.equal(r.step, step);
    assert.equal(r.values?.length, 1);
    assert.equal(r.values![0].tag, tag);
    assert.equal(r.values![0].kind, 'simple_value');
    assert.equal(r.values![0].simple_value, Math.fround(value));
  });

  const [fake, real] = recs.slice(1 + scalars.length);
  assert.equal(fake.step, 300);
  const fi = fake.values![0];
  assert.equal(fi.tag, 'img/fake');
  assert.equal(fi.kind, 'image');
  assert.deepEqual([fi.image!.height, fi.image!.width, fi.image!.colorspace], [gray.height, gray.width, 1]);
  assert.equal(fi.image!.decoded.format, 'PNG');
  assert.deepEqual([fi.image!.decoded.width, fi.image!.decoded.height], [gray.width, gray.height]);
  const ri = real.values![0];
  assert.equal(ri.tag, 'img/real');
  assert.deepEqual([ri.image!.height, ri.image!.width, ri.image!.colorspace], [rgb.height, rgb.width, 3]);
  assert.deepEqual([ri.image!.decoded.width, ri.image!.decoded.height, ri.image!.decoded.mode], [rgb.width, rgb.height, 'RGB']);
});

test('the independent reader rejects a corrupted record (the CRC check can fail)', () => {
  const dir = tmpDir('events');
  const w = new EventWriter(dir);
  w.scalar('loss/d_loss', 1.5, 10);
  w.close();
  const bytes = fs.readFileSync(w.path);

  const badData = Buffer.from(bytes);
  badData[badData.length - 6] ^= 0x01; // inside the last record's payload
  fs.writeFileSync(path.join(dir, 'bad-data'), badData);
  assert.throws(() => readEventsIndependently(path.join(dir, 'bad-data')), /data CRC mismatch/);

  const badLen = Buffer.from(bytes);
  badLen[8] ^= 0x80; // the first record's length CRC
  fs.writeFileSync(path.join(dir, 'bad-len'), badLen);
  assert.throws(() => readEventsIndependently(path.join(dir, 'bad-len')), /length CRC mismatch/);
});

test('records are buffered but reach the file on flush(), readable mid-run', () => {
  const dir = tmpDir('events');
  const w = new EventWriter(dir);
  const headerOnly = fs.statSync(w.path).size;
  assert.ok(headerOnly > 0, 'file_version record is written at once');
  w.scalar('loss/g_loss', 2, 1);
  w.flush();
  const recs = readEventsIndependently(w.path);
  assert.equal(recs.length, 2);
  assert.equal(recs[1].values![0].simple_value, 2);
  w.close();
  w.close(); // idempotent
  assert.throws(() => w.scalar('x', 1, 1), /closed/);
});

test('buffered records are flushed when the process exits without close()', () => {
  const dir = tmpDir('events');
  const events = path.resolve(__dirname, '../../src/summary/events.js');
  const script = `const { EventWriter } = require(${JSON.stringify(events)});
    const w = new EventWriter(${JSON.stringify(dir)});
    w.scalar('loss/d_loss', 0.25, 7);
    process.stdout.write(w.path);
    process.exit(0);`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const recs = readEventsIndependently(r.stdout);
  assert.equal(recs.length, 2);
  assert.deepEqual([recs[1].step, recs[1].values![0].simple_value], [7, 0.25]);
});

test('two writers opened in the same second get different files', () => {
  const dir = tmpDir('events');
  const a = new EventWriter(dir);
  const b = new EventWriter(dir);
  assert.notEqual(a.path, b.path);
  assert.match(path.basename(b.path), /tfevents/);
  a.close();
  b.close();
  assert.equal(readEventsIndependently(b.path)[0].file_version, 'brain.Event:2');
});

test('image() rejects a channel count TensorBoard has no colorspace for', () => {
  const w = new EventWriter(tmpDir('events'));
  assert.throws(() => w.image('img/x', Buffer.alloc(1), 1, 1, 5, 0), /channels/);
  w.close();
});
