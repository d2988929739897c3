#!/usr/bin/python3
"""Independent reader for the test suite: parses TFRecord event files and
images with Debian's protobuf, crcmod and Pillow - none of ssgan's own code.

  tfevents_reader.py events FILE   -> JSON list of decoded records
  tfevents_reader.py images FILE.. -> JSON list of {format, width, height, mode, frames, durations, center_rgb}

Exits 3 with an install hint when a dependency is missing.
"""
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

APT = "apt-get install -y protobuf-compiler python3-protobuf python3-crcmod python3-pil"


def missing(what):
    sys.stderr.write(f"tfevents_reader: {what} is missing; install it with: {APT}\n")
    sys.exit(3)


try:
    import crcmod.predefined
    from PIL import Image
    from google.protobuf.message import DecodeError
except ImportError as e:
    missing(f"python module {e.name}")

crc32c = crcmod.predefined.mkCrcFun("crc-32c")


def masked(data):
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def load_event_pb2():
    if shutil.which("protoc") is None:
        missing("protoc")
    here = os.path.dirname(os.path.abspath(__file__))
    out = tempfile.mkdtemp(prefix="tfevents_pb2_")
    subprocess.run(["protoc", f"-I{here}", f"--python_out={out}", "tensorboard_event.proto"], check=True)
    sys.path.insert(0, out)
    try:
        import tensorboard_event_pb2  # noqa: E402
    finally:
        shutil.rmtree(out, ignore_errors=True)  # the module is loaded by now
    return tensorboard_event_pb2


def image_info(data):
    img = Image.open(io.BytesIO(data))
    img.load()  # decodes every byte, so a corrupt image fails here
    frames = getattr(img, "n_frames", 1)
    fmt, mode = img.format, img.mode
    durations, centers = [], []
    for i in range(frames):
        img.seek(i)
        img.load()
        durations.append(img.info.get("duration"))
        centers.append(list(img.convert("RGB").getpixel((img.width // 2, img.height // 2))))
    return {"format": fmt, "width": img.width, "height": img.height, "mode": mode,
            "frames": frames, "durations": durations, "center_rgb": centers}


def read_events(path):
    pb2 = load_event_pb2()
    with open(path, "rb") as f:
        buf = f.read()
    out, pos = [], 0
    while pos < len(buf):
        if len(buf) - pos < 12:
            raise ValueError(f"record at byte {pos}: truncated header")
        header = buf[pos:pos + 8]
        (length,) = struct.unpack("<Q", header)
        (len_crc,) = struct.unpack("<I", buf[pos + 8:pos + 12])
        if len_crc != masked(header):
            raise ValueError(f"record at byte {pos}: length CRC mismatch")
        data = buf[pos + 12:pos + 12 + length]
        if len(data) != length or len(buf) < pos + 16 + length:
            raise ValueError(f"record at byte {pos}: truncated data")
        (data_crc,) = struct.unpack("<I", buf[pos + 12 + length:pos + 16 + length])
        if data_crc != masked(data):
            raise ValueError(f"record at byte {pos}: data CRC mismatch")
        ev = pb2.Event()
        ev.ParseFromString(data)
        # Any field number unknown to TensorBoard's schema would survive as an
        # unknown field; dropping those must give back the exact bytes.
        ev.DiscardUnknownFields()
        if ev.SerializeToString() != data:
            raise ValueError(f"record at byte {pos}: unknown fields or non-canonical encoding")
        rec = {"wall_time": ev.wall_time, "step": ev.step, "what": ev.WhichOneof("what")}
        if rec["what"] == "file_version":
            rec["file_version"] = ev.file_version
        elif rec["what"] == "summary":
            vals = []
            for v in ev.summary.value:
                kind = v.WhichOneof("value")
                item = {"tag": v.tag, "kind": kind}
                if kind == "simple_value":
                    item["simple_value"] = v.simple_value
                elif kind == "image":
                    item["image"] = {"height": v.image.height, "width": v.image.width,
                                     "colorspace": v.image.colorspace,
                                     "decoded": image_info(v.image.encoded_image_string)}
                vals.append(item)
            rec["values"] = vals
        out.append(rec)
        pos += 16 + length
    return out


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("events", "images"):
        sys.stderr.write(__doc__)
        sys.exit(2)
    if sys.argv[1] == "events":
        result = read_events(sys.argv[2])
    else:
        result = []
        for p in sys.argv[2:]:
            with open(p, "rb") as f:
                result.append(image_info(f.read()))
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
