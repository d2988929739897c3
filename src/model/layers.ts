/**
 * The layer vocabulary of ssgan's model description. A network is a plain list of these;
 * the C++ addon builds its modules from the list and the ONNX exporter emits nodes from the
 * same list, so the architecture is written down exactly once (in src/model/*.ts).
 *
 * Tensors flow in NCHW (images) or NC (vectors). Parameters of a layer with a `name` are
 * stored as `<net>.<name>.<param>` (see paramNames), in PyTorch layouts, which are also ONNX's.
 */
export type Layer =
  | Conv
  | Deconv
  | Dense
  | Norm
  | { op: 'act'; fn: 'lrelu' | 'relu' | 'tanh' | 'sigmoid' | 'softplus'; slope?: number }
  | { op: 'resize'; mode: 'bilinear' | 'nearest'; scale: number }
  | { op: 'resizeTo'; mode: 'bilinear'; h: number; w: number }
  | { op: 'reshape'; shape: number[] } // per-example shape, e.g. [C, H, W]
  | { op: 'flatten' }
  | { op: 'meanHW' } // average over the remaining spatial extent: [N, C, H, W] -> [N, C]
  | { op: 'affine'; mul: number; add: number } // x * mul + add (pixel-range changes)
  | { op: 'noise'; std: number } // additive Gaussian noise while training, identity at inference
  | { op: 'dropout'; p: number } // dropout while training, identity at inference
  | { op: 'zeroLogit' }; // appends a constant 0 logit (the fake class of K-logit discriminators)

/** 2-D convolution, weight [out, in, k, k]; symmetric zero padding `pad`. */
export interface Conv extends WeightNormed { op: 'conv'; name: string; inC: number; outC: number; k: number; stride: number; pad: number }
/** Transposed convolution, weight [in, out, k, k] (PyTorch and ONNX ConvTranspose layout). */
export interface Deconv extends WeightNormed { op: 'deconv'; name: string; inC: number; outC: number; k: number; stride: number; pad: number; outPad: number }
/** Fully connected, weight [out, in] (ONNX Gemm with transB = 1). */
export interface Dense extends WeightNormed { op: 'dense'; name: string; inC: number; outC: number }
/**
 * Batch norm (running statistics for inference) or instance norm; `affine` adds scale and shift,
 * `shift` a shift alone (the official MNIST generator's batch norm).
 * `eps` and `momentum` (running-statistics update rate) are read by the addon and the exporter alike.
 */
export interface Norm { op: 'norm'; name: string; kind: 'batch' | 'instance'; ch: number; affine: boolean; shift?: boolean; eps: number; momentum: number }

/**
 * Weight-normalised layers (`weightNorm`) can be initialised from data, as the Improved-GAN code
 * did: on a first batch, each such layer's gain and bias are set so its pre-activations have mean
 * 0 and standard deviation `initScale` (default 1) per output channel; `fromData: false` leaves a
 * layer out of it. `initStd` starts the weights (directions, with unit gains) N(0, initStd) and the
 * biases at zero, with or without weight norm (the official code's; else PyTorch's default init).
 * `trainGain: false` keeps the gain where the init put it (the official MNIST code trained gains
 * only on the output layer). `glorot` starts a layer without weight norm Glorot-uniform with zero
 * biases (Lasagne's default) instead of PyTorch's.
 */
export interface WeightNormed { weightNorm?: boolean; initScale?: number; initStd?: number; trainGain?: boolean; fromData?: boolean; glorot?: boolean }

/** PyTorch's norm constants, as the PyTorch reference recipes use them. */
export const BN_EPS = 1e-5;
export const BN_MOMENTUM = 0.1;
export const IN_EPS = 1e-5;

/** A norm layer with ssgan's constants. */
export function norm(name: string, kind: Norm['kind'], ch: number, affine: boolean): Norm {
  return { op: 'norm', name, kind, ch, affine, eps: kind === 'batch' ? BN_EPS : IN_EPS, momentum: BN_MOMENTUM };
}

/** The activations the architectures share: leaky ReLU with the seed's and the paper's slope 0.2, ReLU, tanh. */
export const LRELU: Layer = { op: 'act', fn: 'lrelu', slope: 0.2 };
export const RELU: Layer = { op: 'act', fn: 'relu' };
export const TANH: Layer = { op: 'act', fn: 'tanh' };

/** The weight-norm settings a linear layer has unless its description says otherwise. */
const WEIGHT_NORM_DEFAULTS: Required<WeightNormed> = { weightNorm: false, initScale: 1, initStd: 0, trainGain: true, fromData: true, glorot: false };

/** A layer with every optional setting spelled out: the addon reads descriptions strictly. */
export function completeLayer(l: Layer): Layer {
  switch (l.op) {
    case 'conv':
    case 'deconv':
    case 'dense':
      return { ...WEIGHT_NORM_DEFAULTS, ...l };
    case 'norm':
      return { shift: false, ...l };
    default:
      return l;
  }
}

/**
 * Parameter (and buffer) names of a layer, in the order the addon registers them.
 * Weight-normalised layers store a direction `v` and a per-output-channel gain `g` instead of `weight`.
 */
export function paramNames(l: Layer): string[] {
  switch (l.op) {
    case 'conv':
    case 'deconv':
    case 'dense':
      return l.weightNorm ? ['v', 'g', 'bias'] : ['weight', 'bias'];
    case 'norm':
      return [...(l.affine ? ['weight'] : []), ...(l.affine || l.shift ? ['bias'] : []), ...(l.kind === 'batch' ? ['running_mean', 'running_var'] : [])];
    default:
      return [];
  }
}
