import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { physicalName } from "../lib/aws";

export const MESSAGE_TOPIC_TYPE = "shipyard:messaging:MessageTopic";

/** The environment's SNS key, which every topic of the environment is encrypted with. */
export interface TopicKey {
    /** What the topic names as its key: the alias (`alias/<app>-<env>-alarms`, the bootstrap's) or the key's ARN. */
    readonly keyId: pulumi.Input<string>;
    /** The key's ARN, when the stack created the key. */
    readonly arn?: pulumi.Input<string>;
}

export interface MessageTopicArgs {
    /** Parts of physical names, `[app, env, service, topic]`. */
    readonly nameParts: readonly [string, string, string, string];
    readonly region: string;
    readonly accountId: string;
    /** A FIFO topic: ordered, deduplicated by content unless the publisher gives a deduplication id. */
    readonly fifo: boolean;
    readonly key: TopicKey;
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * What a principal needs of the environment's SNS key to publish to encrypted topics:
 * GenerateDataKey and Decrypt, through SNS only, and only for `topicArns` (SNS puts the topic's ARN
 * in the encryption context of every request it makes to KMS for it, `aws:sns:topicArn`).
 */
export function topicKeyStatement(
    key: TopicKey,
    topicArns: readonly pulumi.Input<string>[],
    where: { readonly region: string; readonly accountId: string; readonly partition: string },
    sid: string,
): pulumi.Input<Record<string, unknown>> {
    return {
        Sid: sid,
        Effect: "Allow",
        Action: ["kms:GenerateDataKey", "kms:Decrypt"],
        Resource: key.arn ?? `arn:${where.partition}:kms:${where.region}:${where.accountId}:key/*`,
        Condition: { StringEquals: { "kms:ViaService": `sns.${where.region}.amazonaws.com`, "kms:EncryptionContext:aws:sns:topicArn": [...topicArns] } },
    };
}

/**
 * One SNS topic a service publishes to, `<app>-<env>-<service>-<topic>` (`.fifo` for FIFO),
 * encrypted with the environment's SNS key. Its default access policy (the account's own
 * principals) stays: who publishes is the publisher's task role's grant, and the worker queues'
 * policies admit the topic, not the other way round.
 */
export class MessageTopic extends pulumi.ComponentResource {
    readonly topic: aws.sns.Topic;
    /** The topic's name, known before it exists (CloudWatch's TopicName dimension). */
    readonly topicName: string;

    constructor(name: string, args: MessageTopicArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super(MESSAGE_TOPIC_TYPE, name, {}, opts);
        const [app, env, svc, topic] = args.nameParts;
        const suffix = args.fifo ? ".fifo" : "";
        // SNS: 1-256 characters, `.fifo` included.
        this.topicName = `${physicalName([app, env, svc, topic], 256 - suffix.length)}${suffix}`;
        this.topic = new aws.sns.Topic(
            `${name}-topic`,
            {
                name: this.topicName,
                kmsMasterKeyId: args.key.keyId,
                fifoTopic: args.fifo ? true : undefined,
                contentBasedDeduplication: args.fifo ? true : undefined,
                tags: args.tags,
            },
            { parent: this },
        );
        this.registerOutputs({ topicArn: this.topic.arn });
    }
}
