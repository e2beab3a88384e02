/**
 * npm run warm
 *
 * Fills the caches that make the suite fast (scripts/register.js) in one process: every tracked
 * TypeScript file's transpiled output, then V8's code cache of the program and the Pulumi SDK by
 * running the alpha fixture stack once. A fresh clone has neither; without this, each of the suite's
 * workers and each CLI a test starts transpiles and compiles the same files in its first seconds.
 * .ci/run runs it beside the type-check. Nothing it writes can be stale: both caches are keyed by the
 * text they were made from.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { runStack } from "../offline/runStack";
import { ROOT } from "../offline/stackConfig";
import { runMain } from "./cli";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { precompile } = require("./register.js") as { precompile(file: string): boolean };

/** The repository's TypeScript files that the loader compiles (not the sample app's, which has its own build; not declarations). */
export function trackedSources(root: string): string[] {
    const r = spawnSync("git", ["ls-files", "-z", "--", "*.ts"], { cwd: root, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`git ls-files failed: ${r.stderr}`);
    return r.stdout
        .split("\0")
        .filter((f) => f !== "" && !f.startsWith("app/") && !f.endsWith(".d.ts"))
        .map((f) => path.join(root, f));
}

async function main(): Promise<number> {
    const started = Date.now();
    const files = trackedSources(ROOT);
    const fresh = files.filter((f) => !precompile(f)).length;
    const transpiledIn = Date.now() - started;
    const run = await runStack("alpha", { stackDir: path.join(ROOT, "test", "fixtures") });
    if (run.error) throw run.error;
    process.stdout.write(
        `warm: ${files.length} TypeScript files (${fresh} transpiled now) in ${transpiledIn} ms; alpha run (${run.graph.resources.length} resources) in ${Date.now() - started - transpiledIn} ms\n`,
    );
    return 0;
}

if (require.main === module) runMain("warm", main);
