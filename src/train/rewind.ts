/**
 * A resumed run starts again at its checkpoint's step, so metrics.jsonl is cut back to that step:
 * the records of later steps (logged again as the run redoes them) and a last line cut short by
 * a killed process go, so the log reads as one run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/atomic';

export const METRICS_FILE = 'metrics.jsonl';

/** Rewrites `<trainDir>/metrics.jsonl` without records past `step` or broken lines; a line saying so, or undefined. */
export function rewindMetrics(trainDir: string, step: number): string | undefined {
  const file = path.join(trainDir, METRICS_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let later = 0, broken = 0;
  const keep = lines.filter((line) => {
    let rec: { step?: unknown };
    try {
      rec = JSON.parse(line);
    } catch {
      broken++;
      return false;
    }
    if (typeof rec?.step !== 'number') return true;
    if (rec.step > step) later++;
    return rec.step <= step;
  });
  if (!later && !broken) return undefined;
  writeFileAtomic(file, keep.map((l) => l + '\n').join(''));
  const what = [later ? `${later} record${later > 1 ? 's' : ''} after step ${step} (logged again)` : '', broken ? `${broken} line${broken > 1 ? 's' : ''} cut short` : ''].filter(Boolean);
  return `${file}: removed ${what.join(' and ')}`;
}
