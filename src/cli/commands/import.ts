/** `tfbs import`: a Keras / TF.js model of the DanQ family → a model package for ONNX Runtime. */
import { existsSync } from 'fs';
import * as path from 'path';
import { UsageError } from '../../core/errors';
import { loadModelPackage } from '../../core/modelPackage';
import { openEngine } from '../../engine/openEngine';
import { ChannelOrder } from '../../import/channels';
import { SHIPPED_JASPAR, readMotifs } from '../../motifs/jaspar';
import { importModel } from '../../import/index';
import { KERAS0_PRESETS, SEYA_BIDIRECTIONAL_READINGS, SeyaBidirectionalReading } from '../../import/keras0';
import { intOption, stringOption } from '../args';
import { CliCommand } from '../command';
import { packageRoot } from '../paths';

/** JASPAR 2024 CORE vertebrates (non-redundant), shipped in data/ for the channel-order check. */

export const importCommand: CliCommand = {
  usage: 'import <model.h5|model.keras|model.json|model.pth> --out DIR [--targets FILE|deepsea] [--channels AGCT|ACGT] [--architecture danq|FILE.json]',
  positionals: { min: 1, max: 1 },
  options: {
    out: { type: 'string', short: 'o', value: 'DIR', description: 'model package to write (a directory; refused if it exists, unless --force)' },
    targets: { type: 'string', value: 'FILE|deepsea', description: 'output names: a file with one per line, or "deepsea" (690 TF experiments; a 919-output model keeps those 690); default: output_0, output_1, …' },
    channels: { type: 'string', value: 'AGCT|ACGT', description: 'one-hot channel order the model was trained on (default AGCT, DeepSEA\'s; ACGT for Selene checkpoints); ACGT models get their first layer permuted' },
    architecture: { type: 'string', value: 'NAME|FILE', description: `Keras 0/1 files (no architecture inside): a preset (${Object.keys(KERAS0_PRESETS).join(', ')}) or a JSON file` },
    'seya-bidirectional': { type: 'string', value: SEYA_BIDIRECTIONAL_READINGS.join('|'), description: "Keras 0/1 files: how seya's Bidirectional is read; two-forward (default): both LSTMs forward in time, as seya computed and DanQ's weights were trained; true-reverse: a true bidirectional LSTM (the DanQ paper's description; not the file's own predictions)" },
    length: { type: 'string', value: 'BP', description: 'input length, for models built with an undeclared length (None, 4)' },
    bin: { type: 'string', value: 'BP', description: 'bin size the model scores by default (50, 100, 200); default 200, or the largest that fits its window' },
    name: { type: 'string', value: 'NAME', description: 'model name (default: the file name)' },
    'all-outputs': { type: 'boolean', description: 'with --targets deepsea: keep all 919 outputs of a 919-output model' },
    logits: { type: 'boolean', description: 'the model ends without an activation: append a sigmoid' },
    motifs: { type: 'string', value: 'FILE', description: 'JASPAR or MEME motifs for the channel-order check (default: the shipped JASPAR 2024 vertebrates)' },
    'channel-check': { type: 'boolean', description: 'compare first-layer filters with JASPAR under both channel orders (default on; --no-channel-check skips it)' },
    force: { type: 'boolean', description: 'replace a model package (or empty folder) at --out; a folder with other files is refused' },
    'selene-class': { type: 'string', value: 'danq|deepsea', description: "PyTorch state dicts: Selene's class (default: recognised from the keys)" },
    python: { type: 'string', value: 'PATH', description: 'PyTorch state dicts: the Python (with torch and h5py) that converts them' },
  },
  async run(args, io) {
    const [file] = args.positionals;
    const out = stringOption(args, 'out');
    if (!out) throw new UsageError('--out DIR is required');
    const channels = stringOption(args, 'channels')?.toUpperCase();
    if (channels !== undefined && channels !== 'AGCT' && channels !== 'ACGT') throw new UsageError(`--channels must be AGCT or ACGT; got "${channels}"`);
    const seyaBidirectional = stringOption(args, 'seya-bidirectional');
    if (seyaBidirectional !== undefined && !(SEYA_BIDIRECTIONAL_READINGS as readonly string[]).includes(seyaBidirectional)) {
      throw new UsageError(`--seya-bidirectional must be ${SEYA_BIDIRECTIONAL_READINGS.join(' or ')}; got "${seyaBidirectional}"`);
    }
    const root = packageRoot();
    let motifs;
    if (args.options['channel-check'] !== false) {
      const motifFile = stringOption(args, 'motifs') ?? path.join(root, SHIPPED_JASPAR);
      if (existsSync(motifFile)) motifs = await readMotifs(motifFile);
      else io.log(`notice: no motif file at ${motifFile}; the channel order is not checked`);
    }
    const result = await importModel(file, {
      out,
      channels: channels as ChannelOrder | undefined,
      seleneClass: stringOption(args, 'selene-class'),
      python: stringOption(args, 'python'),
      targets: stringOption(args, 'targets'),
      architecture: stringOption(args, 'architecture'),
      seyaBidirectional: seyaBidirectional as SeyaBidirectionalReading | undefined,
      length: args.options.length === undefined ? undefined : intOption(args, 'length', 0, 1, 1 << 20),
      binSize: args.options.bin === undefined ? undefined : intOption(args, 'bin', 200, 1),
      name: stringOption(args, 'name'),
      allOutputs: args.options['all-outputs'] === true,
      logits: args.options.logits === true,
      motifs,
      force: args.options.force === true,
      dataDir: path.join(root, 'data'),
      log: io.log,
    });
    // The package must load and run before it is reported as written.
    const pkg = await loadModelPackage(result.dir);
    const engine = await openEngine(pkg, { threads: 1 });
    await engine.dispose();
    const m = result.manifest;
    io.log(`imported ${result.formatLabel}: ${m.input.length} bp input → ${m.targets.length} outputs, ${Number(m.architecture.parameters).toLocaleString('en')} parameters`);
    for (const n of result.notes) io.log(`note: ${n}`);
    const c = result.channelCheck;
    if (c) {
      io.log(c.verdict === 'undetermined'
        ? `channel order ${result.channels}: not checkable (${c.declaredWins} first-layer filters match JASPAR clearly better as declared, ${c.otherWins} with C and G swapped)`
        : `channel order ${result.channels}: consistent (${c.declaredWins} of ${c.informative} first-layer filters that resemble a JASPAR motif match clearly better as declared)`);
    }
    io.log(`wrote ${result.dir} (model.onnx${m.tfjs ? ', tfjs/' : ''}, model.json)`);
    return 0;
  },
};
