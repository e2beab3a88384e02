/**
 * How a release replaces the running tasks: rolling or ECS-native blue/green with its test
 * listener, bake time and smoke test, and the alarms that roll a deploy back.
 */
import { Fail, inRange } from "./problems";
import { KeyValues } from "./raw";
import { parseCidr } from "./validators";

export const DEPLOYMENT_STRATEGIES = ["rolling", "blueGreen"] as const;
export type DeploymentStrategy = (typeof DEPLOYMENT_STRATEGIES)[number];

/** How a release replaces the running tasks; see `stacks/keys.ts` and README "Releases". */
export interface DeploymentSettings {
    /** @default "blueGreen" in the production tier, "rolling" otherwise */
    readonly strategy: DeploymentStrategy;
    /** blueGreen: minutes blue stays ready after the switch. @default 10 in the production tier, 5 in staging, 2 in development and preview */
    readonly bakeTimeMinutes: number;
    /** blueGreen: the HTTP test listener's port. @default 9080 */
    readonly testListenerPort: number;
    /** blueGreen: who besides the smoke test may reach the test listener. @default [] */
    readonly testListenerCidrs: readonly string[];
    /** blueGreen: run the smoke-test lifecycle hook. @default on in the production tier when the strategy is blueGreen and there is a NAT gateway, off otherwise */
    readonly smokeTest: boolean;
    /** Deployment alarm: a deploy rolls back when more than this percent of responses are 5xx. @default 5 */
    readonly rollbackOn5xxPercent: number;
    /** Deployment alarm: a deploy rolls back when the p99 target response time exceeds this, in ms. @default 2000 */
    readonly rollbackOnP99LatencyMs: number;
}

type DeploymentKeys = Pick<
    KeyValues,
    | "deployment"
    | "bakeTimeMinutes"
    | "testListenerPort"
    | "testListenerCidrs"
    | "smokeTest"
    | "natGateways"
    | "rollbackOn5xxPercent"
    | "rollbackOnP99LatencyMs"
>;

/**
 * Checks the deployment keys. The test listener never admits the whole internet; the smoke test
 * needs blue/green's test listener and a NAT gateway to reach it. `smokeTestSet`: the stack file
 * sets smokeTest; unset, it follows the strategy, so switching deployment is one setting.
 */
export function parseDeployment(v: DeploymentKeys, smokeTestSet: boolean, fail: Fail): DeploymentSettings {
    const blueGreen = v.deployment === "blueGreen";
    if (!(DEPLOYMENT_STRATEGIES as readonly string[]).includes(v.deployment)) fail("deployment", v.deployment, `allowed: ${DEPLOYMENT_STRATEGIES.join(", ")}`);
    if (!inRange(v.bakeTimeMinutes, 0, 30))
        fail(
            "bakeTimeMinutes",
            v.bakeTimeMinutes,
            "allowed: 0 to 30 minutes: pulumi up and the deploy job wait through the bake time (the job's timeout is 60 minutes; ECS itself allows up to 1440)",
        );
    if (!inRange(v.testListenerPort, 1, 65535) || v.testListenerPort === 80 || v.testListenerPort === 443)
        fail("testListenerPort", v.testListenerPort, "allowed: 1 to 65535 except 80 and 443, which carry production traffic");
    for (const c of v.testListenerCidrs) if (!parseCidr(c)) fail("testListenerCidrs", c, "must be an IPv4 CIDR block such as 203.0.113.0/24");
    if (v.testListenerCidrs.includes("0.0.0.0/0"))
        fail("testListenerCidrs", "0.0.0.0/0", "the test listener serves unreleased code: allow named networks only, never the whole internet");
    const smokeTest = smokeTestSet ? v.smokeTest : v.smokeTest && blueGreen && v.natGateways !== "none";
    if (smokeTest && !blueGreen)
        fail(
            "smokeTest",
            v.smokeTest,
            `the smoke test requests the test listener, which only deployment blueGreen has (deployment is ${v.deployment}); allowed: false, or set deployment: blueGreen`,
        );
    if (smokeTest && v.natGateways === "none")
        fail(
            "smokeTest",
            v.smokeTest,
            "the smoke test runs in the private subnets and reaches the test listener through a NAT gateway; set natGateways: single or perAz, or smokeTest: false",
        );
    if (!inRange(v.rollbackOn5xxPercent, 1, 100)) fail("rollbackOn5xxPercent", v.rollbackOn5xxPercent, "allowed: 1 to 100 percent");
    if (!inRange(v.rollbackOnP99LatencyMs, 10, 60000)) fail("rollbackOnP99LatencyMs", v.rollbackOnP99LatencyMs, "allowed: 10 to 60000 ms");
    return {
        strategy: v.deployment as DeploymentStrategy,
        bakeTimeMinutes: v.bakeTimeMinutes,
        testListenerPort: v.testListenerPort,
        testListenerCidrs: [...v.testListenerCidrs],
        smokeTest,
        rollbackOn5xxPercent: v.rollbackOn5xxPercent,
        rollbackOnP99LatencyMs: v.rollbackOnP99LatencyMs,
    };
}
