/**
 * THE model description: everything the addon needs to build the networks and everything the
 * ONNX exporter needs to write them, derived from (H, W, C, K, n_z, options) alone.
 */
import type { Layer } from './layers';
import { seedDiscriminator, seedGenerator } from './seed';

export type ModelKind = 'seed';
export type NormType = 'batch' | 'instance' | 'none';
export type DeconvType = 'bilinear' | 'nn' | 'transpose';
export type LossKind = 'seed' | 'improved-gan';

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

export const MODEL_KINDS: readonly ModelKind[] = ['seed'];
export const NORM_TYPES: readonly NormType[] = ['batch', 'instance', 'none'];
export const DECONV_TYPES: readonly DeconvType[] = ['bilinear', 'nn', 'transpose'];
export const LOSS_KINDS: readonly LossKind[] = ['seed', 'improved-gan'];

export function describeModel(cfg: ModelConfig): ModelDescription {
  if (cfg.h < 2 || cfg.w < 2) throw new Error(`image size ${cfg.h}x${cfg.w} is too small: the model needs at least 2x2 pixels`);
  if (cfg.k < 2) throw new Error(`K = ${cfg.k} classes: a classifier needs at least 2`);
  const d = seedDiscriminator(cfg);
  return { config: cfg, discriminator: d.layers, generator: seedGenerator(cfg), featureLayer: d.featureLayer, zLow: -1, zHigh: 1 };
}
