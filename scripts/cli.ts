/**
 * What the offline scripts (plan, bench:services) share on their command line: strict flags,
 * --help, a usage error that exits 2 with the usage, a stack that must have a stack file, and an
 * exit that waits until everything written has left the process.
 */
import { parseArgs, ParseArgsConfig } from "util";
import { committedStacks } from "../offline/stackConfig";

/** Bad usage: the script prints the message and its usage and exits 2. */
export class UsageError extends Error {}

/** `--help`: the script prints its usage on stdout and exits 0. */
class HelpRequested extends Error {}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** The flags of `argv`, strictly (no unknown flag, no positional); a `help` flag among `options` ends the script with its usage and exit 0 (through {@link argsOrUsage}). */
export function parseFlags<const O extends Options>(argv: string[], options: O, usage: string) {
    let parsed;
    try {
        parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
    } catch (e) {
        throw new UsageError(e instanceof Error ? e.message : String(e));
    }
    if ((parsed.values as { help?: boolean }).help) throw new HelpRequested(usage);
    return parsed.values;
}

/** Throws a UsageError unless `stack` has a committed stack file. */
export function requireStack(stack: string): void {
    const stacks = committedStacks();
    if (!stacks.includes(stack)) throw new UsageError(`unknown stack "${stack}": there is no Pulumi.${stack}.yaml; known stacks: ${stacks.join(", ")}`);
}

/** Where a script's main writes: the process's stdout and stderr, or a test's buffers (in-process runs). */
export interface Io {
    out(text: string): void;
    err(text: string): void;
}

export const PROCESS_IO: Io = {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
};

/**
 * Runs `parse` on the arguments (the process's unless given); a UsageError becomes
 * `<name>: message`, the usage, and exit code 2; --help becomes the usage on stdout and exit code 0.
 */
export function argsOrUsage<T>(name: string, usage: string, parse: (argv: string[]) => T, argv = process.argv.slice(2), io: Io = PROCESS_IO): T | number {
    try {
        return parse(argv);
    } catch (e) {
        if (e instanceof HelpRequested) {
            io.out(`${usage}\n`);
            return 0;
        }
        if (e instanceof UsageError) {
            io.err(`${name}: ${e.message}\n${usage}\n`);
            return 2;
        }
        throw e;
    }
}

/** Resolves once everything written to `stream` so far has been handed to the operating system. */
function drained(stream: NodeJS.WriteStream): Promise<void> {
    if (stream.destroyed || !stream.writable) return Promise.resolve();
    // Writes complete in order: the callback of an empty write runs after every earlier one's.
    return new Promise((resolve) => stream.write("", () => resolve()));
}

/**
 * Runs a script's `main` and ends the process with its exit code once stdout and stderr have been
 * written out. `process.exit` right after a write to a pipe drops what the pipe has not taken yet
 * (everything past 64 KiB on Linux), so the exit waits for the streams first; it still exits
 * rather than waiting for the event loop, since the Pulumi runtime may keep handles open.
 *
 * A reader that closes the pipe early (`| head`) ends the script quietly instead of with EPIPE.
 */
export function runMain(name: string, main: () => Promise<number>): void {
    for (const stream of [process.stdout, process.stderr]) {
        stream.on("error", (e: NodeJS.ErrnoException) => {
            if (e.code !== "EPIPE") throw e;
            process.exit(process.exitCode ?? 0);
        });
    }
    const finish = async (code: number) => {
        process.exitCode = code;
        await Promise.all([drained(process.stdout), drained(process.stderr)]);
        process.exit(code);
    };
    main().then(finish, (e: unknown) => {
        process.stderr.write(`${name}: unexpected failure: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
        return finish(1);
    });
}
