/** Classifier predictions behind one interface, and the libtorch addon's implementation of it. */
import type { NativeModel } from './addon';

export type BackendName = 'onnx' | 'torch';

export interface Predictions {
  /** argmax over the K real classes. */
  labels: Int32Array;
  /** [n, K + 1] */
  logits: Float32Array;
}

export interface Predictor {
  backend: BackendName;
  predict(images: Uint8Array, n: number): Promise<Predictions>;
}

/** Eval-mode libtorch forward passes; `ema` uses the classifier's moving average when kept. */
export function torchPredictor(model: NativeModel, k: number, perImage: number, batchSize: number, ema: boolean): Predictor {
  return {
    backend: 'torch',
    async predict(images, n) {
      const logits = new Float32Array(n * (k + 1));
      for (let start = 0; start < n; start += batchSize) {
        const m = Math.min(batchSize, n - start);
        logits.set(await model.classify(images.subarray(start * perImage, (start + m) * perImage), m, ema), start * (k + 1));
      }
      const labels = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        let best = 0;
        for (let j = 1; j < k; j++) if (logits[i * (k + 1) + j] > logits[i * (k + 1) + best]) best = j;
        labels[i] = best;
      }
      return { labels, logits };
    },
  };
}
