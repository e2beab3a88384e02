/**
 * The environment's state: its database (an RDS instance, or one run elsewhere), its assets
 * bucket and the AWS Backup plan that copies both. Pure: turns the data keys into typed settings,
 * reporting every problem through `fail` in the settings' format (stack, key, value, allowed).
 */
import { DeclaredService, Use } from "./services";

export const DATABASE_KINDS = ["none", "postgres", "mysql", "external"] as const;
export type DatabaseEngine = "postgres" | "mysql";

/**
 * The engine majors RDS offers that we accept, with the version used when none is given and the
 * port. Older majors are in (or near) RDS Extended Support, which is billed extra per vCPU-hour.
 */
export const ENGINES: Readonly<Record<DatabaseEngine, { readonly majors: readonly string[]; readonly defaultVersion: string; readonly port: number }>> = {
    postgres: { majors: ["13", "14", "15", "16", "17"], defaultVersion: "16", port: 5432 },
    mysql: { majors: ["8.0", "8.4"], defaultVersion: "8.0", port: 3306 },
};

/** Variables the platform gives a service for each thing it uses; the stack may not set them itself. */
export const DATA_VARS: Readonly<Record<Use, readonly string[]>> = {
    database: [
        "DATABASE_ENGINE",
        "DATABASE_HOST",
        "DATABASE_PORT",
        "DATABASE_NAME",
        "DATABASE_SECRET_ARN",
        "DATABASE_USER",
        "DATABASE_PASSWORD",
        "DATABASE_URL",
    ],
    assets: ["ASSETS_BUCKET", "ASSETS_URL"],
};

/** An Amazon RDS instance of the environment. */
export interface ManagedDatabaseSettings {
    readonly kind: "managed";
    readonly engine: DatabaseEngine;
    /** As RDS takes it: a major ("16") or major.minor ("16.4"). @default "16" for postgres, "8.0" for mysql */
    readonly version: string;
    /** The parameter group family of the major, e.g. postgres16 or mysql8.0. */
    readonly parameterGroupFamily: string;
    /** 5432 for postgres, 3306 for mysql. */
    readonly port: number;
    /** The database RDS creates, the app name with underscores (DATABASE_NAME). */
    readonly databaseName: string;
    /** The master user; its password exists only in Secrets Manager. @default "dbadmin" */
    readonly username: string;
    /** @default db.t4g.medium in the production tier, db.t4g.small in staging, db.t4g.micro otherwise */
    readonly instanceClass: string;
    /** gp3 GiB. @default 50 in the production tier, 20 otherwise */
    readonly storageGb: number;
    /** A standby in a second AZ. @default on in the production tier, where it is required */
    readonly multiAz: boolean;
    /** Days of automated backups (point-in-time restore). @default 14 in the production tier, 7 in staging, 1 otherwise */
    readonly backupRetentionDays: number;
    /** Days between master password rotations; 0: never. @default 0 */
    readonly passwordRotationDays: number;
    /** The services that may connect: the only sources its security group admits. */
    readonly users: readonly string[];
}

/** A database run elsewhere: its connection string reaches the users as the secret DATABASE_URL. */
export interface ExternalDatabaseSettings {
    readonly kind: "external";
    readonly users: readonly string[];
}

export type DatabaseSettings = ManagedDatabaseSettings | ExternalDatabaseSettings;

/** The environment's assets bucket. */
export interface AssetsSettings {
    /** `<app>-<env>-assets-<account>`, or the host name when served through Cloudflare. */
    readonly bucketName: string;
    /** The host that serves the bucket through Cloudflare; absent: not served. */
    readonly host?: string;
    /** The services whose task roles may read it. */
    readonly users: readonly string[];
}

/** The AWS Backup plan; present only when there is something to back up. */
export interface BackupSettings {
    /** Days each daily recovery point is kept. @default 35 */
    readonly retentionDays: number;
}

export interface DataSettings {
    readonly database?: DatabaseSettings;
    readonly assets?: AssetsSettings;
    readonly backup?: BackupSettings;
}

/** The data keys' values, typed, as settings read them. */
export interface DataKeys {
    readonly database: string;
    readonly databaseVersion: string;
    readonly databaseInstanceClass: string;
    readonly databaseStorageGb: number;
    readonly databaseMultiAz: boolean;
    readonly databaseBackupRetentionDays: number;
    readonly databasePasswordRotationDays: number;
    /** Empty when unset; the harness's placeholder when encrypted in a stack file. */
    readonly databaseUrl: string;
    readonly assetsBucket: boolean;
    readonly assetsHost: string;
    readonly backupPlan: boolean;
    readonly backupRetentionDays: number;
}

export interface DataContext {
    readonly app: string;
    readonly env: string;
    readonly accountId: string;
    readonly production: boolean;
    /** The stack's protect, which production needs for its state. */
    readonly protect: boolean;
    /** The DNS zone, its provider and whether records are proxied: an assets host needs Cloudflare's proxy. */
    readonly dns: { readonly zone: string; readonly provider: string; readonly proxied: boolean };
    /** The stack-wide plain variables, which may not set the platform's data variables either. */
    readonly environment: Readonly<Record<string, string>>;
    /** A placeholder databaseUrl may hold when it could not be decrypted (tests). */
    readonly undecrypted: string;
}

/** Not "admin", "postgres" or "root": RDS reserves some names per engine, and a neutral one fits both. */
export const MASTER_USERNAME = "dbadmin";

type Fail = (key: string, value: unknown, allowed: string) => void;

const INSTANCE_CLASS = /^db\.[a-z][a-z0-9-]*\.[a-z0-9]+$/;
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
/** A URL with a scheme, as every driver's connection string has (postgres://, mongodb+srv://, mysql://). */
const CONNECTION_STRING = /^[a-z][a-z0-9+.-]*:\/\/\S+$/;

export function parseData(v: DataKeys, services: readonly DeclaredService[], ctx: DataContext, fail: Fail): DataSettings {
    const users = (use: Use) => services.filter((s) => s.uses.includes(use)).map((s) => s.name);
    const { production } = ctx;

    // The database.
    let database: DatabaseSettings | undefined;
    if (!(DATABASE_KINDS as readonly string[]).includes(v.database)) {
        fail("database", v.database, `allowed: ${DATABASE_KINDS.join(", ")}`);
    } else if (v.database === "postgres" || v.database === "mysql") {
        const engine = v.database;
        const spec = ENGINES[engine];
        const version = v.databaseVersion === "" ? spec.defaultVersion : v.databaseVersion;
        const major = spec.majors.find((m) => version === m || version.startsWith(`${m}.`));
        if (!major || !/^\d+(\.\d+){0,2}$/.test(version))
            fail(
                "databaseVersion",
                v.databaseVersion,
                `not a ${engine} version we run; allowed: a major (${spec.majors.join(", ")}) or a major.minor such as ${spec.majors[spec.majors.length - 1]}.1, or empty for ${spec.defaultVersion}`,
            );
        if (!INSTANCE_CLASS.test(v.databaseInstanceClass))
            fail("databaseInstanceClass", v.databaseInstanceClass, "an RDS instance class such as db.t4g.micro or db.m7g.large");
        if (!inRange(v.databaseStorageGb, 20, 65536))
            fail("databaseStorageGb", v.databaseStorageGb, "allowed: 20 to 65536 GiB (gp3's minimum for postgres and mysql is 20)");
        if (production && !v.databaseMultiAz)
            fail(
                "databaseMultiAz",
                v.databaseMultiAz,
                "the production tier's database runs Multi-AZ, so that an instance or AZ failure fails over in a minute or two instead of losing writes; allowed in the production tier: true",
            );
        if (!inRange(v.databaseBackupRetentionDays, 1, 35))
            fail(
                "databaseBackupRetentionDays",
                v.databaseBackupRetentionDays,
                "allowed: 1 to 35 days (0 would turn automated backups and point-in-time restore off)",
            );
        else if (production && v.databaseBackupRetentionDays < 7)
            fail(
                "databaseBackupRetentionDays",
                v.databaseBackupRetentionDays,
                "the production tier keeps at least a week of point-in-time backups; allowed in the production tier: 7 to 35",
            );
        if (!inRange(v.databasePasswordRotationDays, 0, 365))
            fail("databasePasswordRotationDays", v.databasePasswordRotationDays, "allowed: 0 (no rotation) or 1 to 365 days");
        database = {
            kind: "managed",
            engine,
            version,
            parameterGroupFamily: `${engine}${major ?? spec.defaultVersion}`,
            port: spec.port,
            databaseName: ctx.app.replace(/-/g, "_"),
            username: MASTER_USERNAME,
            instanceClass: v.databaseInstanceClass,
            storageGb: v.databaseStorageGb,
            multiAz: v.databaseMultiAz,
            backupRetentionDays: v.databaseBackupRetentionDays,
            passwordRotationDays: v.databasePasswordRotationDays,
            users: users("database"),
        };
    } else if (v.database === "external") {
        if (v.databaseUrl === "")
            fail(
                "databaseUrl",
                "(missing)",
                "database external needs its connection string: pulumi config set --secret databaseUrl 'mongodb+srv://user:password@host/db'",
            );
        else if (v.databaseUrl !== ctx.undecrypted && !CONNECTION_STRING.test(v.databaseUrl))
            fail("databaseUrl", "[secret]", "a connection string with a scheme, such as postgres://..., mysql://... or mongodb+srv://...");
        database = { kind: "external", users: users("database") };
    }
    if (v.database !== "external" && v.databaseUrl !== "")
        fail(
            "databaseUrl",
            "[secret]",
            `only database external takes a connection string (database is ${v.database}); remove it with pulumi config rm databaseUrl`,
        );
    if (database && database.users.length === 0)
        fail(
            "database",
            v.database,
            "no service uses the database, so nothing could reach it; add database to a service's uses (services.<name>.uses: [database]) or set database: none",
        );
    if (!database) {
        for (const s of services)
            if (s.uses.includes("database"))
                fail(`services.${s.name}.uses`, "database", "the stack has no database (database: none); set database to postgres, mysql or external");
    }

    // The assets bucket.
    let assets: AssetsSettings | undefined;
    const host = v.assetsHost;
    if (v.assetsBucket) {
        const readers = users("assets");
        if (host !== "") {
            if (!HOST_NAME.test(host) || (host !== ctx.dns.zone && !host.endsWith(`.${ctx.dns.zone}`)))
                fail("assetsHost", host, `a host name in the zone ${ctx.dns.zone} (dnsZone), e.g. assets.${ctx.dns.zone}`);
            else if (services.some((s) => s.hosts.includes(host))) fail("assetsHost", host, "is already a service's host name; choose a name of its own");
            // The bucket is named after the host, and S3 bucket names are 3 to 63 characters.
            else if (host.length > 63)
                fail("assetsHost", host, "at most 63 characters: the assets bucket is named after it, and S3 bucket names are 3 to 63 characters");
            if (ctx.dns.provider !== "cloudflare" || !ctx.dns.proxied)
                fail(
                    "assetsHost",
                    host,
                    "the bucket is served only through Cloudflare's proxy (it admits reads from Cloudflare's addresses only); set dnsProvider cloudflare with dnsProxied true, or leave assetsHost empty",
                );
        }
        assets = {
            // Bucket names are global: the account id keeps two accounts' environments apart. Served
            // through Cloudflare, S3 finds the bucket by the Host header, so it must be the host.
            bucketName: host !== "" ? host : `${ctx.app}-${ctx.env}-assets-${ctx.accountId}`,
            host: host !== "" ? host : undefined,
            users: readers,
        };
    } else {
        if (host !== "") fail("assetsHost", host, "serves the assets bucket, which this stack does not have; set assetsBucket: true or leave assetsHost empty");
        for (const s of services)
            if (s.uses.includes("assets"))
                fail(`services.${s.name}.uses`, "assets", "the stack has no assets bucket (assetsBucket: false); set assetsBucket: true");
    }

    // The variables the platform sets for a use may not come from the stack.
    for (const s of services)
        for (const use of s.uses)
            for (const name of DATA_VARS[use]) {
                if (name in s.environment)
                    fail(`services.${s.name}.environment.${name}`, s.environment[name], `set by the platform for services that use ${use}; remove it`);
                if (name in ctx.environment)
                    fail(`environment.${name}`, ctx.environment[name], `set by the platform for services that use ${use} (${s.name}); remove it`);
            }

    // In production, losing state by mistake must take more than one command.
    if (production && !ctx.protect && (database?.kind === "managed" || assets !== undefined))
        fail(
            "protect",
            false,
            "the production tier's database and assets bucket are protected from deletion (deletion protection, a final snapshot, Pulumi protect, the bucket retained on delete); allowed in the production tier: true",
        );

    // AWS Backup.
    if (!inRange(v.backupRetentionDays, 1, 3650)) fail("backupRetentionDays", v.backupRetentionDays, "allowed: 1 to 3650 days");
    else if (production && v.backupRetentionDays < 7)
        fail(
            "backupRetentionDays",
            v.backupRetentionDays,
            "the production tier keeps its daily backups at least a week; allowed in the production tier: 7 to 3650",
        );
    const backedUp = database?.kind === "managed" || assets !== undefined;
    if (production && backedUp && !v.backupPlan)
        fail(
            "backupPlan",
            v.backupPlan,
            "the production tier's database and assets are backed up daily by AWS Backup, besides RDS's own point-in-time backups; allowed in the production tier: true",
        );
    const backup = v.backupPlan && backedUp ? { retentionDays: v.backupRetentionDays } : undefined;

    return { database, assets, backup };
}

function inRange(n: number, lo: number, hi: number): boolean {
    return Number.isInteger(n) && n >= lo && n <= hi;
}
