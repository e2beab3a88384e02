/**
 * Issue 9: the environment's database, assets bucket and backups, run through the real program
 * per committed stack and with overrides (no database, an external one, MySQL). What each stack
 * should get is read from its stack file and the documented defaults (README "Databases").
 */
import * as assert from "assert/strict";
import { Graph, Recorded } from "../offline/graph";
import { runEachBefore, runStack } from "../offline/runStack";
import { FIXTURE_CLOUD } from "./setup";
import { stackConfig, stackServices } from "../offline/stackConfig";
import { buildSettings, SettingsError } from "../stacks/settings";

const STACKS = ["alpha", "beta", "gamma", "live"] as const;
type Stack = (typeof STACKS)[number];
const T = {
    db: "aws:rds/instance:Instance",
    subnetGroup: "aws:rds/subnetGroup:SubnetGroup",
    params: "aws:rds/parameterGroup:ParameterGroup",
    rotation: "aws:secretsmanager/secretRotation:SecretRotation",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    subnet: "aws:ec2/subnet:Subnet",
    taskDef: "aws:ecs/taskDefinition:TaskDefinition",
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    role: "aws:iam/role:Role",
    attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    param: "aws:ssm/parameter:Parameter",
    bucket: "aws:s3/bucket:Bucket",
    publicAccess: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    encryption: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    versioning: "aws:s3/bucketVersioning:BucketVersioning",
    ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    lifecycle: "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    vault: "aws:backup/vault:Vault",
    plan: "aws:backup/plan:Plan",
    selection: "aws:backup/selection:Selection",
    cfRecord: "cloudflare:index/dnsRecord:DnsRecord",
};

/** README "Databases": the per-environment defaults the committed stacks rely on. */
const DB_DEFAULTS: Record<Stack, { instanceClass: string; storageGb: number; multiAz: boolean; backupRetentionDays: number; protect: boolean }> = {
    alpha: { instanceClass: "db.t4g.micro", storageGb: 20, multiAz: false, backupRetentionDays: 1, protect: false },
    beta: { instanceClass: "db.t4g.micro", storageGb: 20, multiAz: false, backupRetentionDays: 1, protect: false },
    gamma: { instanceClass: "db.t4g.small", storageGb: 20, multiAz: false, backupRetentionDays: 7, protect: false },
    live: { instanceClass: "db.t4g.medium", storageGb: 50, multiAz: true, backupRetentionDays: 14, protect: true },
};
/** Pulumi.yaml's backupRetentionDays; AWS Backup runs in live only (backupPlan). */
const BACKUP_RETENTION_DAYS = 35;
const POSTGRES_PORT = 5432;

type Container = { name: string; environment: { name: string; value: string }[]; secrets: { name: string; valueFrom: string }[] };

function usersOf(stack: string, what: "database" | "assets"): string[] {
    return Object.entries(stackServices(stack))
        .filter(([, s]) => (s.uses ?? []).includes(what))
        .map(([n]) => n);
}
function container(graph: Graph, stack: string, svc: string): Container {
    const defs = graph.ofType(T.taskDef).filter((r) => r.name === `demo-${stack}-${svc}-task`);
    assert.equal(defs.length, 1);
    return (JSON.parse(defs[0].inputs.containerDefinitions as string) as Container[])[0];
}
function envOf(c: Container): Record<string, string> {
    return Object.fromEntries(c.environment.map((e) => [e.name, e.value]));
}
function statements(r: Recorded): { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown; Principal?: unknown; Condition?: unknown }[] {
    return JSON.parse(r.inputs.policy as string).Statement;
}
/** The environment's assets bucket (live also has its load balancer's log bucket). */
function assetsBucket(graph: Graph): Recorded {
    const found = graph.ofType(T.bucket).filter((r) => r.name.endsWith("-assets-bucket"));
    assert.equal(found.length, 1, found.map((r) => r.name).join(", "));
    return found[0];
}
/** The id the mock provider gives a resource. */
function idOf(r: Recorded): string {
    return `${r.name}-id`;
}
function secretArnOf(graph: Graph): string {
    return (graph.one(T.db).outputs.masterUserSecrets as { secretArn: string }[])[0].secretArn;
}
/** Every service's container definition and role policy, as text: where a credential must never appear. */
function everywhereText(graph: Graph): string {
    return JSON.stringify(graph.all.filter((r) => r.type !== T.param).map((r) => r.inputs));
}

describe("data: database, assets bucket and backups", function () {
    this.timeout(120_000);
    const { run: runOf, graph: g } = runEachBefore(STACKS);

    for (const stack of STACKS) {
        describe(stack, () => {
            const p = `demo-${stack}`;
            const d = DB_DEFAULTS[stack];
            const live = stack === "live";
            it(`runs PostgreSQL 16 ${live ? "Multi-AZ, protected and" : "single-AZ, deletable and"} sized for ${stack}: ${d.instanceClass}, ${d.storageGb} GiB gp3, encrypted, ${d.backupRetentionDays}-day point-in-time backups`, () => {
                const graph = g(stack);
                graph.resourceCountIs(T.db, 1);
                const db = graph.one(T.db);
                assert.deepEqual(
                    {
                        identifier: db.inputs.identifier,
                        engine: db.inputs.engine,
                        engineVersion: db.inputs.engineVersion,
                        instanceClass: db.inputs.instanceClass,
                        allocatedStorage: db.inputs.allocatedStorage,
                        storageType: db.inputs.storageType,
                        storageEncrypted: db.inputs.storageEncrypted,
                        multiAz: db.inputs.multiAz,
                        backupRetentionPeriod: db.inputs.backupRetentionPeriod,
                        publiclyAccessible: db.inputs.publiclyAccessible,
                        port: db.inputs.port,
                        deletionProtection: db.inputs.deletionProtection,
                        skipFinalSnapshot: db.inputs.skipFinalSnapshot,
                        finalSnapshotIdentifier: db.inputs.finalSnapshotIdentifier,
                        deleteAutomatedBackups: db.inputs.deleteAutomatedBackups,
                    },
                    {
                        identifier: `${p}-db`,
                        engine: "postgres",
                        engineVersion: "16",
                        instanceClass: d.instanceClass,
                        allocatedStorage: d.storageGb,
                        storageType: "gp3",
                        storageEncrypted: true,
                        multiAz: d.multiAz,
                        backupRetentionPeriod: d.backupRetentionDays,
                        publiclyAccessible: false,
                        port: POSTGRES_PORT,
                        deletionProtection: d.protect,
                        skipFinalSnapshot: !d.protect,
                        finalSnapshotIdentifier: d.protect ? `${p}-db-final` : undefined,
                        deleteAutomatedBackups: !d.protect,
                    },
                );
                // Pulumi refuses to delete it in live (protect); not retained on delete, so that a
                // deliberate deletion takes the final snapshot instead of leaving it running.
                assert.deepEqual([db.protect, db.retainOnDelete], [d.protect, false]);
            });
            it("keeps no password anywhere: RDS generates the master password into Secrets Manager, and it is not rotated under running tasks", () => {
                const graph = g(stack);
                const db = graph.one(T.db);
                assert.equal(db.inputs.manageMasterUserPassword, true);
                assert.equal("password" in db.inputs, false);
                assert.deepEqual(graph.one(T.rotation).inputs, { secretId: secretArnOf(graph), rotationEnabled: false });
            });
            it("forces TLS with its own parameter group, and lives in the private subnets", () => {
                const graph = g(stack);
                const params = graph.one(T.params);
                assert.deepEqual([params.inputs.family, params.inputs.parameters], ["postgres16", [{ name: "rds.force_ssl", value: "1" }]]);
                assert.equal(graph.one(T.db).inputs.parameterGroupName, params.outputs.name);
                const privateSubnets = graph
                    .ofType(T.subnet)
                    .filter((s) => s.name.includes("private"))
                    .map((s) => idOf(s));
                assert.ok(privateSubnets.length >= 2);
                assert.deepEqual(graph.one(T.subnetGroup).inputs.subnetIds, privateSubnets);
            });
            it("is reachable only from the services that declare uses: [database], on its port, and from no address range", () => {
                const graph = g(stack);
                const dbSg = graph.byName(`${p}-db-sg`);
                assert.deepEqual(graph.one(T.db).inputs.vpcSecurityGroupIds, [idOf(dbSg)]);
                assert.deepEqual(dbSg.inputs.egress, []);
                assert.equal(dbSg.inputs.ingress, undefined);
                const users = usersOf(stack, "database");
                assert.ok(users.length >= 1);
                const rules = graph.ofType(T.ingress).filter((r) => r.inputs.securityGroupId === idOf(dbSg));
                assert.deepEqual(
                    rules.map((r) => [r.inputs.referencedSecurityGroupId, r.inputs.ipProtocol, r.inputs.fromPort, r.inputs.toPort, r.inputs.cidrIpv4]).sort(),
                    users.map((u) => [idOf(graph.byName(`${p}-${u}-sg`)), "tcp", POSTGRES_PORT, POSTGRES_PORT, undefined]).sort(),
                );
            });
            it("gives its users the credentials only by valueFrom from RDS's secret, and where it is in plain variables; others get nothing", () => {
                const graph = g(stack);
                const arn = secretArnOf(graph);
                const users = usersOf(stack, "database");
                const address = graph.one(T.db).outputs.address;
                for (const svc of Object.keys(stackServices(stack))) {
                    const c = container(graph, stack, svc);
                    const env = envOf(c);
                    const dbVars = Object.keys(env).filter((n) => n.startsWith("DATABASE_"));
                    const dbSecrets = c.secrets.filter((s) => s.name.startsWith("DATABASE_") && s.name !== "DATABASE_URL");
                    if (users.includes(svc)) {
                        assert.deepEqual(
                            dbSecrets,
                            [
                                { name: "DATABASE_PASSWORD", valueFrom: `${arn}:password::` },
                                { name: "DATABASE_USER", valueFrom: `${arn}:username::` },
                            ],
                            svc,
                        );
                        assert.deepEqual(
                            dbVars.map((n) => [n, env[n]]),
                            [
                                ["DATABASE_ENGINE", "postgres"],
                                ["DATABASE_HOST", address],
                                ["DATABASE_NAME", "demo"],
                                ["DATABASE_PORT", String(POSTGRES_PORT)],
                            ],
                            svc,
                        );
                        // The execution role reads exactly that secret; the task role nothing of it (no rotation).
                        const exec = statements(graph.one(T.rolePolicy, { role: `${p}-${svc}-execution` })).filter((s) =>
                            [s.Action].flat().some((a) => a.startsWith("secretsmanager:")),
                        );
                        assert.deepEqual(
                            exec.map((s) => [s.Action, s.Resource]),
                            [["secretsmanager:GetSecretValue", [arn]]],
                        );
                    } else {
                        assert.deepEqual([dbVars, dbSecrets], [[], []], svc);
                        assert.equal(
                            JSON.stringify(statements(graph.one(T.rolePolicy, { role: `${p}-${svc}-execution` }))).includes("secretsmanager"),
                            false,
                            svc,
                        );
                    }
                    assert.equal(JSON.stringify(graph.find(T.rolePolicy, { role: `${p}-${svc}-task` }).map((r) => r.inputs)).includes(arn), false, svc);
                }
            });
            it("has a private, encrypted, versioned assets bucket, TLS only, that its declared users' task roles may read and nothing else", () => {
                const graph = g(stack);
                const bucket = assetsBucket(graph);
                const name = bucket.inputs.bucket as string;
                assert.equal(name, live ? "assets.example.org" : `demo-${stack}-assets-123456789012`);
                assert.deepEqual([bucket.protect, bucket.retainOnDelete], [live, live]);
                const id = idOf(bucket);
                assert.deepEqual(graph.one(T.publicAccess, { bucket: id }).inputs, {
                    bucket: id,
                    blockPublicAcls: true,
                    ignorePublicAcls: true,
                    blockPublicPolicy: true,
                    restrictPublicBuckets: true,
                });
                assert.deepEqual(graph.one(T.ownership, { bucket: id }).inputs.rule, { objectOwnership: "BucketOwnerEnforced" });
                assert.deepEqual(graph.one(T.encryption, { bucket: id }).inputs.rules, [
                    { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true },
                ]);
                assert.deepEqual(graph.one(T.versioning, { bucket: id }).inputs.versioningConfiguration, { status: "Enabled" });
                assert.deepEqual(
                    (graph.one(T.lifecycle, { bucket: id }).inputs.rules as { noncurrentVersionExpiration: unknown }[]).map(
                        (r) => r.noncurrentVersionExpiration,
                    ),
                    [{ noncurrentDays: 30 }],
                );
                const arn = `arn:aws:s3:::${name}`;
                const policy = statements(graph.one(T.bucketPolicy, { bucket: id }));
                assert.deepEqual(policy[0], {
                    Sid: "DenyPlainHttp",
                    Effect: "Deny",
                    Principal: "*",
                    Action: "s3:*",
                    Resource: [arn, `${arn}/*`],
                    Condition: { Bool: { "aws:SecureTransport": "false" } },
                });
                // Served through Cloudflare (live's assetsHost): anonymous GetObject from Cloudflare's ranges only.
                assert.deepEqual(
                    policy.slice(1),
                    live
                        ? [
                              {
                                  Sid: "CloudflareReadsObjects",
                                  Effect: "Allow",
                                  Principal: "*",
                                  Action: "s3:GetObject",
                                  Resource: `${arn}/*`,
                                  Condition: {
                                      IpAddress: { "aws:SourceIp": [...FIXTURE_CLOUD.cloudflareRanges.ipv4Cidrs, ...FIXTURE_CLOUD.cloudflareRanges.ipv6Cidrs] },
                                  },
                              },
                          ]
                        : [],
                );
                const readers = usersOf(stack, "assets");
                assert.ok(readers.length >= 1);
                for (const svc of Object.keys(stackServices(stack))) {
                    const access = graph.find(T.rolePolicy, { role: `${p}-${svc}-task` }).filter((r) => r.name === `${p}-${svc}-task-access`);
                    const env = envOf(container(graph, stack, svc));
                    // A task role's other grants (publishing to its topics, consuming its queue: test/messaging.test.ts) share the policy.
                    const s3 = access.flatMap((a) => statements(a)).filter((s) => [s.Action].flat().some((x) => String(x).startsWith("s3:")));
                    if (readers.includes(svc)) {
                        assert.deepEqual(
                            s3.map((s) => [s.Effect, s.Action, s.Resource]),
                            [
                                ["Allow", "s3:ListBucket", arn],
                                ["Allow", "s3:GetObject", `${arn}/*`],
                            ],
                        );
                        assert.equal(env.ASSETS_BUCKET, name);
                        assert.equal(env.ASSETS_URL, live ? "https://assets.example.org" : undefined);
                    } else {
                        assert.deepEqual([s3.length, env.ASSETS_BUCKET], [0, undefined], svc);
                    }
                }
            });
            if (live) {
                it("serves the assets host through Cloudflare: a proxied CNAME to the bucket's regional S3 name", () => {
                    const graph = g(stack);
                    const record = graph.ofType(T.cfRecord).filter((r) => r.inputs.name === "assets.example.org");
                    assert.deepEqual(
                        record.map((r) => [r.inputs.type, r.inputs.content, r.inputs.proxied]),
                        [["CNAME", "assets.example.org.s3.eu-west-1.amazonaws.com", true]],
                    );
                });
                it("backs the database and the bucket up daily with AWS Backup into a retained vault, kept 35 days", () => {
                    const graph = g(stack);
                    const vault = graph.one(T.vault);
                    assert.deepEqual([vault.inputs.name, vault.protect, vault.retainOnDelete], ["demo-live-backups", true, true]);
                    const rules = graph.one(T.plan).inputs.rules as { schedule: string; lifecycle: { deleteAfter: number }; targetVaultName: string }[];
                    assert.deepEqual(
                        rules.map((r) => [r.schedule, r.lifecycle, r.targetVaultName]),
                        [["cron(0 3 * * ? *)", { deleteAfter: BACKUP_RETENTION_DAYS }, vault.outputs.name]],
                    );
                    const selection = graph.one(T.selection);
                    assert.deepEqual(selection.inputs.resources, [graph.one(T.db).outputs.arn, assetsBucket(graph).outputs.arn]);
                    const role = graph.byName("demo-live-backup-role");
                    assert.equal(selection.inputs.iamRoleArn, role.outputs.arn);
                    assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy as string).Statement[0].Principal, { Service: "backup.amazonaws.com" });
                    assert.equal(role.inputs.permissionsBoundary, "arn:aws:iam::123456789012:policy/demo-live-boundary");
                    assert.deepEqual(
                        graph
                            .ofType(T.attachment)
                            .filter((a) => a.inputs.role === "demo-live-backup")
                            .map((a) => a.inputs.policyArn)
                            .sort(),
                        // Backing up only: restores are an operator's, with a role of their own.
                        [
                            "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup",
                            "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
                        ],
                    );
                });
            } else {
                it("has no AWS Backup plan (backupPlan is off outside live) and no public assets host", () => {
                    const graph = g(stack);
                    for (const t of [T.vault, T.plan, T.selection]) graph.resourceCountIs(t, 0);
                    assert.equal(
                        graph.ofType(T.cfRecord).some((r) => String(r.inputs.name).startsWith("assets.")),
                        false,
                    );
                });
            }
            it("alarms to the environment's topic when the database's CPU stays high or under a tenth of its storage is free", () => {
                const graph = g(stack);
                const alarms = graph.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").filter((r) => String(r.inputs.name).startsWith(`${p}-db-`));
                assert.deepEqual(
                    alarms.map((r) => [r.inputs.name, r.inputs.metricName, r.inputs.dimensions, r.inputs.comparisonOperator, r.inputs.threshold]).sort(),
                    [
                        [`${p}-db-cpu`, "CPUUtilization", { DBInstanceIdentifier: `${p}-db` }, "GreaterThanThreshold", 85],
                        [`${p}-db-storage`, "FreeStorageSpace", { DBInstanceIdentifier: `${p}-db` }, "LessThanThreshold", (d.storageGb * 2 ** 30) / 10],
                    ],
                );
                const topic = graph.one("aws:sns/topic:Topic", { name: `${p}-alarms` }).outputs.arn;
                for (const a of alarms) assert.deepEqual([a.inputs.alarmActions, a.inputs.okActions], [[topic], [topic]]);
            });
            it("outputs the database's address and secret, and the bucket", () => {
                const run = runOf(stack);
                const graph = g(stack);
                assert.deepEqual(run.outputs?.database, {
                    engine: "postgres",
                    address: graph.one(T.db).outputs.address,
                    port: POSTGRES_PORT,
                    secretArn: secretArnOf(graph),
                });
                assert.equal(run.outputs?.assetsBucket, assetsBucket(graph).inputs.bucket);
                assert.equal(run.outputs?.backupVault, live ? "demo-live-backups" : undefined);
            });
        });
    }

    it("live costs more than alpha for the same database: Multi-AZ, a bigger class and more storage", () => {
        const [a, l] = [g("alpha").one(T.db).inputs, g("live").one(T.db).inputs];
        assert.deepEqual([a.multiAz, l.multiAz], [false, true]);
        assert.ok((a.allocatedStorage as number) < (l.allocatedStorage as number));
        assert.notEqual(a.instanceClass, l.instanceClass);
    });
});

/** The services of a stack file without any uses, for stacks with no database or bucket. */
function servicesWithout(stack: string, what: "database" | "assets" | "both"): Record<string, unknown> {
    return Object.fromEntries(
        Object.entries(stackServices(stack)).map(([n, s]) => {
            const uses = (s.uses ?? []).filter((u) => what !== "both" && u !== what);
            const rest = Object.fromEntries(Object.entries(s).filter(([k]) => k !== "uses"));
            return [n, uses.length > 0 ? { ...rest, uses } : rest];
        }),
    );
}

describe("data: other databases, given as config overrides", function () {
    this.timeout(120_000);

    it("GIVEN database: none and no service using one WHEN live runs THEN no RDS resource, no DATABASE_ variable, and the bucket alone is backed up", async () => {
        const run = await runStack("live", { overrides: { set: { database: "none", services: servicesWithout("live", "database") } } });
        assert.equal(run.error, undefined, String(run.error));
        const graph = run.graph;
        for (const t of [T.db, T.subnetGroup, T.params, T.rotation]) graph.resourceCountIs(t, 0);
        for (const svc of Object.keys(stackServices("live"))) {
            const c = container(graph, "live", svc);
            assert.deepEqual(
                [...c.environment.map((e) => e.name), ...c.secrets.map((s) => s.name)].filter((n) => n.startsWith("DATABASE_")),
                [],
                svc,
            );
        }
        assert.deepEqual(graph.one(T.selection).inputs.resources, [assetsBucket(graph).outputs.arn]);
        assert.equal(run.outputs?.database, undefined);
    });

    it("GIVEN no database and no bucket WHEN live runs THEN there is nothing to back up, so no backup plan", async () => {
        const run = await runStack("live", {
            overrides: {
                set: { database: "none", assetsBucket: false, assetsHost: "", services: servicesWithout("live", "both"), accessLogs: false },
            },
        });
        assert.equal(run.error, undefined, String(run.error));
        for (const t of [T.db, T.bucket, T.vault, T.plan, T.selection]) run.graph.resourceCountIs(t, 0);
    });

    it("GIVEN an external database WHEN beta runs THEN no RDS, and its users get DATABASE_URL only by valueFrom from their own SecureString", async () => {
        const url = "mongodb+srv://app:ext3rnal-pa55@cluster0.example.mongodb.net/app";
        const run = await runStack("beta", { overrides: { set: { database: "external" }, secret: { databaseUrl: url } } });
        assert.equal(run.error, undefined, String(run.error));
        const graph = run.graph;
        for (const t of [T.db, T.subnetGroup, T.rotation]) graph.resourceCountIs(t, 0);
        const users = usersOf("beta", "database");
        // The fixture's job uses the database too (test/messaging.test.ts).
        assert.deepEqual(users, ["api", "worker", "nightly-report"]);
        const params = graph.ofType(T.param).filter((r) => String(r.inputs.name).endsWith("/DATABASE_URL"));
        assert.deepEqual(params.map((r) => [r.inputs.name, r.inputs.type, r.secretPaths]).sort(), [
            ["/demo/beta/api/DATABASE_URL", "SecureString", ["value"]],
            ["/demo/beta/nightly-report/DATABASE_URL", "SecureString", ["value"]],
            ["/demo/beta/worker/DATABASE_URL", "SecureString", ["value"]],
        ]);
        for (const svc of Object.keys(stackServices("beta"))) {
            const c = container(graph, "beta", svc);
            const param = params.find((r) => r.inputs.name === `/demo/beta/${svc}/DATABASE_URL`);
            assert.deepEqual(
                c.secrets.filter((s) => s.name.startsWith("DATABASE_")),
                users.includes(svc) ? [{ name: "DATABASE_URL", valueFrom: param?.outputs.arn }] : [],
                svc,
            );
        }
        assert.equal(everywhereText(graph).includes("ext3rnal-pa55"), false);
        assert.deepEqual(run.outputs?.database, { engine: "external" });
    });

    it("GIVEN database: mysql 8.4 WHEN gamma runs THEN MySQL on 3306 with require_secure_transport, admitted on 3306 from its users", async () => {
        const run = await runStack("gamma", { overrides: { set: { database: "mysql", databaseVersion: "8.4" } } });
        assert.equal(run.error, undefined, String(run.error));
        const graph = run.graph;
        const db = graph.one(T.db);
        assert.deepEqual([db.inputs.engine, db.inputs.engineVersion, db.inputs.port], ["mysql", "8.4", 3306]);
        assert.deepEqual(
            [graph.one(T.params).inputs.family, graph.one(T.params).inputs.parameters],
            ["mysql8.4", [{ name: "require_secure_transport", value: "ON" }]],
        );
        const dbSg = idOf(graph.byName("demo-gamma-db-sg"));
        assert.deepEqual(
            graph
                .ofType(T.ingress)
                .filter((r) => r.inputs.securityGroupId === dbSg)
                .map((r) => [r.inputs.fromPort, r.inputs.toPort]),
            usersOf("gamma", "database").map(() => [3306, 3306]),
        );
        assert.equal(envOf(container(graph, "gamma", "api")).DATABASE_ENGINE, "mysql");
    });

    it("GIVEN a 30-day password rotation WHEN alpha runs THEN Secrets Manager rotates it, and its users may re-read the secret named in DATABASE_SECRET_ARN", async () => {
        const run = await runStack("alpha", { overrides: { set: { databasePasswordRotationDays: 30 } } });
        assert.equal(run.error, undefined, String(run.error));
        const graph = run.graph;
        const arn = secretArnOf(graph);
        assert.deepEqual(graph.one(T.rotation).inputs, { secretId: arn, rotationEnabled: true, rotationRules: { automaticallyAfterDays: 30 } });
        assert.equal(envOf(container(graph, "alpha", "api")).DATABASE_SECRET_ARN, arn);
        assert.deepEqual(
            statements(graph.byName("demo-alpha-api-task-access")).map((s) => [s.Action, s.Resource]),
            [["secretsmanager:GetSecretValue", arn]],
        );
        assert.equal(envOf(container(graph, "alpha", "web")).DATABASE_SECRET_ARN, undefined);
    });
});

describe("data settings: bad input is rejected before anything is created", () => {
    const problems = (stack: string, set: Record<string, unknown>, secret: Record<string, unknown> = {}, remove: string[] = []): string[] => {
        try {
            buildSettings(stack, stackConfig(stack, { set, secret, remove }));
        } catch (e) {
            assert.ok(e instanceof SettingsError, String(e));
            return [...e.problems];
        }
        return [];
    };
    const cases: [string, string, Record<string, unknown>, RegExp][] = [
        ["an unknown engine", "beta", { database: "oracle" }, /^key shipyard:database = "oracle": allowed: none, postgres, mysql, external$/],
        [
            "a version RDS does not run here",
            "beta",
            { databaseVersion: "9.6" },
            /^key shipyard:databaseVersion = "9\.6": not a postgres version we run; allowed: a major \(13, 14, 15, 16, 17\)/,
        ],
        ["a mysql major with postgres", "beta", { databaseVersion: "8.0" }, /^key shipyard:databaseVersion = "8\.0": not a postgres version/],
        [
            "Multi-AZ off in live",
            "live",
            { databaseMultiAz: false },
            /^key shipyard:databaseMultiAz = false: the production tier's database runs Multi-AZ.*allowed in the production tier: true$/,
        ],
        ["backup retention 0", "alpha", { databaseBackupRetentionDays: 0 }, /^key shipyard:databaseBackupRetentionDays = 0: allowed: 1 to 35 days/],
        ["backup retention 36", "gamma", { databaseBackupRetentionDays: 36 }, /^key shipyard:databaseBackupRetentionDays = 36: allowed: 1 to 35 days/],
        [
            "backup retention 3 in live",
            "live",
            { databaseBackupRetentionDays: 3 },
            /^key shipyard:databaseBackupRetentionDays = 3: the production tier keeps at least a week.*allowed in the production tier: 7 to 35$/,
        ],
        ["AWS Backup retention 0", "beta", { backupRetentionDays: 0 }, /^key shipyard:backupRetentionDays = 0: allowed: 1 to 3650 days$/],
        [
            "AWS Backup retention 5 in live",
            "live",
            { backupRetentionDays: 5 },
            /^key shipyard:backupRetentionDays = 5: the production tier keeps its daily backups at least a week; allowed in the production tier: 7 to 3650$/,
        ],
        [
            "deletion protection off in live",
            "live",
            { protect: false },
            /^key shipyard:protect = false: the production tier's database and assets bucket are protected from deletion.*allowed in the production tier: true$/,
        ],
        [
            "AWS Backup off in live",
            "live",
            { backupPlan: false },
            /^key shipyard:backupPlan = false: the production tier's database and assets are backed up daily.*allowed in the production tier: true$/,
        ],
        ["storage below gp3's minimum", "alpha", { databaseStorageGb: 10 }, /^key shipyard:databaseStorageGb = 10: allowed: 20 to 65536 GiB/],
        [
            "an instance class that is not one",
            "alpha",
            { databaseInstanceClass: "t4g.micro" },
            /^key shipyard:databaseInstanceClass = "t4g\.micro": an RDS instance class such as db\.t4g\.micro/,
        ],
        [
            "rotation every 400 days",
            "alpha",
            { databasePasswordRotationDays: 400 },
            /^key shipyard:databasePasswordRotationDays = 400: allowed: 0 \(no rotation\) or 1 to 365 days$/,
        ],
        [
            "an external database without its connection string",
            "alpha",
            { database: "external" },
            /^key shipyard:databaseUrl = "\(missing\)": database external needs its connection string: pulumi config set --secret databaseUrl/,
        ],
        [
            "a database nobody uses",
            "beta",
            { services: servicesWithout("beta", "database") },
            /^key shipyard:database = "postgres": no service uses the database/,
        ],
        [
            "a service using a database the stack does not have",
            "beta",
            { database: "none" },
            /^key shipyard:services\.api\.uses = "database": the stack has no database \(database: none\)/,
        ],
        [
            "a use that does not exist",
            "beta",
            { services: { ...stackServices("beta"), search: { ...stackServices("beta").search, uses: ["cache"] } } },
            /^key shipyard:services\.search\.uses = "cache": allowed: database, assets$/,
        ],
        ["a bucket user without a bucket", "alpha", { assetsBucket: false }, /^key shipyard:services\.web\.uses = "assets": the stack has no assets bucket/],
        [
            "an assets host outside the zone",
            "live",
            { assetsHost: "assets.example.com" },
            /^key shipyard:assetsHost = "assets\.example\.com": a host name in the zone example\.org/,
        ],
        [
            "an assets host behind Route 53",
            "live",
            { dnsProvider: "route53", dnsProxied: false },
            /^key shipyard:assetsHost = "assets\.example\.org": the bucket is served only through Cloudflare's proxy/,
        ],
        [
            "a platform variable set by hand",
            "beta",
            { environment: { DATABASE_HOST: "db.example.org" } },
            /^key shipyard:environment\.DATABASE_HOST = "db\.example\.org": set by the platform for services that use database/,
        ],
    ];
    for (const [what, stack, set, expected] of cases) {
        it(`GIVEN ${what} in ${stack} THEN the stack is rejected naming the key, the value and what is allowed`, () => {
            const found = problems(stack, set);
            assert.ok(
                found.some((p) => expected.test(p)),
                `expected a problem like ${expected}, got:\n${found.join("\n")}`,
            );
        });
    }
    it("GIVEN a connection string with database postgres THEN it is rejected without printing it", () => {
        const found = problems("alpha", {}, { databaseUrl: "postgres://u:hunter22@h/db" });
        assert.deepEqual(
            found.filter((p) => p.startsWith("key shipyard:databaseUrl")),
            [
                'key shipyard:databaseUrl = "[secret]": only database external takes a connection string (database is postgres); remove it with pulumi config rm databaseUrl',
            ],
        );
        assert.equal(found.join("\n").includes("hunter22"), false);
    });
    it("GIVEN a connection string in plain text THEN it must be encrypted", () => {
        const found = problems("alpha", { database: "external", databaseUrl: "postgres://u:hunter22@h/db" });
        assert.ok(
            found.some((p) => /^key shipyard:databaseUrl is in plain text; it must be encrypted/.test(p)),
            found.join("\n"),
        );
        assert.equal(found.join("\n").includes("hunter22"), false);
    });
    it("GIVEN the fixture stacks THEN each is valid, and only live backs up with AWS Backup", () => {
        for (const stack of STACKS) {
            const s = buildSettings(stack, stackConfig(stack));
            assert.deepEqual([s.database?.kind, s.assets !== undefined, s.backup !== undefined], ["managed", true, stack === "live"], stack);
        }
    });
});
