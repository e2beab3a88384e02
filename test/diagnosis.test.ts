/**
 * A failed rollout explains itself (issue 19, part 3) and `release status` (part 4), offline: an
 * `aws` that answers from the recorded response sets of test/fixtures/release/diagnosis/<case>/,
 * one per cause, built from the shapes of the ECS, Elastic Load Balancing, CloudWatch and
 * CloudWatch Logs API references and ECS's documented stopped-task messages.
 */
import * as assert from "assert/strict";
import * as fs from "fs";
import * as path from "path";
import { CliDeps, runCli } from "../release/cli";
import { EXIT } from "../release/errors";
import { Clock } from "../release/rollout";
import { Runner } from "../release/runner";
import { releaseConfig } from "../release/stackFiles";
import { redactSecretLooking } from "../stacks/validators";
import { committedStacks } from "../offline/stackConfig";
import { FIXTURES } from "./setup";

const CASES = path.join(FIXTURES, "release", "diagnosis");
const TOPIC = "arn:aws:sns:eu-west-1:123456789012:demo-alpha-alarms";
const COMMON = ["--region", "eu-west-1", "--output", "json"];

interface Recorded {
    readonly args: readonly string[];
    readonly stdout?: unknown;
    readonly exitCode?: number;
    readonly stderr?: string;
}

const recorded = (name: string): Recorded[] => (JSON.parse(fs.readFileSync(path.join(CASES, name, "aws.json"), "utf8")) as { calls: Recorded[] }).calls;

/**
 * An `aws` that answers each call with the recorded response of the same command and arguments
 * (the region and output flags aside), records every call, and acknowledges `sns publish`.
 * `replace` swaps recorded answers (a failure instead of a response).
 */
function fakeAws(calls: readonly Recorded[], replace: readonly Recorded[] = []) {
    const seen: string[][] = [];
    const published: { topic: string; subject: string; message: Record<string, unknown> }[] = [];
    const key = (args: readonly string[]) => JSON.stringify(args);
    const answers = new Map<string, Recorded>([...calls, ...replace].map((c) => [key(c.args), c]));
    const run: Runner = async (command, args) => {
        seen.push([command, ...args]);
        assert.equal(command, "aws");
        assert.deepEqual(args.slice(-4), COMMON, `every call names the region and asks for JSON: ${args.join(" ")}`);
        const own = args.slice(0, -4);
        if (own[0] === "sns" && own[1] === "publish") {
            const at = (flag: string) => own[own.indexOf(flag) + 1];
            published.push({ topic: at("--topic-arn"), subject: at("--subject"), message: JSON.parse(at("--message")) as Record<string, unknown> });
            return { code: 0, stdout: JSON.stringify({ MessageId: "95df01b4-ee98-5cb9-9903-4c221d41eb5e" }), stderr: "" };
        }
        const answer = answers.get(key(own));
        if (!answer) throw new Error(`no recorded answer for: aws ${own.join(" ")}`);
        if (answer.exitCode) return { code: answer.exitCode, stdout: "", stderr: answer.stderr ?? "" };
        return { code: 0, stdout: JSON.stringify(answer.stdout), stderr: "" };
    };
    return { run, seen, published, commands: () => seen.map((c) => `${c[1]} ${c[2]}`) };
}

/** 2026-12-04T08:12:00Z, two minutes after the canary fixture's last update. */
const NOW = Date.parse("2026-12-04T08:12:00Z");

function fakeClock(): Clock {
    let t = NOW;
    return { now: () => t, sleep: async (ms) => void (t += ms) };
}

function cli(run: Runner, files: Record<string, unknown> = {}, config: CliDeps["config"] = releaseConfig) {
    const out: string[] = [];
    const err: string[] = [];
    const deps: CliDeps = {
        stacks: committedStacks,
        config,
        readFile: (p) => (p in files ? JSON.stringify(files[p]) : assert.fail(`unexpected read of ${p}`)),
        run,
        clock: fakeClock(),
        out: (t) => out.push(t),
        err: (t) => err.push(t),
    };
    return { deps, stdout: () => out.join(""), stderr: () => err.join("") };
}

/** `pulumi stack output --json` of the fixture alpha, with only web (the fixtures record web). */
const WEB_IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/demo-web@sha256:6b0c8e3a7f2d4c1e9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f";
const outputs = {
    environment: "alpha",
    region: "eu-west-1",
    alarmTopicArn: TOPIC,
    services: { web: { image: WEB_IMAGE, clusterName: "demo-alpha", serviceName: "demo-alpha-web", exposure: "http" } },
};
const verifyArgs = ["verify-rollout", "--stack-outputs", "outputs.json", "--timeout-seconds", "60", "--interval-seconds", "15"];

async function verifyCase(name: string, replace: readonly Recorded[] = []) {
    const aws = fakeAws(recorded(name), replace);
    const c = cli(aws.run, { "outputs.json": outputs });
    const code = await runCli(verifyArgs, c.deps);
    const lines = c.stdout().split("\n");
    return { aws, c, code, lines, diagnosis: lines.find((l) => l.startsWith("web: diagnosis: ")) };
}

describe("release verify-rollout: a failed rollout explains itself", () => {
    // Each expected line is written from the fixture's story (its "about"), not from the tool's output.
    const cases: { name: string; exit: number; causes: string[]; diagnosis: string }[] = [
        {
            name: "image-not-found",
            exit: EXIT.ROLLED_BACK,
            causes: ["image-pull"],
            diagnosis:
                "web: diagnosis: the image demo-web@sha256:6b0c8e3a7f2d could not be pulled: not found: its repository has no image with that digest or tag (3 of 3 stopped tasks of the release)",
        },
        {
            name: "image-no-permission",
            exit: EXIT.ROLLED_BACK,
            causes: ["image-pull"],
            diagnosis:
                "web: diagnosis: the image demo-web@sha256:6b0c8e3a7f2d could not be pulled: no permission: the task execution role may not pull it (ecr:GetAuthorizationToken, ecr:BatchGetImage, ecr:GetDownloadUrlForLayer) (3 of 3 stopped tasks of the release)",
        },
        {
            name: "image-no-route",
            exit: EXIT.ROLLED_BACK,
            causes: ["image-pull"],
            diagnosis:
                "web: diagnosis: the image demo-web@sha256:6b0c8e3a7f2d could not be pulled: no route to ECR from the task's subnets (a NAT gateway, or the ecr.api, ecr.dkr and S3 gateway VPC endpoints) (3 of 3 stopped tasks of the release)",
        },
        {
            name: "secret",
            exit: EXIT.ROLLED_BACK,
            causes: ["secret"],
            diagnosis:
                "web: diagnosis: the secret STRIPE_API_KEY (arn:aws:ssm:eu-west-1:123456789012:parameter/demo/alpha/web/STRIPE_API_KEY) could not be read: it does not exist (3 of 3 stopped tasks of the release)",
        },
        {
            name: "container-exited",
            exit: EXIT.ROLLED_BACK,
            causes: ["container-exited"],
            diagnosis: "web: diagnosis: container web exited with code 1 (3 of 3 stopped tasks of the release)",
        },
        {
            name: "out-of-memory",
            exit: EXIT.ROLLED_BACK,
            causes: ["container-exited"],
            diagnosis:
                "web: diagnosis: container web ran out of memory and was killed (exit code 137, OutOfMemoryError; the task has 512 MiB) (3 of 3 stopped tasks of the release)",
        },
        {
            name: "container-health-check",
            exit: EXIT.ROLLED_BACK,
            causes: ["container-health-check"],
            diagnosis: "web: diagnosis: the tasks failed the container health check (CMD node dist/healthcheck.js) (3 of 3 stopped tasks of the release)",
        },
        {
            name: "target-health-check",
            exit: EXIT.ROLLED_BACK,
            causes: ["target-health-check"],
            diagnosis:
                "web: diagnosis: the tasks failed the load balancer's health check: GET /health answered 404 (expected 200-299) (3 of 3 stopped tasks of the release)",
        },
        {
            name: "spot-capacity",
            exit: EXIT.FAILED,
            causes: ["capacity"],
            diagnosis: "web: diagnosis: no capacity: Fargate (Spot) had no capacity to start the release's tasks",
        },
        {
            name: "deployment-alarm",
            exit: EXIT.ROLLED_BACK,
            causes: ["deployment-alarm"],
            diagnosis: "web: diagnosis: deployment alarm demo-alpha-web-deploy-5xx went to ALARM",
        },
        {
            name: "two-causes",
            exit: EXIT.ROLLED_BACK,
            causes: ["container-exited", "target-health-check"],
            diagnosis:
                "web: diagnosis: 2 causes: (1) container web ran out of memory and was killed (exit code 137, OutOfMemoryError; the task has 512 MiB) (2 of 4 stopped tasks of the release); (2) the tasks failed the load balancer's health check: GET /health timed out after 5 s (2 of 4 stopped tasks of the release)",
        },
    ];

    it("GIVEN the fixtures THEN every cause has one, and every fixture folder is a case here or the healthy or in-progress one", () => {
        assert.deepEqual(fs.readdirSync(CASES).sort(), [...cases.map((c) => c.name), "healthy", "canary-in-progress"].sort());
    });

    for (const c of cases) {
        it(`GIVEN ${c.name} WHEN verify-rollout THEN it exits ${c.exit}, the line after the result names the cause, and the same diagnosis goes to the alarm topic`, async () => {
            const r = await verifyCase(c.name);
            assert.equal(r.code, c.exit);
            assert.match(r.lines[0], c.exit === EXIT.ROLLED_BACK ? /^web: rolled-back: / : /^web: failed: timed out after 60 s/);
            assert.equal(r.lines[1], c.diagnosis);
            assert.equal(r.aws.published.length, 1);
            const [sent] = r.aws.published;
            assert.equal(sent.topic, TOPIC);
            assert.equal(sent.subject, `alpha web: deployment ${c.exit === EXIT.ROLLED_BACK ? "rolled-back" : "failed"}: ${c.causes.join(", ")}`);
            assert.deepEqual(
                {
                    kind: sent.message.kind,
                    environment: sent.message.environment,
                    service: sent.message.service,
                    ecsService: sent.message.ecsService,
                    causes: sent.message.causes,
                },
                { kind: "shipyard.deployment-diagnosis", environment: "alpha", service: "web", ecsService: "demo-alpha-web", causes: c.causes },
            );
            assert.equal(sent.message.headline, c.diagnosis.slice("web: diagnosis: ".length));
            assert.equal(sent.message.text, r.lines.slice(1).join("\n"));
            assert.equal(r.c.stderr().split("\n").at(-2), `web: diagnosis published to ${TOPIC} (message 95df01b4-ee98-5cb9-9903-4c221d41eb5e)`);
        });
    }

    it("GIVEN a healthy rollout THEN it exits 0 with the one result line: no diagnosis, nothing read beyond the deployment, nothing published", async () => {
        const r = await verifyCase("healthy");
        assert.equal(r.code, EXIT.OK);
        assert.equal(
            r.c.stdout(),
            "web: succeeded: deployment NCWGC2ZR-taawPAYrIaU5 (ROLLING) of demo-alpha-web:42 (demo-web@sha256:6b0c8e3a7f2d) completed: 2/2 tasks running\n",
        );
        assert.deepEqual(r.aws.commands(), ["ecs describe-services", "ecs describe-service-deployments", "ecs describe-service-revisions"]);
        assert.equal(r.aws.published.length, 0);
    });

    it("GIVEN a rollback WHEN it explains THEN it reads the documented sources once each, in order, only the release's stopped tasks, and publishes last", async () => {
        const r = await verifyCase("deployment-alarm");
        assert.deepEqual(r.aws.commands().slice(3), [
            "ecs describe-services",
            "ecs describe-service-deployments",
            "ecs describe-service-revisions",
            "ecs describe-task-definition",
            "ecs list-tasks",
            "ecs describe-tasks",
            "elbv2 describe-target-groups",
            "elbv2 describe-target-health",
            "cloudwatch describe-alarms",
            "logs get-log-events",
            "logs get-log-events",
            "sns publish",
        ]);
        assert.deepEqual(
            r.aws.seen.filter((c) => c[2] === "describe-alarms" || c[2] === "list-tasks").map((c) => c.slice(1, -4)),
            [
                ["ecs", "list-tasks", "--cluster", "demo-alpha", "--service-name", "demo-alpha-web", "--desired-status", "STOPPED"],
                ["cloudwatch", "describe-alarms", "--alarm-names", "demo-alpha-web-deploy-5xx"],
            ],
        );
        // The old revision's task, stopped when an earlier deployment scaled in, is no evidence.
        assert.equal(r.c.stdout().includes("8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b"), false);
    });

    it("GIVEN a deployment alarm THEN the evidence gives the alarm's state reason and the last log lines of the tasks ECS stopped", async () => {
        const r = await verifyCase("deployment-alarm");
        const text = r.c.stdout();
        assert.ok(
            text.includes(
                "    alarm demo-alpha-web-deploy-5xx: ALARM since 2026-12-04T08:09:10.662000+00:00: Threshold Crossed: 2 out of the last 3 datapoints [23.076923076923077 (04/12/26 08:08:00), 18.181818181818183 (04/12/26 08:07:00)] were greater than the threshold (5.0) (minimum 2 datapoints for OK -> ALARM transition).\n",
            ),
        );
        assert.equal(text.split("\n").filter((l) => l.includes("TypeError: Cannot read properties of undefined (reading 'currency')")).length, 4);
    });

    it("GIVEN a container that exited THEN the evidence shows each stopped task (newest first) and the last lines of the two newest tasks' logs", async () => {
        const r = await verifyCase("container-exited");
        const tasks = r.lines.filter((l) => l.startsWith("    task "));
        assert.deepEqual(
            tasks.map((l) => l.split(" ")[5]),
            ["c0ffee1234567890abcdef1234567890", "b7c6d5e4f3a2019283746556473829a1", "a1b2c3d4e5f60718293a4b5c6d7e8f90"],
        );
        assert.equal(
            tasks[0],
            "    task c0ffee1234567890abcdef1234567890 stopped at 2026-12-04T08:07:32.118000+00:00 (EssentialContainerExited): Essential container in task exited; container web: exit code 1",
        );
        assert.deepEqual(
            r.lines.filter((l) => l.startsWith("    last lines of ")),
            ["    last lines of web/web/c0ffee1234567890abcdef1234567890:", "    last lines of web/web/b7c6d5e4f3a2019283746556473829a1:"],
        );
        assert.equal(r.lines.filter((l) => l === "        Error: configuration invalid: DATABASE_URL is required").length, 2);
    });

    it("GIVEN a log line with a database URL's password and an API key THEN the diagnosis quotes it with both redacted", async () => {
        const r = await verifyCase("container-exited");
        const quoted = r.lines.filter((l) => l.includes('"msg":"legacy fallback"'));
        assert.equal(quoted.length, 2);
        assert.equal(
            quoted[0],
            '        {"level":"warn","time":"2026-12-04T08:05:16.419Z","msg":"legacy fallback","url":"postgres://app:[redacted]@db.internal:5432/app","stripeApiKey":"[redacted]","service":"web"}',
        );
        for (const text of [r.c.stdout(), JSON.stringify(r.aws.published)]) {
            assert.equal(text.includes("hunter2-Kx9"), false);
            assert.equal(text.includes("sk_live_51HxQ2Lm"), false);
        }
    });

    it("GIVEN the target group still checks a new target THEN the evidence gives its reason code and description", async () => {
        const r = await verifyCase("target-health-check");
        assert.ok(
            r.lines.includes(
                "    target group demo-alpha-web (HTTP /health, success codes 200-299): target 10.0.12.88:3000 unhealthy, Target.ResponseCodeMismatch: Health checks failed with these codes: [404]",
            ),
        );
    });

    it("GIVEN a log stream that was never written THEN the diagnosis says what it could not read and names the cause all the same", async () => {
        const missing = {
            args: [
                "logs",
                "get-log-events",
                "--log-group-name",
                "/ecs/demo/alpha/web",
                "--log-stream-name",
                "web/web/c0ffee1234567890abcdef1234567890",
                "--limit",
                "10",
            ],
            exitCode: 254,
            stderr: "\nAn error occurred (ResourceNotFoundException) when calling the GetLogEvents operation: The specified log stream does not exist.\n",
        };
        const r = await verifyCase("out-of-memory", [missing]);
        assert.equal(r.lines[1].startsWith("web: diagnosis: container web ran out of memory"), true);
        assert.ok(r.lines.includes("  could not read the log stream /ecs/demo/alpha/web web/web/c0ffee1234567890abcdef1234567890: ResourceNotFoundException"));
        assert.equal(r.aws.published.length, 1);
    });

    it("GIVEN the topic refuses the message THEN the rollout's exit code stands and stderr says the diagnosis was not published", async () => {
        const aws = fakeAws(recorded("secret"));
        const refusing: Runner = async (command, args) =>
            args[0] === "sns"
                ? {
                      code: 254,
                      stdout: "",
                      stderr: "\nAn error occurred (AuthorizationError) when calling the Publish operation: not authorized to perform SNS:Publish\n",
                  }
                : aws.run(command, args);
        const c = cli(refusing, { "outputs.json": outputs });
        assert.equal(await runCli(verifyArgs, c.deps), EXIT.ROLLED_BACK);
        assert.match(c.stdout(), /\nweb: diagnosis: the secret STRIPE_API_KEY/);
        assert.match(
            c.stderr(),
            /web: the diagnosis could not be published to arn:aws:sns:eu-west-1:123456789012:demo-alpha-alarms: aws sns publish failed \(exit 254\)/,
        );
    });

    it("GIVEN outputs without an alarm topic THEN the diagnosis is printed and nothing is published", async () => {
        const aws = fakeAws(recorded("image-not-found"));
        const c = cli(aws.run, { "outputs.json": { ...outputs, alarmTopicArn: undefined } });
        assert.equal(await runCli(verifyArgs, c.deps), EXIT.ROLLED_BACK);
        assert.match(c.stdout(), /\nweb: diagnosis: the image demo-web@sha256:6b0c8e3a7f2d could not be pulled: not found/);
        assert.equal(aws.published.length, 0);
    });

    /** verify-rollout of web's release named by flags, as one service. */
    const byFlags = [
        "verify-rollout",
        "--cluster",
        "demo-alpha",
        "--service",
        "demo-alpha-web",
        "--task-definition",
        "arn:aws:ecs:eu-west-1:123456789012:task-definition/demo-alpha-web:42",
    ];

    it("GIVEN --alarm-topic-arn that is not an SNS topic ARN THEN it exits 2 before asking ECS", async () => {
        const aws = fakeAws([]);
        const c = cli(aws.run);
        assert.equal(await runCli([...byFlags, "--alarm-topic-arn", "demo-alpha-alarms"], c.deps), EXIT.USAGE);
        assert.equal(
            c.stderr().split("\n")[0],
            'release verify-rollout: --alarm-topic-arn "demo-alpha-alarms" is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)',
        );
        assert.equal(aws.seen.length, 0);
    });

    it("GIVEN one service named by flags with --alarm-topic-arn THEN its diagnosis goes to that topic", async () => {
        const aws = fakeAws(recorded("secret"));
        const c = cli(aws.run);
        assert.equal(await runCli([...byFlags, "--region", "eu-west-1", "--alarm-topic-arn", TOPIC], c.deps), EXIT.ROLLED_BACK);
        assert.match(c.stdout(), /\ndemo-alpha-web: diagnosis: the secret STRIPE_API_KEY/);
        assert.deepEqual(
            aws.published.map((p) => [p.topic, p.message.service]),
            [[TOPIC, "demo-alpha-web"]],
        );
    });
});

describe("release status: what each service of a stack runs and is doing", () => {
    /** alpha runs web and api: web answers from the case's fixture, api from the healthy one's. */
    function status(name: string) {
        const api = recorded("healthy").filter((x) => x.args.some((a) => a.includes("demo-alpha-api")));
        const aws = fakeAws([...recorded(name), ...api]);
        return { aws, c: cli(aws.run) };
    }
    const API =
        "api (demo-alpha-api): 1/1 tasks running\n" +
        "  runs demo-alpha-api:7, demo-api@sha256:3f9a1c7e5b2d: 1 task\n" +
        "  no deployment in progress\n" +
        "  last deployment Xr4Tq8Lm2Vn6Bc1Zk9Hd: SUCCESSFUL at 2026-12-03T17:20:44.190000+00:00, demo-alpha-api:7, demo-api@sha256:3f9a1c7e5b2d\n";

    it("GIVEN a canary at its first step WHEN status --stack alpha THEN web shows both revisions, the strategy, the step, the traffic on the new revision and the interval left; api its own state", async () => {
        const { c } = status("canary-in-progress");
        assert.equal(await runCli(["status", "--stack", "alpha"], c.deps), EXIT.OK);
        assert.equal(
            c.stdout(),
            "web (demo-alpha-web): 4/2 tasks running\n" +
                "  runs demo-alpha-web:41, demo-web@sha256:0c1d2e3f4a5b: 2 tasks\n" +
                "  runs demo-alpha-web:42, demo-web@sha256:6b0c8e3a7f2d: 2 tasks\n" +
                "  deploying NCWGC2ZR-taawPAYrIaU5: CANARY of demo-alpha-web:42, demo-web@sha256:6b0c8e3a7f2d, IN_PROGRESS at PRODUCTION_TRAFFIC_SHIFT, step 1 of 2, 10% of production traffic on the new revision, 2/2 new tasks running, canary interval left about 3 min of 5\n" +
                "  last deployment Jh7Qm2kXw9LpRt4Vb8Zc: SUCCESSFUL at 2026-12-01T15:49:02.815000+00:00, demo-alpha-web:41, demo-web@sha256:0c1d2e3f4a5b\n" +
                API,
        );
    });

    it("GIVEN a healthy rollout THEN web runs the new revision with nothing in progress, its last deployment SUCCESSFUL", async () => {
        const { c } = status("healthy");
        assert.equal(await runCli(["status", "--stack", "alpha"], c.deps), EXIT.OK);
        assert.equal(
            c.stdout(),
            "web (demo-alpha-web): 2/2 tasks running\n" +
                "  runs demo-alpha-web:42, demo-web@sha256:6b0c8e3a7f2d: 2 tasks\n" +
                "  no deployment in progress\n" +
                "  last deployment NCWGC2ZR-taawPAYrIaU5: SUCCESSFUL at 2026-12-04T08:10:41.220000+00:00, demo-alpha-web:42, demo-web@sha256:6b0c8e3a7f2d\n" +
                API,
        );
    });

    const rolledBackReason = (reason: string) =>
        `  last deployment NCWGC2ZR-taawPAYrIaU5: ROLLBACK_SUCCESSFUL at 2026-12-04T08:10:41.220000+00:00, demo-alpha-web:42, demo-web@sha256:6b0c8e3a7f2d: ${reason}`;
    const circuitBreaker = rolledBackReason("Service deployment rolled back because the circuit breaker threshold was exceeded.");
    const lastLines: Record<string, string> = {
        "image-not-found": circuitBreaker,
        "image-no-permission": circuitBreaker,
        "image-no-route": circuitBreaker,
        secret: circuitBreaker,
        "container-exited": circuitBreaker,
        "out-of-memory": circuitBreaker,
        "container-health-check": circuitBreaker,
        "target-health-check": circuitBreaker,
        "two-causes": circuitBreaker,
        "deployment-alarm": rolledBackReason("Service deployment rolled back because of a CloudWatch alarm."),
    };
    for (const [name, last] of Object.entries(lastLines)) {
        it(`GIVEN ${name} THEN web runs the previous revision again and its last deployment is the rollback, with ECS's reason`, async () => {
            const { c } = status(name);
            assert.equal(await runCli(["status", "--stack", "alpha"], c.deps), EXIT.OK);
            const web = c.stdout().split("\n").slice(0, 4);
            assert.deepEqual(web, [
                "web (demo-alpha-web): 2/2 tasks running",
                "  runs demo-alpha-web:41, demo-web@sha256:0c1d2e3f4a5b: 2 tasks",
                "  no deployment in progress",
                last,
            ]);
        });
    }

    it("GIVEN a deployment that cannot place its tasks THEN the new revision shows 0 tasks and the deployment stays at SCALE_UP", async () => {
        const { c } = status("spot-capacity");
        assert.equal(await runCli(["status", "--stack", "alpha"], c.deps), EXIT.OK);
        assert.deepEqual(c.stdout().split("\n").slice(0, 4), [
            "web (demo-alpha-web): 2/2 tasks running",
            "  runs demo-alpha-web:41, demo-web@sha256:0c1d2e3f4a5b: 2 tasks",
            "  runs demo-alpha-web:42, demo-web@sha256:6b0c8e3a7f2d: 0 tasks",
            "  deploying NCWGC2ZR-taawPAYrIaU5: ROLLING of demo-alpha-web:42, demo-web@sha256:6b0c8e3a7f2d, IN_PROGRESS at SCALE_UP, 0/2 new tasks running",
        ]);
    });

    it("GIVEN an ECS error for one service THEN the others are printed and the command exits 1 naming it", async () => {
        const api = {
            args: ["ecs", "describe-services", "--cluster", "demo-alpha", "--services", "demo-alpha-api"],
            exitCode: 254,
            stderr: "\nAn error occurred (AccessDeniedException) when calling the DescribeServices operation: User is not authorized\n",
        };
        const aws = fakeAws(recorded("healthy"), [api]);
        const c = cli(aws.run);
        assert.equal(await runCli(["status", "--stack", "alpha"], c.deps), EXIT.FAILED);
        assert.match(c.stdout(), /^web \(demo-alpha-web\): 2\/2 tasks running\n/);
        assert.match(c.stdout(), /\napi \(demo-alpha-api\): unknown: aws ecs describe-services failed \(exit 254\)/);
        assert.match(c.stderr(), /^release status: the status of 1 service\(s\) could not be read: api: /);
    });

    it("GIVEN an unknown stack THEN status is a usage error naming the stacks there are, with no AWS call", async () => {
        const aws = fakeAws([]);
        const c = cli(aws.run);
        assert.equal(await runCli(["status", "--stack", "nope"], c.deps), EXIT.USAGE);
        assert.match(c.stderr(), /^release status: unknown stack "nope": there is no Pulumi.nope.yaml; known stacks: /);
        assert.equal(aws.seen.length, 0);
    });
});

describe("redactSecretLooking: what the diagnosis never quotes from a log line", () => {
    const cases: [string, string][] = [
        ["key AKIAIOSFODNN7EXAMPLE in use", "key [redacted] in use"],
        ["redis://default:s3cr3t@cache.internal:6379", "redis://default:[redacted]@cache.internal:6379"],
        ['{"password": "hunter2", "user": "app"}', '{"password": "[redacted]", "user": "app"}'],
        ['{"sessionToken":"abc\\"def","ok":true}', '{"sessionToken":"[redacted]","ok":true}'],
        ["GET /callback?code=1&api_key=abc123 200", "GET /callback?code=1&api_key=[redacted] 200"],
        ["DB_PASSWORD=hunter2 starting", "DB_PASSWORD=[redacted] starting"],
        ['{"msg":"listening","port":3000}', '{"msg":"listening","port":3000}'],
        ["https://example.org/health 200", "https://example.org/health 200"],
    ];
    for (const [line, redacted] of cases) {
        it(`${JSON.stringify(line)} -> ${JSON.stringify(redacted)}`, () => assert.equal(redactSecretLooking(line), redacted));
    }
});
