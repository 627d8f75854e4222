// `cola-bert` command line: dispatches to one module per subcommand (src/cli/*.ts), which use the same
// src/core modules as the extension. Exit codes: 0 ok, 1 flagged/failed, 2 usage or input errors,
// 130 cancelled.
import pkg from '../package.json';
import { EXIT_CANCELLED, EXIT_ERROR, EXIT_OK, runCommand, writeLine, type CliCommand, type CliIo } from './cli/args';
import { command as checkCommand } from './cli/check';
import { command as evalCommand } from './cli/eval';
import { command as sentencesCommand } from './cli/sentences';
import { command as tokenizeCommand } from './cli/tokenize';
import { command as trainCommand } from './cli/train';

export const commands: Record<string, CliCommand> = {
  train: trainCommand,
  eval: evalCommand,
  check: checkCommand,
  tokenize: tokenizeCommand,
  sentences: sentencesCommand,
};

export function mainUsage(): string {
  const width = Math.max(...Object.keys(commands).map((k) => k.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `Usage: cola-bert <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun \`cola-bert <command> --help\` for a command's options.`;
}

/** Runs one command line; never exits the process itself (so tests can call it). */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    writeLine(name ? io.stdout : io.stderr, mainUsage());
    return name ? EXIT_OK : EXIT_ERROR;
  }
  if (name === '--version') {
    writeLine(io.stdout, pkg.version);
    return EXIT_OK;
  }
  const command = commands[name];
  if (!command) {
    writeLine(io.stderr, `cola-bert: unknown command '${name}'\n\n${mainUsage()}`);
    return EXIT_ERROR;
  }
  // After `--` everything is a file name (`cola-bert check -- -h` checks a file called -h).
  const options = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
  if (options.includes('--help') || options.includes('-h')) {
    writeLine(io.stdout, command.usage);
    return EXIT_OK;
  }
  return runCommand(name, command.usage, (args, commandIo) => command.run(args, commandIo), rest, io);
}

function processIo(): CliIo {
  const controller = new AbortController();
  const listeners = new Set<() => void>();
  process.on('SIGINT', () => {
    controller.abort();
    if (!listeners.size) process.exit(EXIT_CANCELLED);
    for (const l of [...listeners]) l();
  });
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
    onInterrupt: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
}

/**
 * A reader that stops early (`cola-bert check … | head`) closes the pipe: without a listener the EPIPE
 * would crash the process with a stack trace and exit 1, which `check` uses for "flagged". Output is
 * dropped from then on and the command ends with its own exit code.
 */
function tolerateClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
    });
  }
}

if (require.main === module) {
  tolerateClosedPipes();
  main(process.argv.slice(2), processIo()).then(
    (code) => {
      // Let stdout drain before exiting (piped output would otherwise be cut).
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`cola-bert: ${(e as Error).stack ?? e}\n`);
      process.exitCode = EXIT_ERROR;
    },
  );
}
