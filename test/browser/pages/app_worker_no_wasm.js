// An app's worker script that points the worker's wasm backend at a directory without its files:
// proves that the setWasmPaths the worker bundle exports reaches the worker's own tfjs.
import {setWasmPaths} from '/dist/tfjs-gmm.worker.esm.js';

setWasmPaths('/no-such-directory/');
