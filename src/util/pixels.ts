/** Pixel floats (0..255, as the generators return them) to bytes: rounded, clamped to 0..255. */
export function pixelBytes(x: Float32Array): Uint8Array {
  const out = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.min(255, Math.max(0, Math.round(x[i])));
  return out;
}
