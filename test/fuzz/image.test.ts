// Fuzzing `ssgan import`: the PNG and JPEG decoder on mutated images (PNG chunk CRCs repaired half
// the time, and the compressed pixel data mutated inside IDAT, so mutations reach past the checks),
// and whole imports of mutated tarballs of class folders.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { after, test } from 'node:test';
import * as fc from 'fast-check';
import { PNG } from 'pngjs';
import { MAX_IMAGE_PIXELS } from '../../src/data/formats/image';
import { applyMutations, CASE_DIR, describeOps, fuzz, labelled, opsArb, Sandbox, SEEDS as SEED_DIR } from './harness';

const sandbox = new Sandbox({ h5wasm: true });
after(() => sandbox.close());

function pngjs(w: number, h: number, colorType: 0 | 2 | 4 | 6, bitDepth: 8 | 16): Uint8Array {
  const png = new PNG({ width: w, height: h, colorType, inputColorType: 6, bitDepth, inputHasAlpha: true });
  for (let i = 0; i < w * h; i++) png.data.set([(i * 37) & 255, (i * 11) & 255, (i * 3) & 255, 100 + (i & 127)], 4 * i);
  return new Uint8Array(PNG.sync.write(png, { colorType, inputColorType: 6, bitDepth, inputHasAlpha: true }));
}

const IMAGES: Record<string, Uint8Array> = {
  ...Object.fromEntries(fs.readdirSync(SEED_DIR).filter((f) => /\.(png|jpg)$/.test(f)).map((f) => [f, new Uint8Array(fs.readFileSync(path.join(SEED_DIR, f)))])),
  'pngjs-grey-9x7.png': pngjs(9, 7, 0, 8),
  'pngjs-grey-alpha-9x7.png': pngjs(9, 7, 4, 8),
  'pngjs-rgb-9x7.png': pngjs(9, 7, 2, 8),
  'pngjs-rgba-9x7.png': pngjs(9, 7, 6, 8),
  'pngjs-rgb16-9x7.png': pngjs(9, 7, 2, 16),
};

interface Chunk { at: number; type: string; data: Uint8Array }

function chunks(b: Uint8Array): Chunk[] {
  const v = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const out: Chunk[] = [];
  for (let p = 8; p + 12 <= v.length;) {
    const n = v.readUInt32BE(p);
    if (p + 12 + n > v.length) break;
    out.push({ at: p, type: v.toString('latin1', p + 4, p + 8), data: b.subarray(p + 8, p + 8 + n) });
    p += 12 + n;
  }
  return out;
}

const chunk = (type: string, data: Uint8Array): Buffer => {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])) >>> 0);
  return Buffer.concat([head, data, crc]);
};

/** Rewrites every chunk's CRC (so a mutation is judged by the decoder, not the checksum). */
function fixCrcs(b: Uint8Array): Uint8Array {
  const out = Buffer.from(b);
  for (const c of chunks(b)) out.writeUInt32BE(zlib.crc32(out.subarray(c.at + 4, c.at + 8 + c.data.length)) >>> 0, c.at + 8 + c.data.length);
  return new Uint8Array(out);
}

/** JPEG segment headers: markers, lengths, SOF (precision, height, width, components), DQT, DHT, SOS. */
function jpegHot(b: Uint8Array): [number, number][] {
  const out: [number, number][] = [[0, 4]];
  for (let p = 2; p + 4 <= b.length && b[p] === 0xff;) {
    const len = (b[p + 2] << 8) | b[p + 3];
    out.push([p, p + Math.min(len + 2, 24)]);
    if (b[p + 1] === 0xda) break; // SOS: entropy-coded data follows
    p += 2 + len;
  }
  return out;
}

const PNG_WORDS = ['IHDR', 'IDAT', 'IEND', 'PLTE', 'tRNS', 'acTL', '\x89PNG\r\n\x1a\n'];
const JPEG_WORDS = ['\xff\xd8', '\xff\xd9', '\xff\xc0', '\xff\xc2', '\xff\xc4', '\xff\xda', '\xff\xdb', '\xff\xdd\x00\x04\x00\x00', '\xff\x00', '\xff\xff'];

type Mode = 'bytes' | 'crc-fixed' | 'idat';
interface Case { name: string; mode: Mode; bytes: Uint8Array }

const caseArb: fc.Arbitrary<Case> = fc.tuple(fc.constantFrom(...Object.keys(IMAGES)), fc.constantFrom<Mode>('bytes', 'crc-fixed', 'idat')).chain(([name, m]) => {
  const seed = IMAGES[name];
  const isPng = name.endsWith('.png');
  const mode: Mode = isPng ? m : 'bytes';
  if (mode === 'idat') { // mutate the filtered scanlines, then compress them again
    const cs = chunks(seed);
    const inner = zlib.inflateSync(Buffer.concat(cs.filter((c) => c.type === 'IDAT').map((c) => c.data)));
    return opsArb(inner.length, { hot: [[0, inner.length]] }).map((ops) => {
      const idat = chunk('IDAT', zlib.deflateSync(applyMutations(inner, ops)));
      const parts: Uint8Array[] = [seed.subarray(0, 8)];
      let done = false;
      for (const c of cs) {
        if (c.type !== 'IDAT') parts.push(seed.subarray(c.at, c.at + 12 + c.data.length));
        else if (!done) { parts.push(idat); done = true; }
      }
      return labelled<Case>({ name, mode, bytes: new Uint8Array(Buffer.concat(parts)) }, `${name} (scanlines): ${describeOps(ops)}`);
    });
  }
  const hot: [number, number][] = isPng ? [[8, 33], ...chunks(seed).map((c): [number, number] => [c.at, c.at + 8])] : jpegHot(seed);
  return opsArb(seed.length, { hot, dictionary: isPng ? PNG_WORDS : JPEG_WORDS }).map((ops) => {
    const b = applyMutations(seed, ops);
    return labelled<Case>({ name, mode, bytes: mode === 'crc-fixed' ? fixCrcs(b) : b }, `${name} (${mode}): ${describeOps(ops)}`);
  });
});

test('PNG and JPEG: mutated images decode to consistent pixels or are refused naming the file', async (t) => {
  const stats = await fuzz({
    sandbox, target: 'image', arb: caseArb,
    input: (c) => ({ bytes: c.bytes, name: `fuzz/${c.name}` }),
    check: (_c, v) => {
      assert.ok(v.width >= 1 && v.height >= 1 && v.width * v.height <= MAX_IMAGE_PIXELS, JSON.stringify(v));
      assert.ok(v.channels === 1 || v.channels === 3);
      assert.equal(v.length, v.width * v.height * v.channels);
    },
    bounds: { memMiB: 1024 },
  });
  t.diagnostic(stats.line('PNG/JPEG'));
});

test('PNG and JPEG: headers claiming 10^12 pixels (or just over the limit) are refused before decoding', async () => {
  const fresh = new Sandbox(); // its own child: the peak memory of earlier cases does not count
  try {
    const png = Buffer.from(IMAGES['pngjs-rgb-9x7.png']);
    const jpg = Buffer.from(IMAGES['cifar10-airplane-0000.jpg']);
    const sof = jpg.indexOf(Buffer.from([0xff, 0xc0]));
    const cases: [string, Uint8Array][] = [];
    for (const [w, h] of [[1_000_000, 1_000_000], [0x7fffffff, 0x7fffffff], [8193, 8192], [0xffffffff, 1]]) {
      const b = Buffer.from(png);
      b.writeUInt32BE(w, 16); b.writeUInt32BE(h, 20);
      cases.push([`${w}x${h}.png`, fixCrcs(b)]);
    }
    for (const [w, h] of [[65535, 65535], [8193, 8192]]) {
      const b = Buffer.from(jpg);
      b.writeUInt16BE(h, sof + 5); b.writeUInt16BE(w, sof + 7);
      cases.push([`${w}x${h}.jpg`, b]);
    }
    for (const [name, bytes] of cases) {
      const o = await fresh.run('image', { bytes, name });
      assert.equal(o.kind, 'error', `${name}: ${JSON.stringify(o).slice(0, 300)}`);
      if (o.kind !== 'error') continue;
      assert.ok(o.message.startsWith(`${name}: `) && !o.message.includes('\n'), o.message);
      assert.ok(o.mem.maxRssMiB - o.mem.baseMaxRssMiB < 64, `${name}: peak grew by ${o.mem.maxRssMiB - o.mem.baseMaxRssMiB} MiB`);
    }
  } finally {
    fresh.close();
  }
});

/** A tarball of class folders (what `ssgan import` takes), written by Python's tarfile. */
function classTarball(files: Record<string, Uint8Array>, gzip: boolean): Uint8Array {
  const code = `
import io, sys, tarfile, json, base64
files = json.loads(sys.stdin.read())
out = io.BytesIO()
with tarfile.open(fileobj=out, mode='w:gz' if ${gzip ? 'True' : 'False'} else 'w', format=tarfile.PAX_FORMAT) as t:
    for name, b64 in files.items():
        data = base64.b64decode(b64); ti = tarfile.TarInfo(name); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
sys.stdout.buffer.write(out.getvalue())`;
  const input = JSON.stringify(Object.fromEntries(Object.entries(files).map(([n, b]) => [n, Buffer.from(b).toString('base64')])));
  return new Uint8Array(execFileSync('/usr/bin/python3', ['-c', code], { input, maxBuffer: 64 << 20 }));
}

/** The same as a plain ustar archive, written here (per case, Python would be too slow). */
function ustar(files: Record<string, Uint8Array>): Uint8Array {
  const parts: Buffer[] = [];
  for (const [name, data] of Object.entries(files)) {
    const h = Buffer.alloc(512);
    h.write(name, 0, 'latin1'); h.write('0000644\0', 100); h.write('0000000\0', 108); h.write('0000000\0', 116);
    h.write(data.length.toString(8).padStart(11, '0') + '\0', 124); h.write('00000000000\0', 136); h.write('0', 156); h.write('ustar\x0000', 257, 'latin1');
    h.fill(32, 148, 156);
    let sum = 0; for (const x of h) sum += x;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
    parts.push(h, Buffer.from(data), Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return new Uint8Array(Buffer.concat(parts));
}

const TREE: Record<string, Uint8Array> = {
  'pets/train/cat/1.jpg': IMAGES['cifar10-cat-0007.jpg'],
  'pets/train/plane/1.jpg': IMAGES['cifar10-airplane-0000.jpg'],
  'pets/test/cat/2.jpg': IMAGES['cifar10-cat-0007.jpg'],
  'pets/test/plane/2.jpg': IMAGES['cifar10-airplane-0000.jpg'],
};

test('ssgan import of a mutated tarball: a consistent dataset, or an error naming the archive or the image', async (t) => {
  const tars = { 'pets.tar': classTarball(TREE, false), 'pets.tar.gz': classTarball(TREE, true) };
  const arb = fc.tuple(fc.constantFrom(...Object.keys(tars) as (keyof typeof tars)[]), fc.boolean()).chain(([name, inside]) => {
    if (inside) { // one image mutated, the archive well formed
      return fc.tuple(fc.constantFrom(...Object.keys(TREE)), caseArb.filter((c) => c.name.endsWith('.jpg'))).map(([member, c]) => {
        const tar = ustar({ ...TREE, [member]: c.bytes });
        return labelled({ name, bytes: name.endsWith('.gz') ? new Uint8Array(zlib.gzipSync(tar)) : tar }, `${name}, ${member} = ${fc.stringify(c)}`);
      });
    }
    const seed = tars[name];
    return opsArb(seed.length, { hot: [[0, Math.min(seed.length, 4096)]] }).map((ops) => labelled({ name, bytes: applyMutations(seed, ops) }, `${name}: ${describeOps(ops)}`));
  });
  const stats = await fuzz({
    sandbox, target: 'import-folder', arb,
    input: (c) => ({ files: { [c.name]: c.bytes }, name: c.name }),
    file: () => `${CASE_DIR}/`,
    check: (_c, v) => {
      assert.ok(v.count >= 1 && v.count <= 4 && v.classNames.length >= 2 && v.h === 32 && v.w === 32 && (v.c === 1 || v.c === 3), JSON.stringify(v));
    },
    bounds: { memMiB: 1024 },
  });
  t.diagnostic(stats.line('ssgan import'));
});

test('ssgan import of a folder: link loops, links to the same folder twice and FIFOs named like images are refused in bounded time', async () => {
  const images = { 'cat/1.jpg': IMAGES['cifar10-cat-0007.jpg'], 'plane/1.jpg': IMAGES['cifar10-airplane-0000.jpg'] };
  const cases: [string, object, RegExp][] = [
    ['a link to its own parent', { links: [['cat/up', '..']] }, /tree\/cat\/up: a folder reached twice through symbolic links \(a loop or a duplicate\); refused$/],
    ['two loops (the walk would branch without end)', { links: [['cat/a', '..'], ['cat/b', '..']] }, /a folder reached twice through symbolic links/],
    ['a FIFO named like an image', { fifos: ['cat/2.png'] }, /tree\/cat\/2\.png: not a regular file; refused$/],
    ['a dangling link named like an image', { links: [['cat/3.png', 'nowhere.png']] }, /tree\/cat\/3\.png: cannot read \(ENOENT/],
  ];
  for (const [what, spec, message] of cases) {
    const o = await sandbox.run('import-tree', { args: { ...spec, images } }, 10_000);
    assert.equal(o.kind, 'error', `${what}: ${JSON.stringify(o).slice(0, 300)}`);
    if (o.kind === 'error') assert.match(o.message, message, what);
  }
  // A dangling link that is not named like an image is ignored.
  const ok = await sandbox.run('import-tree', { args: { images, links: [['cat/notes', 'missing']] } });
  assert.equal(ok.kind, 'ok', JSON.stringify(ok).slice(0, 300));
});
