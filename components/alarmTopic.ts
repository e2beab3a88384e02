import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { partitionOf, physicalName } from "../lib/aws";

export const ALARM_TOPIC_TYPE = "shipyard:monitoring:AlarmTopic";

/**
 * The key policy of an alarm topic's key: the account administers it (so IAM policies apply), and
 * CloudWatch may use it to publish to the encrypted topic (the AWS managed aws/sns key cannot grant
 * that). No condition on CloudWatch's grant, as in the SNS guide's statement for CloudWatch: one
 * that CloudWatch's KMS call did not carry would drop every notification silently; the topic
 * policy decides who may publish. The bootstrap's alarm keys use the same policy.
 */
export function alarmKeyPolicy(partition: string, accountId: string) {
    return {
        Version: "2012-10-17",
        Statement: [
            { Sid: "AccountAdministers", Effect: "Allow", Principal: { AWS: `arn:${partition}:iam::${accountId}:root` }, Action: "kms:*", Resource: "*" },
            {
                Sid: "CloudWatchPublishes",
                Effect: "Allow",
                Principal: { Service: "cloudwatch.amazonaws.com" },
                Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
                Resource: "*",
            },
        ],
    };
}

export interface AlarmTopicArgs {
    /** Parts of physical names, `[app, env]`. */
    readonly nameParts: readonly [string, string];
    readonly region: string;
    /** The account whose alarms may publish (no cloud lookup). */
    readonly accountId: string;
    /**
     * The topic's KMS key, as an alias name (`alias/<app>-<env>-alarms`, which the bootstrap creates
     * with a policy that lets CloudWatch use it). Absent: the component creates a key of its own,
     * which takes kms:CreateKey and kms:PutKeyPolicy (an administrator, not a deploy role).
     * @default a key of its own
     */
    readonly kmsKeyAlias?: string;
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * The environment's one alarm topic, encrypted with a key of its own: every alarm of the
 * environment (deployment alarms included) notifies it, and only this account's CloudWatch alarms
 * named `<app>-<env>-*` may publish to it.
 */
export class AlarmTopic extends pulumi.ComponentResource {
    readonly topic: aws.sns.Topic;
    /** The key the component created, when it was given none. */
    readonly key?: aws.kms.Key;

    constructor(name: string, args: AlarmTopicArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super(ALARM_TOPIC_TYPE, name, {}, opts);
        if (!/^\d{12}$/.test(args.accountId)) throw new Error(`AlarmTopic: accountId must be 12 digits, got ${args.accountId}`);
        const [app, env] = args.nameParts;
        const { tags } = args;
        const child = { parent: this };

        // A customer managed key whose policy lets CloudWatch publish (alarmKeyPolicy).
        let kmsMasterKeyId: pulumi.Input<string>;
        if (args.kmsKeyAlias) {
            kmsMasterKeyId = args.kmsKeyAlias;
        } else {
            const key = (this.key = new aws.kms.Key(
                `${name}-key`,
                {
                    description: `Alarm topic of ${app} ${env}`,
                    enableKeyRotation: true,
                    deletionWindowInDays: 7,
                    policy: JSON.stringify(alarmKeyPolicy(partitionOf(args.region), args.accountId)),
                    tags,
                },
                child,
            ));
            new aws.kms.Alias(`${name}-key`, { name: `alias/${physicalName([app, env, "alarm-topic"], 250)}`, targetKeyId: key.keyId }, child);
            kmsMasterKeyId = key.arn;
        }
        this.topic = new aws.sns.Topic(`${name}-topic`, { name: physicalName([app, env, "alarms"], 256), kmsMasterKeyId, tags }, child);
        new aws.sns.TopicPolicy(
            `${name}-topic`,
            {
                arn: this.topic.arn,
                policy: pulumi.jsonStringify({
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Sid: "CloudWatchAlarmsOfThisAccount",
                            Effect: "Allow",
                            Principal: { Service: "cloudwatch.amazonaws.com" },
                            Action: "sns:Publish",
                            Resource: this.topic.arn,
                            Condition: {
                                StringEquals: { "aws:SourceAccount": args.accountId },
                                ArnLike: {
                                    "aws:SourceArn": `arn:${partitionOf(args.region)}:cloudwatch:${args.region}:${args.accountId}:alarm:${app}-${env}-*`,
                                },
                            },
                        },
                    ],
                }),
            },
            child,
        );

        this.registerOutputs({ topicArn: this.topic.arn });
    }
}
