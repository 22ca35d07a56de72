export {GaussianMixture, GaussianMixtureOptions, GaussianMixtureJSON, FitOptions, NestedNumbers} from './gaussian_mixture';
export {emStep, emFit, EmStepOptions, EmStepResult, EmFitOptions, EmFitResult} from './em_step';
export {IterationInfo} from './engine';
export {GaussianMixtureParameters, GaussianMixtureParametersInput} from './parameters';
export {SklearnGaussianMixtureJSON} from './sklearn_json';
export {InitParams} from './init/initialize';
export {kmeans, kmeansPlusPlus, initializeGaussianMixture, KMeansOptions, KMeansResult, InitOptions, InitializeOptions} from './init/api';
export {SeededRandom} from '../util/random';
