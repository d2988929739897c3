// Writes the seed project's dataset file (one group per id holding `image` uint8 [H,W,C] and
// `label` one-hot bool [K]) directly in HDF5's original ("earliest") on-disk format, byte for byte
// the structures h5py 3 / HDF5 1.10 produce for that layout: superblock v0, symbol-table groups
// (v1 B-trees, local heaps, symbol nodes), v1 object headers and contiguous datasets.
//
// Why not h5wasm: its writer has no enum datatypes, and h5py stores bool as an enum of int8
// {FALSE=0, TRUE=1}; a file with uint8 labels would read back as uint8 in h5py, not bool. Writing
// the few structures ourselves also makes a 100k-group file take about a second instead of minutes.
// h5py and h5wasm read these files in the tests.
import * as fs from 'node:fs';
import { writeAll } from '../../util/atomic';

const LEAF_K = 4; // symbol-table node holds up to 2*LEAF_K entries (HDF5 default)
const INTERNAL_K = 16; // B-tree node holds up to 2*INTERNAL_K children (HDF5 default)
const UNDEF = -1; // the undefined address, all bytes 0xff
const HEAP_FREE_NULL = 1; // HDF5's "no free block" marker in local heaps

const SUPERBLOCK_SIZE = 96;
const GROUP_HEADER_SIZE = 16 + 8 + 16; // prefix + symbol-table message
const BTREE_SIZE = 24 + (2 * INTERNAL_K + 1) * 8 + 2 * INTERNAL_K * 8;
const SNOD_SIZE = 8 + 2 * LEAF_K * 40;
const HEAP_HEADER_SIZE = 32;

const pad8 = (n: number): number => (n + 7) & ~7;

/** Little-endian writer over one Buffer, with 64-bit fields written as two 32-bit halves. */
class Bytes {
  constructor(readonly buf: Buffer, public pos = 0) {}
  u8(v: number): this { this.buf[this.pos++] = v; return this; }
  u16(v: number): this { this.buf.writeUInt16LE(v, this.pos); this.pos += 2; return this; }
  u32(v: number): this { this.buf.writeUInt32LE(v >>> 0, this.pos); this.pos += 4; return this; }
  u64(v: number): this {
    if (v === UNDEF) { this.buf.fill(0xff, this.pos, this.pos + 8); this.pos += 8; return this; }
    this.buf.writeUInt32LE(v % 0x100000000, this.pos);
    this.buf.writeUInt32LE(Math.floor(v / 0x100000000), this.pos + 4);
    this.pos += 8;
    return this;
  }
  raw(b: Uint8Array): this { this.buf.set(b, this.pos); this.pos += b.length; return this; }
  zeros(n: number): this { this.buf.fill(0, this.pos, this.pos + n); this.pos += n; return this; }
  at(pos: number): this { this.pos = pos; return this; }
}

// ---- datatype message bodies, as h5py writes them ----
const UINT8_TYPE = Buffer.from('10000000010000000000080000000000', 'hex'); // fixed-point, unsigned, 1 byte (12 + 4 pad)
const BOOL_ENUM_TYPE = Buffer.from(
  '18020000' + '01000000' + // enum, version 1, 2 members, size 1
  '100800000100000000000800' + // base: signed 8-bit integer
  '46414c5345000000' + '5452554500000000' + // "FALSE", "TRUE" (NUL-padded to 8)
  '0001' + '0000', // values 0, 1 (+ pad to 40)
  'hex');
const FILL_VALUE = Buffer.from('0202020100000000', 'hex'); // v2, late alloc, fill if set, default value

function objectHeaderPrefix(b: Bytes, nMessages: number, bodySize: number): void {
  b.u8(1).u8(0).u16(nMessages).u32(1).u32(bodySize).zeros(4);
}
function messageHeader(b: Bytes, type: number, size: number, flags: number): Bytes {
  return b.u16(type).u16(size).u8(flags).zeros(3);
}

function datasetHeaderSize(ndims: number, typeBody: Buffer): number {
  return 16 + (8 + 8 + ndims * 16) + (8 + typeBody.length) + (8 + FILL_VALUE.length) + (8 + 24);
}

function writeDatasetHeader(b: Bytes, dims: number[], typeBody: Buffer, dataAddr: number, dataSize: number): void {
  const spaceBody = 8 + dims.length * 16;
  objectHeaderPrefix(b, 4, datasetHeaderSize(dims.length, typeBody) - 16);
  messageHeader(b, 0x1, spaceBody, 0); // dataspace v1, with max dims = dims
  b.u8(1).u8(dims.length).u8(1).u8(0).zeros(4);
  for (const d of dims) b.u64(d);
  for (const d of dims) b.u64(d);
  messageHeader(b, 0x3, typeBody.length, 1).raw(typeBody);
  messageHeader(b, 0x5, FILL_VALUE.length, 1).raw(FILL_VALUE);
  messageHeader(b, 0x8, 24, 0); // layout v3, contiguous
  b.u8(3).u8(1).u64(dataAddr).u64(dataSize).zeros(6);
}

function writeGroupHeader(b: Bytes, btreeAddr: number, heapAddr: number): void {
  objectHeaderPrefix(b, 1, 24);
  messageHeader(b, 0x11, 16, 0);
  b.u64(btreeAddr).u64(heapAddr);
}

function writeSymbolEntry(b: Bytes, nameOffset: number, headerAddr: number, stab?: { btree: number; heap: number }): void {
  b.u64(nameOffset).u64(headerAddr);
  if (stab) b.u32(1).u32(0).u64(stab.btree).u64(stab.heap);
  else b.u32(0).u32(0).zeros(16);
}

function writeLocalHeapHeader(b: Bytes, dataSize: number, dataAddr: number): void {
  b.raw(Buffer.from('HEAP')).u8(0).zeros(3).u64(dataSize).u64(HEAP_FREE_NULL).u64(dataAddr);
}

interface TreeNode { addr: number; leftKey: number; rightKey: number; children: number[]; keys: number[] }

/** Lays out the group B-tree over the symbol nodes: level 0 points at symbol nodes, level l at level l-1. */
function planBtree(snods: { addr: number; leftKey: number; rightKey: number }[], firstAddr: number): TreeNode[][] {
  const levels: TreeNode[][] = [];
  let below: { addr: number; leftKey: number; rightKey: number }[] = snods;
  let addr = firstAddr;
  do {
    const level: TreeNode[] = [];
    for (let i = 0; i < below.length; i += 2 * INTERNAL_K) {
      const kids = below.slice(i, i + 2 * INTERNAL_K);
      level.push({
        addr, leftKey: kids[0].leftKey, rightKey: kids[kids.length - 1].rightKey,
        children: kids.map((k) => k.addr), keys: [kids[0].leftKey, ...kids.map((k) => k.rightKey)],
      });
      addr += BTREE_SIZE;
    }
    levels.push(level);
    below = level;
  } while (below.length > 1);
  return levels;
}

function writeBtreeNode(b: Bytes, level: number, node: TreeNode, left: number, right: number): void {
  const start = b.pos;
  b.raw(Buffer.from('TREE')).u8(0).u8(level).u16(node.children.length).u64(left).u64(right);
  for (let i = 0; i < node.children.length; i++) b.u64(node.keys[i]).u64(node.children[i]);
  b.u64(node.keys[node.children.length]);
  b.zeros(start + BTREE_SIZE - b.pos);
}

export interface SeedFileContent {
  count: number;
  h: number; w: number; c: number; k: number;
  images: Uint8Array; // count*h*w*c, NHWC
  labels: Int32Array; // count, 0..k-1
}

/** Writes `path` (not atomically: callers write to a temp name). Ids are "0".."count-1". */
export function writeSeedHdf5(path: string, d: SeedFileContent): void {
  const { count, h, w, c, k } = d;
  const imageBytes = h * w * c;
  // Names in HDF5's (strcmp) order; each lives in the root heap at a multiple of 8.
  const names = Array.from({ length: count }, (_, i) => String(i)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const nameOffset = new Float64Array(count); // by id
  let heapSize = 8; // offset 0 holds the empty string
  for (const name of names) { nameOffset[Number(name)] = heapSize; heapSize += pad8(name.length + 1); }

  const rootHeader = SUPERBLOCK_SIZE;
  const rootHeap = rootHeader + GROUP_HEADER_SIZE;
  const rootHeapData = rootHeap + HEAP_HEADER_SIZE;
  const snodStart = rootHeapData + heapSize;
  const nSnod = Math.ceil(count / (2 * LEAF_K));
  const snods = Array.from({ length: nSnod }, (_, j) => {
    const first = j * 2 * LEAF_K;
    const last = Math.min(count, first + 2 * LEAF_K) - 1;
    return { addr: snodStart + j * SNOD_SIZE, leftKey: j === 0 ? 0 : nameOffset[Number(names[first - 1])], rightKey: nameOffset[Number(names[last])] };
  });
  const levels = planBtree(snods, snodStart + nSnod * SNOD_SIZE);
  const nNodes = levels.reduce((s, l) => s + l.length, 0);
  const rootBtree = levels[levels.length - 1][0].addr;
  const groupsStart = snodStart + nSnod * SNOD_SIZE + nNodes * BTREE_SIZE;

  // Per-id block: group header, its B-tree, symbol node, heap, two dataset headers, then the data.
  const imageHeaderSize = datasetHeaderSize(3, UINT8_TYPE);
  const labelHeaderSize = datasetHeaderSize(1, BOOL_ENUM_TYPE);
  const o = { btree: GROUP_HEADER_SIZE } as Record<string, number>;
  o.snod = o.btree + BTREE_SIZE;
  o.heap = o.snod + SNOD_SIZE;
  o.heapData = o.heap + HEAP_HEADER_SIZE;
  o.imageHeader = o.heapData + 24;
  o.labelHeader = o.imageHeader + imageHeaderSize;
  o.imageData = o.labelHeader + labelHeaderSize;
  o.labelData = o.imageData + pad8(imageBytes);
  const blockSize = o.labelData + pad8(k);
  const groupAddr = (id: number): number => groupsStart + id * blockSize;
  const eof = groupsStart + count * blockSize;

  const fd = fs.openSync(path, 'w');
  try {
    // ---- root area ----
    const head = new Bytes(Buffer.alloc(groupsStart));
    head.raw(Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]));
    head.u8(0).u8(0).u8(0).u8(0).u8(0).u8(8).u8(8).u8(0).u16(LEAF_K).u16(INTERNAL_K).u32(0);
    head.u64(0).u64(UNDEF).u64(eof).u64(UNDEF);
    writeSymbolEntry(head, 0, rootHeader, { btree: rootBtree, heap: rootHeap });
    writeGroupHeader(head, rootBtree, rootHeap);
    writeLocalHeapHeader(head, heapSize, rootHeapData);
    head.zeros(8);
    for (const name of names) { head.raw(Buffer.from(name, 'latin1')); head.zeros(pad8(name.length + 1) - name.length); }
    for (let j = 0; j < nSnod; j++) {
      const start = head.pos;
      const members = names.slice(j * 2 * LEAF_K, (j + 1) * 2 * LEAF_K);
      head.raw(Buffer.from('SNOD')).u8(1).u8(0).u16(members.length);
      for (const name of members) {
        const id = Number(name);
        writeSymbolEntry(head, nameOffset[id], groupAddr(id), { btree: groupAddr(id) + o.btree, heap: groupAddr(id) + o.heap });
      }
      head.zeros(start + SNOD_SIZE - head.pos);
    }
    levels.forEach((level, l) => level.forEach((node, i) =>
      writeBtreeNode(head, l, node, i > 0 ? level[i - 1].addr : UNDEF, i + 1 < level.length ? level[i + 1].addr : UNDEF)));
    writeAll(fd, head.buf);

    // ---- per-id blocks, written in batches ----
    const perBatch = Math.max(1, Math.floor((4 << 20) / blockSize));
    const batch = new Bytes(Buffer.alloc(perBatch * blockSize));
    for (let first = 0; first < count; first += perBatch) {
      const n = Math.min(perBatch, count - first);
      batch.buf.fill(0, 0, n * blockSize);
      for (let j = 0; j < n; j++) {
        const id = first + j;
        const base = groupAddr(id);
        const at = j * blockSize;
        writeGroupHeader(batch.at(at), base + o.btree, base + o.heap);
        writeBtreeNode(batch.at(at + o.btree), 0, { addr: 0, leftKey: 0, rightKey: 16, children: [base + o.snod], keys: [0, 16] }, UNDEF, UNDEF);
        batch.at(at + o.snod).raw(Buffer.from('SNOD')).u8(1).u8(0).u16(2);
        writeSymbolEntry(batch, 8, base + o.imageHeader);
        writeSymbolEntry(batch, 16, base + o.labelHeader);
        writeLocalHeapHeader(batch.at(at + o.heap), 24, base + o.heapData);
        batch.zeros(8).raw(Buffer.from('image\0\0\0label\0\0\0', 'latin1'));
        writeDatasetHeader(batch.at(at + o.imageHeader), [h, w, c], UINT8_TYPE, base + o.imageData, imageBytes);
        writeDatasetHeader(batch.at(at + o.labelHeader), [k], BOOL_ENUM_TYPE, base + o.labelData, k);
        batch.buf.set(d.images.subarray(id * imageBytes, (id + 1) * imageBytes), at + o.imageData);
        batch.buf[at + o.labelData + d.labels[id]] = 1;
      }
      writeAll(fd, batch.buf.subarray(0, n * blockSize));
    }
  } finally {
    fs.closeSync(fd);
  }
}
