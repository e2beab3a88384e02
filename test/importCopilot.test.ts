import * as assert from "assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { durationMs, toSchedule } from "../importer/copilot/forms";
import { Imported, ImportError, importFiles, importWorkspace, MESSAGING_MISSING, planImport, reportOf, writeImport } from "../importer/copilot";
import { EXPOSURES } from "../stacks/services";
import { pathPatterns } from "../importer/copilot/routing";
import { PLACEHOLDER_DIGEST } from "../importer/copilot/context";
import { Entry } from "../importer/copilot/report";
import { leaves, parseLocated } from "../importer/copilot/located";
import { runStack } from "../offline/runStack";
import { BOOTSTRAP, ROOT } from "../offline/stackConfig";
import { main as importMain } from "../scripts/import-copilot";
import { FIXTURES } from "./setup";
import { inProcess } from "./harness/inProcess";

const WORKSPACES = path.join(FIXTURES, "copilot");
const ACCOUNT = "123456789012";
const ZEROS = PLACEHOLDER_DIGEST;

function tmp(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), "copilot-import-"));
}

/** The config of a written stack file, parsed the way the Pulumi CLI reads it. */
function configOf(imported: Imported, stack: string): Record<string, unknown> {
    const s = imported.stacks.find((x) => x.stack === stack);
    assert.ok(s, `no stack ${stack}`);
    return (parse(s.text) as { config: Record<string, unknown> }).config;
}

function servicesOf(imported: Imported, stack: string): Record<string, Record<string, unknown>> {
    return configOf(imported, stack)["shipyard:services"] as Record<string, Record<string, unknown>>;
}

/** The line of `text` in a fixture file, counted from 1: the report must cite it. */
function lineIn(workspace: string, file: string, text: string, nth = 0): number {
    const lines = fs.readFileSync(path.join(WORKSPACES, workspace, file), "utf8").split("\n");
    const found = lines.map((l, i) => (l.includes(text) ? i + 1 : 0)).filter((n) => n > 0);
    assert.ok(found[nth], `${text} not in ${file}`);
    return found[nth];
}

function entry(imported: Imported, file: string, field: string): Entry {
    const found = imported.findings.all().filter((e) => e.origin.file === file && e.origin.path === field);
    assert.equal(found.length, 1, `${file} ${field}: ${found.length} entries`);
    return found[0];
}

function refusal(fn: () => unknown): string {
    try {
        fn();
    } catch (e) {
        assert.ok(e instanceof ImportError, `expected ImportError, got ${String(e)}`);
        return e.message;
    }
    assert.fail("accepted");
}

describe("import:copilot", function () {
    this.timeout(120_000);

    describe("Copilot's value forms", () => {
        const schedules: [string, string][] = [
            ["@daily", "@daily"],
            ["@hourly", "@hourly"],
            ["@weekly", "@weekly"],
            ["@monthly", "@monthly"],
            ["@yearly", "@yearly"],
            ["@annually", "@yearly"],
            ["@midnight", "@daily"],
            ["@every 1h30m", "rate(90 minutes)"],
            ["@every 2h", "rate(2 hours)"],
            ["@every 24h", "rate(1 day)"],
            ["@every 1m", "rate(1 minute)"],
            ["rate(5 minutes)", "rate(5 minutes)"],
            ["rate(1 hours)", "rate(1 hour)"],
            ["cron(0 12 * * ? *)", "cron(0 12 * * ? *)"],
            ["0 9 * * 1-5", "cron(0 9 ? * 2-6 *)"],
            ["30 6 * * MON-FRI", "cron(30 6 ? * MON-FRI *)"],
            ["0 0 1 * *", "cron(0 0 1 * ? *)"],
            ["*/15 * * * *", "cron(0/15 * * * ? *)"],
            ["0 3 * * 0,7", "cron(0 3 ? * 1,1 *)"],
        ];
        for (const [copilot, ours] of schedules)
            it(`GIVEN the schedule ${copilot} WHEN converted THEN it is ${ours}`, () => assert.equal(toSchedule(copilot).value, ours));

        const refused: [string, RegExp][] = [
            ["@every 30s", /at most once a minute/],
            ["0 9 1 * 1", /either day field/],
            ["cron(0 12 * * *)", /6 fields/],
            ["cron(0 12 1 * 2 *)", /one of day-of-month and day-of-week must be \?/],
            ["0 9 * * 8", /day-of-week 8/],
            ["every day", /not a schedule Copilot takes/],
        ];
        for (const [copilot, why] of refused)
            it(`GIVEN the schedule ${copilot} WHEN converted THEN it is refused, saying why`, () => {
                const r = toSchedule(copilot);
                assert.equal(r.value, undefined);
                assert.match(String(r.problem), why);
            });

        it("GIVEN @every 90s or @annually WHEN converted THEN the value says it is only close", () => {
            assert.deepEqual(
                ["@every 90s", "@annually", "@daily"].map((x) => [toSchedule(x).value, toSchedule(x).approximate]),
                [
                    ["rate(2 minutes)", "rounded to whole minutes (rate(2 minutes))"],
                    ["@yearly", "@annually is @yearly"],
                    ["@daily", undefined],
                ],
            );
        });
        it("GIVEN Copilot durations WHEN read THEN they are milliseconds, days included", () => {
            assert.deepEqual(["1h30m", "250ms", "45s", "96h", "5d", 30, "1x", "-1s"].map(durationMs), [
                5_400_000,
                250,
                45_000,
                345_600_000,
                432_000_000,
                30_000,
                undefined,
                undefined,
            ]);
        });
        it("GIVEN http.path forms WHEN converted THEN / is every path and a prefix is itself and below", () => {
            assert.deepEqual(["/", "", "api", "/api/", "v1/users"].map(pathPatterns), [
                ["/*"],
                ["/*"],
                ["/api", "/api/*"],
                ["/api", "/api/*"],
                ["/v1/users", "/v1/users/*"],
            ]);
        });
    });

    describe("a web application with per-environment overrides (webapp)", () => {
        let imported: Imported;
        let out: string;
        before(() => {
            imported = importWorkspace(path.join(WORKSPACES, "webapp"), { account: ACCOUNT, domain: "shop.example.com" });
            out = tmp();
            writeImport(imported, out);
        });
        after(() => fs.rmSync(out, { recursive: true, force: true }));

        it("GIVEN two environment manifests WHEN imported THEN one stack each, tiers from their names", () => {
            assert.deepEqual(
                imported.stacks.map((s) => [s.stack, s.tier]),
                [
                    ["prod", "production"],
                    ["test", "development"],
                ],
            );
        });

        it("GIVEN prod's manifests WHEN imported THEN its services are exactly what the manifests and their prod overrides say", () => {
            assert.deepEqual(servicesOf(imported, "prod"), {
                api: {
                    image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-api:1.4.2@sha256:3f9a1c7e5b2d8046e1a3c5b7d9f0e2a4c6b8d0f1e3a5c7b9d2f4e6a8c0b1d3e5",
                    expose: "tcp",
                    containerPort: 8080,
                    listeners: [{ port: 443, protocol: "TLS" }],
                    hosts: ["api.shop.example.com"],
                    cpu: 512,
                    memory: 1024,
                    minTasks: 2,
                    maxTasks: 2,
                    calls: ["search"],
                },
                frontend: {
                    image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-frontend@${ZEROS}`,
                    expose: "http",
                    containerPort: 8080,
                    hosts: ["shop.example.com", "admin.shop.example.com"],
                    paths: ["/*"],
                    healthCheckPath: "/_health",
                    cpu: 256,
                    memory: 512,
                    minTasks: 3,
                    maxTasks: 10,
                    spot: false,
                    environment: { API_URL: "https://api.shop.example.com" },
                    calls: ["search"],
                },
                search: {
                    image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-search@sha256:9e7c5a3b1d0f2e4a6c8b0d1f3e5a7c9b2d4f6e8a0c1b3d5f7e9a2c4b6d8f0e1a",
                    expose: "internal",
                    containerPort: 8080,
                    cpu: 256,
                    memory: 512,
                    minTasks: 2,
                    maxTasks: 2,
                },
            });
        });

        it("GIVEN the same manifests WHEN imported for test THEN test takes the base values, not prod's overrides", () => {
            const test = servicesOf(imported, "test");
            assert.deepEqual(
                [test.frontend.hosts, test.frontend.minTasks, test.frontend.maxTasks, test.frontend.spot, test.api.image, test.search.spot],
                [
                    ["test.shop.example.com", "admin.test.shop.example.com"],
                    1,
                    4,
                    undefined,
                    "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-api:1.4.2",
                    true,
                ],
            );
            const [prod, dev] = [configOf(imported, "prod"), configOf(imported, "test")];
            assert.deepEqual(
                ["taskSubnets", "logLevel", "cpuTargetPercent"].map((k) => [prod[`shipyard:${k}`], dev[`shipyard:${k}`]]),
                [
                    ["private", "public"],
                    ["info", "debug"],
                    [60, 70],
                ],
            );
        });

        it("GIVEN the environment and health check fields WHEN imported THEN prod's stack-wide keys carry them", () => {
            const prod = configOf(imported, "prod");
            assert.deepEqual(Object.fromEntries(Object.entries(prod).filter(([k]) => k !== "shipyard:services")), {
                "aws:region": "eu-west-1",
                "aws:allowedAccountIds": [ACCOUNT],
                "shipyard:tier": "production",
                "shipyard:appName": "shop",
                "shipyard:availabilityZones": ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
                "shipyard:dnsProvider": "route53",
                "shipyard:dnsZone": "shop.example.com",
                "shipyard:vpcCidr": "10.40.0.0/16",
                "shipyard:publicSubnetCidrs": ["10.40.0.0/24", "10.40.1.0/24", "10.40.2.0/24"],
                "shipyard:privateSubnetCidrs": ["10.40.16.0/20", "10.40.32.0/20", "10.40.48.0/20"],
                "shipyard:accessLogs": true,
                "shipyard:ingressCidrs": ["0.0.0.0/0"],
                "shipyard:healthCheckMatcher": "200,301",
                "shipyard:healthyThreshold": 3,
                "shipyard:unhealthyThreshold": 2,
                "shipyard:healthCheckIntervalSeconds": 15,
                "shipyard:healthCheckTimeoutSeconds": 10,
                "shipyard:healthCheckGracePeriodSeconds": 45,
                "shipyard:deregistrationDelaySeconds": 20,
                "shipyard:cpuArchitecture": "ARM64",
                "shipyard:cpuTargetPercent": 60,
                "shipyard:logLevel": "info",
                "shipyard:taskSubnets": "private",
                "shipyard:logRetentionDays": 14,
                "shipyard:tracing": true,
            });
        });

        it("GIVEN an override in environments.prod WHEN reported THEN the entry cites the override's line, for prod only", () => {
            const file = "copilot/frontend/manifest.yml";
            const min = entry(imported, file, "environments.prod.count.range.min");
            assert.deepEqual([min.origin.line, min.envs, min.outcome], [lineIn("webapp", file, "min: 3"), ["prod"], "carried"]);
            const base = entry(imported, file, "count.range");
            assert.deepEqual(
                [base.origin.line, base.envs, base.text],
                [lineIn("webapp", file, "range: 1-4"), ["test"], "services.frontend.minTasks: 1, maxTasks: 4"],
            );
        });

        it("GIVEN fields we have no key for WHEN reported THEN each says why, at its line, and none is unknown", () => {
            const file = "copilot/search/manifest.yml";
            assert.deepEqual(
                ["sidecars.nginx", "taskdef_overrides[0]", "storage.ephemeral", "image.healthcheck"].map((f) => [
                    entry(imported, file, f).outcome,
                    entry(imported, file, f).origin.line,
                ]),
                [
                    ["not carried", lineIn("webapp", file, "nginx:")],
                    ["not carried", lineIn("webapp", file, "- path: ContainerDefinitions")],
                    ["not carried", lineIn("webapp", file, "ephemeral: 40")],
                    ["not carried", lineIn("webapp", file, "healthcheck:")],
                ],
            );
            assert.equal(imported.findings.counts().unknown, 0);
            assert.match(entry(imported, "copilot/frontend/manifest.yml", "http.stickiness").text, /sticky sessions/);
        });

        it("GIVEN SSM and Secrets Manager secrets WHEN imported THEN the report gives one command each per stack and no stack file holds a secret", () => {
            assert.deepEqual(imported.secretCommands, [
                `pulumi config set --secret --path 'secrets.api.DB_PASSWORD' "$(aws secretsmanager get-secret-value --region eu-west-1 --secret-id 'shop/prod/db' --query SecretString --output text | jq -r '.password')" --stack prod`,
                `pulumi config set --secret --path 'secrets.frontend.SESSION_KEY' "$(aws ssm get-parameter --region eu-west-1 --name '/copilot/shop/prod/secrets/session_key' --with-decryption --query Parameter.Value --output text)" --stack prod`,
                `pulumi config set --secret --path 'secrets.api.DB_PASSWORD' "$(aws secretsmanager get-secret-value --region eu-west-1 --secret-id 'shop/test/db' --query SecretString --output text | jq -r '.password')" --stack test`,
                `pulumi config set --secret --path 'secrets.frontend.SESSION_KEY' "$(aws ssm get-parameter --region eu-west-1 --name '/copilot/shop/test/secrets/session_key' --with-decryption --query Parameter.Value --output text)" --stack test`,
            ]);
            for (const s of imported.stacks) assert.equal(configOf(imported, s.stack)["shipyard:secrets"], undefined);
        });

        it("GIVEN README's worked example on this workspace WHEN compared THEN the counts and report rows it quotes are the importer's", () => {
            const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
            const c = imported.findings.counts();
            assert.ok(
                readme.includes(
                    `fields: ${c.carried} carried over, ${c.approximate} mapped approximately, ${c["not carried"]} not carried over, ${c.unknown} unknown`,
                ),
                "README's worked example quotes other counts",
            );
            const report = reportOf(imported);
            const quoted = /### `copilot\/frontend\/manifest\.yml`\n\n\|[^\n]*\n\|[^\n]*\n((?:\|[^\n]*\n)+)/.exec(
                readme.slice(readme.indexOf("## Coming from Copilot")),
            );
            assert.ok(quoted, "no report rows in README");
            const rows = quoted[1]
                .trim()
                .split("\n")
                .map((r) =>
                    r
                        .split("|")
                        .slice(1, -1)
                        .map((x) => x.trim())
                        .join(" | "),
                );
            const reportRows = new Set(
                report.split("\n").map((r) =>
                    r
                        .split("|")
                        .slice(1, -1)
                        .map((x) => x.trim())
                        .join(" | "),
                ),
            );
            assert.deepEqual(
                rows.filter((r) => !reportRows.has(r)),
                [],
            );
            assert.equal(rows.length, 9);
        });

        it("GIVEN an alias as a list of maps with a hosted zone WHEN imported THEN the name is a host and the zone is reported as looked up by name", () => {
            const file = "copilot/frontend/manifest.yml";
            const zone = entry(imported, file, "environments.prod.http.alias[0].hosted_zone");
            assert.deepEqual(
                [zone.outcome, zone.origin.line, entry(imported, file, "environments.prod.http.alias[0].name").text],
                ["approximate", lineIn("webapp", file, "hosted_zone: Z0873220N255IR3MTNR4"), "services.frontend.hosts includes shop.example.com"],
            );
        });

        it("GIVEN prod pinning a digest that test does not run WHEN imported THEN the report says to promote it, as the suite's promotion check will", () => {
            assert.deepEqual(
                imported.todo.filter((t) => t.includes("lower tier")),
                [
                    "api in prod runs 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-api:1.4.2@sha256:3f9a1c7e5b2d8046e1a3c5b7d9f0e2a4c6b8d0f1e3a5c7b9d2f4e6a8c0b1d3e5, which no lower tier (test) runs: deploy that digest there first, or the suite's promotion check (test/teamStacks.test.ts) refuses the stack files.",
                ],
            );
        });

        it("GIVEN the written files WHEN planned THEN both stacks pass", async () => {
            const planned = await planImport(imported, out);
            assert.deepEqual(
                planned.map((p) => [p.stack, p.plan]),
                [
                    ["prod", { ok: true, problems: [] }],
                    ["test", { ok: true, problems: [] }],
                ],
            );
        });

        it("GIVEN prod written WHEN run under the mock runtime THEN three ECS services run and the imported secret reaches the frontend by valueFrom only", async () => {
            const run = await runStack("prod", {
                stackDir: out,
                fresh: true,
                overrides: { secret: { secrets: { frontend: { SESSION_KEY: "s3ss10n-v4lue" } } } },
            });
            assert.equal(run.error, undefined);
            assert.equal(run.graph.all.filter((r) => r.type === "aws:ecs/service:Service").length, 3);
            const taskDef = run.graph.all.find((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition" && r.name.includes("frontend"));
            assert.ok(taskDef, "no task definition for frontend");
            const containers = JSON.parse(String(taskDef.inputs.containerDefinitions)) as { secrets?: { name: string; valueFrom: string }[] }[];
            assert.deepEqual(
                containers.flatMap((c) => (c.secrets ?? []).map((s) => s.name)),
                ["SESSION_KEY"],
            );
            assert.equal(String(taskDef.inputs.containerDefinitions).includes("s3ss10n-v4lue"), false);
        });

        it("GIVEN the import WHEN written THEN the bootstrap lists the environments, the non-default tiers and every service, and images.json the build context", () => {
            const files = importFiles(imported);
            assert.deepEqual(
                Object.keys(files).sort(),
                ["Pulumi.prod.yaml", "Pulumi.test.yaml", path.join("bootstrap", "Pulumi.shared.yaml"), path.join("release", "images.json")].sort(),
            );
            const b = (parse(files[path.join("bootstrap", "Pulumi.shared.yaml")]) as { config: Record<string, unknown> }).config;
            assert.deepEqual(
                [b["shipyard-bootstrap:environments"], b["shipyard-bootstrap:tiers"], b["shipyard-bootstrap:services"]],
                [["prod", "test"], { prod: "production", test: "development" }, ["api", "frontend", "search"]],
            );
            assert.deepEqual(JSON.parse(files[path.join("release", "images.json")]), { frontend: "frontend" });
        });

        it("GIVEN the bootstrap's stack file it wrote WHEN the bootstrap program runs on it THEN it makes one ECR repository per service", async () => {
            const run = await runStack("shared", { project: BOOTSTRAP, stackDir: path.join(out, "bootstrap"), fresh: true });
            assert.equal(run.error, undefined);
            assert.deepEqual(
                run.graph.all
                    .filter((r) => r.type === "aws:ecr/repository:Repository")
                    .map((r) => r.inputs.name)
                    .sort(),
                ["shop-api", "shop-frontend", "shop-search"],
            );
        });

        it("GIVEN an output folder with the stack files already there WHEN written again THEN it is refused unless forced", () => {
            assert.match(
                refusal(() => writeImport(imported, out)),
                /Pulumi\.prod\.yaml, Pulumi\.test\.yaml, .* already there; choose an empty folder or add --force/,
            );
            assert.deepEqual(writeImport(imported, out, true).length, 4);
        });
    });

    describe("topics, a FIFO queue, workers and a job (messaging)", () => {
        let imported: Imported;
        before(() => {
            imported = importWorkspace(path.join(WORKSPACES, "messaging"), { account: ACCOUNT, region: "eu-west-1", domain: "shop.example.com" });
        });

        it("GIVEN a publisher of a standard and a FIFO topic WHEN imported THEN publish lists both, the FIFO one as a map", () => {
            assert.deepEqual(servicesOf(imported, "dev").orders.publish, ["products", { name: "payments", fifo: true }]);
        });

        it("GIVEN a worker with a filter policy, queue settings and a dead-letter queue WHEN imported THEN subscribe and backlog scaling say the same", () => {
            assert.deepEqual(servicesOf(imported, "dev").processor, {
                image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-processor@${ZEROS}`,
                expose: "worker",
                subscribe: {
                    topics: [{ topic: "orders.products", filter: { event: [{ "anything-but": "order_cancelled" }] } }],
                    queue: { visibilitySeconds: 45, maxReceives: 5 },
                },
                scaling: { backlog: { acceptableLatencySeconds: 600, secondsPerMessage: 0.25 } },
                minTasks: 1,
                maxTasks: 10,
            });
        });

        it("GIVEN a worker on the FIFO topic WHEN imported THEN its queue is FIFO and the FIFO options are reported as approximate", () => {
            assert.deepEqual(servicesOf(imported, "dev").ledger.subscribe, {
                topics: [{ topic: "orders.payments" }],
                queue: { visibilitySeconds: 120, fifo: true },
            });
            const fifo = entry(imported, "copilot/ledger/manifest.yml", "subscribe.queue.fifo");
            assert.deepEqual([fifo.outcome, fifo.origin.line], ["approximate", lineIn("messaging", "copilot/ledger/manifest.yml", "fifo:")]);
        });

        it("GIVEN a topic with a queue of its own WHEN imported THEN its settings are the worker's one queue, reported as approximate", () => {
            assert.deepEqual(servicesOf(imported, "dev").audit.subscribe, {
                topics: [{ topic: "orders.products" }],
                queue: { visibilitySeconds: 20, maxReceives: 3 },
            });
            const file = "copilot/audit/manifest.yml";
            assert.deepEqual(
                ["subscribe.topics[0].queue.timeout", "subscribe.topics[0].queue.dead_letter.tries"].map((f) => [
                    entry(imported, file, f).outcome,
                    entry(imported, file, f).origin.line,
                ]),
                [
                    ["approximate", lineIn("messaging", file, "timeout: 20s")],
                    ["approximate", lineIn("messaging", file, "tries: 3")],
                ],
            );
        });

        it("GIVEN a Dockerfile at the workspace's root and one in a folder WHEN imported THEN only the folder is a build context; the root one says what to move", () => {
            assert.deepEqual(imported.buildContexts, { ledger: "ledger" });
            const root = entry(imported, "copilot/digest/manifest.yml", "image.build");
            assert.deepEqual([root.outcome, root.origin.line], ["not carried", lineIn("messaging", "copilot/digest/manifest.yml", "build: Dockerfile")]);
            assert.match(root.text, /not from its root: move Dockerfile into a folder of its own \(e\.g\. digest\/Dockerfile\)/);
        });

        it("GIVEN a scheduled job WHEN imported THEN it is a job with EventBridge's cron, its timeout in minutes and its retries", () => {
            assert.deepEqual(servicesOf(imported, "dev").digest, {
                image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop-digest@${ZEROS}`,
                expose: "job",
                cpu: 512,
                memory: 1024,
                schedule: "cron(0 9 ? * 2-6 *)",
                timeoutMinutes: 90,
                retries: 3,
            });
        });

        it("GIVEN queue retention and delay WHEN reported THEN both are not carried over, at their lines", () => {
            const file = "copilot/processor/manifest.yml";
            assert.deepEqual(
                ["subscribe.queue.retention", "subscribe.queue.delay"].map((f) => [entry(imported, file, f).outcome, entry(imported, file, f).origin.line]),
                [
                    ["not carried", lineIn("messaging", file, "retention: 96h")],
                    ["not carried", lineIn("messaging", file, "delay: 10s")],
                ],
            );
        });

        it("GIVEN an env_file with a secret-looking name WHEN imported THEN its plain variables are carried and the secret's value is written nowhere", () => {
            assert.deepEqual(servicesOf(imported, "dev").orders.environment, { FEATURE_REFUNDS: "on", ORDERS_PAGE_SIZE: "50" });
            assert.deepEqual(imported.secretCommands, [
                `pulumi config set --secret --path 'secrets.orders.STRIPE_API_KEY' '<the value of STRIPE_API_KEY in orders.env>' --stack dev`,
            ]);
            const everything = [...Object.values(importFiles(imported)), reportOf(imported)].join("\n");
            assert.equal(everything.includes("sk_test_not_a_real_key"), false);
        });

        it("GIVEN topics, workers and a job WHEN planned THEN they plan where the platform has them, and otherwise the first problem says so", async () => {
            const out = tmp();
            try {
                writeImport(imported, out);
                const [dev] = await planImport(imported, out);
                const supported = (EXPOSURES as readonly string[]).includes("job");
                assert.equal(dev.plan?.ok ? "planned" : dev.plan?.problems[0], supported ? "planned" : MESSAGING_MISSING);
            } finally {
                fs.rmSync(out, { recursive: true, force: true });
            }
        });
    });

    describe("every count form (counts)", () => {
        let imported: Imported;
        before(() => {
            imported = importWorkspace(path.join(WORKSPACES, "counts"), { account: ACCOUNT, domain: "example.net" });
        });

        it("GIVEN a number, spot, ranges, spot_from and queue_delay WHEN imported THEN each service's task bounds and capacity", () => {
            const s = servicesOf(imported, "dev");
            assert.deepEqual(Object.fromEntries(Object.entries(s).map(([n, x]) => [n, [x.minTasks, x.maxTasks, x.spot, x.scaling]])), {
                backlog: [1, 5, undefined, { backlog: { acceptableLatencySeconds: 300, secondsPerMessage: 2 } }],
                burst: [1, 6, true, undefined],
                fixed: [3, 3, undefined, undefined],
                ranged: [2, 8, undefined, undefined],
                spot: [2, 2, true, undefined],
                targets: [2, 100, false, undefined],
            });
        });

        it("GIVEN two services with different CPU targets WHEN imported THEN the first sets the stack's and the second is reported", () => {
            const c = configOf(imported, "dev");
            assert.deepEqual([c["shipyard:cpuTargetPercent"], c["shipyard:memoryTargetPercent"], c["aws:region"]], [65, 80, "us-east-2"]);
            const second = entry(imported, "copilot/targets/manifest.yml", "count.cpu_percentage");
            assert.deepEqual(
                [second.outcome, second.text],
                ["approximate", "shipyard:cpuTargetPercent is one value for the whole stack and already 65 (from ranged); 70 not applied"],
            );
        });

        it("GIVEN requests, response_time and cooldowns WHEN reported THEN they are not carried over, at their lines", () => {
            const file = "copilot/targets/manifest.yml";
            assert.deepEqual(
                ["count.requests", "count.response_time"].map((f) => [entry(imported, file, f).outcome, entry(imported, file, f).origin.line]),
                [
                    ["not carried", lineIn("counts", file, "requests: 1000")],
                    ["not carried", lineIn("counts", file, "response_time: 2s")],
                ],
            );
            assert.equal(entry(imported, "copilot/ranged/manifest.yml", "count.cooldown").outcome, "not carried");
            assert.equal(entry(imported, "copilot/burst/manifest.yml", "count.memory_percentage.cooldown").outcome, "not carried");
        });

        it("GIVEN the stack without its queue worker WHEN planned THEN every other count form plans", async () => {
            const out = tmp();
            try {
                const text = imported.stacks[0].text;
                const doc = parse(text) as { config: Record<string, Record<string, unknown>> };
                delete doc.config["shipyard:services"].backlog;
                const { stringify } = await import("yaml");
                const withoutWorker: Imported = {
                    ...imported,
                    stacks: [{ ...imported.stacks[0], text: stringify(doc), services: imported.stacks[0].services.filter((n) => n !== "backlog") }],
                };
                writeImport(withoutWorker, out);
                assert.deepEqual(
                    (await planImport(withoutWorker, out)).map((p) => p.plan),
                    [{ ok: true, problems: [] }],
                );
            } finally {
                fs.rmSync(out, { recursive: true, force: true });
            }
        });
    });

    describe("schedules of jobs (jobs)", () => {
        it("GIVEN a job in each schedule form WHEN imported THEN each has EventBridge's expression or keyword", () => {
            const imported = importWorkspace(path.join(WORKSPACES, "jobs"), { account: ACCOUNT, region: "eu-west-1", domain: "batch.example.org" });
            const s = servicesOf(imported, "ops");
            assert.deepEqual(Object.fromEntries(Object.entries(s).map(([n, x]) => [n, [x.expose, x.schedule, x.timeoutMinutes, x.retries]])), {
                every: ["job", "rate(90 minutes)", 2, 1],
                nightly: ["job", "@daily", 30, 1],
                noon: ["job", "cron(0 12 * * ? *)", undefined, 1],
                often: ["job", "rate(5 minutes)", undefined, 1],
                weekdays: ["job", "cron(30 6 ? * MON-FRI *)", undefined, 1],
            });
            assert.equal(entry(imported, "copilot/every/manifest.yml", "timeout").text, "services.every.timeoutMinutes: 2 (rounded up to whole minutes)");
        });
    });

    describe("App Runner, a static site and what Copilot does not have (apprunner)", () => {
        let imported: Imported;
        before(() => {
            imported = importWorkspace(path.join(WORKSPACES, "apprunner"), { account: ACCOUNT, region: "eu-west-1", domain: "atlas.example.org" });
        });

        it("GIVEN a Request-Driven Web Service and a Static Site WHEN imported THEN an http service and the assets bucket, both approximate", () => {
            const c = configOf(imported, "staging");
            assert.deepEqual(Object.keys(c["shipyard:services"] as object), ["www"]);
            assert.equal(c["shipyard:assetsBucket"], true);
            assert.deepEqual(
                ["copilot/www/manifest.yml", "copilot/docs/manifest.yml"].map((f) => entry(imported, f, "type").outcome),
                ["approximate", "approximate"],
            );
        });

        it("GIVEN an unknown workload type and an unknown field WHEN imported THEN both are reported as unknown at their lines, nothing dropped", () => {
            const type = entry(imported, "copilot/legacy/manifest.yml", "type");
            const field = entry(imported, "copilot/www/manifest.yml", "instance_size");
            assert.deepEqual(
                [type.outcome, type.origin.line, field.outcome, field.origin.line],
                ["unknown", 2, "unknown", lineIn("apprunner", "copilot/www/manifest.yml", "instance_size")],
            );
            assert.equal(entry(imported, "copilot/legacy/manifest.yml", "image").outcome, "not carried");
            assert.deepEqual(
                ["copilot/pipelines", "copilot/www/addons"].map((f) => entry(imported, f, "(folder)").outcome),
                ["not carried", "not carried"],
            );
        });

        it("GIVEN a variable Copilot interpolates at deploy time WHEN imported THEN COPILOT_ENVIRONMENT_NAME is resolved and any other is reported", () => {
            assert.deepEqual(servicesOf(imported, "staging").www.environment, { GREETING: "hello from staging" });
            assert.match(entry(imported, "copilot/www/manifest.yml", "variables.BUCKET").text, /\$\{ASSETS_BUCKET\} is resolved by Copilot at deploy time/);
        });
    });

    describe("an imported VPC and the fields we have no key for (odds)", () => {
        let imported: Imported;
        before(() => {
            imported = importWorkspace(path.join(WORKSPACES, "odds"), { account: ACCOUNT, region: "eu-west-1", domain: "odds.example.com" });
        });

        it("GIVEN every such field WHEN reported THEN each has its outcome at its line, and none is unknown", () => {
            const expected: [string, string, string, string, number][] = [
                ["copilot/environments/qa/manifest.yml", "network.vpc.id", "not carried", "id: vpc-", 0],
                ["copilot/environments/qa/manifest.yml", "network.vpc.subnets.public[0].id", "not carried", "id: subnet-11111111", 0],
                ["copilot/environments/qa/manifest.yml", "network.vpc.security_group", "not carried", "security_group:", 0],
                ["copilot/environments/qa/manifest.yml", "network.vpc.flow_logs", "carried", "flow_logs:", 0],
                ["copilot/environments/qa/manifest.yml", "network.vpc.flow_logs.retention", "approximate", "retention: 30", 0],
                ["copilot/environments/qa/manifest.yml", "http.public.ssl_policy", "not carried", "ssl_policy:", 0],
                ["copilot/environments/qa/manifest.yml", "http.public.ingress.cdn", "not carried", "cdn: true", 0],
                ["copilot/environments/qa/manifest.yml", "http.private", "not carried", "  private:", 1],
                ["copilot/gateway/manifest.yml", "nlb.target_port", "carried", "target_port: 9090", 0],
                ["copilot/gateway/manifest.yml", "nlb.stickiness", "not carried", "stickiness: true", 0],
                ["copilot/internal/manifest.yml", "http", "approximate", "http:", 0],
                ["copilot/portal/manifest.yml", "http.alias[1]", "not carried", "portal.other-domain.net", 0],
                ["copilot/portal/manifest.yml", "http.hosted_zone", "approximate", "hosted_zone:", 0],
                ["copilot/portal/manifest.yml", "http.redirect_to_https", "not carried", "redirect_to_https:", 0],
                ["copilot/portal/manifest.yml", "http.version", "not carried", "version: grpc", 0],
                ["copilot/portal/manifest.yml", "http.target_container", "not carried", "target_container:", 0],
                ["copilot/portal/manifest.yml", "http.allowed_source_ips", "not carried", "allowed_source_ips:", 0],
                ["copilot/portal/manifest.yml", "nlb", "not carried", "nlb:", 0],
                ["copilot/portal/manifest.yml", "image.port", "approximate", "  port: 80", 0],
                ["copilot/portal/manifest.yml", "image.credentials", "not carried", "credentials:", 0],
                ["copilot/portal/manifest.yml", "entrypoint", "not carried", "entrypoint:", 0],
                ["copilot/portal/manifest.yml", "command", "not carried", "command:", 0],
                ["copilot/portal/manifest.yml", "platform", "not carried", "platform:", 0],
                ["copilot/portal/manifest.yml", "memory", "not carried", "memory: 3000", 0],
                ["copilot/portal/manifest.yml", "variables.TABLE", "not carried", "TABLE:", 0],
                ["copilot/portal/manifest.yml", "secrets.CERT", "not carried", "CERT:", 0],
                ["copilot/portal/manifest.yml", "env_file", "not carried", "env_file:", 0],
                ["copilot/portal/manifest.yml", "network.vpc.placement", "not carried", "placement:", 0],
                ["copilot/portal/manifest.yml", "deployment.rolling", "not carried", "rolling: recreate", 0],
                ["copilot/portal/manifest.yml", "storage.volumes", "not carried", "volumes:", 0],
                ["copilot/portal/manifest.yml", "logging.destination", "not carried", "destination:", 0],
                ["copilot/portal/manifest.yml", "observability.tracing", "not carried", "tracing: datadog", 0],
            ];
            assert.deepEqual(
                expected.map(([file, field]) => [file, field, entry(imported, file, field).outcome, entry(imported, file, field).origin.line]),
                expected.map(([file, field, outcome, needle, nth]) => [file, field, outcome, lineIn("odds", file, needle, nth)]),
            );
            assert.equal(imported.findings.counts().unknown, 0);
        });

        it("GIVEN a Docker Hub short name below port 1024 WHEN imported THEN its full name on port 8080, and the stack plans", async () => {
            const portal = servicesOf(imported, "qa").portal;
            assert.deepEqual(
                [portal.image, portal.containerPort, portal.hosts, portal.paths],
                ["docker.io/library/nginx:1.27", 8080, ["portal.odds.example.com"], ["/portal", "/portal/*"]],
            );
            const out = tmp();
            try {
                writeImport(imported, out);
                assert.deepEqual(
                    (await planImport(imported, out)).map((p) => p.plan),
                    [{ ok: true, problems: [] }],
                );
            } finally {
                fs.rmSync(out, { recursive: true, force: true });
            }
        });

        it("GIVEN a Secrets Manager ARN with a JSON key, one as a plain string and an SSM name WHEN imported THEN each command reads from the right store", () => {
            assert.deepEqual(imported.secretCommands, [
                `pulumi config set --secret --path 'secrets.portal.API_TOKEN' "$(aws secretsmanager get-secret-value --region eu-west-1 --secret-id 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:odds/qa/api-AbCdEf' --query SecretString --output text | jq -r '.token')" --stack qa`,
                `pulumi config set --secret --path 'secrets.portal.DB_URL' "$(aws secretsmanager get-secret-value --region eu-west-1 --secret-id 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:odds/qa/db-AbCdEf' --query SecretString --output text)" --stack qa`,
                `pulumi config set --secret --path 'secrets.portal.GITHUB_TOKEN' "$(aws ssm get-parameter --region eu-west-1 --name 'GITHUB_TOKEN' --with-decryption --query Parameter.Value --output text)" --stack qa`,
            ]);
        });
    });

    describe("health check timings that Copilot's defaults made fit", () => {
        let dir: string;
        before(() => (dir = tmp()));
        after(() => fs.rmSync(dir, { recursive: true, force: true }));
        /** A workspace of one web service whose http.healthcheck is `healthcheck`, in the environment `env`. */
        function importWith(env: string, healthcheck: string): Imported {
            const root = path.join(dir, env);
            fs.mkdirSync(path.join(root, "copilot", "web"), { recursive: true });
            fs.mkdirSync(path.join(root, "copilot", "environments", env), { recursive: true });
            fs.writeFileSync(path.join(root, "copilot", ".workspace"), "application: tick\n");
            fs.writeFileSync(path.join(root, "copilot", "environments", env, "manifest.yml"), `name: ${env}\ntype: Environment\n`);
            fs.writeFileSync(
                path.join(root, "copilot", "web", "manifest.yml"),
                `name: web\ntype: Load Balanced Web Service\nimage:\n  build: Dockerfile\n  port: 8080\nhttp:\n  path: /\n  alias: tick.example.com\n  healthcheck:\n${healthcheck}`,
            );
            return importWorkspace(root, { account: ACCOUNT, region: "eu-west-1" });
        }
        const timings = (i: Imported, env: string) => [
            configOf(i, env)["shipyard:healthCheckIntervalSeconds"],
            configOf(i, env)["shipyard:healthCheckTimeoutSeconds"],
        ];

        it("GIVEN a timeout of 10 s and no interval in a development stack (interval 5 s) WHEN imported THEN the interval is Copilot's 30 s", () => {
            assert.deepEqual(timings(importWith("dev", "    timeout: 10s\n"), "dev"), [30, 10]);
        });
        it("GIVEN an interval of 5 s and no timeout in a production stack (timeout 5 s) WHEN imported THEN the timeout is 4 s", () => {
            assert.deepEqual(timings(importWith("prod", "    interval: 5s\n"), "prod"), [5, 4]);
        });
        it("GIVEN a timeout of 200 s WHEN imported THEN it is ELB's most, 120 s, reported as approximate", () => {
            const i = importWith("qa", "    interval: 300s\n    timeout: 200s\n");
            assert.deepEqual(timings(i, "qa"), [300, 120]);
            assert.equal(entry(i, "copilot/web/manifest.yml", "http.healthcheck.timeout").outcome, "approximate");
        });
    });

    describe("nothing dropped", () => {
        const workspaces: [string, Parameters<typeof importWorkspace>[1]][] = [
            ["webapp", { account: ACCOUNT, domain: "shop.example.com" }],
            ["messaging", { account: ACCOUNT, region: "eu-west-1", domain: "shop.example.com" }],
            ["counts", { account: ACCOUNT, domain: "example.net" }],
            ["jobs", { account: ACCOUNT, region: "eu-west-1", domain: "batch.example.org" }],
            ["apprunner", { account: ACCOUNT, region: "eu-west-1", domain: "atlas.example.org" }],
            ["odds", { account: ACCOUNT, region: "eu-west-1", domain: "odds.example.com" }],
        ];
        for (const [name, opts] of workspaces)
            it(`GIVEN the ${name} workspace WHEN imported THEN every leaf of every manifest is in the report, at its own line or under a field that is`, () => {
                const imported = importWorkspace(path.join(WORKSPACES, name), opts);
                const reported = imported.findings.all();
                const files = [".workspace", ...fs.readdirSync(path.join(WORKSPACES, name, "copilot"), { recursive: true }).map(String)].filter(
                    (f) => f === ".workspace" || f.endsWith("manifest.yml"),
                );
                const missing: string[] = [];
                for (const f of files.filter((x) => !x.startsWith("pipelines"))) {
                    const file = `copilot/${f}`;
                    for (const leaf of leaves(parseLocated(fs.readFileSync(path.join(WORKSPACES, name, file), "utf8"), file))) {
                        const p = leaf.origin.path;
                        const covered = reported.some(
                            (e) => e.origin.file === file && (e.origin.path === p || p.startsWith(`${e.origin.path}.`) || p.startsWith(`${e.origin.path}[`)),
                        );
                        if (!covered) missing.push(`${file}:${leaf.origin.line} ${p}`);
                    }
                }
                assert.deepEqual(missing, []);
                assert.ok(files.length >= 2, "no manifests read");
            });
    });

    describe("a field every environment overrides", () => {
        it("GIVEN cpu in the manifest and in the one environment's override WHEN imported THEN the override is carried and the base is reported as used by no stack", () => {
            const root = tmp();
            try {
                fs.mkdirSync(path.join(root, "copilot", "api"), { recursive: true });
                fs.mkdirSync(path.join(root, "copilot", "environments", "dev"), { recursive: true });
                fs.writeFileSync(path.join(root, "copilot", ".workspace"), "application: solo\n");
                fs.writeFileSync(path.join(root, "copilot", "environments", "dev", "manifest.yml"), "name: dev\ntype: Environment\n");
                fs.writeFileSync(
                    path.join(root, "copilot", "api", "manifest.yml"),
                    "name: api\ntype: Backend Service\nimage:\n  location: public.ecr.aws/solo/api:1.0.0\n  port: 8080\ncpu: 256\nmemory: 1024\nenvironments:\n  dev:\n    cpu: 512\n",
                );
                const i = importWorkspace(root, { account: ACCOUNT, region: "eu-west-1", domain: "solo.example.com" });
                const file = "copilot/api/manifest.yml";
                assert.deepEqual(
                    [entry(i, file, "cpu").outcome, entry(i, file, "cpu").text, entry(i, file, "environments.dev.cpu").text, servicesOf(i, "dev").api.cpu],
                    ["not carried", "every environment overrides it (environments.<env>): no stack uses this value", "services.api.cpu: 512", 512],
                );
            } finally {
                fs.rmSync(root, { recursive: true, force: true });
            }
        });
    });

    describe("the command", () => {
        it("GIVEN a workspace WHEN imported by the command THEN it writes the stacks and the report, plans them and exits 0", async () => {
            const out = path.join(tmp(), "out");
            try {
                const r = await inProcess(importMain, [
                    path.join(WORKSPACES, "apprunner"),
                    "--account",
                    ACCOUNT,
                    "--region",
                    "eu-west-1",
                    "--domain",
                    "atlas.example.org",
                    "--out",
                    out,
                ]);
                assert.equal(r.code, 0, r.stderr);
                assert.match(r.stdout, /plan staging: passed/);
                const report = fs.readFileSync(path.join(out, "copilot-migration.md"), "utf8");
                assert.match(report, /\| `Pulumi\.staging\.yaml` \| staging \| www \| passed \|/);
                assert.match(report, /\| unknown \(not in Copilot's specification\) \| 2 \|/);
                assert.deepEqual(fs.readdirSync(out).sort(), ["Pulumi.staging.yaml", "bootstrap", "copilot-migration.md"]);
            } finally {
                fs.rmSync(path.dirname(out), { recursive: true, force: true });
            }
        });

        it("GIVEN two services on one host and path WHEN imported by the command THEN the stack does not plan, the report says why and it exits 1", async () => {
            const out = path.join(tmp(), "out");
            try {
                const r = await inProcess(importMain, [path.join(WORKSPACES, "conflict"), "--account", ACCOUNT, "--region", "eu-west-1", "--out", out]);
                assert.equal(r.code, 1);
                assert.match(
                    r.stderr,
                    /Pulumi\.dev\.yaml does not plan:\n.*key shipyard:services\.shop\.paths = "\/\*": host www\.clash\.example\.com and path \/\* already route to blog/s,
                );
                assert.match(
                    fs.readFileSync(path.join(out, "copilot-migration.md"), "utf8"),
                    /\| `Pulumi\.dev\.yaml` \| development \| blog, shop \| \*\*failed\*\*: /,
                );
            } finally {
                fs.rmSync(path.dirname(out), { recursive: true, force: true });
            }
        });

        it("GIVEN the command run as npm runs it, with --no-plan WHEN it ends THEN it exits 0 having written the stack file, and planned nothing", () => {
            const out = path.join(tmp(), "out");
            try {
                const r = spawnSync(
                    process.execPath,
                    [
                        "-r",
                        path.join(ROOT, "scripts", "register.js"),
                        "scripts/import-copilot.ts",
                        path.join(WORKSPACES, "jobs"),
                        "--account",
                        ACCOUNT,
                        "--region",
                        "eu-west-1",
                        "--domain",
                        "batch.example.org",
                        "--out",
                        out,
                        "--no-plan",
                    ],
                    { cwd: ROOT, encoding: "utf8", timeout: 60_000 },
                );
                assert.equal(r.status, 0, r.stderr);
                assert.match(r.stdout, /^1 stacks \(ops: development\); fields: /);
                assert.doesNotMatch(r.stdout, /plan ops/);
                assert.match(
                    fs.readFileSync(path.join(out, "copilot-migration.md"), "utf8"),
                    /\| `Pulumi\.ops\.yaml` \| development \| every, nightly, noon, often, weekdays \| not run \|/,
                );
            } finally {
                fs.rmSync(path.dirname(out), { recursive: true, force: true });
            }
        });

        it("GIVEN no --account WHEN run THEN it exits 2 with the usage and writes nothing", async () => {
            const out = path.join(tmp(), "out");
            const r = await inProcess(importMain, [path.join(WORKSPACES, "webapp"), "--out", out]);
            assert.deepEqual([r.code, fs.existsSync(out)], [2, false]);
            assert.match(r.stderr, /--account is required[\s\S]*usage: npm run import:copilot/);
        });

        it("GIVEN a bad workspace WHEN run THEN it exits 2 naming the file and writes nothing", async () => {
            const out = path.join(tmp(), "out");
            const r = await inProcess(importMain, [path.join(WORKSPACES, "webapp"), "--account", ACCOUNT, "--tier", "prod=live", "--out", out]);
            assert.deepEqual(
                [r.code, fs.existsSync(out), r.stderr],
                [2, false, "import:copilot: --tier prod=live: allowed tiers: production, staging, development, preview\n"],
            );
        });
    });

    describe("bad input is refused before anything is written", () => {
        let dir: string;
        const webapp = path.join(WORKSPACES, "webapp");
        /** A copy of the webapp workspace with `change` applied. */
        function workspaceWith(change: (root: string) => void): string {
            const root = path.join(dir, String(fs.readdirSync(dir).length));
            fs.cpSync(webapp, root, { recursive: true });
            change(root);
            return root;
        }
        before(() => (dir = tmp()));
        after(() => fs.rmSync(dir, { recursive: true, force: true }));

        const cases: [string, (root: string) => void, Partial<Parameters<typeof importWorkspace>[1]>, string][] = [
            [
                "no copilot/ folder",
                (r) => fs.rmSync(path.join(r, "copilot"), { recursive: true }),
                {},
                "no copilot/ folder; give the folder that holds copilot/.workspace",
            ],
            ["no .workspace", (r) => fs.rmSync(path.join(r, "copilot", ".workspace")), {}, "copilot/.workspace: not found in"],
            [
                "a .workspace without application",
                (r) => fs.writeFileSync(path.join(r, "copilot", ".workspace"), "other: x\n"),
                {},
                "copilot/.workspace: key application = null: the application's name is required",
            ],
            [
                "an application name AWS names cannot carry",
                (r) => fs.writeFileSync(path.join(r, "copilot", ".workspace"), "application: My_Shop\n"),
                {},
                "copilot/.workspace: key application = My_Shop: our appName is 2 to 20 lowercase letters",
            ],
            [
                "no environment manifests",
                (r) => fs.rmSync(path.join(r, "copilot", "environments"), { recursive: true }),
                {},
                "copilot/environments: no <env>/manifest.yml",
            ],
            [
                "an environment name a stack cannot have",
                (r) => fs.writeFileSync(path.join(r, "copilot", "environments", "test", "manifest.yml"), "name: Test_1\ntype: Environment\n"),
                {},
                "copilot/environments/test/manifest.yml: key name = Test_1: a stack name is 2 to 16 lowercase letters",
            ],
            [
                "a manifest that is not YAML",
                (r) => fs.writeFileSync(path.join(r, "copilot", "api", "manifest.yml"), "name: api\n  type: [\n"),
                {},
                "copilot/api/manifest.yml: not valid YAML at line",
            ],
            ["an account that is not 12 digits", () => undefined, { account: "1234" }, "--account = 1234: the 12-digit AWS account id"],
            [
                "a tier that does not exist",
                () => undefined,
                { tiers: { prod: "live" } },
                "--tier prod=live: allowed tiers: production, staging, development, preview",
            ],
            [
                "a tier for an environment that does not exist",
                () => undefined,
                { tiers: { qa: "staging" } },
                "--tier qa=staging: no environment qa; the workspace's are prod, test",
            ],
            ["a malformed region", () => undefined, { region: "Europe" }, "--region = Europe: an AWS region name such as eu-west-1"],
            ["a malformed domain", () => undefined, { domain: "shop" }, "--domain = shop: a DNS zone name such as example.com"],
        ];
        for (const [what, change, opts, message] of cases)
            it(`GIVEN ${what} WHEN imported THEN it is refused: ${message}`, () => {
                const root = workspaceWith(change);
                assert.ok(refusal(() => importWorkspace(root, { account: ACCOUNT, domain: "shop.example.com", ...opts })).includes(message));
            });

        it("GIVEN no --region and no AZ in any environment manifest WHEN imported THEN --region is asked for", () => {
            assert.equal(
                refusal(() => importWorkspace(path.join(WORKSPACES, "messaging"), { account: ACCOUNT })),
                "--region is required: no environment manifest names its AZs (network.vpc.subnets[].az)",
            );
        });
        it("GIVEN no --domain and no alias in any workload WHEN imported THEN --domain is asked for", () => {
            assert.match(
                refusal(() => importWorkspace(path.join(WORKSPACES, "jobs"), { account: ACCOUNT, region: "eu-west-1" })),
                /^--domain is required: no workload names an alias/,
            );
        });
    });
});
