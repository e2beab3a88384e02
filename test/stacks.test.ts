/**
 * The real program, run once per committed stack file under the mock runtime, with web's secret set
 * as `pulumi config set --secret --path secrets.web.DATABASE_URL` would. Every service a stack file
 * declares (`shipyard:services`) is checked; what each should run with is read from the stack file
 * and the documented defaults, not from the code under test.
 */
import * as assert from "assert/strict";
import { createHash } from "crypto";
import { parse } from "yaml";
import * as fs from "fs";
import * as path from "path";
import { Graph, Match, Recorded } from "../offline/graph";
import { evaluate } from "./harness/metricMath";
import { FakeCloud, ORIGIN_SECRET, runStack, StackRun } from "../offline/runStack";
import { FIXTURE_CLOUD } from "./setup";
import { committedStacks, stackFile, StackFileService, stackServices } from "../offline/stackConfig";

const DB_URL = "postgres://app:s3cr3t-pa55@db.internal:5432/app";
/** The one service the tests give a secret (`secrets.web.DATABASE_URL`). */
const SECRET_SERVICE = "web";
const STACKS = ["alpha", "beta", "gamma", "live"] as const;
type Stack = (typeof STACKS)[number];
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
    namespace: "aws:servicediscovery/httpNamespace:HttpNamespace",
    taskDef: "aws:ecs/taskDefinition:TaskDefinition",
    service: "aws:ecs/service:Service",
    param: "aws:ssm/parameter:Parameter",
    role: "aws:iam/role:Role",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    /** Application and network load balancers alike. */
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
const BLUE_GREEN = new Set<string>(["live"]);

/**
 * The documented per-environment defaults (README "Environments"; Pulumi.yaml for the rest) that
 * the committed stack files rely on; a service's own setting in its stack file wins.
 */
const DEFAULTS: Record<Stack, { logLevel: string; minTasks: number; maxTasks: number; spot: boolean; gracePeriodSeconds: number }> = {
    alpha: { logLevel: "debug", minTasks: 1, maxTasks: 2, spot: true, gracePeriodSeconds: 20 },
    beta: { logLevel: "info", minTasks: 1, maxTasks: 2, spot: true, gracePeriodSeconds: 20 },
    gamma: { logLevel: "info", minTasks: 2, maxTasks: 4, spot: false, gracePeriodSeconds: 20 },
    live: { logLevel: "info", minTasks: 2, maxTasks: 6, spot: false, gracePeriodSeconds: 60 },
};
/** Pulumi.yaml: containerPort, and the blocks a load balancer is open to when its records are not proxied. */
const CONTAINER_PORT = 8080;
const INGRESS_CIDRS = ["0.0.0.0/0"];
const INGRESS_IPV6_CIDRS = ["::/0"];
/** An http service's routes and rule priority when its stack file sets none (`@default` in stacks/services.ts). */
const DEFAULT_PATHS = ["/*"];
const DEFAULT_RULE_PRIORITY = 50000;

type Exposure = StackFileService["expose"];

/** The services of a stack file, in file order. */
function declared(stack: string): [string, StackFileService][] {
    return Object.entries(stackServices(stack));
}
/** The stack file's services that run as ECS services: all but its jobs (a job is a schedule, test/messaging.test.ts). */
function running(stack: string): [string, StackFileService][] {
    return declared(stack).filter(([, s]) => s.expose !== "job");
}
/** What the messaging adds of each kind (test/messaging.test.ts): topics by publisher, queues by worker, jobs. */
function messagingOf(stack: string) {
    const all = declared(stack);
    return {
        topics: all.flatMap(([n, s]) =>
            ((s.publish as (string | { name: string })[] | undefined) ?? []).map((t) => `${n}-${typeof t === "string" ? t : t.name}`),
        ),
        queues: all.filter(([, s]) => s.subscribe !== undefined).map(([n]) => n),
        jobs: all.filter(([, s]) => s.expose === "job").map(([n]) => n),
        backlog: all.filter(([, s]) => s.scaling !== undefined).map(([n, s]) => ({ name: n, toZero: s.minTasks === 0 })),
    };
}
/** Names of the stack file's services exposed as `expose`. */
function exposed(stack: string, expose: Exposure): string[] {
    return declared(stack)
        .filter(([, s]) => s.expose === expose)
        .map(([n]) => n);
}
/** The stack file's services that declare they call `callee`. */
/** The stack file's services that declare they use the database, or the assets bucket. */
function usersOf(stack: string, what: "database" | "assets"): string[] {
    return declared(stack)
        .filter(([, s]) => (s.uses ?? []).includes(what))
        .map(([n]) => n);
}
/** The secret RDS keeps the database's master user in, as the (mock) cloud reported it. */
function databaseSecretArn(graph: Graph): string {
    const secrets = graph.one("aws:rds/instance:Instance").outputs.masterUserSecrets as { secretArn: string }[];
    assert.equal(secrets.length, 1);
    return secrets[0].secretArn;
}
function callersOf(stack: string, callee: string): string[] {
    return declared(stack)
        .filter(([, s]) => (s.calls ?? []).includes(callee))
        .map(([n]) => n);
}
/** A whole-number setting of the service in its stack file, or the documented default. */
function setting(spec: StackFileService, key: "minTasks" | "maxTasks", fallback: number): number {
    const v = spec[key];
    return typeof v === "number" ? v : fallback;
}
/** The ECR repository ARN of an image reference `<account>.dkr.ecr.<region>.amazonaws.com/<repo>[:tag|@digest]`. */
function repositoryArn(image: string): string {
    const m = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/([^@:]+)/.exec(image);
    assert.ok(m, `not an ECR image: ${image}`);
    return `arn:aws:ecr:${m[2]}:${m[1]}:repository/${m[3]}`;
}

type Container = {
    name: string;
    image: string;
    environment: { name: string; value: string }[];
    secrets: { name: string; valueFrom: string }[];
    readonlyRootFilesystem: boolean;
    healthCheck: { command: string[] };
    linuxParameters?: { initProcessEnabled?: boolean };
    dockerLabels?: Record<string, string>;
    stopTimeout: number;
};

/** A service's app container: the first of its task definition, followed at most by the tracing collector. */
function container(graph: Graph, stack: string, svc: string): Container {
    const defs = JSON.parse(named(graph, T.taskDef, `demo-${stack}-${svc}-task`).inputs.containerDefinitions as string) as Container[];
    assert.deepEqual(
        defs.map((d) => d.name),
        [svc, ...(defs.length > 1 ? ["otel-collector"] : [])],
    );
    return defs[0];
}

function envOf(c: Container): Record<string, string> {
    return Object.fromEntries(c.environment.map((e) => [e.name, e.value]));
}

type EcsService = {
    cluster: string;
    deploymentMinimumHealthyPercent: number;
    deploymentMaximumPercent: number;
    healthCheckGracePeriodSeconds?: number;
    deploymentConfiguration: { strategy: string; bakeTimeInMinutes?: string; lifecycleHooks?: unknown[] };
    deploymentCircuitBreaker?: unknown;
    alarms?: { alarmNames: string[]; enable: boolean; rollback: boolean };
    loadBalancers?: { targetGroupArn: string; containerName: string; containerPort: number; advancedConfiguration?: Record<string, string> }[];
    networkConfiguration: { assignPublicIp: boolean; subnets: string[]; securityGroups: string[] };
    capacityProviderStrategies: { capacityProvider: string }[];
};
function ecsService(graph: Graph, stack: string, svc: string): EcsService {
    return graph.byName(`demo-${stack}-${svc}-service`).inputs as unknown as EcsService;
}

type PolicyDocument = { Statement: { Sid?: string; Action: string | string[]; Resource: string | string[] }[] };
/** The inline policy of a service's execution role. */
function executionPolicy(graph: Graph, stack: string, svc: string): PolicyDocument {
    return JSON.parse(graph.one(T.rolePolicy, { role: `demo-${stack}-${svc}-execution` }).inputs.policy as string) as PolicyDocument;
}

/** The target group ECS registers a service's tasks in (the blue one under blue/green), if it has a load balancer. */
function targetGroupOf(stack: string, svc: string, expose: Exposure): string | undefined {
    return expose === "http" ? `demo-${stack}-lb-${svc}-tg` : expose === "tcp" ? `demo-${stack}-${svc}-nlb-tg` : undefined;
}

function stackValue(stack: string, key: string): unknown {
    return (parse(fs.readFileSync(stackFile(stack), "utf8")) as { config: Record<string, unknown> }).config[key];
}

/** The one resource of `type` named `name` (a service's task definition and task role share a name). */
function named(graph: Graph, type: string, name: string): Recorded {
    const found = graph.ofType(type).filter((r) => r.name === name);
    assert.equal(found.length, 1, `${found.length} ${type} named ${name}`);
    return found[0];
}

function namesOf(graph: Graph, type: string): string[] {
    return graph
        .ofType(type)
        .map((r) => r.name)
        .sort();
}

describe("the program under the mock runtime, per fixture stack", function () {
    this.timeout(30_000);
    const runs = new Map<string, StackRun>();

    before(async () => {
        for (const stack of STACKS) {
            runs.set(stack, await runStack(stack, { overrides: { secret: { secrets: { [SECRET_SERVICE]: { DATABASE_URL: DB_URL } } } } }));
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
        const p = `demo-${stack}`;
        const services = running(stack);
        const names = services.map(([n]) => n);
        const messaging = messagingOf(stack);
        const backlogNames = messaging.backlog.map((b) => b.name);
        const http = exposed(stack, "http");
        const tcp = exposed(stack, "tcp");
        const internal = exposed(stack, "internal");
        const blueGreen = BLUE_GREEN.has(stack);

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
            it("has one VPC, one cluster, one application load balancer and one network load balancer per tcp service of its stack file", () => {
                const graph = g(stack);
                graph.resourceCountIs(T.vpc, 1);
                assert.deepEqual(namesOf(graph, T.cluster), [`${p}-cluster-cluster`]);
                assert.deepEqual(
                    graph
                        .ofType(T.alb)
                        .map((r) => [r.name, r.inputs.loadBalancerType])
                        .sort(),
                    [[`${p}-lb-alb`, "application"], ...tcp.map((s) => [`${p}-${s}-nlb-nlb`, "network"])].sort(),
                );
                // The Service Connect namespace exists only for internal services to be found in.
                assert.deepEqual(namesOf(graph, T.namespace), internal.length > 0 ? [`${p}-cluster-namespace`] : []);
            });
            it("has one ECS service, task definition, scaling target and two scaling policies per declared service, and a target group per route", () => {
                const graph = g(stack);
                const per = (suffix: string) => names.map((n) => `${p}-${n}-${suffix}`).sort();
                assert.deepEqual(namesOf(graph, T.service), per("service"));
                // A job has a task definition and no service (test/messaging.test.ts).
                assert.deepEqual(namesOf(graph, T.taskDef), [...names, ...messaging.jobs].map((n) => `${p}-${n}-task`).sort());
                assert.deepEqual(namesOf(graph, T.scalingTarget), per("scaling"));
                // A worker scaling on its backlog has backlog tracking and a wake policy (and an idle one at minTasks 0) instead.
                const utilisation = names.filter((n) => !backlogNames.includes(n));
                assert.deepEqual(
                    namesOf(graph, T.scalingPolicy),
                    [
                        ...utilisation.flatMap((n) => [`${p}-${n}-scale-cpu`, `${p}-${n}-scale-memory`]),
                        ...messaging.backlog.flatMap((b) => [
                            `${p}-${b.name}-scale-backlog`,
                            `${p}-${b.name}-scale-wake`,
                            ...(b.toZero ? [`${p}-${b.name}-scale-idle`] : []),
                        ]),
                    ].sort(),
                );
                assert.deepEqual(
                    namesOf(graph, T.targetGroup),
                    [...http.flatMap((s) => [`${p}-lb-${s}-tg`, ...(blueGreen ? [`${p}-lb-${s}-tg-alt`] : [])]), ...tcp.map((s) => `${p}-${s}-nlb-tg`)].sort(),
                );
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
                // The environment, named after the app, and under it: network, alarm topic, certificate,
                // load balancer (the ALB), DNS, cluster, monitoring, database, assets bucket; a
                // ContainerService per service and a NetworkLoadBalancer per tcp service; + the WAF, the
                // smoke test, the backup plan and the load balancer's log bucket in live: 13 in alpha (web, api),
                // 15 in beta and gamma, 19 in live.
                // beta also has web's order-events topic, mailer's queue and the nightly-report job (test/messaging.test.ts).
                assert.equal(components.length, { alpha: 13, beta: 19, gamma: 15, live: 19 }[stack]);
                assert.deepEqual(
                    components.map((c) => [c.name, c.type]).sort(),
                    [
                        ["demo", "shipyard:environment:Environment"],
                        [p, "shipyard:network:Network"],
                        [`${p}-alarms`, "shipyard:monitoring:AlarmTopic"],
                        [`${p}-cert`, "shipyard:tls:DnsValidatedCertificate"],
                        [`${p}-lb`, "shipyard:lb:LoadBalancedApp"],
                        [`${p}-dns`, "shipyard:dns:CloudflareDns"],
                        [`${p}-cluster`, "shipyard:ecs:ServiceCluster"],
                        [`${p}-monitoring`, "shipyard:monitoring:Monitoring"],
                        [`${p}-db`, "shipyard:data:Database"],
                        [`${p}-assets`, "shipyard:data:AssetsBucket"],
                        ...names.map((n) => [`${p}-${n}`, "shipyard:ecs:ContainerService"]),
                        ...messaging.topics.map((t) => [`${p}-${t}`, "shipyard:messaging:MessageTopic"]),
                        ...messaging.queues.map((n) => [`${p}-${n}-messages`, "shipyard:messaging:WorkQueue"]),
                        ...messaging.jobs.map((n) => [`${p}-${n}`, "shipyard:jobs:ScheduledJob"]),
                        ...tcp.map((n) => [`${p}-${n}-nlb`, "shipyard:lb:NetworkLoadBalancer"]),
                        ...(blueGreen
                            ? [
                                  [`${p}-waf`, "shipyard:waf:WebAcl"],
                                  [`${p}-web-smoke`, "shipyard:ecs:SmokeTest"],
                                  [`${p}-backup`, "shipyard:data:BackupPlan"],
                                  [`${p}-logs`, "shipyard:logs:LogBucket"],
                              ]
                            : []),
                    ].sort(),
                );
                for (const c of components) {
                    const children = g(stack).childrenOf(c);
                    assert.ok(children.length > 0, c.name);
                    for (const child of children) assert.ok(child.name.startsWith(`${c.name}-`), `${child.name} under ${c.name}`);
                }
            });
            it("keeps every resource's URN from before the Environment component as an alias, so a deployed stack replaces nothing", () => {
                const all = g(stack).all;
                const environment = all.filter((r) => r.type === "shipyard:environment:Environment");
                assert.deepEqual(
                    environment.map((r) => [r.urn, r.aliases]),
                    [[`urn:pulumi:${stack}::shipyard::shipyard:environment:Environment::demo`, []]],
                );
                // Its children were the stack's: each aliases its URN without the environment in the type chain.
                const under = `urn:pulumi:${stack}::shipyard::shipyard:environment:Environment$`;
                const others = all.filter((r) => r !== environment[0]);
                for (const r of others) {
                    assert.ok(r.urn.startsWith(under), r.urn);
                    // (The provider's own type aliases, such as BucketV2's for Bucket, come along.)
                    assert.ok(r.aliases.includes(`urn:pulumi:${stack}::shipyard::${r.urn.slice(under.length)}`), `${r.name}: ${r.aliases.join(", ")}`);
                }
                // The database (protected in live) among them.
                assert.ok(
                    g(stack)
                        .one("aws:rds/instance:Instance")
                        .aliases.includes(`urn:pulumi:${stack}::shipyard::shipyard:data:Database$aws:rds/instance:Instance::${p}-db-instance`),
                );
            });
            it("outputs every service's image, exposure, cluster and ECS service, the cluster and the public URLs", () => {
                const run = runs.get(stack);
                assert.ok(run?.outputs);
                const o = run.outputs;
                assert.deepEqual(
                    o.services,
                    Object.fromEntries(services.map(([n, s]) => [n, { image: s.image, exposure: s.expose, clusterName: p, serviceName: `${p}-${n}` }])),
                );
                assert.equal(o.clusterName, p);
                // The ALB's names, then each NLB's.
                const hosts = (e: Exposure) => services.filter(([, s]) => s.expose === e).flatMap(([, s]) => [...(s.hosts ?? [])]);
                assert.deepEqual(
                    o.urls,
                    [...hosts("http"), ...hosts("tcp")].map((h) => `https://${h}`),
                );
                // One service's outputs no longer make sense with several: they are per service now.
                for (const gone of ["image", "serviceName", "taskDefinitionArn"]) assert.equal(gone in o, false, gone);
            });
            it("passes web's secret to web alone, only by valueFrom from an SSM SecureString, never in plain text", () => {
                const graph = g(stack);
                const paramArn = `arn:aws:ssm:eu-west-1:123456789012:parameter/demo/${stack}/${SECRET_SERVICE}/DATABASE_URL`;
                assert.deepEqual(namesOf(graph, T.param), [`${p}-${SECRET_SERVICE}-secret-DATABASE_URL`]);
                const param = graph.one(T.param, { type: "SecureString", name: `/demo/${stack}/${SECRET_SERVICE}/DATABASE_URL` });
                assert.deepEqual(param.secretPaths, ["value"]);
                // The database's users get its credentials, by valueFrom from RDS's secret (test/data.test.ts).
                const dbSecret = databaseSecretArn(graph);
                const dbUsers = usersOf(stack, "database");
                assert.equal(dbUsers.includes(SECRET_SERVICE), false);
                for (const svc of names) {
                    const c = container(graph, stack, svc);
                    assert.deepEqual(
                        c.secrets,
                        svc === SECRET_SERVICE
                            ? [{ name: "DATABASE_URL", valueFrom: paramArn }]
                            : dbUsers.includes(svc)
                              ? [
                                    { name: "DATABASE_PASSWORD", valueFrom: `${dbSecret}:password::` },
                                    { name: "DATABASE_USER", valueFrom: `${dbSecret}:username::` },
                                ]
                              : [],
                        svc,
                    );
                    assert.equal("DATABASE_URL" in envOf(c), false, svc);
                    assert.equal("DATABASE_PASSWORD" in envOf(c), false, svc);
                }
                // No role but web's execution role may read it.
                assert.deepEqual(
                    graph
                        .ofType(T.rolePolicy)
                        .filter((r) => String(r.inputs.policy).includes("ssm:") || String(r.inputs.policy).includes(paramArn))
                        .map((r) => r.name),
                    [`${p}-${SECRET_SERVICE}-execution`],
                );
                // Nowhere in the graph in plain text, except the parameter's own (secret) value.
                const plainHits = graph.all.filter((r) => JSON.stringify(r.inputs).includes("s3cr3t-pa55") && !(r.type === T.param));
                assert.deepEqual(
                    plainHits.map((r) => r.name),
                    [],
                );
            });
            it("gives IAM policies only to the execution roles, the endpoint check and its schedule; in live also flow logs, tracing, the smoke test and its hook", () => {
                const live = stack === "live";
                assert.deepEqual(namesOf(g(stack), T.rolePolicy), [
                    ...[
                        ...(live ? [`${p}-flow-logs`] : []),
                        `${p}-monitoring-endpoint-check`,
                        `${p}-monitoring-endpoint-check-schedule`,
                        ...(live ? [`${p}-web-smoke-function`] : []),
                        ...(blueGreen ? http.map((s) => `${p}-${s}-ecs-hook`) : []),
                        ...[...names, ...messaging.jobs].map((s) => `${p}-${s}-execution`),
                        ...(live ? names.map((s) => `${p}-${s}-task-tracing`) : []),
                        // Reading the assets bucket (test/data.test.ts); publishing to its topics, consuming its queue (test/messaging.test.ts).
                        ...[
                            ...new Set([
                                ...usersOf(stack, "assets"),
                                ...messaging.queues,
                                ...declared(stack)
                                    .filter(([, x]) => x.publish !== undefined)
                                    .map(([n]) => n),
                            ]),
                        ].map((s) => `${p}-${s}-task-access`),
                        // A job's state machine and its schedule (test/messaging.test.ts).
                        ...messaging.jobs.flatMap((j) => [`${p}-${j}-runner`, `${p}-${j}-scheduler`]),
                    ].sort(),
                ]);
            });
            it("has deployment alarms for its http services only: tcp, internal and worker services roll back with the circuit breaker", () => {
                assert.deepEqual(
                    g(stack)
                        .ofType(T.alarm)
                        .map((a) => String(a.inputs.name))
                        .filter((n) => n.includes("-deploy-"))
                        .sort(),
                    http.flatMap((s) => [`${p}-${s}-deploy-5xx`, `${p}-${s}-deploy-p99`]).sort(),
                );
            });
            it("admits the internet only at its load balancers: Cloudflare's ranges at the ALB, ingressCidrs at each NLB's listeners, NAT addresses at the test port", () => {
                const graph = g(stack);
                const albSg = `${p}-lb-sg-id`;
                // 80 and 443 from Cloudflare's ranges at the ALB (its records are proxied); the NLB's
                // listener ports from ingressCidrs (Cloudflare cannot proxy raw TCP, so these names
                // are DNS-only and open); the blue/green test port only from the NAT gateways' addresses.
                const cloudflare = [...FIXTURE_CLOUD.cloudflareRanges.ipv4Cidrs, ...FIXTURE_CLOUD.cloudflareRanges.ipv6Cidrs];
                const open = [
                    ...((stackValue(stack, "shipyard:ingressCidrs") as string[] | undefined) ?? INGRESS_CIDRS),
                    ...((stackValue(stack, "shipyard:ingressIpv6Cidrs") as string[] | undefined) ?? INGRESS_IPV6_CIDRS),
                ];
                const natIps = graph.ofType(T.eip).map((e) => `${String(e.outputs.publicIp)}/32`);
                const expected = [
                    ...[80, 443].flatMap((port) => cloudflare.map((c) => [albSg, port, c])),
                    ...tcp.flatMap((s) => (stackServices(stack)[s].listeners ?? []).flatMap((l) => open.map((c) => [`${p}-${s}-nlb-sg-id`, l.port, c]))),
                    ...(blueGreen ? natIps.map((ip) => [albSg, 9080, ip]) : []),
                ];
                const cidrRules = graph.ofType(T.ingress).filter((r) => r.inputs.cidrIpv4 !== undefined || r.inputs.cidrIpv6 !== undefined);
                assert.deepEqual(
                    cidrRules.map((r) => [r.inputs.securityGroupId, r.inputs.fromPort, r.inputs.cidrIpv4 ?? r.inputs.cidrIpv6]).sort(),
                    expected.sort(),
                );
                for (const r of cidrRules) assert.deepEqual([r.inputs.ipProtocol, r.inputs.toPort], ["tcp", r.inputs.fromPort], r.name);
                // Besides those: one rule per load-balanced service from its load balancer, one per declared
                // caller, one per service that uses the database.
                const fromPeers = http.length + tcp.length + internal.reduce((n, s) => n + callersOf(stack, s).length, 0) + usersOf(stack, "database").length;
                graph.resourceCountIs(T.ingress, expected.length + fromPeers);
            });
            it("lets each load balancer send only to its own services' tasks, on their container port", () => {
                const graph = g(stack);
                assert.deepEqual(
                    graph
                        .ofType(T.egress)
                        .map((r) => [
                            r.name,
                            r.inputs.securityGroupId,
                            r.inputs.referencedSecurityGroupId,
                            r.inputs.ipProtocol,
                            r.inputs.fromPort,
                            r.inputs.toPort,
                        ])
                        .sort(),
                    [
                        ...http.map((s) => [`${p}-${s}-lb-to-tasks`, `${p}-lb-sg-id`, `${p}-${s}-sg-id`, "tcp", CONTAINER_PORT, CONTAINER_PORT]),
                        ...tcp.map((s) => [`${p}-${s}-lb-to-tasks`, `${p}-${s}-nlb-sg-id`, `${p}-${s}-sg-id`, "tcp", CONTAINER_PORT, CONTAINER_PORT]),
                    ].sort(),
                );
            });
            it("empties the default security group", () => {
                g(stack).resourceCountIs(T.defaultSg, 1);
                const d = g(stack).one(T.defaultSg).inputs;
                assert.equal(d.ingress, undefined);
                assert.equal(d.egress, undefined);
            });
            it("serves HTTPS with a TLS 1.3 policy, redirects HTTP with a 301, and terminates each tcp service's TLS listener with the same certificate and policy", () => {
                const graph = g(stack);
                const certificateArn = graph.one("aws:acm/certificateValidation:CertificateValidation").outputs.certificateArn;
                const arn = (name: string) => graph.byName(name).outputs.arn;
                const tcpListeners = tcp.flatMap((s) =>
                    (stackServices(stack)[s].listeners ?? []).map((l) => ({ svc: s, port: l.port, protocol: l.protocol ?? "TCP" })),
                );
                assert.deepEqual(
                    namesOf(graph, T.listener),
                    [`${p}-lb-https`, `${p}-lb-http`, ...tcpListeners.map((l) => `${p}-${l.svc}-nlb-${l.port}`), ...(blueGreen ? [`${p}-lb-test`] : [])].sort(),
                );
                const https = graph.byName(`${p}-lb-https`).inputs;
                assert.deepEqual(pick(https, ["loadBalancerArn", "port", "protocol", "certificateArn"]), {
                    loadBalancerArn: arn(`${p}-lb-alb`),
                    port: 443,
                    protocol: "HTTPS",
                    certificateArn,
                });
                assert.match(String(https.sslPolicy), /^ELBSecurityPolicy-TLS13-/);
                assert.deepEqual(pick(graph.byName(`${p}-lb-http`).inputs, ["loadBalancerArn", "port", "protocol", "defaultActions"]), {
                    loadBalancerArn: arn(`${p}-lb-alb`),
                    port: 80,
                    protocol: "HTTP",
                    defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
                });
                assert.deepEqual(tcpListeners.map((l) => [l.svc, l.port, l.protocol]).sort(), tcp.map((s) => [s, 443, "TLS"]).sort());
                for (const l of tcpListeners) {
                    const name = `${p}-${l.svc}-nlb-${l.port}`;
                    assert.deepEqual(
                        pick(graph.byName(name).inputs, ["loadBalancerArn", "port", "protocol", "certificateArn", "sslPolicy", "defaultActions"]),
                        {
                            loadBalancerArn: arn(`${p}-${l.svc}-nlb-nlb`),
                            port: l.port,
                            protocol: "TLS",
                            certificateArn,
                            sslPolicy: https.sslPolicy,
                            defaultActions: [{ type: "forward", targetGroupArn: arn(`${p}-${l.svc}-nlb-tg`) }],
                        },
                        name,
                    );
                }
                if (blueGreen) {
                    // HTTPS with the production listener's certificate and TLS policy (ELB.1).
                    assert.deepEqual(pick(graph.byName(`${p}-lb-test`).inputs, ["loadBalancerArn", "port", "protocol", "sslPolicy", "certificateArn"]), {
                        loadBalancerArn: arn(`${p}-lb-alb`),
                        port: 9080,
                        protocol: "HTTPS",
                        sslPolicy: https.sslPolicy,
                        certificateArn: https.certificateArn,
                    });
                }
                assert.deepEqual(pick(graph.byName(`${p}-lb-alb`).inputs, ["internal", "dropInvalidHeaderFields", "loadBalancerType"]), {
                    internal: false,
                    dropInvalidHeaderFields: true,
                    loadBalancerType: "application",
                });
                for (const s of tcp)
                    assert.deepEqual(pick(graph.byName(`${p}-${s}-nlb-nlb`).inputs, ["internal", "loadBalancerType"]), {
                        internal: false,
                        loadBalancerType: "network",
                    });
            });

            for (const [svc, spec] of services) {
                const d = DEFAULTS[stack];
                describe(`service ${svc} (${spec.expose})`, () => {
                    it("runs the image of its stack file, with APP_ENV, LOG_LEVEL and SERVICE_NAME of its environment and service", () => {
                        const c = container(g(stack), stack, svc);
                        assert.equal(c.image, spec.image);
                        assert.deepEqual(pick(envOf(c), ["APP_ENV", "LOG_LEVEL", "SERVICE_NAME"]), {
                            APP_ENV: stack,
                            LOG_LEVEL: d.logLevel,
                            SERVICE_NAME: svc,
                        });
                    });
                    it(
                        svc === SECRET_SERVICE
                            ? "lets its execution role pull from exactly its ECR repository, write its logs and read exactly its secret"
                            : (spec.uses ?? []).includes("database")
                              ? "lets its execution role pull from exactly its ECR repository, write its logs and read exactly the database's secret"
                              : "lets its execution role pull from exactly its ECR repository and write its logs, and read no secret",
                        () => {
                            const graph = g(stack);
                            const policy = executionPolicy(graph, stack, svc);
                            const byAction = Object.fromEntries(policy.Statement.map((s) => [[s.Action].flat().join(","), s.Resource]));
                            // One repository per service, named after it.
                            assert.equal(repositoryArn(spec.image), `arn:aws:ecr:eu-west-1:123456789012:repository/demo-${svc}`);
                            assert.deepEqual(byAction, {
                                "logs:CreateLogStream,logs:PutLogEvents": `arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/demo/${stack}/${svc}:log-stream:*`,
                                "ecr:GetAuthorizationToken": "*",
                                "ecr:BatchCheckLayerAvailability,ecr:GetDownloadUrlForLayer,ecr:BatchGetImage": repositoryArn(spec.image),
                                ...(svc === SECRET_SERVICE
                                    ? { "ssm:GetParameters": [`arn:aws:ssm:eu-west-1:123456789012:parameter/demo/${stack}/${svc}/DATABASE_URL`] }
                                    : {}),
                                ...((spec.uses ?? []).includes("database") ? { "secretsmanager:GetSecretValue": [databaseSecretArn(graph)] } : {}),
                            });
                            // The task role is the service's own and separate from its execution role.
                            const task = named(graph, T.taskDef, `${p}-${svc}-task`).inputs;
                            assert.deepEqual(
                                [task.executionRoleArn, task.taskRoleArn],
                                [graph.one(T.role, { name: `${p}-${svc}-execution` }).outputs.arn, graph.one(T.role, { name: `${p}-${svc}-task` }).outputs.arn],
                            );
                            assert.notEqual(task.taskRoleArn, task.executionRoleArn);
                        },
                    );
                    it("hardens the container: read-only root, container health check, init process", () => {
                        const c = container(g(stack), stack, svc);
                        assert.equal(c.readonlyRootFilesystem, true);
                        assert.deepEqual(c.healthCheck.command, ["CMD", "node", "dist/healthcheck.js"]);
                        assert.deepEqual(c.linuxParameters, { initProcessEnabled: true });
                        assert.deepEqual(pick(named(g(stack), T.taskDef, `${p}-${svc}-task`).inputs, ["networkMode", "requiresCompatibilities", "volumes"]), {
                            networkMode: "awsvpc",
                            requiresCompatibilities: ["FARGATE"],
                            volumes: [{ name: "tmp" }],
                        });
                    });
                    if (spec.expose === "http") {
                        it("deploys 100%/200% behind the ALB with a grace period and rolls back on its deployment alarms", () => {
                            const graph = g(stack);
                            const s = ecsService(graph, stack, svc);
                            assert.deepEqual(pick(s, ["deploymentMinimumHealthyPercent", "deploymentMaximumPercent", "healthCheckGracePeriodSeconds"]), {
                                deploymentMinimumHealthyPercent: 100,
                                deploymentMaximumPercent: 200,
                                healthCheckGracePeriodSeconds: d.gracePeriodSeconds,
                            });
                            assert.deepEqual(
                                s.loadBalancers?.map((lb) => pick(lb, ["containerName", "containerPort", "targetGroupArn"])),
                                [{ containerName: svc, containerPort: CONTAINER_PORT, targetGroupArn: graph.byName(`${p}-lb-${svc}-tg`).outputs.arn }],
                            );
                            const alarmNames = [`${p}-${svc}-deploy-5xx`, `${p}-${svc}-deploy-p99`];
                            assert.deepEqual(s.alarms, { alarmNames, enable: true, rollback: true });
                            for (const name of alarmNames) assert.equal(graph.find(T.alarm, { name }).length, 1, name);
                        });
                    } else {
                        const lbDoc = spec.expose === "tcp" ? "behind its NLB with a grace period" : "without a load balancer";
                        it(`deploys 100%/200% ${lbDoc} and rolls back with the circuit breaker (no HTTP metrics to alarm on)`, () => {
                            const graph = g(stack);
                            const s = ecsService(graph, stack, svc);
                            const tg = targetGroupOf(stack, svc, spec.expose);
                            assert.deepEqual(
                                pick(s, [
                                    "deploymentMinimumHealthyPercent",
                                    "deploymentMaximumPercent",
                                    "healthCheckGracePeriodSeconds",
                                    "deploymentCircuitBreaker",
                                    "deploymentConfiguration",
                                    "alarms",
                                    "loadBalancers",
                                ]),
                                {
                                    deploymentMinimumHealthyPercent: 100,
                                    deploymentMaximumPercent: 200,
                                    healthCheckGracePeriodSeconds: tg ? d.gracePeriodSeconds : undefined,
                                    deploymentCircuitBreaker: { enable: true, rollback: true },
                                    deploymentConfiguration: { strategy: "ROLLING" },
                                    alarms: undefined,
                                    loadBalancers: tg
                                        ? [{ containerName: svc, containerPort: CONTAINER_PORT, targetGroupArn: graph.byName(tg).outputs.arn }]
                                        : undefined,
                                },
                            );
                        });
                    }
                    const callers = callersOf(stack, svc);
                    const admits = {
                        http: "only the ALB's security group",
                        tcp: "only its NLB's security group",
                        internal: `exactly the services that declare they call it (${callers.join(", ")})`,
                        worker: "nothing",
                        job: "nothing",
                    }[spec.expose];
                    it(spec.expose === "worker" ? "admits nothing: no rule names its security group" : `admits ${admits}, on its container port`, () => {
                        const graph = g(stack);
                        const sources: [string, string][] =
                            spec.expose === "http"
                                ? [[`${p}-${svc}-from-lb`, `${p}-lb-sg-id`]]
                                : spec.expose === "tcp"
                                  ? [[`${p}-${svc}-from-lb`, `${p}-${svc}-nlb-sg-id`]]
                                  : spec.expose === "internal"
                                    ? callers.map((c): [string, string] => [`${p}-${svc}-from-${c}`, `${p}-${c}-sg-id`])
                                    : [];
                        assert.deepEqual(
                            graph
                                .ofType(T.ingress)
                                .filter((r) => r.inputs.securityGroupId === `${p}-${svc}-sg-id`)
                                .map((r) => [
                                    r.name,
                                    ...Object.values(pick(r.inputs, ["referencedSecurityGroupId", "ipProtocol", "fromPort", "toPort", "cidrIpv4", "cidrIpv6"])),
                                ])
                                .sort(),
                            sources.map(([name, sg]) => [name, sg, "tcp", CONTAINER_PORT, CONTAINER_PORT, undefined, undefined]).sort(),
                        );
                        // Its tasks carry exactly that security group.
                        assert.deepEqual(ecsService(graph, stack, svc).networkConfiguration.securityGroups, [`${p}-${svc}-sg-id`]);
                    });
                    it(
                        backlogNames.includes(svc)
                            ? "scales on its queue's backlog between the bounds of its stack file (test/messaging.test.ts)"
                            : "scales on CPU and on memory between the bounds of its stack file or the environment's defaults",
                        () => {
                            const graph = g(stack);
                            const resourceId = `service/${String(graph.byName(`${p}-cluster-cluster`).inputs.name)}/${String(graph.byName(`${p}-${svc}-service`).inputs.name)}`;
                            assert.deepEqual(
                                pick(graph.byName(`${p}-${svc}-scaling`).inputs, ["minCapacity", "maxCapacity", "scalableDimension", "resourceId"]),
                                {
                                    minCapacity: setting(spec, "minTasks", d.minTasks),
                                    maxCapacity: setting(spec, "maxTasks", d.maxTasks),
                                    scalableDimension: "ecs:service:DesiredCount",
                                    resourceId,
                                },
                            );
                            if (backlogNames.includes(svc)) return;
                            const metrics = graph
                                .ofType(T.scalingPolicy)
                                .filter((x) => x.parent === `${p}-${svc}`)
                                .map((x) => [
                                    (x.inputs.targetTrackingScalingPolicyConfiguration as { predefinedMetricSpecification: { predefinedMetricType: string } })
                                        .predefinedMetricSpecification.predefinedMetricType,
                                    x.inputs.resourceId,
                                ])
                                .sort();
                            assert.deepEqual(metrics, [
                                ["ECSServiceAverageCPUUtilization", resourceId],
                                ["ECSServiceAverageMemoryUtilization", resourceId],
                            ]);
                            // Autoscaling owns the running count after the first deploy.
                            assert.deepEqual(graph.byName(`${p}-${svc}-service`).ignoreChanges, ["desiredCount"]);
                        },
                    );
                    it("runs in the environment's one cluster, which has Container Insights on", () => {
                        const graph = g(stack);
                        const cluster = graph.one(T.cluster);
                        assert.deepEqual(cluster.inputs.settings, [{ name: "containerInsights", value: "enabled" }]);
                        assert.equal(ecsService(graph, stack, svc).cluster, cluster.outputs.arn);
                    });
                });
            }
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
        it("tasks of every service: public IPs only in alpha (no NAT); private subnets without public IPs elsewhere", () => {
            for (const s of STACKS) {
                const tier = s === "alpha" ? "public" : "private";
                const subnets = g(s)
                    .find(T.subnet, { tags: { tier } })
                    .map((x) => `${x.name}-id`);
                for (const [svc] of running(s)) {
                    const net = ecsService(g(s), s, svc).networkConfiguration;
                    assert.deepEqual([net.assignPublicIp, net.subnets], [s === "alpha", subnets], `${s} ${svc}`);
                }
            }
        });
        it("capacity of every service: Fargate Spot in alpha and beta, on-demand in gamma and live", () => {
            for (const s of STACKS) {
                for (const [svc, spec] of running(s)) {
                    const spot = typeof spec.spot === "boolean" ? spec.spot : DEFAULTS[s].spot;
                    assert.deepEqual(
                        ecsService(g(s), s, svc).capacityProviderStrategies.map((x) => x.capacityProvider),
                        [spot ? "FARGATE_SPOT" : "FARGATE"],
                        `${s} ${svc}`,
                    );
                }
            }
        });
        it("health checks of every target group: fast outside live, the deployment seed's values in live; the drain grows towards production", () => {
            const seed = { interval: 30, timeout: 5, healthyThreshold: 3, unhealthyThreshold: 2 };
            const fast = { interval: 5, timeout: 4, healthyThreshold: 2, unhealthyThreshold: 2 };
            const drain = { alpha: 5, beta: 5, gamma: 15, live: 30 };
            for (const s of STACKS) {
                const timing = s === "live" ? seed : fast;
                for (const [svc, spec] of declared(s)) {
                    const groups =
                        spec.expose === "http"
                            ? [`demo-${s}-lb-${svc}-tg`, ...(BLUE_GREEN.has(s) ? [`demo-${s}-lb-${svc}-tg-alt`] : [])]
                            : spec.expose === "tcp"
                              ? [`demo-${s}-${svc}-nlb-tg`]
                              : [];
                    for (const tg of groups) {
                        const inputs = g(s).byName(tg).inputs;
                        const hc = inputs.healthCheck as Record<string, unknown>;
                        // An NLB checks that the port accepts a connection: no path, timeout or status codes.
                        const expected =
                            spec.expose === "http"
                                ? {
                                      protocol: "HTTP",
                                      path: typeof spec.healthCheckPath === "string" ? spec.healthCheckPath : "/health",
                                      matcher: "200-299",
                                      ...timing,
                                  }
                                : { protocol: "TCP", path: undefined, matcher: undefined, ...timing, timeout: undefined };
                        assert.deepEqual(
                            pick(hc, ["protocol", "path", "matcher", "interval", "timeout", "healthyThreshold", "unhealthyThreshold"]),
                            expected,
                            tg,
                        );
                        assert.equal(inputs.deregistrationDelay, drain[s], tg);
                    }
                }
            }
            assert.deepEqual(
                pick(g("live").byName("demo-live-lb-web-tg").inputs.healthCheck as Record<string, unknown>, [
                    "path",
                    "healthyThreshold",
                    "unhealthyThreshold",
                    "timeout",
                    "interval",
                    "matcher",
                ]),
                { path: "/health", healthyThreshold: 3, unhealthyThreshold: 2, timeout: 5, interval: 30, matcher: "200-299" },
            );
        });
        it("shutdown matches the drain: every service's stop timeout outlasts its drain, and the app's shutdown ends before the stop timeout", () => {
            for (const s of STACKS) {
                for (const [svc, spec] of declared(s)) {
                    const c = container(g(s), s, svc);
                    const tg = targetGroupOf(s, svc, spec.expose);
                    // Services without a load balancer have nothing to drain.
                    const drain = tg ? (g(s).byName(tg).inputs.deregistrationDelay as number) : 0;
                    const shutdownMs = Number(envOf(c).SHUTDOWN_TIMEOUT_MS);
                    assert.ok(c.stopTimeout > drain, `${s} ${svc}: stop timeout ${c.stopTimeout} s, drain ${drain} s`);
                    assert.equal(shutdownMs, (c.stopTimeout - 2) * 1000, `${s} ${svc}`);
                }
            }
            assert.deepEqual(
                STACKS.map((s) => [...new Set(declared(s).map(([svc]) => container(g(s), s, svc).stopTimeout))]),
                [[30], [30], [30], [45]],
            );
        });
        it("flow logs, and deletion protection on every load balancer, only in live", () => {
            assert.deepEqual(
                STACKS.map((s) => g(s).ofType(T.flowLog).length),
                [0, 0, 0, 1],
            );
            g("live").hasResourceProperties(T.flowLog, { trafficType: "ALL", logDestinationType: "cloud-watch-logs" });
            for (const s of STACKS) {
                const on = s === "live";
                for (const lb of g(s).ofType(T.alb)) assert.deepEqual([lb.inputs.enableDeletionProtection, lb.protect], [on, on], lb.name);
            }
            assert.deepEqual(
                STACKS.map((s) => g(s).ofType(T.alb).length),
                STACKS.map((s) => 1 + exposed(s, "tcp").length),
            );
            assert.deepEqual(
                STACKS.map((s) => g(s).one(T.vpc).protect),
                [false, false, false, true],
            );
        });
        it("log retention grows towards production: 7, 14, 30, 90 days, for one container log group per service", () => {
            for (const s of STACKS) {
                const groups = g(s).find(T.logGroup, { name: Match.stringLike(/^\/ecs\//) });
                assert.deepEqual(
                    groups.map((x) => x.inputs.name).sort(),
                    declared(s)
                        .map(([svc]) => `/ecs/demo/${s}/${svc}`)
                        .sort(),
                );
            }
            assert.deepEqual(
                STACKS.map((s) => [
                    ...new Set(
                        g(s)
                            .find(T.logGroup, { name: Match.stringLike(/^\/ecs\//) })
                            .map((x) => x.inputs.retentionInDays),
                    ),
                ]),
                [[7], [14], [30], [90]],
            );
        });
        it("each service runs the same image digest in every environment that declares it", () => {
            const images = new Map<string, Set<string>>();
            for (const s of STACKS) for (const [svc] of declared(s)) images.set(svc, (images.get(svc) ?? new Set()).add(container(g(s), s, svc).image));
            assert.deepEqual([...images.keys()].sort(), ["api", "mailer", "nightly-report", "search", "web", "worker"]);
            for (const [svc, set] of images) {
                assert.equal(set.size, 1, svc);
                assert.match([...set][0], new RegExp(`/demo-${svc}@sha256:[0-9a-f]{64}$`));
            }
        });
    });

    describe("changes that restart the service without a new image", () => {
        it("a changed stack-wide environment variable yields a new task definition for every service, with the same image", async () => {
            const a = await runStack("beta");
            const b = await runStack("beta", { overrides: { set: { environment: { FEATURE_FLAGS: "new-checkout,search-v2" } } } });
            for (const [svc] of declared("beta")) {
                const before = named(a.graph, T.taskDef, `demo-beta-${svc}-task`).inputs.containerDefinitions;
                const after = named(b.graph, T.taskDef, `demo-beta-${svc}-task`).inputs.containerDefinitions;
                assert.notEqual(before, after, svc);
                assert.equal(container(a.graph, "beta", svc).image, container(b.graph, "beta", svc).image, svc);
            }
        });
        it("a changed secret value yields a new task definition of its service only; an unchanged one does not", async () => {
            const cloud = new FakeCloud();
            const run = async (value: string) =>
                (await runStack("gamma", { cloud, overrides: { secret: { secrets: { web: { DATABASE_URL: value } } } } })).graph;
            const [first, same, changed] = [await run("postgres://db/v1"), await run("postgres://db/v1"), await run("postgres://db/v2")];
            const web = (graph: Graph) => container(graph, "gamma", "web");
            assert.deepEqual(web(same), web(first));
            assert.notDeepEqual(web(changed), web(first));
            assert.deepEqual(web(changed).secrets, web(first).secrets); // same ARN: only the version label moved
            assert.deepEqual(
                [web(first).dockerLabels, web(changed).dockerLabels],
                [{ "shipyard.secret-versions": "DATABASE_URL=1" }, { "shipyard.secret-versions": "DATABASE_URL=2" }],
            );
            // Secrets are per service: the others' task definitions do not move.
            for (const [svc] of declared("gamma").filter(([n]) => n !== "web")) {
                const defs = (graph: Graph) => named(graph, T.taskDef, `demo-gamma-${svc}-task`).inputs.containerDefinitions;
                assert.equal(defs(changed), defs(first), svc);
            }
        });
    });

    describe("deployment strategies", () => {
        it("alpha, beta and gamma roll every service with the circuit breaker: one target group per route, a rule per http service, no ECS load balancer role", () => {
            for (const s of ["alpha", "beta", "gamma"]) {
                for (const [svc] of running(s)) {
                    const e = ecsService(g(s), s, svc);
                    assert.deepEqual(e.deploymentConfiguration, { strategy: "ROLLING" }, `${s} ${svc}`);
                    assert.deepEqual(e.deploymentCircuitBreaker, { enable: true, rollback: true }, `${s} ${svc}`);
                    assert.equal(e.loadBalancers?.[0].advancedConfiguration, undefined, `${s} ${svc}`);
                }
                assert.deepEqual(
                    [
                        g(s)
                            .ofType(T.targetGroup)
                            .filter((x) => x.parent === `demo-${s}-lb`)
                            .map((x) => x.name),
                        namesOf(g(s), T.listenerRule),
                        g(s).find(T.role, { name: Match.stringLike(/ecs-lb$/) }).length,
                    ],
                    [exposed(s, "http").map((x) => `demo-${s}-lb-${x}-tg`), exposed(s, "http").map((x) => `demo-${s}-lb-${x}-rule`), 0],
                    s,
                );
            }
        });
        it("rolling stacks route each http service by its hosts and paths, only with the origin header, at its priority", () => {
            for (const s of ["alpha", "beta", "gamma"]) {
                const graph = g(s);
                for (const svc of exposed(s, "http")) {
                    const spec = stackServices(s)[svc];
                    const rule = graph.byName(`demo-${s}-lb-${svc}-rule`);
                    assert.deepEqual(
                        pick(rule.inputs, ["listenerArn", "priority", "conditions", "actions"]),
                        {
                            listenerArn: graph.byName(`demo-${s}-lb-https`).outputs.arn,
                            priority: spec.priority ?? DEFAULT_RULE_PRIORITY,
                            conditions: [
                                ...(spec.hosts?.length ? [{ hostHeader: { values: [...spec.hosts] } }] : []),
                                { pathPattern: { values: [...(spec.paths ?? DEFAULT_PATHS)] } },
                                { httpHeader: { httpHeaderName: "x-origin-verify", values: [ORIGIN_SECRET] } },
                            ],
                            actions: [{ type: "forward", targetGroupArn: graph.byName(`demo-${s}-lb-${svc}-tg`).outputs.arn }],
                        },
                        `${s} ${svc}`,
                    );
                    // The header's value stays secret in the state (and with it the rule's conditions).
                    assert.deepEqual(rule.secretPaths, ["conditions"], `${s} ${svc}`);
                }
            }
        });
        it("live deploys its http service blue/green with the alternate target group, both listener rules and the role, all resources of the same stack", () => {
            const graph = g("live");
            assert.deepEqual(exposed("live", "http"), ["web"]);
            const svc = ecsService(graph, "live", "web");
            assert.deepEqual(svc.deploymentConfiguration.strategy, "BLUE_GREEN");
            assert.equal(svc.deploymentConfiguration.bakeTimeInMinutes, "10");
            assert.equal(svc.deploymentCircuitBreaker, undefined); // rolling only; alarms roll blue/green back
            const arn = (name: string) => graph.byName(name).outputs.arn;
            assert.equal(svc.loadBalancers?.length, 1);
            const [lb] = svc.loadBalancers;
            assert.deepEqual(lb.targetGroupArn, arn("demo-live-lb-web-tg"));
            assert.deepEqual(lb.advancedConfiguration, {
                alternateTargetGroupArn: arn("demo-live-lb-web-tg-alt"),
                productionListenerRule: arn("demo-live-lb-web-production-rule"),
                testListenerRule: arn("demo-live-lb-web-test-rule"),
                roleArn: graph.one(T.role, { name: "demo-live-web-ecs-lb" }).outputs.arn,
            });
        });
        it("live's tcp, internal and worker services roll with the circuit breaker: ECS can shift only an ALB's listener rules", () => {
            const graph = g("live");
            const others = declared("live").filter(([, s]) => s.expose !== "http");
            assert.deepEqual(
                others.map(([n]) => n),
                ["api", "search", "worker"],
            );
            for (const [svc] of others) {
                const e = ecsService(graph, "live", svc);
                assert.deepEqual(
                    [e.deploymentConfiguration, e.deploymentCircuitBreaker, e.loadBalancers?.[0].advancedConfiguration],
                    [{ strategy: "ROLLING" }, { enable: true, rollback: true }, undefined],
                    svc,
                );
                assert.equal(graph.find(T.role, { name: `demo-live-${svc}-ecs-lb` }).length, 0, svc);
            }
        });
        it("live's production rule sits on the HTTPS listener and its test rule on the test listener, routing web's hosts and paths; ECS owns their weights", () => {
            const graph = g("live");
            const web = stackServices("live").web;
            const forward = {
                type: "forward",
                forward: {
                    targetGroups: [
                        { arn: graph.byName("demo-live-lb-web-tg").outputs.arn, weight: 100 },
                        { arn: graph.byName("demo-live-lb-web-tg-alt").outputs.arn, weight: 0 },
                    ],
                },
            };
            assert.deepEqual(namesOf(graph, T.listenerRule), ["demo-live-lb-web-production-rule", "demo-live-lb-web-test-rule"]);
            for (const [rule, listener] of [
                ["demo-live-lb-web-production-rule", "demo-live-lb-https"],
                ["demo-live-lb-web-test-rule", "demo-live-lb-test"],
            ]) {
                const r = graph.byName(rule);
                assert.equal(r.inputs.listenerArn, graph.byName(listener).outputs.arn, rule);
                assert.deepEqual(r.inputs.actions, [forward], rule);
                // No origin header here: under blue/green the web ACL checks it.
                assert.deepEqual(
                    r.inputs.conditions,
                    [{ hostHeader: { values: [...(web.hosts ?? [])] } }, { pathPattern: { values: [...(web.paths ?? DEFAULT_PATHS)] } }],
                    rule,
                );
                assert.deepEqual(r.ignoreChanges, ["actions"], rule);
            }
            graph.hasResourceProperties(T.listener, { port: 9080, protocol: "HTTPS" });
        });
        it("live's ECS load balancer role is assumable by ECS only and carries AWS's managed policy for it", () => {
            const graph = g("live");
            const role = graph.one(T.role, { name: "demo-live-web-ecs-lb" });
            assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy as string), {
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Principal: { Service: "ecs.amazonaws.com" }, Action: "sts:AssumeRole" }],
            });
            // The only other managed policies are AWS Backup's role's (test/data.test.ts).
            assert.deepEqual(
                graph
                    .ofType(T.policyAttachment)
                    .filter((a) => a.inputs.role !== "demo-live-backup")
                    .map((a) => [a.inputs.role, a.inputs.policyArn]),
                [["demo-live-web-ecs-lb", "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers"]],
            );
        });
        it("live's smoke test runs at POST_TEST_TRAFFIC_SHIFT, invoked by a role that may invoke exactly it, against the test listener", () => {
            const graph = g("live");
            // One smoke test for the environment, for its first http service (the test listener's default), hooked to that service only.
            const fn = graph.one(T.lambda, { name: "demo-live-web-smoke-test" });
            assert.equal(fn.name, "demo-live-web-smoke-function");
            const hooks = ecsService(graph, "live", "web").deploymentConfiguration.lifecycleHooks;
            const hookRole = graph.one(T.role, { name: "demo-live-web-ecs-hook" });
            assert.deepEqual(hooks, [{ hookTargetArn: fn.outputs.arn, roleArn: hookRole.outputs.arn, lifecycleStages: ["POST_TEST_TRAFFIC_SHIFT"] }]);
            for (const svc of ["api", "search", "worker"]) assert.equal(ecsService(graph, "live", svc).deploymentConfiguration.lifecycleHooks, undefined, svc);
            assert.deepEqual(JSON.parse(graph.one(T.rolePolicy, { role: "demo-live-web-ecs-hook" }).inputs.policy as string), {
                Version: "2012-10-17",
                Statement: [{ Sid: "InvokeSmokeTest", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: fn.outputs.arn }],
            });
            assert.deepEqual(fn.inputs.environment, {
                variables: {
                    SMOKE_BASE_URL: `https://${String(graph.byName("demo-live-lb-alb").outputs.dnsName)}:9080`,
                    SMOKE_CHECKS: '[{"path":"/health","expectStatus":200}]',
                    // web's first host: the name the handshake and Host header carry (ELB.1).
                    SMOKE_HOST: "example.org",
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
            assert.deepEqual(groupsWatched("beta"), [g("beta").byName("demo-beta-lb-web-tg").outputs.arnSuffix]);
            assert.deepEqual(
                groupsWatched("live"),
                [g("live").byName("demo-live-lb-web-tg").outputs.arnSuffix, g("live").byName("demo-live-lb-web-tg-alt").outputs.arnSuffix].sort(),
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
        it("pulumi up waits for every service as long as the rollout's worst case needs: bake time and smoke test callbacks included", () => {
            // rolling stacks: well under the provider's 20 minutes, which stays; live: 90 s healthy + 30 s drain
            // + 6 s smoke + 150 s callbacks + 10 min bake = 14.6 min, rounded up, plus 15 minutes to start tasks.
            // The timeout follows the environment's rollout, so live's rolling services get the same (a longer
            // wait only matters when a deploy hangs).
            const expected = { alpha: "20m", beta: "20m", gamma: "20m", live: "30m" };
            for (const s of STACKS) {
                for (const [svc] of running(s)) {
                    assert.deepEqual(
                        g(s).byName(`demo-${s}-${svc}-service`).customTimeouts,
                        { create: expected[s], update: expected[s], delete: undefined },
                        `${s} ${svc}`,
                    );
                }
            }
        });
        it("switching a stack's strategy is one setting: gamma to blueGreen, live to rolling", async () => {
            const gamma = await runStack("gamma", { overrides: { set: { deployment: "blueGreen" } } });
            const live = await runStack("live", { overrides: { set: { deployment: "rolling" } } });
            assert.deepEqual([gamma.error, live.error], [undefined, undefined]);
            assert.deepEqual(
                [ecsService(gamma.graph, "gamma", "web").deploymentConfiguration, namesOf(gamma.graph, T.targetGroup), namesOf(gamma.graph, T.listenerRule)],
                [
                    { strategy: "BLUE_GREEN", bakeTimeInMinutes: "5" },
                    ["demo-gamma-api-nlb-tg", "demo-gamma-lb-web-tg", "demo-gamma-lb-web-tg-alt"],
                    ["demo-gamma-lb-web-production-rule", "demo-gamma-lb-web-test-rule"],
                ],
            );
            // Only the ALB's service changes strategy; the others keep rolling.
            for (const svc of ["api", "search", "worker"])
                assert.deepEqual(ecsService(gamma.graph, "gamma", svc).deploymentConfiguration, { strategy: "ROLLING" }, svc);
            // Behind Cloudflare the origin header moves from the listener to a web ACL (gamma has no waf).
            assert.deepEqual(
                gamma.graph.ofType("aws:wafv2/webAcl:WebAcl").map((a) => (a.inputs.rules as { name: string }[]).map((r) => r.name)),
                [["origin-header"]],
            );
            assert.deepEqual(
                [
                    ecsService(live.graph, "live", "web").deploymentConfiguration,
                    ecsService(live.graph, "live", "web").deploymentCircuitBreaker,
                    namesOf(live.graph, T.targetGroup),
                    namesOf(live.graph, T.listener),
                ],
                [
                    { strategy: "ROLLING" },
                    { enable: true, rollback: true },
                    ["demo-live-api-nlb-tg", "demo-live-lb-web-tg"],
                    ["demo-live-api-nlb-443", "demo-live-lb-http", "demo-live-lb-https"],
                ],
            );
            assert.deepEqual(namesOf(live.graph, T.listenerRule), ["demo-live-lb-web-rule"]);
        });
        it("a blue/green setting the strategy cannot use is rejected before any resource is created", async () => {
            const run = await runStack("beta", { overrides: { set: { smokeTest: true, bakeTimeMinutes: 31 } } });
            assert.ok(run.error);
            assert.equal(
                run.error.message,
                [
                    'stack "beta" has invalid configuration:',
                    "  - key shipyard:bakeTimeMinutes = 31: allowed: 0 to 30 minutes: pulumi up and the deploy job wait through the bake time (the job's timeout is 60 minutes; ECS itself allows up to 1440)",
                    "  - key shipyard:smokeTest = true: the smoke test requests the test listener, which only deployments blueGreen, canary and linear have (deployment is rolling); allowed: false, or set deployment: blueGreen, canary or linear",
                ].join("\n"),
            );
            assert.equal(run.graph.all.length, 0);
        });
    });

    describe("promoting one build from alpha to live", () => {
        // What the deploy workflow does in each environment: `pulumi config set --path
        // services.<name>.image <ref>` for every service, then up. One run at a time: the mock
        // runtime is process-wide.
        const runEach = async (refOf: (svc: string) => string) => {
            const out: StackRun[] = [];
            for (const stack of STACKS) {
                const services = Object.fromEntries(declared(stack).map(([n, s]) => [n, { ...s, image: refOf(n) }]));
                out.push(await runStack(stack, { overrides: { set: { services } } }));
            }
            return out;
        };
        const REGISTRY = "210987654321.dkr.ecr.eu-west-1.amazonaws.com";
        // Each service's build has its own digest, so an image given to the wrong service shows.
        const digestOf = (svc: string) => `sha256:${createHash("sha256").update(`build of ${svc}`).digest("hex")}`;
        const refOf = (svc: string) => `${REGISTRY}/demo-${svc}@${digestOf(svc)}`;

        it("the digest set for every service in all four stacks is exactly the image of its task definition and of the services output", async () => {
            const promoted = await runEach(refOf);
            assert.deepEqual(
                promoted.map((r) => [
                    r.stack,
                    r.error,
                    Object.fromEntries(declared(r.stack).map(([svc]) => [svc, container(r.graph, r.stack, svc).image])),
                    Object.fromEntries(Object.entries((r.outputs?.services ?? {}) as Record<string, { image: string }>).map(([svc, o]) => [svc, o.image])),
                ]),
                STACKS.map((s) => [
                    s,
                    undefined,
                    Object.fromEntries(declared(s).map(([svc]) => [svc, refOf(svc)])),
                    // Jobs are under the jobs output, not services (test/messaging.test.ts).
                    Object.fromEntries(running(s).map(([svc]) => [svc, refOf(svc)])),
                ]),
            );
        });
        it("each service's execution role may pull from exactly its own promoted repository", async () => {
            const services = Object.fromEntries(declared("live").map(([n, s]) => [n, { ...s, image: refOf(n) }]));
            const run = await runStack("live", { overrides: { set: { services } } });
            assert.equal(run.error, undefined);
            for (const [svc] of declared("live")) {
                const policy = executionPolicy(run.graph, "live", svc);
                assert.deepEqual(
                    policy.Statement.filter((s) => s.Sid === "PullOwnImage").map((s) => s.Resource),
                    [`arn:aws:ecr:eu-west-1:210987654321:repository/demo-${svc}`],
                    svc,
                );
            }
        });
        it("alpha and beta also accept the git-SHA tags the build pushed; gamma and live refuse them, naming the stack, each service's key and value", async () => {
            const taggedOf = (svc: string) => `${REGISTRY}/demo-${svc}:${"a1b2c3d4e5".repeat(4)}`;
            const runs = await runEach(taggedOf);
            for (const r of runs.slice(0, 2)) {
                assert.equal(r.error, undefined, r.stack);
                for (const [svc] of declared(r.stack)) assert.equal(container(r.graph, r.stack, svc).image, taggedOf(svc), `${r.stack} ${svc}`);
            }
            for (const r of runs.slice(2)) {
                assert.ok(r.error, `${r.stack} accepted a tag`);
                const [head, ...problems] = r.error.message.split("\n");
                assert.equal(head, `stack "${r.stack}" has invalid configuration:`);
                assert.deepEqual(
                    problems.map((line) => /^ {2}- key (\S+) = "([^"]+)": (\w+) \(tier staging or production\) accepts only /.exec(line)?.slice(1)),
                    declared(r.stack).map(([svc]) => [`shipyard:services.${svc}.image`, taggedOf(svc), r.stack]),
                );
                assert.equal(r.graph.all.length, 0);
            }
        });
    });

    describe("invalid configuration", () => {
        it("fails before any resource is created, naming the stack, key and value", async () => {
            const run = await runStack("live", { overrides: { set: { minTasks: 1 } } });
            assert.ok(run.error);
            assert.match(
                run.error.message,
                /stack "live" has invalid configuration:\n {2}- key shipyard:minTasks = 1: the production tier needs at least 2 tasks/,
            );
            assert.equal(run.graph.all.length, 0);
        });
        // `image` is no longer a key: each service names its image in `services`. dnsZone is still
        // declared in Pulumi.yaml without a default, so the CLI itself reports it missing.
        it("a required key declared in Pulumi.yaml and missing from a stack file is reported as the CLI would", async () => {
            await assert.rejects(runStack("beta", { overrides: { remove: ["dnsZone"] } }), /Stack 'beta' is missing configuration value 'shipyard:dnsZone'/);
        });
        // `services` is a map, which Pulumi.yaml cannot declare: the program reports it missing instead.
        it("a stack file without services fails before any resource is created, naming the stack and the key", async () => {
            const run = await runStack("beta", { overrides: { remove: ["services"] } });
            assert.ok(run.error);
            assert.match(run.error.message, /^stack "beta" has invalid configuration:\n {2}- key shipyard:services is required in every stack and missing: /);
            assert.equal(run.graph.all.length, 0);
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
    "aws:sns/topicSubscription:TopicSubscription",
    "aws:sqs/queuePolicy:QueuePolicy",
    "aws:scheduler/schedule:Schedule",
    "aws:cloudwatch/dashboard:Dashboard",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    // S3's bucket settings and a secret's rotation are parts of a tagged bucket or secret.
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketLogging:BucketLogging",
    "aws:secretsmanager/secretRotation:SecretRotation",
    "aws:backup/selection:Selection",
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
