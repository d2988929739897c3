/** Few labels: the labeled subset is balanced, seeded, inside the training split and recorded. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { loadDataset, type Dataset } from '../../src/data/dataset';
import { readCheckpointMeta } from '../../src/checkpoint/load';
import { readLabeledIds, selectLabeled, splitLabels } from '../../src/train/labels';
import { train } from '../../src/train/setup';
import { tmpDir } from '../helpers/tmp-dir';
import { captureStream, fixtureCopy, smallConfig } from '../helpers/train-fixture';

const K = 10;
let dataDir = '';
let data: Dataset;

before(async () => {
  dataDir = fixtureCopy();
  // The split the trainer uses: the recorded one, else the seed project's 80/20 shuffle.
  data = await loadDataset(dataDir, { split: 'official' });
  assert.equal(data.k, K);
  assert.ok(data.test.length > 0 && data.train.length > 0);
});

after(() => fs.rmSync(path.dirname(dataDir), { recursive: true, force: true }));

function perClass(idx: Int32Array): number[] {
  const counts = new Array(K).fill(0);
  for (const i of idx) counts[data.labels[i]]++;
  return counts;
}

test('selectLabeled: N / K per class, a subset of the training split, disjoint from the test split', () => {
  for (const n of [10, 20, 50]) {
    const sel = selectLabeled(data.train, data.labels, K, n, 1);
    assert.equal(sel.length, n);
    assert.equal(new Set(sel).size, n, 'no example twice');
    assert.deepEqual(perClass(sel), new Array(K).fill(n / K));
    const train = new Set(data.train), test = new Set(data.test);
    assert.ok([...sel].every((i) => train.has(i)), 'labeled examples come from the training split');
    assert.ok([...sel].every((i) => !test.has(i)), 'no labeled example is a test example');
  }
});

test('selectLabeled: deterministic per --label-seed, different for another seed', () => {
  const a = selectLabeled(data.train, data.labels, K, 20, 1);
  assert.deepEqual(selectLabeled(data.train, data.labels, K, 20, 1), a);
  const b = selectLabeled(data.train, data.labels, K, 20, 2);
  assert.notDeepEqual(b, a);
  assert.deepEqual(perClass(b), new Array(K).fill(2));
});

test('selectLabeled: N not a multiple of K, or more than a class holds, is an error naming --num-labeled', () => {
  assert.throws(() => selectLabeled(data.train, data.labels, K, 7, 1), /--num-labeled 7: .*multiple of the 10 classes/);
  assert.throws(() => selectLabeled(data.train, data.labels, K, 25, 1), /--num-labeled 25/);
  const smallest = Math.min(...perClass(data.train));
  const tooMany = K * (smallest + 1);
  assert.throws(() => selectLabeled(data.train, data.labels, K, tooMany, 1), new RegExp(`--num-labeled ${tooMany}: class \\d+ has only ${smallest} training examples`));
  // Exactly the smallest class's size is fine.
  assert.equal(selectLabeled(data.train, data.labels, K, K * smallest, 1).length, K * smallest);
  assert.throws(() => selectLabeled(data.train, data.labels, K, 0, 1), /--num-labeled 0/);
});

test("splitLabels: 'rest' leaves the labeled examples out of the unlabeled stream, 'all' keeps them", () => {
  const sel = selectLabeled(data.train, data.labels, K, 20, 1);
  const rest = splitLabels(data.train, sel, 'rest');
  assert.deepEqual(rest.labeled, sel);
  assert.equal(rest.unlabeled.length, data.train.length - 20);
  const chosen = new Set(sel);
  assert.ok([...rest.unlabeled].every((i) => !chosen.has(i)));
  assert.deepEqual(new Set([...rest.unlabeled, ...sel]), new Set(data.train));
  const all = splitLabels(data.train, sel, 'all');
  assert.deepEqual(all.labeled, sel);
  assert.deepEqual([...all.unlabeled].sort((a, b) => a - b), [...data.train].sort((a, b) => a - b));
});

test('train with numLabeled records the chosen ids in labeled.json and in the checkpoint', async () => {
  const trainDir = path.join(tmpDir('labeled'), 'run');
  const log = captureStream();
  const cfg = smallConfig(dataDir, { trainDir, numLabeled: 20, labelSeed: 3, unlabeled: 'rest', maxTrainingSteps: 2, seed: 0, writeSummaryStep: 100, testSampleStep: 100, outputSaveStep: 100 });
  const r = await train(cfg, log.stream);
  assert.match(log.text(), /20 labeled/);
  // The dataset split train() uses is the one loaded above (same --split and --seed).
  const expected = selectLabeled(data.train, data.labels, K, 20, 3);
  const record = JSON.parse(fs.readFileSync(path.join(trainDir, 'labeled.json'), 'utf8'));
  assert.deepEqual(record.ids, Array.from(expected, (i) => data.ids[i]));
  assert.equal(record.numLabeled, 20);
  assert.equal(record.labelSeed, 3);
  assert.equal(record.unlabeled, 'rest');
  const meta = readCheckpointMeta(r.checkpoint);
  assert.deepEqual(meta.labeled, Array.from(expected));
  // Each stream is where it should be after 2 steps of batch 8 (one D step with an unlabeled batch, one G step).
  // Step 1 (D): a labeled and an unlabeled batch; step 2 (G): an unlabeled batch for the reconstruction loss.
  assert.deepEqual(meta.sampler.labeled, { epoch: 0, position: 8 });
  assert.deepEqual(meta.sampler.unlabeled, { epoch: 0, position: 16 }, 'a few-label run draws from an unlabeled stream');
  fs.rmSync(path.dirname(trainDir), { recursive: true, force: true });
});

test('--labeled-ids: a run trains on exactly the labeled examples another run recorded', async () => {
  const work = tmpDir('labeled-ids');
  const steps = { maxTrainingSteps: 1, seed: 0, writeSummaryStep: 100, testSampleStep: 100, outputSaveStep: 100 };
  try {
    const first = path.join(work, 'first'), second = path.join(work, 'second');
    await train(smallConfig(dataDir, { ...steps, trainDir: first, numLabeled: 20, labelSeed: 5 }), captureStream().stream);
    // Given relative to the working directory, recorded absolute: the record must name the file from anywhere.
    const relative = path.relative(process.cwd(), path.join(first, 'labeled.json'));
    const r = await train(smallConfig(dataDir, { ...steps, trainDir: second, labeledIds: relative }), captureStream().stream);
    const expected = selectLabeled(data.train, data.labels, K, 20, 5);
    assert.deepEqual(readCheckpointMeta(r.checkpoint).labeled, Array.from(expected));
    const record = JSON.parse(fs.readFileSync(path.join(second, 'labeled.json'), 'utf8'));
    assert.equal(record.numLabeled, 20);
    assert.equal(record.labeledIds, path.join(first, 'labeled.json'));
    assert.equal(readCheckpointMeta(r.checkpoint).config.labeledIds, path.join(first, 'labeled.json'));
    assert.equal(record.labelSeed, undefined, 'no label seed chose them');
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});

test('readLabeledIds: a plain id list works; unknown, test-split, repeated ids and bad files are errors naming the file', () => {
  const work = tmpDir('labeled-ids-errors');
  const file = (name: string, body: string): string => {
    const f = path.join(work, name);
    fs.writeFileSync(f, body);
    return f;
  };
  try {
    const trainIds = [data.ids[data.train[3]], data.ids[data.train[0]]];
    assert.deepEqual(readLabeledIds(file('ok.json', JSON.stringify(trainIds)), data), Int32Array.from([data.train[0], data.train[3]].sort((a, b) => a - b)));
    const cases: [string, string, RegExp][] = [
      ['unknown.json', JSON.stringify(['no-such-id']), /: id no-such-id is not in the dataset's id.txt$/],
      ['test.json', JSON.stringify([data.ids[data.test[0]]]), /is in the test split: labeled examples must come from the training split$/],
      ['twice.json', JSON.stringify([trainIds[0], trainIds[0]]), /is listed twice$/],
      ['empty.json', '[]', /expected a non-empty JSON list of data ids/],
      ['object.json', '{"numLabeled": 3}', /expected a non-empty JSON list of data ids/],
      ['garbage.json', 'not json', /: not JSON/],
    ];
    for (const [name, body, message] of cases) {
      const f = file(name, body);
      assert.throws(() => readLabeledIds(f, data), (e: Error) => e.message.startsWith(`--labeled-ids ${f}: `) && message.test(e.message));
    }
    assert.throws(() => readLabeledIds(path.join(work, 'missing.json'), data), /--labeled-ids .*missing.json: no such file$/);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});

// A fresh run must not mix with an earlier one: a train dir that already holds checkpoints is
// refused (resume it with --checkpoint instead), so labeled.json and model-N always belong together.
test('a fresh run refuses a train dir that already holds checkpoints', async () => {
  const trainDir = path.join(tmpDir('relabel'), 'run');
  const cfg = (labelSeed: number) => smallConfig(dataDir, { trainDir, numLabeled: 20, labelSeed, maxTrainingSteps: 1, seed: 0, writeSummaryStep: 100, testSampleStep: 100, outputSaveStep: 100 });
  try {
    const first = await train(cfg(1), captureStream().stream);
    await assert.rejects(train(cfg(2), captureStream().stream), /already holds checkpoints: resume with --checkpoint/);
    const record = JSON.parse(fs.readFileSync(path.join(trainDir, 'labeled.json'), 'utf8'));
    assert.equal(record.labelSeed, 1);
    assert.deepEqual(record.ids, readCheckpointMeta(first.checkpoint).labeled!.map((i) => data.ids[i]));
  } finally {
    fs.rmSync(path.dirname(trainDir), { recursive: true, force: true });
  }
});
