/**
 * The rule that turns a window's 690 probabilities into the one value a bin is coloured by: the focus
 * (tfbsLens.focusedExperiments) resolved against the loaded model, cut to the outputs that pass the
 * reliability floor (src/server/reliabilityView.ts), grouped by factor, and summarised under
 * tfbsLens.colourBy and the threshold (src/shared/binColour.ts). Each window result caches its value
 * for the rule's generation, so scrolling back over known bins costs nothing until the rule changes.
 */
import { BinColour, ColourGroups, binColour, binColourValue, groupByFactor } from '../shared/binColour';
import { TfbsSettings } from '../shared/settings';
import { LoadedModel, resolveFocus } from './modelHost';
import { SummarisedOutputs, floorNotice, summarisedOutputs } from './reliabilityView';
import { WindowResult, meanOf } from './resultCache';

export class FocusColouring {
  focus: number[] | undefined;
  /** Names in the focus setting the model has no experiment, factor or cell type for. */
  unknown: string[] = [];
  /** The focused outputs that pass the reliability floor: what colours and navigation summarise. */
  summarised: SummarisedOutputs = { outputs: undefined, belowFloor: 0, candidates: 0 };
  /** The summarised outputs by factor: what tfbsLens.colourBy works within. */
  groups: ColourGroups = [];
  /** Bumped by every apply: values cached on window results under an older one are recomputed. */
  private generation = 0;

  constructor(private readonly settings: () => TfbsSettings) {}

  /** Resolves the rule for the current settings and `model` (none: nothing focused, no groups). */
  apply(model: LoadedModel | undefined): void {
    const settings = this.settings();
    const { focus, unknown } = model ? resolveFocus(settings, model.experiments) : { focus: undefined, unknown: [] };
    this.focus = focus;
    this.unknown = unknown;
    this.summarised = model ? summarisedOutputs(model.pkg, focus, settings.minReliability) : { outputs: undefined, belowFloor: 0, candidates: 0 };
    this.groups = model ? groupByFactor(this.summarised.outputs ?? model.experiments.map((e) => e.index), (e) => model.experiments[e].factor) : [];
    this.generation++;
  }

  /** A window result's colour, with the experiments that set it (hovers, Explain). */
  colourOf(result: WindowResult): BinColour {
    const settings = this.settings();
    return binColour(settings.colourBy, (e) => meanOf(result, e), this.groups, settings.threshold);
  }

  /** The bin's colour value (binColourValue), cached on the result for the rule's generation. */
  valueOf(entry: WindowResult): number {
    if (entry.maxGeneration !== this.generation) {
      const settings = this.settings();
      const f = entry.forward;
      const r = entry.reverse;
      entry.max = binColourValue(settings.colourBy, r ? (e) => (f[e] + r[e]) / 2 : (e) => f[e], this.groups, settings.threshold);
      entry.maxGeneration = this.generation;
    }
    return entry.max;
  }

  /** What the model's status says about the rule: focus names the model lacks, a floor that hides all. */
  notices(): string[] {
    const notices = this.unknown.length
      ? [`tfbsLens.focusedExperiments: no experiment, factor or cell type named ${this.unknown.map((u) => `"${u}"`).join(', ')} in this model`]
      : [];
    const floor = floorNotice(this.summarised, this.focus !== undefined, this.settings().minReliability);
    if (floor) notices.push(floor);
    return notices;
  }
}
