/**
 * A service's own deployment (issue 19, part 1's per-service override): an http service's
 * `deployment` and its keys under `shipyard:services` override the stack-wide choice for that
 * service, checked as the stack-wide keys are; the ECS inputs and the rollout report follow.
 */
import * as assert from "assert/strict";
import { runStack } from "../offline/runStack";
import { committedStacks, stackConfig } from "../offline/stackConfig";
import { rolloutPath, serviceRolloutPaths } from "../plan/rollout";
import { buildSettings } from "../stacks";
import { problemsOf, servicesWith } from "./harness/settings";
import { CliDeps, runCli } from "../release/cli";
import { EXIT } from "../release/errors";
import { releaseConfig } from "../release/stackFiles";

type Inputs = Record<string, unknown>;

/** A second http service of live, routed by path on any host (the bootstrap's origin hosts name only live's one host). */
const ADMIN = {
    image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/demo-admin@sha256:5d7f9b1c3e5a7092b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a6c8e0",
    expose: "http",
    paths: ["/admin/*"],
    priority: 100,
};

describe("a service's own deployment keys", () => {
    it("GIVEN live (canary) with admin deploying linear 25% every 2 minutes WHEN planned THEN web keeps the stack's CANARY, admin gets LINEAR with its values, api rolls", async () => {
        const set = {
            deployment: "canary",
            canaryPercent: 10,
            shiftIntervalMinutes: 5,
            smokeTest: false,
            services: servicesWith("live", { admin: { ...ADMIN, deployment: "linear", linearStepPercent: 25, shiftIntervalMinutes: 2 } }),
        };
        const run = await runStack("live", { overrides: { set } });
        assert.equal(run.error, undefined);
        const service = (n: string) => run.graph.ofType("aws:ecs/service:Service").find((r) => r.inputs.name === n)?.inputs as Inputs;
        assert.deepEqual(service("demo-live-web").deploymentConfiguration, {
            strategy: "CANARY",
            bakeTimeInMinutes: "10",
            canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: "5" },
        });
        assert.deepEqual(service("demo-live-admin").deploymentConfiguration, {
            strategy: "LINEAR",
            bakeTimeInMinutes: "10",
            linearConfiguration: { stepPercent: 25, stepBakeTimeInMinutes: "2" },
        });
        assert.notEqual((service("demo-live-admin").loadBalancers as { advancedConfiguration?: Inputs }[])[0].advancedConfiguration, undefined);
        assert.deepEqual(service("demo-live-api").deploymentConfiguration, { strategy: "ROLLING" });
    });

    it("GIVEN live (canary, smoke test on) with web deploying rolling WHEN planned THEN web rolls with the circuit breaker, no traffic shifting, and no smoke test is built", async () => {
        const run = await runStack("live", {
            overrides: { set: { deployment: "canary", services: servicesWith("live", { web: { deployment: "rolling" } }) } },
        });
        assert.equal(run.error, undefined);
        const web = run.graph.ofType("aws:ecs/service:Service").find((r) => r.inputs.name === "demo-live-web")?.inputs as Inputs;
        assert.deepEqual(web.deploymentConfiguration, { strategy: "ROLLING" });
        assert.deepEqual(web.deploymentCircuitBreaker, { enable: true, rollback: true });
        assert.equal((web.loadBalancers as { advancedConfiguration?: Inputs }[])[0].advancedConfiguration, undefined);
        assert.equal(run.graph.ofType("aws:lambda/function:Function").filter((r) => String(r.inputs.name).endsWith("-smoke")).length, 0);
    });

    it("GIVEN live with web's own canary of 25% for 3 minutes WHEN the rollout is reported THEN web has a row of its own, live/web, with its shift and exposure", () => {
        const settings = buildSettings(
            "live",
            stackConfig("live", {
                set: {
                    deployment: "blueGreen",
                    smokeTest: false,
                    services: servicesWith("live", { web: { deployment: "canary", canaryPercent: 25, shiftIntervalMinutes: 3 } }),
                },
            }),
        );
        const [web, ...others] = serviceRolloutPaths(settings);
        assert.equal(others.length, 0);
        assert.equal(web.stack, "live/web");
        assert.equal(web.strategy, "canary");
        // 25% from the first shift; the alarms fire within 3 minutes, as the rest moves.
        assert.equal(web.exposedPercent, 25);
        assert.equal(web.shiftSeconds, 180);
        assert.equal(web.totalSeconds - rolloutPath(settings).totalSeconds, 180);
    });

    it("GIVEN a service without deployment keys THEN it deploys as the stack, and the report has no row for it", () => {
        const settings = buildSettings("live", stackConfig("live"));
        assert.equal(
            settings.services.every((s) => s.deployment === settings.deployment),
            true,
        );
        assert.deepEqual(serviceRolloutPaths(settings), []);
    });

    const refusals: { given: string; stack: string; web: Record<string, unknown>; set?: Record<string, unknown>; message: string }[] = [
        {
            given: "a canary service in a rolling stack",
            stack: "alpha",
            web: { deployment: "canary" },
            message:
                'key shipyard:services.web.deployment = "canary": the stack deploys rolling, so its load balancer has no test listener or alternate target groups to shift traffic with; allowed: rolling, or set the stack-wide deployment to blueGreen, canary or linear (and deployment: rolling on the services that should roll)',
        },
        {
            given: "an unknown strategy",
            stack: "live",
            web: { deployment: "dark" },
            message: 'key shipyard:services.web.deployment = "dark": allowed: rolling, blueGreen, canary, linear',
        },
        {
            given: "a canary above 50 percent",
            stack: "live",
            web: { deployment: "canary", canaryPercent: 60 },
            message:
                "key shipyard:services.web.canaryPercent = 60: allowed: 1 to 50 percent (ECS accepts 0.1 to 100; above 50 the canary is most of production, use blueGreen)",
        },
        {
            given: "an interval given as text",
            stack: "live",
            web: { shiftIntervalMinutes: "5" },
            message: 'key shipyard:services.web.shiftIntervalMinutes = "5": wrong type: expected a number',
        },
        {
            given: "linear steps that outlast the deploy job",
            stack: "live",
            web: { deployment: "linear", linearStepPercent: 10, shiftIntervalMinutes: 5 },
            message:
                "key shipyard:services.web.linearStepPercent = 10: 10 steps of 5 minutes plus bakeTimeMinutes 10 exceed the deploy job's 45 minutes of waiting; use larger steps or a shorter shiftIntervalMinutes",
        },
        {
            given: "a rolling service in a stack that pauses for approval",
            stack: "live",
            set: { deployment: "canary", approvalTimeoutMinutes: 30 },
            web: { deployment: "rolling" },
            message:
                "key shipyard:services.web.approvalTimeoutMinutes = 30: the approval pause holds after the test traffic shift, which rolling deployments do not have (deployment is rolling); allowed: 0",
        },
    ];
    for (const r of refusals) {
        it(`GIVEN ${r.given} THEN the settings refuse it before any resource, naming the stack, the service's key, the value and what is allowed`, () => {
            const message = problemsOf(r.stack, { set: { ...r.set, services: servicesWith(r.stack, { web: r.web }) } });
            assert.equal(message, `stack "${r.stack}" has invalid configuration:\n  - ${r.message}`);
        });
    }

    it("GIVEN deployment keys on a tcp service THEN they are refused as not a setting of tcp services", () => {
        const message = problemsOf("live", { set: { services: servicesWith("live", { api: { deployment: "canary" } }) } });
        assert.match(message, /key shipyard:services\.api\.deployment = "canary": not a setting of tcp services; allowed: /);
    });

    it("GIVEN a rolling service in a paused stack WHEN its pause is set to 0 THEN it is accepted and rolls", () => {
        const settings = buildSettings(
            "live",
            stackConfig("live", {
                set: {
                    deployment: "canary",
                    approvalTimeoutMinutes: 30,
                    services: servicesWith("live", { web: { deployment: "rolling", approvalTimeoutMinutes: 0 } }),
                },
            }),
        );
        const web = settings.services.find((s) => s.name === "web");
        assert.deepEqual([web?.deployment.strategy, web?.deployment.approvalTimeoutMinutes, settings.deployment.approvalTimeoutMinutes], ["rolling", 0, 30]);
    });
});

describe("release pause with a service's own approval pause", () => {
    async function pause(set: Record<string, string>) {
        const out: string[] = [];
        const err: string[] = [];
        const deps: CliDeps = {
            stacks: committedStacks,
            config: (stack) => ({ ...releaseConfig(stack), ...set }),
            readFile: () => assert.fail("no file read expected"),
            run: async () => assert.fail("no AWS call expected"),
            clock: { now: () => 0, sleep: async () => undefined },
            out: (t) => out.push(t),
            err: (t) => err.push(t),
        };
        return { code: await runCli(["pause", "--stack", "live"], deps), out: out.join(""), err: err.join("") };
    }
    const services = (web: Record<string, unknown>) => JSON.stringify(servicesWith("live", { web }));

    it("GIVEN web pauses 45 minutes for itself and the stack 30 THEN the deploy waits up to 45", async () => {
        const r = await pause({ "shipyard:approvalTimeoutMinutes": "30", "shipyard:services": services({ approvalTimeoutMinutes: 45 }) });
        assert.deepEqual([r.code, r.out], [EXIT.OK, "45\n"]);
    });
    it("GIVEN web's pause is not whole minutes THEN it fails naming the service's key", async () => {
        const r = await pause({ "shipyard:services": services({ approvalTimeoutMinutes: "soon" }) });
        assert.deepEqual(
            [r.code, r.err],
            [EXIT.FAILED, 'release pause: stack "live": key shipyard:services.web.approvalTimeoutMinutes = "soon" is not a whole number of minutes\n'],
        );
    });
});
