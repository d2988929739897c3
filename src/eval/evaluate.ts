/**
 * Evaluation over a dataset split with one or both backends: metrics from the first backend,
 * throughput of each, and (with both) how often their predicted labels disagree.
 */
import type { Dataset } from '../data/dataset';
import { computeMetrics, type Metrics } from './metrics';
import type { BackendName, Predictions, Predictor } from '../native/predictor';

/** The test split, or the examples named by `--data-id` (in the order given). */
export function selectExamples(ds: Pick<Dataset, 'dir' | 'ids' | 'test'>, dataIds?: string[]): Int32Array {
  if (!dataIds || dataIds.length === 0) return ds.test;
  const index = new Map(ds.ids.map((id, i) => [id, i]));
  return Int32Array.from(dataIds, (id) => {
    const i = index.get(id);
    if (i === undefined) throw new Error(`--data-id ${id}: no such id in ${ds.dir}/id.txt`);
    return i;
  });
}

export interface BackendRun {
  backend: BackendName;
  seconds: number;
  imagesPerSecond: number;
}

export interface Disagreements {
  /** Examples where the backends' labels differ. */
  count: number;
  /** Of those, how many are near-ties (top two real-class logits within 1e-4 in either backend). */
  ties: number;
}

export interface Evaluation {
  metrics: Metrics;
  runs: BackendRun[];
  disagreements?: Disagreements;
}

const TIE = 1e-4;

function isNearTie(logits: Float32Array, i: number, k: number): boolean {
  const row = Array.from(logits.subarray(i * (k + 1), i * (k + 1) + k)).sort((a, b) => b - a);
  return row.length > 1 && row[0] - row[1] <= TIE;
}

export async function evaluatePredictors(predictors: Predictor[], images: Uint8Array, labels: Int32Array, classNames: string[]): Promise<Evaluation> {
  if (predictors.length === 0) throw new Error('no backend to evaluate with');
  const n = labels.length;
  const runs: BackendRun[] = [];
  const preds: Predictions[] = [];
  for (const p of predictors) {
    const t0 = process.hrtime.bigint();
    preds.push(await p.predict(images, n));
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    runs.push({ backend: p.backend, seconds, imagesPerSecond: n / seconds });
  }
  const metrics = computeMetrics(labels, preds[0].labels, classNames);
  if (preds.length < 2) return { metrics, runs };
  const k = classNames.length;
  let count = 0;
  let ties = 0;
  for (let i = 0; i < n; i++) {
    if (preds[0].labels[i] === preds[1].labels[i]) continue;
    count++;
    if (isNearTie(preds[0].logits, i, k) || isNearTie(preds[1].logits, i, k)) ties++;
  }
  return { metrics, runs, disagreements: { count, ties } };
}
