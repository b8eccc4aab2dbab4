/**
 * PyTorch checkpoints of Selene's DanQ and DeepSEA classes. Reading a pickle is Python's job: the
 * converter (python/selene_import.py, run with an interpreter that has torch and h5py) writes the
 * weights as a tf.keras 2 style HDF5 file in Keras layouts, and that file goes through the Keras path
 * like any other — one mapping to ONNX, one set of parity tests.
 */
import { spawn } from 'child_process';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EnvironmentError, ModelError } from '../core/errors';
import { findPython } from '../runtime/python';
import { Hdf5 } from './hdf5';
import { ImportedNetwork, readKerasH5 } from './kerasFiles';

export interface PytorchImportOptions {
  /** python/selene_import.py */
  script: string;
  /** Input length the checkpoint was trained for (Selene's classes take it as a constructor argument). */
  length?: number;
  /** 'danq' | 'deepsea'; default: recognised from the state dict's keys. */
  seleneClass?: string;
  python?: string;
}

export async function readPytorch(file: string, opts: PytorchImportOptions): Promise<ImportedNetwork & { notes: string[] }> {
  const py = await findPython({ preferred: opts.python, onlyPreferred: !!opts.python, timeoutSeconds: 60 });
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-selene-'));
  try {
    const h5 = path.join(tmp, 'converted.h5');
    const args = [opts.script, file, h5, '--length', String(opts.length ?? 1000), ...(opts.seleneClass ? ['--class', opts.seleneClass] : [])];
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(py.command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
      let out = '';
      let err = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('error', reject);
      child.on('close', (c) => {
        clearTimeout(timer);
        resolve({ code: c, stdout: out, stderr: err });
      });
    });
    const last = stdout.trim().split('\n').pop() ?? '';
    let result: { error?: string; field?: string; class?: string; notes?: string[] } = {};
    try {
      result = JSON.parse(last);
    } catch {
      // not JSON: a crash; reported below with stderr
    }
    if (result.error) throw new ModelError(result.error, { file, field: result.field ?? undefined });
    if (code !== 0) throw new EnvironmentError(`the PyTorch converter failed (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    const h = await Hdf5.open(h5);
    try {
      const imported = await readKerasH5(file, h);
      const cls = result.class === 'danq' ? 'DanQ' : 'DeepSEA';
      return { ...imported, format: 'pytorch', formatLabel: `PyTorch state dict of Selene's ${cls} (torch via ${py.executable})`, modelConfig: undefined, notes: result.notes ?? [] };
    } finally {
      h.close();
    }
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/** torch.save's zip (an archive/data.pkl inside) or its legacy pickle (protocol 2 header). */
export function looksLikeTorch(head: Buffer, zipNames?: string[]): boolean {
  if (zipNames) return zipNames.some((n) => n.endsWith('/data.pkl') || n === 'data.pkl');
  return head[0] === 0x80 && head[1] >= 2 && head[1] <= 5;
}
