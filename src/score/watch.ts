/** `ssgan train --score-every-checkpoint`: the generator's scores at every checkpoint of a run. */
import { sampleTorch } from '../native/samples';
import type { CheckpointWatch } from '../train/trainer';
import { Scorer } from './score';

/** Scores n samples per checkpoint (z seeded by the step) against the run's test split. */
export function scoreWatch(n: number, threads: number): CheckpointWatch {
  let scorer: Scorer | undefined;
  return {
    async atCheckpoint({ step, model, desc, data, say }) {
      // Opened at the first checkpoint: it may train the dataset's judge first.
      scorer ??= await Scorer.open(data, { threads, log: say });
      const samples = await sampleTorch(model, { ...desc.config, zLow: desc.zLow, zHigh: desc.zHigh }, n, step);
      const s = await scorer.score(samples.images, samples.n);
      const figures: Record<string, number> = { fid: s.fid, kid: s.kid, kid_std: s.kidStd };
      if (s.inceptionScore !== null) figures.inception_score = s.inceptionScore;
      if (s.classesCovered !== null) figures.classes_covered = s.classesCovered;
      if (s.largestClassShare !== null) figures.largest_class_share = s.largestClassShare;
      const coverage = s.classesCovered === null ? '' : `, ${s.classesCovered}/${s.classes} classes >= 2%, largest ${(100 * s.largestClassShare!).toFixed(1)}%`;
      return { split: 'score', figures: { n: s.n, ...figures }, line: `Generator at step ${step} (${s.n} samples): FID ${s.fid.toFixed(2)}, KID ${s.kid.toFixed(4)} +- ${s.kidStd.toFixed(4)}${coverage}` };
    },
    async close() {
      await scorer?.release();
    },
  };
}
