/**
 * A worker thread of the chunk-graph pool (chunkWorkers.ts): one ONNX Runtime session of the chunk
 * graph (or of the variant graph, onnxVariants.ts), run on this thread for each request, a ChunkRequest
 * (or a GraphRequest: named inputs), answered as workerRpc.ts says. The webpack bundles emit this file as
 * dist/chunkWorker.js beside dist/cli.js and dist/server.js; tsc as out/src/engine/chunkWorker.js.
 */
import { parentPort, workerData } from 'worker_threads';
import type * as ortTypes from 'onnxruntime-node';
import type { ChunkRequest, ChunkWorkerData, ChunkWorkerModel, GraphRequest } from './chunkWorkers';
import { runChunkSession, runGraphFeeds } from './onnxChunks';
import { serveRequests } from './workerRpc';

void serveRequests<(ChunkRequest | GraphRequest) & { id: number }>(async () => {
  const data = workerData as ChunkWorkerData;
  // Loaded before the graph's file is named (ChunkWorkerPool.open sends it once it is written).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ort = require('onnxruntime-node') as typeof ortTypes;
  const session = await ort.InferenceSession.create(data.modelFile ?? (await graphFile()), data.sessionOptions);
  return (request) =>
    'feeds' in request
      ? runGraphFeeds(ort, session, request.feeds, request.output)
      : runChunkSession(ort, session, new Float32Array(request.input), request.count, request.length, request.offsets);
});

/** The first message: the graph's file (serveRequests listens for requests only once this thread is ready). */
function graphFile(): Promise<string> {
  return new Promise((resolve, reject) => {
    parentPort!.once('message', (m: ChunkWorkerModel) => ('modelFile' in m ? resolve(m.modelFile) : reject(new Error(m.failed))));
  });
}
