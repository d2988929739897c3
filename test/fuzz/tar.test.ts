// Fuzzing the tar reader (CIFAR-10's tarball, `ssgan import` archives) and extraction: mutated
// archives written by real tar writers (the CIFAR fixture; Python's tarfile in pax and GNU formats),
// with header checksums repaired after the mutation half the time so the mutation reaches the
// parser behind the checksum. Hostile members (links, `..`, absolute paths) are always refused.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { after, test } from 'node:test';
import * as fc from 'fast-check';
import { applyMutations, describeOps, FIXTURES, fuzz, labelled, opsArb, Sandbox } from './harness';

const sandbox = new Sandbox();
after(() => sandbox.close());

type Format = 'PAX_FORMAT' | 'GNU_FORMAT' | 'USTAR_FORMAT';

/** Runs Python's tarfile to write archives, one per [format, members]: members is Python code listing (TarInfo, data) pairs. */
function pythonTars(specs: [Format, string][]): Uint8Array[] {
  const code = `
import base64, io, json, sys, tarfile
def f(name, data=b'hello', **kw):
    ti = tarfile.TarInfo(name); ti.size = len(data) if data is not None else 0
    for k, v in kw.items(): setattr(ti, k, v)
    return ti, (io.BytesIO(data) if data is not None else None)
out = []
${specs.map(([format, members]) => `b = io.BytesIO()
with tarfile.open(fileobj=b, mode='w', format=tarfile.${format}) as t:
    for ti, data in [${members}]:
        t.addfile(ti, data)
out.append(base64.b64encode(b.getvalue()).decode())`).join('\n')}
print(json.dumps(out))`;
  const out = JSON.parse(execFileSync('/usr/bin/python3', ['-c', code], { maxBuffer: 64 << 20, encoding: 'utf8' })) as string[];
  return out.map((b) => new Uint8Array(Buffer.from(b, 'base64')));
}

const LONG = 'deep/' + 'a'.repeat(120) + '/' + 'b'.repeat(90) + '.png';
const regular = `f('top/', None, type=tarfile.DIRTYPE), f('top/x.txt'), f('top/sub/y.bin', bytes(range(256)) * 3), f('${LONG}', b'long name'), f('caf\u00e9/z.txt', b'utf-8 name')`;
const CIFAR_TGZ = new Uint8Array(fs.readFileSync(path.join(FIXTURES, 'cifar10', 'cifar-10-binary.tar.gz')));
const [PAX, GNU] = pythonTars([['PAX_FORMAT', regular], ['GNU_FORMAT', regular]]);
const SEEDS: Record<string, Uint8Array> = { 'cifar-10-binary.tar': new Uint8Array(zlib.gunzipSync(CIFAR_TGZ)), 'pax.tar': PAX, 'gnu.tar': GNU };

/** Header block offsets of an archive, walking it as a tar reader does (until a zero block). */
function headers(buf: Uint8Array): number[] {
  const out: number[] = [];
  for (let pos = 0; pos + 512 <= buf.length;) {
    const h = buf.subarray(pos, pos + 512);
    if (h.every((b) => b === 0)) break;
    out.push(pos);
    const size = parseInt(Buffer.from(h.subarray(124, 136)).toString('latin1').replace(/[\0 ]+$/, '').trim() || '0', 8);
    if (!Number.isFinite(size) || size < 0) break;
    pos += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

/** Rewrites the checksum of every header (so a mutation is judged by the parser, not the checksum). */
function fixChecksums(buf: Uint8Array): Uint8Array {
  const b = Buffer.from(buf);
  for (const pos of headers(b)) {
    b.fill(32, pos + 148, pos + 156);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += b[pos + i];
    b.write(sum.toString(8).padStart(6, '0') + '\0 ', pos + 148, 'latin1');
  }
  return new Uint8Array(b);
}

const TAR_WORDS = ['../', '..', '/etc/passwd', 'C:\\evil', '\\..\\x', '77777777777\0', '00000000000\0', '-0000001', ' 1234567z', '\x80\0\0\0\0\0\0\0\0\0\0\x01',
  'ustar\x0000', 'ustar  \0', '0', '1', '2', '3', '4', '5', '6', '7', 'L', 'K', 'x', 'g', 'S', 'V', '././@LongLink',
  '30 path=../../evil.txt\n', '20 path=/abs/olute\n', '21 linkpath=/etc/x\n', '12 path=\0\n', 'a\nb'];

interface Case { seed: string; fix: boolean; gzip: boolean; bytes: Uint8Array }

function tarCases(seeds: Record<string, Uint8Array>, gzipAlways = false): fc.Arbitrary<Case> {
  return fc.tuple(fc.constantFrom(...Object.keys(seeds)), fc.boolean(), gzipAlways ? fc.constant(true) : fc.boolean()).chain(([seed, fix, gzip]) => {
    const s = seeds[seed];
    // The header fields: name, size, checksum, type, link name, magic, prefix.
    const hot = headers(s).flatMap((p): [number, number][] => [[p, p + 100], [p + 124, p + 136], [p + 148, p + 164], [p + 257, p + 265], [p + 345, p + 400]]);
    return opsArb(s.length, { hot, dictionary: TAR_WORDS }).map((ops) => {
      let b = applyMutations(s, ops);
      if (fix) b = fixChecksums(b);
      if (gzip) b = new Uint8Array(zlib.gzipSync(b, { level: 1 }));
      return labelled({ seed, fix, gzip, bytes: b }, `${seed}${fix ? ' (checksums fixed)' : ''}${gzip ? ' gzip' : ''}: ${describeOps(ops)}`);
    });
  });
}

/** A member name is safe: relative, no `..`, no NUL, no backslash, not empty. */
function assertSafe(name: string): void {
  assert.ok(name.length > 0 && !name.startsWith('/') && !/^[a-zA-Z]:/.test(name), `unsafe name ${JSON.stringify(name)}`);
  assert.ok(!name.split('/').includes('..') && !name.includes('\0') && !name.includes('\\'), `unsafe name ${JSON.stringify(name)}`);
}

/** The type flags of the headers a reader reaches (after inflating). */
function typeFlags(bytes: Uint8Array): string[] {
  let b = bytes;
  if (b[0] === 0x1f && b[1] === 0x8b) b = zlib.gunzipSync(b);
  return headers(b).map((p) => String.fromCharCode(b[p + 156] || 0x30));
}

test('tar: mutated archives yield only safe regular files and directories, or are refused', async (t) => {
  const stats = await fuzz({
    sandbox, target: 'tar', arb: tarCases(SEEDS),
    input: (c) => ({ bytes: c.bytes, name: `fuzz/${c.seed}` }),
    check: (c, v: { name: string; type: string; size: number }[]) => {
      for (const e of v) { assertSafe(e.name); assert.ok(e.type === 'file' || e.type === 'dir'); }
      const flags = typeFlags(c.bytes);
      assert.ok(!flags.includes('1') && !flags.includes('2'), `a link member was not refused (${flags})`);
    },
  });
  t.diagnostic(stats.line('tar'));
});

test('tar extraction: nothing lands outside the target, nothing is a link, whatever the archive', async (t) => {
  const stats = await fuzz({
    sandbox, target: 'tar-extract', arb: tarCases({ 'pax.tar': SEEDS['pax.tar'], 'gnu.tar': SEEDS['gnu.tar'] }),
    input: (c) => ({ bytes: c.bytes, name: `fuzz/${c.seed}` }),
    check: (_c, v: { written?: string[]; escaped?: string[]; links?: string[] }) => {
      assert.equal(v.escaped, undefined, `extraction wrote outside its target: ${JSON.stringify(v)}`);
      for (const n of v.written!) assertSafe(n);
    },
  });
  t.diagnostic(stats.line('tar extraction'));
});

test('tar: links, `..`, absolute paths (also through pax and GNU long names) and devices are refused by reading and by extraction', async () => {
  const hostile: [string, Format, string, RegExp][] = [
    ['symlink', 'USTAR_FORMAT', `f('ok.txt'), f('link', None, type=tarfile.SYMTYPE, linkname='/etc/passwd')`, /member "link" is a symbolic link; links are refused/],
    ['hard link', 'GNU_FORMAT', `f('ok.txt'), f('hard', None, type=tarfile.LNKTYPE, linkname='ok.txt')`, /member "hard" is a hard link; links are refused/],
    ['symlink to a directory then a file through it', 'PAX_FORMAT', `f('d', None, type=tarfile.SYMTYPE, linkname='/tmp'), f('d/evil.txt')`, /is a symbolic link/],
    ['dot-dot', 'USTAR_FORMAT', `f('../evil.txt')`, /member "\.\.\/evil\.txt" would land outside the target directory; refused/],
    ['dot-dot inside', 'USTAR_FORMAT', `f('a/b/../../../evil.txt')`, /would land outside the target directory/],
    ['absolute', 'USTAR_FORMAT', `f('/tmp/evil.txt')`, /member "\/tmp\/evil\.txt" has an absolute path; refused/],
    ['pax path with dot-dot', 'PAX_FORMAT', `f('../' * 40 + 'x' * 120)`, /would land outside the target directory/],
    ['GNU long name with dot-dot', 'GNU_FORMAT', `f('../' * 40 + 'x' * 120)`, /would land outside the target directory/],
    ['GNU long absolute name', 'GNU_FORMAT', `f('/' + 'x' * 150)`, /has an absolute path/],
    ['backslash dot-dot', 'USTAR_FORMAT', `f('..\\\\..\\\\evil.txt')`, /would land outside the target directory/],
    ['windows drive', 'USTAR_FORMAT', `f('C:/evil.txt')`, /has an absolute path/],
    ['fifo', 'USTAR_FORMAT', `f('fifo', None, type=tarfile.FIFOTYPE)`, /member "fifo" has type "6" \(not a regular file or directory\); refused/],
    ['char device', 'GNU_FORMAT', `f('tty', None, type=tarfile.CHRTYPE)`, /has type "3"/],
    ['newline in a name', 'PAX_FORMAT', `f('a\\nb', None, type=tarfile.SYMTYPE, linkname='x')`, /member "a\\nb" is a symbolic link/],
  ];
  const archives = pythonTars(hostile.map(([, format, members]) => [format, members]));
  for (const [i, [what, , , message]] of hostile.entries()) {
    const bytes = archives[i];
    for (const target of ['tar', 'tar-extract']) {
      const o = await sandbox.run(target, { bytes, name: 'hostile.tar' });
      assert.equal(o.kind, 'error', `${what} (${target}): ${JSON.stringify(o).slice(0, 300)}`);
      if (o.kind !== 'error') continue;
      assert.match(o.message, /^hostile\.tar: /, what);
      assert.match(o.message, message, what);
      assert.ok(!o.message.includes('\n'), what);
    }
  }
});

test('tar: a member claiming 8 GiB or more is refused before reading it', async () => {
  const [base] = pythonTars([['USTAR_FORMAT', `f('big.bin')`]]);
  for (const size of ['77777777777\0', '\x80\0\0\0\0\0\0\0\0\0\x10\0']) {
    const b = Buffer.from(base);
    b.write(size, 124, 'latin1');
    const o = await sandbox.run('tar', { bytes: fixChecksums(b), name: 'big.tar' });
    assert.equal(o.kind, 'error');
    if (o.kind === 'error') assert.match(o.message, /^big\.tar: member "big\.bin" (is 8589934591 bytes, over the \d+-byte limit|uses a base-256 size \(over 8 GiB\)); refused$/);
  }
});

test('CIFAR-10 download conversion: a mutated tarball gives a consistent dataset or an error naming the tarball', async (t) => {
  const stats = await fuzz({
    sandbox, target: 'cifar-build', arb: tarCases({ 'cifar-10-binary.tar': SEEDS['cifar-10-binary.tar'] }, true),
    input: (c) => ({ files: { 'cifar-10-binary.tar.gz': c.bytes } }),
    file: () => 'cifar-10-binary.tar.gz',
    check: (_c, v) => {
      assert.equal(v.imageBytes, v.n * 3072);
      assert.ok(v.train > 0 && v.train < v.n && v.labelRange[0] >= 0 && v.labelRange[1] <= 9);
      assert.ok(v.classNames === undefined || v.classNames.length === 10);
    },
  });
  t.diagnostic(stats.line('CIFAR-10 conversion'));
});
