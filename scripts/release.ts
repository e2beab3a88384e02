/**
 * npm run --silent release -- <command> [flags]   (see release/cli.ts for the commands)
 *
 * The release workflows' helper: which services a stack runs, which repository each service's
 * image goes to, which digest a commit was built as, and whether ECS really rolled a deploy out.
 * Results go to stdout, progress and errors to stderr; AWS is reached through the `aws` CLI only.
 */
import * as fs from "fs";
import { runCli } from "../release/cli";
import { realClock } from "../release/rollout";
import { spawnRunner } from "../release/runner";
import { releaseConfig } from "../release/stackFiles";
import { committedStacks } from "../offline/stackConfig";

runCli(process.argv.slice(2), {
    stacks: () => committedStacks(),
    config: (stack) => releaseConfig(stack),
    readFile: (path) => fs.readFileSync(path, "utf8"),
    run: spawnRunner,
    clock: realClock,
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
}).then(
    (code) => process.exit(code),
    (e: unknown) => {
        process.stderr.write(`release: unexpected failure: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
        process.exit(1);
    },
);
