/**
 * Prints each committed stack's rollout critical path (plan/rollout.ts): time for a new task to be
 * judged healthy, plus draining, plus the smoke test and bake time under blue/green. Reads the
 * stack files only; no mock run. Usage: npm run rollout [-- --stack <env>]
 */
import { formatRolloutTable, rolloutPath } from "../plan/rollout";
import { buildSettings } from "../stacks/settings";
import { committedStacks, stackConfig } from "../test/harness/stackConfig";

function main(): void {
    const i = process.argv.indexOf("--stack");
    const stacks = i > 0 ? [process.argv[i + 1]] : committedStacks();
    const unknown = stacks.filter((s) => !committedStacks().includes(s));
    if (unknown.length > 0) {
        process.stderr.write(`unknown stack ${unknown.join(", ")}; allowed: ${committedStacks().join(", ")}\n`);
        process.exit(2);
    }
    const paths = stacks.map((s) => rolloutPath(buildSettings(s, stackConfig(s))));
    process.stdout.write(`${formatRolloutTable(paths)}\n`);
    process.stdout.write(
        "\nhealthy = healthyThreshold x interval (worst case); drain = deregistrationDelaySeconds; LB overhead = healthy + drain.\n" +
            "blueGreen adds the smoke test (3 rounds, 2 s timeout at most) and the bake time, during which blue still runs.\n",
    );
}

main();
