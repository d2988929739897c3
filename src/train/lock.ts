/**
 * One writer per train dir: `ssgan train` holds `<train dir>/train.lock` (proper-lockfile's
 * directory lock) while it runs, with `owner.json` inside naming its PID. A second `ssgan train`
 * on the same dir is refused at once, naming that PID; a lock whose process is gone (killed, or
 * the machine restarted) is taken over.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as lockfile from 'proper-lockfile';
import { asWriteError, makeDirs } from '../util/atomic';

export const LOCK_NAME = 'train.lock';
const OWNER = 'owner.json';
/**
 * A lock without an owner is being taken (its owner.json follows within moments) or its taker was
 * killed before writing it: wait this long after its creation for the owner to appear, then take it over.
 */
const OWNERLESS_GRACE_MS = 10_000;
const OWNER_POLL_MS = 100;
/** proper-lockfile's own staleness takeover is left out (a day): liveness is judged by PID. */
const STALE_MS = 24 * 3600_000;
/** How often proper-lockfile refreshes the lock's mtime (`updateMs` overrides it, for tests). */
const UPDATE_MS = 60_000;

interface Owner { pid: number; host: string; start?: string; since: string }

export interface TrainDirLock {
  dir: string;
  /** Releases the lock; with `removeCreated`, also the directories locking created, if left empty. */
  release(opts?: { removeCreated?: boolean }): Promise<void>;
}

/** The start time (clock ticks after boot) and state of a process, from /proc; undefined elsewhere. */
export function procStat(pid: number): { start: string; state: string } | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { state: f[0], start: f[19] };
  } catch {
    return undefined;
  }
}

/** Whether the process that wrote `o` still runs (same host assumed). */
function alive(o: Owner): boolean {
  try {
    process.kill(o.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const st = procStat(o.pid);
  if (!st) return true;
  // A zombie has exited; a different start time is another process that reuses the PID.
  return st.state !== 'Z' && (o.start === undefined || o.start === st.start);
}

function readOwner(lockDir: string): Owner | undefined {
  try {
    const o = JSON.parse(fs.readFileSync(path.join(lockDir, OWNER), 'utf8'));
    return Number.isInteger(o?.pid) ? o : undefined;
  } catch {
    return undefined;
  }
}

function ageMs(p: string): number {
  try {
    return Date.now() - fs.statSync(p).mtimeMs;
  } catch {
    return Infinity;
  }
}

async function tryLock(dir: string, lockDir: string, updateMs: number): Promise<(() => Promise<void>) | undefined> {
  try {
    return await lockfile.lock(dir, {
      lockfilePath: lockDir,
      realpath: false,
      stale: STALE_MS,
      update: updateMs,
      onCompromised: (err) => process.stderr.write(`warning: lost the lock on ${dir} (${err.message}); another ssgan train may be writing to it\n`),
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOCKED') return undefined;
    throw asWriteError(lockDir, e);
  }
}

/**
 * Takes `<dir>/train.lock`, creating `dir` when `create` (else it must exist). Throws a one-line
 * error naming the PID of a live holder; takes over the lock of a process that no longer runs.
 */
export async function lockTrainDir(dir: string, opts: { create: boolean; flag?: string; updateMs?: number }): Promise<TrainDirLock> {
  const flag = opts.flag ?? '--train-dir';
  const updateMs = opts.updateMs ?? UPDATE_MS;
  let created: string | undefined;
  if (opts.create) {
    const existed = fs.existsSync(dir);
    let top = path.resolve(dir);
    while (!fs.existsSync(path.dirname(top)) && path.dirname(top) !== top) top = path.dirname(top);
    makeDirs(dir);
    if (!existed) created = top;
  } else if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`${flag} ${dir}: no such directory`);
  const lockDir = path.join(dir, LOCK_NAME);
  let release = await tryLock(dir, lockDir, updateMs);
  if (!release) {
    let owner = readOwner(lockDir);
    while (!owner && fs.existsSync(lockDir) && ageMs(lockDir) < OWNERLESS_GRACE_MS) {
      await new Promise((r) => setTimeout(r, OWNER_POLL_MS));
      owner = readOwner(lockDir);
    }
    const here = os.hostname();
    if (owner && owner.host !== here)
      throw new Error(`${flag} ${dir} is in use by PID ${owner.pid} on ${owner.host} (since ${owner.since}); if no ssgan train runs there, remove ${lockDir}`);
    if (owner && alive(owner))
      throw new Error(`${flag} ${dir} is in use by ssgan train, PID ${owner.pid} (since ${owner.since}): wait for it to finish, or stop it (kill ${owner.pid})`);
    // The holder is gone (killed, or the machine restarted; or killed while taking the lock, before
    // it recorded its PID): take its lock over.
    fs.rmSync(lockDir, { recursive: true, force: true });
    release = await tryLock(dir, lockDir, updateMs);
    if (!release) throw new Error(`${flag} ${dir}: another process took the lock ${lockDir} at the same moment; try again`);
  }
  const owner: Owner = { pid: process.pid, host: os.hostname(), start: procStat(process.pid)?.start, since: new Date().toISOString() };
  // Writing owner.json changes the lock directory's mtime, which proper-lockfile checks at its
  // next refresh (a changed mtime means another process took the lock): put it back.
  const { atime, mtime } = fs.statSync(lockDir);
  fs.writeFileSync(path.join(lockDir, OWNER), JSON.stringify(owner) + '\n');
  fs.utimesSync(lockDir, atime, mtime);
  // proper-lockfile removes an empty lock directory at exit; owner.json goes first.
  const onExit = () => fs.rmSync(lockDir, { recursive: true, force: true });
  process.on('exit', onExit);
  let held = true;
  return {
    dir,
    async release(o = {}) {
      if (!held) return;
      held = false;
      process.off('exit', onExit);
      fs.rmSync(path.join(lockDir, OWNER), { force: true });
      await release!().catch(() => fs.rmSync(lockDir, { recursive: true, force: true }));
      if (o.removeCreated && created) {
        // Innermost first, each only if empty.
        const top = path.resolve(created);
        for (let d = path.resolve(dir); d.startsWith(top); d = path.dirname(d)) {
          try { fs.rmdirSync(d); } catch { break; }
          if (d === top) break;
        }
      }
    },
  };
}
