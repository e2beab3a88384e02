/**
 * The team's own stack files, whatever they hold: the committed Pulumi.<stack>.yaml files (every
 * one, however many) and the bootstrap's. Nothing here names a service, a host or a count of the
 * sample configuration: these are invariants that hold for any valid configuration, so a team that
 * edits its stack files keeps a green suite unless an edit breaks one of them. The platform's exact
 * resources are pinned by the other test files, on the suite's fixtures (test/fixtures/).
 */
import { catalogueProblems, policiesOf } from "../offline/iam";
import * as assert from "assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { addHttpService, TeamFiles } from "../offline/adopt";
import { runStack, StackRun } from "../offline/runStack";
import { BOOTSTRAP, committedStacks, MAIN, ROOT, stackConfig, UNDECRYPTABLE } from "../offline/stackConfig";
import { Recorded } from "../offline/graph";
import { evaluate } from "../policy/rules";
import { checkConformance } from "../offline/conformance";
import { buildSettings, Settings } from "../stacks";
import { parseImageRef, SECRET_LOOKING_NAME } from "../stacks/validators";

const T = {
    alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
    service: "aws:ecs/service:Service",
    securityGroup: "aws:ec2/securityGroup:SecurityGroup",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
    dbInstance: "aws:rds/instance:Instance",
    taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
    parameter: "aws:ssm/parameter:Parameter",
    secretVersion: "aws:secretsmanager/secretVersion:SecretVersion",
    scalingPolicy: "aws:appautoscaling/policy:Policy",
    stateMachine: "aws:sfn/stateMachine:StateMachine",
};
/** The lookups the program may make; any other is a cloud read nobody reviewed. */
const LOOKUPS = [
    "cloudflare:index/getZone:getZone",
    "cloudflare:index/getIpRanges:getIpRanges",
    "aws:route53/getZone:getZone",
    "aws:ssm/getParameter:getParameter",
];

/** Input paths (`a.b[0].c`) whose string value contains `needle`. */
function pathsHolding(value: unknown, needle: string, at = ""): string[] {
    if (typeof value === "string") return value.includes(needle) ? [at] : [];
    if (Array.isArray(value)) return value.flatMap((v, i) => pathsHolding(v, needle, `${at}[${i}]`));
    if (typeof value === "object" && value !== null) return Object.entries(value).flatMap(([k, v]) => pathsHolding(v, needle, at ? `${at}.${k}` : k));
    return [];
}

const under = (p: string, root: string) => p === root || p.startsWith(`${root}.`) || p.startsWith(`${root}[`);

/** The mock's ids are `<logical name>-id`. */
const idOf = (r: Recorded) => `${r.name}-id`;

/**
 * The one security group a service's tasks run in: its ECS service's, or for a job (expose: job,
 * no ECS service) the one its state machine runs the task with.
 */
function taskGroupOf(run: StackRun, settings: Settings, svc: string): string {
    const name = `${settings.app}-${settings.env}-${svc}`;
    const job = settings.services.find((s) => s.name === svc)?.exposure === "job";
    let groups: string[];
    if (job) {
        const machines = run.graph.ofType(T.stateMachine).filter((m) => m.inputs.name === name);
        assert.equal(machines.length, 1, `${settings.env}: ${machines.length} state machines for the job ${svc}`);
        groups = [
            ...new Set(
                [...String(machines[0].inputs.definition).matchAll(/"SecurityGroups":\[([^\]]*)\]/g)].flatMap((m) => JSON.parse(`[${m[1]}]`) as string[]),
            ),
        ];
    } else {
        const found = run.graph.ofType(T.service).filter((s) => s.inputs.name === name);
        assert.equal(found.length, 1, `${settings.env}: ${found.length} ECS services for ${svc}`);
        groups = (found[0].inputs.networkConfiguration as { securityGroups: string[] }).securityGroups;
    }
    assert.equal(groups.length, 1, `${settings.env}: ${svc} has ${groups.length} security groups`);
    return groups[0];
}

/**
 * Registers the invariants for the stacks of `dir` (and its bootstrap's stack files). `only`
 * limits them to some stacks.
 */
export function teamStackInvariants(dir: () => string, only?: readonly string[]): void {
    const runs = new Map<string, { run: StackRun; settings: Settings }>();
    before(async function () {
        this.timeout(120_000);
        for (const stack of only ?? committedStacks(MAIN, dir())) {
            const settings = buildSettings(stack, stackConfig(stack, {}, MAIN, dir()));
            runs.set(stack, { run: await runStack(stack, { stackDir: dir() }), settings });
        }
    });
    const each = (what: string, check: (stack: string, run: StackRun, settings: Settings) => void) =>
        it(`every stack ${what}`, () => {
            assert.ok(runs.size > 0, "no stack ran");
            for (const [stack, { run, settings }] of runs) check(stack, run, settings);
        });

    each("plans without error, registers resources and makes only the reviewed lookups", (stack, run) => {
        assert.equal(run.error, undefined, `${stack}: ${run.error?.message}`);
        assert.ok(run.graph.all.filter((r) => r.custom).length > 0, `${stack} registered no resource`);
        for (const i of run.invokes) assert.ok(LOOKUPS.includes(i.token), `${stack} looked up ${i.token}`);
    });

    each("sets only values AWS's API accepts (offline/conformance.ts)", (stack, run) => {
        assert.deepEqual(
            checkConformance(run.graph.all).map((v) => `${v.resource} ${v.field} = ${JSON.stringify(v.value)}: ${v.rule}`),
            [],
            stack,
        );
    });

    it("every stack writes only policies whose actions, condition keys and ARNs AWS's catalogue has (offline/iam.ts)", async () => {
        assert.ok(runs.size > 0, "no stack ran");
        for (const [stack, { run }] of runs) {
            const problems: string[] = [];
            for (const f of policiesOf(run.graph)) for (const p of await catalogueProblems(f.doc, f.kind)) problems.push(`${f.where}: ${p}`);
            assert.deepEqual(problems, [], stack);
        }
    });

    each("violates no mandatory policy rule", (stack, run) => {
        const mandatory = evaluate(run.graph.all, stack).filter((f) => f.enforcementLevel === "mandatory");
        assert.deepEqual(
            mandatory.map((f) => `${f.rule} ${f.resource}: ${f.message}`),
            [],
            stack,
        );
    });

    each("keeps every encrypted value secret: only in SSM SecureStrings and Secrets Manager, at secret inputs, never in an output", (stack, run) => {
        // Offline, every `secure:` value of the stack file reaches the program as this marker.
        for (const r of run.graph.all) {
            const found = pathsHolding(r.inputs, UNDECRYPTABLE);
            if (found.length === 0) continue;
            assert.ok([T.parameter, T.secretVersion].includes(r.type), `${stack}: ${r.type} ${r.name} holds a secret at ${found.join(", ")}`);
            for (const p of found)
                assert.ok(
                    r.secretPaths.some((s) => under(p, s)),
                    `${stack}: ${r.name}.${p} holds a secret in plain text`,
                );
        }
        assert.deepEqual(pathsHolding(run.outputs, UNDECRYPTABLE), [], `${stack}: outputs`);
        for (const td of run.graph.ofType(T.taskDefinition)) {
            const containers = JSON.parse(String(td.inputs.containerDefinitions)) as { environment?: { name: string }[] }[];
            const names = containers.flatMap((c) => (c.environment ?? []).map((e) => e.name));
            assert.deepEqual(
                names.filter((n) => SECRET_LOOKING_NAME.test(n)),
                [],
                `${stack}: ${td.name} passes credentials in plain environment`,
            );
        }
    });

    each("sends every alarm to the environment's alarm topic, but the scaling triggers, which act on their scaling policies only", (stack, run) => {
        const topic = run.outputs?.alarmTopicArn;
        assert.equal(typeof topic, "string", `${stack}: no alarmTopicArn output`);
        const alarms = run.graph.ofType(T.alarm);
        assert.ok(alarms.length > 0, `${stack} has no alarm`);
        // A queue worker's wake and idle alarms (components/containerService.ts) start and stop its tasks, as
        // the target tracking alarms Application Auto Scaling creates itself do: not a problem to tell anyone.
        const policies = new Set(run.graph.ofType(T.scalingPolicy).map((p) => p.outputs.arn as string));
        for (const a of alarms) {
            const actions = (a.inputs.alarmActions as string[] | undefined) ?? [];
            if (actions.length > 0 && actions.every((x) => policies.has(x))) continue;
            assert.ok(actions.includes(topic as string), `${stack}: ${a.name} does not notify ${String(topic)}`);
        }
    });

    each("admits into each service's tasks only its load balancer and the services that declare they call it, on its port", (stack, run, settings) => {
        const groupsById = new Map(run.graph.ofType(T.securityGroup).map((g) => [idOf(g), g]));
        const lbGroups = new Set(run.graph.ofType(T.loadBalancer).flatMap((lb) => (lb.inputs.securityGroups as string[] | undefined) ?? []));
        const groupOf = (svc: string) => taskGroupOf(run, settings, svc);
        for (const svc of settings.services) {
            const group = groupOf(svc.name);
            assert.deepEqual((groupsById.get(group)?.inputs.ingress as unknown[] | undefined) ?? [], [], `${stack}: ${svc.name} has inline ingress`);
            const rules = run.graph.ofType(T.ingress).filter((r) => r.inputs.securityGroupId === group);
            const callers = settings.services.filter((c) => c.calls.includes(svc.name)).map((c) => groupOf(c.name));
            for (const rule of rules) {
                const from = rule.inputs.referencedSecurityGroupId as string | undefined;
                assert.ok(from !== undefined, `${stack}: ${rule.name} admits an address range into ${svc.name}`);
                const allowed =
                    svc.exposure === "http" || svc.exposure === "tcp" ? lbGroups.has(from) : svc.exposure === "internal" ? callers.includes(from) : false;
                assert.ok(allowed, `${stack}: ${rule.name} admits ${from} into ${svc.name} (${svc.exposure}), which it does not declare`);
                assert.deepEqual([rule.inputs.fromPort, rule.inputs.toPort], [svc.containerPort, svc.containerPort], `${stack}: ${rule.name} port`);
            }
            if (svc.exposure === "worker" || svc.exposure === "job") assert.equal(rules.length, 0, `${stack}: ${svc.exposure} ${svc.name} admits traffic`);
            if (svc.exposure === "internal")
                assert.equal(rules.length, callers.length, `${stack}: ${svc.name} admits ${rules.length} sources for ${callers.length} callers`);
        }
    });

    each("lets into its database only the services that declare they use it", (stack, run, settings) => {
        const db = run.graph.ofType(T.dbInstance);
        if (settings.database?.kind !== "managed") return assert.equal(db.length, 0, stack);
        assert.equal(db.length, 1, stack);
        const dbGroups = (db[0].inputs.vpcSecurityGroupIds as string[]) ?? [];
        const users = settings.services.filter((s) => s.uses.includes("database")).map((s) => s.name);
        const userGroups = users.map((u) => taskGroupOf(run, settings, u));
        const rules = run.graph.ofType(T.ingress).filter((r) => dbGroups.includes(r.inputs.securityGroupId as string));
        assert.deepEqual(rules.map((r) => r.inputs.referencedSecurityGroupId).sort(), [...userGroups].sort(), stack);
    });

    it("promotes images: a staging or production stack runs, for each service, a digest that a lower tier of the same service runs too", () => {
        const rank = { preview: 0, development: 0, staging: 1, production: 2 } as const;
        const all = [...runs.values()].map((r) => r.settings);
        for (const s of all.filter((x) => rank[x.tier] > 0))
            for (const svc of s.services) {
                const lower = all.filter((x) => rank[x.tier] < rank[s.tier]).flatMap((x) => x.services.filter((y) => y.name === svc.name));
                if (lower.length === 0) continue;
                const digest = parseImageRef(svc.image)?.digest;
                assert.ok(
                    lower.some((y) => parseImageRef(y.image)?.digest === digest),
                    `${s.env} (${s.tier}) runs ${svc.name} at ${svc.image}, which no lower tier runs: promote a tested digest`,
                );
            }
    });

    it("pulls each service's image from its own ECR repository <appName>-<service>, which the bootstrap creates", () => {
        const bootstrapDir = fs.existsSync(path.join(dir(), "bootstrap")) ? path.join(dir(), "bootstrap") : BOOTSTRAP.dir;
        const repositories = committedStacks(BOOTSTRAP, bootstrapDir).flatMap((b) => {
            const v = stackConfig(b, {}, BOOTSTRAP, bootstrapDir).values;
            const services = JSON.parse(v[`${BOOTSTRAP.name}:services`] ?? "[]") as string[];
            return services.map((svc) => `${v[`${BOOTSTRAP.name}:appName`]}-${svc}`);
        });
        for (const { settings } of runs.values())
            for (const svc of settings.services) {
                const ref = parseImageRef(svc.image);
                if (!ref?.ecr || ref.ecr.accountId !== settings.accountId) continue;
                assert.equal(ref.repository, `${settings.app}-${svc.name}`, `${settings.env}: ${svc.name}'s image`);
                assert.ok(repositories.includes(ref.repository), `${settings.env}: no bootstrap stack lists ${svc.name} in shipyard-bootstrap:services`);
            }
    });
}

describe("the team's stacks (the committed stack files, whatever they hold)", function () {
    this.timeout(120_000);
    teamStackInvariants(() => ROOT);
});

describe("README 'Add a service', followed word for word on a copy of the team's files", function () {
    this.timeout(120_000);
    let copy = "";
    before(() => {
        // GIVEN a copy of the stack files and the bootstrap's
        copy = fs.mkdtempSync(path.join(os.tmpdir(), "shipyard-recipe-"));
        for (const f of fs.readdirSync(ROOT).filter((n) => /^Pulumi\.[a-z0-9-]+\.yaml$/.test(n) || n === "offline-cloud.yaml"))
            fs.copyFileSync(path.join(ROOT, f), path.join(copy, f));
        fs.mkdirSync(path.join(copy, "bootstrap"));
        fs.mkdirSync(path.join(copy, "release"));
        fs.copyFileSync(path.join(ROOT, "release", "images.json"), path.join(copy, "release", "images.json"));
        for (const f of fs.readdirSync(BOOTSTRAP.dir).filter((n) => /^Pulumi\.[a-z0-9-]+\.yaml$/.test(n) && n !== "Pulumi.yaml"))
            fs.copyFileSync(path.join(BOOTSTRAP.dir, f), path.join(copy, "bootstrap", f));
        // WHEN an http service admin on admin.<zone> with a secret is added to beta, as the README says
        addHttpService(new TeamFiles(copy), "beta", "admin", { label: "admin", priority: 100 });
    });
    after(() => fs.rmSync(copy, { recursive: true, force: true }));
    teamStackInvariants(() => copy, ["beta"]);
});
