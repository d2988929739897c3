/** Runs an exported classifier.onnx over NHWC uint8 images in batches. */
import * as ort from 'onnxruntime-node';
import { openOnnxModel, type OnnxModel, type SessionOptions } from './onnx-session';

export interface Classification {
  /** argmax over the K real classes, per image. */
  labels: Int32Array;
  /** [n, K + 1] logits (the last one is the "generated" class). */
  logits: Float32Array;
  k: number;
}

export class OnnxClassifier {
  private constructor(readonly model: OnnxModel) {}

  /** `bytes`: the model in memory (exported on the fly); `file` then only names it. */
  static async open(file: string, opts: SessionOptions = {}, bytes?: Uint8Array): Promise<OnnxClassifier> {
    const model = await openOnnxModel(file, opts, bytes);
    if (!model.session.inputNames.includes('image') || !model.session.outputNames.includes('logits')) {
      throw new Error(`${file} is not an ssgan classifier (no image input / logits output): pass classifier.onnx`);
    }
    return new OnnxClassifier(model);
  }

  get imageShape(): [number, number, number] { return this.model.imageShape; }
  get meta(): Record<string, string> { return this.model.meta; }

  /** `images`: n NHWC images, raw pixels (uint8, or floats 0..255). */
  async classify(images: Uint8Array | Float32Array, n: number, batchSize = 500): Promise<Classification> {
    const [h, w, c] = this.imageShape;
    const per = h * w * c;
    if (images.length !== n * per) throw new Error(`classify: ${images.length} pixel values for ${n} images of ${h}x${w}x${c}`);
    const labels = new Int32Array(n);
    let logits = new Float32Array(0);
    let k = 0;
    // One input array for every batch: run() has finished with it when it resolves.
    const input = new Float32Array(Math.min(batchSize, n) * per);
    for (let start = 0; start < n; start += batchSize) {
      const m = Math.min(batchSize, n - start);
      const x = input.subarray(0, m * per);
      x.set(images.subarray(start * per, (start + m) * per));
      const out = await this.model.session.run({ image: new ort.Tensor('float32', x, [m, h, w, c]) }, ['logits', 'label']);
      const l = out.logits.data as Float32Array;
      if (start === 0) {
        k = l.length / m - 1;
        logits = new Float32Array(n * (k + 1));
      }
      logits.set(l, start * (k + 1));
      const lab = out.label.data as BigInt64Array;
      for (let i = 0; i < m; i++) labels[start + i] = Number(lab[i]);
    }
    return { labels, logits, k };
  }

  async release(): Promise<void> { await this.model.session.release(); }
}
