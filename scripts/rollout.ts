/**
 * Prints each committed stack's rollout critical path (plan/rollout.ts): time for a new task to be
 * judged healthy, plus draining, plus the smoke test and bake time under blue/green. Reads the
 * stack files only; no mock run. Usage: npm run rollout [-- --stack <env>]
 */
import { formatRolloutTable, rolloutPath } from "../plan/rollout";
import { buildSettings } from "../stacks/settings";
import { committedStacks, stackConfig } from "../offline/stackConfig";

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
        [
            "",
            "healthy     = healthyThreshold x interval: the load balancer's worst case to call a new task healthy",
            "drain       = deregistrationDelaySeconds; LB overhead = healthy + drain",
            "smoke test  = blueGreen: 3 rounds of requests at most 2 s each (worst case: ECS calls the hook back 5 x 30 s)",
            "before bake = rolling: healthy + drain; blueGreen: healthy + smoke test (blue drains after the bake time)",
            "total       = healthy + drain + smoke test + bake; not counted: image pull and container start",
            "",
        ].join("\n"),
    );
}

main();
