// Classify PNG images with an exported ssgan classifier, using nothing but onnxruntime-node and pngjs.
//   node examples/classify.js path/to/classifier.onnx digit1.png [digit2.png ...]
const fs = require('fs');
const ort = require('onnxruntime-node');
const { PNG } = require('pngjs');

async function main([modelFile, ...pngFiles]) {
  const session = await ort.InferenceSession.create(modelFile);
  const [, h, w, c] = session.inputMetadata[0].shape; // image: [batch, H, W, C]
  // Raw pixel values 0..255, NHWC, float32: the model scales them itself.
  const image = new Float32Array(pngFiles.length * h * w * c);
  pngFiles.forEach((file, n) => {
    const png = PNG.sync.read(fs.readFileSync(file)); // decoded as RGBA
    if (png.width !== w || png.height !== h) throw new Error(`${file} is ${png.width}x${png.height}, the model takes ${w}x${h}`);
    for (let p = 0; p < h * w; p++) for (let ch = 0; ch < c; ch++) image[(n * h * w + p) * c + ch] = png.data[p * 4 + ch];
  });
  const out = await session.run({ image: new ort.Tensor('float32', image, [pngFiles.length, h, w, c]) });
  const k = out.probabilities.dims[1];
  pngFiles.forEach((file, n) => {
    const label = Number(out.label.data[n]);
    console.log(`${file}: class ${label} (p = ${out.probabilities.data[n * k + label].toFixed(3)})`);
  });
}

main(process.argv.slice(2)).catch((e) => { console.error(e.message); process.exit(1); });
