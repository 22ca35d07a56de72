/**
 * Command-line options of `tfjs-gmm`: a table of flags, a parser that rejects unknown flags (naming
 * the nearest one), bad values and flags that conflict with each other, and the --help text.
 */
import {CovarianceTypeName} from '../../ops/covariance/covariance_type';
import {COVARIANCE_TYPES} from '../../ops/covariance/registry';
import {nearestKey} from '../../ops/util/args';
import {CLI_BACKENDS, CliBackend} from './optional';

/** An error the CLI reports as `tfjs-gmm: <message>` with exit code 2 (usage error). */
export class UsageError extends Error {}

/**
 * The CLI's size limits, checked before anything is allocated: generated data of at most
 * `values` numbers (samples x dims) and true covariances of at most `covarianceValues` numbers
 * (components x dims^2), within the per-flag maxima.
 */
export const LIMITS = {
  components: 10_000,
  samples: 10_000_000,
  dims: 1_000,
  values: 20_000_000,
  covarianceValues: 20_000_000,
} as const;

type Kind = 'int' | 'number' | 'string' | 'choice' | 'flag';

interface OptionSpec {
  name: string;
  kind: Kind;
  help: string;
  default?: number | string | boolean;
  choices?: readonly string[];
  min?: number;
  exclusiveMin?: boolean;
  /** Largest value accepted (sizes: refused before anything is allocated). */
  max?: number;
  metavar?: string;
}

/** The PyTorch GMM demo's family names for our covariance types, where they differ. */
const PYTORCH_FAMILY_NAMES: Readonly<Record<string, string>> = {diagonal: 'diag', isotropic: 'spherical'};

/**
 * `--family` values and the covariance types they select: every covariance type of the registry
 * by its own name, and the PyTorch demo's names for them (so a new type is offered as it lands).
 */
export const FAMILY_TO_COVARIANCE: Readonly<Record<string, CovarianceTypeName>> = Object.fromEntries([
  ...COVARIANCE_TYPES.map((type) => [type, type]),
  ...Object.entries(PYTORCH_FAMILY_NAMES).filter(([, type]) => (COVARIANCE_TYPES as readonly string[]).includes(type)),
]);

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
    choices: COVARIANCE_TYPES,
    default: 'full',
    help: "covariance type (scikit-learn's names, and the PyTorch demo's shared_isotropic and constant)",
  },
  {
    name: 'family',
    kind: 'choice',
    choices: Object.keys(FAMILY_TO_COVARIANCE),
    help: "covariance type by the PyTorch demo's names (diagonal = diag, isotropic = spherical); instead of --covariance",
  },
  {
    name: 'variance',
    kind: 'number',
    min: 0,
    exclusiveMin: true,
    help: 'the fixed variance of covariance constant, in squared data units (default 1)',
  },
  {name: 'components', kind: 'int', min: 1, max: LIMITS.components, default: 3, help: 'number of mixture components K'},
  {
    name: 'samples',
    kind: 'int',
    min: 1,
    max: LIMITS.samples,
    default: 2000,
    help: 'number of generated samples (without --input)',
  },
  {
    name: 'dims',
    kind: 'int',
    min: 1,
    max: LIMITS.dims,
    default: 2,
    help: 'number of dimensions of generated data (without --input)',
  },
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
  {
    name: 'backend',
    kind: 'choice',
    choices: CLI_BACKENDS,
    help: 'tfjs backend (default: wasm when @tensorflow/tfjs-backend-wasm is installed, else cpu)',
  },
  {
    name: 'input',
    kind: 'string',
    metavar: 'data.csv',
    help: 'numeric CSV to fit (with or without a header row) instead of generated data',
  },
  {
    name: 'input-format',
    kind: 'choice',
    choices: ['csv', 'f32'],
    help: 'csv (default), or f32: a headerless file of little-endian float32 rows of --dims values; em fits read --input in batches on every pass instead of loading it',
  },
  {
    name: 'workers',
    kind: 'int',
    min: 1,
    help: 'em: worker threads for the EM passes, of in-memory data and of a streamed --input (GaussianMixture workers; default 1)',
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
  covariance: CovarianceTypeName;
  family?: string;
  /** The fixed variance of covariance 'constant'. */
  variance?: number;
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
  /** Unset: the fastest installed backend. */
  backend?: CliBackend;
  input?: string;
  inputFormat?: 'csv' | 'f32';
  workers?: number;
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
  if (spec.max !== undefined && value > spec.max)
    throw new UsageError(`${flag} must be <= ${spec.max} (the CLI's size limit), but got ${raw}`);
  return value;
}

/** Flags of fitting: with --model (which scores a saved model) they would be ignored. */
const FIT_FLAGS = [
  'method',
  'covariance',
  'family',
  'variance',
  'components',
  'iterations',
  'log-freq',
  'mixture-lr',
  'component-lr',
  'tol',
  'n-init',
  'seed',
  'workers',
];
/** Flags of the generated data: with --input they would be ignored. */
const GENERATION_FLAGS = ['samples', 'dims', 'radius'];
/** Flags of one fitting method. */
const METHOD_FLAGS: Record<CliOptions['method'], readonly string[]> = {
  em: ['tol', 'n-init', 'workers'],
  sgd: ['mixture-lr', 'component-lr'],
};

/** Rejects flags that the other flags make meaningless (they would be silently ignored). */
function checkConflicts(options: CliOptions, given: ReadonlySet<string>): void {
  if (options.model !== undefined) {
    if (options.input === undefined) throw new UsageError('--model needs --input: the data to score');
    const fit = FIT_FLAGS.filter((flag) => given.has(flag));
    if (fit.length > 0)
      throw new UsageError(
        `${fit.map((f) => `--${f}`).join(', ')} cannot be used with --model, which scores a saved model instead of fitting one`,
      );
  }
  if (options.inputFormat !== undefined && options.input === undefined)
    throw new UsageError('--input-format needs --input: the file it describes');
  if (options.inputFormat === 'f32') {
    if (!given.has('dims')) throw new UsageError('--input-format f32 needs --dims: the number of values per row');
    const inMemory = ['predict', 'visualize', 'model'].filter((flag) => given.has(flag));
    if (options.method !== 'em') inMemory.push('method sgd');
    if (inMemory.length > 0)
      throw new UsageError(
        `${inMemory.map((f) => `--${f}`).join(', ')} cannot be used with --input-format f32, which streams the file through EM`,
      );
  }
  if (options.input !== undefined) {
    const generation = GENERATION_FLAGS.filter(
      (flag) => given.has(flag) && !(flag === 'dims' && options.inputFormat === 'f32'),
    );
    if (generation.length > 0)
      throw new UsageError(
        `${generation.map((f) => `--${f}`).join(', ')} cannot be used with --input: ${generation.length > 1 ? 'they apply' : 'it applies'} to generated data only`,
      );
  }
  for (const [method, flags] of Object.entries(METHOD_FLAGS)) {
    if (method === options.method) continue;
    const other = flags.filter((flag) => given.has(flag));
    if (other.length > 0)
      throw new UsageError(
        `${other.map((f) => `--${f}`).join(', ')} ${other.length > 1 ? 'apply' : 'applies'} to --method ${method} only, but the method is ${options.method}`,
      );
  }
  const covariance = options.family !== undefined ? FAMILY_TO_COVARIANCE[options.family] : options.covariance;
  if (given.has('variance') && covariance !== 'constant')
    throw new UsageError(
      `--variance is the fixed variance of covariance constant, but the covariance is ${covariance} (which is learned)`,
    );
  if (options.input === undefined) {
    const {samples, dims, components} = options;
    if (samples * dims > LIMITS.values)
      throw new UsageError(
        `--samples ${samples} x --dims ${dims} = ${samples * dims} values exceed the CLI's limit of ${LIMITS.values} generated values`,
      );
    if (components * dims * dims > LIMITS.covarianceValues)
      throw new UsageError(
        `--components ${components} x --dims ${dims}^2 = ${components * dims * dims} covariance entries exceed the CLI's limit of ${LIMITS.covarianceValues}`,
      );
  }
  if (options.family !== undefined && given.has('covariance')) {
    const type = FAMILY_TO_COVARIANCE[options.family];
    if (type !== options.covariance)
      throw new UsageError(
        `--family ${options.family} (covariance ${type}) conflicts with --covariance ${options.covariance}: give one of them`,
      );
  }
}

/**
 * Parses `argv` (without node and the script). Accepts `--name value` and `--name=value`.
 * @throws UsageError for unknown flags (naming the nearest one), missing and bad values, and
 *   flags that conflict with others.
 */
export function parseOptions(argv: readonly string[]): CliOptions {
  const out: Record<string, unknown> = {};
  const given = new Set<string>();
  for (const spec of SPECS) if (spec.default !== undefined) out[camel(spec.name)] = spec.default;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--'))
      throw new UsageError(`unexpected argument ${JSON.stringify(arg)} (options start with --; see --help)`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = SPECS.find((s) => s.name === name);
    if (!spec) {
      const nearest = nearestKey(
        name,
        SPECS.map((s) => s.name),
      );
      throw new UsageError(`unknown option --${name} (${nearest ? `did you mean --${nearest}?; ` : ''}see --help)`);
    }
    if (given.has(name)) throw new UsageError(`--${name} is given more than once`);
    given.add(name);
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
  checkConflicts(options, given);
  if (options.family !== undefined) options.covariance = FAMILY_TO_COVARIANCE[options.family];
  return options;
}

/** Column where the option descriptions start in --help, and the width they wrap at. */
const HELP_COLUMN = 30;
const HELP_WIDTH = 100;

/** Splits `text` into lines of at most `width` characters at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  return [...lines, line];
}

/** The --help text: each option's description starts at one column (on the next line after a long flag). */
export function helpText(): string {
  const lines = [
    'Usage: tfjs-gmm [options]',
    '',
    'Fits a Gaussian mixture to generated data (default) or to a numeric CSV (--input), by EM or',
    'gradient descent, on a tfjs backend, and reports it; optionally saves, scores and plots it.',
    '',
    'Options:',
  ];
  const indent = ' '.repeat(HELP_COLUMN);
  for (const spec of SPECS) {
    const value =
      spec.kind === 'flag'
        ? ''
        : ` ${spec.metavar ?? (spec.choices ? spec.choices.join('|') : spec.kind === 'int' ? 'N' : spec.kind === 'number' ? 'X' : 'VALUE')}`;
    const def =
      (spec.default !== undefined && spec.kind !== 'flag' ? ` (default ${spec.default})` : '') +
      (spec.max !== undefined ? ` (at most ${spec.max})` : '');
    const flag = `  --${spec.name}${value}`;
    const [first, ...rest] = wrap(spec.help + def, HELP_WIDTH - HELP_COLUMN);
    if (flag.length + 2 <= HELP_COLUMN) {
      lines.push(flag.padEnd(HELP_COLUMN) + first);
    } else {
      lines.push(flag, indent + first);
    }
    lines.push(...rest.map((line) => indent + line));
  }
  lines.push(
    '',
    'Labels and component numbers are 0-based, as in the API and in scikit-learn. --visualize needs',
    '@observablehq/plot and jsdom (and @resvg/resvg-js for .png); --backend wasm needs',
    '@tensorflow/tfjs-backend-wasm (npm install them next to tfjs-gmm).',
    '',
    'Examples:',
    '  tfjs-gmm --components 4 --covariance diag --visualize out.svg',
    '  tfjs-gmm --input data.csv --components 3 --output model.json --predict labels.csv',
    '  tfjs-gmm --input data.csv --model model.json --predict labels.csv',
  );
  return lines.join('\n');
}
