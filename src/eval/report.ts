/** Plain-text and JSON renderings of an evaluation report. */
import { formatMetrics } from './metrics';
import type { EvalReport } from './run-eval';

export function formatReport(r: EvalReport): string {
  const step = r.source.step === null ? 'unknown step' : `step ${r.source.step}`;
  const what = r.source.onnx ? `ONNX model ${r.source.onnx} (${step})` : `checkpoint ${r.source.checkpoint} (${step})`;
  const lines = [`evaluated ${what}`, `on ${r.dataset.name} (${r.dataset.dir}): ${r.dataset.examples} examples, ${r.dataset.selection}`];
  for (const b of r.backends) lines.push(`backend ${b.backend}: ${b.imagesPerSecond.toFixed(0)} images/s (${b.seconds.toFixed(2)} s)`);
  if (r.disagreements) {
    const d = r.disagreements;
    lines.push(`onnx vs torch: ${d.count} predicted labels differ${d.count ? ` (${d.ties} of them near-ties)` : ''}`);
  }
  lines.push(`metrics from backend ${r.backends[0].backend}:`, formatMetrics(r.metrics));
  return lines.join('\n');
}

/** One JSON object (`ssgan eval --json`): accuracy and examples at the top, then the rest. */
export function reportJson(r: EvalReport): Record<string, unknown> {
  const m = r.metrics;
  return {
    accuracy: m.accuracy,
    examples: m.examples,
    correct: m.correct,
    checkpoint: r.source.checkpoint ?? null,
    onnx: r.source.onnx ?? null,
    step: r.source.step,
    dataset: r.dataset,
    backends: r.backends,
    disagreements: r.disagreements ?? null,
    perClass: m.perClass.map((c) => ({ ...c, accuracy: Number.isNaN(c.accuracy) ? null : c.accuracy })),
    confusion: m.confusion,
  };
}
