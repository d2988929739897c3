/** A DCGAN-style generator: its spatial layout comes from z through a dense layer, not from padding. */
import { norm as normLayer, RELU, TANH, type Layer } from './layers';
import type { ModelConfig } from './describe';

/** Channels of the first map (a quarter of H x W); each upsampling halves them. */
const WIDTH = 128;

/**
 * z -> dense to WIDTH x ceil(H/4) x ceil(W/4), norm, ReLU -> upsample x2, 5x5 conv to WIDTH/2,
 * norm, ReLU -> upsample x2, 5x5 conv to C, tanh (-> resize to H x W when H or W is not a multiple of 4).
 * The seed's generator starts from a 1 x 1 map, so every position of its output differs from the
 * others only through the convolutions' zero padding; its samples hardly depend on z and collapse
 * to one shape (results/generator/README.md).
 */
export function dcganGenerator(cfg: ModelConfig): Layer[] {
  const h0 = Math.ceil(cfg.h / 4);
  const w0 = Math.ceil(cfg.w / 4);
  const norm = (name: string, ch: number): Layer[] => (cfg.normType === 'none' ? [] : [normLayer(name, cfg.normType, ch, true)]);
  const up = (name: string, inC: number, outC: number): Layer[] =>
    cfg.deconvType === 'transpose'
      ? [{ op: 'deconv', name, inC, outC, k: 5, stride: 2, pad: 2, outPad: 1 }]
      : [{ op: 'resize', mode: cfg.deconvType === 'nn' ? 'nearest' : 'bilinear', scale: 2 }, { op: 'conv', name, inC, outC, k: 5, stride: 1, pad: 2 }];
  const layers: Layer[] = [
    { op: 'dense', name: 'fc', inC: cfg.nz, outC: WIDTH * h0 * w0 },
    { op: 'reshape', shape: [WIDTH, h0, w0] },
    ...norm('norm0', WIDTH),
    RELU,
    ...up('conv1', WIDTH, WIDTH / 2),
    ...norm('norm1', WIDTH / 2),
    RELU,
    ...up('conv_out', WIDTH / 2, cfg.c),
    TANH,
  ];
  if (4 * h0 !== cfg.h || 4 * w0 !== cfg.w) layers.push({ op: 'resizeTo', mode: 'bilinear', h: cfg.h, w: cfg.w });
  return layers;
}
