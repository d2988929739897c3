/**
 * Exporting a loaded training checkpoint: its weights (the moving average when kept) and its facts.
 * The ONNX writer (protobufjs) loads only when a model is written: `eval --backend torch` needs
 * usesEma alone.
 */
import { PRODUCER, PRODUCER_VERSION } from '../checkpoint/format';
import type { LoadedCheckpoint } from '../checkpoint/load';
import type { Weights } from '../native/addon';
import type { ExportMeta } from './onnx-graph';

/** The classifier's exponential moving average is what the paper evaluated; use it when kept. */
export function usesEma(ck: LoadedCheckpoint): boolean {
  return (ck.meta.config.emaDecay ?? 0) > 0;
}

export function checkpointWeights(ck: LoadedCheckpoint): Promise<Weights> {
  return ck.model.weights(usesEma(ck));
}

export function checkpointExportMeta(ck: LoadedCheckpoint): ExportMeta {
  return { dataset: ck.meta.dataset.name, classNames: ck.meta.dataset.classNames, step: ck.step, producerName: PRODUCER, producerVersion: PRODUCER_VERSION };
}

export async function exportCheckpoint(ck: LoadedCheckpoint, outDir: string): Promise<{ classifier: string; generator: string }> {
  const { exportOnnx } = await import('./export');
  return exportOnnx({ desc: ck.desc, weights: await checkpointWeights(ck), outDir, meta: checkpointExportMeta(ck) });
}

/** classifier.onnx of a checkpoint as bytes, without writing it (ssgan eval). */
export async function checkpointClassifierBytes(ck: LoadedCheckpoint): Promise<Uint8Array> {
  const { classifierModel, encodeModel } = await import('./onnx-graph');
  return encodeModel(classifierModel(ck.desc, await checkpointWeights(ck), checkpointExportMeta(ck)));
}
