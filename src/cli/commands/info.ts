/** `tfbs info`: what a model is, what it was trained on, how well it did, and whether it loads. */
import { loadModelPackage } from '../../core/modelPackage';
import { DEFAULT_RELIABILITY_FLOOR, assessOutput, passesFloor, verdictLongText } from '../../core/reliability';
import { factorGroups } from '../../core/targets';
import { openEngine } from '../../engine/openEngine';
import { stringOption } from '../args';
import { CliCommand } from '../command';
import { defaultModelDir } from '../paths';

export const infoCommand: CliCommand = {
  usage: 'info [--model DIR] [--targets] [--json]',
  positionals: { min: 0, max: 0 },
  options: {
    model: { type: 'string', value: 'DIR', description: 'model directory; default: the shipped model' },
    targets: { type: 'boolean', description: 'list every experiment with its output index and how far it is known to work (grade, held-out ROC AUC, AP, positives)' },
    json: { type: 'boolean', description: 'print model.json as loaded (with --targets: also reliability.json)' },
  },
  async run(args, io) {
    const pkg = await loadModelPackage(stringOption(args, 'model') ?? defaultModelDir());
    // What it reports — the network loads and matches model.json — is the per-window session's check:
    // not the chunk graph and its worker threads (scoring builds and probes those when it runs).
    const engine = await openEngine(pkg, { chunks: false, onNotice: (m) => io.log(`notice: ${m}`) });
    await engine.dispose();
    const m = pkg.manifest;
    if (args.options.json) {
      const json = args.options.targets ? { ...m, reliability: pkg.reliability ?? null } : m;
      process.stdout.write(JSON.stringify(json, null, 2) + '\n');
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
    lines.push(`reliability  ${reliabilitySummary(pkg.reliability, pkg.experiments.length)}`);
    if (args.options.targets) {
      lines.push('', 'index\tcell\tfactor\ttreatment\tgrade\theld_out_roc_auc\theld_out_ap\theld_out_positives\ttrain_positives\tout_of_region_roc_auc\tpasses_floor\tdetail');
      const n = (v: number | undefined, d = 3): string => (v === undefined ? 'NA' : v.toFixed(d));
      for (const e of pkg.experiments) {
        const v = assessOutput(pkg.reliability, e.index);
        lines.push([
          e.index, e.cell, e.factor, e.treatment, v.grade, n(v.rocAuc), n(v.averagePrecision), v.positives ?? 'NA', v.trainPositives ?? 'NA',
          n(v.outOfRegionRocAuc), pkg.reliability ? (passesFloor(pkg.reliability, e.index) ? 'yes' : 'no') : 'NA', verdictLongText(v),
        ].join('\t'));
      }
    }
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  },
};

function reliabilitySummary(data: Parameters<typeof assessOutput>[0], outputs: number): string {
  if (!data) return 'unmeasured: no reliability.json (measure it with tfbs evaluate --data DIR --write-reliability)';
  const grades = { A: 0, B: 0, C: 0, D: 0, unmeasured: 0 };
  let passing = 0;
  for (let i = 0; i < outputs; i++) {
    grades[assessOutput(data, i).grade]++;
    if (passesFloor(data, i)) passing++;
  }
  const on = data.heldOut ? ` on ${data.heldOut.source}, ${data.heldOut.split} split (${data.heldOut.samples} windows)` : '';
  return `${passing} of ${outputs} outputs pass the floor (held-out ROC AUC ≥ ${DEFAULT_RELIABILITY_FLOOR.minRocAuc}, ≥ ${DEFAULT_RELIABILITY_FLOOR.minPositives} positives, 95 % lower bound > 0.5)${on}; grades A ${grades.A}, B ${grades.B}, C ${grades.C}, D ${grades.D}, unmeasured ${grades.unmeasured}`;
}

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
