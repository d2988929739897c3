// Reads metrics.jsonl back into per-metric, per-split series for plotting.
import * as fs from 'fs';

export interface Point {
  step: number;
  value: number;
}

/** series[metric][split] = points in step order. */
export type MetricSeries = Record<string, Record<string, Point[]>>;

export interface MetricsFile {
  series: MetricSeries;
  records: number;
  /** Lines that weren't a JSON object with a numeric step (e.g. a line cut
   *  short by a crash); skipped, reported so the caller can say so. */
  skippedLines: number;
}

export function readMetrics(file: string, metrics: readonly string[]): MetricsFile {
  const series: MetricSeries = {};
  for (const m of metrics) series[m] = {};
  let records = 0;
  let skippedLines = 0;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    let rec: unknown;
    try {
      rec = JSON.parse(line);
    } catch {
      skippedLines++;
      continue;
    }
    if (typeof rec !== 'object' || rec === null || typeof (rec as { step?: unknown }).step !== 'number') {
      skippedLines++;
      continue;
    }
    const r = rec as Record<string, unknown>;
    const step = r.step as number;
    const split = typeof r.split === 'string' ? r.split : 'train';
    records++;
    for (const m of metrics) {
      const v = r[m];
      // Missing keys, nulls (NaN/Inf written by MetricsLog) and strings are skipped.
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      (series[m][split] ??= []).push({ step, value: v });
    }
  }
  // A resumed run appends; keep step order, with the later record winning a tie.
  for (const bySplit of Object.values(series)) {
    for (const [split, pts] of Object.entries(bySplit)) {
      const byStep = new Map<number, number>();
      for (const p of pts) byStep.set(p.step, p.value);
      bySplit[split] = [...byStep].sort((a, b) => a[0] - b[0]).map(([step, value]) => ({ step, value }));
    }
  }
  return { series, records, skippedLines };
}
