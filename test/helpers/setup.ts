/**
 * Mocha setup: registers the backends every test runs on and tfjs-core's gradients (through
 * tfjs-layers, as the package itself does).
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers';
