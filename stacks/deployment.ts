/**
 * How a release replaces the running tasks: rolling or ECS-native blue/green with its test
 * listener, bake time and smoke test, and the alarms that roll a deploy back.
 */
import { Fail, inRange } from "./problems";
import { KeyValues } from "./raw";
import { parseCidr } from "./validators";

export const DEPLOYMENT_STRATEGIES = ["rolling", "blueGreen", "canary", "linear"] as const;
export type DeploymentStrategy = (typeof DEPLOYMENT_STRATEGIES)[number];

/** The strategies that shift traffic between two target groups (ECS-native: test listener, hooks, bake time). */
export function shiftsTraffic(strategy: DeploymentStrategy): boolean {
    return strategy !== "rolling";
}

/** ECS's ranges (CreateService DeploymentConfiguration): canaryPercent 0.1-100, linear stepPercent 3-100, bake times 0-1440 minutes; PAUSE hook timeout 1-20160 minutes. */
export const ECS_RANGES = { canaryPercent: [0.1, 100], linearStepPercent: [3, 100], pauseTimeoutMinutes: [1, 20160] } as const;

/** How a release replaces the running tasks; see `stacks/keys.ts` and README "Releases". */
export interface DeploymentSettings {
    /** @default "blueGreen" in the production tier, "rolling" otherwise */
    readonly strategy: DeploymentStrategy;
    /** blueGreen: minutes blue stays ready after the switch. @default 10 in the production tier, 5 in staging, 2 in development and preview */
    readonly bakeTimeMinutes: number;
    /** blueGreen: the HTTPS test listener's port. @default 9080 */
    readonly testListenerPort: number;
    /** blueGreen: who besides the smoke test may reach the test listener. @default [] */
    readonly testListenerCidrs: readonly string[];
    /** blueGreen: run the smoke-test lifecycle hook. @default on in the production tier when the strategy is blueGreen and there is a NAT gateway, off otherwise */
    readonly smokeTest: boolean;
    /** canary: percent of production traffic the new revision takes first. @default 10 */
    readonly canaryPercent: number;
    /** linear: percent of production traffic moved per step. @default 20 */
    readonly linearStepPercent: number;
    /** canary and linear: minutes between traffic shifts (the canary's bake, each linear step's bake). @default 5 */
    readonly shiftIntervalMinutes: number;
    /** blueGreen, canary, linear: hold after the test traffic shift until `release approve` (or roll back after this many minutes); 0 = no pause. @default 0 */
    readonly approvalTimeoutMinutes: number;
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
    | "canaryPercent"
    | "linearStepPercent"
    | "shiftIntervalMinutes"
    | "approvalTimeoutMinutes"
>;

/**
 * Checks the deployment keys. The test listener never admits the whole internet; the smoke test
 * needs blue/green's test listener and a NAT gateway to reach it. `smokeTestSet`: the stack file
 * sets smokeTest; unset, it follows the strategy, so switching deployment is one setting.
 */
export function parseDeployment(v: DeploymentKeys, smokeTestSet: boolean, fail: Fail): DeploymentSettings {
    const blueGreen = (DEPLOYMENT_STRATEGIES as readonly string[]).includes(v.deployment) && shiftsTraffic(v.deployment as DeploymentStrategy);
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
            `the smoke test requests the test listener, which only deployments blueGreen, canary and linear have (deployment is ${v.deployment}); allowed: false, or set deployment: blueGreen, canary or linear`,
        );
    if (smokeTest && v.natGateways === "none")
        fail(
            "smokeTest",
            v.smokeTest,
            "the smoke test runs in the private subnets and reaches the test listener through a NAT gateway; set natGateways: single or perAz, or smokeTest: false",
        );
    // ECS accepts canaryPercent 0.1-100 and stepPercent 3-100; a 100 percent canary or step is
    // blue/green, so the stack keys stop below it. Intervals wait inside the deploy job, as the bake does.
    if (!inRange(v.canaryPercent, 1, 50))
        fail("canaryPercent", v.canaryPercent, "allowed: 1 to 50 percent (ECS accepts 0.1 to 100; above 50 the canary is most of production, use blueGreen)");
    if (!inRange(v.linearStepPercent, 3, 50))
        fail("linearStepPercent", v.linearStepPercent, "allowed: 3 to 50 percent per step (ECS accepts 3 to 100; one 100 percent step is blueGreen)");
    if (!inRange(v.shiftIntervalMinutes, 0, 10))
        fail(
            "shiftIntervalMinutes",
            v.shiftIntervalMinutes,
            "allowed: 0 to 10 minutes: pulumi up and the deploy job wait through every step (ECS itself allows up to 1440)",
        );
    if (v.deployment === "linear" && Math.ceil(100 / v.linearStepPercent) * v.shiftIntervalMinutes + v.bakeTimeMinutes > 45)
        fail(
            "linearStepPercent",
            v.linearStepPercent,
            `${Math.ceil(100 / v.linearStepPercent)} steps of ${v.shiftIntervalMinutes} minutes plus bakeTimeMinutes ${v.bakeTimeMinutes} exceed the deploy job's 45 minutes of waiting; use larger steps or a shorter shiftIntervalMinutes`,
        );
    if (v.approvalTimeoutMinutes !== 0 && !inRange(v.approvalTimeoutMinutes, 1, 20160))
        fail("approvalTimeoutMinutes", v.approvalTimeoutMinutes, "allowed: 0 (no pause) or 1 to 20160 minutes (ECS's PAUSE hook timeout)");
    if (v.approvalTimeoutMinutes !== 0 && !blueGreen)
        fail(
            "approvalTimeoutMinutes",
            v.approvalTimeoutMinutes,
            `the approval pause holds after the test traffic shift, which rolling deployments do not have (deployment is ${v.deployment}); allowed: 0`,
        );
    if (!inRange(v.rollbackOn5xxPercent, 1, 100)) fail("rollbackOn5xxPercent", v.rollbackOn5xxPercent, "allowed: 1 to 100 percent");
    if (!inRange(v.rollbackOnP99LatencyMs, 10, 60000)) fail("rollbackOnP99LatencyMs", v.rollbackOnP99LatencyMs, "allowed: 10 to 60000 ms");
    return {
        strategy: v.deployment as DeploymentStrategy,
        bakeTimeMinutes: v.bakeTimeMinutes,
        testListenerPort: v.testListenerPort,
        testListenerCidrs: [...v.testListenerCidrs],
        smokeTest,
        canaryPercent: v.canaryPercent,
        linearStepPercent: v.linearStepPercent,
        shiftIntervalMinutes: v.shiftIntervalMinutes,
        approvalTimeoutMinutes: v.approvalTimeoutMinutes,
        rollbackOn5xxPercent: v.rollbackOn5xxPercent,
        rollbackOnP99LatencyMs: v.rollbackOnP99LatencyMs,
    };
}

/**
 * The keys an http service may set under `shipyard:services` to deploy otherwise than the stack:
 * each overrides the stack-wide key of the same name, for that service only.
 */
export const SERVICE_DEPLOYMENT_KEYS = [
    "deployment",
    "bakeTimeMinutes",
    "canaryPercent",
    "linearStepPercent",
    "shiftIntervalMinutes",
    "approvalTimeoutMinutes",
] as const;

/** A service's own deployment keys, as its stack file entry sets them (checked by {@link parseDeployments}). */
export type ServiceDeploymentOverrides = Readonly<Partial<Record<(typeof SERVICE_DEPLOYMENT_KEYS)[number], unknown>>>;

/**
 * The stack's deployment settings, and each http service's: the stack's, or the stack's with the
 * service's own keys over them, checked as the stack-wide keys are, each problem named by the
 * service's key (`services.<name>.<key>`). A service may shift traffic (blueGreen, canary, linear)
 * only in a stack that does: the test listener and alternate target groups are the stack's. The
 * smoke test stays the stack's, on the services that shift traffic.
 */
export function parseDeployments(
    v: DeploymentKeys,
    smokeTestSet: boolean,
    services: readonly { readonly name: string; readonly exposure: string; readonly deploymentOverrides: ServiceDeploymentOverrides }[],
    fail: Fail,
): { readonly deployment: DeploymentSettings; readonly byService: Readonly<Record<string, DeploymentSettings>> } {
    let stackFailed = false;
    const deployment = parseDeployment(v, smokeTestSet, (key, value, allowed) => {
        stackFailed = true;
        fail(key, value, allowed);
    });
    const byService: Record<string, DeploymentSettings> = {};
    // The stack-wide keys' problems are reported once, as the stack's.
    if (stackFailed) return { deployment, byService };
    for (const svc of services.filter((s) => s.exposure === "http" && Object.keys(s.deploymentOverrides).length > 0)) {
        const key = (k: string) => `services.${svc.name}.${k}`;
        const own: Record<string, unknown> = {};
        let typed = true;
        for (const [k, value] of Object.entries(svc.deploymentOverrides)) {
            const wanted = k === "deployment" ? typeof value === "string" : typeof value === "number";
            if (!wanted) {
                fail(key(k), value, k === "deployment" ? `wrong type: expected one of ${DEPLOYMENT_STRATEGIES.join(", ")}` : "wrong type: expected a number");
                typed = false;
            }
            own[k] = value;
        }
        if (!typed) continue;
        const merged = { ...v, ...own } as DeploymentKeys;
        if (
            !shiftsTraffic(deployment.strategy) &&
            merged.deployment !== "rolling" &&
            (DEPLOYMENT_STRATEGIES as readonly string[]).includes(merged.deployment)
        ) {
            fail(
                key("deployment"),
                merged.deployment,
                "the stack deploys rolling, so its load balancer has no test listener or alternate target groups to shift traffic with; allowed: rolling, or set the stack-wide deployment to blueGreen, canary or linear (and deployment: rolling on the services that should roll)",
            );
            continue;
        }
        const parsed = parseDeployment(merged, false, (k, value, allowed) => fail(key(k), value, allowed));
        byService[svc.name] = { ...parsed, smokeTest: deployment.smokeTest && shiftsTraffic(parsed.strategy) };
    }
    return { deployment, byService };
}
