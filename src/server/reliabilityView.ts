/**
 * The reliability floor as the editor applies it: which outputs the colours, strong-site navigation and
 * the strongest-bin messages summarise, and each output's verdict as hovers and the heatmap show it.
 *
 * How the focus and the floor combine: the focus (tfbsLens.focusedExperiments) says which experiments
 * the user is looking at; the floor (tfbsLens.minReliability) says which of them are measured well
 * enough for a colour to mean something. Colours summarise the focused outputs that pass the floor.
 * When none of the focused outputs passes, nothing is coloured — a colour would then stand for an
 * output measured not to work — and the hover and the status say so, naming the setting that shows
 * them (0 shows every output). A model without reliability data passes everything ("unmeasured").
 */
import { ModelPackage } from '../core/modelPackage';
import { assessOutput, floorAt, passesFloor, verdictLongText, verdictShortText } from '../core/reliability';
import { ExperimentReliability } from '../shared/protocol';

export function experimentReliability(pkg: ModelPackage, index: number, minReliability: number): ExperimentReliability {
  const v = assessOutput(pkg.reliability, index);
  return {
    grade: v.grade,
    ...(v.rocAuc !== undefined ? { rocAuc: v.rocAuc } : {}),
    ...(v.ci95 ? { ci95: v.ci95 } : {}),
    ...(v.positives !== undefined ? { positives: v.positives } : {}),
    summary: verdictShortText(v),
    detail: verdictLongText(v),
    passes: passesFloor(pkg.reliability, index, floorAt(minReliability)),
  };
}

export interface SummarisedOutputs {
  /** The outputs colours summarise; undefined: all of them (nothing filtered). */
  outputs: number[] | undefined;
  /** Focused (or all) outputs the floor left out. */
  belowFloor: number;
  /** Outputs the focus names, before the floor. */
  candidates: number;
}

/** The focused outputs (all when `focus` is undefined) that pass the floor. */
export function summarisedOutputs(pkg: ModelPackage, focus: readonly number[] | undefined, minReliability: number): SummarisedOutputs {
  const candidates = focus ?? pkg.experiments.map((e) => e.index);
  const floor = floorAt(minReliability);
  const outputs = candidates.filter((e) => passesFloor(pkg.reliability, e, floor));
  const belowFloor = candidates.length - outputs.length;
  return { outputs: belowFloor === 0 && !focus ? undefined : outputs, belowFloor, candidates: candidates.length };
}

/** A status notice when the floor leaves the focus empty, or undefined. */
export function floorNotice(s: SummarisedOutputs, focused: boolean, minReliability: number): string | undefined {
  if (s.outputs === undefined || s.outputs.length > 0) return undefined;
  const what = focused ? `all ${s.candidates} focused experiment${s.candidates === 1 ? ' is' : 's are'}` : 'every experiment is';
  return `${what} below the reliability floor (tfbsLens.minReliability = ${minReliability}): nothing is coloured; set it to 0 to show them`;
}
