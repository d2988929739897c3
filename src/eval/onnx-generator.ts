/** Runs an exported generator.onnx: z [n, n_z] -> NHWC images, float pixels 0..255. */
import * as ort from 'onnxruntime-node';
import { openOnnxModel, type OnnxModel, type SessionOptions } from './onnx-session';

export class OnnxGenerator {
  private constructor(readonly model: OnnxModel, readonly nz: number, readonly zRange: [number, number]) {}

  static async open(file: string, opts: SessionOptions = {}): Promise<OnnxGenerator> {
    const model = await openOnnxModel(file, opts);
    if (!model.session.inputNames.includes('z')) throw new Error(`${file} is not an ssgan generator (no z input): pass generator.onnx`);
    const zRange = model.meta.z_range ? (JSON.parse(model.meta.z_range) as [number, number]) : [-1, 1] as [number, number];
    return new OnnxGenerator(model, Number(model.meta.n_z), zRange);
  }

  get imageShape(): [number, number, number] { return this.model.imageShape; }
  get meta(): Record<string, string> { return this.model.meta; }

  async generate(z: Float32Array, n: number): Promise<Float32Array> {
    if (z.length !== n * this.nz) throw new Error(`generate: ${z.length} values for ${n} z vectors of ${this.nz}`);
    const out = await this.model.session.run({ z: new ort.Tensor('float32', z, [n, this.nz]) });
    return out.image.data as Float32Array;
  }

  async release(): Promise<void> { await this.model.session.release(); }
}
