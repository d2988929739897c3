/**
 * `ssgan train --nproc-per-node N`: starts N `ssgan train` processes on this machine, each with
 * torchrun's variables (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT), so they train as
 * one data-parallel run (world.ts). Shows rank 0's output, prefixes the other ranks' errors, stops
 * every rank when one fails (naming it), and passes Ctrl-C on, so all stop at the same step and
 * rank 0 saves a checkpoint.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface LaunchPlan { nprocPerNode: number; nnodes: number; nodeRank: number; masterAddr: string; masterPort: number }

/** Set in the processes the launcher starts: their stdin is a pipe from it, closed when it dies. */
const LIFELINE = 'SSGAN_LAUNCHER_LIFELINE';

/**
 * In a process the launcher started: exits when the launcher is gone (its processes run in their
 * own process group, so nothing else would stop them).
 */
export function followLauncher(): void {
  if (process.env[LIFELINE] !== '1') return;
  process.stdin.on('end', () => {
    process.stderr.write('ssgan train: the launcher (--nproc-per-node) stopped\n');
    // Not process.exit(): that waits for libtorch's threads, which may be blocked on the other ranks.
    process.kill(process.pid, 'SIGTERM');
  });
  process.stdin.resume();
  (process.stdin as unknown as { unref?: () => void }).unref?.();
}

/** The command-line flags that only the launcher reads (the processes it starts do not see them). */
export const LAUNCH_FLAGS = ['--nproc-per-node', '--nnodes', '--node-rank'] as const;

/** `args` without the launcher's own flags (`--flag v` and `--flag=v` alike). */
export function withoutLaunchFlags(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if ((LAUNCH_FLAGS as readonly string[]).includes(a)) i++;
    else if (!LAUNCH_FLAGS.some((f) => a.startsWith(`${f}=`))) out.push(a);
  }
  return out;
}

/** How long the other ranks get to end after one failed, before they are killed. */
const KILL_AFTER_MS = 5000;

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `was killed by ${signal}` : `exited with code ${code}`;
}

/**
 * Runs this node's ranks of the run `ssgan <args>` describes and resolves with the exit code: 0
 * when every rank finished, else that of the first rank that failed.
 */
export function launch(args: string[], p: LaunchPlan, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const world = p.nnodes * p.nprocPerNode;
  const children: { rank: number; child: ChildProcess; running: boolean }[] = [];
  for (let local = 0; local < p.nprocPerNode; local++) {
    const rank = p.nodeRank * p.nprocPerNode + local;
    const env = { ...process.env, RANK: String(rank), WORLD_SIZE: String(world), LOCAL_RANK: String(local), LOCAL_WORLD_SIZE: String(p.nprocPerNode), MASTER_ADDR: p.masterAddr, MASTER_PORT: String(p.masterPort), [LIFELINE]: '1' };
    // Their own process group: Ctrl-C reaches them once, from here, not twice.
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1], ...args], { env, detached: true, stdio: ['pipe', local === 0 ? 'inherit' : 'ignore', local === 0 ? 'inherit' : 'pipe'] });
    if (local !== 0) {
      let partial = '';
      child.stderr!.on('data', (d: Buffer) => {
        const lines = (partial + d.toString()).split('\n');
        partial = lines.pop()!;
        for (const l of lines) err.write(`[rank ${rank}] ${l}\n`);
      });
      child.stderr!.on('end', () => partial && err.write(`[rank ${rank}] ${partial}\n`));
    }
    children.push({ rank, child, running: true });
  }
  out.write(`Started ${p.nprocPerNode} process${p.nprocPerNode > 1 ? 'es' : ''} of ${world}: ${children.map((c) => `rank ${c.rank} (pid ${c.child.pid})`).join(', ')}\n`);

  const signalAll = (signal: NodeJS.Signals) => {
    for (const c of children) if (c.running) c.child.kill(signal);
  };
  const onSigint = () => signalAll('SIGINT');
  const onSigterm = () => signalAll('SIGTERM');
  const onExit = () => signalAll('SIGTERM');
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  process.on('exit', onExit);

  return new Promise((resolve) => {
    let failed: number | undefined;
    let left = children.length;
    for (const c of children) {
      c.child.on('error', (e) => err.write(`ssgan train: rank ${c.rank}: ${e.message}\n`));
      c.child.on('exit', (code, signal) => {
        c.running = false;
        if ((code !== 0 || signal) && failed === undefined) {
          failed = code && code > 0 ? code : 1;
          const others = children.some((o) => o.running);
          err.write(`ssgan train: rank ${c.rank} ${describeExit(code, signal)}${others ? '; stopping the other ranks' : ''}\n`);
          signalAll('SIGTERM');
          signalAll('SIGCONT'); // a stopped rank ends too
          // A rank that does not end (stuck in libtorch) is killed.
          setTimeout(() => signalAll('SIGKILL'), KILL_AFTER_MS).unref();
        }
        if (--left === 0) {
          process.off('SIGINT', onSigint);
          process.off('SIGTERM', onSigterm);
          process.off('exit', onExit);
          resolve(failed ?? 0);
        }
      });
    }
  });
}
