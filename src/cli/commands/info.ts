/** `tfbs info`: what a model is, what it was trained on, how well it did, and whether it loads. */
import { loadModelPackage } from '../../core/modelPackage';
import { factorGroups } from '../../core/targets';
import { openEngine } from '../../engine/openEngine';
import { stringOption } from '../args';
import { CliCommand } from '../command';
import { defaultModelDir } from '../paths';

export const infoCommand: CliCommand = {
  name: 'info',
  summary: 'describe a model package and check that it loads',
  usage: 'info [--model DIR] [--targets] [--json]',
  positionals: { min: 0, max: 0 },
  options: {
    model: { type: 'string', value: 'DIR', description: 'model directory; default: the shipped model' },
    targets: { type: 'boolean', description: 'list every experiment with its output index' },
    json: { type: 'boolean', description: 'print model.json as loaded' },
  },
  async run(args, io) {
    const pkg = await loadModelPackage(stringOption(args, 'model') ?? defaultModelDir());
    const engine = await openEngine(pkg, { onNotice: (m) => io.log(`notice: ${m}`) });
    await engine.dispose();
    const m = pkg.manifest;
    if (args.options.json) {
      process.stdout.write(JSON.stringify(m, null, 2) + '\n');
      return 0;
    }
    const lines = [
      `model        ${m.name}${m.description ? ` — ${m.description}` : ''}`,
      `directory    ${pkg.dir}`,
      `engine       ${engine.description} (the network loads and matches model.json)`,
      `input        ${m.input.length} bp one-hot, channels ${m.input.channels.join(',')}, N = all-zero row`,
      `bins         ${m.binSize} bp, one window centred on each`,
      `outputs      ${m.targets.length} experiments, ${factorGroups(pkg.experiments).size} factors, ${new Set(pkg.experiments.map((e) => e.cell)).size} cell types`,
      `architecture ${m.architecture.preset ?? 'custom'}${m.architecture.parameters ? `, ${Number(m.architecture.parameters).toLocaleString('en')} parameters` : ''}`,
    ];
    if (m.source) lines.push(`source       ${m.source.description ?? m.source.format} ${m.source.file}${m.source.importedAt ? `, imported ${m.source.importedAt}` : ''}${m.tfjs && m.onnx ? ' (TF.js form kept in ' + m.tfjs.file + ')' : ''}`);
    const metrics = m.metrics as Record<string, unknown> | undefined;
    if (metrics) lines.push(`metrics      ${summarizeMetrics(metrics)}`);
    if (m.training) lines.push(`training     ${String((m.training as Record<string, unknown>).summary ?? JSON.stringify(m.training).slice(0, 200))}`);
    if (args.options.targets) {
      lines.push('', 'index\tcell\tfactor\ttreatment');
      for (const e of pkg.experiments) lines.push(`${e.index}\t${e.cell}\t${e.factor}\t${e.treatment}`);
    }
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  },
};

function summarizeMetrics(metrics: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [split, value] of Object.entries(metrics)) {
    if (value && typeof value === 'object') {
      const v = value as Record<string, unknown>;
      const auc = v.meanRocAuc ?? v.mean_roc_auc;
      if (typeof auc === 'number') parts.push(`${split}: mean ROC AUC ${auc.toFixed(4)}`);
    }
  }
  return parts.length ? parts.join('; ') : JSON.stringify(metrics).slice(0, 200);
}
