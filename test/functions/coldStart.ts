/**
 * A Lambda cold start, for tests (not a test file itself): loads a function's entry module afresh
 * with some environment variables set or unset, then puts process.env back and forgets the module.
 */

import * as path from "node:path";

/** `entry` is relative to functions/, e.g. `smokeHook/handler.ts`; an undefined value unsets the variable. */
export function coldStart(entry: string, env: Readonly<Record<string, string | undefined>>): { handler?: unknown } {
    const file = require.resolve(path.resolve(__dirname, "../../functions", entry));
    const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
    const apply = (values: Readonly<Record<string, string | undefined>>): void => {
        for (const [name, value] of Object.entries(values)) {
            if (value === undefined) delete process.env[name];
            else process.env[name] = value;
        }
    };
    apply(env);
    delete require.cache[file];
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module must load fresh, under this environment
        return require(file) as { handler?: unknown };
    } finally {
        apply(saved);
        delete require.cache[file];
    }
}
