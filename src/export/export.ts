/** Writes classifier.onnx and generator.onnx (temp name + rename) for a model description and its weights. */
import * as path from 'node:path';
import type { ModelDescription } from '../model/describe';
import type { Weights } from '../native/addon';
import { makeDirs, writeFileAtomic } from '../util/atomic';
import { classifierModel, encodeModel, generatorModel, type ExportMeta } from './onnx-graph';

export interface ExportOptions {
  desc: ModelDescription;
  weights: Weights;
  outDir: string;
  meta: ExportMeta;
}

export async function exportOnnx(opts: ExportOptions): Promise<{ classifier: string; generator: string }> {
  const { desc, weights, outDir, meta } = opts;
  makeDirs(outDir);
  const classifier = path.join(outDir, 'classifier.onnx');
  const generator = path.join(outDir, 'generator.onnx');
  writeFileAtomic(classifier, encodeModel(classifierModel(desc, weights, meta)));
  writeFileAtomic(generator, encodeModel(generatorModel(desc, weights, meta)));
  return { classifier, generator };
}
