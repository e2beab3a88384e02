import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { LogBucket, S3_LOG_PREFIX } from "../components/logBucket";
import { physicalName } from "../lib/aws";
import { Account, accountKeyPolicy, tlsOnlyBucketPolicy } from "./policies";

export const STATE_BACKEND_TYPE = "shipyard-bootstrap:state:StateBackend";

export interface StateBackendArgs {
    /** The bucket's name, globally unique; see `s3BucketNameProblem` in `settings.ts`. */
    readonly bucketName: string;
    /** Alias of the bucket's KMS key, `alias/<app>-pulumi-state`. */
    readonly keyAlias: string;
    /** Partition and account of the key policy's administrator statement. */
    readonly account: Account;
    /** Days a state object's previous versions are kept after it is overwritten or deleted. */
    readonly noncurrentVersionDays: number;
    /** Days after which S3 removes the parts of an upload that never completed. @default 7 */
    readonly abortIncompleteUploadDays?: number;
    /** Days the bucket's server access logs are kept (Security Hub S3.9), in their own bucket. @default 365 */
    readonly accessLogDays?: number;
    /** Tags on the bucket and its key. */
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * The S3 bucket that holds every environment's Pulumi state (`pulumi login s3://<bucket>`),
 * locked down: versioned, SSE-KMS with its own key and an S3 Bucket Key, public access blocked,
 * ACLs disabled (BucketOwnerEnforced), TLS required, old versions and failed uploads cleaned up.
 *
 * Losing state is the worst outcome, so every child is `protect`ed (Pulumi refuses to delete it)
 * and `retainOnDelete` (were it removed from the program after an unprotect, it stays in AWS).
 * Locking needs nothing here: the DIY backend writes its lock objects into this bucket.
 */
export class StateBackend extends pulumi.ComponentResource {
    readonly bucket: aws.s3.Bucket;
    readonly key: aws.kms.Key;
    readonly accessLogs: LogBucket;

    constructor(name: string, args: StateBackendArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super(STATE_BACKEND_TYPE, name, {}, opts);
        const abortDays = args.abortIncompleteUploadDays ?? 7;
        const keep = { parent: this, protect: true, retainOnDelete: true };

        this.key = new aws.kms.Key(
            `${name}-key`,
            {
                description: `Encrypts the Pulumi state in s3://${args.bucketName}`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                policy: pulumi.jsonStringify(accountKeyPolicy(args.account)),
                tags: args.tags,
            },
            keep,
        );
        new aws.kms.Alias(`${name}-key`, { name: args.keyAlias, targetKeyId: this.key.keyId }, keep);

        this.bucket = new aws.s3.Bucket(`${name}-bucket`, { bucket: args.bucketName, forceDestroy: false, tags: args.tags }, keep);
        const bucket = this.bucket.bucket;

        new aws.s3.BucketOwnershipControls(`${name}-ownership`, { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } }, keep);
        const publicAccess = new aws.s3.BucketPublicAccessBlock(
            `${name}-public-access`,
            { bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            keep,
        );
        new aws.s3.BucketVersioning(`${name}-versioning`, { bucket, versioningConfiguration: { status: "Enabled" } }, keep);
        new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-encryption`,
            {
                bucket,
                rules: [
                    {
                        applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: this.key.arn },
                        // One data key per bucket instead of a KMS call per object: up to 99% fewer KMS requests.
                        bucketKeyEnabled: true,
                    },
                ],
            },
            keep,
        );
        new aws.s3.BucketPolicy(
            `${name}-policy`,
            { bucket, policy: pulumi.jsonStringify(tlsOnlyBucketPolicy(this.bucket.arn)) },
            { ...keep, dependsOn: [publicAccess] },
        );
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-lifecycle`,
            {
                bucket,
                rules: [
                    {
                        id: "expire-noncurrent-versions",
                        status: "Enabled",
                        filter: {},
                        noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionDays },
                        // Every update deletes its lock object; in a versioned bucket that leaves a delete
                        // marker, which this removes once the version behind it has expired.
                        expiration: { expiredObjectDeleteMarker: true },
                    },
                    {
                        id: "abort-incomplete-multipart-uploads",
                        status: "Enabled",
                        filter: {},
                        abortIncompleteMultipartUpload: { daysAfterInitiation: abortDays },
                    },
                ],
            },
            keep,
        );

        // S3.9: who read or wrote the state, in a bucket of its own (a bucket cannot usefully log to itself).
        this.accessLogs = new LogBucket(
            `${name}-logs`,
            {
                bucketName: physicalName([args.bucketName, "logs"], 63),
                region: args.account.region,
                accountId: args.account.accountId,
                expireDays: args.accessLogDays ?? 365,
                loadBalancerLogs: false,
                serverAccessLogSources: [`arn:${args.account.partition}:s3:::${args.bucketName}`],
                tags: args.tags,
            },
            keep,
        );
        new aws.s3.BucketLogging(
            `${name}-logging`,
            { bucket, targetBucket: this.accessLogs.bucket.bucket, targetPrefix: `${S3_LOG_PREFIX}/` },
            { ...keep, dependsOn: [this.accessLogs.policy] },
        );

        this.registerOutputs({ bucket, bucketArn: this.bucket.arn, keyArn: this.key.arn });
    }
}
