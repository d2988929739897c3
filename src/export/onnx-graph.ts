/**
 * ONNX ModelProtos for the classifier and the generator, built by walking the model description's
 * layer lists (layer-nodes.ts) with a checkpoint's weights. The graphs speak the dataset's language
 * at their edges: raw NHWC pixels 0..255 in and out; the [-1, 1] NCHW convention stays inside.
 */
import { onnx } from 'onnx-proto';
import type { ModelDescription } from '../model/describe';
import type { Weights } from '../native/addon';
import { GraphBuilder, valueInfo } from './graph-builder';
import { featureNodes, featureWidth } from './feature-output';
import { layerNodes, networkNodes } from './layer-nodes';

/** Opset 17 with IR 8: the newest pair onnx-proto 8.0.1 (ONNX 1.10 protos) can write. */
export const OPSET = 17;
export const IR_VERSION = 8;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

/** What a consumer needs to use the models; written as metadata_props. */
export interface ExportMeta {
  dataset: string;
  classNames: string[];
  step: number;
  producerName: string;
  producerVersion: string;
}

function metadataProps(desc: ModelDescription, meta: ExportMeta): onnx.IStringStringEntryProto[] {
  const c = desc.config;
  const props: Record<string, string> = {
    dataset: meta.dataset,
    class_names: JSON.stringify(meta.classNames),
    image_shape: JSON.stringify([c.h, c.w, c.c]), // H, W, C of the NHWC image tensors
    n_z: String(c.nz),
    z_range: JSON.stringify([desc.zLow, desc.zHigh]), // z is drawn uniformly from this range
    pixel_range: '[0, 255]',
    step: String(meta.step),
    model_config: JSON.stringify(c),
    producer: `${meta.producerName} ${meta.producerVersion}`,
  };
  return Object.entries(props).map(([key, value]) => ({ key, value }));
}

function modelProto(g: GraphBuilder, name: string, doc: string, inputs: onnx.IValueInfoProto[], outputs: onnx.IValueInfoProto[], desc: ModelDescription, meta: ExportMeta): onnx.ModelProto {
  return onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: meta.producerName,
    producerVersion: meta.producerVersion,
    modelVersion: meta.step,
    docString: doc,
    graph: { name, node: g.nodes, initializer: g.initializers, input: inputs, output: outputs },
    metadataProps: metadataProps(desc, meta),
  });
}

function checkK(desc: ModelDescription, meta: ExportMeta): void {
  if (meta.classNames.length !== desc.config.k) {
    throw new Error(`${meta.classNames.length} class names for K = ${desc.config.k} classes: pass one name per class`);
  }
}

/**
 * image float32 [batch, H, W, C] in 0..255 -> logits [batch, K + 1], probabilities [batch, K]
 * (softmax over the real classes), label int64 [batch] (argmax over the real classes), and, when
 * the description names a feature layer, features [batch, F] (that layer, averaged over H and W).
 */
export function classifierModel(desc: ModelDescription, weights: Weights, meta: ExportMeta): onnx.ModelProto {
  checkK(desc, meta);
  const { h, w, c, k } = desc.config;
  const g = new GraphBuilder('D');
  // Same arithmetic as the addon (x / 127.5 - 1), so the two agree to the last bit here.
  const scaled = g.node('Sub', [g.node('Div', ['image', g.constFloat('255_half', [127.5], [])]), g.constFloat('one', [1], [])]);
  const nchw = g.node('Transpose', [scaled], { perm: [0, 3, 1, 2] });
  let out = nchw;
  desc.discriminator.forEach((l, i) => {
    out = layerNodes(g, weights, 'D', l, out);
    if (i === desc.featureLayer) featureNodes(g, desc, out);
  });
  g.node('Identity', [out], {}, 'logits');
  const real = g.node('Slice', ['logits', g.constInt64('start', [0]), g.constInt64('end', [k]), g.constInt64('axes', [1])]);
  g.node('Softmax', [real], { axis: 1 }, 'probabilities');
  g.node('ArgMax', [real], { axis: 1, keepdims: 0 }, 'label');
  const f = featureWidth(desc);
  const outputs = [valueInfo('logits', FLOAT, ['batch', k + 1]), valueInfo('probabilities', FLOAT, ['batch', k]), valueInfo('label', INT64, ['batch'])];
  if (f !== undefined) outputs.push(valueInfo('features', FLOAT, ['batch', f]));
  return modelProto(g, 'ssgan_classifier',
    `ssgan classifier: image [batch, ${h}, ${w}, ${c}] raw pixels 0..255 -> logits [batch, ${k + 1}] (last = generated), probabilities [batch, ${k}], label [batch]${f === undefined ? '' : `, features [batch, ${f}]`}`,
    [valueInfo('image', FLOAT, ['batch', h, w, c])],
    outputs,
    desc, meta);
}

/** z float32 [batch, n_z] -> image float32 [batch, H, W, C] in 0..255. */
export function generatorModel(desc: ModelDescription, weights: Weights, meta: ExportMeta): onnx.ModelProto {
  checkK(desc, meta);
  const { h, w, c, nz } = desc.config;
  const g = new GraphBuilder('G');
  const out = networkNodes(g, weights, 'G', desc.generator, 'z');
  const nhwc = g.node('Transpose', [out], { perm: [0, 2, 3, 1] });
  g.node('Mul', [g.node('Add', [nhwc, g.constFloat('one', [1], [])]), g.constFloat('255_half', [127.5], [])], {}, 'image');
  return modelProto(g, 'ssgan_generator',
    `ssgan generator: z [batch, ${nz}] uniform in [${desc.zLow}, ${desc.zHigh}] -> image [batch, ${h}, ${w}, ${c}] pixels 0..255 (float)`,
    [valueInfo('z', FLOAT, ['batch', nz])],
    [valueInfo('image', FLOAT, ['batch', h, w, c])],
    desc, meta);
}

export function encodeModel(m: onnx.ModelProto): Uint8Array {
  return onnx.ModelProto.encode(m).finish();
}

/** Reads metadata_props back (onnxruntime-node does not expose them). */
export function readMetadata(bytes: Uint8Array): Record<string, string> {
  const m = onnx.ModelProto.decode(bytes);
  return Object.fromEntries(m.metadataProps.map((p) => [p.key ?? '', p.value ?? '']));
}
