/**
 * Which outputs a scoring command writes: `--targets` (indices, names, factors, cell types) and
 * `--min-reliability` (only outputs measured to work, from the package's reliability.json), for score,
 * ism and variants alike.
 */
import { ModelError, UsageError } from '../core/errors';
import { ModelPackage } from '../core/modelPackage';
import { DEFAULT_RELIABILITY_FLOOR, floorAt, passesFloor } from '../core/reliability';
import { selectTargets } from '../core/targets';
import { OptionSpec, numberOption, stringOption } from './args';
import { CliIo, ParsedArgs } from './command';

export const MIN_RELIABILITY_OPTION: OptionSpec = {
  type: 'string',
  value: 'AUC',
  description: `keep only experiments measured to work: held-out ROC AUC ≥ AUC with ≥ ${DEFAULT_RELIABILITY_FLOOR.minPositives} held-out positives and a 95 % lower bound above 0.5 (e.g. ${DEFAULT_RELIABILITY_FLOOR.minRocAuc}; tfbs info --targets lists them)`,
};

/** The selected output indices, ascending; refuses what selects nothing, naming why. */
export function selectOutputs(args: ParsedArgs, pkg: ModelPackage, io: Pick<CliIo, 'log'>): number[] {
  let selected = pkg.experiments.map((e) => e.index);
  const targetList = stringOption(args, 'targets');
  if (targetList !== undefined) {
    const { indices, unknown } = selectTargets(pkg.experiments, targetList.split(','));
    if (unknown.length) throw new UsageError(`--targets: no experiment, factor or cell type named ${unknown.map((u) => `"${u}"`).join(', ')} in model ${pkg.manifest.name} (see tfbs info)`);
    if (!indices.length) throw new UsageError('--targets selects no experiment');
    selected = indices;
  }
  if (args.options['min-reliability'] !== undefined) {
    const minRocAuc = numberOption(args, 'min-reliability', DEFAULT_RELIABILITY_FLOOR.minRocAuc, 0, 1);
    if (!pkg.reliability) {
      throw new ModelError(`--min-reliability: model ${pkg.manifest.name} carries no reliability data (reliability.json), so every output is unmeasured; measure it with tfbs evaluate --data DIR --write-reliability`, { file: pkg.dir });
    }
    const kept = selected.filter((t) => passesFloor(pkg.reliability, t, floorAt(minRocAuc)));
    if (!kept.length) throw new UsageError(`--min-reliability ${minRocAuc}: none of the ${selected.length} selected experiments is measured to reach it (see tfbs info --targets)`);
    io.log(`notice: --min-reliability ${minRocAuc} keeps ${kept.length} of ${selected.length} experiments`);
    selected = kept;
  }
  return selected;
}
