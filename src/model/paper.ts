/**
 * The architectures of the Improved-GAN paper's official code (Salimans et al. 2016):
 * `paper-mnist` (weight-normalised MLPs with Gaussian noise) and `paper-cifar` / `paper-svhn`
 * (weight-normalised convnet with dropout; transposed-conv generator). The paper fed pixels in
 * [0, 1]; ssgan's images are in [-1, 1], so the discriminator starts and the MNIST generator ends
 * with an affine map between the two ranges.
 */
import { LRELU, norm, RELU, TANH, type Deconv, type Layer } from './layers';
import type { ModelConfig } from './describe';

/** Data-dependent initialisation target of the output layers' pre-activation scale. */
const OUTPUT_INIT_SCALE = 0.1;

export interface Networks { discriminator: Layer[]; generator: Layer[]; featureLayer: number }

/**
 * `officialInit`: the official MNIST code's parametrisation (with `--data-init`): directions start
 * N(0, 0.1) with unit gains, the data init brings every layer to unit pre-activation scale, and the
 * hidden layers keep that gain (only the output layer trains its own); the generator's batch norms
 * learn a shift (no scale), and its output layer is weight-normalised with a unit gain, left out of
 * the init (directions at Glorot's std for 500 -> 784).
 * Without it, PyTorch's default init with trainable gains (and output init scale 0.1 if --data-init).
 */
export function paperMnist(cfg: ModelConfig): Networks {
  const official = cfg.officialInit === true;
  const hidden = official ? { initStd: 0.1, trainGain: false } : {};
  const out = official ? { initStd: 0.1 } : { initScale: OUTPUT_INIT_SCALE };
  const gOut = official ? { initStd: 0.04, fromData: false } : { initScale: OUTPUT_INIT_SCALE };
  const gNorm = (name: string) => ({ ...norm(name, 'batch', 500, false), ...(official ? { shift: true } : {}) });
  const widths = [1000, 500, 250, 250, 250];
  const d: Layer[] = [{ op: 'flatten' }, { op: 'affine', mul: 0.5, add: 0.5 }, { op: 'noise', std: 0.3 }];
  let inC = cfg.h * cfg.w * cfg.c;
  let featureLayer = -1;
  widths.forEach((outC, i) => {
    d.push({ op: 'dense', name: `fc${i + 1}`, inC, outC, weightNorm: true, ...hidden }, RELU);
    featureLayer = d.length - 1; // the last hidden layer's activations, before its noise
    d.push({ op: 'noise', std: 0.5 });
    inC = outC;
  });
  d.push({ op: 'dense', name: 'fc_logits', inC, outC: cfg.k, weightNorm: true, ...out }, { op: 'zeroLogit' });

  const g: Layer[] = [
    { op: 'dense', name: 'fc1', inC: cfg.nz, outC: 500 },
    gNorm('norm1'),
    { op: 'act', fn: 'softplus' },
    { op: 'dense', name: 'fc2', inC: 500, outC: 500 },
    gNorm('norm2'),
    { op: 'act', fn: 'softplus' },
    { op: 'dense', name: 'fc_out', inC: 500, outC: cfg.h * cfg.w * cfg.c, weightNorm: true, ...gOut },
    { op: 'act', fn: 'sigmoid' },
    { op: 'affine', mul: 2, add: -1 },
    { op: 'reshape', shape: [cfg.c, cfg.h, cfg.w] },
  ];
  return { discriminator: d, generator: g, featureLayer };
}

/** `paper-cifar` (96/192 channels) and `paper-svhn` (64/128). */
export function paperConv(cfg: ModelConfig, narrow: boolean): Networks {
  const [c1, c2] = narrow ? [64, 128] : [96, 192];
  const conv = (name: string, inC: number, outC: number, k: number, stride: number, pad: number): Layer[] => [
    { op: 'conv', name, inC, outC, k, stride, pad, weightNorm: true },
    LRELU,
  ];
  const d: Layer[] = [
    { op: 'affine', mul: 0.5, add: 0.5 },
    { op: 'dropout', p: 0.2 },
    ...conv('conv1', cfg.c, c1, 3, 1, 1),
    ...conv('conv2', c1, c1, 3, 1, 1),
    ...conv('conv3', c1, c1, 3, 2, 1),
    { op: 'dropout', p: 0.5 },
    ...conv('conv4', c1, c2, 3, 1, 1),
    ...conv('conv5', c2, c2, 3, 1, 1),
    ...conv('conv6', c2, c2, 3, 2, 1),
    { op: 'dropout', p: 0.5 },
    ...conv('conv7', c2, c2, 3, 1, 0),
    ...conv('nin1', c2, c2, 1, 1, 0),
    ...conv('nin2', c2, c2, 1, 1, 0),
    { op: 'meanHW' },
  ];
  const featureLayer = d.length - 1; // globally pooled features
  d.push({ op: 'dense', name: 'fc_logits', inC: c2, outC: cfg.k, weightNorm: true, initScale: OUTPUT_INIT_SCALE }, { op: 'zeroLogit' });

  // 4x4x512 for 32x32 images; other sizes start at ceil(H/8) x ceil(W/8) and are resized at the end.
  const h0 = Math.ceil(cfg.h / 8), w0 = Math.ceil(cfg.w / 8);
  const deconv = (name: string, inC: number, outC: number): Deconv => ({ op: 'deconv', name, inC, outC, k: 5, stride: 2, pad: 2, outPad: 1 });
  const g: Layer[] = [
    { op: 'dense', name: 'fc', inC: cfg.nz, outC: 512 * h0 * w0 },
    norm('norm0', 'batch', 512 * h0 * w0, true),
    RELU,
    { op: 'reshape', shape: [512, h0, w0] },
    deconv('deconv1', 512, 256),
    norm('norm1', 'batch', 256, true),
    RELU,
    deconv('deconv2', 256, 128),
    norm('norm2', 'batch', 128, true),
    RELU,
    { ...deconv('deconv3', 128, cfg.c), weightNorm: true, initScale: OUTPUT_INIT_SCALE },
    TANH,
  ];
  if (h0 * 8 !== cfg.h || w0 * 8 !== cfg.w) g.push({ op: 'resizeTo', mode: 'bilinear', h: cfg.h, w: cfg.w });
  return { discriminator: d, generator: g, featureLayer };
}
