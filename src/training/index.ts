/**
 * The training API for the CLI and the editor: start a run, follow its progress events, cancel it,
 * await its installed model. Also Python discovery (which interpreter has torch) on its own, for a
 * "check my setup" command.
 *
 *   const run = startTraining({ data, out, preset: 'compact', epochs: 10 }, {
 *     onEvent: (e) => { if (e.type === 'epoch') show(e.epoch, e.valRocAuc); },
 *     onStage: (stage, message) => status(message),
 *     onLog: (line) => output.appendLine(line),
 *   });
 *   token.onCancellationRequested(() => run.cancel());
 *   const result = await run.result; // rejects with a TfbsError (CancelledError on cancel)
 */
export { startTraining, defaultWorkDir, trainerScriptPath, PRESETS, DEFAULT_PRESET, ARCH_KEYS } from './run';
export type { Preset, TrainingOptions, TrainingEvents, TrainingResult, TrainingRun, TrainingStage } from './run';
export type { TrainerEvent, TrainerStartEvent, TrainerStepEvent, TrainerEpochEvent, TrainerDoneEvent, TrainerErrorEvent } from './events';
export { findPython, describePython, defaultPythonCandidates, MIN_TORCH_VERSION, INSTALL_HINT } from '../runtime/python';
export type { PythonInfo, PythonCandidateReport, PythonDiscoveryOptions } from '../runtime/python';
export { checkParity, PARITY_TOLERANCE } from './parity';
export type { ParityResult } from './parity';
export { specFromPath } from './data';
