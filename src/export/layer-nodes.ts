/**
 * Emits ONNX nodes for a layer list by walking it: the one place where ssgan's layer vocabulary
 * (src/model/layers.ts) meets ONNX operators. Inference semantics throughout: batch norm uses its
 * running statistics, noise and dropout are identities.
 */
import type { Layer, Norm } from '../model/layers';
import type { Weights } from '../native/addon';
import { GraphBuilder, floatTensor, type Attrs } from './graph-builder';
import { linearParams, param } from './layer-weights';

/** Initializer names are the weights' own names (`D.conv1.weight`), so a graph is easy to audit. */
function init(g: GraphBuilder, name: string, shape: number[], data: Float32Array): string {
  return g.initializer(floatTensor(name, shape, data));
}

function normNodes(g: GraphBuilder, weights: Weights, net: string, l: Norm, x: string): string {
  const key = (p: string) => `${net}.${l.name}.${p}`;
  const affine = (p: 'weight' | 'bias') => init(g, key(p), [l.ch], param(weights, net, l, p, [l.ch]).data);
  // ONNX BatchNormalization always takes a scale and bias: ones and zeros when the layer has none.
  const scale = () => (l.affine ? affine('weight') : init(g, key('weight_ones'), [l.ch], new Float32Array(l.ch).fill(1)));
  const bias = () => (l.affine || l.shift ? affine('bias') : init(g, key('bias_zeros'), [l.ch], new Float32Array(l.ch)));
  if (l.kind === 'instance') return instanceNormNodes(g, l, x, l.affine || l.shift ? { scale: scale(), bias: bias() } : undefined);
  const mean = init(g, key('running_mean'), [l.ch], param(weights, net, l, 'running_mean', [l.ch]).data);
  const vari = init(g, key('running_var'), [l.ch], param(weights, net, l, 'running_var', [l.ch]).data);
  return g.node('BatchNormalization', [x, scale(), bias(), mean, vari], { epsilon: { float: l.eps } });
}

/**
 * Instance norm as two-pass mean and variance, (x - mean) / sqrt(var + eps) * scale + bias, rather
 * than ONNX InstanceNormalization: on the tiny maps the seed's discriminator reaches (2x2), where
 * var is small and rounding is amplified, onnxruntime's kernel drifted up to 6e-5 from libtorch,
 * this form 2.4e-5 (the parity tolerance is 1e-4).
 */
function instanceNormNodes(g: GraphBuilder, l: Norm, x: string, affine?: { scale: string; bias: string }): string {
  const mean = g.node('ReduceMean', [x], { axes: [2, 3], keepdims: 1 });
  const centred = g.node('Sub', [x, mean]);
  const vari = g.node('ReduceMean', [g.node('Mul', [centred, centred])], { axes: [2, 3], keepdims: 1 });
  const normed = g.node('Div', [centred, g.node('Sqrt', [g.node('Add', [vari, g.constFloat('eps', [l.eps], [])])])]);
  if (!affine) return normed;
  const perChannel = g.constInt64('per_channel', [1, l.ch, 1, 1]);
  return g.node('Add', [g.node('Mul', [normed, g.node('Reshape', [affine.scale, perChannel])]), g.node('Reshape', [affine.bias, perChannel])]);
}

/** ONNX Resize matching PyTorch's interpolate (align_corners=false, no antialiasing). */
function resizeAttrs(mode: 'bilinear' | 'nearest'): Attrs {
  return mode === 'bilinear'
    ? { mode: 'linear', coordinate_transformation_mode: 'half_pixel' }
    : { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' };
}

/** Appends the nodes of one layer to `g`, reading from tensor `x`; returns the output tensor. */
export function layerNodes(g: GraphBuilder, weights: Weights, net: string, l: Layer, x: string): string {
  switch (l.op) {
    case 'conv': {
      const { weight, bias } = linearParams(weights, net, l);
      const w = init(g, `${net}.${l.name}.weight`, weight.shape, weight.data);
      const b = init(g, `${net}.${l.name}.bias`, bias.shape, bias.data);
      const p = l.pad;
      return g.node('Conv', [x, w, b], { kernel_shape: [l.k, l.k], strides: [l.stride, l.stride], pads: [p, p, p, p], dilations: [1, 1], group: 1 });
    }
    case 'deconv': {
      const { weight, bias } = linearParams(weights, net, l);
      const w = init(g, `${net}.${l.name}.weight`, weight.shape, weight.data);
      const b = init(g, `${net}.${l.name}.bias`, bias.shape, bias.data);
      const p = l.pad;
      // Explicit pads/output_padding: runtimes have disagreed on auto_pad SAME for ConvTranspose.
      return g.node('ConvTranspose', [x, w, b], {
        kernel_shape: [l.k, l.k], strides: [l.stride, l.stride], pads: [p, p, p, p],
        output_padding: [l.outPad, l.outPad], dilations: [1, 1], group: 1,
      });
    }
    case 'dense': {
      const { weight, bias } = linearParams(weights, net, l);
      const w = init(g, `${net}.${l.name}.weight`, weight.shape, weight.data);
      const b = init(g, `${net}.${l.name}.bias`, bias.shape, bias.data);
      return g.node('Gemm', [x, w, b], { transB: 1 });
    }
    case 'norm':
      return normNodes(g, weights, net, l, x);
    case 'act':
      switch (l.fn) {
        case 'lrelu':
          if (l.slope === undefined) throw new Error(`leaky ReLU in ${net} has no slope: the model description must give one`);
          return g.node('LeakyRelu', [x], { alpha: { float: l.slope } });
        case 'relu': return g.node('Relu', [x]);
        case 'tanh': return g.node('Tanh', [x]);
        case 'sigmoid': return g.node('Sigmoid', [x]);
        case 'softplus': return g.node('Softplus', [x]);
      }
      throw new Error(`unknown activation ${(l as { fn: string }).fn}`);
    case 'resize': {
      const scales = g.constFloat('scales', [1, 1, l.scale, l.scale]);
      return g.node('Resize', [x, '', scales], resizeAttrs(l.mode));
    }
    case 'resizeTo': {
      // sizes = [N, C] of x (N is dynamic) ++ [h, w]; output size from sizes, never rounded scales.
      const nc = g.node('Shape', [x], { start: 0, end: 2 });
      const sizes = g.node('Concat', [nc, g.constInt64('hw', [l.h, l.w])], { axis: 0 });
      return g.node('Resize', [x, '', '', sizes], resizeAttrs(l.mode));
    }
    case 'reshape':
      // 0 copies the batch dimension from the input (allowzero = 0).
      return g.node('Reshape', [x, g.constInt64('shape', [0, ...l.shape])]);
    case 'flatten':
      return g.node('Flatten', [x], { axis: 1 });
    case 'meanHW':
      return g.node('ReduceMean', [x], { axes: [2, 3], keepdims: 0 });
    case 'affine': {
      let y = x;
      if (l.mul !== 1) y = g.node('Mul', [y, g.constFloat('mul', [l.mul], [])]);
      if (l.add !== 0) y = g.node('Add', [y, g.constFloat('add', [l.add], [])]);
      return y;
    }
    case 'noise':
    case 'dropout':
      return x; // identity at inference
    case 'zeroLogit':
      // [N, K] -> [N, K + 1]: pad one zero column at the end of axis 1.
      return g.node('Pad', [x, g.constInt64('pads', [0, 0, 0, 1]), g.constFloat('zero', [0], [])], { mode: 'constant' });
  }
  throw new Error(`layer op ${(l as { op: string }).op} has no ONNX export: add it to src/export/layer-nodes.ts`);
}

/** Walks a whole network; `net` is 'D' or 'G' (the weights' name prefix). */
export function networkNodes(g: GraphBuilder, weights: Weights, net: string, layers: Layer[], x: string): string {
  return layers.reduce((t, l) => layerNodes(g, weights, net, l, t), x);
}
