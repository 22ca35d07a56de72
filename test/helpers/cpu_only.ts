/**
 * Mocha `--require` for `npm run test:fast`: the suites run on the cpu backend alone, unless
 * TFJS_GMM_BACKENDS says otherwise.
 */
process.env.TFJS_GMM_BACKENDS ??= 'cpu';
