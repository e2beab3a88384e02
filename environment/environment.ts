/**
 * One environment, built from its settings and what was looked up for them. The composition layer
 * between `stacks/` and `components/`: it may read the settings' types (components take plain
 * args and may not, see eslint.config.js), and each step below lives in its own module and owns its
 * wiring. Named after the app: every child is named `<app>-<env>...`, and the stack is the environment.
 *
 * Before this component, its children were top-level resources of the stack. Each carries an
 * alias to the stack as its old parent, and their own children inherit it, so a stack deployed
 * before keeps every resource (the protected database among them) instead of replacing it.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Settings } from "../stacks";
import type { Lookups } from "../stacks/lookups";
import { data } from "./data";
import { dns } from "./dns";
import { edge } from "./edge";
import { logBucket } from "./logs";
import { messaging } from "./messaging";
import { network } from "./network";
import { alarmTopic, monitoring } from "./observability";
import { services } from "./services";

export const ENVIRONMENT_TYPE = "shipyard:environment:Environment";

export interface EnvironmentArgs {
    readonly settings: Settings;
    readonly found: Lookups;
}

export class Environment extends pulumi.ComponentResource {
    /** The stack outputs (an undefined output is a warning in every run: optional ones are left out). */
    readonly outputs: Record<string, unknown>;

    constructor(name: string, args: EnvironmentArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super(ENVIRONMENT_TYPE, name, {}, opts);
        const { settings, found } = args;
        const child: pulumi.ComponentResourceOptions = { parent: this, aliases: [{ parent: pulumi.rootStackResource }] };

        const net = network(settings, child);
        const alarms = alarmTopic(settings, child);
        const logs = logBucket(settings, child);
        const front = edge(settings, found, net, logs, child);
        const state = data(settings, found, net, logs, child);
        dns(settings, found, front, state, child);
        const messages = messaging(settings, alarms, child);
        const running = services(settings, net, front, state, alarms, messages, child);
        const watch = monitoring(settings, alarms, front, state, running, messages, child);

        const { env, dns: zone, database } = settings;
        const db = state.database;
        this.outputs = {
            environment: env,
            region: settings.region,
            vpcId: net.vpc.id,
            urls: zone.hostNames.map((h) => `https://${h}`),
            loadBalancerDnsName: front.alb?.loadBalancer.dnsName,
            certificateArn: front.certificate?.certificateArn,
            clusterName: running.cluster.cluster.name,
            services: Object.fromEntries(
                settings.services
                    .filter((s) => s.exposure !== "job")
                    .map((s) => [
                        s.name,
                        { image: s.image, exposure: s.exposure, clusterName: running.cluster.cluster.name, serviceName: running.of(s.name).service.name },
                    ]),
            ),
            ...(settings.services.some((s) => s.exposure === "job")
                ? {
                      // Jobs run on their schedule; `release run-job` starts one now (release/cli.ts).
                      jobs: Object.fromEntries(
                          settings.services
                              .filter((s) => s.exposure === "job")
                              .map((s) => [
                                  s.name,
                                  { image: s.image, stateMachineArn: running.jobOf(s.name).stateMachine.arn, schedule: s.messaging.job?.schedule },
                              ]),
                      ),
                  }
                : {}),
            ...(messages.topics.size > 0 ? { topics: Object.fromEntries([...messages.topics].map(([ref, t]) => [ref, t.topic.arn])) } : {}),
            ...(messages.queues.size > 0 ? { queues: Object.fromEntries([...messages.queues].map(([svc, q]) => [svc, q.queue.url])) } : {}),
            alarmTopicArn: alarms.topic.arn,
            dashboardName: watch.dashboard.dashboardName,
            ...(db
                ? { database: { engine: db.engine, address: db.component.instance.address, port: db.port, secretArn: db.component.secretArn } }
                : database?.kind === "external"
                  ? { database: { engine: "external" } }
                  : {}),
            ...(state.assets ? { assetsBucket: state.assets.bucket.bucket } : {}),
            ...(settings.assets?.host ? { assetsUrl: `https://${settings.assets.host}` } : {}),
            ...(state.backup ? { backupVault: state.backup.vault.name } : {}),
        };
        this.registerOutputs({ vpcId: net.vpc.id, clusterName: running.cluster.cluster.name, dashboardName: watch.dashboard.dashboardName });
    }
}
