/** Browser stand-in of node_threads.ts: no Node worker threads (Web Workers run instead). */
import {WorkerEndpoint} from './endpoint';

export function nodeThreads(): null {
  return null;
}

export function startNodeWorker(): WorkerEndpoint {
  throw new Error('GaussianMixture: worker threads need Node (worker_threads)');
}
