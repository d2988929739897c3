// Encoders for the parts of TensorBoard's event.proto / summary.proto that
// ssgan writes. Field numbers (tensorboard/compat/proto):
//   Event:         wall_time=1 (double), step=2 (int64), file_version=3, summary=5
//   Summary:       value=1 (repeated Value)
//   Summary.Value: tag=1, simple_value=2 (float), image=4
//   Summary.Image: height=1, width=2, colorspace=3, encoded_image_string=4
import { ProtoWriter } from './protobuf';

export const FILE_VERSION = 'brain.Event:2';

export type SummaryValue =
  | { tag: string; simpleValue: number }
  | { tag: string; image: { height: number; width: number; colorspace: number; png: Uint8Array } };

function encodeValue(v: SummaryValue): ProtoWriter {
  const w = new ProtoWriter().string(1, v.tag);
  // simple_value and image live in a oneof: always written, even when zero.
  if ('simpleValue' in v) return w.float(2, v.simpleValue);
  const img = new ProtoWriter();
  // Plain proto3 scalars: zero is the default and is left out.
  if (v.image.height) img.int(1, v.image.height);
  if (v.image.width) img.int(2, v.image.width);
  if (v.image.colorspace) img.int(3, v.image.colorspace);
  img.bytes(4, v.image.png);
  return w.message(4, img);
}

function eventHeader(wallTime: number, step: number): ProtoWriter {
  const w = new ProtoWriter().double(1, wallTime);
  if (step !== 0) w.int(2, step);
  return w;
}

export function encodeFileVersionEvent(wallTime: number): Buffer {
  return eventHeader(wallTime, 0).string(3, FILE_VERSION).finish();
}

export function encodeSummaryEvent(wallTime: number, step: number, values: SummaryValue[]): Buffer {
  const summary = new ProtoWriter();
  for (const v of values) summary.message(1, encodeValue(v));
  return eventHeader(wallTime, step).message(5, summary).finish();
}
