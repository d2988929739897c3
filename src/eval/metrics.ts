/** Classification metrics over predicted vs true labels, and their plain-text rendering. */

export interface ClassMetrics {
  name: string;
  examples: number;
  correct: number;
  accuracy: number;
}

export interface Metrics {
  examples: number;
  correct: number;
  accuracy: number;
  perClass: ClassMetrics[];
  /** confusion[true][predicted] counts. */
  confusion: number[][];
}

export function computeMetrics(truth: Int32Array, predicted: Int32Array, classNames: string[]): Metrics {
  if (truth.length !== predicted.length) throw new Error(`metrics: ${truth.length} labels vs ${predicted.length} predictions`);
  const k = classNames.length;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i];
    const p = predicted[i];
    if (t < 0 || t >= k || p < 0 || p >= k) throw new Error(`metrics: label ${t} / prediction ${p} outside 0..${k - 1}`);
    confusion[t][p]++;
  }
  const perClass = classNames.map((name, c) => {
    const examples = confusion[c].reduce((a, b) => a + b, 0);
    const correct = confusion[c][c];
    return { name, examples, correct, accuracy: examples ? correct / examples : NaN };
  });
  const correct = perClass.reduce((a, c) => a + c.correct, 0);
  return { examples: truth.length, correct, accuracy: truth.length ? correct / truth.length : NaN, perClass, confusion };
}

const pct = (x: number) => (Number.isNaN(x) ? '   -   ' : `${(100 * x).toFixed(2).padStart(6)}%`);

/** Accuracy, per-class accuracy and the confusion matrix (rows: true class, columns: predicted). */
export function formatMetrics(m: Metrics): string {
  const names = m.perClass.map((c) => c.name);
  const nameW = Math.max(5, ...names.map((n) => n.length));
  const cellW = Math.max(...names.map((n) => n.length), ...m.confusion.flat().map((v) => String(v).length)) + 1;
  const lines = [`accuracy: ${pct(m.accuracy).trim()} (${m.correct}/${m.examples})`, '', 'per-class accuracy:'];
  for (const c of m.perClass) lines.push(`  ${c.name.padEnd(nameW)} ${pct(c.accuracy)} (${c.correct}/${c.examples})`);
  lines.push('', 'confusion matrix (rows: true, columns: predicted):');
  lines.push(`  ${''.padEnd(nameW)}${names.map((n) => n.padStart(cellW)).join('')}`);
  m.confusion.forEach((row, i) => lines.push(`  ${names[i].padEnd(nameW)}${row.map((v) => String(v).padStart(cellW)).join('')}`));
  return lines.join('\n');
}
