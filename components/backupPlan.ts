import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { partitionOf, physicalName } from "../lib/aws";

export const BACKUP_PLAN_TYPE = "shipyard:data:BackupPlan";

/** Daily at 03:00 UTC: after RDS's own backup window (02:00-03:00), before its maintenance window on Sundays. */
export const BACKUP_SCHEDULE = "cron(0 3 * * ? *)";

/**
 * The AWS managed policies AWS Backup's role needs to back up RDS and S3. Not the restore
 * policies: the permissions boundary allows this role to back up only, and a restore is an
 * operator's deliberate act with a role of their own (README "Restore from a backup").
 */
export const BACKUP_ROLE_POLICIES = ["service-role/AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForS3Backup"] as const;

export interface BackupPlanArgs {
    /** Parts of physical names, `[app, env]`: vault `<app>-<env>-backups`, plan `<app>-<env>-daily`. */
    readonly nameParts: readonly [string, string];
    /** The stack's region, for the managed policies' partition. */
    readonly region: string;
    /** ARNs of what is backed up: the RDS instance, the S3 bucket (which must be versioned). */
    readonly resourceArns: pulumi.Input<string>[];
    /** Days each daily recovery point is kept (1-3650). */
    readonly retentionDays: number;
    /** Keep the vault (and its recovery points) when it leaves the program. @default false */
    readonly protect?: boolean;
    /** Permissions boundary of the backup role, like every role of the stack. @default none */
    readonly permissionsBoundary?: pulumi.Input<string>;
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * An AWS Backup vault, a daily plan that keeps each recovery point `retentionDays`, and the
 * selection of the environment's database and bucket, with the role AWS Backup assumes to read
 * them. The vault uses AWS Backup's default key (aws/backup).
 */
export class BackupPlan extends pulumi.ComponentResource {
    readonly vault: aws.backup.Vault;
    readonly plan: aws.backup.Plan;

    constructor(name: string, args: BackupPlanArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super(BACKUP_PLAN_TYPE, name, {}, opts);
        if (!Number.isInteger(args.retentionDays) || args.retentionDays < 1 || args.retentionDays > 3650)
            throw new Error(`BackupPlan: retentionDays must be 1-3650, got ${args.retentionDays}`);
        if (args.resourceArns.length === 0) throw new Error("BackupPlan: nothing to back up");
        const [app, env] = args.nameParts;
        const protect = args.protect ?? false;
        const child = { parent: this };
        const tags = args.tags;

        this.vault = new aws.backup.Vault(
            `${name}-vault`,
            { name: physicalName([app, env, "backups"], 50), tags },
            // Recovery points outlive the stack; AWS refuses to delete a vault that holds any anyway.
            { ...child, retainOnDelete: protect },
        );
        const role = new aws.iam.Role(
            `${name}-role`,
            {
                name: physicalName([app, env, "backup"], 64),
                description: `AWS Backup backs up ${env}'s database and assets`,
                permissionsBoundary: args.permissionsBoundary,
                assumeRolePolicy: JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [{ Effect: "Allow", Principal: { Service: "backup.amazonaws.com" }, Action: "sts:AssumeRole" }],
                }),
                tags,
            },
            child,
        );
        const partition = partitionOf(args.region);
        const attachments = BACKUP_ROLE_POLICIES.map(
            (policy) =>
                new aws.iam.RolePolicyAttachment(
                    `${name}-role-${policy.split("/").pop()}`,
                    { role: role.name, policyArn: `arn:${partition}:iam::aws:policy/${policy}` },
                    child,
                ),
        );
        this.plan = new aws.backup.Plan(
            `${name}-plan`,
            {
                name: physicalName([app, env, "daily"], 50),
                rules: [
                    {
                        ruleName: "daily",
                        targetVaultName: this.vault.name,
                        schedule: BACKUP_SCHEDULE,
                        // Minutes: a job not started within the hour, or not done within eight, fails and alerts.
                        startWindow: 60,
                        completionWindow: 480,
                        lifecycle: { deleteAfter: args.retentionDays },
                        recoveryPointTags: tags,
                    },
                ],
                tags,
            },
            child,
        );
        new aws.backup.Selection(
            `${name}-selection`,
            {
                name: physicalName([app, env, "data"], 50),
                planId: this.plan.id,
                iamRoleArn: role.arn,
                resources: args.resourceArns,
            },
            { ...child, dependsOn: attachments },
        );
        this.registerOutputs({ vault: this.vault.name, plan: this.plan.id });
    }
}
