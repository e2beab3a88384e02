/**
 * npm run --silent preview -- <command> [flags]   (see release/previewCli.ts for the commands)
 *
 * Pull-request previews: the preview workflows' helper. Stack files are read from and written to
 * the folder of the environments' stack files (SHIPYARD_STACK_CONFIG_DIR when set); `pulumi`, `gh`
 * and `aws` are the CLIs the workflow set up. The daily cost comes from the stack's offline plan.
 */
import * as fs from "fs";
import * as path from "path";
import { runPreviewCli } from "../release/previewCli";
import { spawnRunner } from "../release/runner";
import { ROOT, stackConfigDir } from "../offline/stackConfig";

const dir = stackConfigDir();
/** Stack files live in the stack folder; release/previews.json in the repository. */
const where = (file: string) => (file.startsWith("Pulumi.") ? path.join(dir, file) : path.join(ROOT, file));

runPreviewCli(process.argv.slice(2), {
    readFile: (file) => (fs.existsSync(where(file)) ? fs.readFileSync(where(file), "utf8") : undefined),
    writeFile: (file, text) => fs.writeFileSync(where(file), text),
    run: spawnRunner,
    now: () => new Date(),
    estimateMonthlyUsd: async (stack) => {
        const { runStack } = await import("../offline/runStack");
        const { estimateCost } = await import("../cost/estimate");
        const run = await runStack(stack, { stackDir: dir, fresh: true });
        if (run.error) throw run.error;
        return estimateCost(run.graph.all, { region: String(run.outputs?.region ?? "") }).totalUsd;
    },
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
}).then(
    (code) => process.exit(code),
    (e: unknown) => {
        process.stderr.write(`preview: unexpected failure: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
        process.exit(1);
    },
);
