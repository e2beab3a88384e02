/**
 * What the offline scripts (plan, bench:services) share on their command line: strict flags,
 * --help, a usage error that exits 2 with the usage, and a stack that must have a stack file.
 */
import { parseArgs, ParseArgsConfig } from "util";
import { committedStacks } from "../offline/stackConfig";

/** Bad usage: the script prints the message and its usage and exits 2. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** The flags of `argv`, strictly (no unknown flag, no positional); a `help` flag among `options` prints `usage` and exits 0. */
export function parseFlags<const O extends Options>(argv: string[], options: O, usage: string) {
    let parsed;
    try {
        parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
    } catch (e) {
        throw new UsageError(e instanceof Error ? e.message : String(e));
    }
    if ((parsed.values as { help?: boolean }).help) {
        console.log(usage);
        process.exit(0);
    }
    return parsed.values;
}

/** Throws a UsageError unless `stack` has a committed stack file. */
export function requireStack(stack: string): void {
    const stacks = committedStacks();
    if (!stacks.includes(stack)) throw new UsageError(`unknown stack "${stack}": there is no Pulumi.${stack}.yaml; known stacks: ${stacks.join(", ")}`);
}

/** Runs `parse` on the process's arguments; a UsageError becomes `<name>: message`, the usage, and exit code 2. */
export function argsOrUsage<T>(name: string, usage: string, parse: (argv: string[]) => T): T | number {
    try {
        return parse(process.argv.slice(2));
    } catch (e) {
        if (e instanceof UsageError) {
            process.stderr.write(`${name}: ${e.message}\n${usage}\n`);
            return 2;
        }
        throw e;
    }
}
