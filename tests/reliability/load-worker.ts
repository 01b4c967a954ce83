/** Runs tests/reliability/load-clients.ts in a worker thread and posts its result back. */
import { parentPort, workerData } from 'node:worker_threads';
import { runLoad, type LoadPlan } from './load-clients.js';

parentPort!.postMessage(await runLoad(workerData as LoadPlan));
