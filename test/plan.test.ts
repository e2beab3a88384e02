import * as assert from "assert/strict";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { diffPlans, DocumentChange, renderDiff, renderDiffMarkdown, SettingChange, StackDiff } from "../plan/diff";
import { renderJson, renderMarkdown, renderMermaid, renderTable } from "../plan/render";
import { PlannedResource, planResources, SECRET } from "../plan/summarize";
import { checkConformance, conformanceRules } from "../offline/conformance";
import { evaluate } from "../policy/rules";
import { ORIGIN_SECRET, runStack, StackRun } from "../offline/runStack";
import { ROOT, stackFile } from "../offline/stackConfig";
import { main as planMain, worstExitCode } from "../scripts/plan";
import { CliResult, inProcess } from "./harness/inProcess";

const SECRET_VALUE = "postgres://app:plan-s3cret@db/app";

function changesOf(d: StackDiff, key: string): readonly (SettingChange | DocumentChange)[] {
    return d.resources.find((r) => r.key === key)?.changes ?? [];
}

function plan(stack: string, run: StackRun) {
    const all = run.graph.all;
    return { stack, resources: planResources(all), totalRegistered: all.length, components: all.filter((r) => !r.custom).map((r) => r.name) };
}

/**
 * The plan command as a child process (the loader `npm run plan` uses) whose stdout and stderr are
 * pipes read as they fill, as in `npm run plan ... | jq`: what proves the entry point itself.
 */
function cliPiped(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["-r", path.join(ROOT, "scripts", "register.js"), "scripts/plan.ts", ...args], {
            cwd: ROOT,
            env: { ...process.env, ...env },
            stdio: ["ignore", "pipe", "pipe"],
            timeout: 120_000,
        });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on("data", (b: Buffer) => out.push(b));
        child.stderr.on("data", (b: Buffer) => err.push(b));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }));
    });
}

/** The plan command's main, called in this process (test/harness/inProcess.ts): its output and exit code. */
function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
    return inProcess(planMain, args, env);
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
        // api's NLB, DNS, smoke test, cluster, the four services, monitoring, database, assets bucket, backup plan,
        // the load balancer's log bucket
        assert.equal(components, 19);
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
        const changes = (key: string) =>
            Object.fromEntries((d.resources.find((r) => r.key === key)?.changes ?? []).map((c) => [c.path, "summary" in c ? c.summary : [c.a, c.b]]));
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
            "internet -->|HTTPS 9080| demo_live_lb_alb",
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

    it("masks only the secret values: a listener rule keeps its host and path, the origin header's value reads [secret]", () => {
        // GIVEN alpha's web rule, whose conditions the engine stores as secret because of the origin header
        const rule = plan("alpha", alpha).resources.find((r) => r.name === "demo-alpha-lb-web-rule") as PlannedResource;
        // THEN its host and path show, and only the header's value is masked
        assert.deepEqual(rule.inputs.conditions, [
            { hostHeader: { values: ["alpha.example.org"] } },
            { pathPattern: { values: ["/*"] } },
            { httpHeader: { httpHeaderName: "x-origin-verify", values: [SECRET] } },
        ]);
        assert.equal(rule.summary, "priority 50000: host alpha.example.org and path /* and header x-origin-verify [secret] -> forward demo-alpha-web");
    });
    it("shows a web ACL's rules by name and action, with the origin header's search string masked", () => {
        const acl = plan("live", live).resources.find((r) => r.type === "aws:wafv2/webAcl:WebAcl") as PlannedResource;
        assert.equal(
            acl.summary,
            "demo-live, REGIONAL, default allow; rules origin-header block, AWSManagedRulesAmazonIpReputationList (managed, its rules' own actions), AWSManagedRulesCommonRuleSet (managed, its rules' own actions), AWSManagedRulesKnownBadInputsRuleSet (managed, its rules' own actions), rate-limit-per-ip block 2000 per 5 min per FORWARDED_IP",
        );
        const rules = acl.inputs.rules as { name: string; statement: { andStatement: { statements: Record<string, never>[] } } }[];
        assert.equal(rules[0].name, "origin-header");
        assert.deepEqual(rules[0].statement.andStatement.statements[0], {
            notStatement: {
                statement: {
                    byteMatchStatement: {
                        fieldToMatch: { singleHeader: { name: "x-origin-verify" } },
                        positionalConstraint: "EXACTLY",
                        searchString: SECRET,
                        textTransformations: [{ priority: 0, type: "NONE" }],
                    },
                },
            },
        });
    });
    it("prints no secret value in any format, plan or diff", () => {
        // GIVEN runs whose inputs hold a secret of the stack file and the bootstrap's origin secret
        const recorded = JSON.stringify(live.graph.all.map((r) => r.inputs)) + JSON.stringify(alpha.graph.all.map((r) => r.inputs));
        assert.ok(recorded.includes(SECRET_VALUE) && recorded.includes(ORIGIN_SECRET));
        // WHEN every format renders them
        const [pl, pa] = [plan("live", live), plan("alpha", alpha)];
        const texts = [
            ...[
                [pl, live],
                [pa, alpha],
            ].flatMap(([p, run]) => {
                const [pp, r] = [p as ReturnType<typeof plan>, run as StackRun];
                return [renderTable(pp), renderMarkdown(pp), renderJson(pp, { policy: evaluate(r.graph.all, pp.stack) }), renderMermaid(pp, r.graph.all)];
            }),
            ...[diffPlans(pl, pa), diffPlans(pl, pa, { full: true })].flatMap((d) => [renderDiff(d), renderDiffMarkdown(d), JSON.stringify(d)]),
        ];
        // THEN neither secret appears
        for (const [i, text] of texts.entries()) {
            assert.equal(text.includes(SECRET_VALUE), false, `text ${i}`);
            assert.equal(text.includes(ORIGIN_SECRET), false, `text ${i}`);
        }
    });
    it("prints a service's health-check grace period only when it has one (behind a load balancer)", () => {
        const services = Object.fromEntries(
            plan("live", live)
                .resources.filter((r) => r.type === "aws:ecs/service:Service")
                .map((r) => [r.name, r.summary]),
        );
        assert.match(services["demo-live-web-service"], /; health-check grace 60s;/);
        assert.match(services["demo-live-api-service"], /; health-check grace 60s;/);
        assert.doesNotMatch(services["demo-live-search-service"], /grace/);
        assert.doesNotMatch(services["demo-live-worker-service"], /grace/);
        for (const p of [plan("live", live), plan("alpha", alpha)]) {
            assert.deepEqual(
                p.resources.filter((r) => /undefined|NaN/.test(r.summary)).map((r) => `${r.name}: ${r.summary}`),
                [],
            );
        }
    });

    describe("the diff", () => {
        const resource = (stack: string, inputs: Record<string, unknown>, type = "aws:ecs/taskDefinition:TaskDefinition"): PlannedResource => ({
            type,
            name: `demo-${stack}-web-task`,
            component: `demo-${stack}-web`,
            summary: "",
            inputs,
        });

        it("marks every line with its side: the stack names, or the labels it is given", () => {
            const d = diffPlans(plan("live", live), plan("alpha", alpha));
            const lines = renderDiff(d).split("\n");
            assert.equal(lines[0], 'Diff of stacks live and alpha: "- live" and "+ alpha" (names and values with the stack\'s name as <env>)');
            assert.deepEqual(
                lines
                    .slice(1)
                    .filter(
                        (l) => !/^(|- live {3}\S.*|\+ alpha {2}\S.*|~ \S.*|~ {8}\S.*|Only in (live|alpha): \d+ resources?|Changed: \d+ resources?)$/.test(l),
                    ),
                [],
            );
            assert.ok(lines.includes("- live   healthCheck.interval = 30"));
            assert.ok(lines.includes("+ alpha  healthCheck.interval = 5"));
            assert.ok(lines.includes("+ alpha  ListenerRule demo-<env>-lb-web-rule"));
            const labelled = renderDiff(diffPlans(plan("live", live), plan("live", live), { labels: { a: "before (HEAD)", b: "after (working tree)" } }));
            assert.equal(
                labelled,
                'Diff of stack live: "- before (HEAD)" and "+ after (working tree)" (names and values with the stack\'s name as <env>)\n\nNo differences.',
            );
        });
        it("tells a dashboard's differences in one line, naming the widgets by title; --full lists every value", () => {
            const key = "Dashboard demo-<env>-monitoring-dashboard";
            const d = diffPlans(plan("live", live), plan("alpha", alpha));
            assert.deepEqual(changesOf(d, key), [
                {
                    path: "dashboardBody",
                    summary:
                        'dashboard of 15 widgets (- live) and 11 (+ alpha): widgets only in - live: "text: search (<env>, no load balancer)", "search: CPU / memory (%), running vs desired tasks", "text: worker (<env>, no load balancer)", "worker: CPU / memory (%), running vs desired tasks"; widgets changed: "web: requests, 4xx, 5xx", "web: response time p50 / p99", "web: healthy / unhealthy targets", "Endpoint checks from outside (1 = up)"',
                },
            ]);
            const full = changesOf(diffPlans(plan("live", live), plan("alpha", alpha), { full: true }), key);
            assert.ok(full.length > 20, `${full.length} changes`);
            assert.ok(full.every((c) => c.path.startsWith("dashboardBody.widgets[") && "a" in c));
        });
        it("lists a JSON document's few differing values with both sides, and names the paths of many in one line", () => {
            // GIVEN a container definition in which one variable changes and one is added before another
            const doc = (env: Record<string, string>) => ({
                containerDefinitions: JSON.stringify([
                    { name: "web", image: "web:1", environment: Object.entries(env).map(([name, value]) => ({ name, value })) },
                ]),
            });
            const a = { stack: "alpha", resources: [resource("alpha", doc({ A: "1", C: "3" }))] };
            const b = { stack: "beta", resources: [resource("beta", doc({ A: "2", B: "2", C: "3" }))] };
            // THEN entries pair by name (adding B does not shift C), each value with both sides
            assert.deepEqual(changesOf(diffPlans(a, b), "TaskDefinition demo-<env>-web-task"), [
                { path: "containerDefinitions[web].environment[A].value", a: "1", b: "2" },
                { path: "containerDefinitions[web].environment[B].name", a: undefined, b: "B" },
                { path: "containerDefinitions[web].environment[B].value", a: undefined, b: "2" },
            ]);
            // AND more than three differing values read as one line naming the first five paths
            const many = { stack: "beta", resources: [resource("beta", doc({ A: "2", B: "2", C: "4", D: "5" }))] };
            assert.deepEqual(changesOf(diffPlans(a, many), "TaskDefinition demo-<env>-web-task"), [
                {
                    path: "containerDefinitions",
                    summary:
                        "JSON document, 6 values differ: [web].environment[A].value, [web].environment[B].name, [web].environment[B].value, [web].environment[C].value, [web].environment[D].name and 1 more (--full lists them)",
                },
            ]);
        });
        it("renders as a diff block for a pull request comment", () => {
            const a = { stack: "live", resources: [resource("live", { cpu: "256" })] };
            const b = { stack: "live", resources: [resource("live", { cpu: "512" })] };
            const md = renderDiffMarkdown(diffPlans(a, b, { labels: { a: "before (HEAD)", b: "after (working tree)" } }));
            assert.equal(
                md,
                [
                    '## Diff of stack live: "- before (HEAD)" and "+ after (working tree)" (names and values with the stack\'s name as <env>)',
                    "",
                    "```diff",
                    "Changed: 1 resource",
                    "~ TaskDefinition demo-<env>-web-task",
                    '- before (HEAD)         cpu = "256"',
                    '+ after (working tree)  cpu = "512"',
                    "```",
                ].join("\n"),
            );
        });
    });

    describe("the command", () => {
        describe("through a pipe, stdout carries the plan alone and whole", () => {
            // The runs overlap; each test awaits its own.
            // The JSON document goes through a real pipe (past the 64 KiB a pipe holds); the other
            // formats are the same main, called in-process.
            const runs: Record<string, Promise<CliResult>> = {};
            before(() => {
                runs.json = cliPiped(["--stack", "live", "--format", "json"]);
            });
            before(async () => {
                runs.mermaid = Promise.resolve(await cli(["--stack", "live", "--format", "mermaid"]));
                runs.markdown = Promise.resolve(await cli(["--stack", "alpha", "--format", "markdown"]));
                runs.table = Promise.resolve(await cli(["--stack", "beta"]));
            });
            let plain: StackRun;
            before(async () => {
                plain = await runStack("live");
            });

            it("--format json: stdout is one JSON document (over 64 KiB), the policy findings inside it", async () => {
                const r = await runs.json;
                assert.equal(r.code, 0, r.stderr);
                assert.ok(r.stdout.length > 65_536, `${r.stdout.length} bytes`);
                const p = plan("live", plain);
                assert.deepEqual(
                    JSON.parse(r.stdout),
                    JSON.parse(renderJson(p, { policy: evaluate(plain.graph.all, "live"), awsConformance: checkConformance(plain.graph.all) })),
                );
                assert.deepEqual((JSON.parse(r.stdout) as { awsConformance: unknown[] }).awsConformance, []);
                assert.match(r.stderr, /^running stack live under the mock runtime\.\.\.\n$/);
            });
            it("--format mermaid: stdout is the diagram and nothing else; the policy summary goes to stderr", async () => {
                const r = await runs.mermaid;
                assert.equal(r.code, 0, r.stderr);
                assert.equal(r.stdout, `${renderMermaid(plan("live", plain), plain.graph.all)}\n`);
                assert.match(r.stdout, /^flowchart LR\n/);
                assert.match(r.stderr, /\nPolicy \(\d+ rules, policy\/rules.ts\): 0 mandatory violations, \d+ advisory findings\n/);
                assert.match(r.stderr, /\nAWS API conformance \(\d+ rules, offline\/conformance.ts\): 0 values AWS would refuse\n$/);
            });
            it("--format table (the default): the plan and the policy summary on stdout, progress on stderr", async () => {
                const r = await runs.table;
                assert.equal(r.code, 0, r.stderr);
                assert.equal(r.stderr, "running stack beta under the mock runtime...\n");
                assert.match(r.stdout, /^Plan for stack beta/);
                // beta: 15 components, and web's topic, mailer's queue, mailer and the nightly-report job (test/messaging.test.ts).
                assert.match(r.stdout, /\n\d+ resources: \d+ cloud resources in 19 components\n/);
                assert.match(r.stdout, /\nPolicy \(\d+ rules, policy\/rules.ts\): 0 mandatory violations, \d+ advisory findings\n/);
                assert.doesNotMatch(r.stdout, /\n {2}FAIL /);
                assert.match(r.stdout, /\nAWS API conformance \(\d+ rules, offline\/conformance.ts\): 0 values AWS would refuse\n$/);
                assert.match(
                    r.stdout,
                    / {2}demo-beta-lb-web-rule {2}priority 50000: host beta.example.org and path \/\* and header x-origin-verify \[secret\] -> forward demo-beta-web\n/,
                );
                assert.equal(r.stdout.includes(ORIGIN_SECRET), false);
            });
            it("--format markdown: the plan, then the policy summary to its last finding; a listener rule's host shows and the origin secret does not", async () => {
                const r = await runs.markdown;
                assert.equal(r.code, 0, r.stderr);
                assert.match(r.stdout, /^## Plan for stack `alpha`\n/);
                assert.match(r.stdout, /\n### Policy \(\d+ rules, policy\/rules.ts\): 0 mandatory violations, \d+ advisory findings\n\n- note /);
                const findings = evaluate(alpha.graph.all, "alpha");
                const last = findings[findings.length - 1];
                assert.ok(
                    r.stdout.endsWith(
                        `${last.resource}: ${last.message}\n\n### AWS API conformance (${conformanceRules().length} rules, offline/conformance.ts): 0 values AWS would refuse\n`,
                    ),
                    r.stdout.slice(-300),
                );
                assert.ok(
                    r.stdout.includes(
                        "| demo-alpha-lb-web-rule | priority 50000: host alpha.example.org and path /* and header x-origin-verify [secret] -> forward demo-alpha-web |",
                    ),
                );
                assert.equal(r.stdout.includes(ORIGIN_SECRET), false);
            });
        });
        describe("several stacks in one process (--stack a,b or --all)", () => {
            it("--all plans every fixture stack file in name order, each section as its single plan prints it, and exits 0", async () => {
                const all = await cli(["--all"]);
                assert.equal(all.code, 0, all.stderr);
                const singles: CliResult[] = [];
                for (const stack of ["alpha", "beta", "gamma", "live"]) singles.push(await cli(["--stack", stack]));
                assert.deepEqual(
                    singles.map((r) => r.code),
                    [0, 0, 0, 0],
                );
                assert.equal(all.stdout, singles.map((r) => r.stdout).join("\n"));
                assert.equal(
                    all.stderr,
                    [
                        ...["alpha", "beta", "gamma", "live"].map((s) => `running stack ${s} under the mock runtime...\n`),
                        "planned 4 stacks: alpha ok, beta ok, gamma ok, live ok\n",
                    ].join(""),
                );
            });
            it("--stack live,alpha --format json prints one array of the two documents, in the order given", async () => {
                const r = await cli(["--stack", "live,alpha", "--format", "json"]);
                assert.equal(r.code, 0, r.stderr);
                const docs = JSON.parse(r.stdout) as { stack: string; totalRegistered: number }[];
                assert.deepEqual(
                    docs.map((d) => d.stack),
                    ["live", "alpha"],
                );
                const single = JSON.parse((await cli(["--stack", "alpha", "--format", "json"])).stdout) as unknown;
                assert.deepEqual(docs[1], single);
            });
            it("a stack that fails does not stop the others: its section says why, stderr names it, the exit code is 1", async () => {
                const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shipyard-plan-several-"));
                try {
                    fs.cpSync(path.dirname(stackFile("live")), dir, { recursive: true });
                    const text = fs.readFileSync(stackFile("live"), "utf8").replace("      minTasks: 3", "      minTasks: 1");
                    fs.writeFileSync(path.join(dir, "Pulumi.live.yaml"), text);
                    const r = await cli(["--stack", "live,alpha", "--format", "markdown"], { SHIPYARD_STACK_CONFIG_DIR: dir });
                    assert.equal(r.code, 1);
                    assert.match(
                        r.stdout,
                        /^## Plan for stack `live`\n\n\*\*failed\*\*: stack "live" has invalid configuration:\n {2}- key shipyard:services\.web\.minTasks = 1: /,
                    );
                    assert.match(r.stdout, /\n\n## Plan for stack `alpha`\n/);
                    assert.match(r.stderr, /^running stack live under the mock runtime\.\.\.\nplan: live: stack "live" has invalid configuration:/);
                    assert.match(r.stderr, /\nplanned 2 stacks: live exit 1, alpha ok\n$/);
                } finally {
                    fs.rmSync(dir, { recursive: true, force: true });
                }
            });
            it("the exit code of several stacks is the worst: a failure (1) over a refusal (3) over success (0)", () => {
                const cases: [number[], number][] = [
                    [[0, 0, 0], 0],
                    [[0, 3, 0], 3],
                    [[3, 1], 1],
                    [[1, 0, 3], 1],
                    [[3, 3], 3],
                ];
                for (const [codes, worst] of cases) assert.equal(worstExitCode(codes), worst, codes.join(","));
            });
            for (const [args, message] of [
                [["--all", "--stack", "live"], /^plan: --stack and --all are mutually exclusive: name the stacks or plan them all\n/],
                [["--stack", "live,live"], /^plan: --stack names live twice\n/],
                [["--stack", "alpha,"], /^plan: --stack "alpha," has an empty name; separate stacks with single commas\n/],
                [["--stack", "alpha,prod"], /^plan: unknown stack "prod": there is no Pulumi.prod.yaml; known stacks: alpha, beta, gamma, live\n/],
                [["--stack", "alpha,beta", "--format", "mermaid"], /^plan: --format mermaid draws one stack; give --stack a single environment\n/],
                [["--all", "--diff-ref", "HEAD"], /^plan: --diff and --diff-ref compare one stack; give --stack a single environment\n/],
                [["--stack", "alpha,beta", "--diff", "live"], /^plan: --diff and --diff-ref compare one stack; give --stack a single environment\n/],
                [["--format", "json"], /^plan: --stack \(or --all\) is required\n/],
            ] as const) {
                it(`exits 2 before running anything for ${args.join(" ")}`, async () => {
                    const r = await cli([...args]);
                    assert.equal(r.code, 2);
                    assert.match(r.stderr, message);
                    assert.doesNotMatch(r.stderr, /running stack/);
                    assert.equal(r.stdout, "");
                });
            }
        });
        it("--help prints the usage on stdout and exits 0", async () => {
            const r = await cli(["--help"]);
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stdout, /^usage: npm run plan -- \(--stack <env>\[,<env>\.\.\.\] \| --all\)/);
            assert.match(r.stdout, /\n {2}--diff-ref /);
            assert.equal(r.stderr, "");
        });
        it("exits 2 when a diff asks for a mermaid drawing, or for both --diff and --diff-ref", async () => {
            for (const [args, message] of [
                [
                    ["--stack", "live", "--diff", "alpha", "--format", "mermaid"],
                    /plan: --format mermaid draws one stack; a diff prints as table, markdown or json/,
                ],
                [["--stack", "live", "--diff", "alpha", "--diff-ref", "HEAD"], /plan: --diff and --diff-ref are mutually exclusive/],
            ] as const) {
                const r = await cli([...args]);
                assert.equal(r.code, 2);
                assert.match(r.stderr, message);
                assert.equal(r.stdout, "");
            }
        });
        describe("--diff-ref compares a stack file with its version at a git ref", () => {
            // GIVEN a git repository whose stack folder is a copy of the fixtures, committed, then edited:
            // web gets one more task and a worker service is added.
            let repo: string;
            let stacks: string;
            const runs: Record<string, Promise<CliResult>> = {};
            before(() => {
                repo = fs.mkdtempSync(path.join(os.tmpdir(), "shipyard-plan-git-"));
                stacks = path.join(repo, "config", "stacks");
                fs.cpSync(path.dirname(stackFile("live")), stacks, { recursive: true });
                const git = (...args: string[]) =>
                    spawnSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.org", "-c", "commit.gpgsign=false", ...args], {
                        cwd: repo,
                        encoding: "utf8",
                    });
                git("init", "-q");
                git("add", ".");
                assert.equal(git("commit", "-q", "-m", "stacks").status, 0);
                const live = fs.readFileSync(path.join(stacks, "Pulumi.live.yaml"), "utf8");
                const edited = live
                    .replace("      minTasks: 3\n", "      minTasks: 4\n")
                    .replace(
                        "  # The environment's data",
                        "    mailer:\n      image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/demo-worker@sha256:c2e4a6b8d0f1e3a5c7b9d2f4e6a8c0b1d3e5f7a9c2e4b6d8f0a1c3e5b7d9f2a4\n      expose: worker\n  # The environment's data",
                    );
                assert.notEqual(edited, live);
                fs.writeFileSync(path.join(stacks, "Pulumi.live.yaml"), edited);
                // A stack file that is not committed at HEAD.
                fs.copyFileSync(path.join(stacks, "Pulumi.beta.yaml"), path.join(stacks, "Pulumi.delta.yaml"));
            });
            before(async () => {
                const env = { SHIPYARD_STACK_CONFIG_DIR: stacks };
                runs.json = Promise.resolve(await cli(["--stack", "live", "--diff-ref", "HEAD", "--format", "json"], env));
                runs.unknown = Promise.resolve(await cli(["--stack", "live", "--diff-ref", "no-such-ref"], env));
                runs.missing = Promise.resolve(await cli(["--stack", "delta", "--diff-ref", "HEAD"], env));
            });
            after(() => fs.rmSync(repo, { recursive: true, force: true }));

            it("shows what the edit changes, before (the ref) against after (the working tree)", async () => {
                const r = await runs.json;
                assert.equal(r.code, 0, r.stderr);
                assert.match(r.stderr, /running stack live \(config\/stacks\/Pulumi.live.yaml at HEAD\) under the mock runtime/);
                const d = JSON.parse(r.stdout) as StackDiff;
                assert.deepEqual(
                    [d.a, d.b],
                    [
                        { stack: "live", label: "before (HEAD)" },
                        { stack: "live", label: "after (working tree)" },
                    ],
                );
                assert.deepEqual(changesOf(d, "Target demo-<env>-web-scaling"), [{ path: "minCapacity", a: 3, b: 4 }]);
                assert.ok(d.resources.some((x) => x.kind === "only-b" && x.key === "Service demo-<env>-mailer-service"));
                assert.deepEqual(
                    d.resources.filter((x) => x.kind === "only-a"),
                    [],
                );
                assert.deepEqual(changesOf(d, "Dashboard demo-<env>-monitoring-dashboard"), [
                    {
                        path: "dashboardBody",
                        summary:
                            'dashboard of 15 widgets (- before (HEAD)) and 17 (+ after (working tree)): widgets only in + after (working tree): "text: mailer (<env>, no load balancer)", "mailer: CPU / memory (%), running vs desired tasks"; 1 widget(s) only moved or resized',
                    },
                ]);
                const text = renderDiff(d).split("\n");
                assert.ok(text.includes("- before (HEAD)         minCapacity = 3"));
                assert.ok(text.includes("+ after (working tree)  minCapacity = 4"));
                assert.ok(text.includes("+ after (working tree)  Service demo-<env>-mailer-service"));
            });
            it("exits 2 naming an unknown ref", async () => {
                const r = await runs.unknown;
                assert.equal(r.code, 2);
                assert.match(r.stderr, /^plan: unknown git ref "no-such-ref" in .*: name a commit, branch or tag/);
                assert.equal(r.stdout, "");
            });
            it("exits 2 when the stack file does not exist at the ref", async () => {
                const r = await runs.missing;
                assert.equal(r.code, 2);
                assert.match(r.stderr, /^plan: config\/stacks\/Pulumi.delta.yaml does not exist at HEAD/);
                assert.equal(r.stdout, "");
            });
        });
        it("--cost adds the idle monthly estimate with a total and the CDK defaults for comparison", async () => {
            const r = await cli(["--stack", "alpha", "--cost"]);
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stdout, /\nEstimated monthly cost of alpha, idle\n/);
            assert.match(r.stdout, /\nTotal +\d+\.\d{2}\n/);
            assert.match(r.stdout, /Not included:\n {2}- Traffic-dependent charges/);
            assert.match(r.stdout, /CDK's ApplicationLoadBalancedFargateService with its defaults here: \d+\.\d{2} USD\/month/);
        });
        it("exits 2 with a clear message for an unknown stack, from the command's own process", async () => {
            const r = await cliPiped(["--stack", "prod"]);
            assert.equal(r.code, 2);
            assert.match(r.stderr, /plan: unknown stack "prod": there is no Pulumi.prod.yaml; known stacks: alpha, beta, gamma, live/);
            assert.equal(r.stdout, "");
        });
        it("exits 2 for an unknown flag", async () => {
            const r = await cli(["--stack", "live", "--verbose"]);
            assert.equal(r.code, 2);
            assert.match(r.stderr, /plan: Unknown option '--verbose'/);
        });
        it("exits 1 naming the key and value when a stack file holds an invalid value", async () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "shipyard-plan-"));
            try {
                const text = fs.readFileSync(stackFile("live"), "utf8").replace("      minTasks: 3", "      minTasks: 1");
                fs.writeFileSync(path.join(dir, "Pulumi.live.yaml"), text);
                // The fixtures' bootstrap beside it, so that the run reads none of the team's files.
                fs.cpSync(path.join(path.dirname(stackFile("live")), "bootstrap"), path.join(dir, "bootstrap"), { recursive: true });
                const r = await cli(["--stack", "live"], { SHIPYARD_STACK_CONFIG_DIR: dir });
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
