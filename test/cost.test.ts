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
    RDS_ENGINES,
    rateMinutes,
    splitTasks,
    taskFamilyOf,
    validatePriceTable,
} from "../cost/estimate";
import { runStack } from "../offline/runStack";
import { stackConfig, stackServices } from "../offline/stackConfig";

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
    db: "aws:rds/instance:Instance",
    bucket: "aws:s3/bucket:Bucket",
};

/** An RDS instance as components/database.ts declares it (gp3, RDS-managed master password). */
function database(opts: { engine?: string; cls: string; multiAz?: boolean; gb?: number; storageType?: string; name?: string }): CostResource {
    return res(T.db, opts.name ?? "demo-live-db", {
        identifier: opts.name ?? "demo-live-db",
        engine: opts.engine ?? "postgres",
        engineVersion: "16",
        instanceClass: opts.cls,
        allocatedStorage: opts.gb ?? 20,
        storageType: opts.storageType ?? "gp3",
        storageEncrypted: true,
        multiAz: opts.multiAz ?? false,
        backupRetentionPeriod: 14,
        manageMasterUserPassword: true,
        publiclyAccessible: false,
    });
}

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
            it(`${region}: prices the RDS classes the stacks may choose, for PostgreSQL and MySQL, each with a sourced note`, () => {
                const t = loadPriceTable(region);
                const classes = ["db.t4g.micro", "db.t4g.small", "db.t4g.medium", "db.t4g.large", "db.t3.micro", "db.t3.small", "db.t3.medium"];
                for (const engine of RDS_ENGINES) {
                    assert.deepEqual(Object.keys(t.rdsInstanceHours[engine]).sort(), [...classes].sort(), engine);
                    for (const cls of classes) {
                        assert.ok(t.rdsInstanceHours[engine][cls] > 0, `${engine}/${cls}`);
                        // Every price names where it comes from, or says it could not be confirmed.
                        assert.match(t.rdsInstanceNotes?.[`${engine}/${cls}`] ?? "", /https:\/\/|Unconfirmed/, `${engine}/${cls}`);
                    }
                    // A bigger size of a family never costs less per hour.
                    const hours = t.rdsInstanceHours[engine];
                    assert.ok(
                        hours["db.t4g.micro"] < hours["db.t4g.small"] &&
                            hours["db.t4g.small"] < hours["db.t4g.medium"] &&
                            hours["db.t4g.medium"] < hours["db.t4g.large"],
                    );
                    assert.ok(hours["db.t3.micro"] < hours["db.t3.small"] && hours["db.t3.small"] < hours["db.t3.medium"]);
                }
                assert.equal(t.prices.secretsManagerSecretMonth, 0.4);
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
        it("rejects RDS instance hours that are missing an engine, name an unknown engine or are not a price", () => {
            const copy = () => JSON.parse(JSON.stringify(TABLE)) as { rdsInstanceHours: Record<string, Record<string, unknown>> };
            const noMysql = copy();
            delete noMysql.rdsInstanceHours.mysql;
            assert.throws(() => validatePriceTable(noMysql, "t.json"), /"rdsInstanceHours\.mysql" must map instance classes/);
            const oracle = copy();
            oracle.rdsInstanceHours["oracle-se2"] = { "db.t3.small": 0.1 };
            assert.throws(() => validatePriceTable(oracle, "t.json"), /engines the estimate does not know: oracle-se2/);
            const negative = copy();
            negative.rdsInstanceHours.postgres["db.t4g.micro"] = -1;
            assert.throws(() => validatePriceTable(negative, "t.json"), /"rdsInstanceHours\.postgres\.db\.t4g\.micro" needs a non-negative number/);
            const badClass = copy();
            badClass.rdsInstanceHours.postgres["t4g.micro"] = 0.017;
            assert.throws(() => validatePriceTable(badClass, "t.json"), /"t4g\.micro", which is not an instance class/);
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

        describe("RDS, S3 and AWS Backup (issue 9)", () => {
            const hours = (engine: "postgres" | "mysql", cls: string) => TABLE.rdsInstanceHours[engine][cls];
            // Each row: the instance, then its expected monthly cost from the table's own prices.
            const rows: { what: string; db: CostResource; expected: number }[] = [
                {
                    what: "PostgreSQL db.t4g.micro, Single-AZ, 20 GB",
                    db: database({ cls: "db.t4g.micro", gb: 20 }),
                    expected: hours("postgres", "db.t4g.micro") * H + 20 * P.rdsGp3StorageGbMonth + P.secretsManagerSecretMonth,
                },
                {
                    what: "PostgreSQL db.t4g.small, Single-AZ, 20 GB",
                    db: database({ cls: "db.t4g.small", gb: 20 }),
                    expected: hours("postgres", "db.t4g.small") * H + 20 * P.rdsGp3StorageGbMonth + P.secretsManagerSecretMonth,
                },
                {
                    what: "PostgreSQL db.t4g.medium, Multi-AZ, 50 GB: both hours and storage twice",
                    db: database({ cls: "db.t4g.medium", gb: 50, multiAz: true }),
                    expected: 2 * hours("postgres", "db.t4g.medium") * H + 2 * 50 * P.rdsGp3StorageGbMonth + P.secretsManagerSecretMonth,
                },
                {
                    what: "PostgreSQL db.t4g.large, Multi-AZ, 100 GB",
                    db: database({ cls: "db.t4g.large", gb: 100, multiAz: true }),
                    expected: 2 * hours("postgres", "db.t4g.large") * H + 2 * 100 * P.rdsGp3StorageGbMonth + P.secretsManagerSecretMonth,
                },
                {
                    what: "PostgreSQL db.t3.medium, Single-AZ, 20 GB",
                    db: database({ cls: "db.t3.medium", gb: 20 }),
                    expected: hours("postgres", "db.t3.medium") * H + 20 * P.rdsGp3StorageGbMonth + P.secretsManagerSecretMonth,
                },
                {
                    what: "MySQL db.t3.micro, Single-AZ, 20 GB: MySQL's own rate",
                    db: database({ engine: "mysql", cls: "db.t3.micro", gb: 20 }),
                    expected: hours("mysql", "db.t3.micro") * H + 20 * P.rdsGp3StorageGbMonth + P.secretsManagerSecretMonth,
                },
                {
                    what: "MySQL db.t4g.small, Multi-AZ, 30 GB",
                    db: database({ engine: "mysql", cls: "db.t4g.small", gb: 30, multiAz: true }),
                    expected: 2 * hours("mysql", "db.t4g.small") * H + 2 * 30 * P.rdsGp3StorageGbMonth + P.secretsManagerSecretMonth,
                },
            ];
            for (const row of rows) {
                it(`prices ${row.what}`, () => {
                    const e = estimate([row.db]);
                    near(e.totalUsd, row.expected, row.what);
                    assert.equal(e.lines.length, 3);
                    assert.ok(e.lines.every((l) => l.resource === row.db.name && l.type === T.db));
                });
            }

            it("db.t4g.medium Multi-AZ with 50 GB, written out: 2 x hours x 730 + 2 x 50 x gp3 + the managed secret", () => {
                const e = estimate([database({ cls: "db.t4g.medium", gb: 50, multiAz: true })]);
                assert.deepEqual(
                    e.lines.map((l) => l.description),
                    [
                        "RDS PostgreSQL db.t4g.medium, Multi-AZ: 2 instances (primary and standby), 730 h",
                        "50 GB gp3 storage, x2 (the standby's copy)",
                        "master user secret in Secrets Manager, created and managed by RDS",
                    ],
                );
                near(e.lines[0].monthlyUsd, 2 * TABLE.rdsInstanceHours.postgres["db.t4g.medium"] * 730, "instance hours");
                near(e.lines[1].monthlyUsd, 2 * 50 * P.rdsGp3StorageGbMonth, "storage");
                near(e.lines[2].monthlyUsd, 0.4, "secret");
            });

            it("Multi-AZ costs exactly twice Single-AZ, apart from the one secret", () => {
                const single = estimate([database({ cls: "db.t4g.small", gb: 40 })]).totalUsd;
                const multi = estimate([database({ cls: "db.t4g.small", gb: 40, multiAz: true })]).totalUsd;
                near(multi - P.secretsManagerSecretMonth, 2 * (single - P.secretsManagerSecretMonth));
            });

            it("charges the RDS-managed secret once per instance that asks for it, and not otherwise", () => {
                const managed = database({ cls: "db.t4g.micro" });
                const own = res(T.db, "own-password", { ...managed.inputs, manageMasterUserPassword: false });
                const e = estimate([managed, database({ cls: "db.t4g.micro", name: "second-db" }), own]);
                const secrets = e.lines.filter((l) => /master user secret/.test(l.description));
                assert.deepEqual(
                    secrets.map((l) => l.resource),
                    ["demo-live-db", "second-db"],
                );
            });

            it("an instance class the table lacks is named in leftOut, not guessed; its storage is still priced", () => {
                const e = estimate([database({ cls: "db.r6g.large", gb: 100 })]);
                assert.equal(
                    e.lines.some((l) => /db\.r6g\.large/.test(l.description)),
                    false,
                );
                near(e.totalUsd, 100 * P.rdsGp3StorageGbMonth + P.secretsManagerSecretMonth);
                assert.ok(
                    e.leftOut.includes(
                        "demo-live-db (aws:rds/instance:Instance): instance class db.r6g.large (postgres) is not in the price table: its instance hours are not priced",
                    ),
                );
            });

            it("an engine the table lacks and storage other than gp3 are named in leftOut", () => {
                const e = estimate([database({ engine: "mariadb", cls: "db.t4g.micro", storageType: "io1", gb: 100 })]);
                near(e.totalUsd, P.secretsManagerSecretMonth);
                assert.ok(e.leftOut.some((l) => /engine mariadb: not in the price table \(postgres, mysql are\)/.test(l)));
                assert.ok(e.leftOut.some((l) => /storage type io1: only gp3 is in the price table, its 100 GB are not priced/.test(l)));
            });

            it("says backups are assumed to fit in the free backup storage, with their retention and the price beyond it", () => {
                const e = estimate([database({ cls: "db.t4g.micro" })]);
                const note = e.leftOut.find((l) => l.startsWith("RDS backups"));
                assert.ok(note);
                assert.match(note, /demo-live-db 14 days/);
                assert.match(note, /assumed to fit in the free backup storage/);
                assert.ok(note.includes(`$${P.rdsBackupStorageGbMonth} per GB-month`));
            });

            it("subnet and parameter groups, secret rotation, bucket settings and the backup vault, plan and selection are free", () => {
                const e = estimate([
                    res("aws:rds/subnetGroup:SubnetGroup", "demo-live-db-subnets"),
                    res("aws:rds/parameterGroup:ParameterGroup", "demo-live-db-params", { family: "postgres16" }),
                    res("aws:secretsmanager/secretRotation:SecretRotation", "demo-live-db-rotation"),
                    res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "pab"),
                    res("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "own"),
                    res("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "sse"),
                    res("aws:s3/bucketVersioning:BucketVersioning", "ver"),
                    res("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "life"),
                    res("aws:s3/bucketPolicy:BucketPolicy", "policy"),
                    res("aws:backup/vault:Vault", "demo-live-backup-vault"),
                    res("aws:backup/plan:Plan", "demo-live-backup-plan", { rules: [{ ruleName: "daily", lifecycle: { deleteAfter: 35 } }] }),
                    res("aws:backup/selection:Selection", "demo-live-backup-selection"),
                ]);
                assert.deepEqual(e.lines, []);
                assert.equal(e.totalUsd, 0);
                assert.equal(
                    e.leftOut.some((l) => l.startsWith("Not priced")),
                    false,
                );
            });

            it("an empty bucket costs nothing; leftOut gives S3's storage and request prices", () => {
                const e = estimate([res(T.bucket, "demo-live-assets", { bucket: "demo-live-assets-123456789012" })]);
                assert.equal(e.totalUsd, 0);
                assert.deepEqual(e.lines, []);
                const note = e.leftOut.find((l) => l.startsWith("S3 (demo-live-assets)"));
                assert.ok(note);
                assert.match(note, /an empty bucket costs ~\$0/);
                for (const price of [P.s3StandardStorageGbMonth, P.s3PutRequestsThousand, P.s3GetRequestsThousand])
                    assert.ok(note.includes(`$${price}`), String(price));
            });

            it("AWS Backup: leftOut gives the warm storage prices of RDS snapshots and S3 backups, and the plan's retention", () => {
                const e = estimate([
                    res("aws:backup/vault:Vault", "demo-live-backup-vault"),
                    res("aws:backup/plan:Plan", "demo-live-backup-plan", { rules: [{ ruleName: "daily", lifecycle: { deleteAfter: 35 } }] }),
                ]);
                const note = e.leftOut.find((l) => l.startsWith("AWS Backup (demo-live-backup-vault, demo-live-backup-plan)"));
                assert.ok(note);
                assert.match(note, /\(35 days\)/);
                assert.ok(note.includes(`RDS snapshots $${P.backupRdsSnapshotWarmGbMonth}`));
                assert.ok(note.includes(`S3 backups $${P.backupS3WarmGbMonth} per GB-month`));
            });

            it("prices us-east-1 from its own table", () => {
                const us = loadPriceTable("us-east-1");
                const e = estimateCost([database({ cls: "db.t4g.medium", gb: 50, multiAz: true })], { region: "us-east-1", prices: us });
                near(
                    e.totalUsd,
                    2 * us.rdsInstanceHours.postgres["db.t4g.medium"] * us.hoursPerMonth +
                        2 * 50 * us.prices.rdsGp3StorageGbMonth +
                        us.prices.secretsManagerSecretMonth,
                );
            });
        });

        it("unknown types cost nothing, get no line, and are named in leftOut; free types are silent", () => {
            const e = estimate([
                res("aws:elasticache/cluster:Cluster", "cache"),
                res("aws:ec2/vpc:Vpc", "vpc"),
                res("aws:ec2/subnet:Subnet", "subnet"),
                res("aws:iam/role:Role", "role"),
                res("aws:ec2/securityGroup:SecurityGroup", "sg"),
                { type: "shipyard:ecs:ContainerService", name: "component", inputs: {}, custom: false },
            ]);
            assert.deepEqual(e.lines, []);
            assert.equal(e.totalUsd, 0);
            const named = e.leftOut.filter((l) => l.startsWith("Not priced"));
            assert.deepEqual(named, ["Not priced, type unknown to the estimate: aws:elasticache/cluster:Cluster (cache)."]);
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

    describe("the fixture stacks, idle", function () {
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
            // What CDK's pattern builds: one load-balanced web service, nothing else (no database, no bucket).
            const webOnly = await runStack("alpha", {
                overrides: { set: { services: { web: { ...stackServices("alpha").web, uses: [] } }, database: "none", assetsBucket: false } },
            });
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
        // The database each environment gets by default (issue 9): class, gp3 GB, Multi-AZ.
        const DATABASES = {
            alpha: { cls: "db.t4g.micro", gb: 20, multiAz: false },
            beta: { cls: "db.t4g.micro", gb: 20, multiAz: false },
            gamma: { cls: "db.t4g.small", gb: 20, multiAz: false },
            live: { cls: "db.t4g.medium", gb: 50, multiAz: true },
        } as const;

        it("prices each stack's PostgreSQL instance: its hours and gp3 storage (twice in live's Multi-AZ) and RDS's own master secret", () => {
            for (const stack of STACKS) {
                const d = DATABASES[stack];
                const copies = d.multiAz ? 2 : 1;
                const lines = linesOf(stack, T.db);
                assert.equal(lines.length, 3, stack);
                assert.equal(new Set(lines.map((l) => l.resource)).size, 1, `${stack}: one database`);
                assert.match(
                    lines[0].description,
                    new RegExp(`^RDS PostgreSQL ${d.cls.replace(/\./g, "\\.")}, ${d.multiAz ? "Multi-AZ" : "Single-AZ"}`),
                    stack,
                );
                near(lines[0].monthlyUsd, copies * TABLE.rdsInstanceHours.postgres[d.cls] * H, `${stack} instance hours`);
                near(lines[1].monthlyUsd, copies * d.gb * P.rdsGp3StorageGbMonth, `${stack} storage`);
                near(lines[2].monthlyUsd, P.secretsManagerSecretMonth, `${stack} managed secret`);
            }
        });

        it("live's database: 2 x db.t4g.medium x 730 h + 2 x 50 GB gp3 + one secret", () => {
            near(
                linesOf("live", T.db).reduce((sum, l) => sum + l.monthlyUsd, 0),
                2 * TABLE.rdsInstanceHours.postgres["db.t4g.medium"] * 730 + 2 * 50 * P.rdsGp3StorageGbMonth + 0.4,
            );
        });

        it("gives the assets bucket and AWS Backup no line, and says in leftOut what they cost with use", () => {
            for (const stack of STACKS) {
                const e = est(stack);
                assert.equal(
                    e.lines.some((l) => l.type.startsWith("aws:s3/") || l.type.startsWith("aws:backup/")),
                    false,
                    stack,
                );
                assert.ok(
                    e.leftOut.some((l) => /^S3 \(.+\): an empty bucket costs ~\$0/.test(l)),
                    `${stack}: S3 note`,
                );
                assert.ok(
                    e.leftOut.some((l) => /^RDS backups \(retention: .+\): assumed to fit in the free backup storage/.test(l)),
                    `${stack}: RDS backups note`,
                );
                // Only live has a backup plan (backupPlan: false, false, false, true).
                assert.equal(
                    e.leftOut.some((l) => l.startsWith("AWS Backup (")),
                    stack === "live",
                    `${stack}: AWS Backup note`,
                );
            }
        });

        it("knows every resource type of every stack: nothing is left out as unknown", () => {
            for (const stack of STACKS) {
                assert.deepEqual(
                    est(stack).leftOut.filter((l) => l.startsWith("Not priced, type unknown")),
                    [],
                    stack,
                );
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
