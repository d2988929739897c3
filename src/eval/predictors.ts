/** The two classifier backends behind one interface: onnxruntime (exported graph) and the libtorch addon (src/native/predictor.ts). */
import type { Predictor } from '../native/predictor';
import type { OnnxClassifier } from './onnx-classifier';

export function onnxPredictor(cls: OnnxClassifier, batchSize: number): Predictor {
  return { backend: 'onnx', predict: (images, n) => cls.classify(images, n, batchSize) };
}
