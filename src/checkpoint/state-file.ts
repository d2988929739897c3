/**
 * The network tensors of a state.pt, read without libtorch. state.pt is libtorch's archive (what
 * torch::serialize::OutputArchive writes): a zip of stored (uncompressed) records, a pickled module
 * whose attributes name the tensors, and one record of raw little-endian values per tensor storage.
 * Inference needs only the networks' tensors, so this reads the zip's directory, the pickle and
 * those records: neither the 0.9 s of loading libtorch nor the optimiser moments that make up most
 * of the file. Every record read is checked against its CRC-32, as libtorch checks it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as zlib from 'node:zlib';
import type { Weights } from '../native/addon';

interface ZipEntry { offset: number; size: number; method: number; crc: number }

class Unreadable extends Error {}

const u16 = (b: Buffer, at: number): number => b.readUInt16LE(at);
const u32 = (b: Buffer, at: number): number => b.readUInt32LE(at);
function u64(b: Buffer, at: number): number {
  const v = b.readBigUInt64LE(at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Unreadable('a zip offset beyond 2^53');
  return Number(v);
}

function readAt(fd: number, position: number, length: number, fileSize: number, into?: Uint8Array): Buffer {
  if (position < 0 || length < 0 || position + length > fileSize) throw new Unreadable(`a record at ${position} (${length} bytes) beyond the end of the file (${fileSize} bytes)`);
  const buf = into ? Buffer.from(into.buffer, into.byteOffset, length) : Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, done, length - done, position + done);
    if (n === 0) throw new Unreadable('the file ended while reading it');
    done += n;
  }
  return buf;
}

/** The zip's central directory: record name -> where its data starts, its size and CRC. */
function readDirectory(fd: number, size: number): Map<string, ZipEntry> {
  // The end-of-directory record: 22 bytes and a comment of up to 64 KiB, at the end.
  const tailLength = Math.min(size, 22 + 0xffff);
  const tail = readAt(fd, size - tailLength, tailLength, size);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) if (u32(tail, i) === 0x06054b50) { eocd = i; break; }
  if (eocd < 0) throw new Unreadable('not a zip archive (no end-of-directory record)');
  let count = u16(tail, eocd + 10);
  let dirSize = u32(tail, eocd + 12);
  let dirOffset = u32(tail, eocd + 16);
  if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) {
    // Zip64 (libtorch writes it): the locator just before points at the zip64 end record.
    const at = size - tailLength + eocd - 20;
    if (at < 0) throw new Unreadable('no zip64 end-of-directory locator');
    const locator = readAt(fd, at, 20, size);
    if (u32(locator, 0) !== 0x07064b50) throw new Unreadable('no zip64 end-of-directory locator');
    const end = readAt(fd, u64(locator, 8), 56, size);
    if (u32(end, 0) !== 0x06064b50) throw new Unreadable('no zip64 end-of-directory record');
    count = u64(end, 32);
    dirSize = u64(end, 40);
    dirOffset = u64(end, 48);
  }
  const dir = readAt(fd, dirOffset, dirSize, size);
  const entries = new Map<string, ZipEntry>();
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > dir.length || u32(dir, p) !== 0x02014b50) throw new Unreadable('a damaged zip directory');
    const method = u16(dir, p + 10);
    const crc = u32(dir, p + 16);
    let stored = u32(dir, p + 20);
    let sizeOf = u32(dir, p + 24);
    const nameLength = u16(dir, p + 28), extraLength = u16(dir, p + 30), commentLength = u16(dir, p + 32);
    let offset = u32(dir, p + 42);
    if (p + 46 + nameLength + extraLength > dir.length) throw new Unreadable('a damaged zip directory');
    const name = dir.toString('utf8', p + 46, p + 46 + nameLength);
    // Zip64 extra field: the 64-bit values of the fields that hold 0xffffffff, in this order.
    for (let e = p + 46 + nameLength; e + 4 <= p + 46 + nameLength + extraLength;) {
      const id = u16(dir, e), length = u16(dir, e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        const next = (): number => { if (q + 8 > e + 4 + length) throw new Unreadable('a damaged zip64 field'); const v = u64(dir, q); q += 8; return v; };
        if (sizeOf === 0xffffffff) sizeOf = next();
        if (stored === 0xffffffff) stored = next();
        if (offset === 0xffffffff) offset = next();
      }
      e += 4 + length;
    }
    entries.set(name, { offset, size: sizeOf, method, crc });
    if (stored !== sizeOf && method === 0) throw new Unreadable(`record ${name}: stored ${stored} bytes of ${sizeOf}`);
    p += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** A record's bytes, read into `into` when given (its length is the record's size). */
function readRecord(fd: number, size: number, name: string, e: ZipEntry, into?: Uint8Array): Buffer {
  if (e.method !== 0) throw new Unreadable(`record ${name} is compressed (libtorch stores them as they are)`);
  const local = readAt(fd, e.offset, 30, size);
  if (u32(local, 0) !== 0x04034b50) throw new Unreadable(`record ${name}: no local header`);
  const data = readAt(fd, e.offset + 30 + u16(local, 26) + u16(local, 28), e.size, size, into);
  if ((zlib.crc32(data) >>> 0) !== e.crc) throw new Unreadable(`record ${name}: CRC-32 mismatch`);
  return data;
}

// ---- The pickle: the opcodes libtorch's pickler writes (protocol 2), nothing executed. ----

class Global { constructor(readonly name: string) {} }
class Instance { state: unknown; constructor(readonly cls: Global) {} }
class Mark {}
class Storage { constructor(readonly dtype: string, readonly key: string, readonly numel: number) {} }
interface TensorRef { storage: Storage; offset: number; shape: number[]; stride: number[] }
class TensorValue { constructor(readonly ref: TensorRef) {} }

const count = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
const counts = (x: unknown): x is number[] => Array.isArray(x) && x.every(count);

function storageOf(pid: unknown): Storage {
  if (!Array.isArray(pid) || pid[0] !== 'storage' || !(pid[1] instanceof Global) || typeof pid[2] !== 'string' || !count(pid[4])) throw new Unreadable('a tensor storage that is not (storage, type, key, location, size)');
  return new Storage(pid[1].name, pid[2], pid[4]);
}

function rebuildTensor(args: unknown): TensorValue {
  if (!Array.isArray(args) || !(args[0] instanceof Storage) || !count(args[1]) || !counts(args[2]) || !counts(args[3])) throw new Unreadable('a tensor that is not (storage, offset, size, stride)');
  return new TensorValue({ storage: args[0], offset: args[1], shape: args[2], stride: args[3] });
}

/** The pickled object: modules as Instance (state: a Map of attributes), tensors as TensorValue. */
function unpickle(b: Buffer): unknown {
  const stack: unknown[] = [];
  const memo: unknown[] = [];
  let p = 0;
  const need = (n: number): number => {
    if (p + n > b.length) throw new Unreadable('the pickle ends early');
    const at = p;
    p += n;
    return at;
  };
  const pop = (): unknown => {
    if (stack.length === 0 || stack[stack.length - 1] instanceof Mark) throw new Unreadable('the pickle pops an empty stack');
    return stack.pop();
  };
  const popMark = (): unknown[] => {
    let i = stack.length - 1;
    while (i >= 0 && !(stack[i] instanceof Mark)) i--;
    if (i < 0) throw new Unreadable('the pickle has no mark');
    const items = stack.slice(i + 1);
    stack.length = i;
    return items;
  };
  const line = (): string => {
    const end = b.indexOf(0x0a, p);
    if (end < 0) throw new Unreadable('the pickle ends early');
    const s = b.toString('utf8', p, end);
    p = end + 1;
    return s;
  };
  const get = (i: number): unknown => {
    if (!(i in memo)) throw new Unreadable(`the pickle reads memo ${i} before writing it`);
    return memo[i];
  };
  const top = (): unknown => (stack.length ? stack[stack.length - 1] : undefined);
  const setItems = (dict: unknown, items: unknown[]): void => {
    if (!(dict instanceof Map) || items.length % 2) throw new Unreadable('the pickle sets items of something not a dict');
    for (let i = 0; i < items.length; i += 2) dict.set(items[i], items[i + 1]);
  };
  for (;;) {
    const op = b[need(1)];
    switch (op) {
      case 0x80: need(1); break; // PROTO
      case 0x2e: return pop(); // STOP
      case 0x28: stack.push(new Mark()); break; // MARK
      case 0x63: { const module = line(); stack.push(new Global(`${module} ${line()}`)); break; } // GLOBAL
      case 0x71: memo[b[need(1)]] = top(); break; // BINPUT
      case 0x72: memo[u32(b, need(4))] = top(); break; // LONG_BINPUT
      case 0x68: stack.push(get(b[need(1)])); break; // BINGET
      case 0x6a: stack.push(get(u32(b, need(4)))); break; // LONG_BINGET
      case 0x29: stack.push([]); break; // EMPTY_TUPLE
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x74: stack.push(popMark()); break; // TUPLE
      case 0x85: stack.push([pop()]); break; // TUPLE1
      case 0x86: { const y = pop(); stack.push([pop(), y]); break; } // TUPLE2
      case 0x87: { const z = pop(), y = pop(); stack.push([pop(), y, z]); break; } // TUPLE3
      case 0x61: { const v = pop(); const l = top(); if (!Array.isArray(l)) throw new Unreadable('the pickle appends to something not a list'); l.push(v); break; } // APPEND
      case 0x65: { const items = popMark(); const l = top(); if (!Array.isArray(l)) throw new Unreadable('the pickle appends to something not a list'); l.push(...items); break; } // APPENDS
      case 0x73: { const v = pop(), k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; } // SETITEMS
      case 0x58: { const n = u32(b, need(4)); stack.push(b.toString('utf8', need(n), p)); break; } // BINUNICODE
      case 0x8c: { const n = b[need(1)]; stack.push(b.toString('utf8', need(n), p)); break; } // SHORT_BINUNICODE
      case 0x4a: stack.push(b.readInt32LE(need(4))); break; // BININT
      case 0x4b: stack.push(b[need(1)]); break; // BININT1
      case 0x4d: stack.push(u16(b, need(2))); break; // BININT2
      case 0x8a: { // LONG1
        const n = b[need(1)];
        const at = need(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[at + i]);
        if (n > 0 && b[at + n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x47: stack.push(b.readDoubleBE(need(8))); break; // BINFLOAT
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4e: stack.push(null); break; // NONE
      case 0x51: stack.push(storageOf(pop())); break; // BINPERSID
      case 0x81: { // NEWOBJ
        pop();
        const cls = pop();
        if (!(cls instanceof Global)) throw new Unreadable('the pickle instantiates something not a class');
        stack.push(new Instance(cls));
        break;
      }
      case 0x52: { // REDUCE: only the two calls a tensor needs
        const args = pop(), fn = pop();
        const name = fn instanceof Global ? fn.name : '?';
        if (name === 'torch._utils _rebuild_tensor_v2') stack.push(rebuildTensor(args));
        else if (name === 'collections OrderedDict') stack.push(new Map());
        else throw new Unreadable(`the pickle calls ${name}`);
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        const o = top();
        if (!(o instanceof Instance)) throw new Unreadable('the pickle builds something not an object');
        o.state = state;
        break;
      }
      default:
        throw new Unreadable(`pickle opcode 0x${op.toString(16)} at byte ${p - 1}`);
    }
  }
}

function contiguous(shape: number[], stride: number[]): boolean {
  if (shape.length !== stride.length) return false;
  let step = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== step) return false;
    step *= shape[d];
  }
  return true;
}

/**
 * The float tensors of `file` whose names `want` accepts, as copies. The module's own attributes
 * only (a checkpoint keeps its optimisers in nested modules). Throws an Error naming the file.
 */
export function readStateTensors(file: string, want: (name: string) => boolean): Weights {
  if (os.endianness() !== 'LE') throw new Error(`${file}: reading a checkpoint without libtorch needs a little-endian machine`);
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw new Error(`${file}: cannot read the checkpoint's state: ${(e as Error).message}`);
  }
  try {
    const size = fs.fstatSync(fd).size;
    const entries = readDirectory(fd, size);
    const pkl = [...entries.keys()].find((n) => /^[^/]+\/data\.pkl$/.test(n));
    if (!pkl) throw new Unreadable('no data.pkl record');
    const prefix = pkl.slice(0, -'data.pkl'.length);
    const root = unpickle(readRecord(fd, size, pkl, entries.get(pkl)!));
    if (!(root instanceof Instance) || !(root.state instanceof Map)) throw new Unreadable('the pickle holds no module');
    const out: Weights = {};
    for (const [name, value] of root.state as Map<unknown, unknown>) {
      if (typeof name !== 'string' || !(value instanceof TensorValue) || !want(name)) continue;
      const { storage, offset, shape, stride } = value.ref;
      if (storage.dtype !== 'torch FloatStorage') throw new Unreadable(`tensor ${name} is ${storage.dtype}, not float32`);
      const numel = shape.reduce((a, d) => a * d, 1);
      if (!contiguous(shape, stride) || offset + numel > storage.numel) throw new Unreadable(`tensor ${name} is not a contiguous part of its storage`);
      const record = `${prefix}data/${storage.key}`;
      const entry = entries.get(record);
      if (!entry) throw new Unreadable(`no record ${record} for tensor ${name}`);
      if (entry.size !== storage.numel * 4) throw new Unreadable(`record ${record} holds ${entry.size} bytes for ${storage.numel} floats`);
      // Read straight into the tensor's array when the tensor is its whole storage (always, as written).
      const whole = offset === 0 && numel === storage.numel;
      const data = new Float32Array(whole ? numel : storage.numel);
      readRecord(fd, size, record, entry, new Uint8Array(data.buffer));
      out[name] = { shape, data: whole ? data : data.slice(offset, offset + numel) };
    }
    return out;
  } catch (e) {
    if (e instanceof Unreadable || e instanceof RangeError) throw new Error(`${file}: not a checkpoint state this version reads (${e.message})`);
    throw e;
  } finally {
    fs.closeSync(fd);
  }
}
