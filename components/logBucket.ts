import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { partitionOf } from "../lib/aws";

export const LOG_BUCKET_TYPE = "shipyard:logs:LogBucket";

/**
 * Elastic Load Balancing's account per Region, for the Regions opened before August 2022: their
 * load balancers deliver access logs as this account. Regions opened since then deliver as the
 * service principal `logdelivery.elasticloadbalancing.amazonaws.com` (ELB_LOG_DELIVERY_PRINCIPAL).
 * Source: Elastic Load Balancing, Application Load Balancers guide, "Enable access logs for your
 * Application Load Balancer", Step 2 "Attach a policy to your S3 bucket"
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html).
 */
export const ELB_LOG_ACCOUNTS: Readonly<Record<string, string>> = Object.freeze({
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
    "af-south-1": "098369216593",
    "ap-east-1": "754344448648",
    "ap-south-1": "718504428378",
    "ap-northeast-1": "582318560864",
    "ap-northeast-2": "600734575887",
    "ap-northeast-3": "383597477331",
    "ap-southeast-1": "114774131450",
    "ap-southeast-2": "783225319266",
    "ap-southeast-3": "589379963580",
    "ca-central-1": "985666609251",
    "eu-central-1": "054676820928",
    "eu-west-1": "156460612806",
    "eu-west-2": "652711504416",
    "eu-west-3": "009996457667",
    "eu-south-1": "635631232127",
    "eu-north-1": "897822967062",
    "me-south-1": "076674570225",
    "sa-east-1": "507241528517",
    "us-gov-west-1": "048591011584",
    "us-gov-east-1": "190560391635",
});
export const ELB_LOG_DELIVERY_PRINCIPAL = "logdelivery.elasticloadbalancing.amazonaws.com";

/** Who writes a load balancer's access logs in `region`: its Region's ELB account, or the log delivery service. */
export function elbLogWriter(region: string): Record<string, string> {
    const account = ELB_LOG_ACCOUNTS[region];
    return account ? { AWS: `arn:${partitionOf(region)}:iam::${account}:root` } : { Service: ELB_LOG_DELIVERY_PRINCIPAL };
}

/** Where each writer puts its objects (the load balancer adds AWSLogs/<account>/ itself). */
export const ELB_LOG_PREFIX = "elb";
export const S3_LOG_PREFIX = "s3";

/**
 * Blocks every form of public access to `bucket` and disables its ACLs (BucketOwnerEnforced), as
 * `<name>-public-access` and `<name>-ownership`. Returns the block: a bucket policy must wait for it.
 */
export function privateBucket(name: string, bucket: pulumi.Input<string>, opts: pulumi.CustomResourceOptions): aws.s3.BucketPublicAccessBlock {
    const access = new aws.s3.BucketPublicAccessBlock(
        `${name}-public-access`,
        { bucket, blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true },
        opts,
    );
    new aws.s3.BucketOwnershipControls(`${name}-ownership`, { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } }, opts);
    return access;
}

export interface LogBucketArgs {
    /** The bucket's global name, e.g. `<app>-<env>-lb-logs-<account>` (3 to 63 characters). */
    readonly bucketName: string;
    readonly region: string;
    readonly accountId: string;
    /** Days a log object is kept, then expired. */
    readonly expireDays: number;
    /** Load balancers of this account may deliver access logs under `elb/`. */
    readonly loadBalancerLogs: boolean;
    /** These buckets (ARNs) may deliver their server access logs under `s3/` (Security Hub S3.9). */
    readonly serverAccessLogSources: readonly pulumi.Input<string>[];
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * A private bucket the environment's logs are delivered to: Block Public Access on, ACLs disabled,
 * SSE-S3 (ELB access logs support no other encryption), TLS-only, objects expired after
 * `expireDays`, and a policy that lets only the named writers put objects under their prefixes.
 */
export class LogBucket extends pulumi.ComponentResource {
    readonly bucket: aws.s3.Bucket;
    /** Whether load balancers may deliver here. */
    readonly loadBalancerLogs: boolean;
    /** Resolves once the policy that lets the writers in exists: a writer configured earlier is refused. */
    readonly policy: aws.s3.BucketPolicy;

    constructor(name: string, args: LogBucketArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super(LOG_BUCKET_TYPE, name, {}, opts);
        if (!Number.isInteger(args.expireDays) || args.expireDays < 1)
            throw new Error(`LogBucket: expireDays must be a whole number of days, got ${args.expireDays}`);
        const child = { parent: this };
        this.loadBalancerLogs = args.loadBalancerLogs;
        this.bucket = new aws.s3.Bucket(`${name}-bucket`, { bucket: args.bucketName, forceDestroy: false, tags: args.tags }, child);
        const bucket = this.bucket.id;
        const arn = this.bucket.arn;
        const access = privateBucket(name, bucket, child);
        new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-encryption`,
            { bucket, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
            child,
        );
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-lifecycle`,
            {
                bucket,
                rules: [
                    {
                        id: "expire-logs",
                        status: "Enabled",
                        filter: {},
                        expiration: { days: args.expireDays },
                        abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
                    },
                ],
            },
            child,
        );
        const statements: pulumi.Input<Record<string, unknown>>[] = [
            {
                Sid: "DenyPlainHttp",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [arn, pulumi.interpolate`${arn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ];
        if (args.loadBalancerLogs)
            statements.push({
                Sid: "LoadBalancerAccessLogs",
                Effect: "Allow",
                Principal: elbLogWriter(args.region),
                Action: "s3:PutObject",
                Resource: pulumi.interpolate`${arn}/${ELB_LOG_PREFIX}/AWSLogs/${args.accountId}/*`,
            });
        if (args.serverAccessLogSources.length > 0)
            statements.push({
                Sid: "S3ServerAccessLogs",
                Effect: "Allow",
                Principal: { Service: "logging.s3.amazonaws.com" },
                Action: "s3:PutObject",
                Resource: pulumi.interpolate`${arn}/${S3_LOG_PREFIX}/*`,
                Condition: { ArnLike: { "aws:SourceArn": [...args.serverAccessLogSources] }, StringEquals: { "aws:SourceAccount": args.accountId } },
            });
        this.policy = new aws.s3.BucketPolicy(
            `${name}-policy`,
            { bucket, policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements }) },
            { ...child, dependsOn: [access] },
        );
        this.registerOutputs({ bucket: this.bucket.bucket });
    }
}
