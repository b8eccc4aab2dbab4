/**
 * A worker thread of the chunk-graph pool (chunkWorkers.ts): one ONNX Runtime session of the chunk
 * graph (or of the variant graph, onnxVariants.ts), run on this thread for each request. Messages:
 * in, a ChunkRequest (or a GraphRequest: named inputs); out, 'ready' or { failed } once, then a
 * ChunkReply per request. The webpack bundles emit this file as
 * dist/chunkWorker.js beside dist/cli.js and dist/server.js; tsc as out/src/engine/chunkWorker.js.
 */
import { parentPort, workerData } from 'worker_threads';
import type * as ortTypes from 'onnxruntime-node';
import type { ChunkReply, ChunkRequest, ChunkWorkerData, GraphRequest } from './chunkWorkers';
import { firstLine } from '../core/errors';
import { runChunkSession, runGraphFeeds } from './onnxChunks';

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const data = workerData as ChunkWorkerData;
  let ort: typeof ortTypes;
  let session: ortTypes.InferenceSession;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ort = require('onnxruntime-node') as typeof ortTypes;
    session = await ort.InferenceSession.create(data.modelFile, data.sessionOptions);
  } catch (e) {
    port.postMessage({ failed: firstLine(e) });
    return;
  }
  port.on('message', (request: ChunkRequest | GraphRequest) => {
    void (async () => {
      let reply: ChunkReply;
      const transfer: ArrayBuffer[] = [];
      try {
        const out = 'feeds' in request ? await runGraphFeeds(ort, session, request.feeds, request.output) : await runChunkSession(ort, session, new Float32Array(request.input), request.count, request.length, request.offsets);
        // Transfer, not copy: a fresh buffer of exactly the output (copied once if it is a view).
        const own = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out : out.slice();
        transfer.push(own.buffer as ArrayBuffer);
        reply = { id: request.id, output: own.buffer as ArrayBuffer };
      } catch (e) {
        reply = { id: request.id, error: firstLine(e) };
      }
      port.postMessage(reply, transfer);
    })();
  });
  port.postMessage('ready');
}

void main();
