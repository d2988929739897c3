/**
 * Exporting a training checkpoint: its weights (the moving average when kept) and its facts, from a
 * loaded model or from its networks read without libtorch (readNetworks). The ONNX writer
 * (protobufjs) loads only when a model is written: `eval --backend torch` needs usesEma alone.
 */
import { PRODUCER, PRODUCER_VERSION, type CheckpointMeta } from '../checkpoint/format';
import type { CheckpointNetworks, LoadedCheckpoint } from '../checkpoint/load';
import type { Weights } from '../native/addon';
import type { ExportMeta } from './onnx-graph';

/** The classifier's exponential moving average is what the paper evaluated; use it when kept. */
export function usesEma(ck: { meta: CheckpointMeta }): boolean {
  return (ck.meta.config.emaDecay ?? 0) > 0;
}

export function checkpointWeights(ck: LoadedCheckpoint): Promise<Weights> {
  return ck.model.weights(usesEma(ck));
}

/** Where in state.pt the classifier's tensors are: the moving average's when kept (as checkpointWeights). */
export function classifierPrefix(ck: { meta: CheckpointMeta }): 'D_ema.' | 'D.' {
  return usesEma(ck) ? 'D_ema.' : 'D.';
}

/** The classifier's tensors of a checkpoint's networks, named `D.*` (classifierPrefix). */
export function classifierTensors(nets: CheckpointNetworks): Weights {
  const from = classifierPrefix(nets);
  const out: Weights = {};
  for (const [name, t] of Object.entries(nets.tensors)) if (name.startsWith(from)) out[`D.${name.slice(from.length)}`] = t;
  return out;
}

export function checkpointExportMeta(ck: { meta: CheckpointMeta; step: number }): ExportMeta {
  return { dataset: ck.meta.dataset.name, classNames: ck.meta.dataset.classNames, step: ck.step, producerName: PRODUCER, producerVersion: PRODUCER_VERSION };
}

export async function exportCheckpoint(ck: LoadedCheckpoint, outDir: string): Promise<{ classifier: string; generator: string }> {
  const { exportOnnx } = await import('./export');
  return exportOnnx({ desc: ck.desc, weights: await checkpointWeights(ck), outDir, meta: checkpointExportMeta(ck) });
}

/** classifier.onnx of a checkpoint's networks as bytes, without writing it or loading libtorch (ssgan eval). */
export async function checkpointClassifierBytes(nets: CheckpointNetworks): Promise<Uint8Array> {
  const { classifierModel, encodeModel } = await import('./onnx-graph');
  return encodeModel(classifierModel(nets.desc, classifierTensors(nets), checkpointExportMeta(nets)));
}
