/**
 * The ONNX checker with full checking and strict, type-checked shape inference (Python onnx), run
 * on many files in one process. Returns one error string per failing file ('' when it passed).
 */
import { execFileSync } from 'node:child_process';
import { PYTHON } from '../../helpers/python';

const SCRIPT = `
import json, sys, onnx
res = []
for f in json.loads(sys.argv[1]):
    try:
        m = onnx.load(f)
        onnx.checker.check_model(m, full_check=True)
        onnx.shape_inference.infer_shapes(m, check_type=True, strict_mode=True)
        res.append("")
    except Exception as e:
        res.append(f"{f}: {type(e).__name__}: {e}")
print(json.dumps(res))
`;

export function onnxCheck(files: string[]): string[] {
  const out = execFileSync(PYTHON, ['-c', SCRIPT, JSON.stringify(files)], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop() as string) as string[];
}
