/** `tfbs export --format tfjs`: an imported model package → a TF.js Layers model (model.json + weights.bin). */
import { UsageError } from '../../core/errors';
import { exportTfjs } from '../../import/exportTfjs';
import { stringOption } from '../args';
import { CliCommand } from '../command';
import { defaultModelDir } from '../paths';

export const exportCommand: CliCommand = {
  usage: 'export --format tfjs [--model DIR] --out DIR [--force]',
  positionals: { min: 0, max: 0 },
  options: {
    format: { type: 'string', value: 'tfjs', description: 'output format (tfjs: a TF.js Layers model.json + weights.bin)' },
    model: { type: 'string', value: 'DIR', description: 'model package; default: the shipped model' },
    out: { type: 'string', short: 'o', value: 'DIR', description: 'folder to write (refused if it exists, unless --force)' },
    force: { type: 'boolean', description: 'replace an existing --out' },
  },
  async run(args, io) {
    const format = stringOption(args, 'format');
    if (format !== 'tfjs') throw new UsageError(`--format must be tfjs${format ? `; got "${format}"` : ''}`);
    const out = stringOption(args, 'out');
    if (!out) throw new UsageError('--out DIR is required');
    const r = await exportTfjs(stringOption(args, 'model') ?? defaultModelDir(), out, args.options.force === true);
    io.log(`${r.how === 'copied' ? 'copied the TF.js form the model came in' : 'rebuilt the TF.js Layers model from model.onnx'} → ${r.dir} (model.json, weights; input A,G,C,T)`);
    return 0;
  },
};
