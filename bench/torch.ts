/**
 * The PyTorch baseline rows (bench/torch_gmm.py, torch CPU on 2 threads), on the same arrays as
 * our rows. Without python3 + torch every call returns null and the rows are left out.
 */
import {execFileSync} from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import * as tf from '@tensorflow/tfjs-core';

let available: boolean | null = null;

function torchAvailable(): boolean {
  if (available === null) {
    try {
      execFileSync('python3', ['-c', 'import torch'], {stdio: 'ignore'});
      available = true;
    } catch {
      available = false;
    }
  }
  return available;
}

/**
 * torch's median ms per step of `kind` ('nll', 'layer' or 'mdn', see torch_gmm.py) for `type`,
 * on `arrays` (written to a temporary directory as float32), or null without torch.
 */
export function torchMsPerStep(
  kind: 'nll' | 'layer' | 'mdn',
  type: 'full' | 'diag',
  arrays: Record<string, tf.Tensor>,
  extra: Record<string, number> = {},
  reps = 5,
): {ms: number; label: string} | null {
  if (!torchAvailable()) return null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-gmm-torch-'));
  try {
    const prefix = path.join(dir, 'data');
    const shapes: Record<string, number[]> = {};
    for (const [name, t] of Object.entries(arrays)) {
      const values = t.dataSync() as Float32Array;
      fs.writeFileSync(`${prefix}.${name}.bin`, Buffer.from(values.buffer, values.byteOffset, values.byteLength));
      shapes[name] = t.shape;
    }
    fs.writeFileSync(`${prefix}.json`, JSON.stringify({shapes, ...extra}));
    const script = path.join(__dirname, 'torch_gmm.py');
    const out = JSON.parse(execFileSync('python3', [script, prefix, kind, type, String(reps)], {encoding: 'utf8'})) as {
      ms: number;
      version: string;
      threads: number;
    };
    return {ms: out.ms, label: `torch ${out.version} (CPU, ${out.threads} threads), MixtureSameFamily`};
  } finally {
    fs.rmSync(dir, {recursive: true, force: true});
  }
}
