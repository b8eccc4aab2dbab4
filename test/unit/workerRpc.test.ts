import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CHANNEL_COUNT } from '../../src/core/encoding';
import { loadModelPackage } from '../../src/core/modelPackage';
import { ChunkWorkerPool } from '../../src/engine/chunkWorkers';
import { probeSequence } from '../../src/engine/onnxChunks';
import { cpuSessionOptions, loadOrt } from '../../src/engine/onnxEngine';
import { DANQ_TINY } from '../../src/onnx/danq';
import { repoRoot, writeDanqModelPackage } from '../fixtures/danqModel';

// The CLI's early exits (a closed pipe) end the process through the halt: process.exit while a worker
// thread is inside ONNX Runtime's native run aborts the process (SIGABRT, chunkWorkers.ts), so the halt
// must wait for every kind of worker thread, ISM's substitution worker as well as the chunk graph's.
// Each check runs in a process of its own: a halt is for good.

const required = (file: string): string => JSON.stringify(path.join(repoRoot(), 'out', 'src', ...file.split('/')));

/** Runs `body` (inside an async function) after the shipped model, a 1 kb reference and its mutants are set up. */
function runScript(body: string): ReturnType<typeof spawnSync> {
  const script = `
    const { openOnnxEngine, cpuSessionOptions } = require(${required('engine/onnxEngine.js')});
    const { loadModelPackage } = require(${required('core/modelPackage.js')});
    const { haltWorkerThreads } = require(${required('engine/workerRpc.js')});
    const { SubstitutionWorker } = require(${required('engine/substitutionWorkers.js')});
    (async () => {
      const pkg = await loadModelPackage(${JSON.stringify(path.join(repoRoot(), 'models', 'default'))});
      const L = pkg.manifest.input.length;
      const references = new Float32Array(L * 4);
      for (let i = 0; i < L; i++) references[i * 4 + ((i * 7) % 4)] = 1;
      const mutants = Array.from({ length: 1024 }, (_, k) => ({ reference: 0, position: k % L, base: (((k % L) * 7) % 4 + 1 + (k >> 10)) % 4 }));
      ${body}
    })().catch((e) => { console.error(e); process.exit(3); });`;
  return spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 120_000 });
}

/**
 * Runs `start`, which leaves `work` in scope (requests to worker threads, in flight), then halts with an
 * exit: the process must end through the halt, only once `work` is back, and by no signal.
 */
function assertHaltWaitsFor(start: string): void {
  const res = runScript(`${start}
      let back = false;
      work.then(() => (back = true));
      let calling = true;
      haltWorkerThreads(() => {
        process.stdout.write(calling && !back ? 'halted at once\\n' : 'halted after the work\\n');
        process.exit(0);
      });
      calling = false;
      await work;
      // The halt's exit comes as the work is back; nothing after it runs.
      await new Promise((resolve) => setTimeout(resolve, 5000));
      process.stdout.write('never halted\\n');`);
  assert.equal(res.signal, null, `the process was ended by ${res.signal}:\n${res.stderr}`);
  assert.equal(res.status, 0, String(res.stderr));
  assert.equal(String(res.stdout).trim(), 'halted after the work');
}

test('a halt asked for while ISM\'s substitution worker scores its half of a run waits for that half', () => {
  // ISM's scorer as runIsm gets it from a 2-thread engine: each run posts its second half to the worker
  // before this thread scores the first, so the halt meets the worker's half in flight.
  assertHaltWaitsFor(`
      const engine = await openOnnxEngine(pkg, { threads: 2 });
      const scorer = await engine.prepareSubstitutions(references, 1);
      const before = SubstitutionWorker.mutants;
      const work = scorer.run(mutants);
      if (SubstitutionWorker.mutants - before !== mutants.length / 2) throw new Error('no half on the worker: ' + engine.description);`);
});

test('an exit through the halt while the substitution worker is inside ONNX Runtime does not abort the process', () => {
  // The worker alone (its requests are answered in order): the halt comes halfway through a run of
  // 1,024 mutants, timed by a warm run before it, when the worker is most likely inside ORT's native
  // run; exiting there ends the process by SIGABRT unless the halt waits.
  assertHaltWaitsFor(`
      const worker = await SubstitutionWorker.open({ pkg, sessionOptions: { ...cpuSessionOptions(1), executionProviders: ['cpu'], enableMemPattern: false }, recurrence: 'after-patch' });
      const scorer = await worker.prepare(references, 1);
      await worker.run(scorer, mutants);
      const started = Date.now();
      await worker.run(scorer, mutants);
      const took = Date.now() - started;
      const work = worker.run(scorer, mutants);
      await new Promise((resolve) => setTimeout(resolve, took / 2));`);
});

test('a halt asked for while a chunk call is in flight waits for it as well', () => {
  assertHaltWaitsFor(`
      const engine = await openOnnxEngine(pkg, { threads: 2 });
      if (!/worker threads/.test(engine.description)) throw new Error('no workers: ' + engine.description);
      const S = 40 * 200 + 1000;
      const work = engine.runChunks(new Float32Array(2 * S * 4), 2, S, Array.from({ length: 40 }, (_, k) => k * 200));`);
});

test('a halt asked for while worker threads start (the chunk graph opening) waits until they are ready', () => {
  // The halt is asked for as the first of the pool's threads is constructed: they are opening ONNX
  // Runtime sessions, and exiting then is exiting under ORT. It must wait for both to be ready.
  const res = runScript(`
      const threads = require('worker_threads');
      const Started = threads.Worker;
      let ready = 0;
      let halting = false;
      threads.Worker = class extends Started {
        constructor(...args) {
          super(...args);
          this.once('message', (m) => { if (m === 'ready') ready++; });
          if (halting) return;
          halting = true;
          haltWorkerThreads(() => {
            process.stdout.write('halted with ' + ready + ' ready\\n');
            process.exit(0);
          });
        }
      };
      await openOnnxEngine(pkg, { threads: 2 }).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 5000));
      process.stdout.write('never halted\\n');`);
  assert.equal(res.signal, null, `the process was ended by ${res.signal}:\n${res.stderr}`);
  assert.equal(res.status, 0, String(res.stderr));
  assert.equal(String(res.stdout).trim(), 'halted with 2 ready');
});

test('an ONNX Runtime failure in a worker rejects that request, naming the graph, and the worker answers the next', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-worker-rpc-'));
  try {
    const pkg = await loadModelPackage((await writeDanqModelPackage(path.join(dir, 'm'), { ...DANQ_TINY, outputs: 3 }, 5)).dir);
    const L = pkg.manifest.input.length;
    const { inputName, outputName } = pkg.manifest.onnx!;
    const sessionOptions = { ...cpuSessionOptions(1), executionProviders: ['cpu'] };
    const pool = await ChunkWorkerPool.open({ modelFile: pkg.networkPath, workers: 2, sessionOptions, windowLength: L });
    try {
      const window = probeSequence(L);
      const feeds = () => [{ name: inputName, type: 'float32' as const, dims: [1, L, CHANNEL_COUNT], data: window.slice().buffer }];
      await assert.rejects(
        pool.runGraph(1, [{ ...feeds()[0], name: 'no-such-input' }], outputName),
        // ORT's own words, which name the input it lacks.
        (e: Error) => e.name === 'EnvironmentError' && e.message.startsWith('ONNX Runtime failed on the chunk graph (') && e.message.includes(`'${inputName}'`),
      );
      const session = await loadOrt().InferenceSession.create(pkg.networkPath, sessionOptions);
      const ort = loadOrt();
      const expected = (await session.run({ [inputName]: new ort.Tensor('float32', window.slice(), [1, L, CHANNEL_COUNT]) }))[outputName].data as Float32Array;
      await session.release();
      for (const index of [0, 1]) assert.deepEqual(await pool.runGraph(index, feeds(), outputName), expected);
    } finally {
      await pool.release();
    }
    await assert.rejects(pool.runGraph(0, [], 'x'), /the worker threads were released/);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
