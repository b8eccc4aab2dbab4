/**
 * The one loaded model of the server: package, engine and the focus resolved against its experiments.
 * Loading happens once per (path, device, threads); a failed load leaves no model and a status that
 * says why, in words, so the editor can offer "Select model…". A model already loaded keeps working
 * if its directory disappears later (ONNX Runtime holds the network in memory).
 */
import * as path from 'path';
import { isTfbsError, ModelError } from '../core/errors';
import { DEFAULT_MODEL_DIR, ModelPackage, loadModelPackage } from '../core/modelPackage';
import { Experiment, selectTargets } from '../core/targets';
import { InferenceEngine } from '../core/engine';
import { openEngine } from '../engine/openEngine';
import { ModelStatus } from '../shared/protocol';
import { TfbsSettings } from '../shared/settings';

export interface LoadedModel {
  key: number;
  pkg: ModelPackage;
  engine: InferenceEngine;
  experiments: Experiment[];
  notices: string[];
}

/** Opens an engine for a package; replaceable in tests. */
export type EngineOpener = (pkg: ModelPackage, settings: TfbsSettings, onNotice: (m: string) => void) => Promise<InferenceEngine>;

/**
 * The server's engine opener; `ismWorker` false keeps ISM (Explain) on one session of this thread
 * (bench/explain.ts compares the two in one run).
 */
export function engineOpener(ismWorker: boolean): EngineOpener {
  return async (pkg, settings, onNotice) => {
    const opts = { device: settings.device, threads: settings.threads > 0 ? settings.threads : undefined, onNotice, substitutionWorker: ismWorker ? undefined : false };
    if (settings.precision !== 'int8') return openEngine(pkg, opts);
    try {
      return await openEngine(pkg, { ...opts, precision: 'int8' });
    } catch (e) {
      // The editor keeps working: the refusal (with its figures) becomes a notice and fp32 runs.
      if (!(e instanceof ModelError)) throw e;
      onNotice(`${e.detail.replace(/; use --precision fp32$/, '')}; running fp32`);
      return openEngine(pkg, opts);
    }
  };
}

// ISM's worker thread in the language server too (Explain on both cores): with ISM's runs shrunk
// (2026-12-07) the server's peak RSS after one bin, more bins and a 1 kb selection measured 525–584 MB
// with it, 422–491 MB without (bench/explain.ts, five runs, shipped model; target ≤ 600 MB); the build
// before: 610–652 MB on one session, ~700 with the worker.
export const openEngineForSettings: EngineOpener = engineOpener(true);

function resolveModelDir(settings: TfbsSettings, extensionPath: string): string {
  return settings.modelPath ? path.resolve(settings.modelPath) : path.join(extensionPath, DEFAULT_MODEL_DIR);
}

export class ModelHost {
  private loaded: LoadedModel | undefined;
  private keyCounter = 0;
  private loadToken = 0;
  private lastStatus: ModelStatus = { state: 'loading', modelKey: 0 };

  constructor(
    private readonly extensionPath: string,
    private readonly onStatus: (status: ModelStatus) => void,
    private readonly openEngine: EngineOpener = openEngineForSettings,
  ) {}

  get model(): LoadedModel | undefined {
    return this.loaded;
  }

  get status(): ModelStatus {
    return this.lastStatus;
  }

  /**
   * (Re)loads the model the settings name. Resolves with the new model, or undefined when it could not
   * be loaded or a later load superseded this one.
   */
  async load(settings: TfbsSettings): Promise<LoadedModel | undefined> {
    const token = ++this.loadToken;
    const dir = resolveModelDir(settings, this.extensionPath);
    const previous = this.loaded;
    this.loaded = undefined;
    const key = ++this.keyCounter;
    this.publish({ state: 'loading', modelKey: key, dir });
    if (previous) await previous.engine.dispose().catch(() => undefined);
    const notices: string[] = [];
    try {
      const pkg = await loadModelPackage(dir);
      const engine = await this.openEngine(pkg, settings, (m) => notices.push(m));
      if (token !== this.loadToken) {
        await engine.dispose().catch(() => undefined);
        return undefined;
      }
      // The caller publishes the ready status once it has applied the settings that depend on the
      // model (focus, bin size), so the first 'ready' already tells the whole story.
      this.loaded = { key, pkg, engine, experiments: pkg.experiments, notices };
      return this.loaded;
    } catch (e) {
      if (token !== this.loadToken) return undefined;
      const reason = isTfbsError(e) ? e.message : `unexpected error: ${(e as Error)?.message ?? e}`;
      const hint = settings.modelPath
        ? 'Pick another one with "TFBS: Select model…".'
        : 'The extension ships no model here yet: train one with "TFBS: Train model…" or pick one with "TFBS: Select model…".';
      this.publish({ state: 'error', modelKey: key, dir, message: `${reason}. ${hint}`, notices });
      return undefined;
    }
  }

  /** Status of the loaded model with the settings now in force (bin size, focus notices). */
  readyStatus(settings: TfbsSettings, extraNotices: string[] = []): ModelStatus {
    const m = this.loaded;
    if (!m) return this.lastStatus;
    const manifest = m.pkg.manifest;
    return {
      state: 'ready',
      modelKey: m.key,
      dir: m.pkg.dir,
      name: manifest.name,
      backend: m.engine.description,
      device: m.engine.device,
      experimentCount: m.experiments.length,
      windowLength: m.engine.inputLength,
      binSize: effectiveBinSize(settings, m),
      trainedBinSize: manifest.binSize,
      notices: [...m.notices, ...extraNotices],
    };
  }

  publish(status: ModelStatus): void {
    this.lastStatus = status;
    this.onStatus(status);
  }

  async dispose(): Promise<void> {
    this.loadToken++;
    const m = this.loaded;
    this.loaded = undefined;
    if (m) await m.engine.dispose().catch(() => undefined);
  }
}

export function effectiveBinSize(settings: TfbsSettings, model: LoadedModel | undefined): number {
  if (settings.binSize) return settings.binSize;
  return model?.pkg.manifest.binSize ?? 200;
}

/** The focus setting resolved against a model: undefined means all experiments. */
export function resolveFocus(settings: TfbsSettings, experiments: readonly Experiment[]): { focus: number[] | undefined; unknown: string[] } {
  if (settings.focusedExperiments.length === 0) return { focus: undefined, unknown: [] };
  const { indices, unknown } = selectTargets(experiments, settings.focusedExperiments);
  return { focus: indices.length ? indices : undefined, unknown };
}
