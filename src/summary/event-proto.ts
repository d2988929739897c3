// The parts of TensorBoard's Event and Summary messages (tensorboard/compat/proto event.proto and
// summary.proto) that ssgan writes, encoded by protobufjs. As proto3 encodes them, zero scalars are
// left out, except members of a oneof (simple_value), which are always written.
import { Root } from 'protobufjs/light';

export const FILE_VERSION = 'brain.Event:2';

export type SummaryValue =
  | { tag: string; simpleValue: number }
  | { tag: string; image: { height: number; width: number; colorspace: number; png: Uint8Array } };

const Event = Root.fromJSON({
  nested: {
    Event: {
      oneofs: { what: { oneof: ['fileVersion', 'summary'] } },
      fields: { wallTime: { type: 'double', id: 1 }, step: { type: 'int64', id: 2 }, fileVersion: { type: 'string', id: 3 }, summary: { type: 'Summary', id: 5 } },
    },
    Summary: {
      fields: { value: { rule: 'repeated', type: 'Value', id: 1 } },
      nested: {
        Value: {
          oneofs: { value: { oneof: ['simpleValue', 'image'] } },
          fields: { tag: { type: 'string', id: 1 }, simpleValue: { type: 'float', id: 2 }, image: { type: 'Image', id: 4 } },
        },
        Image: {
          fields: { height: { type: 'int32', id: 1 }, width: { type: 'int32', id: 2 }, colorspace: { type: 'int32', id: 3 }, encodedImageString: { type: 'bytes', id: 4 } },
        },
      },
    },
  },
}).lookupType('Event');

/** The fields of `fields` that are not 0. */
function nonZero<T extends Record<string, number>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== 0)) as Partial<T>;
}

function encodeEvent(wallTime: number, step: number, what: object): Uint8Array {
  return Event.encode({ wallTime, ...nonZero({ step }), ...what }).finish();
}

export function encodeFileVersionEvent(wallTime: number): Uint8Array {
  return encodeEvent(wallTime, 0, { fileVersion: FILE_VERSION });
}

export function encodeSummaryEvent(wallTime: number, step: number, values: SummaryValue[]): Uint8Array {
  const value = values.map((v) => {
    if ('simpleValue' in v) return v;
    const { png, ...size } = v.image;
    return { tag: v.tag, image: { ...nonZero(size), encodedImageString: png } };
  });
  return encodeEvent(wallTime, step, { summary: { value } });
}
