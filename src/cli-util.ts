/** Shared commander helpers: number parsing with the flag in the message, and error-to-exit-code. */
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
