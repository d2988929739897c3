// TensorBoard's scalar smoothing: an exponential moving average debiased like
// Adam's moments, so the first points aren't dragged towards zero.

export function smoothTensorBoard(values: number[], weight = 0.6): number[] {
  // TensorBoard leaves constant series alone (debiasing would be a no-op but
  // float error could make a flat line wobble).
  if (values.every((v) => v === values[0])) return values.slice();
  let last = 0;
  let count = 0;
  return values.map((v) => {
    if (!Number.isFinite(v)) return v;
    last = last * weight + (1 - weight) * v;
    count++;
    const debias = weight === 1 ? 1 : 1 - Math.pow(weight, count);
    return last / debias;
  });
}
