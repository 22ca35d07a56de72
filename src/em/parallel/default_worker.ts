/**
 * The default Web Worker of GaussianMixture's `createWorker` option: none here. The browser
 * bundle (scripts/build-browser.mjs) replaces this module with one that starts
 * dist/tfjs-gmm.worker.esm.js from next to dist/tfjs-gmm.esm.js, in the
 * `new Worker(new URL(..., import.meta.url), {type: 'module'})` form bundlers recognise.
 */
export const defaultWorker: (() => Worker) | null = null;
