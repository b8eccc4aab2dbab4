/**
 * The language server for bench/explain.ts: the same server, with ISM's worker thread on or off as
 * TFBS_BENCH_ISM_WORKER says ('0': off) and ISM primed while idle or not as TFBS_BENCH_ISM_PRIME says
 * ('0': not), so that one benchmark run compares them.
 */
import { ProposedFeatures, createConnection } from 'vscode-languageserver/node';
import { startServer } from '../src/server/server';
import { engineOpener } from '../src/server/modelHost';

startServer(createConnection(ProposedFeatures.all), {
  openEngine: engineOpener(process.env.TFBS_BENCH_ISM_WORKER !== '0'),
  primeIsm: process.env.TFBS_BENCH_ISM_PRIME !== '0',
});
