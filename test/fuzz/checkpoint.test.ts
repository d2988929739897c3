// Fuzzing the checkpoint description (checkpoint.json, as `ssgan train` writes it) and its
// verification against manifest.json: mutated descriptions give a well-typed description or a
// one-line error naming the file; a mutated manifest never makes verification read outside the
// checkpoint (a manifest naming ../../dev/zero would hash forever) or accept altered files.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import * as fc from 'fast-check';
import { writeManifest } from '../../src/checkpoint/manifest';
import { CASE_DIR, fuzz, jsonFileArb, labelled, Sandbox, SEEDS } from './harness';

const sandbox = new Sandbox();
after(() => sandbox.close());

const META_TEXT = new Uint8Array(fs.readFileSync(path.join(SEEDS, 'checkpoint.json')));
const META = JSON.parse(Buffer.from(META_TEXT).toString());
const STATE = new Uint8Array(Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 31) & 255))); // stands in for state.pt
let MANIFEST: unknown;

before(() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ssgan-fuzz-ckpt-'));
  fs.writeFileSync(path.join(dir, 'checkpoint.json'), META_TEXT);
  fs.writeFileSync(path.join(dir, 'state.pt'), STATE);
  MANIFEST = writeManifest(dir, ['state.pt', 'checkpoint.json']);
  fs.rmSync(dir, { recursive: true, force: true });
});

const wellTyped = (v: { version: number; step: number; config: string; modelConfig: string; dataset: { name: unknown; dir: unknown; classNames: unknown[] }; sampler: Record<string, { epoch: number; position: number }>; labeled?: unknown[] }): void => {
  assert.ok(v.version === 1 || v.version === 2, `version ${v.version}`);
  assert.ok(Number.isSafeInteger(v.step) && v.step >= 0, `step ${v.step}`);
  assert.equal(v.config, 'object');
  assert.equal(v.modelConfig, 'object');
  assert.ok(typeof v.dataset?.name === 'string' && typeof v.dataset.dir === 'string' && Array.isArray(v.dataset.classNames) && v.dataset.classNames.every((s) => typeof s === 'string'), JSON.stringify(v.dataset));
  assert.ok(v.sampler && typeof v.sampler === 'object' && Object.values(v.sampler).every((s) => Number.isSafeInteger(s?.epoch) && s.epoch >= 0 && Number.isSafeInteger(s.position) && s.position >= 0), JSON.stringify(v.sampler));
  assert.ok(v.labeled === undefined || (Array.isArray(v.labeled) && v.labeled.every((i) => Number.isSafeInteger(i) && (i as number) >= 0)), 'labeled');
};

test('checkpoint.json: a mutated description reads well typed or is refused with one line naming it', async (t) => {
  const stats = await fuzz({
    sandbox, target: 'checkpoint-meta', arb: jsonFileArb(META).map((f) => labelled(f, f.what)),
    input: (c) => ({ files: { 'checkpoint.json': c.bytes } }),
    file: () => `${CASE_DIR}/checkpoint.json`,
    check: (_c, v) => wellTyped(v),
  });
  t.diagnostic(stats.line('checkpoint.json'));
});

test('manifest.json: a mutated manifest verifies only the untouched checkpoint, reads nothing outside it, never hangs', async (t) => {
  const manifestArb = jsonFileArb(MANIFEST).map((f) => labelled({ ...f, untouched: false }, `manifest.json ${f.what}`));
  const arb = fc.oneof(
    { weight: 4, arbitrary: manifestArb },
    { weight: 1, arbitrary: fc.constant(labelled({ bytes: new Uint8Array(Buffer.from(JSON.stringify(MANIFEST))), what: 'as written', untouched: true }, 'as written')) },
  );
  const stats = await fuzz({
    sandbox, target: 'checkpoint-verify', arb,
    input: (c) => ({ files: { 'checkpoint.json': META_TEXT, 'state.pt': STATE, 'manifest.json': c.bytes } }),
    file: () => `${CASE_DIR}/`,
    check: (c, v) => {
      // A manifest is a list of the checkpoint's own files: any change that still verifies must leave both listed.
      if (c.untouched) assert.equal(v.verified, true);
      const m = (() => { try { return JSON.parse(Buffer.from(c.bytes).toString()); } catch { return undefined; } })();
      if (v.verified) assert.ok(m?.files?.['state.pt'] && m.files['checkpoint.json'], 'verified without both files listed');
    },
  });
  t.diagnostic(stats.line('manifest.json'));
});

test('manifest.json naming files outside the checkpoint (../, absolute, /dev/zero) is refused without reading them', async () => {
  for (const name of ['../../../../../../../../dev/zero', '/dev/zero', '../state.pt', 'sub/../../x', '.']) {
    const m = JSON.parse(JSON.stringify(MANIFEST));
    m.files[name] = { bytes: 1, sha256: '0'.repeat(64) };
    const o = await sandbox.run('checkpoint-verify', { files: { 'checkpoint.json': META_TEXT, 'state.pt': STATE, 'manifest.json': Buffer.from(JSON.stringify(m)) } }, 5000);
    assert.equal(o.kind, 'error', `${name}: ${JSON.stringify(o).slice(0, 300)}`);
    if (o.kind === 'error') assert.match(o.message, /manifest\.json: corrupt checkpoint \(lists .* which is not a file of the checkpoint\)$/, name);
  }
});
