#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { EXIT_OK, EXIT_USAGE, processIo, type Io, type Subcommand } from './io.ts';

// The `sqlflow` command: a dispatcher only. Each subcommand lives in its own file and is loaded
// on demand, so `translate` never pays for the Kubernetes client a `run` would load.

interface Entry {
  readonly summary: string;
  readonly load: () => Promise<Subcommand>;
}

const SUBCOMMANDS: Readonly<Record<string, Entry>> = {
  translate: {
    summary: 'print the Argo Workflow for a SQLFlow program',
    load: async () => (await import('./translate.ts')).translate,
  },
  run: {
    summary: 'run a SQLFlow program (or an Argo Workflow) as a SQLFlowJob; --follow streams its logs',
    load: async () => (await import('./run.ts')).run,
  },
  logs: {
    summary: "print a job's step logs exactly once (-f to follow, --token to continue)",
    load: async () => (await import('./logs.ts')).logs,
  },
  get: {
    summary: 'list jobs, or show one job and its steps',
    load: async () => (await import('./get.ts')).get,
  },
  cancel: {
    summary: 'cancel a job (its workflow is terminated)',
    load: async () => (await import('./cancel.ts')).cancel,
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(SUBCOMMANDS).map((k) => k.length));
  const lines = Object.entries(SUBCOMMANDS).map(([name, e]) => `  ${name.padEnd(width)}  ${e.summary}`);
  return `Usage: sqlflow <command> [args]\n\nCommands:\n${lines.join('\n')}\n\nRun 'sqlflow <command> --help' for a command's flags.\n`;
}

export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    (command === undefined ? io.stderr : io.stdout)(usage());
    return command === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const entry = Object.hasOwn(SUBCOMMANDS, command) ? SUBCOMMANDS[command] : undefined;
  if (entry === undefined) {
    io.stderr(`sqlflow: unknown command ${JSON.stringify(command)}\n\n${usage()}`);
    return EXIT_USAGE;
  }
  return (await entry.load())(rest, io);
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  process.exitCode = await main(process.argv.slice(2), processIo);
}
