/**
 * The command line's optional packages. The tfjs backends and the plotting stack are optional
 * peer dependencies of tfjs-gmm, so that a library user installs none of them; the CLI loads
 * them when a run needs them and, when one is missing, says which package to install.
 */

/** A package the run needs is not installed; reported as `tfjs-gmm: <message>` (exit code 1). */
export class MissingPackageError extends Error {}

/** Whether `name` resolves from the CLI's own location (as a dependency of tfjs-gmm would). */
function installed(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

/** Throws a {@link MissingPackageError} naming every package of `names` that is not installed. */
export function assertInstalled(names: readonly string[], purpose: string): void {
  const missing = names.filter((name) => !installed(name));
  if (missing.length > 0)
    throw new MissingPackageError(`${purpose} needs ${missing.join(' and ')}: npm install ${missing.join(' ')}`);
}

/** Loads an optional package, or throws a {@link MissingPackageError} naming it. */
export function requireOptional<T>(name: string, purpose: string): T {
  assertInstalled([name], purpose);
  return require(name) as T;
}

/** The packages of `--visualize` (PNG output also needs resvg). */
export function plottingPackages(file: string): string[] {
  const svg = ['@observablehq/plot', 'jsdom'];
  return file.toLowerCase().endsWith('.png') ? [...svg, '@resvg/resvg-js'] : svg;
}

/** The CLI's backends and the packages that register them, preferred first. */
const BACKEND_PACKAGES = {
  wasm: ['@tensorflow/tfjs-backend-wasm'],
  // @tensorflow/tfjs depends on (and registers) the cpu backend.
  cpu: ['@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs'],
} as const;

/** A backend the CLI can run on. */
export type CliBackend = keyof typeof BACKEND_PACKAGES;

/** The CLI's backends, fastest first. */
export const CLI_BACKENDS = Object.keys(BACKEND_PACKAGES) as CliBackend[];

/** Whether a package that registers `backend` is installed. */
export function backendInstalled(backend: CliBackend): boolean {
  return BACKEND_PACKAGES[backend].some(installed);
}

/** Registers `backend` by loading the first of its packages that is installed. */
export function loadBackend(backend: CliBackend): void {
  const found = BACKEND_PACKAGES[backend].find(installed);
  if (found === undefined) {
    throw new MissingPackageError(
      `the ${backend} backend needs ${BACKEND_PACKAGES[backend].join(' or ')}: npm install ${BACKEND_PACKAGES[backend][0]}`,
    );
  }
  require(found);
}
