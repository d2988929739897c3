/**
 * A small accumulator for an ONNX graph: nodes, initializers and unique tensor names, plus the
 * attribute/tensor encodings the exporter needs. Knows nothing about ssgan's layers.
 */
import { onnx } from 'onnx-proto';

export type AttrValue = number | number[] | string;
/** Attribute values: an int/float is told apart by `ints`/`floats` so 0.2 is never truncated. */
export interface Attrs { [name: string]: AttrValue | { float: number } | { floats: number[] } }

const AT = onnx.AttributeProto.AttributeType;
const DT = onnx.TensorProto.DataType;

function attribute(name: string, v: Attrs[string]): onnx.IAttributeProto {
  if (typeof v === 'string') return { name, type: AT.STRING, s: Buffer.from(v, 'utf8') };
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`attribute ${name}=${v}: pass non-integers as { float }`);
    return { name, type: AT.INT, i: v };
  }
  if (Array.isArray(v)) return { name, type: AT.INTS, ints: v };
  if ('float' in v) return { name, type: AT.FLOAT, f: v.float };
  return { name, type: AT.FLOATS, floats: v.floats };
}

/** A float32 tensor stored as raw little-endian bytes (the layout Float32Array has on x86/ARM). */
export function floatTensor(name: string, dims: number[], data: Float32Array): onnx.ITensorProto {
  const n = dims.reduce((a, b) => a * b, 1);
  if (n !== data.length) throw new Error(`tensor ${name}: shape [${dims}] needs ${n} values, got ${data.length}`);
  return { name, dims, dataType: DT.FLOAT, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

export function int64Tensor(name: string, values: number[]): onnx.ITensorProto {
  return { name, dims: [values.length], dataType: DT.INT64, int64Data: values };
}

/** Graph input/output declaration; a string dim is symbolic (e.g. 'batch'). */
export function valueInfo(name: string, elemType: onnx.TensorProto.DataType, dims: (number | string)[]): onnx.IValueInfoProto {
  const dim = dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d }));
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

export class GraphBuilder {
  readonly nodes: onnx.INodeProto[] = [];
  readonly initializers: onnx.ITensorProto[] = [];
  private used = new Set<string>();
  private counter = 0;

  /** `prefix` keeps tensor names readable in tools like Netron: D/3_conv, G/7_resize, ... */
  constructor(private prefix: string) {}

  /** A tensor name not used so far (reserved by the node or initializer that takes it). */
  fresh(hint: string): string {
    let name = `${this.prefix}/${this.counter++}_${hint}`;
    while (this.used.has(name)) name += '_';
    return name;
  }

  /** Adds a node with one output and returns that output's name. */
  node(opType: string, inputs: string[], attrs: Attrs = {}, output?: string): string {
    const out = output ?? this.fresh(opType.toLowerCase());
    if (this.used.has(out)) throw new Error(`tensor name ${out} is produced twice`);
    this.used.add(out);
    const attribute_ = Object.entries(attrs).map(([k, v]) => attribute(k, v));
    this.nodes.push({ opType, input: inputs, output: [out], name: out, attribute: attribute_ });
    return out;
  }

  initializer(t: onnx.ITensorProto): string {
    if (!t.name || this.used.has(t.name)) throw new Error(`initializer name ${t.name} is missing or used twice`);
    this.used.add(t.name);
    this.initializers.push(t);
    return t.name;
  }

  /** A float constant (scalar when `dims` is []), stored as an initializer. */
  constFloat(hint: string, values: number[], dims: number[] = [values.length]): string {
    return this.initializer(floatTensor(this.fresh(hint), dims, Float32Array.from(values)));
  }

  constInt64(hint: string, values: number[]): string {
    return this.initializer(int64Tensor(this.fresh(hint), values));
  }
}
