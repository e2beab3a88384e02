/**
 * Prints each committed stack's rollout critical path (plan/rollout.ts): time for a new task to be
 * judged healthy, plus draining, plus the smoke test and bake time under blue/green. Reads the
 * stack files only; no mock run. A service with deployment keys of its own gets a row of its own
 * (`<stack>/<service>`). Usage: npm run rollout [-- --stack <env>]
 */
import { formatRolloutTable, rolloutPath, serviceRolloutPaths } from "../plan/rollout";
import { buildSettings } from "../stacks/settings";
import { committedStacks, stackConfig } from "../offline/stackConfig";
import { DEPLOYMENT_STRATEGIES } from "../stacks/deployment";

function main(): void {
    const i = process.argv.indexOf("--stack");
    const stacks = i > 0 ? [process.argv[i + 1]] : committedStacks();
    const unknown = stacks.filter((s) => !committedStacks().includes(s));
    if (unknown.length > 0) {
        process.stderr.write(`unknown stack ${unknown.join(", ")}; allowed: ${committedStacks().join(", ")}\n`);
        process.exit(2);
    }
    const paths = stacks.flatMap((s) => {
        const settings = buildSettings(s, stackConfig(s));
        return [rolloutPath(settings), ...serviceRolloutPaths(settings)];
    });
    process.stdout.write(`${formatRolloutTable(paths)}\n`);
    // Each strategy on each stack's own health check, drain and bake: what switching costs and buys.
    const perStrategy = stacks.flatMap((s) =>
        DEPLOYMENT_STRATEGIES.map((d) => rolloutPath(buildSettings(s, stackConfig(s, { set: { deployment: d, smokeTest: false } })))),
    );
    process.stdout.write(`\nper strategy (each stack's settings, deployment overridden, smoke test off)\n${formatRolloutTable(perStrategy)}\n`);
    process.stdout.write(
        [
            "",
            "healthy     = healthyThreshold x interval: the load balancer's worst case to call a new task healthy",
            "drain       = deregistrationDelaySeconds; LB overhead = healthy + drain",
            "smoke test  = blueGreen: 3 rounds of requests at most 2 s each (worst case: ECS calls the hook back 5 x 30 s)",
            "before bake = rolling: healthy + drain; blueGreen: healthy + smoke test (blue drains after the bake time)",
            "shift steps = canary: shiftIntervalMinutes before the rest moves; linear: (steps - 1) x shiftIntervalMinutes",
            "total       = healthy + drain + smoke test + shift steps + bake; not counted: image pull and container start",
            "bad release reaches = production traffic on the release when the deployment alarms fire (2 of 3 minutes) and roll back:",
            "              rolling ~50% (old and new tasks side by side), blueGreen 100%, canary its percent, linear the steps within 3 minutes",
            "",
        ].join("\n"),
    );
}

main();
