/** Opens the engine that runs a model package's network: ONNX Runtime for ONNX, TensorFlow.js for TF.js. */
import { ModelPackage } from '../core/modelPackage';
import { EngineOptions, InferenceEngine } from '../core/engine';
import { openOnnxEngine } from './onnxEngine';
import { openTfjsEngine } from './tfjsEngine';

export function openEngine(pkg: ModelPackage, opts: EngineOptions = {}): Promise<InferenceEngine> {
  return pkg.format === 'onnx' ? openOnnxEngine(pkg, opts) : openTfjsEngine(pkg, opts);
}
