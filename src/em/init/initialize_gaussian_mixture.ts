/**
 * The starting parameters of EM as a public function (scikit-learn's `_initialize_parameters`).
 */
import {CovarianceTypeName} from '../../../ops/covariance/covariance_type';
import {getCovarianceType} from '../../../ops/covariance/registry';
import {TensorInput, assertKnownKeys, assertNumber, assertOneOf, optionKeys} from '../../../ops/util/args';
import {createEmCovariance} from '../covariance/registry';
import {createContext} from '../engine/context';
import {GaussianMixtureParameters, disposeState, fromScaledState} from '../parameters';
import {INIT_OPTION_KEY_RECORD, InitOptions, withInitData} from './kmeans';
import {INIT_PARAMS, InitParams, initialResponsibilities, stateFromResponsibilities} from './methods';

/** Options of {@link initializeGaussianMixture}. */
export interface InitializeOptions extends InitOptions {
  /** Covariance type (default 'full'). */
  covarianceType?: CovarianceTypeName;
  /** Initialisation method (default 'kmeans'). */
  initParams?: InitParams;
  /** Added to the diagonal of every covariance (default 1e-6). */
  regCovar?: number;
}

const INITIALIZE_OPTION_KEYS = optionKeys<InitializeOptions>({
  ...INIT_OPTION_KEY_RECORD,
  covarianceType: true,
  initParams: true,
  regCovar: true,
});

/**
 * Starting parameters of EM, as scikit-learn's `GaussianMixture` computes them before its first
 * iteration: responsibilities from the initialisation method (`kmeans` labels, `k-means++` seeds
 * with nearest-seed labels, `random` responsibilities, or `random_from_data` rows), then one
 * M-step.
 */
export function initializeGaussianMixture(
  x: TensorInput,
  nComponents: number,
  options: InitializeOptions = {},
): GaussianMixtureParameters {
  const fn = 'initializeGaussianMixture';
  assertKnownKeys(fn, 'options', options, INITIALIZE_OPTION_KEYS);
  const type = getCovarianceType(options.covarianceType ?? 'full', fn).name;
  const initParams = options.initParams ?? 'kmeans';
  assertOneOf(fn, 'initParams', initParams, INIT_PARAMS);
  const regCovar = options.regCovar ?? 1e-6;
  assertNumber(fn, 'regCovar', regCovar, {min: 0});
  return withInitData(fn, x, nComponents, options, (data, rng) => {
    const em = createEmCovariance(type, nComponents, data.D, fn);
    try {
      const ctx = createContext(fn, data, em, regCovar);
      const state = stateFromResponsibilities(ctx, initialResponsibilities(initParams, data, nComponents, rng));
      const out = fromScaledState(data.transform, state);
      disposeState(state);
      return {...out, covarianceType: type};
    } finally {
      em.dispose();
    }
  });
}
