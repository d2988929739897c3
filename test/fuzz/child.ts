// The fuzz sandbox (see harness.ts): runs one target of targets.ts per message and answers with
// the result or the error, plus memory figures. Started by Sandbox with an IPC channel; does nothing
// when run any other way (node --test picks up every .js file under dist/test/).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Mem, Outcome, SpilledInput } from './harness';

const MIB = 2 ** 20;

async function main(): Promise<void> {
  const { TARGETS, prepare } = await import('./targets');
  if (process.argv.includes('--h5wasm')) await prepare();
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
  // The sandbox's folder, made by the parent (which removes it even when this process is killed).
  const root = process.argv.find((a) => a.startsWith('--root='))?.slice('--root='.length) ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ssgan-fuzz-'));
  process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));
  process.on('disconnect', () => process.exit(0));
  let n = 0;
  gc();
  const base = { rssMiB: process.memoryUsage().rss / MIB, maxRssMiB: process.resourceUsage().maxRSS / 1024, externalMiB: process.memoryUsage().external / MIB };

  process.on('message', async (m: { id: number; target: string; input: SpilledInput }) => {
    if (m.input.bytesFile) m.input.bytes = new Uint8Array(fs.readFileSync(m.input.bytesFile));
    const dir = path.join(root, `case-${++n}`);
    fs.mkdirSync(dir);
    for (const [name, bytes] of Object.entries(m.input.files ?? {})) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), bytes);
    }
    for (const [name, from] of Object.entries(m.input.fileCopies ?? {})) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.copyFileSync(from, path.join(dir, name));
      m.input.files![name] = new Uint8Array(fs.readFileSync(from));
    }
    const externalBefore = process.memoryUsage().external / MIB;
    const t0 = performance.now();
    let outcome: Outcome;
    const mem = (): Mem => ({
      rssMiB: process.memoryUsage().rss / MIB,
      maxRssMiB: process.resourceUsage().maxRSS / 1024,
      externalMiB: process.memoryUsage().external / MIB,
      baseMaxRssMiB: base.maxRssMiB,
      baseExternalMiB: externalBefore,
    });
    try {
      const target = TARGETS[m.target];
      if (!target) throw new Error(`no fuzz target ${m.target}`);
      const value = await target(m.input, { dir, root });
      outcome = { kind: 'ok', value, mem: mem(), ms: performance.now() - t0, dir };
    } catch (err) {
      const e = err as Error;
      outcome = {
        kind: 'error', isError: err instanceof Error, name: e?.name ?? typeof err, message: err instanceof Error ? e.message : String(err),
        stack: e?.stack, mem: mem(), ms: performance.now() - t0, dir,
      };
    }
    fs.rmSync(dir, { recursive: true, force: true });
    process.send!({ id: m.id, outcome });
    // Collect only when garbage has piled up: a full collection per case would dominate the run.
    if (process.memoryUsage().rss / MIB - base.rssMiB > 96) gc();
  });
  process.send!({ ready: true });
}

if (process.send) {
  main().catch((err) => { process.stderr.write(`fuzz sandbox: ${(err as Error).stack}\n`); process.exit(70); });
}
