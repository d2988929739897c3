/** The parity check both export suites run: onnxruntime against the PyTorch reference, batch by batch. */
import * as assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { OnnxClassifier } from '../../../src/eval/onnx-classifier';
import { OnnxGenerator } from '../../../src/eval/onnx-generator';
import { maxAbsDiff, std } from './cases';
import type { RefCase, RefOutputs } from './reference';

export const TOL = 1e-4;

export async function assertParity(t: TestContext, files: { classifier: string; generator: string }, refCase: RefCase, ref: RefOutputs): Promise<void> {
  const cls = await OnnxClassifier.open(files.classifier, { threads: 1 });
  const gen = await OnnxGenerator.open(files.generator, { threads: 1 });
  try {
    for (let b = 0; b < refCase.images.length; b++) {
      const n = refCase.images[b].n;
      const logits = ref.logits[b], images = ref.images[b];
      // Outputs that hardly vary would make the comparison prove little.
      assert.ok(std(logits) > 0.05, `reference logits vary (std ${std(logits)})`);
      assert.ok(std(images) > 0.01, `reference images vary (std ${std(images)})`);
      const d = maxAbsDiff((await cls.classify(refCase.images[b].data, n)).logits, logits);
      assert.ok(d <= TOL, `classifier logits, batch ${n}: max |onnx - ref| = ${d}`);
      const fromOnnx = (await gen.generate(refCase.z[b].data, n)).map((v) => v / 127.5 - 1);
      const di = maxAbsDiff(fromOnnx, images);
      assert.ok(di <= TOL, `generator images ([-1, 1] scale), batch ${n}: max |onnx - ref| = ${di}`);
      t.diagnostic(`batch ${n}: max |diff| logits ${d.toExponential(2)}, images ${di.toExponential(2)}`);
    }
  } finally {
    await cls.release();
    await gen.release();
  }
}
