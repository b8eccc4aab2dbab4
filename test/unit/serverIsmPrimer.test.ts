/**
 * The language server readies ISM (Explain) while it is idle, as rust-analyzer primes its caches: once
 * a model is loaded, a document is open and the screen is scored, it builds and checks the
 * substitution graphs, starts ISM's worker thread and runs one batch of warm-up mutants, so that the
 * first Explain costs what the later ones do. Work the user waits for comes first: scoring that arrives
 * while it primes stops it between steps, and it resumes once the server is quiet again.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PRIME_RUNS } from '../../src/attribution/ism';
import { InferenceEngine, Substitution } from '../../src/core/engine';
import { SubstitutionSessions } from '../../src/engine/onnxSubstitutions';
import { SubstitutionWorker } from '../../src/engine/substitutionWorkers';
import { Explainer } from '../../src/server/explain';
import { EngineOpener } from '../../src/server/modelHost';
import { ScoringService, ServiceEvents } from '../../src/server/scoringService';
import { normaliseSettings, TfbsSettings } from '../../src/shared/settings';
import { DANQ_TINY, writeDanqModelPackage } from '../fixtures/danqModel';
import { randomDna } from '../fixtures/sequences';
import { wrapFasta } from './serverHarness';

const OUTPUTS = 4;
const uri = 'file:///tmp/primer.fa';
const events: ServiceEvents = { binScores: () => undefined, progress: () => undefined, modelStatus: () => undefined, problemsChanged: () => undefined, log: () => undefined };
const at = (offset: number): { line: number; character: number } => ({ line: 1 + Math.floor(offset / 60), character: offset % 60 });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let tmp: string;
let modelDir: string;
const services: ScoringService[] = [];

before(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-ism-primer-'));
  modelDir = path.join(tmp, 'model');
  await writeDanqModelPackage(modelDir, { ...DANQ_TINY, outputs: OUTPUTS }, 7);
});

after(async () => {
  for (const s of services) await s.dispose();
  await fs.rm(tmp, { recursive: true, force: true });
});

async function serviceWith(text: string, settings: Partial<TfbsSettings>, openEngine?: EngineOpener): Promise<ScoringService> {
  const service = new ScoringService(normaliseSettings({ modelPath: modelDir, ...settings }), tmp, events, openEngine);
  services.push(service);
  service.textProvider = () => text;
  assert.ok(await service.loadModel(), 'the model loads');
  return service;
}

/** Polls `done` every 20 ms for up to `ms`. */
async function until(done: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(20)) if (done()) return true;
  return done();
}

test('once a document is open and scored, the server builds ISM\'s graphs and warms its worker: the first Explain builds nothing', async () => {
  const text = wrapFasta('chr1', randomDna(2400, 11));
  const builtBefore = SubstitutionSessions.built;
  const onWorkerBefore = SubstitutionWorker.mutants;
  const service = await serviceWith(text, { threads: 2 });
  // Loaded, no document: nothing is primed (nothing could be explained).
  await sleep(900);
  assert.equal(SubstitutionSessions.built, builtBefore, 'graphs built with no document open');
  service.open(uri, 1, text);
  const idle = await service.whenIdle(uri);
  assert.equal(idle.scored, idle.total);
  assert.ok(await until(() => SubstitutionWorker.mutants > onWorkerBefore, 15_000), 'the server did not prime ISM while idle (no warm-up mutants on its worker)');
  assert.equal(SubstitutionSessions.built, builtBefore + 1, 'the graphs are built once, while idle');
  const explainer = new Explainer(() => service);
  const result = await explainer.explain({ uri, position: at(1250), experiments: [0, 2] }, new AbortController().signal, () => undefined);
  assert.ok(result.complete && result.attribution.some((a) => a !== null), 'Explain answered');
  assert.equal(SubstitutionSessions.built, builtBefore + 1, 'the first Explain built the graphs again');
});

/** Calls pass through it until it is held; held, they wait until the returned function releases them. */
class Gate {
  private closed: Promise<void> | undefined;
  get passed(): Promise<void> | undefined {
    return this.closed;
  }
  hold(): () => void {
    let open!: () => void;
    this.closed = new Promise<void>((resolve) => (open = resolve));
    return () => {
      this.closed = undefined;
      open();
    };
  }
}

/** A test engine whose substitution path records what is asked of it, and whose priming waits on the test. */
function gatedEngine() {
  const calls = { prime: 0, built: 0, prepare: 0, runs: 0 };
  const [priming, scoring, warmUp] = [new Gate(), new Gate(), new Gate()];
  const releasePrime = priming.hold();
  const engine = {
    description: 'gated test engine',
    device: 'cpu' as const,
    inputLength: 1000,
    outputCount: OUTPUTS,
    async run(_input: Float32Array, count: number): Promise<Float32Array> {
      await scoring.passed;
      return new Float32Array(count * OUTPUTS).fill(0.25);
    },
    /** One step of building, then (held by the caller while the user's scoring is pending) the next. */
    async primeSubstitutions(between?: () => Promise<void>): Promise<boolean> {
      calls.prime++;
      await priming.passed;
      await between?.();
      calls.built++;
      return true;
    },
    async prepareSubstitutions(_references: Float32Array, count: number) {
      calls.prepare++;
      return {
        referenceOutputs: new Float32Array(count * OUTPUTS),
        batch: 64,
        fits: () => true,
        run: async (mutants: readonly Substitution[], outputs?: readonly number[]) => {
          calls.runs++;
          await warmUp.passed;
          return new Float32Array(mutants.length * (outputs?.length ?? OUTPUTS));
        },
        dispose: async () => undefined,
      };
    },
    async dispose(): Promise<void> {},
  };
  return { engine: engine as InferenceEngine, calls, releasePrime, hold: () => scoring.hold(), holdWarmUp: () => warmUp.hold() };
}

/** An edit of one base of `sequence` at `offset`, in its document's text. */
const editedAt = (sequence: string, offset: number): string => wrapFasta('chr1', sequence.slice(0, offset) + (sequence[offset] === 'A' ? 'C' : 'A') + sequence.slice(offset + 1));

/**
 * A service on `engine` with a document of `sequence` open, its first 40 lines on screen and scored
 * (autoScore off); `editOnScreen(offset)` changes one base there, as the user would.
 */
async function openOnScreen(engine: InferenceEngine, sequence: string): Promise<{ service: ScoringService; editOnScreen: (offset: number) => void }> {
  const text = wrapFasta('chr1', sequence);
  const service = await serviceWith(text, { threads: 1, autoScore: false }, async () => engine);
  service.open(uri, 1, text);
  service.setVisible([{ uri, active: true, ranges: [{ start: { line: 0, character: 0 }, end: { line: 40, character: 0 } }] }]);
  await service.whenIdle(uri);
  const editOnScreen = (offset: number): void => {
    const edited = editedAt(sequence, offset);
    service.textProvider = () => edited;
    service.change(uri, 2, edited);
  };
  return { service, editOnScreen };
}

test('scoring that arrives while the server builds ISM\'s graphs holds the build; it goes on once the screen is scored again', async () => {
  const { engine, calls, releasePrime, hold } = gatedEngine();
  const { service, editOnScreen } = await openOnScreen(engine, randomDna(1600, 12));
  assert.ok(await until(() => calls.prime > 0, 5_000), 'the server did not start priming ISM while idle');
  // An edit on screen while the graphs are being built: its bins must be scored before any warm-up run.
  const release = hold();
  editOnScreen(700);
  releasePrime();
  await sleep(200);
  assert.equal(calls.built, 0, 'the build went on while the edit\'s bins waited to be scored');
  assert.equal(calls.prepare, 0, 'the warm-up ran while the edit\'s bins waited to be scored');
  release();
  await service.whenIdle(uri, 2);
  assert.ok(await until(() => calls.runs === PRIME_RUNS, 5_000), `the priming did not go on once the screen was scored (${calls.runs} warm-up runs)`);
  assert.deepEqual([calls.prime, calls.built, calls.prepare], [1, 1, 1]);
});

test('scoring that arrives during a warm-up run stops the warm-up; it resumes once the screen is scored again', async () => {
  const { engine, calls, releasePrime, hold, holdWarmUp } = gatedEngine();
  releasePrime();
  const releaseWarmUp = holdWarmUp();
  const { service, editOnScreen } = await openOnScreen(engine, randomDna(1600, 15));
  assert.ok(await until(() => calls.runs === 1, 5_000), 'the first warm-up run did not start while idle');
  const release = hold();
  editOnScreen(900);
  releaseWarmUp();
  await sleep(200);
  assert.equal(calls.runs, 1, 'a second warm-up run started while the edit\'s bins waited to be scored');
  release();
  await service.whenIdle(uri, 2);
  // Resumed: the graphs are the engine's; a new warm-up scorer runs every warm-up run.
  assert.ok(await until(() => calls.runs === 1 + PRIME_RUNS, 5_000), `the warm-up did not resume once the screen was scored (${calls.runs} runs)`);
  assert.deepEqual([calls.prime, calls.prepare], [2, 2]);
});

test('nothing is primed without a document open; an engine without a substitution path is left alone', async () => {
  const { engine, calls, releasePrime } = gatedEngine();
  releasePrime();
  const text = wrapFasta('chr1', randomDna(800, 13));
  const service = await serviceWith(text, { threads: 1 }, async () => engine);
  await sleep(900);
  assert.equal(calls.prime, 0, 'primed with no document open');
  service.open(uri, 1, text);
  await service.whenIdle(uri);
  assert.ok(await until(() => calls.runs > 0, 5_000), 'not primed once a document was open and scored');
  const logged: string[] = [];
  const plain: InferenceEngine = { description: 'plain', device: 'cpu', inputLength: 1000, outputCount: OUTPUTS, run: async (_i, n) => new Float32Array(n * OUTPUTS), dispose: async () => undefined };
  const other = new ScoringService(normaliseSettings({ modelPath: modelDir, threads: 1 }), tmp, { ...events, log: (m) => logged.push(m) }, async () => plain);
  services.push(other);
  other.textProvider = () => text;
  assert.ok(await other.loadModel());
  other.open(uri, 1, text);
  await other.whenIdle(uri);
  await sleep(900);
  assert.deepEqual(logged, [], 'priming an engine without the path said something');
});

test('an Explain before the server primed ISM leaves nothing to prime', async () => {
  const { engine, calls, releasePrime } = gatedEngine();
  releasePrime();
  const { service } = await openOnScreen(engine, randomDna(1600, 16));
  // Within the quiet moment priming waits for after the open: the user's Explain comes first.
  const result = await new Explainer(() => service).explain({ uri, position: at(450), experiments: [1] }, new AbortController().signal, () => undefined);
  assert.ok(result.complete);
  assert.equal(calls.prepare, 1, 'Explain prepared its scorer');
  await sleep(900);
  assert.equal(calls.prime, 0, 'ISM was primed after an Explain had readied it');
});

test('tfbsLens.primeExplain off: nothing is primed however quiet the server is; turned on, it primes', async () => {
  const { engine, calls, releasePrime } = gatedEngine();
  releasePrime();
  const text = wrapFasta('chr1', randomDna(1600, 17));
  const service = await serviceWith(text, { threads: 1, autoScore: false, primeExplain: false }, async () => engine);
  service.open(uri, 1, text);
  service.setVisible([{ uri, active: true, ranges: [{ start: { line: 0, character: 0 }, end: { line: 40, character: 0 } }] }]);
  await service.whenIdle(uri);
  await sleep(900);
  assert.equal(calls.prime, 0, 'primed with tfbsLens.primeExplain off');
  await service.updateSettings({ ...service.currentSettings, primeExplain: true });
  assert.ok(await until(() => calls.runs === PRIME_RUNS, 5_000), `not primed once the setting was turned on (${calls.runs} warm-up runs)`);
});

test('a model swapped while ISM is being primed: the old engine is released with no batch running on it', async () => {
  // The swap waited for the priming after draining the scheduler: meanwhile the scheduler picked the
  // next batch on the old model, which was then released under it.
  const first = gatedEngine();
  let inFlight = 0;
  let inFlightAtDispose = -1;
  let runsAfterDispose = 0;
  let disposed = false;
  const tracked: InferenceEngine = {
    ...first.engine,
    async run(input: Float32Array, count: number): Promise<Float32Array> {
      if (disposed) runsAfterDispose++;
      inFlight++;
      try {
        return await first.engine.run(input, count);
      } finally {
        inFlight--;
      }
    },
    async dispose(): Promise<void> {
      inFlightAtDispose = inFlight;
      disposed = true;
    },
  };
  const second = gatedEngine();
  second.releasePrime();
  let opens = 0;
  const sequence = randomDna(1600, 18);
  const text = wrapFasta('chr1', sequence);
  const service = await serviceWith(text, { threads: 1, autoScore: false }, async () => (opens++ === 0 ? tracked : second.engine));
  service.open(uri, 1, text);
  service.setVisible([{ uri, active: true, ranges: [{ start: { line: 0, character: 0 }, end: { line: 40, character: 0 } }] }]);
  await service.whenIdle(uri);
  assert.ok(await until(() => first.calls.prime > 0, 5_000), 'the server did not start priming ISM while idle');
  // Priming is held inside its build; the model is swapped, and an edit on screen arrives meanwhile.
  const swapped = service.loadModel();
  const releaseScoring = first.hold();
  const edited = editedAt(sequence, 700);
  service.textProvider = () => edited;
  service.change(uri, 2, edited);
  await sleep(200);
  first.releasePrime();
  await sleep(300);
  releaseScoring();
  assert.ok(await swapped, 'the new model loads');
  assert.equal(opens, 2);
  assert.equal(inFlightAtDispose, 0, 'the old engine was released under a running batch');
  assert.equal(runsAfterDispose, 0, 'a batch ran on the released engine');
});
