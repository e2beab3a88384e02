import * as assert from "assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { diffPlans } from "../plan/diff";
import { renderMermaid, renderTable } from "../plan/render";
import { planResources, SECRET } from "../plan/summarize";
import { runStack, StackRun } from "../offline/runStack";
import { ROOT, stackFile } from "../offline/stackConfig";

const SECRET_VALUE = "postgres://app:plan-s3cret@db/app";

function plan(stack: string, run: StackRun) {
    const all = run.graph.all;
    return { stack, resources: planResources(all), totalRegistered: all.length, components: all.filter((r) => !r.custom).map((r) => r.name) };
}

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
    const r = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", "scripts/plan.ts", ...args], {
        cwd: ROOT,
        env: { ...process.env, ...env },
        encoding: "utf8",
        timeout: 60_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("offline plan", function () {
    this.timeout(60_000);
    let live: StackRun;
    let alpha: StackRun;
    before(async () => {
        live = await runStack("live", { overrides: { secret: { secrets: { web: { DATABASE_URL: SECRET_VALUE } } } } });
        alpha = await runStack("alpha");
    });

    it("lists every cloud resource the program registers, and counts components too", () => {
        const p = plan("live", live);
        assert.equal(p.resources.length, live.graph.all.filter((r) => r.custom).length);
        assert.equal(p.totalRegistered, live.graph.all.length);
        const components = live.graph.all.filter((r) => !r.custom).length;
        // the environment, and under it: network, alarm topic, certificate, load balancer, WAF, the
        // api's NLB, DNS, smoke test, cluster, the four services, monitoring, database, assets bucket, backup plan
        assert.equal(components, 18);
        assert.match(renderTable(p), new RegExp(`\\n${live.graph.all.length} resources: ${p.resources.length} cloud resources in ${components} components$`));
    });
    it("sums the database and the backup plan up in what a reviewer checks: engine, size, Multi-AZ, encryption, retention, protection", () => {
        const p = plan("live", live);
        const of = (type: string) => p.resources.filter((r) => r.type === type).map((r) => r.summary);
        // README "Data": live's PostgreSQL 16 on db.t4g.medium, Multi-AZ, 50 GiB, 14 days; AWS Backup daily, 35 days.
        assert.deepEqual(of("aws:rds/instance:Instance"), [
            "postgres 16, db.t4g.medium Multi-AZ, 50 GiB gp3 encrypted, backups 14 days, deletion protection true",
        ]);
        assert.deepEqual(of("aws:backup/plan:Plan"), ["cron(0 3 * * ? *), kept 35 days"]);
        const alphaDb = plan("alpha", alpha).resources.filter((r) => r.type === "aws:rds/instance:Instance");
        assert.deepEqual(
            alphaDb.map((r) => r.summary),
            ["postgres 16, db.t4g.micro, 20 GiB gp3 encrypted, backups 1 days, deletion protection false"],
        );
    });
    it("shows secret values as [secret] and nowhere in plain text", () => {
        const p = plan("live", live);
        const text = renderTable(p) + JSON.stringify(p.resources);
        assert.equal(text.includes("plan-s3cret"), false);
        const param = p.resources.find((r) => r.type === "aws:ssm/parameter:Parameter");
        assert.equal(param?.inputs.value, SECRET);
        assert.match(param?.summary ?? "", /\/demo\/live\/web\/DATABASE_URL \(SecureString\) = \[secret\]/);
    });
    it("diff live vs alpha shows the real differences: NAT gateways, tasks, health checks, Spot, flow logs", () => {
        const d = diffPlans(plan("live", live), plan("alpha", alpha));
        const onlyLive = d.resources.filter((r) => r.kind === "only-a").map((r) => r.key);
        assert.deepEqual(
            onlyLive.filter((k) => k.startsWith("NatGateway")),
            ["NatGateway demo-<env>-nat-0", "NatGateway demo-<env>-nat-1", "NatGateway demo-<env>-nat-2"],
        );
        assert.ok(onlyLive.includes("FlowLog demo-<env>-flow-logs"));
        // The one resource only alpha has: the listener's origin-header rule (live checks the header in its web ACL).
        assert.deepEqual(
            d.resources.filter((r) => r.kind === "only-b").map((r) => r.key),
            ["ListenerRule demo-<env>-lb-web-rule"],
        );
        const changes = (key: string) => Object.fromEntries((d.resources.find((r) => r.key === key)?.changes ?? []).map((c) => [c.path, [c.a, c.b]]));
        assert.deepEqual(changes("Target demo-<env>-web-scaling"), { maxCapacity: [10, 2], minCapacity: [3, 1] });
        assert.deepEqual(changes("TargetGroup demo-<env>-lb-web-tg"), {
            deregistrationDelay: [30, 5],
            "healthCheck.healthyThreshold": [3, 2],
            "healthCheck.interval": [30, 5],
            "healthCheck.timeout": [5, 4],
        });
        assert.deepEqual(changes("Service demo-<env>-web-service")["capacityProviderStrategies[0].capacityProvider"], ["FARGATE", "FARGATE_SPOT"]);
        // Names that only differ by environment are not reported as differences.
        assert.equal(
            d.resources.some((r) => r.key === "Cluster demo-<env>-cluster-cluster"),
            false,
        );
    });
    it("draws the architecture: the internet through each load balancer to its services, Service Connect between services, out via NAT", () => {
        const m = renderMermaid(plan("live", live), live.graph.all).split("\n");
        assert.equal(m[0], "flowchart LR");
        const edges = m.filter((l) => l.includes("-->")).map((l) => l.trim());
        for (const edge of [
            "internet -->|HTTPS 443| demo_live_lb_alb",
            "internet -->|HTTP 80| demo_live_lb_alb",
            "internet -->|HTTP 9080| demo_live_lb_alb",
            "internet -->|TLS 443| demo_live_api_nlb_nlb",
            "demo_live_lb_alb --> demo_live_lb_web_tg",
            "demo_live_lb_alb --> demo_live_lb_web_tg_alt",
            "demo_live_api_nlb_nlb --> demo_live_api_nlb_tg",
            "demo_live_lb_web_tg --> demo_live_web_service",
            "demo_live_lb_web_tg_alt --> demo_live_web_service",
            "demo_live_api_nlb_tg --> demo_live_api_service",
            "demo_live_api_service -->|Service Connect :8080| demo_live_search_service",
            "demo_live_worker_service -->|Service Connect :8080| demo_live_search_service",
            "demo_live_web_service --> nat",
            "nat --> internet",
        ]) {
            assert.ok(edges.includes(edge), edge);
        }
        // Nothing reaches search or worker from a load balancer; nothing calls web or api by name.
        assert.deepEqual(
            edges.filter((e) => /--> demo_live_(search|worker)_service$/.test(e) && !e.includes("Service Connect")),
            [],
        );
        assert.deepEqual(
            edges.filter((e) => e.includes("Service Connect") && /(web|api)_service$/.test(e)),
            [],
        );
        assert.ok(m.includes('    nat["3 NAT gateway(s)"]'));
        assert.ok(renderMermaid(plan("alpha", alpha), alpha.graph.all).split("\n").includes("    demo_alpha_web_service -->|public IP| internet"));
    });

    describe("the command", () => {
        it("prints the plan on stdout, progress on stderr, and exits 0", () => {
            const r = cli(["--stack", "beta"]);
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stderr, /running stack beta under the mock runtime/);
            assert.match(r.stdout, /^Plan for stack beta/);
            assert.match(r.stdout, /\n\d+ resources: \d+ cloud resources in 15 components\n/);
            assert.match(r.stdout, /\nPolicy \(\d+ rules, policy\/rules.ts\): 0 mandatory violations, \d+ advisory findings\n/);
            assert.doesNotMatch(r.stdout, /\n {2}FAIL /);
        });
        it("--cost adds the idle monthly estimate with a total and the CDK defaults for comparison", () => {
            const r = cli(["--stack", "alpha", "--cost"]);
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stdout, /\nEstimated monthly cost of alpha, idle\n/);
            assert.match(r.stdout, /\nTotal +\d+\.\d{2}\n/);
            assert.match(r.stdout, /Not included:\n {2}- Traffic-dependent charges/);
            assert.match(r.stdout, /CDK's ApplicationLoadBalancedFargateService with its defaults here: \d+\.\d{2} USD\/month/);
        });
        it("exits 2 with a clear message for an unknown stack", () => {
            const r = cli(["--stack", "prod"]);
            assert.equal(r.code, 2);
            assert.match(r.stderr, /plan: unknown stack "prod": there is no Pulumi.prod.yaml; known stacks: alpha, beta, gamma, live/);
            assert.equal(r.stdout, "");
        });
        it("exits 2 for an unknown flag", () => {
            const r = cli(["--stack", "live", "--verbose"]);
            assert.equal(r.code, 2);
            assert.match(r.stderr, /plan: Unknown option '--verbose'/);
        });
        it("exits 1 naming the key and value when a stack file holds an invalid value", () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shipyard-plan-"));
            try {
                const text = fs.readFileSync(stackFile("live"), "utf8").replace("      minTasks: 3", "      minTasks: 1");
                fs.writeFileSync(path.join(dir, "Pulumi.live.yaml"), text);
                const r = cli(["--stack", "live"], { SHIPYARD_STACK_CONFIG_DIR: dir });
                assert.equal(r.code, 1);
                assert.match(
                    r.stderr,
                    /plan: stack "live" has invalid configuration:\n {2}- key shipyard:services.web.minTasks = 1: the production tier needs at least 2 tasks/,
                );
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });
});
