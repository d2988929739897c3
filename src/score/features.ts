/**
 * The feature network of `ssgan score`: an ONNX model that takes images as float32 NHWC raw pixels
 * 0..255 (the input of ssgan's classifier.onnx) and returns features [N, F], and optionally class
 * probabilities [N, K] (for the inception score and class coverage). The judge is one such model
 * (classifier.onnx's `features` and `probabilities` outputs); `--features` names any other.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import { ortSessionOptions } from '../eval/onnx-session';

export interface FeatureNetSpec {
  file: string;
  /** Output holding [N, F] features. */
  featuresOutput: string;
  /** Output holding [N, K] class probabilities, if any. */
  probabilitiesOutput?: string;
  /** How the command line named it, for messages (`--features`, or the judge). */
  flag: string;
}

export interface FeatureOutputs {
  features: Float32Array;
  n: number;
  d: number;
  /** [n, k] when the network has a probabilities output. */
  probabilities?: Float32Array;
  k?: number;
}

/** Images per forward pass: large enough for onnxruntime to be efficient, small enough for memory. */
export const FEATURE_BATCH = 500;

/** Cache key of a network's reference features: its bytes and the outputs read. */
export function featureNetKey(bytes: Uint8Array, outputs: string[]): string {
  return createHash('sha256').update(bytes).update(`\0${outputs.join('\0')}`).digest('hex');
}

/** The judge's outputs (classifier.onnx): features, and the probabilities of the K classes. */
export function judgeSpec(file: string): FeatureNetSpec {
  return { file, featuresOutput: 'features', probabilitiesOutput: 'probabilities', flag: 'judge' };
}

function dimsOf(meta: ort.InferenceSession.ValueMetadata | undefined): readonly (number | string)[] | undefined {
  return meta && meta.isTensor ? meta.shape : undefined;
}

export class FeatureNet {
  private constructor(
    readonly spec: FeatureNetSpec,
    private session: ort.InferenceSession,
    private input: string,
    /** sha256 of the model file and the outputs read: the key of cached reference features. */
    readonly key: string,
  ) {}

  static async open(spec: FeatureNetSpec, threads?: number): Promise<FeatureNet> {
    const { file, flag } = spec;
    if (!fs.existsSync(file)) throw new Error(`${flag} ${file}: no such file`);
    const bytes = fs.readFileSync(file);
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, ortSessionOptions({ threads, spinning: false }));
    } catch (e) {
      throw new Error(`${flag} ${file}: onnxruntime cannot load it (${(e as Error).message.split('\n')[0]})`);
    }
    const fail = (why: string) => {
      void session.release();
      return new Error(`${flag} ${file}: ${why}`);
    };
    if (session.inputNames.length !== 1) throw fail(`takes ${session.inputNames.length} inputs (${session.inputNames.join(', ')}); a feature network takes one, images float32 [N, H, W, C] in 0..255`);
    const wanted = [spec.featuresOutput, ...(spec.probabilitiesOutput ? [spec.probabilitiesOutput] : [])];
    const missing = wanted.filter((o) => !session.outputNames.includes(o));
    if (missing.length) throw fail(`has no output ${missing.join(', ')} (its outputs: ${session.outputNames.join(', ')}); name one with --features-output / --features-probabilities`);
    const inMeta = session.inputMetadata.find((m) => m.name === session.inputNames[0]);
    if (inMeta?.isTensor && inMeta.type !== 'float32') throw fail(`its input ${inMeta.name} is ${inMeta.type}; a feature network takes float32 images [N, H, W, C] in 0..255`);
    return new FeatureNet(spec, session, session.inputNames[0], featureNetKey(bytes, wanted));
  }

  /**
   * Refuses images the network cannot take: a fixed input rank other than 4, or fixed H, W, C
   * that differ from the images'.
   */
  checkImageShape(h: number, w: number, c: number): void {
    const dims = dimsOf(this.session.inputMetadata.find((m) => m.name === this.input));
    if (!dims || dims.length === 0) return;
    const fixed = (v: number | string, want: number) => typeof v !== 'number' || v < 0 || v === want;
    if (dims.length !== 4 || !fixed(dims[1], h) || !fixed(dims[2], w) || !fixed(dims[3], c)) {
      throw new Error(`${this.spec.flag} ${this.spec.file}: its input ${this.input} is [${dims.join(', ')}] but the images are [N, ${h}, ${w}, ${c}] (NHWC): pass a network for this dataset's image size`);
    }
  }

  /** Features (and probabilities) of n NHWC images, raw pixels 0..255, in batches. */
  async run(images: Uint8Array, n: number, shape: [number, number, number], batch = FEATURE_BATCH): Promise<FeatureOutputs> {
    const [h, w, c] = shape;
    const per = h * w * c;
    if (images.length !== n * per) throw new Error(`features: ${images.length} pixel values for ${n} images of ${h}x${w}x${c}`);
    const { featuresOutput: fo, probabilitiesOutput: po } = this.spec;
    let features = new Float32Array(0);
    let probabilities: Float32Array | undefined;
    let d = 0;
    let k: number | undefined;
    const width = (t: ort.Tensor, name: string, m: number): number => {
      if (t.type !== 'float32' || t.dims.length !== 2 || t.dims[0] !== m) {
        throw new Error(`${this.spec.flag} ${this.spec.file}: output ${name} is ${t.type} [${t.dims.join(', ')}] for ${m} images; it must be float32 [N, ${name === fo ? 'F' : 'K'}]`);
      }
      return t.dims[1];
    };
    for (let start = 0; start < n; start += batch) {
      const m = Math.min(batch, n - start);
      const x = new Float32Array(m * per);
      x.set(images.subarray(start * per, (start + m) * per));
      const out = await this.session.run({ [this.input]: new ort.Tensor('float32', x, [m, h, w, c]) }, po ? [fo, po] : [fo]);
      const f = out[fo];
      if (start === 0) {
        d = width(f, fo, m);
        features = new Float32Array(n * d);
        if (po) {
          k = width(out[po], po, m);
          probabilities = new Float32Array(n * k);
        }
      } else {
        width(f, fo, m);
        if (po) width(out[po], po, m);
      }
      features.set(f.data as Float32Array, start * d);
      if (po && probabilities && k) probabilities.set(out[po].data as Float32Array, start * k);
    }
    return { features, n, d, probabilities, k };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
