/**
 * The architectures of the Improved-GAN paper's official code (Salimans et al. 2016):
 * `paper-mnist` (weight-normalised MLPs with Gaussian noise) and `paper-cifar` / `paper-svhn`
 * (weight-normalised convnet with dropout; transposed-conv generator). The official MNIST code fed
 * pixels in [0, 1]; ssgan's images are in [-1, 1], so the MNIST discriminator starts and its
 * generator ends with an affine map between the two ranges. The official CIFAR-10 and SVHN code fed
 * [-1, 1] as ssgan does: the conv models map to [0, 1] only without `officialInit` (as they were
 * first built).
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
 * `glorotGenerator` (`--generator-init glorot`, the default) starts the generator's hidden dense
 * layers Glorot-uniform with zero biases, as Lasagne did in the official code; else PyTorch's init.
 */
export function paperMnist(cfg: ModelConfig): Networks {
  const official = cfg.officialInit === true;
  const hidden = official ? { initStd: 0.1, trainGain: false } : {};
  const out = official ? { initStd: 0.1 } : { initScale: OUTPUT_INIT_SCALE };
  const gOut = official ? { initStd: 0.04, fromData: false } : { initScale: OUTPUT_INIT_SCALE };
  const gHidden = cfg.glorotGenerator === true ? { glorot: true } : {};
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
    { op: 'dense', name: 'fc1', inC: cfg.nz, outC: 500, ...gHidden },
    gNorm('norm1'),
    { op: 'act', fn: 'softplus' },
    { op: 'dense', name: 'fc2', inC: 500, outC: 500, ...gHidden },
    gNorm('norm2'),
    { op: 'act', fn: 'softplus' },
    { op: 'dense', name: 'fc_out', inC: 500, outC: cfg.h * cfg.w * cfg.c, weightNorm: true, ...gOut },
    { op: 'act', fn: 'sigmoid' },
    { op: 'affine', mul: 2, add: -1 },
    { op: 'reshape', shape: [cfg.c, cfg.h, cfg.w] },
  ];
  return { discriminator: d, generator: g, featureLayer };
}

/** The official CIFAR-10 / SVHN code's weight-norm directions: lasagne.init.Normal(0.05). */
const CONV_INIT_STD = 0.05;

/**
 * `paper-cifar` (96/192 channels, train_cifar_feature_matching.py) and `paper-svhn` (64/128,
 * train_svhn_feature_matching.py): the same network at two widths.
 *
 * `officialInit`: as the official code built them (nn.weight_norm and nn.batch_norm): directions
 * N(0, 0.05) with unit gains and zero biases; the data init brings the hidden layers to unit
 * pre-activation scale and their gains stay there (weight_norm's default train_g=False); the
 * discriminator's and the generator's output layers train their gains and start at scale 0.1
 * (train_g=True, init_stdv=0.1); the generator's batch norms learn a shift and no scale (g=None);
 * pixels enter in [-1, 1]; the generator's dense and hidden transposed convs start N(0, 0.05) with
 * zero biases (batch norm follows them, so their scale sets only how fast Adam's fixed-size steps
 * turn them; PyTorch's init starts the transposed convs 5-7x smaller). Without it, PyTorch's
 * default init with trainable gains, batch norms with scale and shift, the output layers at init
 * scale 0.1 (with --data-init) and pixels mapped to [0, 1].
 */
export function paperConv(cfg: ModelConfig, narrow: boolean): Networks {
  const official = cfg.officialInit === true;
  const [c1, c2] = narrow ? [64, 128] : [96, 192];
  const hidden = official ? { initStd: CONV_INIT_STD, trainGain: false } : {};
  const out = { initScale: OUTPUT_INIT_SCALE, ...(official ? { initStd: CONV_INIT_STD } : {}) };
  const gHidden = official ? { initStd: CONV_INIT_STD } : {};
  // The official generator's batch norms: a learned shift, no scale; else scale and shift.
  const gNorm = (name: string, ch: number) => (official ? { ...norm(name, 'batch', ch, false), shift: true } : norm(name, 'batch', ch, true));
  const conv = (name: string, inC: number, outC: number, k: number, stride: number, pad: number): Layer[] => [
    { op: 'conv', name, inC, outC, k, stride, pad, weightNorm: true, ...hidden },
    LRELU,
  ];
  const d: Layer[] = [
    ...(official ? [] : [{ op: 'affine', mul: 0.5, add: 0.5 } as Layer]),
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
  d.push({ op: 'dense', name: 'fc_logits', inC: c2, outC: cfg.k, weightNorm: true, ...out }, { op: 'zeroLogit' });

  // 4x4x512 for 32x32 images; other sizes start at ceil(H/8) x ceil(W/8) and are resized at the end.
  const h0 = Math.ceil(cfg.h / 8), w0 = Math.ceil(cfg.w / 8);
  const deconv = (name: string, inC: number, outC: number): Deconv => ({ op: 'deconv', name, inC, outC, k: 5, stride: 2, pad: 2, outPad: 1, ...gHidden });
  const g: Layer[] = [
    { op: 'dense', name: 'fc', inC: cfg.nz, outC: 512 * h0 * w0, ...gHidden },
    gNorm('norm0', 512 * h0 * w0),
    RELU,
    { op: 'reshape', shape: [512, h0, w0] },
    deconv('deconv1', 512, 256),
    gNorm('norm1', 256),
    RELU,
    deconv('deconv2', 256, 128),
    gNorm('norm2', 128),
    RELU,
    { ...deconv('deconv3', 128, cfg.c), weightNorm: true, ...out },
    TANH,
  ];
  if (h0 * 8 !== cfg.h || w0 * 8 !== cfg.w) g.push({ op: 'resizeTo', mode: 'bilinear', h: cfg.h, w: cfg.w });
  return { discriminator: d, generator: g, featureLayer };
}
