/**
 * The longest-names stack: every name at its longest allowed value (appName 20 characters, the
 * stack name 16, service names 20, first hosts 64, other hosts 128, a health check path of 1024)
 * and as many public endpoints as the endpoint check takes, planned under the mock runtime. AWS
 * would accept every input (the conformance check) and the policy pack raises nothing mandatory.
 */
import { catalogueProblems, policiesOf } from "../offline/iam";
import * as assert from "assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkConformance } from "../offline/conformance";
import { evaluate } from "../policy/rules";
import { parseTargets } from "../functions/endpointCheck/config";
import { buildSettings, KEYS } from "../stacks";
import { FARGATE_SIZES, LOG_RETENTION_DAYS } from "../lib/aws";
import { readOfflineAnswers } from "../offline/cloud";
import { FakeCloud, runStack, StackRun } from "../offline/runStack";
import { stackConfig, stackConfigDir, stackServices } from "../offline/stackConfig";
import { problemsOf } from "./harness/settings";

const APP = "a".repeat(8) + "-longest-app"; // 20
const STACK = "longest-names-ab"; // 16
const IMAGE = (stackServices("live").web as { image: string }).image;

/** `<label>.<padding>.example.org`, exactly `length` characters, in DNS labels of at most 63. */
function host(label: string, length: number): string {
    let rest = length - label.length - ".example.org".length;
    const labels = [label];
    while (rest > 0) {
        const n = Math.min(63, rest - 1);
        labels.push("x".repeat(n));
        rest -= n + 1;
    }
    return `${labels.join(".")}.example.org`;
}

/** Ten http services of 20-character names: 20 endpoints, the endpoint check's most. */
function longestServices(): { services: Record<string, unknown>; hosts: string[] } {
    const services: Record<string, unknown> = {};
    const hosts: string[] = [];
    for (let i = 0; i < 10; i++) {
        const name = `service-${i}`.padEnd(20, "q");
        const own = [host(`s${i}`, 64), host(`t${i}`, i === 0 ? 128 : 80)];
        hosts.push(...own);
        services[name] = {
            image: IMAGE,
            expose: "http",
            priority: i + 1,
            hosts: own,
            minTasks: 2,
            maxTasks: 100,
            ...(i === 0 ? { uses: ["database", "assets"], healthCheckPath: `/${"h".repeat(1023)}` } : {}),
        };
    }
    return { services, hosts };
}

async function runLongest(extra: Record<string, unknown> = {}): Promise<StackRun> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "longest-"));
    const live = fs.readFileSync(path.join(stackConfigDir(), "Pulumi.live.yaml"), "utf8");
    fs.writeFileSync(path.join(dir, `Pulumi.${STACK}.yaml`), live.replace(/^config:\n/m, "config:\n  shipyard:tier: production\n"));
    const { services, hosts } = longestServices();
    const answers = readOfflineAnswers();
    const bootstrapped = [...answers.bootstrapped, { app: APP, env: STACK, originHosts: hosts }];
    return runStack(STACK, {
        stackDir: dir,
        overrides: { set: { appName: APP, services, ...extra } },
        cloud: new FakeCloud({ ...answers, bootstrapped }),
    });
}

describe("the longest-names stack", () => {
    let run: StackRun;
    before(async () => {
        run = await runLongest();
        if (run.error) throw run.error;
    });

    it("GIVEN every name at its longest and 20 public endpoints WHEN planned THEN no mandatory policy rule is violated", () => {
        const mandatory = evaluate(run.graph.all, STACK).filter((f) => f.enforcementLevel === "mandatory");
        assert.deepEqual(
            mandatory.map((f) => `${f.rule} ${f.resource}: ${f.message}`),
            [],
        );
    });

    it("GIVEN every name at its longest and 20 public endpoints WHEN planned THEN every policy names only actions, condition keys and ARN shapes AWS's catalogue has", async () => {
        const problems: string[] = [];
        const found = policiesOf(run.graph);
        assert.ok(found.length > 10, `${found.length} policy documents`);
        for (const f of found) for (const p of await catalogueProblems(f.doc, f.kind)) problems.push(`${f.where}: ${p}`);
        assert.deepEqual(problems, []);
    });

    it("GIVEN every name at its longest and 20 public endpoints WHEN planned THEN AWS would accept every input", () => {
        assert.ok(run.graph.resources.length > 100, `${run.graph.resources.length} resources`);
        assert.deepEqual(
            checkConformance(run.graph.resources).map((v) => `${v.type} ${v.resource} ${v.field}=${String(v.value).slice(0, 80)}: ${v.rule}`),
            [],
        );
    });
});

describe("built text within AWS's limits", () => {
    let run: StackRun;
    before(async () => {
        run = await runLongest();
        if (run.error) throw run.error;
    });
    const checkFunction = () => run.graph.one("aws:lambda/function:Function", { name: `${APP}-${STACK}-endpoint-check` });

    it("GIVEN 20 public endpoints with long hosts and a 1024-character health path WHEN the endpoint check is built THEN its environment fits Lambda's 4 KB and the function reads back all 20 targets", () => {
        const variables = (checkFunction().inputs.environment as { variables: Record<string, string> }).variables;
        const size = JSON.stringify(variables).length;
        assert.ok(size <= 4096, `${size} bytes`);
        const targets = parseTargets(variables.CHECK_TARGETS);
        assert.equal(targets.length, 20);
        assert.deepEqual(targets[0], { name: "service-0qqqqqqqqqqq", url: `https://${host("s0", 64)}/${"h".repeat(1023)}`, expectStatus: 200 });
    });

    it("GIVEN a 1024-character health path WHEN its endpoint alarm is described THEN the text is cut to CloudWatch's 1024 characters, naming the endpoint and stack first", () => {
        const alarm = run.graph.one("aws:cloudwatch/metricAlarm:MetricAlarm", { name: `${APP}-${STACK}-service-0qqqqqqqqqqq-endpoint` });
        const text = String(alarm.inputs.alarmDescription);
        assert.equal(text.length, 1024);
        assert.ok(text.startsWith(`service-0qqqqqqqqqqq failed its outside check (${APP} ${STACK}): https://${host("s0", 64)}/hhh`), text.slice(0, 200));
        assert.ok(text.endsWith("h..."));
    });

    it("GIVEN one health path shared by four services WHEN the settings are read THEN it counts once: accepted", () => {
        const services = servicesFrom("alpha", 4, () => `/${"p".repeat(1000)}`);
        assert.equal(buildSettings("alpha", stackConfig("alpha", { set: { services } })).services.length, 6);
    });

    it("GIVEN 21 public endpoints WHEN the settings are read THEN the stack is refused: the endpoint check takes 20", () => {
        const services = servicesFrom("alpha", 19, () => "/health");
        assert.match(
            problemsOf("alpha", { set: { services } }),
            /key shipyard:services = "web, api, p0, p1, .*, p18": the public hosts of these services make 21 endpoints to check from outside; allowed: at most 20 \(the endpoint check's limit\), so list fewer hosts/,
        );
    });

    it("GIVEN health check paths that take more than Lambda's 4 KB of environment WHEN the settings are read THEN the stack is refused, naming healthCheckPath", () => {
        // Each path once (the compact form lists a path once for all its hosts), so four distinct ones.
        const services = servicesFrom("alpha", 4, (i) => `/${i}${"p".repeat(999)}`);
        assert.match(
            problemsOf("alpha", { set: { services } }),
            /key shipyard:services = "web, api, p0, p1, p2, p3": their public hosts and health check paths take 4\d{3} characters in the endpoint check's environment; allowed: at most 3990 \(Lambda holds 4 KB of environment variables\), so shorten the healthCheckPath of a service or list fewer hosts/,
        );
    });

    it("GIVEN a secret whose name makes its SSM parameter's ARN longer than 1011 characters WHEN the settings are read THEN it is refused, naming the longest allowed", () => {
        // alpha in eu-west-1: arn:aws:ssm:eu-west-1:123456789012:parameter/demo/alpha/web/ is 60 characters, leaving 951.
        const message = problemsOf("alpha", { secret: { secrets: { web: { ["S".repeat(952)]: "x", ["T".repeat(951)]: "y" } } } });
        // One problem: the 951-character name fits.
        assert.equal(message.split("\n").filter((l) => l.startsWith("  - ")).length, 1, message);
        assert.match(
            message,
            new RegExp(
                `key shipyard:secrets\\.web\\.S{952} = "\\[secret\\]": a variable name of 952 characters makes its SSM parameter's ARN 1012 characters long; allowed: at most 1011, so at most 951 characters here`,
            ),
        );
    });
});

/** alpha's services plus `count` http services of one host each, with the given health path. */
function servicesFrom(stack: string, count: number, healthCheckPath: (i: number) => string): Record<string, unknown> {
    const services: Record<string, unknown> = { ...stackServices(stack) };
    for (let i = 0; i < count; i++)
        services[`p${i}`] = { image: IMAGE, expose: "http", priority: i + 2, hosts: [`p${i}.alpha.example.org`], healthCheckPath: healthCheckPath(i) };
    return services;
}

/**
 * Every integer setting at one end of its range: the range read from the key's own description
 * ("(lo-hi)"), or for the keys whose values are a list, from the list AWS allows.
 */
function extremes(end: "low" | "high"): Record<string, number> {
    const pick = (lo: number, hi: number) => (end === "low" ? lo : hi);
    const cpus = Object.keys(FARGATE_SIZES).map(Number);
    const cpu = pick(cpus[0], cpus[cpus.length - 1]);
    const memory = pick(FARGATE_SIZES[cpu][0], FARGATE_SIZES[cpu][FARGATE_SIZES[cpu].length - 1]);
    const out: Record<string, number> = {
        cpu,
        memory,
        logRetentionDays: pick(LOG_RETENTION_DAYS[0], LOG_RETENTION_DAYS[LOG_RETENTION_DAYS.length - 1]),
        // The production tier runs at least two tasks; a service scales to at most 100.
        minTasks: pick(2, 100),
        maxTasks: pick(2, 100),
    };
    // The production tier keeps a week of backups at least (the stack is of that tier).
    if (end === "low") Object.assign(out, { databaseBackupRetentionDays: 7, backupRetentionDays: 7 });
    for (const [key, spec] of Object.entries(KEYS as Record<string, { type: string; description: string }>)) {
        const range = spec.type === "integer" ? /\((\d+) ?- ?(\d+)\b/.exec(spec.description) : null;
        if (range && !(key in out)) out[key] = pick(Number(range[1]), Number(range[2]));
    }
    return out;
}

describe("the extreme-settings stacks", () => {
    for (const end of ["low", "high"] as const) {
        it(`GIVEN the longest names and every integer setting at its ${end} end WHEN planned THEN AWS would accept every input and no mandatory policy rule is violated`, async () => {
            const run = await runLongest(extremes(end));
            if (run.error) throw run.error;
            // The settings reached the resources: the target groups' health check interval and drain.
            const groups = run.graph.resources.filter((r) => r.type === "aws:lb/targetGroup:TargetGroup");
            assert.ok(groups.length >= 10, `${groups.length} target groups`);
            for (const g of groups) {
                assert.equal((g.inputs.healthCheck as { interval: number }).interval, end === "low" ? 5 : 300, g.name);
                assert.equal(g.inputs.deregistrationDelay, end === "low" ? 0 : 3600, g.name);
            }
            assert.deepEqual(
                checkConformance(run.graph.resources).map((v) => `${v.type} ${v.resource} ${v.field}=${String(v.value).slice(0, 80)}: ${v.rule}`),
                [],
            );
            assert.deepEqual(
                evaluate(run.graph.all, STACK)
                    .filter((f) => f.enforcementLevel === "mandatory")
                    .map((f) => `${f.rule} ${f.resource}: ${f.message}`),
                [],
            );
        });
    }
});
