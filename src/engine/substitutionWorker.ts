/**
 * A worker thread of the substitution path (substitutionWorkers.ts): its own copy of the substitution
 * sessions of one model package, built from the same weights as the calling thread's (which checked
 * them against the network), single-threaded. Messages: in, a SubstitutionRequest; out, 'ready' or
 * { failed } once, then a SubstitutionReply per request. The webpack bundles emit this file as
 * dist/substitutionWorker.js beside dist/cli.js and dist/server.js; tsc as out/src/engine/substitutionWorker.js.
 */
import { parentPort, workerData } from 'worker_threads';
import type * as ortTypes from 'onnxruntime-node';
import { SubstitutionScorer } from '../core/engine';
import { firstLine } from '../core/errors';
import { openSubstitutionSessions } from './onnxSubstitutions';
import type { SubstitutionReply, SubstitutionRequest, SubstitutionWorkerData } from './substitutionWorkers';

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const data = workerData as SubstitutionWorkerData;
  let opened: Awaited<ReturnType<typeof openSubstitutionSessions>>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ort = require('onnxruntime-node') as typeof ortTypes;
    opened = await openSubstitutionSessions(ort, data.pkg, data.sessionOptions, undefined, data.recurrence);
  } catch (e) {
    port.postMessage({ failed: firstLine(e) });
    return;
  }
  if (!opened.ok) {
    port.postMessage({ failed: opened.reason });
    return;
  }
  const sessions = opened.sessions;
  const scorers = new Map<number, SubstitutionScorer>();
  // One request at a time, in order: a run must not start before its scorer is prepared.
  let queue = Promise.resolve();
  const answer = async (request: SubstitutionRequest): Promise<SubstitutionReply> => {
    if (request.op === 'prepare') {
      scorers.set(request.id, await sessions.prepare(new Float32Array(request.references), request.count));
      return { id: request.id };
    }
    const scorer = scorers.get(request.scorer);
    if (!scorer) throw new Error(`no scorer ${request.scorer}`);
    if (request.op === 'dispose') {
      scorers.delete(request.scorer);
      await scorer.dispose();
      return { id: request.id };
    }
    const out = await scorer.run(request.mutants);
    // Transfer, not copy: a fresh buffer of exactly the output (copied once if it is a view).
    const own = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out : out.slice();
    return { id: request.id, output: own.buffer as ArrayBuffer };
  };
  port.on('message', (request: SubstitutionRequest) => {
    queue = queue.then(async () => {
      let reply: SubstitutionReply;
      try {
        reply = await answer(request);
      } catch (e) {
        reply = { id: request.id, error: firstLine(e) };
      }
      port.postMessage(reply, reply.output ? [reply.output] : []);
    });
  });
  port.postMessage('ready');
}

void main();
