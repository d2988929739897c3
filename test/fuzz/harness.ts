// Property-based fuzzing of the readers of outside data (fast-check).
//
// Every case runs in a sandbox child process (child.ts) so that a native abort, a segfault, a hang
// or runaway memory is observed instead of taking the test runner down. The only outcomes a reader
// may have are a correct result or a thrown Error whose message is one line and names the file.
//
// SSGAN_FUZZ_RUNS sets the cases per reader (default 30, `npm run fuzz` 1000); SSGAN_FUZZ_SEED
// replays a run (fast-check prints the seed and the shrunk case of a failure, and the failing input
// is saved under $TMPDIR/ssgan-fuzz-failures/).
import { ChildProcess, fork } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as fc from 'fast-check';

export const RUNS = positiveInt(process.env.SSGAN_FUZZ_RUNS, 30);
/** The long run (`npm run fuzz`): also the checks too slow or too memory-hungry for `npm test`. */
export const LONG = RUNS >= 1000;
export const SEED = process.env.SSGAN_FUZZ_SEED === undefined ? undefined : Number(process.env.SSGAN_FUZZ_SEED);
/** A case that has not answered within this is a hang. */
export const CASE_TIMEOUT_MS = 10_000;
export const REPO = path.resolve(__dirname, '..', '..', '..');
export const FIXTURES = path.join(REPO, 'test', 'fixtures');
export const SEEDS = path.join(REPO, 'test', 'fuzz', 'seeds');
const MIB = 2 ** 20;

function positiveInt(s: string | undefined, dflt: number): number {
  if (s === undefined || s === '') return dflt;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1) throw new Error(`SSGAN_FUZZ_RUNS=${s}: expected a positive integer`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// Mutations

export type Mutation =
  | { op: 'set'; at: number; value: number }
  | { op: 'flip'; at: number; bit: number }
  | { op: 'insert'; at: number; bytes: number[] }
  | { op: 'delete'; at: number; len: number }
  | { op: 'truncate'; at: number }
  | { op: 'field'; at: number; width: 1 | 2 | 4 | 8; le: boolean; value: bigint }
  | { op: 'text'; at: number; text: string; insert: boolean }
  | { op: 'copy'; from: number; at: number; len: number };

/** Values a header field is set to: zero, one, the signed and unsigned edges, 10^12, 2^53. */
export const EXTREMES: bigint[] = [
  0n, 1n, 0x7fn, 0x80n, 0xffn, 0x7fffn, 0x8000n, 0xffffn, 0x7fffffffn, 0x80000000n, 0xffffffffn,
  10n ** 12n, 2n ** 53n, 2n ** 63n - 1n, 2n ** 64n - 1n,
];

export interface MutationOptions {
  /** Byte ranges [start, end) of the seed where headers live; half the positions fall in them. */
  hot?: [number, number][];
  /** Strings worth writing into the file (format keywords, traversal paths, octal extremes). */
  dictionary?: string[];
  maxOps?: number;
}

function position(len: number, hot: [number, number][]): fc.Arbitrary<number> {
  const uniform = fc.nat({ max: Math.max(0, len) });
  const ranges = hot.filter(([s, e]) => e > s && s < len);
  if (ranges.length === 0) return uniform;
  const inHot = fc.tuple(fc.constantFrom(...ranges), fc.nat()).map(([[s, e], r]) => s + (r % (Math.min(e, len) - s)));
  return fc.oneof({ weight: 1, arbitrary: uniform }, { weight: 2, arbitrary: inHot });
}

export function mutationArb(seedLength: number, opts: MutationOptions = {}): fc.Arbitrary<Mutation> {
  const at = position(seedLength, opts.hot ?? [[0, Math.min(seedLength, 512)]]);
  const arbs: fc.Arbitrary<Mutation>[] = [
    fc.record({ op: fc.constant('set' as const), at, value: fc.nat({ max: 255 }) }),
    fc.record({ op: fc.constant('flip' as const), at, bit: fc.nat({ max: 7 }) }),
    fc.record({ op: fc.constant('insert' as const), at, bytes: fc.oneof(
      fc.array(fc.nat({ max: 255 }), { minLength: 1, maxLength: 64 }),
      fc.tuple(fc.nat({ max: 255 }), fc.integer({ min: 1, max: 4096 })).map(([b, n]) => new Array<number>(n).fill(b)),
    ) }),
    fc.record({ op: fc.constant('delete' as const), at, len: fc.oneof(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 8192 })) }),
    fc.record({ op: fc.constant('truncate' as const), at: fc.nat({ max: seedLength }) }),
    fc.record({
      op: fc.constant('field' as const), at, width: fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const), le: fc.boolean(),
      value: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...EXTREMES) }, { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) }),
    }),
    fc.record({ op: fc.constant('copy' as const), from: fc.nat({ max: seedLength }), at, len: fc.integer({ min: 1, max: 1024 }) }),
  ];
  if (opts.dictionary?.length) {
    arbs.push(fc.record({ op: fc.constant('text' as const), at, text: fc.constantFrom(...opts.dictionary), insert: fc.boolean() }));
  }
  return fc.oneof(...arbs);
}

export function applyMutations(seed: Uint8Array, ops: Mutation[]): Uint8Array {
  let b = Buffer.from(seed);
  for (const m of ops) {
    const at = Math.min(m.at, b.length);
    switch (m.op) {
      case 'set': if (at < b.length) b[at] = m.value; break;
      case 'flip': if (at < b.length) b[at] ^= 1 << m.bit; break;
      case 'insert': b = Buffer.concat([b.subarray(0, at), Buffer.from(m.bytes), b.subarray(at)]); break;
      case 'delete': b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + m.len))]); break;
      case 'truncate': b = b.subarray(0, at); break;
      case 'field': {
        const bytes = Buffer.alloc(8);
        const v = m.value & ((1n << BigInt(8 * m.width)) - 1n);
        for (let i = 0; i < m.width; i++) bytes[m.le ? i : m.width - 1 - i] = Number((v >> BigInt(8 * i)) & 0xffn);
        bytes.subarray(0, m.width).copy(b, at, 0, Math.min(m.width, b.length - at));
        break;
      }
      case 'text': {
        const t = Buffer.from(m.text, 'latin1');
        if (m.insert) b = Buffer.concat([b.subarray(0, at), t, b.subarray(at)]);
        else t.copy(b, at, 0, Math.min(t.length, b.length - at));
        break;
      }
      case 'copy': {
        const from = Math.min(m.from, b.length);
        Buffer.from(b.subarray(from, from + m.len)).copy(b, at);
        break;
      }
    }
  }
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

/** A short readable form of a mutation list (what fast-check prints for a failing case). */
export function describeOps(ops: Mutation[]): string {
  return ops.map((m) => {
    switch (m.op) {
      case 'insert': return `insert@${m.at}[${m.bytes.length}x${m.bytes[0]}..]`;
      case 'field': return `field@${m.at}:${m.width}${m.le ? 'le' : 'be'}=${m.value}`;
      case 'text': return `${m.insert ? 'insert' : 'write'}@${m.at}:${JSON.stringify(m.text)}`;
      case 'copy': return `copy ${m.from}->${m.at} len ${m.len}`;
      case 'set': return `set@${m.at}=${m.value}`;
      case 'flip': return `flip@${m.at}.${m.bit}`;
      case 'delete': return `delete@${m.at} len ${m.len}`;
      case 'truncate': return `truncate@${m.at}`;
    }
  }).join(', ');
}

export function opsArb(seedLength: number, opts: MutationOptions = {}): fc.Arbitrary<Mutation[]> {
  return fc.array(mutationArb(seedLength, opts), { minLength: 1, maxLength: opts.maxOps ?? 4 });
}

/** Adds a readable toString to a generated case, so fast-check's report shows the mutations. */
export function labelled<T extends object>(c: T, text: string): T {
  Object.defineProperty(c, fc.toStringMethod, { value: () => text, enumerable: false });
  return c;
}

/** Byte ranges around every occurrence of `needle` in `hay` (e.g. a dataspace's dims), padded. */
export function occurrences(hay: Uint8Array, needle: Uint8Array, pad = 0): [number, number][] {
  const out: [number, number][] = [];
  const b = Buffer.from(hay.buffer, hay.byteOffset, hay.byteLength);
  for (let i = b.indexOf(needle); i >= 0; i = b.indexOf(needle, i + 1)) out.push([Math.max(0, i - pad), i + needle.length + pad]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// JSON mutations (split.json, meta.json, labeled.json, checkpoint.json, data.packed's header)

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export type JsonEdit =
  | { op: 'replace'; path: number[]; value: Json }
  | { op: 'delete'; path: number[] }
  | { op: 'add'; path: number[]; key: string; value: Json };

/** Odd values for a JSON position: wrong types, extremes, traversal strings, deep nesting. */
export const ODD_JSON: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, -1, 1.5, 1e308, -1e308, 2 ** 53, 1e12, '', '..', '../../etc/passwd', 'a\nb', '\u0000', '__proto__', [], {}, [null], { length: 1e12 }),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
  fc.integer({ min: 1, max: 200 }).map((d) => { let v: Json = 0; for (let i = 0; i < d; i++) v = [v]; return v; }),
);

/** Keys added to objects: prototype names, the names the readers look up, paths out of a folder. */
const ODD_KEYS = ['__proto__', 'constructor', 'ids', 'train', 'test', 'classNames', 'files', 'x', '', '..', '../state.pt', '/etc/passwd', '../../../../../../../../dev/zero', 'a\nb'];

function children(v: Json): [string | number, Json][] {
  if (Array.isArray(v)) return v.map((x, i) => [i, x]);
  if (v && typeof v === 'object') return Object.entries(v);
  return [];
}

/** Follows `path` (each step an index taken modulo the node's child count); the node and its parent link. */
function walk(root: Json, p: number[]): { node: Json; parent?: Json; key?: string | number } {
  let node = root, parent: Json | undefined, key: string | number | undefined;
  for (const step of p) {
    const kids = children(node);
    if (kids.length === 0) break;
    [key] = kids[step % kids.length];
    parent = node;
    node = kids[step % kids.length][1];
  }
  return { node, parent, key };
}

export function jsonEditArb(): fc.Arbitrary<JsonEdit> {
  const p = fc.array(fc.nat({ max: 1 << 20 }), { maxLength: 4 });
  return fc.oneof(
    fc.record({ op: fc.constant('replace' as const), path: p, value: ODD_JSON }),
    fc.record({ op: fc.constant('delete' as const), path: p }),
    fc.record({ op: fc.constant('add' as const), path: p, key: fc.constantFrom(...ODD_KEYS), value: ODD_JSON }),
  );
}

export function applyJsonEdits(value: unknown, edits: JsonEdit[]): unknown {
  let root = structuredClone(value) as Json;
  for (const e of edits) {
    const { node, parent, key } = walk(root, e.path);
    if (e.op === 'replace') {
      if (parent === undefined) root = structuredClone(e.value);
      else (parent as Record<string | number, Json>)[key!] = structuredClone(e.value);
    } else if (e.op === 'delete') {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else if (parent && typeof parent === 'object') delete (parent as Record<string, Json>)[key as string];
    } else if (node && typeof node === 'object' && !Array.isArray(node)) {
      Object.defineProperty(node, e.key, { value: structuredClone(e.value), enumerable: true, writable: true, configurable: true });
    } else if (Array.isArray(node)) {
      node.push(structuredClone(e.value));
    }
  }
  return root;
}

export const JSON_TOKENS = ['"', '[', ']', '{', '}', ',', ':', 'null', '1e999', '-1', '"__proto__"', '\n', '\\u0000', '\uFEFF', '0'.repeat(400)];

/**
 * A JSON file's bytes, mutated either structurally (a subtree replaced by an odd value, deleted or
 * added; then serialised) or as bytes (mostly not JSON any more).
 */
export function jsonFileArb(seed: unknown): fc.Arbitrary<{ bytes: Uint8Array; what: string }> {
  const text = Buffer.from(JSON.stringify(seed, null, 1));
  return fc.oneof(
    { weight: 3, arbitrary: fc.array(jsonEditArb(), { minLength: 1, maxLength: 3 }).map((edits) => {
      const v = applyJsonEdits(seed, edits);
      return { bytes: new Uint8Array(Buffer.from(JSON.stringify(v) ?? 'null')), what: `json edits ${JSON.stringify(edits).slice(0, 400)}` };
    }) },
    { weight: 1, arbitrary: opsArb(text.length, { hot: [[0, text.length]], dictionary: JSON_TOKENS }).map((ops) => ({ bytes: applyMutations(text, ops), what: `bytes ${describeOps(ops)}` })) },
  );
}

// ---------------------------------------------------------------------------------------------
// The sandbox: a child process that runs targets (targets.ts) on inputs

/** The sandbox's memory after a case: peak RSS against its idle peak, external (ArrayBuffer) memory against before the case. */
export interface Mem { rssMiB: number; maxRssMiB: number; externalMiB: number; baseMaxRssMiB: number; baseExternalMiB: number }

export type Outcome =
  | { kind: 'ok'; value: unknown; mem: Mem; ms: number; dir: string }
  | { kind: 'error'; isError: boolean; name: string; message: string; stack?: string; mem: Mem; ms: number; dir: string }
  | { kind: 'crash'; code: number | null; signal: string | null; stderr: string }
  | { kind: 'hang'; ms: number; stderr: string };

export interface Input {
  /** The bytes handed to a reader that takes a buffer. */
  bytes?: Uint8Array;
  /** Files written into a fresh folder before the call (readers that take paths). */
  files?: Record<string, Uint8Array>;
  /** The name passed to the reader as the file it reads (errors must contain it). */
  name?: string;
  args?: unknown;
}

/** An input as sent to the sandbox: large byte arrays replaced by files it reads. */
export interface SpilledInput extends Input { bytesFile?: string; fileCopies?: Record<string, string> }

export class Sandbox {
  private child?: ChildProcess;
  private ready?: Promise<ChildProcess>;
  private stderr = '';
  private seq = 0;
  /** Cases in which the child died or hung (it is restarted for the next case). */
  restarts = 0;

  private spillDir?: string;
  /** The children's folders: removed at close, also those of children killed for hanging. */
  private readonly roots: string[] = [];

  /** `h5wasm`: load the WebAssembly HDF5 library before the idle memory level is taken (targets that read or write HDF5). */
  constructor(private readonly opts: { h5wasm?: boolean; heapMiB?: number } = {}) {}

  /** Large inputs go through files: a pipe moves hundreds of KiB slowly on a busy machine. */
  private spill(input: Input): SpilledInput {
    const big = (b?: Uint8Array): boolean => b !== undefined && b.length >= 64 * 1024;
    if (!big(input.bytes) && !Object.values(input.files ?? {}).some(big)) return input;
    this.spillDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'ssgan-fuzz-in-'));
    const out: SpilledInput = { ...input, files: {}, fileCopies: {} };
    if (big(input.bytes)) {
      out.bytes = undefined;
      out.bytesFile = path.join(this.spillDir, 'input.bin');
      fs.writeFileSync(out.bytesFile, input.bytes!);
    }
    for (const [name, b] of Object.entries(input.files ?? {})) {
      if (!big(b)) { out.files![name] = b; continue; }
      out.fileCopies![name] = path.join(this.spillDir, `file-${Object.keys(out.fileCopies!).length}`);
      fs.writeFileSync(out.fileCopies![name], b);
    }
    return out;
  }

  private start(): Promise<ChildProcess> {
    this.stderr = '';
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ssgan-fuzz-'));
    this.roots.push(root);
    const child = fork(path.join(__dirname, 'child.js'), [`--root=${root}`, ...(this.opts.h5wasm ? ['--h5wasm'] : [])], {
      execArgv: ['--expose-gc', `--max-old-space-size=${this.opts.heapMiB ?? 1024}`, ...(process.env.SSGAN_FUZZ_PROF ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.SSGAN_FUZZ_PROF] : [])],
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => { this.stderr = (this.stderr + s).slice(-4000); });
    this.child = child;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`fuzz sandbox did not start within 60 s: ${this.stderr}`)); }, 60_000);
      child.once('message', (m: { ready?: boolean }) => { if (m.ready) { clearTimeout(timer); resolve(child); } });
      child.once('exit', (code, signal) => { clearTimeout(timer); reject(new Error(`fuzz sandbox exited at start (${code ?? signal}): ${this.stderr}`)); });
    });
  }

  private ensure(): Promise<ChildProcess> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) this.ready = this.start();
    return this.ready!;
  }

  async run(target: string, input: Input, timeoutMs = CASE_TIMEOUT_MS): Promise<Outcome> {
    const child = await this.ensure();
    const id = ++this.seq;
    const t0 = Date.now();
    return new Promise<Outcome>((resolve) => {
      const done = (o: Outcome, dead: boolean): void => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (dead) { this.restarts++; this.child = undefined; }
        resolve(o);
      };
      const onMessage = (m: { id: number; outcome: Outcome }): void => { if (m.id === id) done(m.outcome, false); };
      const onExit = (code: number | null, signal: string | null): void => {
        setTimeout(() => done({ kind: 'crash', code, signal, stderr: this.stderr }, true), 50); // let stderr drain
      };
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        done({ kind: 'hang', ms: Date.now() - t0, stderr: this.stderr }, true);
      }, timeoutMs);
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send({ id, target, input: this.spill(input) });
    });
  }

  close(): void {
    if (this.spillDir) fs.rmSync(this.spillDir, { recursive: true, force: true });
    const roots = this.roots.splice(0);
    const removeRoots = (): void => { for (const r of roots) fs.rmSync(r, { recursive: true, force: true }); };
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) { removeRoots(); return; }
    child.once('exit', removeRoots);
    if (child.connected) child.disconnect(); // the sandbox exits when its channel closes
    setTimeout(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); }, 5000).unref();
  }
}

// ---------------------------------------------------------------------------------------------
// The rule every case is held to

export interface Bounds {
  /** Peak resident memory the child may reach above its idle level, MiB. */
  memMiB: number;
}

export class Stats {
  cases = 0; ok = 0; errors = 0; ms = 0;
  readonly messages = new Map<string, number>();
  line(name: string): string {
    const top = [...this.messages.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([m, n]) => `${n}x ${m}`).join(' | ');
    return `${name}: ${this.cases} cases, ${this.ok} read, ${this.errors} refused with a one-line error, ${(this.ms / 1000).toFixed(1)} s; most common: ${top}`;
  }
}

function saveFailure(target: string, input: Input, why: string): string {
  const dir = path.join(os.tmpdir(), 'ssgan-fuzz-failures', `${target}-${crypto.randomBytes(4).toString('hex')}`);
  fs.mkdirSync(dir, { recursive: true });
  if (input.bytes) fs.writeFileSync(path.join(dir, 'input.bin'), input.bytes);
  for (const [n, b] of Object.entries(input.files ?? {})) fs.writeFileSync(path.join(dir, n.replace(/[/\\]/g, '_')), b);
  fs.writeFileSync(path.join(dir, 'why.txt'), `${why}\nname: ${input.name}\nargs: ${JSON.stringify(input.args)}\n`);
  return dir;
}

/** Where a file name given to assertAllowed says `{case}`, the sandbox's folder for the case is meant. */
export const CASE_DIR = '{case}';

/** Throws unless `o` is an allowed outcome: a result (checked by `check`) or a one-line Error naming `file`. */
export function assertAllowed(o: Outcome, file: string, bounds: Bounds, check?: (value: any) => void): void {
  if (o.kind === 'hang') throw new Error(`hang: no answer within ${o.ms} ms; stderr: ${o.stderr.slice(-500)}`);
  if (o.kind === 'crash') throw new Error(`crash: the process died (${o.signal ?? `exit code ${o.code}`}); stderr: ${o.stderr.slice(-1500)}`);
  const grew = Math.max(o.mem.maxRssMiB - o.mem.baseMaxRssMiB, o.mem.externalMiB - o.mem.baseExternalMiB);
  if (grew > bounds.memMiB) throw new Error(`memory: grew by ${grew.toFixed(0)} MiB, over the ${bounds.memMiB} MiB bound`);
  if (o.ms > CASE_TIMEOUT_MS) throw new Error(`slow: ${o.ms} ms`);
  if (o.kind === 'error') {
    file = file.replace(CASE_DIR, o.dir);
    if (!o.isError) throw new Error(`threw a non-Error: ${o.message}`);
    if (o.message.includes('\n')) throw new Error(`multi-line error message: ${JSON.stringify(o.message.slice(0, 600))}`);
    if (!o.message.includes(file)) throw new Error(`error does not name the file ${file}: ${o.name}: ${o.message}\n${o.stack}`);
    return;
  }
  check?.(o.value);
}

export interface FuzzSpec<C> {
  sandbox: Sandbox;
  target: string;
  arb: fc.Arbitrary<C>;
  input: (c: C) => Input;
  /** The name a refusal must contain (default: input.name). */
  file?: (c: C, input: Input) => string;
  check?: (c: C, value: any) => void;
  /** When known: whether a correct reader reads this case or refuses it. */
  expect?: (c: C) => 'read' | 'refuse' | undefined;
  bounds?: Bounds;
  runs?: number;
}

/** Runs the property; returns what happened (for the per-reader summary line). */
export async function fuzz<C>(spec: FuzzSpec<C>): Promise<Stats> {
  const stats = new Stats();
  const bounds = spec.bounds ?? { memMiB: 512 };
  await fc.assert(fc.asyncProperty(spec.arb, async (c) => {
    const input = spec.input(c);
    const file = spec.file ? spec.file(c, input) : input.name!;
    const o = await spec.sandbox.run(spec.target, input);
    stats.cases++;
    if (o.kind === 'ok' || o.kind === 'error') stats.ms += o.ms;
    if (o.kind === 'ok') stats.ok++;
    if (o.kind === 'error') {
      stats.errors++;
      const key = o.message.replace(file.replace(CASE_DIR, o.dir), '<file>').replace(/\d+/g, 'N').slice(0, 90);
      stats.messages.set(key, (stats.messages.get(key) ?? 0) + 1);
    }
    try {
      assertAllowed(o, file, bounds, spec.check && ((v) => spec.check!(c, v)));
      const expected = spec.expect?.(c);
      if (expected === 'read' && o.kind === 'error') throw new Error(`refused a valid input: ${o.message}`);
      if (expected === 'refuse' && o.kind === 'ok') throw new Error(`read an invalid input: ${JSON.stringify(o.value).slice(0, 300)}`);
    } catch (err) {
      const where = saveFailure(spec.target, input, (err as Error).message);
      throw new Error(`${(err as Error).message}\n(input saved in ${where})`);
    }
  }), { numRuns: spec.runs ?? RUNS, seed: SEED, includeErrorInReport: true, endOnFailure: process.env.SSGAN_FUZZ_SHRINK === undefined });
  return stats;
}

