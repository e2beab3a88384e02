import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { physicalName } from "../lib/aws";

export const WORK_QUEUE_TYPE = "shipyard:messaging:WorkQueue";

/** SQS's longest retention: what the dead-letter queue keeps, so a failed message waits for a person. */
export const DEAD_LETTER_RETENTION_SECONDS = 1209600;
/** Long polling: a receive waits up to 20 seconds for a message, fewer empty (billed) receives. */
export const RECEIVE_WAIT_SECONDS = 20;

export interface QueueSubscription {
    /** `<service>.<topic>`, for names and descriptions. */
    readonly label: string;
    readonly topicArn: pulumi.Input<string>;
    /** SNS filter policy on message attributes. @default every message */
    readonly filter?: Readonly<Record<string, readonly unknown[]>>;
}

export interface WorkQueueArgs {
    /** Parts of physical names, `[app, env, service]`. */
    readonly nameParts: readonly [string, string, string];
    readonly fifo: boolean;
    /** Seconds a received message stays hidden (0-43200). */
    readonly visibilitySeconds: number;
    /** Receives before a message moves to the dead-letter queue (1-1000). */
    readonly maxReceives: number;
    /** Seconds the queue keeps a message (60-1209600). */
    readonly retentionSeconds: number;
    /** The topics that feed it; at least one. */
    readonly subscriptions: readonly QueueSubscription[];
    readonly tags: Readonly<Record<string, string>>;
}

export function validateWorkQueueArgs(args: WorkQueueArgs): void {
    const inside = (n: number, lo: number, hi: number) => Number.isInteger(n) && n >= lo && n <= hi;
    if (args.subscriptions.length === 0) throw new Error("WorkQueue: at least one subscription");
    if (!inside(args.visibilitySeconds, 0, 43200)) throw new Error(`WorkQueue: visibilitySeconds must be 0-43200, got ${args.visibilitySeconds}`);
    if (!inside(args.maxReceives, 1, 1000)) throw new Error(`WorkQueue: maxReceives must be 1-1000, got ${args.maxReceives}`);
    if (!inside(args.retentionSeconds, 60, 1209600)) throw new Error(`WorkQueue: retentionSeconds must be 60-1209600, got ${args.retentionSeconds}`);
    const labels = args.subscriptions.map((s) => s.label);
    if (new Set(labels).size !== labels.length) throw new Error(`WorkQueue: a topic subscribed twice in ${labels.join(", ")}`);
}

/**
 * A worker's SQS queue (`<app>-<env>-<service>`, `.fifo` for FIFO): encrypted by SQS (SSE-SQS,
 * which SNS can deliver to without a key grant), long polling, a dead-letter queue
 * (`<app>-<env>-<service>-dlq`) after maxReceives, subscribed to its topics with raw delivery and
 * their filter policies, and a queue policy that admits exactly those topics.
 */
export class WorkQueue extends pulumi.ComponentResource {
    readonly queue: aws.sqs.Queue;
    readonly deadLetterQueue: aws.sqs.Queue;
    /** The queues' names, known before they exist (CloudWatch's QueueName dimension). */
    readonly queueName: string;
    readonly deadLetterQueueName: string;

    constructor(name: string, args: WorkQueueArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super(WORK_QUEUE_TYPE, name, {}, opts);
        validateWorkQueueArgs(args);
        const [app, env, svc] = args.nameParts;
        const child = { parent: this };
        const suffix = args.fifo ? ".fifo" : "";
        // SQS: 1-80 characters, `.fifo` included.
        const queueName = (parts: string[]) => `${physicalName(parts, 80 - suffix.length)}${suffix}`;
        const fifo = args.fifo ? { fifoQueue: true } : {};
        this.queueName = queueName([app, env, svc]);
        this.deadLetterQueueName = queueName([app, env, svc, "dlq"]);
        this.deadLetterQueue = new aws.sqs.Queue(
            `${name}-dlq`,
            {
                name: this.deadLetterQueueName,
                ...fifo,
                messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS,
                sqsManagedSseEnabled: true,
                tags: args.tags,
            },
            child,
        );
        this.queue = new aws.sqs.Queue(
            `${name}-queue`,
            {
                name: this.queueName,
                ...fifo,
                visibilityTimeoutSeconds: args.visibilitySeconds,
                messageRetentionSeconds: args.retentionSeconds,
                receiveWaitTimeSeconds: RECEIVE_WAIT_SECONDS,
                sqsManagedSseEnabled: true,
                redrivePolicy: pulumi.jsonStringify({ deadLetterTargetArn: this.deadLetterQueue.arn, maxReceiveCount: args.maxReceives }),
                tags: args.tags,
            },
            child,
        );
        const policy = new aws.sqs.QueuePolicy(
            `${name}-queue`,
            {
                queueUrl: this.queue.url,
                policy: pulumi.jsonStringify({
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Sid: "SubscribedTopicsDeliver",
                            Effect: "Allow",
                            Principal: { Service: "sns.amazonaws.com" },
                            Action: "sqs:SendMessage",
                            Resource: this.queue.arn,
                            Condition: { ArnEquals: { "aws:SourceArn": args.subscriptions.map((s) => s.topicArn) } },
                        },
                    ],
                }),
            },
            child,
        );
        for (const s of args.subscriptions) {
            new aws.sns.TopicSubscription(
                `${name}-from-${s.label.replace(".", "-")}`,
                {
                    topic: s.topicArn,
                    protocol: "sqs",
                    endpoint: this.queue.arn,
                    // The publisher's body as it is, its attributes as SQS message attributes: no SNS envelope to unwrap.
                    rawMessageDelivery: true,
                    filterPolicy: s.filter ? JSON.stringify(s.filter) : undefined,
                    filterPolicyScope: s.filter ? "MessageAttributes" : undefined,
                },
                // A message published before the policy admits the topic would be lost.
                { ...child, dependsOn: [policy] },
            );
        }
        this.registerOutputs({ queueUrl: this.queue.url, deadLetterQueueUrl: this.deadLetterQueue.url });
    }

    /** What the worker's task role may do with exactly its queue: receive, delete, extend a message's visibility. */
    consumeStatement(): pulumi.Input<Record<string, unknown>> {
        return {
            Sid: "ConsumeOwnQueue",
            Effect: "Allow",
            Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"],
            Resource: this.queue.arn,
        };
    }
}
