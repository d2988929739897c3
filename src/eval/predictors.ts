/** The two classifier backends behind one interface: onnxruntime (exported graph) and the libtorch addon. */
import type { NativeModel } from '../native/addon';
import type { OnnxClassifier } from './onnx-classifier';

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

export function onnxPredictor(cls: OnnxClassifier, batchSize: number): Predictor {
  return { backend: 'onnx', predict: (images, n) => cls.classify(images, n, batchSize) };
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
