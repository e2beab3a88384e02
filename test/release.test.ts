/**
 * The release commands, offline: the AWS CLI is replaced by a fake runner that answers with payloads
 * shaped like the ECS and ECR API references (and the AWS CLI's printing of them), and the clock is
 * fake, so the poll loop never waits.
 */
import * as assert from "assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BUILD_CONTEXTS_FILE, imageBuilds, parseBuildContexts } from "../release/builds";
import { CliDeps, runCli } from "../release/cli";
import { EXIT } from "../release/errors";
import { buildPlatforms, imageRepository, stackEcrImage } from "../release/image";
import {
    Clock,
    DescribeTaskDefinitionOutput,
    Judgement,
    Release,
    RolloutSnapshot,
    ServiceDeployment,
    exitCodeOfAll,
    judgeRollout,
    verifyRollout,
    verifyRollouts,
} from "../release/rollout";
import { RunResult, Runner } from "../release/runner";
import { SERVICES_KEY, projectServices, stackServices } from "../release/services";
import { releaseConfig } from "../release/stackFiles";
import { MAIN, ROOT, committedStacks, stackConfig } from "../offline/stackConfig";
import { FIXTURES } from "./setup";
import { STACK_NAME_RULE, namedStacksDir } from "./namedStacks";

// ---- Fixtures: one service in eu-west-1 moving from task definition :41 to :42 ----

const ECS = "arn:aws:ecs:eu-west-1:123456789012";
const TD_OLD = `${ECS}:task-definition/demo-alpha-web:41`;
const TD_NEW = `${ECS}:task-definition/demo-alpha-web:42`;
const REV_OLD = `${ECS}:service-revision/demo-alpha-web/demo-alpha-web/4980306466373577095`;
const REV_NEW = `${ECS}:service-revision/demo-alpha-web/demo-alpha-web/4980306466373578954`;
const DEPLOYMENT = `${ECS}:service-deployment/demo-alpha-web/demo-alpha-web/NCWGC2ZR-taawPAYrIaU5`;
const SHA = "3f786850e387550fdab836ed7e6dc881de23001b";
const DIGEST = "sha256:6b0c8e3a7f2d4c1e9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f";
const DIGEST_OLD = "sha256:0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d";
const REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
const IMAGE = `${REGISTRY}/demo-web`;
/** The release as deploy.yml knows it: the image it set. */
const RELEASE: Release = { image: `${IMAGE}@${DIGEST}` };
/** The release as the explicit flags name it: the task definition revision. */
const RELEASE_TD: Release = { taskDefinitionArn: TD_NEW };

/** describe-services, with the service deployment fields ECS added for service deployments. */
function services(over: Record<string, unknown> = {}) {
    return {
        services: [
            {
                serviceArn: `${ECS}:service/demo-alpha-web/demo-alpha-web`,
                serviceName: "demo-alpha-web",
                clusterArn: `${ECS}:cluster/demo-alpha-web`,
                status: "ACTIVE",
                desiredCount: 2,
                runningCount: 2,
                pendingCount: 0,
                taskDefinition: TD_NEW,
                currentServiceDeployment: DEPLOYMENT,
                currentServiceRevisions: [{ arn: REV_NEW, requestedTaskCount: 2, runningTaskCount: 2, pendingTaskCount: 0 }],
                deployments: [
                    {
                        id: "ecs-svc/9223370564341623665",
                        status: "PRIMARY",
                        taskDefinition: TD_NEW,
                        desiredCount: 2,
                        runningCount: 2,
                        rolloutState: "COMPLETED",
                    },
                ],
                ...over,
            },
        ],
        failures: [],
    };
}

/** describe-service-deployments for DEPLOYMENT, as the AWS CLI prints it (ISO timestamps). */
function deployment(over: Partial<ServiceDeployment> & Record<string, unknown> = {}) {
    return {
        serviceDeployments: [
            {
                serviceDeploymentArn: DEPLOYMENT,
                serviceArn: `${ECS}:service/demo-alpha-web/demo-alpha-web`,
                clusterArn: `${ECS}:cluster/demo-alpha-web`,
                createdAt: "2026-10-31T08:03:30.917000+00:00",
                startedAt: "2026-10-31T08:03:32.510000+00:00",
                updatedAt: "2026-10-31T08:05:04.527000+00:00",
                sourceServiceRevisions: [{ arn: REV_OLD, requestedTaskCount: 0, runningTaskCount: 0, pendingTaskCount: 0 }],
                targetServiceRevision: { arn: REV_NEW, requestedTaskCount: 2, runningTaskCount: 2, pendingTaskCount: 0 },
                status: "SUCCESSFUL",
                deploymentConfiguration: {
                    deploymentCircuitBreaker: { enable: true, rollback: true },
                    maximumPercent: 200,
                    minimumHealthyPercent: 100,
                    alarms: { alarmNames: [], rollback: false, enable: false },
                    strategy: "ROLLING",
                },
                deploymentCircuitBreaker: { status: "MONITORING_COMPLETE", failureCount: 0, threshold: 3 },
                alarms: { status: "DISABLED" },
                ...over,
            },
        ],
        failures: [],
    };
}

const revisions = {
    serviceRevisions: [
        { serviceRevisionArn: REV_NEW, taskDefinition: TD_NEW, containerImages: [{ containerName: "web", image: `${IMAGE}@${DIGEST}`, imageDigest: DIGEST }] },
        {
            serviceRevisionArn: REV_OLD,
            taskDefinition: TD_OLD,
            containerImages: [{ containerName: "web", image: `${IMAGE}@${DIGEST_OLD}`, imageDigest: DIGEST_OLD }],
        },
    ],
    failures: [],
};

const snapshot = (dep: ReturnType<typeof deployment>, svc = services()): RolloutSnapshot => ({ services: svc, deployments: dep, revisions });

/** The classic view after a circuit breaker rollback: a new PRIMARY on the old task definition, plus the failed one. */
const classicRollback = services({
    currentServiceDeployment: undefined,
    taskDefinition: TD_OLD,
    deployments: [
        {
            id: "ecs-svc/9223370564341623666",
            status: "PRIMARY",
            taskDefinition: TD_OLD,
            desiredCount: 2,
            runningCount: 2,
            failedTasks: 0,
            rolloutState: "IN_PROGRESS",
            rolloutStateReason: "ECS deployment ecs-svc/9223370564341623666 in progress.",
        },
        {
            id: "ecs-svc/9223370564341623665",
            status: "ACTIVE",
            taskDefinition: TD_NEW,
            desiredCount: 0,
            runningCount: 0,
            failedTasks: 3,
            rolloutState: "FAILED",
            rolloutStateReason: "ECS deployment circuit breaker: tasks failed to start.",
        },
    ],
});

// ---- Fakes ----

interface Call {
    readonly command: string;
    readonly args: readonly string[];
}

/** The answer of one snapshot to one ECS call. */
function answerOf(s: RolloutSnapshot, args: readonly string[]): unknown {
    if (args[1] === "describe-task-definition") {
        const arn = args[args.indexOf("--task-definition") + 1];
        return s.taskDefinitions?.find((t) => t.taskDefinition?.taskDefinitionArn === arn);
    }
    return { "describe-services": s.services, "describe-service-deployments": s.deployments, "describe-service-revisions": s.revisions }[args[1]];
}

/**
 * An `aws` that answers each describe-services of an ECS service with that service's next
 * snapshot (the last one repeats), and the calls that follow it from the same snapshot.
 */
function fakeEcsByService(byService: Readonly<Record<string, readonly RolloutSnapshot[]>>): { run: Runner; calls: Call[] } {
    const calls: Call[] = [];
    const polls: Record<string, number> = {};
    let current: RolloutSnapshot | undefined;
    const run: Runner = async (command, args) => {
        calls.push({ command, args });
        if (args[1] === "describe-services") {
            const service = args[args.indexOf("--services") + 1];
            const snapshots = byService[service] ?? assert.fail(`describe-services of an unexpected service ${service}`);
            polls[service] = Math.min((polls[service] ?? -1) + 1, snapshots.length - 1);
            current = snapshots[polls[service]];
        }
        const answer = current === undefined ? undefined : answerOf(current, args);
        if (answer === undefined) throw new Error(`unexpected aws call: ${args.join(" ")}`);
        return { code: 0, stdout: JSON.stringify(answer), stderr: "" };
    };
    return { run, calls };
}

/** The same for the one service demo-alpha-web. */
const fakeEcs = (snapshots: readonly RolloutSnapshot[]) => fakeEcsByService({ "demo-alpha-web": snapshots });

function fakeClock(): Clock & { slept: number[] } {
    let t = 1_000_000;
    const slept: number[] = [];
    return {
        slept,
        now: () => t,
        sleep: async (ms) => {
            slept.push(ms);
            t += ms;
        },
    };
}

function cli(
    run: Runner = async () => assert.fail("no AWS call expected"),
    // The fixtures' build contexts: release/images.json is the team's, checked against its own stacks below.
    readFile: (p: string) => string = (p) => fs.readFileSync(p === BUILD_CONTEXTS_FILE ? path.join(FIXTURES, p) : p, "utf8"),
    config: CliDeps["config"] = releaseConfig,
) {
    const out: string[] = [];
    const err: string[] = [];
    const deps: CliDeps = {
        stacks: committedStacks,
        config,
        readFile,
        run,
        clock: fakeClock(),
        out: (t) => out.push(t),
        err: (t) => err.push(t),
    };
    return { deps, out, err, stdout: () => out.join(""), stderr: () => err.join("") };
}

// ---- Judgement ----

describe("release: judging an ECS rollout", () => {
    const cases: { name: string; snapshot: RolloutSnapshot; state: Judgement["state"]; message: RegExp }[] = [
        {
            name: "a rolling deployment still scaling up is in progress",
            snapshot: snapshot(
                deployment({
                    status: "IN_PROGRESS",
                    lifecycleStage: "SCALE_UP",
                    targetServiceRevision: { arn: REV_NEW, requestedTaskCount: 2, runningTaskCount: 1 },
                }),
            ),
            state: "in-progress",
            message: /deployment NCWGC2ZR-taawPAYrIaU5 \(ROLLING\) of demo-alpha-web:42 is IN_PROGRESS, stage SCALE_UP, 1\/2 tasks running/,
        },
        {
            name: "a deployment ECS has not started yet is in progress",
            snapshot: snapshot(deployment({ status: "PENDING" })),
            state: "in-progress",
            message: /is PENDING/,
        },
        {
            name: "a successful deployment of the task definition succeeded",
            snapshot: snapshot(deployment()),
            state: "succeeded",
            message: /demo-alpha-web:42 completed: 2\/2 tasks running/,
        },
        {
            name: "a blue/green deployment in its bake time is still in progress",
            snapshot: snapshot(deployment({ status: "IN_PROGRESS", lifecycleStage: "BAKE_TIME", deploymentConfiguration: { strategy: "BLUE_GREEN" } })),
            state: "in-progress",
            message: /\(BLUE_GREEN\) of demo-alpha-web:42 is IN_PROGRESS, stage BAKE_TIME/,
        },
        {
            name: "a blue/green deployment past its bake time succeeded",
            snapshot: snapshot(deployment({ lifecycleStage: "CLEAN_UP", deploymentConfiguration: { strategy: "BLUE_GREEN" } })),
            state: "succeeded",
            message: /\(BLUE_GREEN\) of demo-alpha-web:42 completed/,
        },
        {
            name: "a deployment ECS is rolling back is not finished, and says why",
            snapshot: snapshot(
                deployment({
                    status: "ROLLBACK_IN_PROGRESS",
                    statusReason: "ECS deployment circuit breaker: tasks failed to start.",
                    deploymentCircuitBreaker: { status: "TRIGGERED", failureCount: 3, threshold: 3 },
                }),
            ),
            state: "in-progress",
            message:
                /ECS is rolling back \(ROLLBACK_IN_PROGRESS\): ECS deployment circuit breaker: tasks failed to start\.; circuit breaker TRIGGERED after 3 failed tasks/,
        },
        {
            name: "a circuit breaker rollback is detected although the service is stable again on the old task definition",
            snapshot: snapshot(
                deployment({
                    status: "ROLLBACK_SUCCESSFUL",
                    statusReason: "ECS deployment circuit breaker: tasks failed to start.",
                    targetServiceRevision: { arn: REV_NEW, requestedTaskCount: 0, runningTaskCount: 0 },
                    sourceServiceRevisions: [{ arn: REV_OLD, requestedTaskCount: 2, runningTaskCount: 2 }],
                    rollback: { reason: "Service deployment rolled back because the circuit breaker threshold was exceeded.", serviceRevisionArn: REV_OLD },
                    deploymentCircuitBreaker: { status: "TRIGGERED", failureCount: 3, threshold: 3 },
                }),
                services({ taskDefinition: TD_OLD, currentServiceRevisions: [{ arn: REV_OLD, requestedTaskCount: 2, runningTaskCount: 2 }] }),
            ),
            state: "rolled-back",
            message:
                /ECS rolled back deployment NCWGC2ZR-taawPAYrIaU5 of demo-alpha-web:42: Service deployment rolled back because the circuit breaker threshold was exceeded\.; circuit breaker TRIGGERED after 3 failed tasks \(threshold 3\); the service runs demo-alpha-web:41 again/,
        },
        {
            name: "an alarm rollback names the alarm that fired",
            snapshot: snapshot(
                deployment({
                    status: "ROLLBACK_SUCCESSFUL",
                    rollback: { reason: "Service deployment rolled back because of a CloudWatch alarm.", serviceRevisionArn: REV_OLD },
                    alarms: { status: "TRIGGERED", alarmNames: ["demo-alpha-web-5xx"], triggeredAlarmNames: ["demo-alpha-web-5xx"] },
                }),
            ),
            state: "rolled-back",
            message: /alarms in ALARM: demo-alpha-web-5xx; the service runs demo-alpha-web:41 again/,
        },
        {
            name: "a failed rollback is a failure that asks for action",
            snapshot: snapshot(deployment({ status: "ROLLBACK_FAILED", statusReason: "Rollback failed: tasks failed to start." })),
            state: "failed",
            message: /failed and so did ECS's rollback: Rollback failed: tasks failed to start\..*may be running neither revision/,
        },
        {
            name: "a stopped deployment failed",
            snapshot: snapshot(deployment({ status: "STOPPED", statusReason: "Service deployment stopped by user." })),
            state: "failed",
            message: /was stopped before it completed: Service deployment stopped by user\./,
        },
        {
            name: "a current deployment of another task definition means this release was replaced",
            snapshot: {
                services: services(),
                deployments: deployment({ targetServiceRevision: { arn: REV_OLD } }),
                revisions,
            },
            state: "failed",
            message: /current deployment NCWGC2ZR-taawPAYrIaU5 targets demo-alpha-web:41 \(SUCCESSFUL\), not demo-alpha-web:42: this release is not what runs/,
        },
        {
            name: "a status this tool does not know fails loudly instead of waiting",
            snapshot: snapshot(deployment({ status: "PAUSED" })),
            state: "failed",
            message: /a status this tool does not know: PAUSED/,
        },
        {
            name: "a service ECS does not know fails",
            snapshot: { services: { services: [], failures: [{ arn: `${ECS}:service/demo-alpha-web/demo-alpha-web`, reason: "MISSING" }] } },
            state: "failed",
            message: /ECS does not know the service: MISSING/,
        },
        {
            name: "classic fallback: the new PRIMARY deployment still replacing the old one is in progress",
            snapshot: {
                services: services({
                    currentServiceDeployment: undefined,
                    deployments: [
                        { id: "ecs-svc/2", status: "PRIMARY", taskDefinition: TD_NEW, desiredCount: 2, runningCount: 1, rolloutState: "IN_PROGRESS" },
                        { id: "ecs-svc/1", status: "ACTIVE", taskDefinition: TD_OLD, desiredCount: 2, runningCount: 2, rolloutState: "COMPLETED" },
                    ],
                }),
            },
            state: "in-progress",
            message: /demo-alpha-web:42 is IN_PROGRESS: 1\/2 tasks running, 1 older deployment\(s\) still draining/,
        },
        {
            name: "classic fallback: a COMPLETED PRIMARY deployment with every task running succeeded",
            snapshot: { services: services({ currentServiceDeployment: undefined }) },
            state: "succeeded",
            message: /the deployment of demo-alpha-web:42 completed: 2\/2 tasks running/,
        },
        {
            name: "classic fallback: circuit breaker rollback, new PRIMARY on the old task definition plus the FAILED one",
            snapshot: { services: classicRollback },
            state: "rolled-back",
            message:
                /ECS rolled back the deployment of demo-alpha-web:42: ECS deployment circuit breaker: tasks failed to start\.; the PRIMARY deployment runs demo-alpha-web:41/,
        },
        {
            name: "classic fallback: stable on the old task definition after the failed deployment was removed is a rollback",
            snapshot: {
                services: services({
                    currentServiceDeployment: undefined,
                    taskDefinition: TD_OLD,
                    deployments: [{ id: "ecs-svc/3", status: "PRIMARY", taskDefinition: TD_OLD, desiredCount: 2, runningCount: 2, rolloutState: "COMPLETED" }],
                }),
            },
            state: "rolled-back",
            message: /the PRIMARY deployment runs demo-alpha-web:41 \(COMPLETED\)/,
        },
        {
            name: "classic fallback: a FAILED PRIMARY deployment without rollback failed",
            snapshot: {
                services: services({
                    currentServiceDeployment: undefined,
                    deployments: [
                        {
                            id: "ecs-svc/2",
                            status: "PRIMARY",
                            taskDefinition: TD_NEW,
                            desiredCount: 2,
                            runningCount: 0,
                            rolloutState: "FAILED",
                            rolloutStateReason: "ECS deployment circuit breaker: tasks failed to start.",
                        },
                    ],
                }),
            },
            state: "failed",
            message: /the deployment of demo-alpha-web:42 failed: ECS deployment circuit breaker: tasks failed to start\.; 0\/2 tasks running/,
        },
    ];
    for (const c of cases) {
        it(`${c.name} (${c.state})`, () => {
            // GIVEN the answers of one poll  WHEN judged for task definition :42
            const j = judgeRollout(c.snapshot, RELEASE_TD);
            // THEN
            assert.equal(j.state, c.state, j.message);
            assert.match(j.message, c.message);
        });
    }
});

describe("release: judging an ECS rollout by the image the deploy set (the stack outputs name no task definition)", () => {
    const other = `${REGISTRY}/demo-api@${DIGEST}`;
    /** describe-task-definition of a classic deployment's task definition, running `image`. */
    const taskDefinition = (arn: string, image: string): DescribeTaskDefinitionOutput => ({
        taskDefinition: {
            taskDefinitionArn: arn,
            containerDefinitions: [
                { name: "web", image },
                { name: "otel-collector", image: "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3" },
            ],
        },
    });
    const classic = (svc: ReturnType<typeof services>): RolloutSnapshot => ({
        services: svc,
        taskDefinitions: [taskDefinition(TD_NEW, `${IMAGE}@${DIGEST}`), taskDefinition(TD_OLD, `${IMAGE}@${DIGEST_OLD}`)],
    });
    const cases: { name: string; snapshot: RolloutSnapshot; release?: Release; state: Judgement["state"]; message: string }[] = [
        {
            name: "a successful deployment whose target revision runs the image succeeded, naming the revision's task definition and the image",
            snapshot: snapshot(deployment()),
            state: "succeeded",
            message: "deployment NCWGC2ZR-taawPAYrIaU5 (ROLLING) of demo-alpha-web:42 (demo-web@sha256:6b0c8e3a7f2d) completed: 2/2 tasks running",
        },
        {
            name: "a container that names the image by tag runs the release when ECS resolved the tag to the release's digest",
            snapshot: {
                services: services(),
                deployments: deployment(),
                revisions: {
                    serviceRevisions: [
                        { serviceRevisionArn: REV_NEW, taskDefinition: TD_NEW, containerImages: [{ image: `${IMAGE}:main`, imageDigest: DIGEST }] },
                    ],
                },
            },
            state: "succeeded",
            message: "deployment NCWGC2ZR-taawPAYrIaU5 (ROLLING) of demo-alpha-web:42 (demo-web@sha256:6b0c8e3a7f2d) completed: 2/2 tasks running",
        },
        {
            name: "a rollback of the revision that runs the image is a rollback",
            snapshot: snapshot(
                deployment({
                    status: "ROLLBACK_SUCCESSFUL",
                    rollback: { reason: "Service deployment rolled back because the circuit breaker threshold was exceeded.", serviceRevisionArn: REV_OLD },
                }),
            ),
            state: "rolled-back",
            message:
                "ECS rolled back deployment NCWGC2ZR-taawPAYrIaU5 of demo-alpha-web:42 (demo-web@sha256:6b0c8e3a7f2d): Service deployment rolled back because the circuit breaker threshold was exceeded.; the service runs demo-alpha-web:41 again. This release did not go out; see the service's events (aws ecs describe-services) and the stopped tasks' reasons",
        },
        {
            name: "a current deployment whose target runs another digest of the repository means this release is not what runs",
            snapshot: snapshot(deployment({ targetServiceRevision: { arn: REV_OLD } })),
            state: "failed",
            message:
                "service demo-alpha-web's current deployment NCWGC2ZR-taawPAYrIaU5 targets demo-alpha-web:41 (SUCCESSFUL), which does not run demo-web@sha256:6b0c8e3a7f2d: this release is not what runs; another deployment replaced it, or ECS rolled it back; see the service's events (aws ecs describe-services) and the stopped tasks' reasons",
        },
        {
            name: "the same digest in another service's repository is not the release",
            snapshot: snapshot(deployment()),
            release: { image: other },
            state: "failed",
            message:
                "service demo-alpha-web's current deployment NCWGC2ZR-taawPAYrIaU5 targets demo-alpha-web:42 (SUCCESSFUL), which does not run demo-api@sha256:6b0c8e3a7f2d: this release is not what runs; another deployment replaced it, or ECS rolled it back; see the service's events (aws ecs describe-services) and the stopped tasks' reasons",
        },
        {
            name: "classic fallback: a COMPLETED PRIMARY deployment whose task definition runs the image succeeded",
            snapshot: classic(services({ currentServiceDeployment: undefined })),
            state: "succeeded",
            message: "the deployment of demo-alpha-web:42 (demo-web@sha256:6b0c8e3a7f2d) completed: 2/2 tasks running",
        },
        {
            name: "classic fallback: circuit breaker rollback to the task definition of the previous image",
            snapshot: classic(classicRollback),
            state: "rolled-back",
            message:
                "ECS rolled back the deployment of demo-alpha-web:42 (demo-web@sha256:6b0c8e3a7f2d): ECS deployment circuit breaker: tasks failed to start.; the PRIMARY deployment runs demo-alpha-web:41 (IN_PROGRESS). This release did not go out; see the service's events (aws ecs describe-services) and the stopped tasks' reasons",
        },
    ];
    for (const c of cases) {
        it(`${c.name} (${c.state})`, () => {
            // GIVEN the answers of one poll  WHEN judged for the image the deploy set
            const j = judgeRollout(c.snapshot, c.release ?? RELEASE);
            // THEN
            assert.deepEqual(j, { state: c.state, message: c.message });
        });
    }
});

// ---- Poll loop ----

describe("release: polling until ECS finished", () => {
    const inProgress = snapshot(deployment({ status: "IN_PROGRESS", lifecycleStage: "SCALE_UP" }));
    const target = { cluster: "demo-alpha-web", service: "demo-alpha-web", release: RELEASE_TD, region: "eu-west-1" };

    it("succeeds on the poll where ECS reports SUCCESSFUL, after sleeping the interval between polls", async () => {
        const aws = fakeEcs([inProgress, inProgress, snapshot(deployment())]);
        const clock = fakeClock();
        const j = await verifyRollout(target, { run: aws.run, clock, intervalSeconds: 10, timeoutSeconds: 600 });
        assert.equal(j.state, "succeeded");
        assert.deepEqual(clock.slept, [10_000, 10_000]);
        assert.equal(aws.calls.filter((c) => c.args[1] === "describe-services").length, 3);
    });

    it("asks ECS with the documented commands: the service, its current deployment, then the revisions involved", async () => {
        const aws = fakeEcs([snapshot(deployment())]);
        await verifyRollout(target, { run: aws.run, clock: fakeClock() });
        assert.deepEqual(
            aws.calls.map((c) => [c.command, ...c.args]),
            [
                ["aws", "ecs", "describe-services", "--cluster", "demo-alpha-web", "--services", "demo-alpha-web", "--region", "eu-west-1", "--output", "json"],
                ["aws", "ecs", "describe-service-deployments", "--service-deployment-arns", DEPLOYMENT, "--region", "eu-west-1", "--output", "json"],
                ["aws", "ecs", "describe-service-revisions", "--service-revision-arns", REV_NEW, REV_OLD, "--region", "eu-west-1", "--output", "json"],
            ],
        );
    });

    it("gives up with the last state seen when the timeout passes", async () => {
        const aws = fakeEcs([inProgress]);
        const clock = fakeClock();
        const j = await verifyRollout(target, { run: aws.run, clock, intervalSeconds: 15, timeoutSeconds: 60 });
        assert.equal(j.state, "failed");
        assert.match(
            j.message,
            /^timed out after 60 s waiting for ECS to roll out demo-alpha-web:42 on demo-alpha-web\/demo-alpha-web; last seen: .*IN_PROGRESS, stage SCALE_UP/,
        );
        assert.equal(clock.slept.length, 4);
    });

    it("stops polling as soon as ECS rolled back", async () => {
        const rolledBack = snapshot(deployment({ status: "ROLLBACK_SUCCESSFUL", rollback: { reason: "circuit breaker", serviceRevisionArn: REV_OLD } }));
        const aws = fakeEcs([inProgress, rolledBack, snapshot(deployment())]);
        const clock = fakeClock();
        const j = await verifyRollout(target, { run: aws.run, clock, intervalSeconds: 5 });
        assert.equal(j.state, "rolled-back");
        assert.equal(clock.slept.length, 1);
    });

    it("logs each distinct state once, not every poll", async () => {
        const lines: string[] = [];
        await verifyRollout(target, {
            run: fakeEcs([inProgress, inProgress, inProgress, snapshot(deployment())]).run,
            clock: fakeClock(),
            log: (l) => lines.push(l),
        });
        assert.equal(lines.length, 2);
        assert.match(lines[0], /^in-progress: /);
        assert.match(lines[1], /^succeeded: /);
    });

    it("asks for the classic deployments' task definitions when the release is known by its image only", async () => {
        const classic: RolloutSnapshot = {
            services: services({ currentServiceDeployment: undefined }),
            taskDefinitions: [{ taskDefinition: { taskDefinitionArn: TD_NEW, containerDefinitions: [{ name: "web", image: `${IMAGE}@${DIGEST}` }] } }],
        };
        const aws = fakeEcs([classic]);
        const j = await verifyRollout({ ...target, release: RELEASE }, { run: aws.run, clock: fakeClock() });
        assert.equal(j.state, "succeeded", j.message);
        assert.deepEqual(
            aws.calls.map((c) => [c.command, ...c.args]),
            [
                ["aws", "ecs", "describe-services", "--cluster", "demo-alpha-web", "--services", "demo-alpha-web", "--region", "eu-west-1", "--output", "json"],
                ["aws", "ecs", "describe-task-definition", "--task-definition", TD_NEW, "--region", "eu-west-1", "--output", "json"],
            ],
        );
    });
});

describe("release: following several services at once", () => {
    const inProgress = snapshot(deployment({ status: "IN_PROGRESS", lifecycleStage: "SCALE_UP" }));
    const webTarget = { cluster: "demo-alpha", service: "demo-alpha-web", release: RELEASE };
    const apiTarget = { cluster: "demo-alpha", service: "demo-alpha-api", release: RELEASE };

    it("polls every service still in progress, then sleeps once, until each one is final", async () => {
        // GIVEN web done at once and api done on the third poll
        const aws = fakeEcsByService({ "demo-alpha-web": [snapshot(deployment())], "demo-alpha-api": [inProgress, inProgress, snapshot(deployment())] });
        const clock = fakeClock();
        // WHEN
        const judgements = await verifyRollouts({ web: webTarget, api: apiTarget }, { run: aws.run, clock, intervalSeconds: 10 });
        // THEN
        assert.deepEqual(
            Object.entries(judgements).map(([name, j]) => [name, j.state]),
            [
                ["web", "succeeded"],
                ["api", "succeeded"],
            ],
        );
        assert.deepEqual(clock.slept, [10_000, 10_000]);
        const described = aws.calls.filter((c) => c.args[1] === "describe-services").map((c) => c.args[5]);
        assert.deepEqual(described, ["demo-alpha-web", "demo-alpha-api", "demo-alpha-api", "demo-alpha-api"]);
    });

    it("keeps following the others when one rolled back, so that every service's outcome is known", async () => {
        const rolledBack = snapshot(deployment({ status: "ROLLBACK_SUCCESSFUL", rollback: { reason: "circuit breaker", serviceRevisionArn: REV_OLD } }));
        const aws = fakeEcsByService({ "demo-alpha-web": [rolledBack], "demo-alpha-api": [inProgress, snapshot(deployment())] });
        const judgements = await verifyRollouts({ web: webTarget, api: apiTarget }, { run: aws.run, clock: fakeClock() });
        assert.deepEqual(
            Object.values(judgements).map((j) => j.state),
            ["rolled-back", "succeeded"],
        );
    });

    it("times out only the services still in progress, each with the last state seen", async () => {
        const aws = fakeEcsByService({ "demo-alpha-web": [snapshot(deployment())], "demo-alpha-api": [inProgress] });
        const judgements = await verifyRollouts(
            { web: webTarget, api: apiTarget },
            { run: aws.run, clock: fakeClock(), intervalSeconds: 15, timeoutSeconds: 60 },
        );
        assert.equal(judgements.web.state, "succeeded");
        assert.deepEqual(judgements.api, {
            state: "failed",
            message:
                "timed out after 60 s waiting for ECS to roll out demo-web@sha256:6b0c8e3a7f2d on demo-alpha/demo-alpha-api; last seen: deployment NCWGC2ZR-taawPAYrIaU5 (ROLLING) of demo-alpha-web:42 (demo-web@sha256:6b0c8e3a7f2d) is IN_PROGRESS, stage SCALE_UP, 2/2 tasks running",
        });
    });

    it("logs each service's distinct states once, each line starting with the service's name", async () => {
        const lines: string[] = [];
        const aws = fakeEcsByService({ "demo-alpha-web": [snapshot(deployment())], "demo-alpha-api": [inProgress, inProgress, snapshot(deployment())] });
        await verifyRollouts({ web: webTarget, api: apiTarget }, { run: aws.run, clock: fakeClock(), log: (l) => lines.push(l) });
        assert.deepEqual(
            lines.map((l) => l.slice(0, l.indexOf(": deployment"))),
            ["web: succeeded", "api: in-progress", "api: succeeded"],
        );
    });

    const exits: [string, Judgement["state"][], number][] = [
        ["every service succeeded", ["succeeded", "succeeded"], EXIT.OK],
        ["one service rolled back and the others succeeded", ["succeeded", "rolled-back"], EXIT.ROLLED_BACK],
        ["one service failed and another rolled back", ["rolled-back", "failed"], EXIT.FAILED],
    ];
    for (const [given, states, code] of exits) {
        it(`GIVEN ${given} THEN verify-rollout exits ${code}`, () => {
            assert.equal(exitCodeOfAll(states), code);
        });
    }
});

// ---- Commands ----

/** The services each committed stack file runs, in its order: the stack files are final in shape. */
const STACK_SERVICES: Readonly<Record<string, readonly string[]>> = {
    alpha: ["web", "api"],
    beta: ["web", "api", "search", "worker", "mailer", "nightly-report"],
    gamma: ["web", "api", "search", "worker"],
    live: ["web", "api", "search", "worker"],
};

/** A config reader with `stack`'s shipyard:services replaced by `services` (JSON-encoded, as the CLI passes maps). */
const withServices =
    (stack: string, services: unknown): CliDeps["config"] =>
    (s) =>
        s === stack ? { ...releaseConfig(s), [SERVICES_KEY]: JSON.stringify(services) } : releaseConfig(s);

describe("release: services and their images", () => {
    for (const [stack, names] of Object.entries(STACK_SERVICES)) {
        it(`services prints ${names.join(", ")} for ${stack}, one a line, in the order of Pulumi.${stack}.yaml`, async () => {
            const c = cli();
            assert.equal(await runCli(["services", "--stack", stack], c.deps), EXIT.OK);
            assert.equal(c.stdout(), names.map((n) => `${n}\n`).join(""));
        });
    }

    it("covers every fixture stack file", () => {
        assert.deepEqual(Object.keys(STACK_SERVICES), committedStacks());
    });

    it("image-repository prints the service's own repository <appName>-<service>, the same for every stack that runs it", async () => {
        for (const [stack, names] of Object.entries(STACK_SERVICES)) {
            for (const service of names) {
                const c = cli();
                assert.equal(await runCli(["image-repository", "--stack", stack, "--service", service], c.deps), EXIT.OK);
                assert.equal(c.stdout(), `${REGISTRY}/demo-${service}\n`, `${stack} ${service}`);
            }
        }
    });

    it("image-repository without --stack prints the repository every stack file names for the service", async () => {
        const c = cli();
        assert.equal(await runCli(["image-repository", "--service", "search"], c.deps), EXIT.OK);
        assert.equal(c.stdout(), `${REGISTRY}/demo-search\n`);
    });

    it("build-matrix lists one image per service of any stack, with its repository and the build context of release/images.json", async () => {
        const c = cli();
        assert.equal(await runCli(["build-matrix"], c.deps), EXIT.OK);
        assert.equal(
            c.stdout(),
            `${JSON.stringify(
                ["web", "api", "search", "worker", "mailer", "nightly-report"].map((service) => ({
                    service,
                    repository: `${REGISTRY}/demo-${service}`,
                    context: "app",
                })),
            )}\n`,
        );
    });

    it("the team's release/images.json gives every service of every committed stack file a build context, a folder with a Dockerfile, and names no other service", () => {
        const contexts = parseBuildContexts(fs.readFileSync(path.join(ROOT, BUILD_CONTEXTS_FILE), "utf8"));
        const everyService = [
            ...new Set(committedStacks(MAIN, ROOT).flatMap((s) => stackServices(s, releaseConfig(s, ROOT)[SERVICES_KEY]).map((x) => x.name))),
        ];
        assert.deepEqual(Object.keys(contexts).sort(), everyService.sort());
        for (const [service, context] of Object.entries(contexts)) {
            assert.ok(fs.existsSync(path.join(ROOT, context, "Dockerfile")), `${service}: ${context}/Dockerfile`);
        }
    });

    it("image-ref pins the stack's service's repository to the digest", async () => {
        const c = cli();
        assert.equal(await runCli(["image-ref", "--stack", "live", "--service", "api", "--digest", DIGEST], c.deps), EXIT.OK);
        assert.equal(c.stdout(), `${REGISTRY}/demo-api@${DIGEST}\n`);
    });

    it("image-ref refuses a digest that is not sha256 and 64 hex digits, with exit code 2", async () => {
        const c = cli();
        assert.equal(await runCli(["image-ref", "--stack", "live", "--service", "web", "--digest", "sha256:ABC"], c.deps), EXIT.USAGE);
        assert.match(c.stderr(), /--digest "sha256:ABC" is not an image digest; expected sha256: followed by 64 lowercase hex digits/);
        assert.equal(c.stdout(), "");
    });

    it("image-platforms builds for linux/amd64 while every stack runs X86_64", async () => {
        const c = cli();
        assert.equal(await runCli(["image-platforms"], c.deps), EXIT.OK);
        assert.equal(c.stdout(), "linux/amd64\n");
    });

    it("build platforms cover every architecture in use, and name a stack with an unknown one", () => {
        assert.equal(buildPlatforms({ alpha: "ARM64", live: "X86_64" }), "linux/amd64,linux/arm64");
        assert.throws(
            () => buildPlatforms({ beta: "RISCV" }),
            /stack "beta": key shipyard:cpuArchitecture = "RISCV" has no build platform; allowed: X86_64, ARM64/,
        );
    });

    it("a service image outside ECR cannot be resolved, and the error says where releases look", () => {
        assert.throws(
            () => stackEcrImage("alpha", "shipyard:services.web.image", "ghcr.io/acme/web:1.0"),
            /^ReleaseError: stack "alpha": key shipyard:services.web.image = "ghcr.io\/acme\/web:1.0" is not in an Amazon ECR private registry/,
        );
    });

    const usage: [string, string[], string][] = [
        ["no command", [], "a command is required"],
        ["an unknown command", ["deploy"], 'unknown command "deploy"'],
        ["an unknown stack", ["services", "--stack", "prod"], 'unknown stack "prod": there is no Pulumi.prod.yaml; known stacks: alpha, beta, gamma, live'],
        ["a missing --stack", ["services"], "--stack is required"],
        ["an unknown flag", ["image-repository", "--service", "web", "--tag", "x"], "Unknown option '--tag'"],
        ["a missing --service", ["image-ref", "--stack", "live", "--digest", DIGEST], "--service is required"],
        [
            "a service the stack does not run",
            ["image-repository", "--stack", "alpha", "--service", "search"],
            'unknown service "search" for stack "alpha": Pulumi.alpha.yaml runs web, api',
        ],
        [
            "a service no stack runs",
            ["resolve-digest", "--service", "db", "--sha", SHA],
            'unknown service "db": no stack file runs it; the stack files run web, api, search, worker, mailer, nightly-report',
        ],
        [
            "tag-deployed of a service the stack does not run",
            ["tag-deployed", "--stack", "alpha", "--service", "worker", "--sha", SHA],
            'unknown service "worker" for stack "alpha": Pulumi.alpha.yaml runs web, api',
        ],
    ];
    for (const [name, argv, message] of usage) {
        it(`exits 2 with the usage for ${name}`, async () => {
            const c = cli();
            assert.equal(await runCli(argv, c.deps), EXIT.USAGE);
            assert.equal(c.stderr().split("\n")[0], `release ${argv[0] ?? ""}: ${message}`);
            assert.match(c.stderr(), /usage: npm run --silent release -- <command>/);
            assert.equal(c.stdout(), "");
        });
    }
});

describe("release: stacks of any name, ordered and grouped by tier", () => {
    let dir: string;
    before(() => {
        dir = namedStacksDir();
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const named = () => {
        const c = cli(undefined, undefined, (s) => releaseConfig(s, dir));
        return { ...c, deps: { ...c.deps, stacks: () => committedStacks(MAIN, dir) } };
    };

    it("GIVEN the four default stacks WHEN stacks runs THEN it prints them in today's promotion order, alpha to live", async () => {
        const c = cli();
        assert.equal(await runCli(["stacks"], c.deps), EXIT.OK);
        assert.equal(c.stdout(), '["alpha","beta","gamma","live"]\n');
    });
    it("GIVEN staging2 (tier staging) and pr-42 (tier preview) WHEN stacks runs THEN each takes its tier's place: preview first, staging beside gamma", async () => {
        const c = named();
        assert.equal(await runCli(["stacks"], c.deps), EXIT.OK);
        assert.equal(c.stdout(), '["pr-42","alpha","beta","gamma","staging2","live"]\n');
    });
    const byTier: [string, string][] = [
        ["production", '["live"]'],
        ["staging", '["gamma","staging2"]'],
        ["development", '["alpha","beta"]'],
        ["preview", '["pr-42"]'],
    ];
    for (const [tier, expected] of byTier) {
        it(`GIVEN staging2 and pr-42 WHEN stacks --tier ${tier} runs THEN it prints ${expected}`, async () => {
            const c = named();
            assert.equal(await runCli(["stacks", "--tier", tier], c.deps), EXIT.OK);
            assert.equal(c.stdout(), `${expected}\n`);
        });
    }
    for (const [stack, tier] of [
        ["staging2", "staging"],
        ["pr-42", "preview"],
        ["live", "production"],
        ["alpha", "development"],
    ]) {
        it(`GIVEN ${stack} WHEN tier runs THEN it prints ${tier}`, async () => {
            const c = named();
            assert.equal(await runCli(["tier", "--stack", stack], c.deps), EXIT.OK);
            assert.equal(c.stdout(), `${tier}\n`);
        });
    }
    it("GIVEN staging2 and pr-42 WHEN preview-stacks runs THEN staging2 joins gamma and live behind the production preview, pr-42 alpha and beta", async () => {
        const c = named();
        assert.equal(await runCli(["preview-stacks"], c.deps), EXIT.OK);
        assert.deepEqual(JSON.parse(c.stdout()), { preview: ["pr-42", "alpha", "beta"], previewProduction: ["gamma", "staging2", "live"] });
    });
    it("GIVEN staging2 WHEN its services are asked for THEN they are its stack file's, like any stack's", async () => {
        const c = named();
        assert.equal(await runCli(["services", "--stack", "staging2"], c.deps), EXIT.OK);
        assert.equal(c.stdout(), STACK_SERVICES.gamma.map((n) => `${n}\n`).join(""));
    });

    const usage: [string, string[], string][] = [
        ["a stack name with a capital", ["tier", "--stack", "Prod"], `the stack name "Prod" cannot be used: ${STACK_NAME_RULE}`],
        ["a stack name with two hyphens in a row", ["services", "--stack", "pr--1"], `the stack name "pr--1" cannot be used: ${STACK_NAME_RULE}`],
        [
            "a stack without a stack file",
            ["tier", "--stack", "staging3"],
            'unknown stack "staging3": there is no Pulumi.staging3.yaml; known stacks: alpha, beta, gamma, live, pr-42, staging2',
        ],
        ["a tier that is not one", ["stacks", "--tier", "prod"], '--tier "prod" is not a tier; allowed: production, staging, development, preview'],
    ];
    for (const [given, argv, message] of usage) {
        it(`GIVEN ${given} WHEN ${argv[0]} runs THEN it exits 2 with the usage: ${message}`, async () => {
            const c = named();
            assert.equal(await runCli(argv, c.deps), EXIT.USAGE);
            assert.equal(c.stderr().split("\n")[0], `release ${argv[0]}: ${message}`);
            assert.equal(c.stdout(), "");
        });
    }

    const failures: [string, Record<string, string>, string][] = [
        [
            "a stack file of another name without shipyard:tier",
            { qa: "config:\n  aws:region: eu-west-1\n" },
            'stack "qa": key shipyard:tier is missing: the stack is not one of the default environments (alpha, beta, gamma, live), so Pulumi.qa.yaml must set it, allowed: production, staging, development, preview',
        ],
        [
            "a stack file of a tier that is not one",
            { qa: "config:\n  shipyard:tier: prod\n" },
            'stack "qa": key shipyard:tier = "prod": allowed: production, staging, development, preview',
        ],
        [
            "a stack file of a name no stack may have",
            { "pr--1": "config:\n  shipyard:tier: preview\n" },
            `stack file Pulumi.pr--1.yaml: the stack name "pr--1" cannot be used: ${STACK_NAME_RULE}`,
        ],
    ];
    for (const [given, extra, message] of failures) {
        it(`GIVEN ${given} WHEN stacks runs THEN it fails (exit 1) naming the stack file: ${message}`, async () => {
            const other = namedStacksDir(extra);
            try {
                const c = cli(undefined, undefined, (s) => releaseConfig(s, other));
                const deps = { ...c.deps, stacks: () => committedStacks(MAIN, other) };
                assert.equal(await runCli(["stacks"], deps), EXIT.FAILED);
                assert.equal(c.stderr(), `release stacks: ${message}\n`);
            } finally {
                fs.rmSync(other, { recursive: true, force: true });
            }
        });
    }
});

describe("release: what the stack files must say about their services", () => {
    const image = (repository: string) => `${REGISTRY}/${repository}@${DIGEST}`;
    const invalid: [string, string | undefined, string][] = [
        [
            "no services",
            undefined,
            'stack "beta": key shipyard:services is not set; it must map each service\'s name to its settings, e.g. web: { image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/demo-web@sha256:..., expose: http }',
        ],
        [
            "a list instead of a map",
            JSON.stringify([{ image: image("demo-web") }]),
            `stack "beta": key shipyard:services = ${JSON.stringify([{ image: image("demo-web") }])} is not a map of service name to settings, e.g. web: { image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/demo-web@sha256:..., expose: http }`,
        ],
        [
            "an empty map",
            "{}",
            'stack "beta": key shipyard:services names no service; list at least one, e.g. web: { image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/demo-web@sha256:..., expose: http }',
        ],
        [
            "a service name a shell would split",
            JSON.stringify({ "web api": { image: image("demo-web") } }),
            'stack "beta": key shipyard:services has a service named "web api"; service names are lowercase letters, digits and single hyphens, starting with a letter, 2 to 20 characters',
        ],
        [
            "a service whose settings are a string",
            JSON.stringify({ web: image("demo-web") }),
            `stack "beta": key shipyard:services.web = "${image("demo-web")}" is not a map of settings with an image, e.g. web: { image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/demo-web@sha256:..., expose: http }`,
        ],
        [
            "a service without an image",
            JSON.stringify({ web: { expose: "http" } }),
            'stack "beta": key shipyard:services.web.image is not set; it must name the service\'s image, e.g. 123456789012.dkr.ecr.eu-west-1.amazonaws.com/demo-web@sha256:...',
        ],
        [
            "an image without a registry",
            JSON.stringify({ web: { image: "demo-web:1" } }),
            'stack "beta": key shipyard:services.web.image = "demo-web:1" is not a full image reference registry/repository[:tag][@sha256:<64 hex>]',
        ],
        [
            "two services in one repository",
            JSON.stringify({ web: { image: image("demo-web") }, api: { image: image("demo-web") } }),
            `stack "beta": services web and api both name the image repository ${REGISTRY}/demo-web; each service needs its own (<appName>-<service>), because every image is tagged with its commit's SHA and ECR's tags are immutable`,
        ],
    ];
    for (const [given, value, message] of invalid) {
        it(`GIVEN ${given} THEN the error names the stack, the key and what is allowed`, () => {
            assert.throws(
                () => stackServices("beta", value),
                (e: Error) => e.message === message,
            );
        });
    }

    it("GIVEN a stack file whose services are invalid WHEN a command reads them THEN it exits 1 with that error", async () => {
        const c = cli(undefined, undefined, withServices("beta", { web: { expose: "http" } }));
        assert.equal(await runCli(["services", "--stack", "beta"], c.deps), EXIT.FAILED);
        assert.match(c.stderr(), /^release services: stack "beta": key shipyard:services.web.image is not set/);
    });

    it("GIVEN a stack that names another repository for a service THEN nothing can be built for it, and the error names both", async () => {
        const c = cli(undefined, undefined, withServices("live", { web: { image: image("demo-web") }, api: { image: image("demo-api-live") } }));
        assert.equal(await runCli(["build-matrix"], c.deps), EXIT.FAILED);
        assert.equal(
            c.stderr(),
            `release build-matrix: service api's image is in ${REGISTRY}/demo-api in stack "alpha" but in ${REGISTRY}/demo-api-live in stack "live": every stack must name the same repository, so that the image built once per commit can be promoted to all of them\n`,
        );
    });

    it("GIVEN two stacks that give two services one repository THEN the build refuses, because the second push of <repository>:<sha> would fail", () => {
        const web = stackServices("alpha", JSON.stringify({ web: { image: image("demo-web") } }));
        const api = stackServices("beta", JSON.stringify({ api: { image: image("demo-web") } }));
        assert.throws(
            () => projectServices({ alpha: web, beta: api }),
            (e: Error) =>
                e.message ===
                `the stack files: services web and api both name the image repository ${REGISTRY}/demo-web; each service needs its own (<appName>-<service>), because every image is tagged with its commit's SHA and ECR's tags are immutable`,
        );
    });

    const services = projectServices({ beta: stackServices("beta", releaseConfig("beta")[SERVICES_KEY]) });
    const contexts: [string, string, string][] = [
        [
            "a service without a build context",
            JSON.stringify({ web: "app", api: "app", search: "app", mailer: "app", "nightly-report": "app" }),
            'release/images.json has no build context for worker: add "<service>": "<folder with its Dockerfile>" for each, so that main.yml builds its image',
        ],
        [
            "a build context for a service no stack runs",
            JSON.stringify({ web: "app", api: "app", search: "app", worker: "app", mailer: "app", "nightly-report": "app", billing: "app" }),
            "release/images.json names billing, which no stack file runs (they run web, api, search, worker, mailer, nightly-report): remove the entry, or add the service to a stack file",
        ],
        [
            "a build context outside the repository",
            JSON.stringify({ web: "../app" }),
            'release/images.json: service web has the build context "../app"; it must be a folder of this repository, relative to its root (e.g. app), without .. or a leading /',
        ],
        [
            "an absolute build context",
            JSON.stringify({ web: "/app" }),
            'release/images.json: service web has the build context "/app"; it must be a folder of this repository, relative to its root (e.g. app), without .. or a leading /',
        ],
        ["a list", JSON.stringify(["app"]), 'release/images.json must map each service to its build context, e.g. { "web": "app" }'],
    ];
    for (const [given, text, message] of contexts) {
        it(`GIVEN release/images.json with ${given} THEN the build matrix fails, saying what to change`, () => {
            assert.throws(
                () => imageBuilds(services, parseBuildContexts(text)),
                (e: Error) => e.message === message,
            );
        });
    }

    it("GIVEN a build context in a subfolder THEN the build matrix uses it", () => {
        const builds = imageBuilds(
            services,
            parseBuildContexts(JSON.stringify({ web: "app", api: "services/api", search: "app", worker: "app", mailer: "app", "nightly-report": "app" })),
        );
        assert.deepEqual(
            builds.map((b) => [b.service, b.context, b.repository]),
            [
                ["web", "app", `${REGISTRY}/demo-web`],
                ["api", "services/api", `${REGISTRY}/demo-api`],
                ["search", "app", `${REGISTRY}/demo-search`],
                ["worker", "app", `${REGISTRY}/demo-worker`],
                ["mailer", "app", `${REGISTRY}/demo-mailer`],
                ["nightly-report", "app", `${REGISTRY}/demo-nightly-report`],
            ],
        );
        assert.equal(imageRepository(services[1].image), `${REGISTRY}/demo-api`);
    });

    for (const stack of committedStacks()) {
        it(`reads Pulumi.${stack}.yaml exactly as the test harness passes it to the program`, () => {
            assert.deepEqual(releaseConfig(stack), stackConfig(stack).values);
        });
    }

    it("reads a stack file as the CLI passes it, without requiring keys the release never reads", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "release-config-"));
        const before = process.env.SHIPYARD_STACK_CONFIG_DIR;
        try {
            fs.writeFileSync(
                path.join(dir, "Pulumi.alpha.yaml"),
                `config:\n  shipyard:services:\n    worker:\n      image: ${image("demo-worker")}\n    web:\n      image: ${image("demo-web")}\n`,
            );
            process.env.SHIPYARD_STACK_CONFIG_DIR = dir;
            const values = releaseConfig("alpha");
            assert.equal(values[SERVICES_KEY], JSON.stringify({ worker: { image: image("demo-worker") }, web: { image: image("demo-web") } }));
            assert.equal(values["shipyard:cpuArchitecture"], "X86_64");
        } finally {
            if (before === undefined) delete process.env.SHIPYARD_STACK_CONFIG_DIR;
            else process.env.SHIPYARD_STACK_CONFIG_DIR = before;
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

/** A runner that answers every call with `result` and records each as [command, ...args]. */
function answering(result: RunResult) {
    const calls: string[][] = [];
    const run: Runner = async (command, args) => {
        calls.push([command, ...args]);
        return result;
    };
    return { run, calls };
}

describe("release: resolve-digest", () => {
    const ecr = answering;

    it("asks ECR for the image tagged with the commit in the service's repository and prints its digest", async () => {
        const aws = ecr({
            code: 0,
            stdout: JSON.stringify({
                imageDetails: [
                    {
                        registryId: "123456789012",
                        repositoryName: "demo-api",
                        imageDigest: DIGEST,
                        imageTags: [SHA],
                        imageSizeInBytes: 52428800,
                        imagePushedAt: "2026-10-31T08:00:00+00:00",
                        imageManifestMediaType: "application/vnd.oci.image.index.v1+json",
                    },
                ],
            }),
            stderr: "",
        });
        const c = cli(aws.run);
        assert.equal(await runCli(["resolve-digest", "--stack", "gamma", "--service", "api", "--sha", SHA], c.deps), EXIT.OK);
        assert.equal(c.stdout(), `${DIGEST}\n`);
        assert.deepEqual(aws.calls, [
            [
                "aws",
                "ecr",
                "describe-images",
                "--registry-id",
                "123456789012",
                "--region",
                "eu-west-1",
                "--repository-name",
                "demo-api",
                "--image-ids",
                `imageTag=${SHA}`,
                "--output",
                "json",
            ],
        ]);
    });

    it("exits 4 and says only commits built on main can be promoted when ECR has no such image", async () => {
        const aws = ecr({
            code: 254,
            stdout: "",
            stderr: `\nAn error occurred (ImageNotFoundException) when calling the DescribeImages operation: The image with imageId {imageDigest:'null', imageTag:'${SHA}'} does not exist within the repository with name 'demo-web' in the registry with id '123456789012'\n`,
        });
        const c = cli(aws.run);
        assert.equal(await runCli(["resolve-digest", "--stack", "live", "--service", "web", "--sha", SHA], c.deps), EXIT.IMAGE_NOT_FOUND);
        assert.equal(
            c.stderr(),
            `release resolve-digest: image demo-web:${SHA} not found: was this commit built by the main workflow, with this service in a stack file? Only commits built on main can be promoted, each service's image from the commits that had the service (looked in registry 123456789012, region eu-west-1)\n`,
        );
        assert.equal(c.stdout(), "");
    });

    it("exits 1 naming the repository when it does not exist", async () => {
        const aws = ecr({
            code: 254,
            stdout: "",
            stderr: "\nAn error occurred (RepositoryNotFoundException) when calling the DescribeImages operation: The repository with name 'demo-web' does not exist in the registry with id '123456789012'\n",
        });
        const c = cli(aws.run);
        assert.equal(await runCli(["resolve-digest", "--service", "search", "--sha", SHA], c.deps), EXIT.FAILED);
        assert.equal(
            c.stderr(),
            "release resolve-digest: ECR repository demo-search does not exist (registry 123456789012, region eu-west-1): list the service in the bootstrap's services (bootstrap/Pulumi.shared.yaml) and apply the bootstrap to this account, or correct the service's image in the stack files\n",
        );
    });

    it("exits 1 with the AWS CLI's own words for any other failure", async () => {
        const c = cli(ecr({ code: 253, stdout: "", stderr: 'Unable to locate credentials. You can configure credentials by running "aws configure".\n' }).run);
        assert.equal(await runCli(["resolve-digest", "--stack", "alpha", "--service", "web", "--sha", SHA], c.deps), EXIT.FAILED);
        assert.match(c.stderr(), /aws ecr describe-images failed \(exit 253\): Unable to locate credentials/);
    });

    for (const sha of ["3f78685", SHA.toUpperCase(), "main"]) {
        it(`refuses --sha ${sha} (not 40 lowercase hex digits) before calling AWS`, async () => {
            const c = cli();
            assert.equal(await runCli(["resolve-digest", "--stack", "alpha", "--service", "web", "--sha", sha], c.deps), EXIT.USAGE);
            assert.match(c.stderr(), /is not a commit SHA; expected the 40 lowercase hex digits of a commit/);
        });
    }
});

describe("release: tag-deployed", () => {
    // A manifest as ECR stores it: its exact bytes (whitespace included) are what the digest names.
    const MANIFEST =
        '{\n   "schemaVersion": 2,\n   "mediaType": "application/vnd.oci.image.manifest.v1+json",\n   "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "size": 7023, "digest": "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7"},\n   "layers": []\n}';
    const TAG = `live-${SHA}`;
    const registry = ["--registry-id", "123456789012", "--region", "eu-west-1", "--repository-name", "demo-api"];
    const batchGetImage = [
        "ecr",
        "batch-get-image",
        ...registry,
        "--image-ids",
        `imageTag=${SHA}`,
        "--accepted-media-types",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.index.v1+json",
        "--output",
        "json",
    ];
    const putImage = [
        "ecr",
        "put-image",
        ...registry,
        "--image-tag",
        TAG,
        "--image-manifest",
        MANIFEST,
        "--image-manifest-media-type",
        "application/vnd.oci.image.manifest.v1+json",
        "--image-digest",
        DIGEST,
        "--output",
        "json",
    ];
    const found = {
        code: 0,
        stdout: JSON.stringify({
            images: [
                {
                    registryId: "123456789012",
                    repositoryName: "demo-api",
                    imageId: { imageDigest: DIGEST, imageTag: SHA },
                    imageManifest: MANIFEST,
                    imageManifestMediaType: "application/vnd.oci.image.manifest.v1+json",
                },
            ],
            failures: [],
        }),
        stderr: "",
    };
    const awsError = (code: string, message: string): RunResult => ({
        code: 254,
        stdout: "",
        stderr: `\nAn error occurred (${code}) when calling the PutImage operation: ${message}\n`,
    });
    /** An `aws` that answers each ECR command with the given result and records the calls. */
    function fakeEcr(answers: Record<string, RunResult>) {
        const calls: string[][] = [];
        const run: Runner = async (command, args) => {
            assert.equal(command, "aws");
            calls.push([...args]);
            const answer = answers[args[1]];
            if (!answer) throw new Error(`unexpected aws call: ${args.join(" ")}`);
            return answer;
        };
        return { run, calls };
    }

    it("tags the service's image of the commit <env>-<sha> with put-image, in the service's repository, passing its manifest byte for byte and its digest", async () => {
        const aws = fakeEcr({ "batch-get-image": found, "put-image": { code: 0, stdout: "{}", stderr: "" } });
        const c = cli(aws.run);
        assert.equal(await runCli(["tag-deployed", "--stack", "live", "--service", "api", "--sha", SHA], c.deps), EXIT.OK);
        assert.deepEqual(aws.calls, [batchGetImage, putImage]);
        assert.equal(c.stdout(), `${TAG}\n`);
        assert.equal(c.stderr(), `demo-api@${DIGEST} is tagged ${TAG}\n`);
    });

    it("succeeds without change when run again: ECR answers ImageAlreadyExistsException", async () => {
        const aws = fakeEcr({
            "batch-get-image": found,
            "put-image": awsError(
                "ImageAlreadyExistsException",
                `Image with digest '${DIGEST}' and tag '${TAG}' already exists in the repository with name 'demo-api' in registry with id '123456789012'`,
            ),
        });
        const c = cli(aws.run);
        assert.equal(await runCli(["tag-deployed", "--stack", "live", "--service", "api", "--sha", SHA], c.deps), EXIT.OK);
        assert.deepEqual(aws.calls, [batchGetImage, putImage]);
        assert.equal(c.stdout(), `${TAG}\n`);
    });

    it("succeeds when the immutable tag exists already and names this digest", async () => {
        const aws = fakeEcr({
            "batch-get-image": found,
            "put-image": awsError(
                "ImageTagAlreadyExistsException",
                `The image tag '${TAG}' already exists in the 'demo-api' repository and cannot be overwritten because the repository is immutable.`,
            ),
            "describe-images": { code: 0, stdout: JSON.stringify({ imageDetails: [{ imageDigest: DIGEST, imageTags: [SHA, TAG] }] }), stderr: "" },
        });
        const c = cli(aws.run);
        assert.equal(await runCli(["tag-deployed", "--stack", "live", "--service", "api", "--sha", SHA], c.deps), EXIT.OK);
        assert.deepEqual(aws.calls[2].slice(0, 2), ["ecr", "describe-images"]);
        assert.ok(aws.calls[2].includes(`imageTag=${TAG}`));
    });

    it("fails when the immutable tag names another image, which only a push by hand can cause", async () => {
        const other = `sha256:${"0".repeat(64)}`;
        const aws = fakeEcr({
            "batch-get-image": found,
            "put-image": awsError("ImageTagAlreadyExistsException", "The image tag already exists."),
            "describe-images": { code: 0, stdout: JSON.stringify({ imageDetails: [{ imageDigest: other, imageTags: [TAG] }] }), stderr: "" },
        });
        const c = cli(aws.run);
        assert.equal(await runCli(["tag-deployed", "--stack", "live", "--service", "api", "--sha", SHA], c.deps), EXIT.FAILED);
        assert.match(c.stderr(), new RegExp(`tag demo-api:${TAG} already names ${other}, not ${DIGEST}, the image of ${SHA}`));
        assert.equal(c.stdout(), "");
    });

    it("exits 4 when the commit was never built, before any put-image", async () => {
        const notFound = {
            code: 0,
            stdout: JSON.stringify({
                images: [],
                failures: [{ imageId: { imageTag: SHA }, failureCode: "ImageNotFound", failureReason: "Requested image not found" }],
            }),
            stderr: "",
        };
        const aws = fakeEcr({ "batch-get-image": notFound });
        const c = cli(aws.run);
        assert.equal(await runCli(["tag-deployed", "--stack", "gamma", "--service", "api", "--sha", SHA], c.deps), EXIT.IMAGE_NOT_FOUND);
        assert.equal(aws.calls.length, 1);
    });

    it("exits 1 with the AWS CLI's words when the role may not tag", async () => {
        const aws = fakeEcr({
            "batch-get-image": found,
            "put-image": awsError(
                "AccessDeniedException",
                "User: arn:aws:sts::123456789012:assumed-role/demo-github-deploy-live/deploy is not authorized to perform: ecr:PutImage",
            ),
        });
        const c = cli(aws.run);
        assert.equal(await runCli(["tag-deployed", "--stack", "live", "--service", "api", "--sha", SHA], c.deps), EXIT.FAILED);
        assert.match(c.stderr(), /aws ecr put-image failed \(exit 254\): An error occurred \(AccessDeniedException\)/);
    });

    it("refuses a --sha that is not a full commit SHA before calling AWS", async () => {
        const c = cli();
        assert.equal(await runCli(["tag-deployed", "--stack", "live", "--service", "api", "--sha", "v1.4.0"], c.deps), EXIT.USAGE);
    });
});

describe("release: deployed-program", () => {
    const pulumi = answering;
    const PROGRAM = "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3";

    it("prints the commit of the stack tag shipyard:program-commit, from pulumi stack tag ls --json", async () => {
        const p = pulumi({ code: 0, stdout: JSON.stringify({ "pulumi:project": "shipyard", "shipyard:program-commit": PROGRAM }), stderr: "" });
        const c = cli(p.run);
        assert.equal(await runCli(["deployed-program", "--stack", "live"], c.deps), EXIT.OK);
        assert.equal(c.stdout(), `${PROGRAM}\n`);
        assert.deepEqual(p.calls, [["pulumi", "stack", "tag", "ls", "--json", "--stack", "live"]]);
    });

    it("exits 1 and says what to do when the stack was last deployed before the tag was recorded", async () => {
        const c = cli(pulumi({ code: 0, stdout: JSON.stringify({ "pulumi:project": "shipyard" }), stderr: "" }).run);
        assert.equal(await runCli(["deployed-program", "--stack", "gamma"], c.deps), EXIT.FAILED);
        assert.match(
            c.stderr(),
            /stack "gamma" records no program commit \(stack tag shipyard:program-commit\).*Run the rollback again with the program input set/,
        );
        assert.equal(c.stdout(), "");
    });

    it("exits 1 when the tag is not a commit SHA, so that nothing is checked out from it", async () => {
        const c = cli(pulumi({ code: 0, stdout: JSON.stringify({ "shipyard:program-commit": "main; rm -rf /" }), stderr: "" }).run);
        assert.equal(await runCli(["deployed-program", "--stack", "live"], c.deps), EXIT.FAILED);
        assert.match(c.stderr(), /stack tag shipyard:program-commit = "main; rm -rf \/" is not a commit SHA/);
    });

    it("exits 1 with Pulumi's own words when it cannot read the stack", async () => {
        const c = cli(pulumi({ code: 255, stdout: "", stderr: "error: no stack named 'live' found\n" }).run);
        assert.equal(await runCli(["deployed-program", "--stack", "live"], c.deps), EXIT.FAILED);
        assert.match(c.stderr(), /pulumi stack tag ls --json --stack live failed \(exit 255\): error: no stack named 'live' found/);
    });
});

describe("release: gamma-passed (the live gate)", () => {
    const REPO = "example-org/shipyard";
    /** A run as the REST API's "List workflow runs for a workflow" shows it. */
    const run = (over: Record<string, unknown> = {}) => ({
        id: 7410000001,
        name: "gamma",
        path: ".github/workflows/gamma.yml",
        head_branch: "v1.4.0",
        head_sha: SHA,
        event: "push",
        status: "completed",
        conclusion: "success",
        html_url: "https://github.com/example-org/shipyard/actions/runs/7410000001",
        ...over,
    });
    const gh = (runs: unknown[]) => answering({ code: 0, stdout: JSON.stringify({ total_count: runs.length, workflow_runs: runs }), stderr: "" });

    it("asks GitHub for successful push runs of gamma.yml for the commit and prints the run", async () => {
        const fake = gh([run()]);
        const c = cli(fake.run);
        assert.equal(await runCli(["gamma-passed", "--repository", REPO, "--sha", SHA], c.deps), EXIT.OK);
        assert.equal(c.stdout(), "https://github.com/example-org/shipyard/actions/runs/7410000001\n");
        assert.deepEqual(fake.calls, [
            [
                "gh",
                "api",
                "--method",
                "GET",
                `repos/${REPO}/actions/workflows/gamma.yml/runs`,
                "-f",
                `head_sha=${SHA}`,
                "-f",
                "status=success",
                "-f",
                "event=push",
                "-f",
                "per_page=100",
            ],
        ]);
    });

    const refused: [string, unknown[]][] = [
        ["no run at all", []],
        ["a rollback.yml run that deployed to gamma from main", [run({ path: ".github/workflows/rollback.yml", event: "workflow_dispatch" })]],
        ["a failed gamma.yml run", [run({ conclusion: "failure" })]],
        ["a gamma.yml run still in progress", [run({ status: "in_progress", conclusion: null })]],
        ["a gamma.yml run of another commit", [run({ head_sha: "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3" })]],
        ["a gamma.yml run started by hand rather than by a tag", [run({ event: "workflow_dispatch" })]],
    ];
    for (const [given, runs] of refused) {
        it(`GIVEN ${given} THEN the gate stays shut (exit 1) and says how to open it`, async () => {
            const c = cli(gh(runs).run);
            assert.equal(await runCli(["gamma-passed", "--repository", REPO, "--sha", SHA], c.deps), EXIT.FAILED);
            assert.match(c.stderr(), new RegExp(`commit ${SHA} has no successful .github/workflows/gamma.yml run: tag it v\\* on main`));
            assert.equal(c.stdout(), "");
        });
    }

    it("exits 1 with gh's own words when the API call fails", async () => {
        const c = cli(answering({ code: 1, stdout: "", stderr: "HTTP 403: Resource not accessible by integration\n" }).run);
        assert.equal(await runCli(["gamma-passed", "--repository", REPO, "--sha", SHA], c.deps), EXIT.FAILED);
        assert.match(c.stderr(), /gh api --method GET repos\/example-org\/shipyard\/actions\/workflows\/gamma.yml\/runs failed \(exit 1\): HTTP 403/);
    });

    it("refuses a repository that is not owner/name before calling GitHub", async () => {
        const c = cli();
        assert.equal(await runCli(["gamma-passed", "--repository", "../../etc", "--sha", SHA], c.deps), EXIT.USAGE);
    });
});

describe("release: verify-rollout", () => {
    const WEB = `${IMAGE}@${DIGEST}`;
    const API = `${REGISTRY}/demo-api@${DIGEST}`;
    /** `pulumi stack output --json` of alpha: one cluster, a services map (the program's contract). */
    const outputs = {
        clusterName: "demo-alpha",
        services: {
            web: { image: WEB, clusterName: "demo-alpha", serviceName: "demo-alpha-web", exposure: "http" },
            api: { image: API, clusterName: "demo-alpha", serviceName: "demo-alpha-api", exposure: "tcp" },
        },
        region: "eu-west-1",
    };
    const expectImages = JSON.stringify({ web: WEB, api: API });
    const files = (content: unknown) => (p: string) => (p === "outputs.json" ? JSON.stringify(content) : assert.fail(`unexpected read of ${p}`));
    /** The answers for api: its revision runs the api image. */
    const apiSnapshot = (dep: ReturnType<typeof deployment>): RolloutSnapshot => ({
        services: services({ serviceName: "demo-alpha-api" }),
        deployments: dep,
        revisions: {
            serviceRevisions: [
                {
                    serviceRevisionArn: REV_NEW,
                    taskDefinition: `${ECS}:task-definition/demo-alpha-api:7`,
                    containerImages: [{ image: API, imageDigest: DIGEST }],
                },
                {
                    serviceRevisionArn: REV_OLD,
                    taskDefinition: `${ECS}:task-definition/demo-alpha-api:6`,
                    containerImages: [{ image: `${REGISTRY}/demo-api@${DIGEST_OLD}` }],
                },
            ],
        },
    });
    const rolledBack = deployment({
        status: "ROLLBACK_SUCCESSFUL",
        rollback: { reason: "Service deployment rolled back because the circuit breaker threshold was exceeded.", serviceRevisionArn: REV_OLD },
    });

    it("follows every service of the outputs and prints one result line each, in their order, when all completed", async () => {
        const aws = fakeEcsByService({ "demo-alpha-web": [snapshot(deployment())], "demo-alpha-api": [apiSnapshot(deployment())] });
        const c = cli(aws.run, files(outputs));
        assert.equal(await runCli(["verify-rollout", "--stack-outputs", "outputs.json", "--expect-images", expectImages], c.deps), EXIT.OK);
        assert.equal(
            c.stdout(),
            [
                "web: succeeded: deployment NCWGC2ZR-taawPAYrIaU5 (ROLLING) of demo-alpha-web:42 (demo-web@sha256:6b0c8e3a7f2d) completed: 2/2 tasks running",
                "api: succeeded: deployment NCWGC2ZR-taawPAYrIaU5 (ROLLING) of demo-alpha-api:7 (demo-api@sha256:6b0c8e3a7f2d) completed: 2/2 tasks running",
                "",
            ].join("\n"),
        );
        assert.deepEqual(
            aws.calls.filter((call) => call.args[1] === "describe-services").map((call) => call.args.slice(2)),
            [
                ["--cluster", "demo-alpha", "--services", "demo-alpha-web", "--region", "eu-west-1", "--output", "json"],
                ["--cluster", "demo-alpha", "--services", "demo-alpha-api", "--region", "eu-west-1", "--output", "json"],
            ],
        );
    });

    it("exits 3 when ECS rolled one service back, after the others finished, with every service's result", async () => {
        const aws = fakeEcsByService({ "demo-alpha-web": [snapshot(deployment())], "demo-alpha-api": [apiSnapshot(rolledBack)] });
        const c = cli(aws.run, files(outputs));
        assert.equal(await runCli(["verify-rollout", "--stack-outputs", "outputs.json"], c.deps), EXIT.ROLLED_BACK);
        assert.equal(
            c.stdout(),
            [
                "web: succeeded: deployment NCWGC2ZR-taawPAYrIaU5 (ROLLING) of demo-alpha-web:42 (demo-web@sha256:6b0c8e3a7f2d) completed: 2/2 tasks running",
                "api: rolled-back: ECS rolled back deployment NCWGC2ZR-taawPAYrIaU5 of demo-alpha-api:7 (demo-api@sha256:6b0c8e3a7f2d): Service deployment rolled back because the circuit breaker threshold was exceeded.; the service runs demo-alpha-api:6 again. This release did not go out; see the service's events (aws ecs describe-services) and the stopped tasks' reasons",
                "",
            ].join("\n"),
        );
    });

    it("exits 1 when one service failed, even if another rolled back: that service's state is unknown", async () => {
        const failed = deployment({ status: "ROLLBACK_FAILED", statusReason: "Rollback failed: tasks failed to start." });
        const aws = fakeEcsByService({ "demo-alpha-web": [snapshot(rolledBack)], "demo-alpha-api": [apiSnapshot(failed)] });
        const c = cli(aws.run, files(outputs));
        assert.equal(await runCli(["verify-rollout", "--stack-outputs", "outputs.json"], c.deps), EXIT.FAILED);
        assert.deepEqual(
            c
                .stdout()
                .trimEnd()
                .split("\n")
                .map((l) => l.split(": ").slice(0, 2).join(": ")),
            ["web: rolled-back", "api: failed"],
        );
    });

    it("writes progress to stderr, each line naming its service", async () => {
        const inProgress = deployment({ status: "IN_PROGRESS", lifecycleStage: "SCALE_UP" });
        const aws = fakeEcsByService({ "demo-alpha-web": [snapshot(deployment())], "demo-alpha-api": [apiSnapshot(inProgress), apiSnapshot(deployment())] });
        const c = cli(aws.run, files(outputs));
        assert.equal(await runCli(["verify-rollout", "--stack-outputs", "outputs.json"], c.deps), EXIT.OK);
        assert.deepEqual(
            c
                .stderr()
                .trimEnd()
                .split("\n")
                .map((l) => l.split(": ").slice(0, 2).join(": ")),
            ["web: succeeded", "api: in-progress", "api: succeeded"],
        );
    });

    it("takes one service from explicit flags too, judged by its task definition", async () => {
        const aws = fakeEcs([snapshot(deployment())]);
        const c = cli(aws.run);
        const code = await runCli(["verify-rollout", "--cluster", "demo-alpha-web", "--service", "demo-alpha-web", "--task-definition", TD_NEW], c.deps);
        assert.equal(code, EXIT.OK);
        assert.equal(c.stdout(), "succeeded: deployment NCWGC2ZR-taawPAYrIaU5 (ROLLING) of demo-alpha-web:42 completed: 2/2 tasks running\n");
        assert.deepEqual(aws.calls[0].args.slice(0, 6), ["ecs", "describe-services", "--cluster", "demo-alpha-web", "--services", "demo-alpha-web"]);
    });

    const refused: [string, unknown, string, string][] = [
        [
            "a service output whose image is not the one this deploy set",
            { ...outputs, services: { ...outputs.services, api: { ...outputs.services.api, image: `${REGISTRY}/demo-api@${DIGEST_OLD}` } } },
            expectImages,
            `stack output services.api.image is "${REGISTRY}/demo-api@${DIGEST_OLD}", but this deploy set ${API}: pulumi up did not apply the new image`,
        ],
        [
            "outputs without a service this deploy set an image for",
            { ...outputs, services: { web: outputs.services.web } },
            expectImages,
            "this deploy set images for web, api, but the stack outputs list the services web: pulumi up did not apply the stack file's services",
        ],
        [
            "outputs of the single-service program (image, serviceName, taskDefinitionArn)",
            { clusterName: "demo-alpha-web", serviceName: "demo-alpha-web", image: WEB, taskDefinitionArn: TD_NEW },
            expectImages,
            "stack outputs in outputs.json lack services (a map of service name to image, clusterName, serviceName and exposure): was this stack deployed by this program?",
        ],
        [
            "a service output without its cluster and service names",
            { ...outputs, services: { ...outputs.services, web: { image: WEB, exposure: "http" } } },
            expectImages,
            "stack outputs in outputs.json: services.web lacks clusterName, serviceName",
        ],
    ];
    for (const [given, content, expect, message] of refused) {
        it(`GIVEN ${given} THEN it exits 1 before asking ECS, saying so`, async () => {
            const c = cli(undefined, files(content));
            assert.equal(await runCli(["verify-rollout", "--stack-outputs", "outputs.json", "--expect-images", expect], c.deps), EXIT.FAILED);
            assert.equal(c.stderr(), `release verify-rollout: ${message}\n`);
            assert.equal(c.stdout(), "");
        });
    }

    it("exits 1 when the outputs file is not JSON", async () => {
        const c = cli(undefined, () => "error: no stack named 'alpha' found");
        assert.equal(await runCli(["verify-rollout", "--stack-outputs", "outputs.json"], c.deps), EXIT.FAILED);
        assert.match(c.stderr(), /^release verify-rollout: cannot read stack outputs \(expected the JSON of pulumi stack output --json\) from outputs.json: /);
    });

    const usage: [string, string[], RegExp][] = [
        [
            "both ways of naming the service",
            ["verify-rollout", "--stack-outputs", "o.json", "--cluster", "c"],
            /--stack-outputs and --cluster are mutually exclusive: name the services either by the stack's outputs or one explicitly/,
        ],
        [
            "a task definition that is not an ARN",
            ["verify-rollout", "--cluster", "c", "--service", "s", "--task-definition", "web:42"],
            /--task-definition "web:42" is not a task definition ARN/,
        ],
        ["a missing --service", ["verify-rollout", "--cluster", "c", "--task-definition", TD_NEW], /--service is required/],
        [
            "a timeout that is not a whole number",
            ["verify-rollout", "--stack-outputs", "o.json", "--timeout-seconds", "10m"],
            /--timeout-seconds "10m" must be a whole number of seconds/,
        ],
        [
            "--expect-images without stack outputs",
            ["verify-rollout", "--cluster", "c", "--service", "s", "--task-definition", TD_NEW, "--expect-images", expectImages],
            /--expect-images needs --stack-outputs/,
        ],
        [
            "--expect-images that is not a JSON map of names to images",
            ["verify-rollout", "--stack-outputs", "outputs.json", "--expect-images", JSON.stringify([WEB])],
            /--expect-images must be a JSON object of service name to image reference/,
        ],
        ["the single-service --expect-image", ["verify-rollout", "--stack-outputs", "outputs.json", "--expect-image", WEB], /Unknown option '--expect-image'/],
    ];
    for (const [name, argv, message] of usage) {
        it(`exits 2 for ${name}`, async () => {
            const c = cli(undefined, files(outputs));
            assert.equal(await runCli(argv, c.deps), EXIT.USAGE);
            assert.match(c.stderr(), message);
        });
    }
});

describe("release: the command as the workflows run it", function () {
    this.timeout(30_000);
    it("prints only the repository on stdout, so that $(...) captures it", () => {
        const r = spawnSync(
            process.execPath,
            ["-r", path.join(ROOT, "scripts", "register.js"), "scripts/release.ts", "image-repository", "--stack", "alpha", "--service", "web"],
            {
                cwd: ROOT,
                encoding: "utf8",
            },
        );
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout, `${IMAGE}\n`);
    });

    it("reads stack files from SHIPYARD_STACK_CONFIG_DIR like the plan does", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "release-"));
        try {
            const other = fs.readFileSync(path.join(FIXTURES, "Pulumi.alpha.yaml"), "utf8").replace("/demo-web@", "/other-web@");
            fs.writeFileSync(path.join(dir, "Pulumi.alpha.yaml"), other);
            const r = spawnSync(
                process.execPath,
                ["-r", path.join(ROOT, "scripts", "register.js"), "scripts/release.ts", "image-repository", "--stack", "alpha", "--service", "web"],
                {
                    cwd: ROOT,
                    env: { ...process.env, SHIPYARD_STACK_CONFIG_DIR: dir },
                    encoding: "utf8",
                },
            );
            assert.equal(r.stdout, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/other-web\n");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

// ---- approve / rollback: a deployment paused for a person ----

describe("release approve and rollback: ECS's answer to a deployment paused at its approval hook", () => {
    const LIVE_DEPLOYMENT = `${ECS}:service-deployment/demo-live/demo-live-web/Qm9vdHN0cmFwcGVkLXBhdXNl`;
    const HOOK = "ecs-pause-e7tK9G_WRJqNF_EOMjztDXfKenlJuEUVjsNStf4WLKw";
    const paused = { hookId: HOOK, targetType: "PAUSE", status: "AWAITING_ACTION", expiresAt: "2026-12-04T09:30:00Z", timeoutAction: "ROLLBACK" };
    /** An `aws` that knows demo-live-web's current deployment, as describe-service-deployments prints it, and records every call. */
    function fakePause(over: Record<string, unknown>) {
        const calls: string[][] = [];
        const run: Runner = async (command, args) => {
            calls.push([command, ...args]);
            const answers: Record<string, unknown> = {
                "describe-services": {
                    services: [{ serviceName: "demo-live-web", status: "ACTIVE", currentServiceDeployment: LIVE_DEPLOYMENT }],
                    failures: [],
                },
                "describe-service-deployments": {
                    serviceDeployments: [
                        {
                            serviceDeploymentArn: LIVE_DEPLOYMENT,
                            status: "IN_PROGRESS",
                            lifecycleStage: "POST_TEST_TRAFFIC_SHIFT",
                            deploymentConfiguration: { strategy: "CANARY" },
                            lifecycleHookDetails: [paused],
                            ...over,
                        },
                    ],
                    failures: [],
                },
                "continue-service-deployment": { serviceDeploymentArn: LIVE_DEPLOYMENT },
            };
            const answer = answers[args[1]];
            if (answer === undefined) throw new Error(`unexpected aws call: ${args.join(" ")}`);
            return { code: 0, stdout: JSON.stringify(answer), stderr: "" };
        };
        return { run, calls };
    }
    const lookups = [
        ["aws", "ecs", "describe-services", "--cluster", "demo-live", "--services", "demo-live-web", "--region", "eu-west-1", "--output", "json"],
        ["aws", "ecs", "describe-service-deployments", "--service-deployment-arns", LIVE_DEPLOYMENT, "--region", "eu-west-1", "--output", "json"],
    ];

    for (const [command, action, said] of [
        ["approve", "CONTINUE", "approved: the deployment Qm9vdHN0cmFwcGVkLXBhdXNl of demo-live-web continues to production traffic\n"],
        ["rollback", "ROLLBACK", "rolling back: ECS returns demo-live-web to the revision it ran before the deployment Qm9vdHN0cmFwcGVkLXBhdXNl\n"],
    ]) {
        it(`GIVEN live's web paused at its approval hook WHEN ${command} THEN continue-service-deployment --action ${action} with that hook's id, and nothing else`, async () => {
            const aws = fakePause({});
            const c = cli(aws.run);
            assert.equal(await runCli([command, "--stack", "live", "--service", "web"], c.deps), EXIT.OK);
            assert.deepEqual(aws.calls, [
                ...lookups,
                [
                    "aws",
                    "ecs",
                    "continue-service-deployment",
                    "--service-deployment-arn",
                    LIVE_DEPLOYMENT,
                    "--hook-id",
                    HOOK,
                    "--action",
                    action,
                    "--region",
                    "eu-west-1",
                    "--output",
                    "json",
                ],
            ]);
            assert.equal(c.stdout(), said);
        });
    }

    const refusals: { given: string; over: Record<string, unknown>; message: string }[] = [
        {
            given: "a deployment that already succeeded",
            over: { status: "SUCCESSFUL", lifecycleHookDetails: [] },
            message: "the current deployment Qm9vdHN0cmFwcGVkLXBhdXNl of demo-live-web is SUCCESSFUL, not IN_PROGRESS: there is nothing to approve at a pause",
        },
        {
            given: "a deployment in progress whose pause was already answered",
            over: { lifecycleStage: "PRODUCTION_TRAFFIC_SHIFT", lifecycleHookDetails: [{ ...paused, status: "SUCCEEDED" }] },
            message:
                "the deployment Qm9vdHN0cmFwcGVkLXBhdXNl of demo-live-web is IN_PROGRESS at stage PRODUCTION_TRAFFIC_SHIFT but not waiting at an approval pause (no PAUSE hook in AWAITING_ACTION)",
        },
        {
            given: "a deployment waiting on a Lambda hook, not on a person",
            over: { lifecycleHookDetails: [{ ...paused, targetType: "AWS_LAMBDA" }] },
            message:
                "the deployment Qm9vdHN0cmFwcGVkLXBhdXNl of demo-live-web is IN_PROGRESS at stage POST_TEST_TRAFFIC_SHIFT but not waiting at an approval pause (no PAUSE hook in AWAITING_ACTION)",
        },
    ];
    for (const r of refusals) {
        it(`GIVEN ${r.given} WHEN approve THEN it fails with exit 1, saying why, and continues nothing`, async () => {
            const aws = fakePause(r.over);
            const c = cli(aws.run);
            assert.equal(await runCli(["approve", "--stack", "live", "--service", "web"], c.deps), EXIT.FAILED);
            assert.deepEqual(aws.calls, lookups);
            assert.equal(c.stderr(), `release approve: ${r.message}\n`);
            assert.equal(c.stdout(), "");
        });
    }

    it("GIVEN a service the stack does not have WHEN rollback THEN it is a usage error naming the stack's services, with no AWS call", async () => {
        const c = cli();
        assert.equal(await runCli(["rollback", "--stack", "live", "--service", "nope"], c.deps), EXIT.USAGE);
        assert.match(c.stderr(), /^release rollback: .*nope/);
    });
});

describe("release pause: how long a stack's deployments wait for approval", () => {
    it("GIVEN the fixture stacks, which set no pause THEN each prints 0", async () => {
        for (const stack of ["alpha", "live"]) {
            const c = cli();
            assert.equal(await runCli(["pause", "--stack", stack], c.deps), EXIT.OK);
            assert.equal(c.stdout(), "0\n");
        }
    });
    it("GIVEN a stack with approvalTimeoutMinutes 30 THEN it prints 30; GIVEN a value that is not minutes THEN it fails naming the key", async () => {
        const withPause = (value: string) => cli(undefined, undefined, (stack) => ({ ...releaseConfig(stack), "shipyard:approvalTimeoutMinutes": value }));
        const paused = withPause("30");
        assert.equal(await runCli(["pause", "--stack", "live"], paused.deps), EXIT.OK);
        assert.equal(paused.stdout(), "30\n");
        const bad = withPause("half an hour");
        assert.equal(await runCli(["pause", "--stack", "live"], bad.deps), EXIT.FAILED);
        assert.equal(bad.stderr(), 'release pause: stack "live": key shipyard:approvalTimeoutMinutes = half an hour is not a whole number of minutes\n');
    });
});

// ---- run-job: a scheduled job's run, now ----

describe("release run-job: a run of a scheduled job started now, without waiting for it", () => {
    const MACHINE = "arn:aws:states:eu-west-1:123456789012:stateMachine:demo-beta-nightly-report";
    const EXECUTION = "arn:aws:states:eu-west-1:123456789012:execution:demo-beta-nightly-report:manual-1970-01-01T00-16-40-000Z";
    /** An `aws` that starts executions as `aws stepfunctions start-execution --output json` prints them, and records every call. */
    function fakeStates() {
        const calls: string[][] = [];
        const run: Runner = async (command, args) => {
            calls.push([command, ...args]);
            if (args[0] !== "stepfunctions" || args[1] !== "start-execution") throw new Error(`unexpected aws call: ${args.join(" ")}`);
            return { code: 0, stdout: JSON.stringify({ executionArn: EXECUTION, startDate: "2026-12-04T05:00:00.000000+00:00" }), stderr: "" };
        };
        return { run, calls };
    }
    const fixtureConfig = (stack: string) => stackConfig(stack, {}, MAIN, FIXTURES).values;
    const fixtureCli = (run: Runner) => {
        const c = cli(run, undefined, fixtureConfig);
        return { ...c, deps: { ...c.deps, stacks: () => committedStacks(MAIN, FIXTURES) } };
    };

    it("GIVEN beta's nightly-report WHEN run-job THEN one start-execution of its state machine, and its execution's ARN on stdout", async () => {
        const aws = fakeStates();
        const c = fixtureCli(aws.run);
        assert.equal(await runCli(["run-job", "--stack", "beta", "--job", "nightly-report"], c.deps), EXIT.OK);
        assert.deepEqual(aws.calls, [
            [
                "aws",
                "stepfunctions",
                "start-execution",
                "--state-machine-arn",
                MACHINE,
                "--name",
                "manual-1970-01-01T00-16-40-000Z",
                "--input",
                "{}",
                "--region",
                "eu-west-1",
                "--output",
                "json",
            ],
        ]);
        assert.equal(c.stdout(), `${EXECUTION}\n`);
    });

    it("refuses a service that is not a job, and a name the stack does not have, before any AWS call", async () => {
        for (const [job, said] of [
            ["mailer", 'mailer in stack "beta" is expose: worker, not a job; its jobs (expose: job) are nightly-report'],
            ["nightly", 'stack "beta" has no service "nightly"; its jobs (expose: job) are nightly-report'],
        ]) {
            const c = fixtureCli(async () => assert.fail("no AWS call expected"));
            assert.equal(await runCli(["run-job", "--stack", "beta", "--job", job], c.deps), EXIT.USAGE);
            assert.ok(c.stderr().startsWith(`release run-job: ${said}\n`), c.stderr());
        }
    });

    it("fails with the AWS error when Step Functions refuses the start", async () => {
        const run: Runner = async () => ({
            code: 254,
            stdout: "",
            stderr: "An error occurred (StateMachineDoesNotExist) when calling the StartExecution operation: State Machine Does Not Exist",
        });
        const c = fixtureCli(run);
        assert.equal(await runCli(["run-job", "--stack", "beta", "--job", "nightly-report"], c.deps), EXIT.FAILED);
        assert.match(c.stderr(), /StateMachineDoesNotExist/);
    });

    it("GIVEN stack outputs with a job WHEN verify-rollout THEN the job's image is checked, it is not waited for, and stderr says so", async () => {
        const WEB = `${IMAGE}@${DIGEST}`;
        const JOB = `${REGISTRY}/demo-nightly-report@${DIGEST}`;
        const outputs = {
            clusterName: "demo-alpha",
            services: { web: { image: WEB, clusterName: "demo-alpha", serviceName: "demo-alpha-web", exposure: "http" } },
            jobs: { "nightly-report": { image: JOB, stateMachineArn: MACHINE, schedule: "@daily" } },
            region: "eu-west-1",
        };
        const files = (p: string) => (p === "outputs.json" ? JSON.stringify(outputs) : assert.fail(`unexpected read of ${p}`));
        const aws = fakeEcs([snapshot(deployment())]);
        const c = cli(aws.run, files);
        assert.equal(
            await runCli(["verify-rollout", "--stack-outputs", "outputs.json", "--expect-images", JSON.stringify({ web: WEB, "nightly-report": JOB })], c.deps),
            EXIT.OK,
        );
        assert.equal(c.stdout().split("\n").length, 2, c.stdout());
        assert.ok(c.stdout().startsWith("web: succeeded"), c.stdout());
        assert.ok(c.stderr().includes("nightly-report: a scheduled job: no rollout to wait for; its next run uses the new task definition\n"));
        // Every call is about web's service; none names the job.
        assert.ok(aws.calls.length > 0);
        assert.deepEqual(
            aws.calls.filter((call) => call.args.join(" ").includes("nightly-report")),
            [],
        );
        const wrong = cli(fakeEcs([snapshot(deployment())]).run, files);
        assert.equal(
            await runCli(
                ["verify-rollout", "--stack-outputs", "outputs.json", "--expect-images", JSON.stringify({ web: WEB, "nightly-report": WEB })],
                wrong.deps,
            ),
            EXIT.FAILED,
        );
        assert.match(wrong.stderr(), /stack output services\.nightly-report\.image is .*demo-nightly-report.*, but this deploy set .*demo-web/);
    });
});
