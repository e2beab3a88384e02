/**
 * What the team sees: the alarm topic every alarm notifies (deployment alarms included, so it
 * comes first), and the monitoring of every service, public endpoint and the database.
 */
import * as pulumi from "@pulumi/pulumi";
import { AlarmTopic } from "../components/alarmTopic";
import { endpointName, Monitoring } from "../components/monitoring";
import type { Settings } from "../stacks";
import { Data } from "./data";
import { Edge } from "./edge";
import { Messaging } from "./messaging";
import { SERVICE_KINDS } from "./serviceKinds";
import { Services } from "./services";

export function alarmTopic(settings: Settings, opts: pulumi.ComponentResourceOptions): AlarmTopic {
    const { app, env } = settings;
    return new AlarmTopic(
        `${app}-${env}-alarms`,
        {
            nameParts: [app, env],
            region: settings.region,
            accountId: settings.accountId,
            kmsKeyAlias: settings.monitoring.alarmTopicKeyAlias,
            tags: settings.tags,
        },
        opts,
    );
}

export function monitoring(
    settings: Settings,
    alarms: AlarmTopic,
    edge: Edge,
    data: Data,
    services: Services,
    messages: Messaging,
    opts: pulumi.ComponentResourceOptions,
): Monitoring {
    const { app, env, monitoring: mon } = settings;
    const database = data.database;
    // Each public HTTP(S) name is checked from outside, as the service's kind says.
    const checked = (s: Settings["services"][number]) => {
        const how = SERVICE_KINDS[s.exposure].endpointChecked;
        return how === "always" || (how === "tlsOn443" && s.listeners.some((l) => l.port === 443 && l.protocol === "TLS"));
    };
    return new Monitoring(
        `${app}-${env}-monitoring`,
        {
            nameParts: [app, env],
            topic: alarms,
            region: settings.region,
            accountId: settings.accountId,
            services: settings.services
                .filter((s) => s.exposure !== "job")
                .map((s) => ({
                    name: s.name,
                    clusterName: services.cluster.cluster.name,
                    serviceName: services.of(s.name).service.name,
                    loadBalancer: edge.loadBalancerOf(s)?.metricsFor(s.name),
                })),
            thresholds: {
                fiveXxPercent: mon.alarm5xxPercent,
                p99LatencyMs: mon.alarmP99LatencyMs,
                cpuPercent: mon.alarmCpuPercent,
                memoryPercent: mon.alarmMemoryPercent,
            },
            endpoints: settings.services
                .filter(checked)
                .flatMap((s) => s.hosts.map((host, i) => ({ name: endpointName(s.name, host, i), url: `https://${host}${s.healthCheckPath}` }))),
            endpointCheckMinutes: mon.endpointCheckMinutes,
            slack: mon.slackWebhookUrl ? { webhookUrl: mon.slackWebhookUrl, reminderMinutes: mon.reminderMinutes } : undefined,
            logRetentionDays: settings.logRetentionDays,
            database: database ? { identifier: database.component.instance.identifier, storageGb: database.storageGb } : undefined,
            permissionsBoundary: settings.permissionsBoundaryArn,
            tags: settings.tags,
            queues: [...messages.queues].map(([service, q]) => ({
                service,
                queueName: q.queueName,
                deadLetterQueueName: q.deadLetterQueueName,
                acceptableLatencySeconds:
                    settings.services.find((s) => s.name === service)?.messaging.backlog?.acceptableLatencySeconds ?? DEFAULT_ACCEPTABLE_LATENCY_SECONDS,
            })),
            topics: [...messages.topics].map(([label, t]) => ({ label, topicName: t.topicName })),
            jobs: settings.services.filter((s) => s.exposure === "job").map((s) => ({ name: s.name, stateMachineArn: services.jobOf(s.name).stateMachineArn })),
        },
        opts,
    );
}

/** The oldest message's age that alarms on a queue whose worker declares no backlog scaling (and so no acceptable latency). */
export const DEFAULT_ACCEPTABLE_LATENCY_SECONDS = 900;
