/** Shared commander helpers: number parsing with the flag in the message, choice lists, exclusive flags, and error-to-exit-code. */
import { InvalidArgumentError } from 'commander';

export function intArg(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`${flag} takes an integer, got "${v}"`);
    return n;
  };
}

export function numberArg(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`${flag} takes a number, got "${v}"`);
    return n;
  };
}

/** Choices as help text and messages name them: `a, b or c` (or `a, b and c`). */
export function choiceList(choices: readonly string[], conjunction = 'or'): string {
  return choices.length > 1 ? `${choices.slice(0, -1).join(', ')} ${conjunction} ${choices[choices.length - 1]}` : choices.join('');
}

/** Throws `pass exactly one of A and B` unless exactly one of the [value, flag] pairs has a value. */
export function exactlyOne(...given: [value: unknown, flag: string][]): void {
  if (given.filter(([v]) => v).length !== 1) throw new Error(`pass exactly one of ${choiceList(given.map(([, flag]) => flag), 'and')}`);
}

/** Runs a command body; any error becomes one line on stderr and a non-zero exit code. */
export function action<A extends unknown[]>(verb: string, body: (...args: A) => Promise<void>) {
  return async (...args: A): Promise<void> => {
    try {
      await body(...args);
    } catch (e) {
      process.stderr.write(`ssgan ${verb}: ${(e as Error).message.split('\n')[0]}\n`);
      process.exitCode = 1;
    }
  };
}
