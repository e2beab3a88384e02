/**
 * The offline cost estimate: the price tables, the pricing of each resource type on small
 * hand-made resource lists (expected costs computed here from the table's own prices), then the
 * four committed stacks run under the mock runtime and compared with CDK's defaults.
 */
import * as assert from "assert/strict";
import {
    availableRegions,
    cdkDefaultBaseline,
    CONTAINER_INSIGHTS_METRICS,
    CostEstimate,
    CostResource,
    estimateCost,
    formatCostTable,
    loadPriceTable,
    PRICE_KEYS,
    rateMinutes,
    splitTasks,
    taskFamilyOf,
    validatePriceTable,
} from "../cost/estimate";
import { runStack } from "./harness/runStack";
import { stackConfig, stackServices } from "./harness/stackConfig";

const REGION = "eu-west-1";
const TABLE = loadPriceTable(REGION);
const P = TABLE.prices;
const H = TABLE.hoursPerMonth;
const EPSILON = 1e-9;

const T = {
    nat: "aws:ec2/natGateway:NatGateway",
    eip: "aws:ec2/eip:Eip",
    lb: "aws:lb/loadBalancer:LoadBalancer",
    cluster: "aws:ecs/cluster:Cluster",
    service: "aws:ecs/service:Service",
    taskDef: "aws:ecs/taskDefinition:TaskDefinition",
    alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    dashboard: "aws:cloudwatch/dashboard:Dashboard",
};

function near(actual: number, expected: number, what = "cost"): void {
    assert.ok(Math.abs(actual - expected) < EPSILON, `${what}: expected ${expected}, got ${actual}`);
}

function estimate(resources: CostResource[]): CostEstimate {
    return estimateCost(resources, { region: REGION, prices: TABLE });
}

function res(type: string, name: string, inputs: Record<string, unknown> = {}): CostResource {
    return { type, name, inputs };
}

/** A task definition and a service running it, as the program records them. */
function fargate(opts: {
    name?: string;
    cpu: number;
    memory: number;
    desired: number;
    capacity?: string;
    arch?: "X86_64" | "ARM64";
    publicIp?: boolean;
}): CostResource[] {
    const family = `demo-${opts.name ?? "web"}`;
    return [
        res(T.taskDef, `${family}-task`, {
            family,
            cpu: String(opts.cpu),
            memory: String(opts.memory),
            runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: opts.arch ?? "X86_64" },
        }),
        res(T.service, `${family}-service`, {
            desiredCount: opts.desired,
            taskDefinition: `arn:aws:ecs:${REGION}:123456789012:task-definition/${family}:1`,
            capacityProviderStrategies: [{ capacityProvider: opts.capacity ?? "FARGATE", weight: 1, base: 0 }],
            networkConfiguration: { assignPublicIp: opts.publicIp ?? false, subnets: ["a", "b"] },
        }),
    ];
}

describe("cost estimate", () => {
    describe("price tables", () => {
        for (const region of ["eu-west-1", "us-east-1"]) {
            it(`${region}: dated, sourced, in USD, with every price the estimate reads`, () => {
                const t = loadPriceTable(region);
                assert.equal(t.region, region);
                assert.equal(t.currency, "USD");
                assert.match(t.retrieved, /^\d{4}-\d{2}-\d{2}$/);
                assert.ok(t.sources.length >= 5);
                assert.equal(t.hoursPerMonth, 730);
                for (const k of PRICE_KEYS) assert.equal(typeof t.prices[k], "number", k);
                assert.equal(t.prices.publicIpv4Hour, 0.005);
                assert.equal(t.prices.ssmParameterStandardMonth, 0);
            });
            it(`${region}: has a note for every price, calling Spot typical and the derived ARM Spot figure unconfirmed`, () => {
                const notes = loadPriceTable(region).notes ?? {};
                assert.deepEqual(
                    PRICE_KEYS.filter((k) => !notes[k]),
                    [],
                );
                assert.match(notes.fargateSpotX86VcpuHour ?? "", /typical/i);
                assert.match(notes.fargateSpotArmVcpuHour ?? "", /unconfirmed/i);
            });
        }
        it("prices Spot below on-demand and ARM below x86", () => {
            assert.ok(P.fargateSpotX86VcpuHour < P.fargateX86VcpuHour && P.fargateSpotX86GbHour < P.fargateX86GbHour);
            assert.ok(P.fargateArmVcpuHour < P.fargateX86VcpuHour && P.fargateArmGbHour < P.fargateX86GbHour);
        });
        it("refuses a region without a table and names the regions that have one", () => {
            assert.deepEqual(availableRegions(), ["eu-west-1", "us-east-1"]);
            assert.throws(() => loadPriceTable("ap-south-2"), /no price table for region "ap-south-2".*eu-west-1, us-east-1/);
            assert.throws(() => loadPriceTable("../package"), /no price table/);
        });
        it("rejects a table that lacks a price, naming the key", () => {
            const broken = JSON.parse(JSON.stringify(TABLE)) as { prices: Record<string, unknown> };
            delete broken.prices.natGatewayHour;
            assert.throws(() => validatePriceTable(broken, "test.json"), /price table test\.json: "prices" needs a non-negative number for natGatewayHour/);
        });
        it("refuses a table of another region than the resources'", () => {
            assert.throws(() => estimateCost([], { region: "us-east-1", prices: TABLE }), /price table is for eu-west-1 but the resources are in us-east-1/);
        });
    });

    describe("helpers", () => {
        it("reads the family from a task definition ARN, family:revision or family", () => {
            assert.equal(taskFamilyOf("arn:aws:ecs:eu-west-1:123456789012:task-definition/demo-alpha-web:1"), "demo-alpha-web");
            assert.equal(taskFamilyOf("demo-web:12"), "demo-web");
            assert.equal(taskFamilyOf("demo-web"), "demo-web");
        });
        it("spreads tasks over a capacity provider strategy: base first, then by weight", () => {
            assert.deepEqual(
                [
                    ...splitTasks(5, [
                        { capacityProvider: "FARGATE", base: 1, weight: 1 },
                        { capacityProvider: "FARGATE_SPOT", weight: 3 },
                    ]),
                ],
                [
                    ["FARGATE", 2],
                    ["FARGATE_SPOT", 3],
                ],
            );
            assert.deepEqual([...splitTasks(2, [{ capacityProvider: "FARGATE_SPOT" }])], [["FARGATE_SPOT", 2]]);
        });
        it("turns rate() schedules into minutes and rejects cron", () => {
            assert.equal(rateMinutes("rate(5 minutes)"), 5);
            assert.equal(rateMinutes("rate(1 hour)"), 60);
            assert.equal(rateMinutes("rate(1 day)"), 1440);
            assert.equal(rateMinutes("rate(0 minute)"), 0);
            assert.equal(rateMinutes("cron(0/5 * * * ? *)"), undefined);
        });
    });

    describe("pricing hand-made resources (idle month)", () => {
        it("NAT gateways: hours each, and the public IPv4 of each Elastic IP", () => {
            // GIVEN two NAT gateways with their EIPs
            const resources = [0, 1].flatMap((i) => [res(T.eip, `nat-${i}`, { domain: "vpc" }), res(T.nat, `nat-${i}`, { allocationId: `nat-${i}-id` })]);
            // WHEN estimated
            const e = estimate(resources);
            // THEN 2 NAT lines and 2 IPv4 lines
            assert.equal(e.lines.filter((l) => l.type === T.nat).length, 2);
            assert.equal(e.lines.filter((l) => l.type === T.eip).length, 2);
            near(e.totalUsd, 2 * P.natGatewayHour * H + 2 * P.publicIpv4Hour * H);
        });

        it("internet-facing ALB: hours, no LCU when idle, one public IPv4 per subnet it spans", () => {
            for (const subnets of [2, 3]) {
                const e = estimate([
                    res(T.lb, "alb", { loadBalancerType: "application", internal: false, subnets: Array.from({ length: subnets }, (_, i) => `s${i}`) }),
                ]);
                near(e.totalUsd, P.albHour * H + subnets * P.publicIpv4Hour * H, `${subnets} subnets`);
                assert.equal(e.lines.length, 2);
                assert.match(e.lines[0].description, /0 LCU/);
                assert.match(e.lines[1].description, new RegExp(`^${subnets} public IPv4 addresses`));
            }
        });

        it("internal ALB: hours only, no public IPv4", () => {
            const e = estimate([res(T.lb, "alb", { internal: true, subnets: ["a", "b"] })]);
            near(e.totalUsd, P.albHour * H);
        });

        it("network load balancer: NLB hours and one public IPv4 per subnet", () => {
            const e = estimate([res(T.lb, "nlb", { loadBalancerType: "network", subnets: ["a", "b", "c"] })]);
            near(e.totalUsd, P.nlbHour * H + 3 * P.publicIpv4Hour * H);
        });

        it("Fargate on-demand x86: desired count x task size x 730 h", () => {
            const e = estimate(fargate({ cpu: 512, memory: 1024, desired: 3 }));
            assert.equal(e.lines.length, 1);
            assert.equal(e.lines[0].description, "3 x 0.5 vCPU, 1 GB, Fargate on-demand x86, 730 h");
            assert.equal(e.lines[0].resource, "demo-web-service");
            near(e.totalUsd, 3 * (0.5 * P.fargateX86VcpuHour + 1 * P.fargateX86GbHour) * H);
        });

        it("Fargate Spot x86: the Spot prices", () => {
            const e = estimate(fargate({ cpu: 256, memory: 512, desired: 2, capacity: "FARGATE_SPOT" }));
            assert.equal(e.lines[0].description, "2 x 0.25 vCPU, 0.5 GB, Fargate Spot x86, 730 h");
            near(e.totalUsd, 2 * (0.25 * P.fargateSpotX86VcpuHour + 0.5 * P.fargateSpotX86GbHour) * H);
        });

        it("Fargate ARM, on-demand and Spot: the ARM prices", () => {
            const onDemand = estimate(fargate({ cpu: 1024, memory: 2048, desired: 1, arch: "ARM64" }));
            near(onDemand.totalUsd, (1 * P.fargateArmVcpuHour + 2 * P.fargateArmGbHour) * H);
            assert.match(onDemand.lines[0].description, /Fargate on-demand ARM/);
            const spot = estimate(fargate({ cpu: 1024, memory: 2048, desired: 1, arch: "ARM64", capacity: "FARGATE_SPOT" }));
            near(spot.totalUsd, (1 * P.fargateSpotArmVcpuHour + 2 * P.fargateSpotArmGbHour) * H);
        });

        it("Fargate with a mixed strategy: on-demand base, the rest split by weight", () => {
            const [td, svc] = fargate({ cpu: 256, memory: 512, desired: 3 });
            const mixed = res(T.service, svc.name, {
                ...svc.inputs,
                capacityProviderStrategies: [
                    { capacityProvider: "FARGATE", base: 1, weight: 1 },
                    { capacityProvider: "FARGATE_SPOT", base: 0, weight: 1 },
                ],
            });
            const e = estimate([td, mixed]);
            const task = (vcpu: number, gb: number) => (0.25 * vcpu + 0.5 * gb) * H;
            near(e.totalUsd, 2 * task(P.fargateX86VcpuHour, P.fargateX86GbHour) + 1 * task(P.fargateSpotX86VcpuHour, P.fargateSpotX86GbHour));
        });

        it("tasks with a public IP pay one public IPv4 each", () => {
            const withIp = estimate(fargate({ cpu: 256, memory: 512, desired: 2, capacity: "FARGATE_SPOT", publicIp: true }));
            const without = estimate(fargate({ cpu: 256, memory: 512, desired: 2, capacity: "FARGATE_SPOT" }));
            near(withIp.totalUsd - without.totalUsd, 2 * P.publicIpv4Hour * H);
            assert.equal(withIp.lines[1].description, "2 public IPv4 addresses (one per task), 730 h");
        });

        it("finds the service's task definition by family, not by position", () => {
            const small = fargate({ name: "small", cpu: 256, memory: 512, desired: 1 })[0];
            const [big, svc] = fargate({ name: "big", cpu: 2048, memory: 4096, desired: 1 });
            const e = estimate([big, small, svc]);
            near(e.totalUsd, (2 * P.fargateX86VcpuHour + 4 * P.fargateX86GbHour) * H);
        });

        it("a service whose task definition is not recorded is not priced, and says so", () => {
            const [, svc] = fargate({ cpu: 256, memory: 512, desired: 1 });
            const e = estimate([svc]);
            assert.equal(e.totalUsd, 0);
            assert.ok(e.leftOut.some((l) => l.startsWith("demo-web-service") && /task definition .*demo-web:1 is not among the resources/.test(l)));
        });

        it("Container Insights: the estimated metric count at the custom-metric price", () => {
            const cluster = res(T.cluster, "cluster", { name: "demo", settings: [{ name: "containerInsights", value: "enabled" }] });
            const e = estimate([cluster, ...fargate({ cpu: 256, memory: 512, desired: 1 })]);
            const m = CONTAINER_INSIGHTS_METRICS;
            const line = e.lines.find((l) => l.type === T.cluster);
            assert.ok(line);
            near(line.monthlyUsd, (m.perCluster + m.perService + m.perTaskFamily) * P.cloudwatchCustomMetricMonth);
            const off = estimate([res(T.cluster, "cluster", { settings: [{ name: "containerInsights", value: "disabled" }] })]);
            assert.equal(off.lines.length, 0);
        });

        it("alarms: per alarm metric, high resolution below 60 s, each metric of a math alarm", () => {
            const e = estimate([
                res(T.alarm, "a1", { period: 60, metricName: "CPUUtilization" }),
                res(T.alarm, "a2", { period: 300, metricName: "MemoryUtilization" }),
                res(T.alarm, "fast", { period: 10, metricName: "HTTPCode_Target_5XX_Count" }),
                res(T.alarm, "ratio", {
                    metricQueries: [
                        { id: "errors", metric: { metricName: "HTTPCode_Target_5XX_Count", period: 60 } },
                        { id: "requests", metric: { metricName: "RequestCount", period: 60 } },
                        { id: "rate", expression: "errors / requests", returnData: true },
                    ],
                }),
            ]);
            assert.equal(e.lines.length, 4);
            near(e.totalUsd, 2 * P.cloudwatchAlarmStandardMonth + P.cloudwatchAlarmHighResolutionMonth + 2 * P.cloudwatchAlarmStandardMonth);
        });

        it("dashboards: each at the monthly price, no free allowance applied", () => {
            const e = estimate([res(T.dashboard, "d1"), res(T.dashboard, "d2")]);
            near(e.totalUsd, 2 * P.cloudwatchDashboardMonth);
        });

        it("secrets, KMS keys, WAF, canaries and health checks at their monthly prices; standard SSM parameters free", () => {
            const e = estimate([
                res("aws:secretsmanager/secret:Secret", "secret"),
                res("aws:ssm/parameter:Parameter", "standard", { type: "SecureString", value: "x" }),
                res("aws:ssm/parameter:Parameter", "advanced", { type: "SecureString", tier: "Advanced", value: "x" }),
                res("aws:kms/key:Key", "key"),
                res("aws:wafv2/webAcl:WebAcl", "acl", { rules: [{ name: "common" }, { name: "ip-reputation" }, { name: "rate" }] }),
                res("aws:synthetics/canary:Canary", "canary", { schedule: { expression: "rate(5 minutes)" } }),
                res("aws:route53/healthCheck:HealthCheck", "health", { type: "HTTPS", fqdn: "app.example.com", requestInterval: 30 }),
            ]);
            assert.equal(
                e.lines.some((l) => l.resource === "standard"),
                false,
            );
            near(
                e.totalUsd,
                P.secretsManagerSecretMonth +
                    P.ssmParameterAdvancedMonth +
                    P.kmsKeyMonth +
                    (P.wafWebAclMonth + 3 * P.wafRuleMonth) +
                    ((H * 60) / 5) * P.syntheticsCanaryRun +
                    (P.route53HealthCheckNonAwsMonth + P.route53HealthCheckFeatureNonAwsMonth),
            );
            assert.ok(e.leftOut.some((l) => /WAF requests/.test(l)));
        });

        it("unknown types cost nothing, get no line, and are named in leftOut; free types are silent", () => {
            const e = estimate([
                res("aws:rds/instance:Instance", "db"),
                res("aws:ec2/vpc:Vpc", "vpc"),
                res("aws:ec2/subnet:Subnet", "subnet"),
                res("aws:iam/role:Role", "role"),
                res("aws:ec2/securityGroup:SecurityGroup", "sg"),
                { type: "shipyard:ecs:ContainerService", name: "component", inputs: {}, custom: false },
            ]);
            assert.deepEqual(e.lines, []);
            assert.equal(e.totalUsd, 0);
            const named = e.leftOut.filter((l) => l.startsWith("Not priced"));
            assert.deepEqual(named, ["Not priced, type unknown to the estimate: aws:rds/instance:Instance (db)."]);
        });

        it("always says what is left out: traffic, log volume, Lambda and SNS, Spot variation, taxes and free tier", () => {
            const text = estimate([]).leftOut.join("\n");
            for (const what of [
                /LCU/,
                /NAT gateway data processing/,
                /data transfer out/,
                /CloudWatch Logs ingestion/,
                /Lambda, SNS, EventBridge Scheduler, DynamoDB \(on demand\) and SQS usage/,
                /Spot price variation/,
                /Taxes/,
                /Free Tier/,
            ]) {
                assert.match(text, what);
            }
        });

        it("formats a plain table with two decimals and a total line", () => {
            const e = estimate([res(T.eip, "ip"), res(T.dashboard, "dash")]);
            const lines = formatCostTable(e, { notes: false }).split("\n");
            assert.match(lines[0], /^Resource\s+What\s+Monthly USD$/);
            assert.match(lines[2], /^ip\s+1 public IPv4 address \(Elastic IP\), 730 h\s+3\.65$/);
            assert.match(lines[3], /^dash\s+CloudWatch dashboard\s+3\.00$/);
            assert.match(
                lines[lines.length - 1],
                new RegExp(`^Total\\s+${(P.publicIpv4Hour * H + P.cloudwatchDashboardMonth).toFixed(2).replace(".", "\\.")}$`),
            );
            assert.match(formatCostTable(e), /Not included:\n {2}- Traffic-dependent charges/);
        });
    });

    describe("CDK ApplicationLoadBalancedFargateService defaults", () => {
        it("2 NAT gateways with their EIPs, an ALB over 2 AZs with 2 public IPv4s, one 0.25 vCPU / 0.5 GB on-demand task", () => {
            const b = cdkDefaultBaseline(TABLE);
            const expected =
                2 * P.natGatewayHour * H +
                2 * P.publicIpv4Hour * H +
                P.albHour * H +
                2 * P.publicIpv4Hour * H +
                (0.25 * P.fargateX86VcpuHour + 0.5 * P.fargateX86GbHour) * H;
            near(b.totalUsd, expected);
            assert.equal(b.lines.filter((l) => l.type === T.nat).length, 2);
            assert.deepEqual(b.priceTable, { region: REGION, retrieved: TABLE.retrieved });
        });
    });

    describe("the committed stacks, idle", function () {
        this.timeout(30_000);
        const STACKS = ["alpha", "beta", "gamma", "live"] as const;
        const estimates = new Map<string, CostEstimate>();
        let baseline: CostEstimate;

        before(async () => {
            for (const stack of STACKS) {
                const run = await runStack(stack);
                if (run.error) throw run.error;
                const region = stackConfig(stack).values["aws:region"];
                estimates.set(stack, estimateCost(run.graph.all, { region }));
            }
            baseline = cdkDefaultBaseline(TABLE);
            // What CDK's pattern builds: one load-balanced web service, nothing else.
            const webOnly = await runStack("alpha", { overrides: { set: { services: { web: stackServices("alpha").web } } } });
            if (webOnly.error) throw webOnly.error;
            estimates.set("alpha-web-only", estimateCost(webOnly.graph.all, { region: "eu-west-1" }));
        });
        const est = (stack: string): CostEstimate => {
            const e = estimates.get(stack);
            assert.ok(e, `no estimate for ${stack}`);
            return e;
        };
        const linesOf = (stack: string, type: string) => est(stack).lines.filter((l) => l.type === type);

        it("prices every stack with the eu-west-1 table, above zero", () => {
            for (const stack of STACKS) {
                assert.equal(est(stack).priceTable.region, "eu-west-1");
                assert.ok(est(stack).totalUsd > 0, stack);
                near(
                    est(stack).totalUsd,
                    est(stack).lines.reduce((s, l) => s + l.monthlyUsd, 0),
                    `${stack} total`,
                );
            }
        });

        it("costs more at each step of promotion: live > gamma > beta > alpha", () => {
            assert.ok(est("live").totalUsd > est("gamma").totalUsd);
            assert.ok(est("gamma").totalUsd > est("beta").totalUsd);
            assert.ok(est("beta").totalUsd > est("alpha").totalUsd);
        });

        it("idle alpha running only a web service, what CDK's pattern builds, costs well under half of CDK's defaults", () => {
            assert.ok(est("alpha-web-only").totalUsd < 0.5 * baseline.totalUsd, `alpha ${est("alpha-web-only").totalUsd} vs baseline ${baseline.totalUsd}`);
        });
        it("prices each tcp service's network load balancer: its hours and its public IPv4 addresses", () => {
            assert.deepEqual(
                linesOf("alpha", "aws:lb/loadBalancer:LoadBalancer").map((l) => [l.resource, l.description]),
                [
                    ["demo-alpha-api-nlb-nlb", "Network Load Balancer, 730 h, idle: 0 NLCU"],
                    ["demo-alpha-api-nlb-nlb", "2 public IPv4 addresses (one per subnet), 730 h"],
                    ["demo-alpha-lb-alb", "Application Load Balancer, 730 h, idle: 0 LCU"],
                    ["demo-alpha-lb-alb", "2 public IPv4 addresses (one per subnet), 730 h"],
                ],
            );
        });

        it("live keeps a NAT gateway per AZ (3), beta and gamma one, alpha none", () => {
            assert.equal(linesOf("live", T.nat).length, 3);
            assert.equal(linesOf("gamma", T.nat).length, 1);
            assert.equal(linesOf("beta", T.nat).length, 1);
            assert.equal(linesOf("alpha", T.nat).length, 0);
        });

        it("alpha runs one Spot task per service with a public IP; live runs its web service's three and the others' two on-demand tasks without", () => {
            const spot = ["1 x 0.25 vCPU, 0.5 GB, Fargate Spot x86, 730 h", "1 public IPv4 address (one per task), 730 h"];
            assert.deepEqual(
                linesOf("alpha", T.service).map((l) => [l.resource, l.description]),
                [...spot.map((d) => ["demo-alpha-web-service", d]), ...spot.map((d) => ["demo-alpha-api-service", d])].sort(
                    (a, b) =>
                        linesOf("alpha", T.service).findIndex((l) => l.resource === a[0]) - linesOf("alpha", T.service).findIndex((l) => l.resource === b[0]),
                ),
            );
            assert.deepEqual(
                linesOf("live", T.service)
                    .map((l) => [l.resource, l.description])
                    .sort(),
                [
                    ["demo-live-api-service", "2 x 0.5 vCPU, 1 GB, Fargate on-demand x86, 730 h"],
                    ["demo-live-search-service", "2 x 0.5 vCPU, 1 GB, Fargate on-demand x86, 730 h"],
                    ["demo-live-web-service", "3 x 0.5 vCPU, 1 GB, Fargate on-demand x86, 730 h"],
                    ["demo-live-worker-service", "2 x 0.5 vCPU, 1 GB, Fargate on-demand x86, 730 h"],
                ],
            );
        });

        it("prices the endpoint check's two custom metrics per endpoint, and no other function", () => {
            for (const s of ["alpha", "live"]) {
                const lines = est(s).lines.filter((l) => l.type === "aws:lambda/function:Function");
                assert.deepEqual(
                    lines.map((l) => [l.resource, l.description]),
                    // Two endpoints in every stack: the web name and the socket endpoint's.
                    [[`demo-${s}-monitoring-endpoint-check`, "endpoint check: 4 custom metrics (Success and Latency per endpoint)"]],
                );
                assert.ok(Math.abs(lines[0].monthlyUsd - 4 * 0.3) < 1e-9, s);
            }
        });
        it("names live's flow logs and the autoscaling headroom among what is left out", () => {
            assert.ok(est("live").leftOut.some((l) => /^VPC flow logs \(demo-live-flow-logs\)/.test(l)));
            assert.ok(est("live").leftOut.some((l) => /Autoscaling may run up to 6, 6, 6, 10 tasks under load/.test(l)));
            assert.equal(
                est("live").leftOut.some((l) => l.startsWith("Not priced")),
                false,
            );
        });
    });
});
