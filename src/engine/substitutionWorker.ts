/**
 * A worker thread of the substitution path (substitutionWorkers.ts): its own copy of the substitution
 * sessions of one model package, built from the same weights as the calling thread's (which checked
 * them against the network), single-threaded. Requests are SubstitutionRequests, answered as
 * workerRpc.ts says (one at a time, in order: a run never starts before its scorer is prepared). The
 * webpack bundles emit this file as dist/substitutionWorker.js beside dist/cli.js and dist/server.js;
 * tsc as out/src/engine/substitutionWorker.js.
 */
import { workerData } from 'worker_threads';
import type * as ortTypes from 'onnxruntime-node';
import { SubstitutionScorer } from '../core/engine';
import { openSubstitutionSessions } from './onnxSubstitutions';
import type { SubstitutionRequest, SubstitutionWorkerData } from './substitutionWorkers';
import { serveRequests } from './workerRpc';

void serveRequests<SubstitutionRequest & { id: number }>(async () => {
  const data = workerData as SubstitutionWorkerData;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ort = require('onnxruntime-node') as typeof ortTypes;
  const opened = await openSubstitutionSessions(ort, data.pkg, data.sessionOptions, undefined, data.recurrence);
  if (!opened.ok) throw new Error(opened.reason);
  const sessions = opened.sessions;
  const scorers = new Map<number, SubstitutionScorer>();
  return async (request) => {
    if (request.op === 'prepare') {
      scorers.set(request.scorer, await sessions.prepare(new Float32Array(request.references), request.count));
      return undefined;
    }
    const scorer = scorers.get(request.scorer);
    if (!scorer) throw new Error(`no scorer ${request.scorer}`);
    if (request.op === 'dispose') {
      scorers.delete(request.scorer);
      await scorer.dispose();
      return undefined;
    }
    return scorer.run(request.mutants, request.outputs);
  };
});
