/**
 * One training run from a JSON config (merged over the defaults and the model's defaults), for
 * benchmark drivers that must not load the CLI's other verbs. Prints a RESULT line with the
 * steps/s and the final test accuracy. Usage: node dist/bench/train-job.js '{"dataset": ...}'
 */
import { DEFAULTS, modelDefaults, validate, type TrainConfig } from '../src/config';
import { train } from '../src/train/session';

async function main(): Promise<void> {
  const given = JSON.parse(process.argv[2]) as Partial<TrainConfig>;
  const config = validate({ ...DEFAULTS, ...modelDefaults(given.model ?? DEFAULTS.model), ...given });
  const t0 = Date.now();
  const r = await train(config);
  const secs = (Date.now() - t0) / 1000;
  console.log(`RESULT ${JSON.stringify({ trainDir: r.trainDir, steps: r.step, seconds: Math.round(secs), stepsPerSecond: +(r.step / secs).toFixed(2), testAccuracy: r.testAccuracy })}`);
}

main().catch((e) => {
  console.error(`train-job: ${(e as Error).message}`);
  process.exit(1);
});
