/** Opens an exported ssgan model in onnxruntime-node, with its metadata (which ORT does not expose). */
import * as fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import { readMetadata } from '../export/onnx-graph';

export interface OnnxModel {
  file: string;
  session: ort.InferenceSession;
  meta: Record<string, string>;
  /** [H, W, C] of the image tensors, from the metadata. */
  imageShape: [number, number, number];
}

export interface SessionOptions {
  /** Intra-op threads; onnxruntime's default (all cores) when omitted. */
  threads?: number;
  /**
   * false: idle intra-op threads sleep instead of spinning. For long runs of large batches on a
   * busy machine (scoring 10,000 samples), where spinning only takes cores from other work.
   */
  spinning?: boolean;
}

/** onnxruntime session options for SessionOptions. */
export function ortSessionOptions(opts: SessionOptions): ort.InferenceSession.SessionOptions {
  return {
    ...(opts.threads ? { intraOpNumThreads: opts.threads, interOpNumThreads: 1 } : {}),
    ...(opts.spinning === false ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
  };
}

/**
 * Opens `file`, or `bytes` when the model is already in memory (exported on the fly from a
 * checkpoint); `file` then only names it in messages.
 */
export async function openOnnxModel(file: string, opts: SessionOptions = {}, bytes?: Uint8Array): Promise<OnnxModel> {
  if (!bytes) {
    if (!fs.existsSync(file)) throw new Error(`ONNX model ${file} does not exist (write one with: ssgan export --onnx --checkpoint <path>)`);
    bytes = fs.readFileSync(file);
  }
  let meta: Record<string, string>;
  try {
    meta = readMetadata(bytes);
  } catch (e) {
    throw new Error(`${file} is not an ONNX model: ${(e as Error).message}`);
  }
  if (!meta.image_shape) throw new Error(`${file} has no image_shape metadata: export it with ssgan export --onnx`);
  const imageShape = JSON.parse(meta.image_shape) as [number, number, number];
  const session = await ort.InferenceSession.create(bytes, ortSessionOptions(opts));
  return { file, session, meta, imageShape };
}
