import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { physicalName } from "../lib/aws";

export const DATABASE_TYPE = "shipyard:data:Database";

export interface DatabaseArgs {
    /** Parts of physical names, `[app, env]`: the instance is `<app>-<env>-db`. */
    readonly nameParts: readonly [string, string];
    /** postgres or mysql. */
    readonly engine: "postgres" | "mysql";
    /** A major ("16") or major.minor ("16.4"); with a major only, RDS applies minor upgrades in the maintenance window. */
    readonly version: string;
    /** The parameter group family of the version's major, e.g. postgres16 or mysql8.0. */
    readonly parameterGroupFamily: string;
    /** 5432 for postgres, 3306 for mysql. */
    readonly port: number;
    /** e.g. db.t4g.micro */
    readonly instanceClass: string;
    /** gp3 storage in GiB (20 or more). */
    readonly storageGb: number;
    /** A synchronous standby in another AZ, which RDS fails over to. */
    readonly multiAz: boolean;
    /** Days of automated backups and point-in-time restore (1-35). */
    readonly backupRetentionDays: number;
    /** Days between rotations of the master password; 0: never (RDS's default would be every 7 days). */
    readonly passwordRotationDays: number;
    /** The database RDS creates. */
    readonly databaseName: string;
    /** The master user; its password is generated and kept by Secrets Manager, never in config or state. */
    readonly username: string;
    readonly vpcId: pulumi.Input<string>;
    /** Private subnets, one per AZ (a DB subnet group needs two AZs). */
    readonly subnetIds: pulumi.Input<string>[];
    /**
     * Deletion protection, a final snapshot when the instance is deleted, automated backups kept
     * after deletion, and changes held for the maintenance window instead of applied at once.
     * Off: the instance can be deleted by `pulumi destroy` without a snapshot.
     * @default false
     */
    readonly protect?: boolean;
    readonly tags: Readonly<Record<string, string>>;
}

export function validateDatabaseArgs(args: DatabaseArgs): void {
    if (args.storageGb < 20) throw new Error(`Database: storageGb must be 20 or more (gp3's minimum), got ${args.storageGb}`);
    if (!Number.isInteger(args.backupRetentionDays) || args.backupRetentionDays < 1 || args.backupRetentionDays > 35)
        throw new Error(`Database: backupRetentionDays must be 1-35 (0 turns backups off), got ${args.backupRetentionDays}`);
    if (!Number.isInteger(args.passwordRotationDays) || args.passwordRotationDays < 0 || args.passwordRotationDays > 365)
        throw new Error(`Database: passwordRotationDays must be 0-365, got ${args.passwordRotationDays}`);
}

/**
 * An Amazon RDS instance (PostgreSQL or MySQL) in private subnets: encrypted at rest, TLS forced,
 * not publicly accessible, reachable only from its clients' security groups, gp3 storage,
 * automated backups, and a master password generated and held by Secrets Manager (RDS's
 * `manageMasterUserPassword`), so no password is in configuration, state or the plan.
 */
export class Database extends pulumi.ComponentResource {
    readonly instance: aws.rds.Instance;
    readonly securityGroup: aws.ec2.SecurityGroup;
    /** ARN of the Secrets Manager secret holding `{"username", "password"}`. */
    readonly secretArn: pulumi.Output<string>;
    readonly port: number;
    private readonly logicalName: string;
    private readonly tags: Readonly<Record<string, string>>;

    constructor(name: string, args: DatabaseArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super(DATABASE_TYPE, name, {}, opts);
        validateDatabaseArgs(args);
        const [app, env] = args.nameParts;
        const protect = args.protect ?? false;
        const child = { parent: this };
        const tags = args.tags;
        const identifier = physicalName([app, env, "db"], 63);

        const subnetGroup = new aws.rds.SubnetGroup(
            `${name}-subnets`,
            { name: identifier, description: `Private subnets of ${identifier}`, subnetIds: args.subnetIds, tags },
            child,
        );
        this.securityGroup = new aws.ec2.SecurityGroup(
            `${name}-sg`,
            {
                vpcId: args.vpcId,
                description: `${identifier}: in only from the services that use it`,
                // The database answers its clients and starts no connections of its own.
                egress: [],
                tags: { ...tags, Name: physicalName([app, env, "db"], 255) },
            },
            child,
        );
        // Clients must use TLS: RDS's default parameter groups accept plain connections
        // (rds.force_ssl is 1 only from PostgreSQL 15).
        const parameterGroup = new aws.rds.ParameterGroup(
            `${name}-params`,
            {
                name: physicalName([app, env, "db", args.parameterGroupFamily.replace(/\./g, "-")], 255),
                family: args.parameterGroupFamily,
                description: `${identifier}: TLS only`,
                parameters: args.engine === "postgres" ? [{ name: "rds.force_ssl", value: "1" }] : [{ name: "require_secure_transport", value: "ON" }],
                tags,
            },
            // A new major gets a new group (its name holds the family), created before the instance moves to it.
            child,
        );
        this.instance = new aws.rds.Instance(
            `${name}-instance`,
            {
                identifier,
                engine: args.engine,
                engineVersion: args.version,
                // Minor versions only; a major upgrade is a deliberate change of databaseVersion.
                autoMinorVersionUpgrade: true,
                allowMajorVersionUpgrade: false,
                instanceClass: args.instanceClass,
                allocatedStorage: args.storageGb,
                storageType: "gp3",
                storageEncrypted: true,
                multiAz: args.multiAz,
                dbName: args.databaseName,
                username: args.username,
                manageMasterUserPassword: true,
                port: args.port,
                dbSubnetGroupName: subnetGroup.name,
                vpcSecurityGroupIds: [this.securityGroup.id],
                parameterGroupName: parameterGroup.name,
                publiclyAccessible: false,
                backupRetentionPeriod: args.backupRetentionDays,
                // UTC; before the maintenance window, both outside European and American office hours.
                backupWindow: "02:00-03:00",
                maintenanceWindow: "sun:04:00-sun:05:00",
                copyTagsToSnapshot: true,
                deletionProtection: protect,
                skipFinalSnapshot: !protect,
                finalSnapshotIdentifier: protect ? `${identifier}-final` : undefined,
                deleteAutomatedBackups: !protect,
                applyImmediately: !protect,
                performanceInsightsEnabled: false,
                tags,
            },
            // Not retainOnDelete: deletion protection already stops a delete, and a deliberate one
            // should take the final snapshot and stop the bill rather than leave an orphan running.
            child,
        );
        const secret = this.instance.masterUserSecrets.apply((s) => {
            if (!s?.[0]?.secretArn) throw new Error(`Database ${identifier}: RDS reported no master user secret`);
            return s[0].secretArn;
        });
        this.secretArn = secret;
        // RDS turns on a 7-day rotation of its secret; containers read the password at start, so the
        // schedule is ours to choose (and off unless asked for).
        new aws.secretsmanager.SecretRotation(
            `${name}-rotation`,
            args.passwordRotationDays > 0
                ? { secretId: secret, rotationEnabled: true, rotationRules: { automaticallyAfterDays: args.passwordRotationDays } }
                : { secretId: secret, rotationEnabled: false },
            child,
        );
        this.port = args.port;
        this.logicalName = name;
        this.tags = tags;
        this.registerOutputs({ endpoint: this.instance.address, secretArn: this.secretArn });
    }

    /**
     * Admits one client, a service's security group, on the database's port. The security group
     * admits nothing else; the program calls this for every service that uses the database.
     */
    allowFrom(client: string, securityGroupId: pulumi.Input<string>): aws.vpc.SecurityGroupIngressRule {
        return new aws.vpc.SecurityGroupIngressRule(
            `${this.logicalName}-from-${client}`,
            {
                securityGroupId: this.securityGroup.id,
                referencedSecurityGroupId: securityGroupId,
                ipProtocol: "tcp",
                fromPort: this.port,
                toPort: this.port,
                description: `${client} tasks to the database`,
                tags: this.tags,
            },
            { parent: this },
        );
    }
}
