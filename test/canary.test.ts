/**
 * Canary and linear releases and the approval pause (issue 19): the stack keys become ECS's own
 * deploymentConfiguration on the http service, reusing blue/green's target groups and listener rules;
 * the rollout report's exposure per strategy.
 */
import * as assert from "assert/strict";
import { runStack } from "../offline/runStack";
import { buildSettings } from "../stacks/settings";
import { stackConfig } from "../offline/stackConfig";
import { exposure, rolloutPath } from "../plan/rollout";

type Inputs = Record<string, unknown>;
const serviceInputs = async (stack: string, set: Record<string, unknown>) => {
    const run = await runStack(stack, { overrides: { set } });
    assert.equal(run.error, undefined);
    const byName = (n: string) => run.graph.ofType("aws:ecs/service:Service").find((r) => r.inputs.name === n)?.inputs as Inputs;
    return { web: byName(`demo-${stack}-web`), api: byName(`demo-${stack}-api`), run };
};

describe("canary and linear releases", () => {
    it("GIVEN gamma with deployment canary 10% every 5 minutes WHEN planned THEN web gets CANARY with those values and the others keep rolling", async () => {
        const { web, api } = await serviceInputs("gamma", { deployment: "canary", canaryPercent: 10, shiftIntervalMinutes: 5 });
        assert.deepEqual(web.deploymentConfiguration, {
            strategy: "CANARY",
            bakeTimeInMinutes: "5",
            canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: "5" },
        });
        assert.deepEqual(web.deploymentCircuitBreaker, undefined);
        assert.equal((web.loadBalancers as { advancedConfiguration?: Inputs }[])[0].advancedConfiguration !== undefined, true);
        assert.deepEqual(api.deploymentConfiguration, { strategy: "ROLLING" });
    });
    it("GIVEN gamma with deployment linear 25% every 2 minutes WHEN planned THEN web gets LINEAR with stepPercent 25", async () => {
        const { web } = await serviceInputs("gamma", { deployment: "linear", linearStepPercent: 25, shiftIntervalMinutes: 2 });
        assert.deepEqual(web.deploymentConfiguration, {
            strategy: "LINEAR",
            bakeTimeInMinutes: "5",
            linearConfiguration: { stepPercent: 25, stepBakeTimeInMinutes: "2" },
        });
    });
    it("GIVEN live with an approval pause of 120 minutes WHEN planned THEN a PAUSE hook after the test traffic shift rolls back at its timeout", async () => {
        const { web } = await serviceInputs("live", { deployment: "canary", approvalTimeoutMinutes: 120, smokeTest: false });
        assert.deepEqual((web.deploymentConfiguration as Inputs).lifecycleHooks, [
            { targetType: "PAUSE", lifecycleStages: ["POST_TEST_TRAFFIC_SHIFT"], timeoutConfiguration: { action: "ROLLBACK", timeoutInMinutes: "120" } },
        ]);
    });
});

describe("rollout exposure per strategy", () => {
    const live = (set: Record<string, unknown>) => buildSettings("live", stackConfig("live", { set: { smokeTest: false, ...set } })).deployment;
    it("GIVEN each strategy WHEN the alarms fire after 3 minutes THEN a bad release reached 50, 100, the canary's and one step's percent", () => {
        assert.deepEqual(
            [
                exposure(live({ deployment: "rolling" })),
                exposure(live({ deployment: "blueGreen" })),
                exposure(live({ deployment: "canary", canaryPercent: 10, shiftIntervalMinutes: 5 })),
                exposure(live({ deployment: "linear", linearStepPercent: 20, shiftIntervalMinutes: 5 })),
                exposure(live({ deployment: "linear", linearStepPercent: 10, shiftIntervalMinutes: 1 })),
                exposure(live({ deployment: "canary", canaryPercent: 10, shiftIntervalMinutes: 2 })),
            ],
            [
                { exposedPercent: 50, shiftSeconds: 0 },
                { exposedPercent: 100, shiftSeconds: 0 },
                { exposedPercent: 10, shiftSeconds: 300 },
                { exposedPercent: 20, shiftSeconds: 1200 },
                { exposedPercent: 40, shiftSeconds: 540 },
                { exposedPercent: 100, shiftSeconds: 120 },
            ],
        );
    });
    it("GIVEN an approval pause WHEN the worst rollout is measured THEN pulumi up outwaits the pause's timeout", () => {
        const without = rolloutPath(buildSettings("live", stackConfig("live", { set: { deployment: "canary" } })));
        const withPause = rolloutPath(buildSettings("live", stackConfig("live", { set: { deployment: "canary", approvalTimeoutMinutes: 30 } })));
        assert.equal(withPause.worstSeconds - without.worstSeconds, 1800);
    });
});
