/**
 * What a training run records besides checkpoints: the seed's log lines, TensorBoard summaries
 * and metrics.jsonl (losses, generated and real image grids), and test-batch evaluations.
 */
import * as path from 'node:path';
import type { TrainConfig } from '../config';
import type { Dataset } from '../data/dataset';
import type { Batch, Losses, NativeModel } from '../native/addon';
import { EventWriter } from '../summary/events';
import { imageGrid } from '../summary/grid';
import { MetricsLog } from '../summary/metrics';
import type { Progress } from '../summary/progress';
import { pixelBytes } from '../util/pixels';
import type { CheckpointFigures } from './trainer';

/** Real/fake images in the TensorBoard image summaries. */
const SUMMARY_IMAGES = 16;

function fmt(v: number | undefined): string {
  return v === undefined ? 'n/a' : v.toFixed(5);
}

/** The seed's log line. */
function logLine(split: string, step: number, l: Losses, secPerBatch: number, batch: number): string {
  return `[${split} step ${String(step).padStart(4)}] Supervised loss: ${fmt(l.s_loss)} D loss: ${fmt(l.d_loss)} G loss: ${fmt(l.g_loss)} Accuracy: ${fmt(l.accuracy)} (${secPerBatch.toFixed(3)} sec/batch, ${(batch / secPerBatch).toFixed(3)} instances/sec)`;
}

/** TensorBoard tags as the seed named them (its supervised loss is `S_loss`). */
function tag(prefix: string, key: string): string {
  return `${prefix}/${key === 's_loss' ? 'S_loss' : key}`;
}

export class Recorder {
  readonly events: EventWriter;
  readonly metrics: MetricsLog;

  constructor(trainDir: string, private readonly c: TrainConfig, private readonly data: Dataset, private readonly model: NativeModel,
              private readonly progress: Progress, private readonly z: Float32Array, private readonly processes = 1) {
    this.events = new EventWriter(trainDir);
    this.metrics = new MetricsLog(path.join(trainDir, 'metrics.jsonl'));
  }

  /** After step `step` (1-based) with its merged losses, the real batch it read (this process's share) and its time. */
  async afterStep(step: number, latest: Losses, real: Batch, secPerBatch: number): Promise<void> {
    const { c } = this;
    this.progress.update(step, { d_loss: latest.d_loss ?? NaN, g_loss: latest.g_loss ?? NaN, accuracy: latest.accuracy ?? NaN });
    if (step % c.logStep === 0) this.progress.line(logLine('train', step, latest, secPerBatch, real.n * this.processes));
    if (step % c.writeSummaryStep === 0) await this.summaries(step, latest, real, secPerBatch);
  }

  private async summaries(step: number, latest: Losses, real: Batch, secPerBatch: number): Promise<void> {
    const { data, events } = this;
    const record = { ...latest, GAN_loss: (latest.d_loss ?? 0) + (latest.g_loss ?? 0) };
    for (const [k, v] of Object.entries(record)) events.scalar(tag('loss', k), v as number, step);
    this.metrics.write({ step, split: 'train', ...record, sec_per_batch: secPerBatch });
    const fakes = imageGrid(pixelBytes(await this.model.generate(this.z.subarray(0, SUMMARY_IMAGES * this.c.nZ), SUMMARY_IMAGES)), SUMMARY_IMAGES, data.h, data.w, data.c);
    events.image('img/fake', fakes.png, fakes.height, fakes.width, data.c, step);
    const n = Math.min(real.n, SUMMARY_IMAGES);
    const reals = imageGrid(real.images.subarray(0, n * data.h * data.w * data.c), n, data.h, data.w, data.c);
    events.image('img/real', reals.png, reals.height, reals.width, data.c, step);
  }

  /** Every --test-sample-step steps: the losses and accuracy of one test batch (eval mode), `n` examples per process. */
  testBatch(step: number, l: Losses, n: number, seconds: number): void {
    this.progress.line(logLine('val', step, l, seconds, n * this.processes));
    for (const [k, v] of Object.entries(l)) this.events.scalar(tag('test', k), v as number, step);
    this.metrics.write({ step, split: 'test', ...l });
  }

  /** A checkpoint hook's figures: <split>/* summaries, a metrics line and a log line. */
  figures(step: number, f: CheckpointFigures): void {
    for (const [k, v] of Object.entries(f.figures)) this.events.scalar(`${f.split}/${k}`, v, step);
    this.metrics.write({ step, split: f.split, ...f.figures });
    this.progress.line(f.line);
  }

  close(): void {
    this.events.close();
    this.metrics.close();
  }
}
