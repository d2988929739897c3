"""The seed project's dataset file, written and read by h5py as its own code does, for the cold
dataset-load benchmark (`npm run bench -- coldload`).

  write IDX_DIR OUT_DIR   MNIST's 70,000 digits (train, then test) as the seed's prepare_h5py
                          wrote them: one group per id "0".."69999" holding `image` (uint8
                          [28, 28, 1]) and `label` (one-hot bool [10]), and id.txt
  read DIR                reads every example's image and label through h5py, as the seed's
                          loader does (one group at a time); prints {"seconds": wall, "count": n}
"""
import json, os, sys, time
import h5py, numpy as np

def write(idx, out):
    rd = lambda f, o: np.fromfile(os.path.join(idx, f), np.uint8)[o:]
    image = np.concatenate([rd('train-images-idx3-ubyte', 16), rd('t10k-images-idx3-ubyte', 16)]).reshape(-1, 28, 28, 1)
    label = np.concatenate([rd('train-labels-idx1-ubyte', 8), rd('t10k-labels-idx1-ubyte', 8)])
    os.makedirs(out, exist_ok=True)
    with h5py.File(os.path.join(out, 'data.hdf5'), 'w') as f, open(os.path.join(out, 'id.txt'), 'w') as ids:
        for i in range(image.shape[0]):
            grp = f.create_group(str(i))
            ids.write(str(i) + '\n')
            grp['image'] = image[i]
            v = np.zeros(10)
            v[label[i] % 10] = 1
            grp['label'] = v.astype(bool)

def read(d):
    ids = open(os.path.join(d, 'id.txt')).read().split()
    t0 = time.perf_counter()
    with h5py.File(os.path.join(d, 'data.hdf5'), 'r') as f:
        images = [f[i]['image'][()] for i in ids]
        labels = [f[i]['label'][()] for i in ids]
    print(json.dumps({'seconds': time.perf_counter() - t0, 'count': len(images) + 0 * len(labels)}))

if __name__ == '__main__':
    write(sys.argv[2], sys.argv[3]) if sys.argv[1] == 'write' else read(sys.argv[2])
