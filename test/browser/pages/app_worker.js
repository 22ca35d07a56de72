// An app's own EM worker script: the package's worker, with the wasm backend's files served from
// node_modules instead of next to the worker bundle.
import {setWasmPaths} from '/dist/tfjs-gmm.worker.esm.js';

setWasmPaths('/node_modules/@tensorflow/tfjs-backend-wasm/dist/');
