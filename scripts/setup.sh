#!/usr/bin/env bash
# Sets up ssgan on Debian 12 (as root): system packages, npm packages, the libtorch addon and the
# TypeScript build. Safe to re-run. LIBTORCH=/path/to/libtorch (or Torch_DIR) builds against
# another libtorch (e.g. a CUDA one) instead of Debian's CPU libtorch-dev.
set -euo pipefail
cd "$(dirname "$0")/.."

# Build tools, BLAS (Debian's libtorch falls back to the 30x slower reference BLAS without
# OpenBLAS), and the tools the tests check our files with (h5py, the onnx checker, protobuf,
# crc32c, Pillow, SciPy as the score metrics' reference, and PyTorch on the same libtorch as an
# independent reference).
packages=(build-essential cmake git python3 libopenblas0-pthread
  python3-numpy python3-h5py python3-onnx hdf5-tools python3-protobuf protobuf-compiler python3-crcmod
  python3-pil fonts-dejavu-core python3-torch python3-scipy)
# libgloo-dev: the Gloo headers libtorch-dev's c10d headers include (data-parallel training).
if [ -z "${LIBTORCH:-}" ] && [ -z "${Torch_DIR:-}" ]; then packages+=(libtorch-dev libgloo-dev); fi
command -v node >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --ignore-scripts: no dependency needs its install script, and onnxruntime-node's would try to
# download CUDA binaries (its CPU build ships inside the package). Same result on every npm.
echo "setup: npm ci"
ONNXRUNTIME_NODE_INSTALL=skip npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

echo "setup: building the libtorch addon and the TypeScript sources"
log=$(mktemp)
npm run --silent build:native >"$log" 2>&1 || { tail -40 "$log"; echo "setup: the libtorch addon did not build (log: $log)"; exit 1; }
npm run --silent build:ts
echo "setup: done ($(node -e "const b=require('./build/Release/ssgan_native.node');console.log('libtorch', b.torchVersion(), b.cudaAvailable() ? 'with CUDA' : 'CPU')"))"
