/** The seed project's (SSGAN-Tensorflow) discriminator and generator, for any H x W x C and K. */
import { LRELU, norm as normLayer, RELU, TANH, type Layer } from './layers';
import type { ModelConfig } from './describe';

/** Discriminator channel widths, conv by conv; 512 past the sixth. */
const D_CHANNELS = [32, 64, 128, 256, 256, 512];
/** Width of the generator's first (fully connected) layer, reshaped to 1 x 1 x FC_WIDTH. */
const FC_WIDTH = 1024;

function norm(cfg: ModelConfig, name: string, ch: number): Layer[] {
  return cfg.normType === 'none' ? [] : [normLayer(name, cfg.normType, ch, true)];
}

/**
 * ceil(log2(min(H, W))) stride-2 3x3 convs, each leaky ReLU then norm; a 1x1 conv to a quarter
 * of the channels (the features); a 1x1 conv to the logits, averaged over what is left of H x W.
 * With the improved-GAN loss the fake-class logit is the constant 0 (K learned logits).
 */
export function seedDiscriminator(cfg: ModelConfig): { layers: Layer[]; featureLayer: number } {
  const n = Math.ceil(Math.log2(Math.min(cfg.h, cfg.w)));
  const layers: Layer[] = [];
  let ch = cfg.c;
  for (let i = 0; i < n; i++) {
    const out = D_CHANNELS[i] ?? 512;
    layers.push({ op: 'conv', name: `conv${i + 1}`, inC: ch, outC: out, k: 3, stride: 2, pad: 1 }, LRELU, ...norm(cfg, `norm${i + 1}`, out));
    ch = out;
  }
  layers.push({ op: 'conv', name: 'conv_feat', inC: ch, outC: ch / 4, k: 1, stride: 1, pad: 0 }, LRELU);
  const featureLayer = layers.length - 1;
  const learned = cfg.loss === 'improved-gan' ? cfg.k : cfg.k + 1;
  layers.push({ op: 'conv', name: 'conv_logits', inC: ch / 4, outC: learned, k: 1, stride: 1, pad: 0 }, { op: 'meanHW' });
  if (cfg.loss === 'improved-gan') layers.push({ op: 'zeroLogit' });
  return { layers, featureLayer };
}

/**
 * z -> FC 1024 (leaky ReLU) -> 1 x 1 x 1024 -> ceil(log2(max(H, W))) blocks that double the size
 * and halve the channels (never below C), each ReLU then norm -> 1x1 conv to C, tanh -> resize to H x W.
 */
export function seedGenerator(cfg: ModelConfig): Layer[] {
  const n = Math.ceil(Math.log2(Math.max(cfg.h, cfg.w)));
  const layers: Layer[] = [
    { op: 'dense', name: 'fc', inC: cfg.nz, outC: FC_WIDTH },
    LRELU,
    { op: 'reshape', shape: [FC_WIDTH, 1, 1] },
  ];
  let ch = FC_WIDTH;
  for (let i = 0; i < n; i++) {
    const out = Math.max(cfg.c, Math.floor(ch / 2));
    const name = `deconv${i + 1}`;
    if (cfg.deconvType === 'transpose') {
      layers.push({ op: 'deconv', name, inC: ch, outC: out, k: 3, stride: 2, pad: 1, outPad: 1 });
    } else {
      layers.push({ op: 'resize', mode: cfg.deconvType === 'nn' ? 'nearest' : 'bilinear', scale: 2 });
      layers.push({ op: 'conv', name, inC: ch, outC: out, k: 3, stride: 1, pad: 1 });
    }
    layers.push(RELU, ...norm(cfg, `norm${i + 1}`, out));
    ch = out;
  }
  layers.push({ op: 'conv', name: 'conv_out', inC: ch, outC: cfg.c, k: 1, stride: 1, pad: 0 }, TANH);
  const side = 2 ** n;
  if (side !== cfg.h || side !== cfg.w) layers.push({ op: 'resizeTo', mode: 'bilinear', h: cfg.h, w: cfg.w });
  return layers;
}
