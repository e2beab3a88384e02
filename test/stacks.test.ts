/**
 * The real program, run once per committed stack file under the mock runtime, with a secret set
 * as `pulumi config set --secret --path secrets.DATABASE_URL` would.
 */
import * as assert from "assert/strict";
import { parse } from "yaml";
import * as fs from "fs";
import * as path from "path";
import { Graph, Match, Recorded } from "./harness/graph";
import { evaluate } from "./harness/metricMath";
import { CLOUDFLARE_RANGES, FakeCloud, runStack, StackRun } from "./harness/runStack";
import { committedStacks, stackFile } from "./harness/stackConfig";

const DB_URL = "postgres://app:s3cr3t-pa55@db.internal:5432/app";
const STACKS = ["alpha", "beta", "gamma", "live"];
const T = {
    vpc: "aws:ec2/vpc:Vpc",
    subnet: "aws:ec2/subnet:Subnet",
    nat: "aws:ec2/natGateway:NatGateway",
    eip: "aws:ec2/eip:Eip",
    route: "aws:ec2/route:Route",
    routeTable: "aws:ec2/routeTable:RouteTable",
    defaultSg: "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    flowLog: "aws:ec2/flowLog:FlowLog",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    cluster: "aws:ecs/cluster:Cluster",
    taskDef: "aws:ecs/taskDefinition:TaskDefinition",
    service: "aws:ecs/service:Service",
    param: "aws:ssm/parameter:Parameter",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    alb: "aws:lb/loadBalancer:LoadBalancer",
    listener: "aws:lb/listener:Listener",
    targetGroup: "aws:lb/targetGroup:TargetGroup",
    scalingTarget: "aws:appautoscaling/target:Target",
    scalingPolicy: "aws:appautoscaling/policy:Policy",
    listenerRule: "aws:lb/listenerRule:ListenerRule",
    alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    policyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    lambda: "aws:lambda/function:Function",
};
/** The stacks whose committed settings deploy blue/green. */
const BLUE_GREEN = new Set(["live"]);

type Container = {
    image: string;
    environment: { name: string; value: string }[];
    secrets: { name: string; valueFrom: string }[];
    readonlyRootFilesystem: boolean;
    healthCheck: { command: string[] };
    dockerLabels?: Record<string, string>;
    stopTimeout: number;
};

/** The app's container: the first of the task definition, followed at most by the tracing collector. */
function container(graph: Graph): Container {
    const defs = JSON.parse(graph.one(T.taskDef).inputs.containerDefinitions as string) as (Container & { name: string })[];
    assert.deepEqual(
        defs.slice(1).map((d) => d.name),
        defs.length > 1 ? ["otel-collector"] : [],
    );
    return defs[0];
}

function stackValue(stack: string, key: string): unknown {
    return (parse(fs.readFileSync(stackFile(stack), "utf8")) as { config: Record<string, unknown> }).config[key];
}

describe("the program under the mock runtime, per committed stack", function () {
    this.timeout(30_000);
    const runs = new Map<string, StackRun>();

    before(async () => {
        for (const stack of STACKS) {
            runs.set(stack, await runStack(stack, { overrides: { secret: { secrets: { DATABASE_URL: DB_URL } } } }));
        }
    });
    const g = (stack: string) => {
        const run = runs.get(stack);
        assert.ok(run, `no run for ${stack}`);
        if (run.error) throw run.error;
        return run.graph;
    };

    it("covers exactly the four environments' stack files", () => {
        assert.deepEqual(committedStacks(), [...STACKS].sort());
    });
    it("every stack file pins its AWS account, so credentials for another account fail before any change", () => {
        assert.deepEqual(
            STACKS.map((s) => stackValue(s, "aws:allowedAccountIds")),
            STACKS.map(() => ["123456789012"]),
        );
    });

    for (const stack of STACKS) {
        describe(stack, () => {
            it("registers resources, looks up only its zone, Cloudflare's ranges and its origin parameters, and finishes without error", () => {
                const run = runs.get(stack);
                assert.ok(run);
                assert.equal(run.error, undefined);
                assert.ok(run.graph.all.length >= 40, `only ${run.graph.all.length} resources`);
                assert.deepEqual(
                    run.invokes.map((i) => [i.token, i.args]),
                    [
                        ["cloudflare:index/getZone:getZone", { filter: { name: "example.org" } }],
                        ["cloudflare:index/getIpRanges:getIpRanges", {}],
                        ["aws:ssm/getParameter:getParameter", { name: `/demo/${stack}/edge/origin-hosts`, withDecryption: false }],
                        ["aws:ssm/getParameter:getParameter", { name: `/demo/${stack}/edge/origin-secret`, withDecryption: true }],
                    ],
                );
            });
            it("has one VPC, one load balancer, one cluster, one service, one task definition", () => {
                for (const t of [T.vpc, T.alb, T.cluster, T.service, T.taskDef, T.scalingTarget]) g(stack).resourceCountIs(t, 1);
                g(stack).resourceCountIs(T.targetGroup, BLUE_GREEN.has(stack) ? 2 : 1);
            });
            it("tags every taggable resource with app, environment and managed-by", () => {
                const untagged = g(stack).all.filter((r) => r.custom && "tags" in r.inputs === false && !NOT_TAGGABLE.has(r.type));
                assert.deepEqual(
                    untagged.map((r) => r.type),
                    [],
                );
                for (const r of g(stack).all.filter((x) => x.custom && "tags" in x.inputs)) {
                    assert.deepEqual(
                        pick(r.inputs.tags as Record<string, string>, ["app", "environment", "managed-by"]),
                        { app: "demo", environment: stack, "managed-by": "pulumi" },
                        r.name,
                    );
                }
            });
            it("names every child after its parent component", () => {
                const components = g(stack).all.filter((r) => !r.custom);
                // network, certificate, load balancer, DNS, service, alarm topic, monitoring; + the smoke test and WAF in live
                assert.equal(components.length, BLUE_GREEN.has(stack) ? 9 : 7);
                for (const c of components) {
                    const children = g(stack).childrenOf(c);
                    assert.ok(children.length > 0, c.name);
                    for (const child of children) assert.ok(child.name.startsWith(`${c.name}-`), `${child.name} under ${c.name}`);
                }
            });
            it("runs the image of its stack file, with APP_ENV and LOG_LEVEL of its environment", () => {
                const c = container(g(stack));
                assert.equal(c.image, stackValue(stack, "shipyard:image"));
                const env = Object.fromEntries(c.environment.map((e) => [e.name, e.value]));
                assert.equal(env.APP_ENV, stack);
                assert.equal(env.LOG_LEVEL, stack === "alpha" ? "debug" : "info");
            });
            it("passes the secret only by valueFrom from an SSM SecureString, never in plain text", () => {
                const graph = g(stack);
                const param = graph.one(T.param, { type: "SecureString", name: `/demo/${stack}/web/DATABASE_URL` });
                assert.deepEqual(param.secretPaths, ["value"]);
                const c = container(graph);
                assert.deepEqual(c.secrets, [
                    { name: "DATABASE_URL", valueFrom: `arn:aws:ssm:eu-west-1:123456789012:parameter/demo/${stack}/web/DATABASE_URL` },
                ]);
                assert.equal(
                    c.environment.some((e) => e.name === "DATABASE_URL"),
                    false,
                );
                // Nowhere in the graph in plain text, except the parameter's own (secret) value.
                const plainHits = graph.all.filter((r) => JSON.stringify(r.inputs).includes("s3cr3t-pa55") && !(r.type === T.param));
                assert.deepEqual(
                    plainHits.map((r) => r.name),
                    [],
                );
            });
            it("lets the execution role read exactly its secrets, pull from its ECR repository and write its logs", () => {
                const graph = g(stack);
                const policy = JSON.parse(graph.one(T.rolePolicy, { role: Match.stringLike(/execution/) }).inputs.policy as string) as {
                    Statement: { Action: string | string[]; Resource: string | string[] }[];
                };
                const byAction = Object.fromEntries(policy.Statement.map((s) => [[s.Action].flat().join(","), s.Resource]));
                assert.deepEqual(byAction, {
                    "logs:CreateLogStream,logs:PutLogEvents": `arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/demo/${stack}/web:log-stream:*`,
                    "ecr:GetAuthorizationToken": "*",
                    "ecr:BatchCheckLayerAvailability,ecr:GetDownloadUrlForLayer,ecr:BatchGetImage": "arn:aws:ecr:eu-west-1:123456789012:repository/demo-web",
                    "ssm:GetParameters": [`arn:aws:ssm:eu-west-1:123456789012:parameter/demo/${stack}/web/DATABASE_URL`],
                });
                // The task role is separate and has no policy of its own.
                const task = graph.one(T.taskDef).inputs;
                assert.notEqual(task.taskRoleArn, task.executionRoleArn);
                // The other roles' policies: the endpoint check and its schedule everywhere; in live
                // also flow logs, tracing, the smoke test and the role ECS invokes it with.
                assert.deepEqual(
                    graph
                        .ofType(T.rolePolicy)
                        .map((p) => p.name)
                        .sort(),
                    [
                        ...(stack === "live" ? ["demo-live-flow-logs"] : []),
                        `demo-${stack}-monitoring-endpoint-check`,
                        `demo-${stack}-monitoring-endpoint-check-schedule`,
                        ...(stack === "live" ? ["demo-live-web-ecs-hook"] : []),
                        `demo-${stack}-web-execution`,
                        ...(stack === "live" ? ["demo-live-web-smoke-function"] : []),
                        ...(stack === "live" ? ["demo-live-web-task-tracing"] : []),
                    ],
                );
            });
            it("hardens the container: read-only root, container health check, init process", () => {
                const c = container(g(stack));
                assert.equal(c.readonlyRootFilesystem, true);
                assert.deepEqual(c.healthCheck.command, ["CMD", "node", "dist/healthcheck.js"]);
                g(stack).hasResourceProperties(T.taskDef, { networkMode: "awsvpc", requiresCompatibilities: ["FARGATE"], volumes: [{ name: "tmp" }] });
            });
            it("deploys 100%/200% with a grace period and rolls back on the deployment alarms", () => {
                const graph = g(stack);
                graph.hasResourceProperties(T.service, {
                    deploymentMinimumHealthyPercent: 100,
                    deploymentMaximumPercent: 200,
                    healthCheckGracePeriodSeconds: stack === "live" ? 60 : 20,
                    loadBalancers: [{ containerName: "web", containerPort: 8080, targetGroupArn: graph.byName(`demo-${stack}-lb-tg`).outputs.arn }],
                });
                // The alarms the service names are exactly the alarms of the stack.
                const alarms = graph.one(T.service).inputs.alarms as { alarmNames: string[]; enable: boolean; rollback: boolean };
                assert.deepEqual(alarms, {
                    alarmNames: graph
                        .ofType(T.alarm)
                        .map((a) => String(a.inputs.name))
                        .filter((n) => n.includes("-deploy-"))
                        .sort(),
                    enable: true,
                    rollback: true,
                });
                assert.deepEqual(alarms.alarmNames, [`demo-${stack}-web-deploy-5xx`, `demo-${stack}-web-deploy-p99`]);
            });
            it("admits task traffic only from the load balancer's security group, on the container port", () => {
                const graph = g(stack);
                const albSg = graph.byName(`demo-${stack}-lb-sg`);
                const toTasks = graph.all.filter((r) => r.type === T.ingress && r.parent === `demo-${stack}-web` && r.name.endsWith("-from-lb"));
                assert.equal(toTasks.length, 1);
                assert.deepEqual(pick(toTasks[0].inputs, ["ipProtocol", "fromPort", "toPort", "referencedSecurityGroupId", "cidrIpv4"]), {
                    ipProtocol: "tcp",
                    fromPort: 8080,
                    toPort: 8080,
                    referencedSecurityGroupId: `${albSg.name}-id`,
                    cidrIpv4: undefined,
                });
                // Every CIDR-based ingress rule belongs to the load balancer: 80 and 443 from
                // Cloudflare's ranges (the records are proxied), the blue/green test port only from
                // the NAT gateways' addresses.
                const natIps = graph.ofType(T.eip).map((e) => `${String(e.outputs.publicIp)}/32`);
                const cidrRules = graph.ofType(T.ingress).filter((r) => r.inputs.cidrIpv4 !== undefined || r.inputs.cidrIpv6 !== undefined);
                for (const rule of cidrRules) assert.equal(rule.inputs.securityGroupId, `${albSg.name}-id`, rule.name);
                const cloudflare = [...CLOUDFLARE_RANGES.ipv4Cidrs, ...CLOUDFLARE_RANGES.ipv6Cidrs];
                assert.deepEqual(
                    cidrRules.map((r) => [r.inputs.fromPort, r.inputs.cidrIpv4 ?? r.inputs.cidrIpv6]),
                    [...cloudflare.map((c) => [80, c]), ...cloudflare.map((c) => [443, c]), ...(BLUE_GREEN.has(stack) ? natIps.map((ip) => [9080, ip]) : [])],
                );
                graph.resourceCountIs(T.ingress, 2 * cloudflare.length + 1 + (BLUE_GREEN.has(stack) ? 3 : 0));
                graph.hasResourceProperties(T.egress, { securityGroupId: `${albSg.name}-id`, fromPort: 8080, toPort: 8080 });
            });
            it("empties the default security group", () => {
                g(stack).resourceCountIs(T.defaultSg, 1);
                const d = g(stack).one(T.defaultSg).inputs;
                assert.equal(d.ingress, undefined);
                assert.equal(d.egress, undefined);
            });
            it("serves HTTPS with a TLS 1.3 policy and redirects HTTP with a 301", () => {
                const graph = g(stack);
                graph.resourceCountIs(T.listener, BLUE_GREEN.has(stack) ? 3 : 2);
                graph.hasResourceProperties(T.listener, {
                    port: 443,
                    protocol: "HTTPS",
                    sslPolicy: Match.stringLike(/^ELBSecurityPolicy-TLS13-/),
                    certificateArn: graph.one("aws:acm/certificateValidation:CertificateValidation").outputs.certificateArn,
                });
                graph.hasResourceProperties(T.listener, {
                    port: 80,
                    protocol: "HTTP",
                    defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
                });
                graph.hasResourceProperties(T.alb, { internal: false, dropInvalidHeaderFields: true, loadBalancerType: "application" });
            });
            it("scales on CPU and on memory between the stack's bounds", () => {
                const graph = g(stack);
                graph.resourceCountIs(T.scalingPolicy, 2);
                const metrics = graph
                    .ofType(T.scalingPolicy)
                    .map(
                        (p) =>
                            (p.inputs.targetTrackingScalingPolicyConfiguration as { predefinedMetricSpecification: { predefinedMetricType: string } })
                                .predefinedMetricSpecification.predefinedMetricType,
                    )
                    .sort();
                assert.deepEqual(metrics, ["ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization"]);
                const bounds = { alpha: [1, 2], beta: [1, 2], gamma: [2, 4], live: [3, 10] }[stack];
                graph.hasResourceProperties(T.scalingTarget, {
                    minCapacity: bounds?.[0],
                    maxCapacity: bounds?.[1],
                    scalableDimension: "ecs:service:DesiredCount",
                });
                // Autoscaling owns the running count after the first deploy.
                assert.deepEqual(graph.one(T.service).ignoreChanges, ["desiredCount"]);
            });
            it("enables Container Insights on the cluster", () => {
                g(stack).hasResourceProperties(T.cluster, { settings: [{ name: "containerInsights", value: "enabled" }] });
            });
        });
    }

    describe("differences between the environments", () => {
        it("NAT gateways: none in alpha, one in beta and gamma, one per AZ in live", () => {
            assert.deepEqual(
                STACKS.map((s) => g(s).ofType(T.nat).length),
                [0, 1, 1, 3],
            );
            assert.deepEqual(
                STACKS.map((s) => g(s).ofType(T.eip).length),
                [0, 1, 1, 3],
            );
        });
        it("subnets: a public and a private one per AZ (2, 2, 2, 3 AZs)", () => {
            assert.deepEqual(
                STACKS.map((s) => g(s).ofType(T.subnet).length),
                [4, 4, 4, 6],
            );
            for (const s of STACKS) assert.equal(g(s).find(T.subnet, { mapPublicIpOnLaunch: true }).length, 0, s);
        });
        it("private subnets route out through NAT where there is one: per AZ in live, shared elsewhere", () => {
            const natRoutes = (s: string) =>
                g(s)
                    .find(T.route, { natGatewayId: Match.present() })
                    .map((r) => r.inputs.natGatewayId);
            assert.deepEqual(natRoutes("alpha"), []);
            assert.deepEqual(natRoutes("beta"), ["demo-beta-nat-0-id", "demo-beta-nat-0-id"]);
            assert.deepEqual(natRoutes("live"), ["demo-live-nat-0-id", "demo-live-nat-1-id", "demo-live-nat-2-id"]);
        });
        it("tasks: public IPs only in alpha (no NAT); private subnets without public IPs elsewhere", () => {
            for (const s of STACKS) {
                const net = g(s).one(T.service).inputs.networkConfiguration as { assignPublicIp: boolean; subnets: string[] };
                const tier = s === "alpha" ? "public" : "private";
                assert.equal(net.assignPublicIp, s === "alpha", s);
                assert.deepEqual(
                    net.subnets,
                    g(s)
                        .find(T.subnet, { tags: { tier } })
                        .map((x) => `${x.name}-id`),
                    s,
                );
            }
        });
        it("capacity: Fargate Spot in alpha and beta, on-demand in gamma and live", () => {
            const providers = STACKS.map((s) =>
                (g(s).one(T.service).inputs.capacityProviderStrategies as { capacityProvider: string }[]).map((p) => p.capacityProvider),
            );
            assert.deepEqual(providers, [["FARGATE_SPOT"], ["FARGATE_SPOT"], ["FARGATE"], ["FARGATE"]]);
        });
        it("health checks: fast outside live, the deployment seed's values in live", () => {
            const hc = (s: string) => g(s).byName(`demo-${s}-lb-tg`).inputs.healthCheck;
            assert.deepEqual(
                pick(hc("live") as Record<string, unknown>, ["path", "healthyThreshold", "unhealthyThreshold", "timeout", "interval", "matcher"]),
                {
                    path: "/health",
                    healthyThreshold: 3,
                    unhealthyThreshold: 2,
                    timeout: 5,
                    interval: 30,
                    matcher: "200-299",
                },
            );
            for (const s of ["alpha", "beta", "gamma"])
                assert.deepEqual(pick(hc(s) as Record<string, unknown>, ["interval", "healthyThreshold"]), { interval: 5, healthyThreshold: 2 }, s);
            assert.deepEqual(
                STACKS.map((s) => g(s).byName(`demo-${s}-lb-tg`).inputs.deregistrationDelay),
                [5, 5, 15, 30],
            );
        });
        it("shutdown matches the drain: the stop timeout outlasts the drain, and the app's shutdown ends before the stop timeout", () => {
            for (const s of STACKS) {
                const c = container(g(s));
                const drain = g(s).byName(`demo-${s}-lb-tg`).inputs.deregistrationDelay as number;
                const shutdownMs = Number(c.environment.find((e) => e.name === "SHUTDOWN_TIMEOUT_MS")?.value);
                assert.ok(c.stopTimeout > drain, `${s}: stop timeout ${c.stopTimeout} s, drain ${drain} s`);
                assert.equal(shutdownMs, (c.stopTimeout - 2) * 1000, s);
            }
            assert.deepEqual(
                STACKS.map((s) => container(g(s)).stopTimeout),
                [30, 30, 30, 45],
            );
        });
        it("flow logs and deletion protection only in live", () => {
            assert.deepEqual(
                STACKS.map((s) => g(s).ofType(T.flowLog).length),
                [0, 0, 0, 1],
            );
            g("live").hasResourceProperties(T.flowLog, { trafficType: "ALL", logDestinationType: "cloud-watch-logs" });
            assert.deepEqual(
                STACKS.map((s) => g(s).one(T.alb).inputs.enableDeletionProtection),
                [false, false, false, true],
            );
            assert.deepEqual(
                STACKS.map((s) => g(s).one(T.alb).protect),
                [false, false, false, true],
            );
            assert.deepEqual(
                STACKS.map((s) => g(s).one(T.vpc).protect),
                [false, false, false, true],
            );
        });
        it("log retention grows towards production: 7, 14, 30, 90 days", () => {
            assert.deepEqual(
                STACKS.map((s) => g(s).one(T.logGroup, { name: Match.stringLike(/^\/ecs\//) }).inputs.retentionInDays),
                [7, 14, 30, 90],
            );
        });
        it("the same image digest runs in every environment", () => {
            const images = new Set(STACKS.map((s) => container(g(s)).image));
            assert.equal(images.size, 1);
            assert.match([...images][0], /@sha256:[0-9a-f]{64}$/);
        });
    });

    describe("changes that restart the service without a new image", () => {
        it("a changed environment variable yields a new task definition", async () => {
            const a = await runStack("beta");
            const b = await runStack("beta", { overrides: { set: { environment: { FEATURE_FLAGS: "new-checkout,search-v2" } } } });
            const before = a.graph.one(T.taskDef).inputs.containerDefinitions;
            const after = b.graph.one(T.taskDef).inputs.containerDefinitions;
            assert.notEqual(before, after);
            assert.equal(container(a.graph).image, container(b.graph).image);
        });
        it("a changed secret value yields a new task definition; an unchanged one does not", async () => {
            const cloud = new FakeCloud();
            const run = (value: string) => runStack("gamma", { cloud, overrides: { secret: { secrets: { DATABASE_URL: value } } } });
            const first = container((await run("postgres://db/v1")).graph);
            const same = container((await run("postgres://db/v1")).graph);
            const changed = container((await run("postgres://db/v2")).graph);
            assert.deepEqual(same, first);
            assert.notDeepEqual(changed, first);
            assert.deepEqual(changed.secrets, first.secrets); // same ARN: only the version label moved
            assert.deepEqual(
                [first.dockerLabels, changed.dockerLabels],
                [{ "shipyard.secret-versions": "DATABASE_URL=1" }, { "shipyard.secret-versions": "DATABASE_URL=2" }],
            );
        });
    });

    describe("deployment strategies", () => {
        type Service = {
            deploymentConfiguration: { strategy: string; bakeTimeInMinutes?: string; lifecycleHooks?: unknown[] };
            deploymentCircuitBreaker?: unknown;
            loadBalancers: { targetGroupArn: string; advancedConfiguration?: Record<string, string> }[];
        };
        const service = (graph: Graph) => graph.one(T.service).inputs as unknown as Service;

        it("alpha, beta and gamma roll with the circuit breaker: one target group, only the origin-header rule, no ECS load balancer role", () => {
            for (const s of ["alpha", "beta", "gamma"]) {
                const svc = service(g(s));
                assert.deepEqual(svc.deploymentConfiguration, { strategy: "ROLLING" }, s);
                assert.deepEqual(svc.deploymentCircuitBreaker, { enable: true, rollback: true }, s);
                assert.equal(svc.loadBalancers[0].advancedConfiguration, undefined, s);
                assert.deepEqual(
                    [
                        g(s).ofType(T.targetGroup).length,
                        g(s)
                            .ofType(T.listenerRule)
                            .map((r) => r.name),
                        g(s).find(T.role, { name: Match.stringLike(/ecs-lb$/) }).length,
                    ],
                    [1, [`demo-${s}-lb-origin-rule`], 0],
                    s,
                );
            }
        });
        it("live deploys blue/green with the alternate target group, both listener rules and the role, all resources of the same stack", () => {
            const graph = g("live");
            const svc = service(graph);
            assert.deepEqual(svc.deploymentConfiguration.strategy, "BLUE_GREEN");
            assert.equal(svc.deploymentConfiguration.bakeTimeInMinutes, "10");
            assert.equal(svc.deploymentCircuitBreaker, undefined); // rolling only; alarms roll blue/green back
            const arn = (name: string) => graph.byName(name).outputs.arn;
            assert.deepEqual(svc.loadBalancers[0].targetGroupArn, arn("demo-live-lb-tg"));
            assert.deepEqual(svc.loadBalancers[0].advancedConfiguration, {
                alternateTargetGroupArn: arn("demo-live-lb-tg-alt"),
                productionListenerRule: arn("demo-live-lb-production-rule"),
                testListenerRule: arn("demo-live-lb-test-rule"),
                roleArn: graph.one(T.role, { name: "demo-live-web-ecs-lb" }).outputs.arn,
            });
        });
        it("live's production rule sits on the HTTPS listener and its test rule on the test listener; ECS owns their weights", () => {
            const graph = g("live");
            const forward = {
                type: "forward",
                forward: {
                    targetGroups: [
                        { arn: graph.byName("demo-live-lb-tg").outputs.arn, weight: 100 },
                        { arn: graph.byName("demo-live-lb-tg-alt").outputs.arn, weight: 0 },
                    ],
                },
            };
            graph.resourceCountIs(T.listenerRule, 2);
            for (const [rule, listener] of [
                ["demo-live-lb-production-rule", "demo-live-lb-https"],
                ["demo-live-lb-test-rule", "demo-live-lb-test"],
            ]) {
                const r = graph.one(T.listenerRule, { listenerArn: graph.byName(listener).outputs.arn });
                assert.equal(r.name, rule);
                assert.deepEqual(r.inputs.actions, [forward], rule);
                assert.deepEqual(r.inputs.conditions, [{ pathPattern: { values: ["/*"] } }], rule);
                assert.deepEqual(r.ignoreChanges, ["actions"], rule);
            }
            graph.hasResourceProperties(T.listener, { port: 9080, protocol: "HTTP" });
        });
        it("live's ECS load balancer role is assumable by ECS only and carries AWS's managed policy for it", () => {
            const graph = g("live");
            const role = graph.one(T.role, { name: "demo-live-web-ecs-lb" });
            assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy as string), {
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Principal: { Service: "ecs.amazonaws.com" }, Action: "sts:AssumeRole" }],
            });
            assert.deepEqual(
                graph.ofType(T.policyAttachment).map((a) => [a.inputs.role, a.inputs.policyArn]),
                [["demo-live-web-ecs-lb", "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers"]],
            );
        });
        it("live's smoke test runs at POST_TEST_TRAFFIC_SHIFT, invoked by a role that may invoke exactly it, against the test listener", () => {
            const graph = g("live");
            const fn = graph.one(T.lambda, { name: "demo-live-web-smoke-test" });
            const hooks = service(graph).deploymentConfiguration.lifecycleHooks;
            const hookRole = graph.one(T.role, { name: "demo-live-web-ecs-hook" });
            assert.deepEqual(hooks, [{ hookTargetArn: fn.outputs.arn, roleArn: hookRole.outputs.arn, lifecycleStages: ["POST_TEST_TRAFFIC_SHIFT"] }]);
            assert.deepEqual(JSON.parse(graph.one(T.rolePolicy, { role: "demo-live-web-ecs-hook-id" }).inputs.policy as string), {
                Version: "2012-10-17",
                Statement: [{ Sid: "InvokeSmokeTest", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: fn.outputs.arn }],
            });
            assert.deepEqual(fn.inputs.environment, {
                variables: {
                    SMOKE_BASE_URL: `http://${String(graph.one(T.alb).outputs.dnsName)}:9080`,
                    SMOKE_CHECKS: '[{"path":"/health","expectStatus":200}]',
                },
            });
            assert.deepEqual(pick(fn.inputs, ["runtime", "handler", "timeout"]), { runtime: "nodejs22.x", handler: "smokeHook/handler.handler", timeout: 30 });
            // It runs in the private subnets, whose NAT addresses are what the test listener admits.
            assert.deepEqual(
                (fn.inputs.vpcConfig as { subnetIds: string[] }).subnetIds,
                graph.find(T.subnet, { tags: { tier: "private" } }).map((x) => `${x.name}-id`),
            );
            for (const s of ["alpha", "beta", "gamma"]) assert.equal(g(s).find(T.lambda, { name: Match.stringLike(/smoke-test$/) }).length, 0, s);
        });
        it("the smoke test's package is functions/smokeHook transpiled, one .js per .ts at the same path, with the handler module", () => {
            const code = g("live").one(T.lambda, { name: "demo-live-web-smoke-test" }).inputs.code as { assets: Record<string, { text: string }> };
            const sources = ["smokeHook", "lib"].flatMap((dir) => {
                const full = path.join(__dirname, "..", "functions", dir);
                return fs.existsSync(full)
                    ? fs
                          .readdirSync(full)
                          .filter((f) => f.endsWith(".ts"))
                          .map((f) => `${dir}/${f.replace(/\.ts$/, ".js")}`)
                    : [];
            });
            assert.deepEqual(Object.keys(code.assets).sort(), sources.sort());
            assert.match(code.assets["smokeHook/handler.js"].text, /exports\.handler = /);
            assert.doesNotMatch(code.assets["smokeHook/handler.js"].text, /^import /m);
        });
        it("the deployment alarms watch both target groups under blue/green and the one under rolling", () => {
            const groupsWatched = (s: string) =>
                [
                    ...new Set(
                        g(s)
                            .ofType(T.alarm)
                            .filter((a) => String(a.inputs.name).includes("-deploy-"))
                            .flatMap((a) =>
                                (a.inputs.metricQueries as { metric?: { dimensions: { TargetGroup: string } } }[]).map((q) => q.metric?.dimensions.TargetGroup),
                            )
                            .filter((x) => x !== undefined),
                    ),
                ].sort();
            assert.deepEqual(groupsWatched("beta"), [g("beta").byName("demo-beta-lb-tg").outputs.arnSuffix]);
            assert.deepEqual(
                groupsWatched("live"),
                [g("live").byName("demo-live-lb-tg").outputs.arnSuffix, g("live").byName("demo-live-lb-tg-alt").outputs.arnSuffix].sort(),
            );
            const share = g("live").one(T.alarm, { name: "demo-live-web-deploy-5xx" }).inputs;
            assert.equal(share.threshold, 5);
            const queries = share.metricQueries as { id: string; expression?: string; metric?: { metricName: string; dimensions: { TargetGroup: string } } }[];
            const expression = queries.find((q) => q.id === "share")?.expression ?? "";
            // The metric ids the expression reads are the ones the alarm queries.
            const ids = queries.filter((q) => q.metric).map((q) => `${q.id}=${q.metric?.metricName}`);
            assert.deepEqual(ids.sort(), ["e0=HTTPCode_Target_5XX_Count", "e1=HTTPCode_Target_5XX_Count", "r0=RequestCount", "r1=RequestCount"]);
            // What it computes, per minute: the 5xx share across both target groups, from 10 requests on.
            assert.equal(evaluate(expression, { r0: 100, e0: 6 }), 6); // no 5xx datapoint in the other group: 0
            assert.equal(evaluate(expression, { r0: 50, e0: 1, r1: 50, e1: 9 }), 10);
            assert.equal(evaluate(expression, { r0: 9, e0: 9 }), 0); // 9 requests: too few to judge
            assert.equal(evaluate(expression, {}), 0); // no traffic at all is no failure
            const p99 = g("live").one(T.alarm, { name: "demo-live-web-deploy-p99" }).inputs;
            const p99Expression = (p99.metricQueries as { id: string; expression?: string }[]).find((q) => q.id === "p99")?.expression ?? "";
            assert.equal(evaluate(p99Expression, { t0: 0.25, t1: 2.5 }), 2500); // seconds in, milliseconds out, the worse group
            assert.equal(p99.threshold, 2000);
        });
        it("pulumi up waits for the service as long as the rollout's worst case needs: bake time and smoke test callbacks included", () => {
            const timeouts = STACKS.map((s) => g(s).one(T.service).customTimeouts);
            // rolling stacks: well under the provider's 20 minutes, which stays; live: 90 s healthy + 30 s drain
            // + 6 s smoke + 150 s callbacks + 10 min bake = 14.6 min, rounded up, plus 15 minutes to start tasks.
            assert.deepEqual(timeouts, [
                { create: "20m", update: "20m", delete: undefined },
                { create: "20m", update: "20m", delete: undefined },
                { create: "20m", update: "20m", delete: undefined },
                { create: "30m", update: "30m", delete: undefined },
            ]);
        });
        it("switching a stack's strategy is one setting: gamma to blueGreen, live to rolling", async () => {
            const gamma = await runStack("gamma", { overrides: { set: { deployment: "blueGreen" } } });
            const live = await runStack("live", { overrides: { set: { deployment: "rolling" } } });
            assert.deepEqual([gamma.error, live.error], [undefined, undefined]);
            assert.deepEqual(
                [service(gamma.graph).deploymentConfiguration, gamma.graph.ofType(T.targetGroup).length, gamma.graph.ofType(T.listenerRule).length],
                [{ strategy: "BLUE_GREEN", bakeTimeInMinutes: "5" }, 2, 2],
            );
            // Behind Cloudflare the origin header moves from the listener to a web ACL (gamma has no waf).
            assert.deepEqual(
                gamma.graph.ofType("aws:wafv2/webAcl:WebAcl").map((a) => (a.inputs.rules as { name: string }[]).map((r) => r.name)),
                [["origin-header"]],
            );
            assert.deepEqual(
                [
                    service(live.graph).deploymentConfiguration,
                    service(live.graph).deploymentCircuitBreaker,
                    live.graph.ofType(T.targetGroup).length,
                    live.graph.ofType(T.listener).length,
                ],
                [{ strategy: "ROLLING" }, { enable: true, rollback: true }, 1, 2],
            );
            assert.deepEqual(
                live.graph.ofType(T.listenerRule).map((r) => r.name),
                ["demo-live-lb-origin-rule"],
            );
        });
        it("a blue/green setting the strategy cannot use is rejected before any resource is created", async () => {
            const run = await runStack("beta", { overrides: { set: { smokeTest: true, bakeTimeMinutes: 31 } } });
            assert.ok(run.error);
            assert.equal(
                run.error.message,
                [
                    'stack "beta" has invalid configuration:',
                    "  - key shipyard:bakeTimeMinutes = 31: allowed: 0 to 30 minutes: pulumi up and the deploy job wait through the bake time (the job's timeout is 60 minutes; ECS itself allows up to 1440)",
                    "  - key shipyard:smokeTest = true: the smoke test requests the test listener, which only deployment blueGreen has (deployment is rolling); allowed: false, or set deployment: blueGreen",
                ].join("\n"),
            );
            assert.equal(run.graph.all.length, 0);
        });
    });

    describe("promoting one build from alpha to live", () => {
        // What the deploy workflow does in each environment: `pulumi config set image <ref>`, then up.
        // One run at a time: the mock runtime is process-wide.
        const runEach = async (image: string) => {
            const out: StackRun[] = [];
            for (const stack of STACKS) out.push(await runStack(stack, { overrides: { set: { image } } }));
            return out;
        };
        const REGISTRY = "210987654321.dkr.ecr.eu-west-1.amazonaws.com";
        const DIGEST = `sha256:${"c0ffee42".repeat(8)}`;
        const REF = `${REGISTRY}/demo-web@${DIGEST}`;

        it("the digest set in all four stacks is exactly the image of every task definition and the stack output", async () => {
            const promoted = await runEach(REF);
            assert.deepEqual(
                promoted.map((r) => [r.stack, r.error, container(r.graph).image, r.outputs?.image]),
                STACKS.map((s) => [s, undefined, REF, REF]),
            );
        });
        it("each environment's execution role may pull from exactly the promoted image's repository", async () => {
            const run = await runStack("live", { overrides: { set: { image: REF } } });
            const policy = JSON.parse(run.graph.one(T.rolePolicy, { role: Match.stringLike(/execution/) }).inputs.policy as string) as {
                Statement: { Sid: string; Resource: unknown }[];
            };
            assert.deepEqual(policy.Statement.find((s) => s.Sid === "PullOwnImage")?.Resource, "arn:aws:ecr:eu-west-1:210987654321:repository/demo-web");
        });
        it("alpha and beta also accept the git-SHA tag the build pushed; gamma and live refuse it, naming the stack and the value", async () => {
            const tagged = `${REGISTRY}/demo-web:${"a1b2c3d4e5".repeat(4)}`;
            const runs = await runEach(tagged);
            assert.deepEqual(
                runs.slice(0, 2).map((r) => [r.error, container(r.graph).image]),
                [
                    [undefined, tagged],
                    [undefined, tagged],
                ],
            );
            for (const r of runs.slice(2)) {
                assert.ok(r.error, `${r.stack} accepted a tag`);
                assert.match(
                    r.error.message,
                    new RegExp(`stack "${r.stack}" has invalid configuration:\\n {2}- key shipyard:image = "${tagged}": ${r.stack} accepts only`),
                );
                assert.equal(r.graph.all.length, 0);
            }
        });
    });

    describe("invalid configuration", () => {
        it("fails before any resource is created, naming the stack, key and value", async () => {
            const run = await runStack("live", { overrides: { set: { minTasks: 1 } } });
            assert.ok(run.error);
            assert.match(run.error.message, /stack "live" has invalid configuration:\n {2}- key shipyard:minTasks = 1: live needs at least 2 tasks/);
            assert.equal(run.graph.all.length, 0);
        });
        it("a required key missing from a stack file is reported as the CLI would", async () => {
            await assert.rejects(runStack("beta", { overrides: { remove: ["image"] } }), /Stack 'beta' is missing configuration value 'shipyard:image'/);
        });
    });
});

/** Resource types the AWS provider gives no tags argument. */
const NOT_TAGGABLE = new Set([
    // Cloudflare records carry a comment naming the stack instead (their tags need a paid plan).
    "cloudflare:index/dnsRecord:DnsRecord",
    "aws:acm/certificateValidation:CertificateValidation",
    "aws:route53/record:Record",
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
    "aws:wafv2/webAclAssociation:WebAclAssociation",
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
    "aws:kms/alias:Alias",
    "aws:sns/topicPolicy:TopicPolicy",
    "aws:scheduler/schedule:Schedule",
    "aws:cloudwatch/dashboard:Dashboard",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:ec2/route:Route",
    "aws:ec2/routeTableAssociation:RouteTableAssociation",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
    "aws:appautoscaling/policy:Policy",
]);

function pick(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
    return Object.fromEntries(keys.map((k) => [k, o[k]]));
}

export type { Recorded };
