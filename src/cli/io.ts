import { readFile } from 'node:fs/promises';

/** What a subcommand may touch, so tests can run subcommands without a process. */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly readStdin: () => Promise<string>;
  readonly readFile: (path: string) => Promise<string>;
}

/** A subcommand: argv after its name → exit code (0 ok, 1 bad input program, 2 usage error). */
export type Subcommand = (argv: readonly string[], io: Io) => Promise<number>;

export const EXIT_OK = 0;
export const EXIT_PROGRAM_ERROR = 1;
export const EXIT_USAGE = 2;

/** A mistake in how the command was called; printed with a pointer to --help. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  readFile: (path) => readFile(path, 'utf8'),
};

/** Reports a usage error of subcommand `cmd` the same way everywhere; returns EXIT_USAGE. */
export function usageError(io: Io, cmd: string, message: string): number {
  io.stderr(`sqlflow ${cmd}: ${message}\nRun 'sqlflow ${cmd} --help' for usage.\n`);
  return EXIT_USAGE;
}
