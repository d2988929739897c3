/**
 * Float64 matrix products for the score metrics, run by onnxruntime (its BLAS-class GEMM): a
 * kernel inception distance is ~2e10 multiply-adds for 100 subsets of 1,000 (30x what plain
 * JavaScript does within the time budget), and a covariance of wide features (2,048 for
 * Inception-style extractors) ~4e10. Everything stays in double precision.
 */
import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { IR_VERSION, OPSET } from '../export/onnx-graph';
import { ortSessionOptions } from '../eval/onnx-session';
import { valueInfo } from '../export/graph-builder';

const DOUBLE = onnx.TensorProto.DataType.DOUBLE;

type Node = onnx.INodeProto;
const node = (opType: string, input: string[], output: string, attribute: onnx.IAttributeProto[] = []): Node => ({ opType, input, output: [output], name: output, attribute });
const perm10: onnx.IAttributeProto = { name: 'perm', type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 0] };
const noKeep: onnx.IAttributeProto = { name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 };

function model(nodes: Node[], inputs: onnx.IValueInfoProto[], outputs: onnx.IValueInfoProto[], initializer: onnx.ITensorProto[] = []): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'ssgan-score',
    graph: { name: 'score_linalg', node: nodes, input: inputs, output: outputs, initializer },
  })).finish();
}

/** sum over all pairs (i, j) of (a_i . b_j * scale + 1)^3. */
function kernelSumModel(): Uint8Array {
  const one: onnx.ITensorProto = { name: 'one', dims: [], dataType: DOUBLE, doubleData: [1] };
  return model([
    node('Transpose', ['b'], 'bt', [perm10]),
    node('MatMul', ['a', 'bt'], 'dot'),
    node('Mul', ['dot', 'scale'], 'scaled'),
    node('Add', ['scaled', 'one'], 'base'),
    node('Mul', ['base', 'base'], 'sq'),
    node('Mul', ['sq', 'base'], 'cube'),
    node('ReduceSum', ['cube'], 'sum', [noKeep]),
  ], [valueInfo('a', DOUBLE, ['m', 'd']), valueInfo('b', DOUBLE, ['p', 'd']), valueInfo('scale', DOUBLE, [])], [valueInfo('sum', DOUBLE, [])], [one]);
}

/** x^T x for x [n, d]. */
function crossModel(): Uint8Array {
  return model([node('Transpose', ['x'], 'xt', [perm10]), node('MatMul', ['xt', 'x'], 'xtx')],
    [valueInfo('x', DOUBLE, ['n', 'd'])], [valueInfo('xtx', DOUBLE, ['d', 'd'])]);
}

/** Sessions for the two products; `threads` intra-op threads (onnxruntime's default when omitted). */
export class Float64Ops {
  private constructor(private kernel: ort.InferenceSession, private cross: ort.InferenceSession) {}

  static async open(threads?: number): Promise<Float64Ops> {
    const opts = ortSessionOptions({ threads, spinning: false });
    return new Float64Ops(await ort.InferenceSession.create(kernelSumModel(), opts), await ort.InferenceSession.create(crossModel(), opts));
  }

  /** sum over all pairs of rows of k(a_i, b_j) = (a_i . b_j / d + 1)^3: a [m, d], b [p, d], row-major. */
  async kernelSum(a: Float64Array, m: number, b: Float64Array, p: number, d: number): Promise<number> {
    const out = await this.kernel.run({
      a: new ort.Tensor('float64', a, [m, d]),
      b: new ort.Tensor('float64', b, [p, d]),
      scale: new ort.Tensor('float64', Float64Array.of(1 / d), []),
    });
    return (out.sum.data as Float64Array)[0];
  }

  /** x^T x, [d, d] row-major, for x [n, d] row-major. */
  async crossProduct(x: Float64Array, n: number, d: number): Promise<Float64Array> {
    const out = await this.cross.run({ x: new ort.Tensor('float64', x, [n, d]) });
    return out.xtx.data as Float64Array;
  }

  async release(): Promise<void> {
    await this.kernel.release();
    await this.cross.release();
  }
}
