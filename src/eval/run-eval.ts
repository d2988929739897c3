/**
 * `ssgan eval` without the CLI: resolve the model (checkpoint or classifier.onnx), the dataset and
 * the examples, run the chosen backends, and return a report that says what was evaluated.
 */
import { exactlyOne } from '../cli-util';
import { loadDataset, resolveDatasetDir } from '../data/dataset';
import { checkpointClassifierBytes, classifierPrefix, usesEma } from '../export/from-checkpoint';
import { inferenceModel, openCheckpoint, readNetworks, skippedLines } from '../checkpoint/load';
import { gather } from '../data/batch';
import { evaluatePredictors, selectExamples, type BackendRun, type Disagreements } from './evaluate';
import type { Metrics } from './metrics';
import type { OnnxClassifier } from './onnx-classifier';
import { torchPredictor, type Predictor } from '../native/predictor';
import { onnxPredictor } from './predictors';

export type BackendChoice = 'onnx' | 'torch' | 'both';

export interface EvalOptions {
  dataset?: string;
  datasetDir?: string;
  dataDir: string;
  checkpoint?: string;
  onnx?: string;
  backend: BackendChoice;
  dataIds?: string[];
  /** Images per forward pass; unset, each backend's own (ONNX_BATCH_SIZE, TORCH_BATCH_SIZE). */
  batchSize?: number;
  threads: number;
}

/**
 * onnxruntime runs 100 images at a time faster than 500 (their activations stay in cache, and
 * fewer fresh pages are touched); its outputs do not depend on the batch size. libtorch keeps 500.
 */
export const ONNX_BATCH_SIZE = 100;
export const TORCH_BATCH_SIZE = 500;

export interface EvalReport {
  /** The checkpoint directory (model-<step>) or classifier.onnx file that was evaluated. */
  source: { checkpoint?: string; onnx?: string; step: number | null };
  dataset: { name: string; dir: string; examples: number; selection: 'test split' | 'data ids' };
  backends: BackendRun[];
  disagreements?: Disagreements;
  metrics: Metrics;
}

function checkSource(o: EvalOptions): void {
  exactlyOne([o.checkpoint, '--checkpoint <model-N | train dir>'], [o.onnx, '--onnx <classifier.onnx>']);
  if (o.onnx && o.backend !== 'onnx') throw new Error(`--backend ${o.backend} runs libtorch: it needs --checkpoint, not --onnx`);
}

export async function runEval(o: EvalOptions): Promise<EvalReport> {
  checkSource(o);
  const opened = o.checkpoint ? openCheckpoint(o.checkpoint) : undefined;
  for (const line of opened ? skippedLines(opened) : []) process.stderr.write(`warning: ${line}\n`);
  // A checkpoint's networks are read without libtorch: the addon loads only for the torch backend,
  // and onnxruntime needs the classifier's tensors only.
  const nets = opened ? readNetworks(opened, o.backend === 'onnx' ? classifierPrefix(opened) : undefined) : undefined;
  let cls: OnnxClassifier | undefined;
  try {
    // onnxruntime loads only for the backends that use it.
    const onnx = o.backend !== 'torch' ? (await import('./onnx-classifier')).OnnxClassifier : undefined;
    // Idle intra-op threads sleep: spinning between the many small operators of a pass only takes
    // the cores from the thread that has work (the same outputs, much less CPU on a busy machine).
    const session = { threads: o.threads, spinning: false };
    if (o.onnx && onnx) cls = await onnx.open(o.onnx, session);
    // The dataset the model was trained on (checkpoint folder, or the ONNX metadata's name) unless one is named.
    const named = o.dataset ?? (opened || o.datasetDir ? undefined : cls?.meta.dataset);
    const datasetDir = resolveDatasetDir({ dataset: named, datasetDir: o.datasetDir ?? (named ? undefined : opened?.meta.dataset.dir), dataDir: o.dataDir });
    // Only the evaluated examples' pixels are read (MNIST: 10,000 of 70,000 images).
    let indices: Int32Array | undefined;
    const ds = await loadDataset(datasetDir, { split: opened?.meta.config.split, pixelsOf: (d) => (indices = selectExamples(d, o.dataIds)) });
    // A checkpoint's classifier goes to onnxruntime in memory: no file written and read back.
    if (nets && onnx) cls = await onnx.open(`the classifier of ${nets.dir}`, session, await checkpointClassifierBytes(nets));
    const step = nets ? nets.step : cls?.meta.step !== undefined ? Number(cls.meta.step) : null;

    const predictors: Predictor[] = [];
    if (cls) {
      const file = cls.model.file;
      const [h, w, c] = cls.imageShape;
      if (h !== ds.h || w !== ds.w || c !== ds.c) throw new Error(`${file} takes ${h}x${w}x${c} images but ${datasetDir} holds ${ds.h}x${ds.w}x${ds.c}: evaluate on the dataset it was trained on`);
      predictors.push(onnxPredictor(cls, o.batchSize ?? ONNX_BATCH_SIZE));
    }
    if (nets && o.backend !== 'onnx') {
      const mc = nets.desc.config;
      if (mc.h !== ds.h || mc.w !== ds.w || mc.c !== ds.c) throw new Error(`checkpoint ${nets.dir} takes ${mc.h}x${mc.w}x${mc.c} images but ${datasetDir} holds ${ds.h}x${ds.w}x${ds.c}`);
      const ck = inferenceModel(nets, { threads: o.threads, device: 'cpu' });
      predictors.push(torchPredictor(ck.model, mc.k, ds.h * ds.w * ds.c, o.batchSize ?? TORCH_BATCH_SIZE, usesEma(ck)));
    }
    const k = nets ? nets.desc.config.k : Number(JSON.parse(cls?.meta.class_names ?? '[]').length);
    if (k !== ds.k) throw new Error(`the model has ${k} classes but ${datasetDir} has ${ds.k}: evaluate on the dataset it was trained on`);

    indices ??= selectExamples(ds, o.dataIds);
    const { images, labels } = gather(ds, indices);
    const ev = await evaluatePredictors(predictors, images, labels, ds.classNames);
    return {
      source: { checkpoint: nets?.dir, onnx: o.onnx, step },
      dataset: { name: ds.name, dir: ds.dir, examples: indices.length, selection: o.dataIds?.length ? 'data ids' : 'test split' },
      backends: ev.runs,
      disagreements: ev.disagreements,
      metrics: ev.metrics,
    };
  } finally {
    await cls?.release();
  }
}
