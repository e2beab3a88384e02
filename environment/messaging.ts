/**
 * The environment's messaging (issue 18): one SNS topic per `publish` entry of a service, one SQS
 * work queue per worker that subscribes, and what each service's container and task role get of
 * them (the topics' ARNs and the right to publish to exactly its own; the queue's URL and the right
 * to consume exactly its own). Created before the services, whose task definitions carry them.
 */
import * as pulumi from "@pulumi/pulumi";
import { AlarmTopic } from "../components/alarmTopic";
import { MessageTopic, TopicKey, topicKeyStatement } from "../components/messageTopic";
import { WorkQueue } from "../components/workQueue";
import { partitionOf } from "../lib/aws";
import type { ServiceSettings, Settings } from "../stacks";
import { QUEUE_URL_VARIABLE, topicVariable } from "../stacks/messaging";

export interface Messaging {
    /** The key every topic is encrypted with: the alarm topic's (README "Messaging"). */
    readonly key: TopicKey;
    /** Topics by `<service>.<topic>`. */
    readonly topics: ReadonlyMap<string, MessageTopic>;
    /** Work queues by worker. */
    readonly queues: ReadonlyMap<string, WorkQueue>;
    /** The variables `svc`'s container gets: TOPIC_<NAME>_ARN per topic it publishes, QUEUE_URL for a worker's queue. */
    variablesOf(svc: ServiceSettings): Record<string, pulumi.Input<string>>;
    /** The task role statements of `svc`: publish to its topics (and use the key through SNS), consume its queue. */
    statementsOf(svc: ServiceSettings): pulumi.Input<Record<string, unknown>>[];
}

export function messaging(settings: Settings, alarms: AlarmTopic, opts: pulumi.ComponentResourceOptions): Messaging {
    const { app, env, tags, region, accountId } = settings;
    const prefix = `${app}-${env}`;
    const alias = settings.monitoring.alarmTopicKeyAlias;
    const key: TopicKey = alias ? { keyId: alias } : { keyId: (alarms.key as NonNullable<AlarmTopic["key"]>).arn, arn: alarms.key?.arn };
    const topics = new Map<string, MessageTopic>();
    for (const svc of settings.services)
        for (const t of svc.messaging.publish)
            topics.set(
                `${svc.name}.${t.name}`,
                new MessageTopic(
                    `${prefix}-${svc.name}-${t.name}`,
                    { nameParts: [app, env, svc.name, t.name], region, accountId, fifo: t.fifo, key, tags },
                    opts,
                ),
            );
    const queues = new Map<string, WorkQueue>();
    for (const svc of settings.services) {
        const q = svc.messaging.queue;
        if (!q) continue;
        queues.set(
            svc.name,
            new WorkQueue(
                `${prefix}-${svc.name}-messages`,
                {
                    nameParts: [app, env, svc.name],
                    fifo: q.fifo,
                    visibilitySeconds: q.visibilitySeconds,
                    maxReceives: q.maxReceives,
                    retentionSeconds: q.retentionSeconds,
                    subscriptions: q.topics.map((t) => ({
                        label: `${t.service}.${t.topic}`,
                        topicArn: (topics.get(`${t.service}.${t.topic}`) as MessageTopic).topic.arn,
                        filter: t.filter,
                    })),
                    tags,
                },
                opts,
            ),
        );
    }
    return {
        key,
        topics,
        queues,
        variablesOf: (svc) => {
            const vars: Record<string, pulumi.Input<string>> = {};
            for (const t of svc.messaging.publish) vars[topicVariable(t.name)] = (topics.get(`${svc.name}.${t.name}`) as MessageTopic).topic.arn;
            const queue = queues.get(svc.name);
            if (queue) vars[QUEUE_URL_VARIABLE] = queue.queue.url;
            return vars;
        },
        statementsOf: (svc) => {
            const out: pulumi.Input<Record<string, unknown>>[] = [];
            const own = svc.messaging.publish.map((t) => (topics.get(`${svc.name}.${t.name}`) as MessageTopic).topic.arn);
            if (own.length > 0) {
                out.push({ Sid: "PublishToOwnTopics", Effect: "Allow", Action: "sns:Publish", Resource: own });
                out.push(topicKeyStatement(key, own, { region, accountId, partition: partitionOf(region) }, "EncryptForOwnTopics"));
            }
            const queue = queues.get(svc.name);
            if (queue) out.push(queue.consumeStatement());
            return out;
        },
    };
}
