/** Opens the engine that runs a model package's network: ONNX Runtime for ONNX, TensorFlow.js for TF.js; or an ensemble of packages. */
import { EnvironmentError, ModelError } from '../core/errors';
import { ModelPackage } from '../core/modelPackage';
import { EngineOptions, InferenceEngine } from '../core/engine';
import { EnsembleEngine, checkEnsembleMembers } from '../core/ensemble';
import { openOnnxEngine } from './onnxEngine';
import { openTfjsEngine } from './tfjsEngine';

export async function openEngine(pkg: ModelPackage, opts: EngineOptions = {}): Promise<InferenceEngine> {
  if (pkg.format === 'onnx') {
    try {
      return await openOnnxEngine(pkg, opts);
    } catch (e) {
      // ONNX Runtime's native module cannot load here (a VSIX of another platform, a broken install):
      // a package that also carries its TF.js form still runs, on TensorFlow.js' WebAssembly backend.
      if (!(e instanceof EnvironmentError) || !pkg.manifest.tfjs || opts.precision === 'int8') throw e;
      opts.onNotice?.(`${e.message}; running this model's TF.js form on TensorFlow.js instead`);
      return openTfjsEngine(pkg, opts);
    }
  }
  // int8 is built from the ONNX graph (chunk graph + ORT's quantised operators); a TF.js model has none.
  if (opts.precision === 'int8') throw new ModelError(`int8 is not available for model "${pkg.manifest.name}": it is a TensorFlow.js model, and int8 runs on ONNX Runtime; use --precision fp32`, { file: pkg.dir });
  return openTfjsEngine(pkg, opts);
}

/**
 * One engine for several packages whose probabilities are averaged (core/ensemble.ts); a single
 * package opens as itself. Members are checked against the first before any is opened.
 */
export async function openEnsembleEngine(pkgs: readonly ModelPackage[], opts: EngineOptions = {}): Promise<InferenceEngine> {
  checkEnsembleMembers(pkgs);
  if (pkgs.length === 1) return openEngine(pkgs[0], opts);
  const opened: InferenceEngine[] = [];
  try {
    for (const pkg of pkgs) opened.push(await openEngine(pkg, opts));
  } catch (e) {
    await Promise.allSettled(opened.map((m) => m.dispose()));
    throw e;
  }
  return new EnsembleEngine(opened);
}
