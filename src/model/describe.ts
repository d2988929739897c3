/**
 * THE model description: everything the addon needs to build the networks and everything the
 * ONNX exporter needs to write them, derived from (H, W, C, K, n_z, options) alone.
 */
import type { Layer } from './layers';
import { dcganGenerator } from './dcgan';
import { paperConv, paperMnist } from './paper';
import { seedDiscriminator, seedGenerator } from './seed';

export type ModelKind = 'seed' | 'paper-mnist' | 'paper-cifar' | 'paper-svhn';
export type NormType = 'batch' | 'instance' | 'none';
export type DeconvType = 'bilinear' | 'nn' | 'transpose';
export type LossKind = 'seed' | 'improved-gan';
/** The seed model's generator: the seed's (from a 1 x 1 map) or a DCGAN-style one (src/model/dcgan.ts). */
export type GeneratorKind = 'seed' | 'dcgan';

export interface ModelConfig {
  model: ModelKind;
  h: number;
  w: number;
  c: number;
  k: number;
  nz: number;
  normType: NormType;
  deconvType: DeconvType;
  loss: LossKind;
  /** The seed model's generator; unset (models described before it existed): seed. */
  generator?: GeneratorKind;
  /** The paper models: the official code's weight-norm parametrisation (src/model/paper.ts); unset: false. */
  officialInit?: boolean;
  /** paper-mnist: the generator's hidden dense layers start Glorot-uniform with zero biases; unset: PyTorch's init. */
  glorotGenerator?: boolean;
}

export interface ModelDescription {
  config: ModelConfig;
  /** [N, C, H, W] images in [-1, 1] -> [N, K + 1] logits (the last one is the "generated" class). */
  discriminator: Layer[];
  /** [N, n_z] noise -> [N, C, H, W] images in [-1, 1]. */
  generator: Layer[];
  /** Index in `discriminator` whose (flattened) output is the feature vector for feature matching. */
  featureLayer: number;
  /** z is drawn uniformly from [zLow, zHigh]. */
  zLow: number;
  zHigh: number;
}

export const MODEL_KINDS: readonly ModelKind[] = ['seed', 'paper-mnist', 'paper-cifar', 'paper-svhn'];
export const NORM_TYPES: readonly NormType[] = ['batch', 'instance', 'none'];
export const DECONV_TYPES: readonly DeconvType[] = ['bilinear', 'nn', 'transpose'];
export const LOSS_KINDS: readonly LossKind[] = ['seed', 'improved-gan'];
export const GENERATOR_KINDS: readonly GeneratorKind[] = ['seed', 'dcgan'];

export function describeModel(cfg: ModelConfig): ModelDescription {
  if (cfg.h < 2 || cfg.w < 2) throw new Error(`image size ${cfg.h}x${cfg.w} is too small: the model needs at least 2x2 pixels`);
  if (cfg.k < 2) throw new Error(`K = ${cfg.k} classes: a classifier needs at least 2`);
  if (cfg.model === 'seed') {
    const d = seedDiscriminator(cfg);
    return { config: cfg, discriminator: d.layers, generator: cfg.generator === 'dcgan' ? dcganGenerator(cfg) : seedGenerator(cfg), featureLayer: d.featureLayer, zLow: -1, zHigh: 1 };
  }
  // The paper's architectures have K logits with the fake class fixed at 0: the Improved-GAN loss.
  if (cfg.loss !== 'improved-gan') throw new Error(`--model ${cfg.model} goes with --loss improved-gan (its fake-class logit is fixed at 0)`);
  if (cfg.model !== 'paper-mnist' && (cfg.h < 9 || cfg.w < 9)) throw new Error(`--model ${cfg.model} needs images of at least 9x9 pixels (two stride-2 convs, then an unpadded 3x3), not ${cfg.h}x${cfg.w}`);
  const nets = cfg.model === 'paper-mnist' ? paperMnist(cfg) : paperConv(cfg, cfg.model === 'paper-svhn');
  // The paper's noise was uniform in [0, 1].
  return { config: cfg, ...nets, zLow: 0, zHigh: 1 };
}
