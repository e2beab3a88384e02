/**
 * `npm run local -- --stack <env> --service <name>` (issue 21): what a developer needs to run one
 * service on a laptop with the settings it has in the stack, read from the stack's offline plan (the
 * task definition ECS would get) and settings: an env file with every variable of the task
 * definition, and a Docker Compose file with the service, local stand-ins for what it uses and the
 * services it calls. Pure: the command (scripts/local.ts) reads and writes the files.
 *
 * Secrets never come from the cloud: each secret of the task definition takes its value from the
 * developer's own `.local/secrets.<stack>.env` (git-ignored), and the database's user and password
 * are the local stand-in's.
 */
import { randomBytes } from "crypto";
import { stringify } from "yaml";
import { Recorded } from "./graph";
import { ManagedDatabaseSettings } from "../stacks/data";
import { ServiceSettings, Settings } from "../stacks/settings";

/** Where the files go, under the repository (git-ignored). */
export const LOCAL_DIR = ".local";
/** The developer's secrets for a stack, NAME=value lines, never committed. */
export const localSecretsFile = (stack: string) => `${LOCAL_DIR}/secrets.${stack}.env`;

/**
 * Local stand-ins. PostgreSQL and MySQL: the official images of the stack's engine version. The
 * assets bucket: SeaweedFS's S3 gateway (Apache-2.0, maintained; MinIO's community images stopped in
 * 2025), anonymous on 127.0.0.1 only.
 */
export const STAND_INS = Object.freeze({
    postgres: { image: (version: string) => `postgres:${version}`, port: 5432, hostPort: 15432 },
    mysql: { image: (version: string) => `mysql:${version}`, port: 3306, hostPort: 13306 },
    assets: { image: "chrislusf/seaweedfs:latest", port: 8333, hostPort: 18333 },
});
/** Host ports of the called services, in the order of `calls`, so that `--run` reaches them. */
const CALLED_HOST_PORT = 18081;

/** One container of a task definition, as far as the local files need it. */
interface ContainerDefinition {
    readonly name: string;
    readonly image: string;
    readonly environment?: readonly { readonly name: string; readonly value: string }[];
    readonly secrets?: readonly { readonly name: string; readonly valueFrom: string }[];
    readonly portMappings?: readonly { readonly containerPort: number }[];
    readonly user?: string;
    readonly readonlyRootFilesystem?: boolean;
    readonly healthCheck?: {
        readonly command: readonly string[];
        readonly interval?: number;
        readonly timeout?: number;
        readonly retries?: number;
        readonly startPeriod?: number;
    };
    readonly stopTimeout?: number;
    readonly mountPoints?: readonly { readonly containerPath: string; readonly readOnly?: boolean }[];
    readonly linuxParameters?: { readonly initProcessEnabled?: boolean };
}

/** The container of `service` in the plan's task definitions; an error names the services the plan has. */
export function containerOf(resources: readonly Recorded[], service: string): ContainerDefinition {
    const all = resources
        .filter((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition")
        .flatMap((r) => JSON.parse(String(r.inputs.containerDefinitions)) as ContainerDefinition[]);
    const found = all.find((c) => c.name === service);
    if (!found) throw new Error(`no container ${service} in the stack's task definitions (containers: ${all.map((c) => c.name).join(", ")})`);
    return found;
}

/** Parses `NAME=value` lines (blank lines and # comments skipped); a value may be quoted. */
export function parseEnvFile(text: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const line of text.split(/\r?\n/)) {
        const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
        if (!m || line.trim().startsWith("#")) continue;
        const v = m[2];
        out[m[1]] = /^'.*'$/.test(v) ? v.slice(1, -1) : /^".*"$/.test(v) ? JSON.parse(v) : v;
    }
    return out;
}

/** One line of an env file: plain when safe, else single-quoted (literal), else double-quoted JSON. */
function envLine(name: string, value: string): string {
    if (/^[A-Za-z0-9_.,:/@+=%-]*$/.test(value)) return `${name}=${value}`;
    if (!value.includes("'") && !value.includes("\n")) return `${name}='${value}'`;
    return `${name}=${JSON.stringify(value)}`;
}

export interface LocalInputs {
    readonly settings: Settings;
    readonly resources: readonly Recorded[];
    readonly service: string;
    /** The developer's secrets file, if any. */
    readonly secretsText?: string;
    /** Build contexts by service (release/images.json), relative to the repository. */
    readonly buildContexts: Readonly<Record<string, string>>;
    /** A build context (relative to the repository) as the Compose file's folder reaches it. */
    readonly contextPath: (context: string) => string;
    /** The local database's password; random unless given (tests). */
    readonly databasePassword?: string;
}

export interface LocalFiles {
    /** By file name: the env file of each service in the Compose file (`<service>.env`), and the database stand-in's (`db.env`). */
    readonly envFiles: Readonly<Record<string, string>>;
    /** The service's variables for `--run` (no Docker): stand-ins and called services on 127.0.0.1. */
    readonly runEnv: Readonly<Record<string, string>>;
    readonly compose: Record<string, unknown>;
    readonly composeText: string;
    /** Secrets the task definition has that the developer's file does not set. */
    readonly missingSecrets: readonly string[];
}

const seconds = (n: number | undefined, fallback: number) => `${n ?? fallback}s`;

/** The files of `service` and of every service it calls. */
export function localFiles(inputs: LocalInputs): LocalFiles {
    const { settings, service } = inputs;
    const svc = settings.services.find((x) => x.name === service);
    if (!svc) throw new Error(`stack "${settings.env}" has no service ${service} (services: ${settings.services.map((x) => x.name).join(", ")})`);
    const secrets = parseEnvFile(inputs.secretsText ?? "");
    const database = settings.database?.kind === "managed" ? settings.database : undefined;
    const password = inputs.databasePassword ?? randomBytes(12).toString("hex");
    const called = svc.calls.map((name) => settings.services.find((x) => x.name === name) as ServiceSettings);
    const members = [svc, ...called];
    const usesDatabase = members.some((m) => m.uses.includes("database")) && database !== undefined;
    const usesAssets = members.some((m) => m.uses.includes("assets")) && settings.assets !== undefined;
    const missing = new Set<string>();

    /** Every variable of the task definition, with the local value where the cloud's has no meaning on a laptop. */
    const variables = (m: ServiceSettings, where: "compose" | "run"): { lines: string[]; values: Record<string, string> } => {
        const container = containerOf(inputs.resources, m.name);
        const values: Record<string, string> = {};
        const notes: string[] = [];
        for (const { name, value } of container.environment ?? []) values[name] = value;
        for (const { name, valueFrom } of container.secrets ?? []) {
            if (database && /:username::$/.test(valueFrom)) values[name] = database.username;
            else if (database && /:password::$/.test(valueFrom)) values[name] = password;
            else if (name in secrets) values[name] = secrets[name];
            else {
                values[name] = "";
                missing.add(name);
                notes.push(`# ${name}: a secret of the stack; set it in ${localSecretsFile(settings.env)} (never read from the cloud)`);
            }
        }
        if (database && "DATABASE_HOST" in values) {
            values.DATABASE_HOST = where === "compose" ? "db" : "127.0.0.1";
            values.DATABASE_PORT = String(where === "compose" ? STAND_INS[database.engine].port : STAND_INS[database.engine].hostPort);
            if ("DATABASE_SECRET_ARN" in values) {
                values.DATABASE_SECRET_ARN = "";
                notes.push("# DATABASE_SECRET_ARN: empty locally, the password is DATABASE_PASSWORD's");
            }
        }
        if (settings.assets && "ASSETS_BUCKET" in values) {
            // The AWS SDKs read these; the stand-in accepts any key.
            values.AWS_ENDPOINT_URL_S3 = where === "compose" ? `http://assets:${STAND_INS.assets.port}` : `http://127.0.0.1:${STAND_INS.assets.hostPort}`;
            values.AWS_REGION = settings.region;
            values.AWS_ACCESS_KEY_ID = "local";
            values.AWS_SECRET_ACCESS_KEY = "local";
            notes.push(
                "# AWS_ENDPOINT_URL_S3, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: local only, for the S3 stand-in (the task role gives them in AWS)",
            );
        }
        // Service Connect names: the Compose service of the same name, or the called service's host port on 127.0.0.1.
        if (where === "run")
            called.forEach((c, i) => {
                for (const [k, v] of Object.entries(values))
                    values[k] = v.replace(new RegExp(`//${c.name}:${c.containerPort}\\b`, "g"), `//127.0.0.1:${CALLED_HOST_PORT + i}`);
            });
        const header = [
            `# ${m.name} of the ${settings.env} stack, run locally: every variable of its task definition (npm run local).`,
            "# Generated; edit the stack file or your secrets file instead.",
            ...notes,
        ];
        return { lines: [...header, ...Object.keys(values).map((k) => envLine(k, values[k]))], values };
    };

    const envFiles: Record<string, string> = {};
    const services: Record<string, Record<string, unknown>> = {};
    members.forEach((m, i) => {
        const container = containerOf(inputs.resources, m.name);
        envFiles[`${m.name}.env`] = `${variables(m, "compose").lines.join("\n")}\n`;
        const context = inputs.buildContexts[m.name];
        const port = container.portMappings?.[0]?.containerPort ?? m.containerPort;
        const hostPort = i === 0 ? port : CALLED_HOST_PORT + i - 1;
        const health = container.healthCheck;
        const dependsOn: Record<string, { condition: string }> = {};
        if (m.uses.includes("database") && usesDatabase) dependsOn.db = { condition: "service_healthy" };
        if (m.uses.includes("assets") && usesAssets) dependsOn.assets = { condition: "service_started" };
        if (i === 0) for (const c of called) dependsOn[c.name] = { condition: "service_healthy" };
        services[m.name] = {
            ...(context ? { build: { context: inputs.contextPath(context) } } : {}),
            image: context ? `${settings.app}-${m.name}:local` : container.image,
            env_file: [`${m.name}.env`],
            ports: [`127.0.0.1:${hostPort}:${port}`],
            read_only: container.readonlyRootFilesystem === true,
            ...(container.user ? { user: container.user } : {}),
            // The task's writable volumes (a read-only root still needs its /tmp).
            ...((container.mountPoints ?? []).length > 0
                ? { tmpfs: (container.mountPoints ?? []).filter((mp) => !mp.readOnly).map((mp) => mp.containerPath) }
                : {}),
            ...(container.linuxParameters?.initProcessEnabled ? { init: true } : {}),
            ...(health
                ? {
                      healthcheck: {
                          test: [...health.command],
                          interval: seconds(health.interval, 30),
                          timeout: seconds(health.timeout, 5),
                          retries: health.retries ?? 3,
                          start_period: seconds(health.startPeriod, 0),
                      },
                  }
                : {}),
            ...(container.stopTimeout ? { stop_grace_period: `${container.stopTimeout}s` } : {}),
            ...(Object.keys(dependsOn).length > 0 ? { depends_on: dependsOn } : {}),
        };
    });
    if (usesDatabase && database) {
        services.db = databaseStandIn(database);
        envFiles["db.env"] = `${databaseEnvironment(database, password).join("\n")}\n`;
    }
    if (usesAssets)
        services.assets = {
            image: STAND_INS.assets.image,
            command: ["server", "-s3", "-dir=/data", "-master.volumeSizeLimitMB=64"],
            ports: [`127.0.0.1:${STAND_INS.assets.hostPort}:${STAND_INS.assets.port}`],
        };
    // No top-level name: the schema of the Compose specification that the tests validate against
    // predates it; Compose names the project after the folder (<stack>-<service>).
    const compose = { services };
    const composeText = [
        `# ${service} of the ${settings.env} stack with local stand-ins (npm run local): docker compose up --build`,
        "# Generated; the database and S3 stand-ins keep nothing between runs.",
        stringify(compose, { lineWidth: 0 }),
    ].join("\n");
    return { envFiles, runEnv: variables(svc, "run").values, compose, composeText, missingSecrets: [...missing].sort() };
}

/** The local database's account, the same user and database name as the stack's, with a password of its own. */
function databaseEnvironment(database: ManagedDatabaseSettings, password: string): string[] {
    const values: Record<string, string> =
        database.engine === "postgres"
            ? { POSTGRES_USER: database.username, POSTGRES_PASSWORD: password, POSTGRES_DB: database.databaseName }
            : { MYSQL_USER: database.username, MYSQL_PASSWORD: password, MYSQL_DATABASE: database.databaseName, MYSQL_RANDOM_ROOT_PASSWORD: "yes" };
    return [`# The local ${database.engine} ${database.version} stand-in's account (npm run local).`, ...Object.entries(values).map(([k, v]) => envLine(k, v))];
}

function databaseStandIn(database: ManagedDatabaseSettings): Record<string, unknown> {
    const s = STAND_INS[database.engine];
    const test =
        database.engine === "postgres"
            ? ["CMD", "pg_isready", "-U", database.username, "-d", database.databaseName]
            : ["CMD", "mysqladmin", "ping", "-h", "127.0.0.1", "--silent"];
    return {
        image: s.image(database.version),
        env_file: ["db.env"],
        ports: [`127.0.0.1:${s.hostPort}:${s.port}`],
        healthcheck: { test, interval: "5s", timeout: "5s", retries: 10 },
    };
}
