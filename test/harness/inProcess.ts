/**
 * A command's main function called in this process, as the command line would call it: what it
 * writes to stdout and stderr and its exit code, without starting Node, the loader and the Pulumi
 * SDK again (seconds per call). The suite keeps a few real processes per command to prove the
 * entry point itself (exit code, streams written out through a pipe); the other tests of a
 * command's output and exit code call its main here.
 */
import type { Io } from "../../scripts/cli";

export interface CliResult {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

/**
 * Calls `main(argv, io)` with `env` set in process.env for the duration of the call (as a child
 * process would inherit it) and restored after, and collects what it writes.
 */
export async function inProcess(main: (argv: string[], io: Io) => Promise<number>, argv: string[], env: Record<string, string> = {}): Promise<CliResult> {
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    const stdout: string[] = [];
    const stderr: string[] = [];
    Object.assign(process.env, env);
    try {
        const code = await main(argv, { out: (text) => stdout.push(text), err: (text) => stderr.push(text) });
        return { code, stdout: stdout.join(""), stderr: stderr.join("") };
    } finally {
        for (const [k, v] of Object.entries(saved)) {
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
        }
    }
}
