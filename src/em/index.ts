export {GaussianMixture} from './gaussian_mixture';
export {EM_COVARIANCE_TYPES, type EmCovarianceTypeName} from './covariance/registry';
export {
  type GaussianMixtureOptions,
  type FitOptions,
  type FitAsyncOptions,
  type SampleOptions,
  type NestedNumbers,
} from './options';
export {type StreamSource, type StreamBatch, type WeightedBatch, type DatasetLike} from './stream/source';
export {type GaussianMixtureJSON} from './serialization';
export {emStep, emFit, type EmStepOptions, type EmStepResult, type EmFitOptions, type EmFitResult} from './em_step';
export {type IterationInfo} from './engine/loop';
export {type GaussianMixtureParameters, type GaussianMixtureParametersInput} from './parameters';
export {type SklearnGaussianMixtureJSON} from './sklearn_json';
export {type InitParams} from './init/methods';
export {kmeans, kmeansPlusPlus, type KMeansOptions, type KMeansResult, type InitOptions} from './init/kmeans';
export {initializeGaussianMixture, type InitializeOptions} from './init/initialize_gaussian_mixture';
export {SeededRandom} from '../util/random';
export {
  emStatistics,
  mergeEmStatistics,
  emMStep,
  EM_STATISTICS_FORMAT,
  EM_STATISTICS_VERSION,
  type EmStatistics,
  type EmExactStatistics,
  type EmExactPass,
  type EmStatisticsOptions,
  type EmMStepOptions,
  type EmMStepResult,
} from './statistics';
export {type PartialFitOptions, type OnlineState} from './online/online_em';
export {BayesianGaussianMixture} from './bayesian/bayesian_gaussian_mixture';
export {
  type BayesianGaussianMixtureOptions,
  type BayesianFitOptions,
  type WeightConcentrationPriorType,
} from './bayesian/options';
export {type BayesianCovarianceType} from './bayesian/covariance';
export {
  type BayesianGaussianMixtureJSON,
  type SklearnBayesianGaussianMixtureJSON,
  type BayesianFittedJSON,
  type PosteriorVectors,
} from './bayesian/serialization';
export {type Priors as BayesianPriors} from './bayesian/priors';
