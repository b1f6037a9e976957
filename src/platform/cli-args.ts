import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Exit codes every `kinema` command shares. Commands may add their own from 3 up. */
export const EXIT_OK = 0;
/** Something failed while doing the work (a retry may succeed). */
export const EXIT_FAILED = 1;
/** The command line itself is wrong: nothing was done. */
export const EXIT_USAGE = 2;

/**
 * Bad usage of `kinema <command>`: the CLI prints the message (one line that says what is wrong
 * and where the usage is) and exits with {@link EXIT_USAGE}.
 */
export class UsageError extends Error {
  constructor(
    readonly command: string,
    problem: string,
  ) {
    super(`kinema ${command}: ${problem}. Run "kinema ${command} --help" for usage.`);
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;
type WithHelp<O extends Options> = O & { help: { type: 'boolean'; short: 'h' } };

/**
 * `util.parseArgs` in strict mode, plus `--help`/`-h` on every command, with its errors turned
 * into a {@link UsageError} a person can act on ("unknown flag --prot") instead of the raw
 * parser message.
 *
 * @example
 * const { values } = parseCommandArgs('edge-config', argv, { listen: { type: 'string' } });
 */
export function parseCommandArgs<const O extends Options>(command: string, args: string[], options: O, opts: { positionals?: boolean } = {}) {
  const config = {
    args,
    options: { ...options, help: { type: 'boolean', short: 'h' } } as WithHelp<O>,
    strict: true,
    allowPositionals: opts.positionals ?? false,
  } as const;
  try {
    return parseArgs(config);
  } catch (err) {
    throw new UsageError(command, describeParseError(err as Error & { code?: string }));
  }
}

/** Node's parser messages, reworded for the command line this is. */
function describeParseError(err: Error & { code?: string }): string {
  const quoted = /'([^']+)'/.exec(err.message)?.[1] ?? '';
  switch (err.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown flag ${quoted}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument "${quoted}"`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const flag = quoted.split(' ')[0];
      if (/does not take/.test(err.message)) return `${flag} takes no value`;
      if (/ambiguous/.test(err.message)) return `${flag} needs a value; for one that starts with "-", write ${flag}=VALUE`;
      return `${flag} needs a value`;
    }
    default:
      return err.message.replace(/\.$/, '');
  }
}
