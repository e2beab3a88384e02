/**
 * The components' own argument checks, which guard callers other than `index.ts` (the settings
 * loader catches these for stack files first).
 */
import * as assert from "assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ContainerServiceArgs, validateContainerServiceArgs } from "../components/containerService";
import { validateFargateTaskArgs } from "../components/fargateTask";
import { functionCode, functionHandler } from "../components/functionCode";
import { validateNetworkLoadBalancerArgs } from "../components/networkLoadBalancer";
import { validateLoadBalancedAppArgs } from "../components/loadBalancedApp";
import { runStack, StackRun } from "../offline/runStack";

const base: ContainerServiceArgs = {
    nameParts: ["demo", "gamma", "web"],
    region: "eu-west-1",
    cluster: { arn: "arn:cluster", name: "demo-gamma" },
    image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/demo-web@sha256:" + "a".repeat(64),
    cpu: 256,
    memory: 512,
    containerPort: 8080,
    environment: {},
    logRetentionDays: 7,
    vpcId: "vpc-1",
    subnetIds: ["subnet-a", "subnet-b"],
    minTasks: 1,
    maxTasks: 2,
    cpuArchitecture: "X86_64",
    assignPublicIp: false,
    deployment: { strategy: "rolling" },
    rollbackAlarms: { fiveXxPercent: 5, p99LatencyMs: 2000 },
    steadyStateTimeoutMinutes: 30,
    cpuTargetPercent: 60,
    memoryTargetPercent: 75,
    spot: false,
    healthCheckGracePeriodSeconds: 60,
    stopTimeoutSeconds: 30,
    tracing: false,
    tags: {},
};
const lb = {
    kind: "application" as const,
    targetGroupArn: "arn:tg",
    securityGroupId: "sg-lb",
    loadBalancerArnSuffix: "app/x/1",
    targetGroupArnSuffix: "targetgroup/x/1",
};
const listeners = {
    alternateTargetGroupArn: "arn:tg-alt",
    alternateTargetGroupArnSuffix: "targetgroup/x-alt/1",
    productionListenerRuleArn: "arn:rule-p",
    testListenerRuleArn: "arn:rule-t",
};

describe("ContainerService arguments", () => {
    it("GIVEN blue/green without a load balancer WHEN validated THEN it is rejected: such a service can only roll", () => {
        assert.throws(
            () => validateContainerServiceArgs({ ...base, deployment: { strategy: "blueGreen", bakeTimeMinutes: 5 } }),
            /deployment blueGreen needs a load balancer with blue\/green listeners \(loadBalancer.blueGreen\); a service without one can only roll/,
        );
    });
    it("GIVEN blue/green behind a load balancer without blue/green listeners WHEN validated THEN it is rejected the same way", () => {
        assert.throws(
            () => validateContainerServiceArgs({ ...base, loadBalancer: lb, deployment: { strategy: "blueGreen", bakeTimeMinutes: 5 } }),
            /needs a load balancer with blue\/green listeners/,
        );
    });
    it("GIVEN a bake time out of range WHEN validated THEN it is rejected with the range", () => {
        assert.throws(
            () =>
                validateContainerServiceArgs({
                    ...base,
                    loadBalancer: { ...lb, blueGreen: listeners },
                    deployment: { strategy: "blueGreen", bakeTimeMinutes: 1441 },
                }),
            /bakeTimeMinutes must be 0-1440, got 1441/,
        );
    });
    it("GIVEN blue/green with its listeners, or rolling without a load balancer WHEN validated THEN both are accepted", () => {
        assert.doesNotThrow(() =>
            validateContainerServiceArgs({ ...base, loadBalancer: { ...lb, blueGreen: listeners }, deployment: { strategy: "blueGreen", bakeTimeMinutes: 0 } }),
        );
        assert.doesNotThrow(() => validateContainerServiceArgs({ ...base, deployment: { strategy: "rolling" } }));
    });
});

describe("LoadBalancedApp arguments", () => {
    const web = { name: "web", targetPort: 8080, hosts: ["example.org"], paths: ["/*"], priority: 100 };
    const args = { nameParts: ["demo", "live"], vpcId: "vpc-1", subnetIds: ["a", "b"], certificateArn: "arn:cert", services: [web], tags: {} };
    for (const port of [80, 443, 0, 70000]) {
        it(`GIVEN a blue/green test listener on port ${port} WHEN validated THEN it is rejected`, () => {
            assert.throws(
                () => validateLoadBalancedAppArgs({ ...args, blueGreen: { testListenerPort: port, testListenerCidrs: [] } }),
                new RegExp(`testListenerPort must be 1-65535 and not 80 or 443, got ${port}`),
            );
        });
    }
    it("GIVEN two services on one rule priority WHEN validated THEN it is rejected", () => {
        assert.throws(
            () => validateLoadBalancedAppArgs({ ...args, services: [web, { ...web, name: "admin", hosts: ["admin.example.org"] }] }),
            /LoadBalancedApp: two services share a rule priority \(100, 100\)/,
        );
    });
    it("GIVEN a rule with more condition values than an ALB rule holds WHEN validated THEN it is rejected", () => {
        const hosts = ["a.example.org", "b.example.org", "c.example.org", "d.example.org"];
        assert.throws(
            () => validateLoadBalancedAppArgs({ ...args, services: [{ ...web, hosts }], originHeader: { name: "x-origin-verify", value: "s" } }),
            /LoadBalancedApp: web: a rule needs a path and holds at most 5 condition values, got 6/,
        );
    });
});

describe("NetworkLoadBalancer arguments", () => {
    const args = {
        nameParts: ["demo", "live", "api"] as [string, string, string],
        vpcId: "vpc-1",
        subnetIds: ["a", "b"],
        listeners: [{ port: 443, protocol: "TLS" as const }],
        certificateArn: "arn:cert",
        targetPort: 8080,
        healthCheck: { intervalSeconds: 10, healthyThreshold: 3, unhealthyThreshold: 3 },
        ingressCidrs: ["0.0.0.0/0"],
        ingressIpv6Cidrs: ["::/0"],
        deregistrationDelaySeconds: 30,
        tags: {},
    };
    it("GIVEN a TLS listener without a certificate WHEN validated THEN it is rejected", () => {
        assert.throws(
            () => validateNetworkLoadBalancerArgs({ ...args, certificateArn: undefined }),
            /NetworkLoadBalancer: api: a TLS listener needs certificateArn/,
        );
    });
    it("GIVEN two listeners on one port WHEN validated THEN it is rejected", () => {
        assert.throws(
            () => validateNetworkLoadBalancerArgs({ ...args, listeners: [...args.listeners, { port: 443, protocol: "TCP" as const }] }),
            /NetworkLoadBalancer: api: two listeners on one port \(443, 443\)/,
        );
    });
    it("GIVEN one listener WHEN validated THEN it is accepted", () => {
        assert.doesNotThrow(() => validateNetworkLoadBalancerArgs(args));
    });
});

describe("functionCode", () => {
    it("GIVEN the shared folder's name WHEN packaged THEN it is refused: lib holds shared code, not a function", () => {
        assert.throws(() => functionCode("lib"), /lib holds shared code, not a function/);
    });
    it("GIVEN a function that does not exist WHEN packaged THEN the error names its folder", () => {
        assert.throws(() => functionCode("noSuchFunction"), /no folder functions\/noSuchFunction/);
    });
    it("GIVEN smokeHook WHEN packaged THEN its handler path is <name>/handler.handler", () => {
        assert.equal(functionHandler("smokeHook"), "smokeHook/handler.handler");
    });
});

describe("the packaged functions, as Lambda loads them", () => {
    // Each package is written out as Lambda unpacks it and its handler module is required by plain
    // Node (no ts-node), with the AWS SDK resolvable as the nodejs22.x runtime provides it.
    const cases: [string, Record<string, string>][] = [
        [
            "alarmNotifier",
            {
                SLACK_WEBHOOK_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:demo/live/slack-webhook-AbCdEf",
                DEDUPE_TABLE: "demo-live-alarm-notified",
                APP_NAME: "demo",
                ENVIRONMENT: "live",
            },
        ],
        ["endpointCheck", { CHECK_TARGETS: '[{"name":"web","url":"https://example.org/health","expectStatus":200}]', ENVIRONMENT: "live" }],
        ["smokeHook", { SMOKE_BASE_URL: "http://internal.example:9080" }],
    ];
    for (const [name, env] of cases) {
        it(`GIVEN ${name}'s package unpacked WHEN plain Node loads ${functionHandler(name)} THEN it exports the handler function`, async () => {
            const archive = functionCode(name) as unknown as { assets: Promise<Record<string, { text: Promise<string> }>> };
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pkg-${name}-`));
            try {
                for (const [file, asset] of Object.entries(await archive.assets)) {
                    fs.mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
                    fs.writeFileSync(path.join(dir, file), await asset.text);
                }
                const [module, exported] = functionHandler(name).split(/\.(?=[^.]+$)/);
                const probe = `const m = require(${JSON.stringify(path.join(dir, module))}); process.stdout.write(typeof m[${JSON.stringify(exported)}]);`;
                const run = spawnSync(process.execPath, ["-e", probe], {
                    env: { PATH: process.env.PATH ?? "", NODE_PATH: path.join(__dirname, "..", "node_modules"), AWS_REGION: "eu-west-1", ...env },
                    encoding: "utf8",
                });
                assert.equal(run.status, 0, run.stderr);
                assert.equal(run.stdout, "function");
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    }
});

describe("FargateTask, under a component that is not a service (as a scheduled job runs it)", function () {
    const project = { dir: path.join(__dirname, "fixtures", "programs", "oneTask"), name: "one-task" };
    let run: StackRun;
    before(async () => {
        run = await runStack("t", { project, stackDir: project.dir, fresh: true });
        if (run.error) throw run.error;
    });

    it("registers exactly the task's resources, each a child of that component: no service, security group or scaling", () => {
        const types = run.graph.all.filter((r) => r.type !== "test:jobs:Job").map((r) => `${r.type} ${r.name} <- ${r.parent?.split("::").pop()}`);
        assert.deepEqual(types.sort(), [
            "aws:cloudwatch/logGroup:LogGroup report-logs <- report",
            "aws:ecs/taskDefinition:TaskDefinition report-task <- report",
            "aws:iam/role:Role report-execution <- report",
            "aws:iam/role:Role report-task <- report",
            "aws:iam/rolePolicy:RolePolicy report-execution <- report",
            "aws:ssm/parameter:Parameter report-secret-REPORT_TOKEN <- report",
        ]);
    });

    it("gives the task definition its size, architecture and roles, and the secret by valueFrom only", () => {
        const td = run.graph.one("aws:ecs/taskDefinition:TaskDefinition", {});
        assert.deepEqual(
            [td.inputs.family, td.inputs.cpu, td.inputs.memory, td.inputs.runtimePlatform],
            ["demo-alpha-report", "256", "512", { operatingSystemFamily: "LINUX", cpuArchitecture: "ARM64" }],
        );
        const roleArn = (name: string) => run.graph.one("aws:iam/role:Role", { name }).outputs.arn;
        assert.deepEqual([td.inputs.executionRoleArn, td.inputs.taskRoleArn], [roleArn("demo-alpha-report-execution"), roleArn("demo-alpha-report-task")]);
        assert.equal(typeof td.inputs.taskRoleArn, "string");
        const [container] = JSON.parse(String(td.inputs.containerDefinitions)) as { secrets: unknown[]; environment: unknown[] }[];
        assert.deepEqual(container.environment, [{ name: "LOG_LEVEL", value: "debug" }]);
        assert.deepEqual(container.secrets, [
            { name: "REPORT_TOKEN", valueFrom: "arn:aws:ssm:eu-west-1:123456789012:parameter/demo/alpha/report/REPORT_TOKEN" },
        ]);
        assert.ok(!String(td.inputs.containerDefinitions).includes("s3cr3t-value"));
    });

    it("GIVEN a size Fargate does not run WHEN constructed THEN the error names the component that asked", () => {
        assert.throws(
            () => validateFargateTaskArgs({ ...base, cpu: 256, memory: 4096 }, "Job"),
            /^Error: Job: cpu 256 with memory 4096 is not a Fargate task size$/,
        );
    });
});
