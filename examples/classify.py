"""Classify images with an exported ssgan classifier, using onnxruntime, numpy and Pillow.

    python3 examples/classify.py path/to/classifier.onnx digit1.png [digit2.png ...]
"""
import json
import sys

import numpy as np
import onnxruntime as ort
from PIL import Image

session = ort.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
meta = session.get_modelmeta().custom_metadata_map  # dataset, class_names, image_shape, step, ...
h, w, c = json.loads(meta["image_shape"])
class_names = json.loads(meta["class_names"])

# Raw pixel values 0..255, NHWC, float32: the model scales them itself.
images = np.stack([np.asarray(Image.open(f).convert("L" if c == 1 else "RGB")).reshape(h, w, c) for f in sys.argv[2:]])
logits, probabilities, label = session.run(["logits", "probabilities", "label"], {"image": images.astype(np.float32)})
for f, l, p in zip(sys.argv[2:], label, probabilities):
    print(f"{f}: {class_names[l]} (p = {p[l]:.3f})")
