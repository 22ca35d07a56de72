/**
 * tfjs-gmm: differentiable Gaussian mixture models for TensorFlow.js.
 *
 * Importing this module also imports `@tensorflow/tfjs-layers`, which registers tfjs-core's
 * gradients, so that losses built around our ops can be differentiated.
 */
import '@tensorflow/tfjs-layers';

export * from '../ops';
export * from '../layers';
export * from '../ops/linalg';
export {fileSystemHandler, type FileSystemHandlerOptions} from './io/file_system_handler';
export * from './em';
export {type TensorInput} from '../ops/util/args';
