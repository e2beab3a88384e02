import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { privateBucket } from "./logBucket";

export const ASSETS_BUCKET_TYPE = "shipyard:data:AssetsBucket";

/** Days S3 keeps a replaced or deleted object's previous version: time to notice and restore a bad upload. */
export const NONCURRENT_VERSION_DAYS = 30;

export interface AssetsBucketArgs {
    /** The bucket's global name. */
    readonly bucketName: string;
    /**
     * Served through Cloudflare: anonymous reads (`s3:GetObject`) are allowed from these address
     * ranges only, Cloudflare's. S3 does not count a policy limited by `aws:SourceIp` as public, so
     * Block Public Access stays fully on. @default none: no anonymous read at all
     */
    readonly cdnCidrs?: readonly string[];
    /**
     * Keep the bucket when it leaves the program or the stack is destroyed (Pulumi `retainOnDelete`),
     * and protect it from `pulumi destroy`. @default false
     */
    readonly protect?: boolean;
    /**
     * Log every request to this bucket, under this prefix (server access logging, Security Hub
     * S3.9); the target bucket's policy must let `logging.s3.amazonaws.com` write there.
     * @default undefined: no access logs
     */
    readonly accessLogs?: { readonly bucket: pulumi.Input<string>; readonly prefix: string; readonly policy: pulumi.Resource };
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * An S3 bucket for static assets: private (Block Public Access on, ACLs disabled), encrypted with
 * SSE-S3 and a bucket key, versioned (previous versions kept {@link NONCURRENT_VERSION_DAYS} days,
 * which AWS Backup also needs), TLS-only access, and optionally readable by Cloudflare alone.
 * Services are granted reading it through their task roles ({@link readStatements}).
 */
export class AssetsBucket extends pulumi.ComponentResource {
    readonly bucket: aws.s3.Bucket;
    readonly arn: pulumi.Output<string>;

    constructor(name: string, args: AssetsBucketArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super(ASSETS_BUCKET_TYPE, name, {}, opts);
        const protect = args.protect ?? false;
        const child = { parent: this };
        const tags = args.tags;

        this.bucket = new aws.s3.Bucket(
            `${name}-bucket`,
            { bucket: args.bucketName, forceDestroy: false, tags },
            // Objects outlive a mistaken removal from the program: the bucket stays in AWS.
            { ...child, retainOnDelete: protect },
        );
        this.arn = this.bucket.arn;
        const bucket = this.bucket.id;
        const access = privateBucket(name, bucket, child);
        // SSE-S3, not KMS: Cloudflare's anonymous reads could not decrypt objects under a KMS key.
        new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-encryption`,
            { bucket, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }] },
            child,
        );
        if (args.accessLogs)
            new aws.s3.BucketLogging(
                `${name}-logging`,
                { bucket, targetBucket: args.accessLogs.bucket, targetPrefix: args.accessLogs.prefix },
                { ...child, dependsOn: [args.accessLogs.policy] },
            );
        const versioning = new aws.s3.BucketVersioning(`${name}-versioning`, { bucket, versioningConfiguration: { status: "Enabled" } }, child);
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-lifecycle`,
            {
                bucket,
                rules: [
                    {
                        id: "expire-previous-versions",
                        status: "Enabled",
                        filter: {},
                        noncurrentVersionExpiration: { noncurrentDays: NONCURRENT_VERSION_DAYS },
                        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                    },
                ],
            },
            { ...child, dependsOn: [versioning] },
        );
        const statements: pulumi.Input<Record<string, unknown>>[] = [
            {
                Sid: "DenyPlainHttp",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [this.bucket.arn, pulumi.interpolate`${this.bucket.arn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ];
        if (args.cdnCidrs && args.cdnCidrs.length > 0) {
            statements.push({
                Sid: "CloudflareReadsObjects",
                Effect: "Allow",
                Principal: "*",
                Action: "s3:GetObject",
                Resource: pulumi.interpolate`${this.bucket.arn}/*`,
                Condition: { IpAddress: { "aws:SourceIp": [...args.cdnCidrs] } },
            });
        }
        new aws.s3.BucketPolicy(
            `${name}-policy`,
            { bucket, policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements }) },
            // With Block Public Access on first, a policy S3 judged public would be refused, not applied.
            { ...child, dependsOn: [access] },
        );
        this.registerOutputs({ bucket: this.bucket.bucket, arn: this.arn });
    }

    /** Task-role statements that let a service read the bucket's objects and list its keys, nothing more. */
    readStatements(): pulumi.Input<Record<string, unknown>>[] {
        return [
            { Sid: "ListAssets", Effect: "Allow", Action: "s3:ListBucket", Resource: this.bucket.arn },
            { Sid: "ReadAssets", Effect: "Allow", Action: "s3:GetObject", Resource: pulumi.interpolate`${this.bucket.arn}/*` },
        ];
    }
}
