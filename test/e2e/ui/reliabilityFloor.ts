// What the heatmap's row count and reliability controls should show for the model under test at the
// editor's default floor (tfbsLens.minReliability 0.7), computed from its reliability.json with the
// core's own rule: the UI suites check the webview against it.
import * as fs from 'fs';
import * as path from 'path';
import { DEFAULT_RELIABILITY_FLOOR, ReliabilityData, aucConfidenceInterval, passesFloor } from '../../../src/core/reliability';
import { repoRoot } from '../driver/paths';

export interface ModelFloor {
  total: number;
  /** Outputs that pass the default floor. */
  passing: number;
  /** Held-out ROC AUC of the first row under "Most reliable first" (the highest 95 % lower bound). */
  topAuc: number;
}

/** Undefined for a model without reliability data. */
export function floorOfModel(): ModelFloor | undefined {
  const modelDir = process.env.TFBS_E2E_MODEL_DIR ? path.resolve(process.env.TFBS_E2E_MODEL_DIR) : path.join(repoRoot, 'models', 'default');
  const file = path.join(modelDir, 'reliability.json');
  if (!fs.existsSync(file)) return undefined;
  const data = JSON.parse(fs.readFileSync(file, 'utf8')) as ReliabilityData;
  const pass = data.outputs.filter((o) => passesFloor(data, o.index, DEFAULT_RELIABILITY_FLOOR));
  const low = (o: (typeof pass)[number]): number => aucConfidenceInterval(o.heldOut!.rocAuc!, o.heldOut!.positives, o.heldOut!.negatives)[0];
  const first = pass.reduce((a, b) => (low(b) > low(a) || (low(b) === low(a) && b.heldOut!.rocAuc! > a.heldOut!.rocAuc!) ? b : a));
  return { total: data.outputs.length, passing: pass.length, topAuc: first.heldOut!.rocAuc! };
}

/** The heatmap's row count line: "N of T experiments", then what the floor does to the rest. */
export function countText(shown: number, total: number, floor: ModelFloor | undefined, hidden = false): string {
  if (!floor) return `${shown} of ${total} experiments · reliability unmeasured`;
  return `${shown} of ${total} experiments · ${floor.total - floor.passing} below the reliability floor (0.7), ${hidden ? 'hidden' : 'dimmed'}`;
}
