/**
 * Unknown option keys are errors that name the key and the nearest known one.
 */
import {expect} from 'chai';

import {assertKnownKeys, nearestKey} from '../../ops/util/args';
import {GaussianMixture} from '../../src';
import {expectThrowsWith} from '../helpers/assertions';

describe('strict options', () => {
  it('nearestKey matches snake_case, case and small typos, and nothing far', () => {
    const known = ['nComponents', 'covarianceType', 'tol', 'regCovar'];
    expect(nearestKey('n_components', known)).to.equal('nComponents');
    expect(nearestKey('CovarianceType', known)).to.equal('covarianceType');
    expect(nearestKey('nComponent', known)).to.equal('nComponents');
    expect(nearestKey('reg_covar', known)).to.equal('regCovar');
    expect(nearestKey('foo', known)).to.equal(null);
    expect(nearestKey('learningRate', known)).to.equal(null);
  });

  it('assertKnownKeys names the function, the key, the suggestion and the known keys', () => {
    expectThrowsWith(
      () => assertKnownKeys('f', 'options', {tol: 1, reg_covar: 2}, ['tol', 'regCovar']),
      'f: options must have only known keys, but got "reg_covar" (did you mean "regCovar"?; known keys: tol, regCovar)',
    );
    expectThrowsWith(
      () => assertKnownKeys('f', 'options', {x: 1}, ['tol']),
      'f: options must have only known keys, but got "x" (known keys: tol)',
    );
    assertKnownKeys('f', 'options', {tol: undefined}, ['tol']);
  });

  it('GaussianMixture rejects scikit-learn spellings instead of ignoring them', () => {
    expectThrowsWith(
      () => new GaussianMixture({n_components: 3} as never),
      'GaussianMixture: options must have only known keys, but got "n_components" (did you mean "nComponents"?',
    );
  });
});
