/**
 * Command-line options of `tfjs-gmm`: a table of flags, a parser that rejects unknown flags and
 * bad values with a message naming the flag, and the --help text.
 */

/** An error the CLI reports as `tfjs-gmm: <message>` with exit code 2 (usage error). */
export class UsageError extends Error {}

type Kind = 'int' | 'number' | 'string' | 'choice' | 'flag';

interface OptionSpec {
  name: string;
  kind: Kind;
  help: string;
  default?: number | string | boolean;
  choices?: readonly string[];
  min?: number;
  exclusiveMin?: boolean;
  metavar?: string;
}

/** Covariance families of the PyTorch GMM demo, mapped to scikit-learn covariance types. */
export const FAMILY_TO_COVARIANCE: Record<string, 'full' | 'diag' | 'spherical' | 'tied' | null> = {
  full: 'full',
  diagonal: 'diag',
  isotropic: 'spherical',
  tied: 'tied',
  // One variance shared by all components, and fixed variances: no scikit-learn equivalent.
  shared_isotropic: null,
  constant: null,
};

const SPECS: readonly OptionSpec[] = [
  {
    name: 'method',
    kind: 'choice',
    choices: ['em', 'sgd'],
    default: 'em',
    help: 'fit by expectation-maximisation or by gradient descent (Adam)',
  },
  {
    name: 'covariance',
    kind: 'choice',
    choices: ['full', 'tied', 'diag', 'spherical'],
    default: 'full',
    help: 'covariance type (scikit-learn names)',
  },
  {
    name: 'family',
    kind: 'choice',
    choices: Object.keys(FAMILY_TO_COVARIANCE),
    help: "covariance family by the PyTorch demo's names (full, diagonal, isotropic; overrides --covariance)",
  },
  {name: 'components', kind: 'int', min: 1, default: 3, help: 'number of mixture components K'},
  {name: 'samples', kind: 'int', min: 1, default: 2000, help: 'number of generated samples (without --input)'},
  {name: 'dims', kind: 'int', min: 1, default: 2, help: 'number of dimensions of generated data (without --input)'},
  {
    name: 'radius',
    kind: 'number',
    min: 0,
    exclusiveMin: true,
    default: 8,
    help: 'generated component means lie in [-radius, radius]^dims',
  },
  {name: 'iterations', kind: 'int', min: 1, help: 'EM iterations (default 100) or gradient steps (default 1000)'},
  {
    name: 'log-freq',
    kind: 'int',
    min: 1,
    help: 'iterations between progress lines when not on a terminal (default: 10 for em, 100 for sgd)',
  },
  {
    name: 'mixture-lr',
    kind: 'number',
    min: 0,
    exclusiveMin: true,
    default: 0.05,
    help: 'sgd: Adam learning rate of the mixture weights',
  },
  {
    name: 'component-lr',
    kind: 'number',
    min: 0,
    exclusiveMin: true,
    default: 0.05,
    help: 'sgd: Adam learning rate of the means and covariances',
  },
  {
    name: 'tol',
    kind: 'number',
    min: 0,
    default: 1e-3,
    help: 'em: convergence threshold on the change of the mean log-likelihood',
  },
  {name: 'n-init', kind: 'int', min: 1, default: 1, help: 'em: number of initialisations (the best is kept)'},
  {name: 'seed', kind: 'int', min: 0, default: 0, help: 'seed for data generation and initialisation'},
  {name: 'backend', kind: 'choice', choices: ['wasm', 'cpu'], default: 'wasm', help: 'tfjs backend'},
  {
    name: 'input',
    kind: 'string',
    metavar: 'data.csv',
    help: 'numeric CSV to fit (with or without a header row) instead of generated data',
  },
  {name: 'output', kind: 'string', metavar: 'model.json', help: 'write the fitted model (GaussianMixture JSON)'},
  {
    name: 'model',
    kind: 'string',
    metavar: 'model.json',
    help: 'score --input with a saved model instead of fitting one',
  },
  {
    name: 'predict',
    kind: 'string',
    metavar: 'predictions.csv',
    help: "write each input row's label, log-likelihood and responsibilities",
  },
  {
    name: 'visualize',
    kind: 'string',
    metavar: 'out.svg|out.png',
    help: 'plot the data, means and 1-/2-sigma ellipses (first two principal axes when dims > 2); the loss curve goes next to it (<name>.loss.svg|png)',
  },
  {name: 'quiet', kind: 'flag', default: false, help: 'print only the summary'},
  {name: 'help', kind: 'flag', default: false, help: 'show this help'},
];

/** Parsed options, camel-cased (`log-freq` -> `logFreq`). */
export interface CliOptions {
  method: 'em' | 'sgd';
  covariance: 'full' | 'tied' | 'diag' | 'spherical';
  family?: string;
  components: number;
  samples: number;
  dims: number;
  radius: number;
  iterations?: number;
  logFreq?: number;
  mixtureLr: number;
  componentLr: number;
  tol: number;
  nInit: number;
  seed: number;
  backend: 'wasm' | 'cpu';
  input?: string;
  output?: string;
  model?: string;
  predict?: string;
  visualize?: string;
  quiet: boolean;
  help: boolean;
}

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function parseValue(spec: OptionSpec, raw: string): number | string {
  const flag = `--${spec.name}`;
  if (spec.kind === 'string') {
    if (raw === '') throw new UsageError(`${flag} needs a value`);
    return raw;
  }
  if (spec.kind === 'choice') {
    if (!spec.choices!.includes(raw))
      throw new UsageError(`${flag} must be one of ${spec.choices!.join(', ')}, but got ${JSON.stringify(raw)}`);
    return raw;
  }
  const value = Number(raw);
  const isInt = spec.kind === 'int';
  if (raw.trim() === '' || !Number.isFinite(value) || (isInt && !Number.isInteger(value))) {
    throw new UsageError(`${flag} must be ${isInt ? 'an integer' : 'a number'}, but got ${JSON.stringify(raw)}`);
  }
  if (spec.min !== undefined && (spec.exclusiveMin ? value <= spec.min : value < spec.min)) {
    throw new UsageError(`${flag} must be ${spec.exclusiveMin ? '>' : '>='} ${spec.min}, but got ${raw}`);
  }
  return value;
}

/**
 * Parses `argv` (without node and the script). Accepts `--name value` and `--name=value`.
 * @throws UsageError for unknown flags, missing values and bad values.
 */
export function parseOptions(argv: readonly string[]): CliOptions {
  const out: Record<string, unknown> = {};
  for (const spec of SPECS) if (spec.default !== undefined) out[camel(spec.name)] = spec.default;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--'))
      throw new UsageError(`unexpected argument ${JSON.stringify(arg)} (options start with --; see --help)`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = SPECS.find((s) => s.name === name);
    if (!spec) throw new UsageError(`unknown option --${name} (see --help)`);
    if (spec.kind === 'flag') {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      out[camel(name)] = true;
      continue;
    }
    let raw: string;
    if (eq >= 0) {
      raw = arg.slice(eq + 1);
    } else {
      if (i + 1 >= argv.length || argv[i + 1].startsWith('--')) throw new UsageError(`--${name} needs a value`);
      raw = argv[++i];
    }
    out[camel(name)] = parseValue(spec, raw);
  }
  const options = out as unknown as CliOptions;
  if (options.family !== undefined) {
    const mapped = FAMILY_TO_COVARIANCE[options.family];
    if (!mapped)
      throw new UsageError(
        `--family ${options.family} has no scikit-learn covariance type; use full, diagonal, isotropic or tied`,
      );
    options.covariance = mapped;
  }
  if (options.model !== undefined && options.input === undefined)
    throw new UsageError('--model needs --input: the data to score');
  return options;
}

/** The --help text. */
export function helpText(): string {
  const lines = [
    'Usage: tfjs-gmm [options]',
    '',
    'Fits a Gaussian mixture to generated data (default) or to a numeric CSV (--input), by EM or',
    'gradient descent, on a tfjs backend, and reports it; optionally saves, scores and plots it.',
    '',
    'Options:',
  ];
  for (const spec of SPECS) {
    const value =
      spec.kind === 'flag'
        ? ''
        : ` ${spec.metavar ?? (spec.choices ? spec.choices.join('|') : spec.kind === 'int' ? 'N' : spec.kind === 'number' ? 'X' : 'VALUE')}`;
    const def = spec.default !== undefined && spec.kind !== 'flag' ? ` (default ${spec.default})` : '';
    lines.push(`  --${spec.name}${value}`.padEnd(40) + spec.help + def);
  }
  lines.push(
    '',
    'Examples:',
    '  tfjs-gmm --components 4 --covariance diag --visualize out.svg',
    '  tfjs-gmm --input data.csv --components 3 --output model.json --predict labels.csv',
    '  tfjs-gmm --input data.csv --model model.json --predict labels.csv',
  );
  return lines.join('\n');
}
