/**
 * The environment's services: the cluster, a ContainerService per service (behind its kind's load
 * balancer, released as the deployment settings say), the blue/green smoke test, and who may reach
 * whom (callers of internal services, users of the database).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AlarmTopic } from "../components/alarmTopic";
import { ServiceCluster } from "../components/cluster";
import { ContainerService, DeploymentArgs } from "../components/containerService";
import { Network } from "../components/network";
import { ScheduledJob } from "../components/scheduledJob";
import { SmokeTest } from "../components/smokeTest";
import { partitionOf } from "../lib/aws";
import { rolloutPath, steadyStateTimeoutMinutes } from "../plan/rollout";
import type { ServiceSettings, Settings } from "../stacks";
import { DeploymentSettings, shiftsTraffic } from "../stacks/deployment";
import { Data } from "./data";
import { Edge } from "./edge";
import { Messaging } from "./messaging";
import { SERVICE_KINDS } from "./serviceKinds";

export interface Services {
    readonly cluster: ServiceCluster;
    /** Each service's ContainerService, by service name (not a job's). */
    of(name: string): ContainerService;
    /** Each job's ScheduledJob, by name. */
    jobOf(name: string): ScheduledJob;
}

/** How the wiring below tells a job (a schedule, no ECS service) from a running service. */
const isJob = (s: ServiceSettings) => s.exposure === "job";

export function services(
    settings: Settings,
    net: Network,
    edge: Edge,
    data: Data,
    alarms: AlarmTopic,
    messages: Messaging,
    opts: pulumi.ComponentResourceOptions,
): Services {
    const { app, env, deployment, tags } = settings;
    const prefix = `${app}-${env}`;
    const { database, assets } = data;

    // The blue/green lifecycle hook: smoke requests to the test listener before production moves.
    // Requests without a matching host reach the first http service (the test listener's default),
    // so the hook smoke-tests that service; the others' releases rely on their deployment alarms.
    const smoked = settings.services.find((s) => SERVICE_KINDS[s.exposure].loadBalancer === "application");
    const smokeTest =
        edge.alb && smoked && shiftsTraffic(smoked.deployment.strategy) && smoked.deployment.smokeTest
            ? new SmokeTest(
                  `${prefix}-${smoked.name}-smoke`,
                  {
                      nameParts: [app, env, smoked.name],
                      baseUrl: pulumi.interpolate`https://${edge.alb.loadBalancer.dnsName}:${deployment.testListenerPort}`,
                      // The load balancer's name is not on the certificate: the handshake names the service's host.
                      host: smoked.hosts[0] ?? settings.dns.hostNames[0],
                      testListenerPort: deployment.testListenerPort,
                      path: settings.loadBalancer.healthCheck.path,
                      vpcId: net.vpc.id,
                      subnetIds: net.privateSubnetIds,
                      logRetentionDays: settings.logRetentionDays,
                      permissionsBoundary: settings.permissionsBoundaryArn,
                      tags,
                  },
                  opts,
              )
            : undefined;

    const discoverable = settings.services.filter((s) => SERVICE_KINDS[s.exposure].discoverable);
    const cluster = new ServiceCluster(`${prefix}-cluster`, { nameParts: [app, env], serviceConnect: discoverable.length > 0, tags }, opts);
    const partition = partitionOf(settings.region);
    const containers = new Map<string, ContainerService>();
    const jobs = new Map<string, ScheduledJob>();
    const of = (name: string) => containers.get(name) as ContainerService;
    const jobOf = (name: string) => jobs.get(name) as ScheduledJob;
    for (const svc of settings.services) {
        const kind = SERVICE_KINDS[svc.exposure];
        const ecr = svc.imageRef.ecr;
        const lb = edge.loadBalancerOf(svc);
        const attachment = lb?.attachmentFor(svc.name);
        // Blue/green where ECS can shift traffic: the ALB's services. Others roll (README "Several services").
        // A service's own deployment keys may make it roll in a stack that shifts traffic (never the reverse: stacks/deployment.ts).
        const serviceBlueGreen = shiftsTraffic(svc.deployment.strategy) && kind.blueGreen && attachment?.blueGreen !== undefined;
        // The database's credentials reach the container by valueFrom from RDS's own secret; where it is, in plain variables.
        const usesDatabase = database && svc.uses.includes("database");
        const rotating = usesDatabase && database.passwordRotationDays > 0;
        const usesAssets = assets && svc.uses.includes("assets");
        const task = {
            nameParts: [app, env, svc.name] as [string, string, string],
            region: settings.region,
            cluster: { arn: cluster.cluster.arn, name: cluster.cluster.name, ready: cluster.capacityProviders },
            image: svc.image,
            ecrRepositoryArn: ecr ? `arn:${partition}:ecr:${ecr.region}:${ecr.accountId}:repository/${svc.imageRef.repository}` : undefined,
            cpu: svc.cpu,
            memory: svc.memory,
            cpuArchitecture: svc.cpuArchitecture,
            containerPort: svc.containerPort,
            environment: svc.environment,
            secrets: svc.secrets,
            secretReferences: usesDatabase
                ? {
                      DATABASE_USER: { secretArn: database.component.secretArn, jsonKey: "username" },
                      DATABASE_PASSWORD: { secretArn: database.component.secretArn, jsonKey: "password" },
                  }
                : undefined,
            resolvedEnvironment: {
                ...messages.variablesOf(svc),
                ...(usesDatabase
                    ? {
                          DATABASE_ENGINE: database.engine,
                          DATABASE_HOST: database.component.instance.address,
                          DATABASE_PORT: String(database.port),
                          DATABASE_NAME: database.databaseName,
                          // With rotation on, the app re-reads the secret when a login fails.
                          ...(rotating ? { DATABASE_SECRET_ARN: database.component.secretArn } : {}),
                      }
                    : {}),
            },
            taskPolicyStatements: [
                ...messages.statementsOf(svc),
                ...(usesAssets ? assets.readStatements() : []),
                ...(rotating
                    ? [{ Sid: "ReadDatabaseSecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: database.component.secretArn }]
                    : []),
            ],
            logRetentionDays: svc.logRetentionDays,
            command: svc.command,
        };
        if (isJob(svc)) {
            const job = svc.messaging.job as NonNullable<ServiceSettings["messaging"]["job"]>;
            jobs.set(
                svc.name,
                new ScheduledJob(
                    `${prefix}-${svc.name}`,
                    {
                        ...task,
                        // The run's result is its one container's exit code: no tracing sidecar.
                        tracing: false,
                        stopTimeoutSeconds: svc.stopTimeoutSeconds,
                        accountId: settings.accountId,
                        cluster: { arn: cluster.cluster.arn, name: cluster.cluster.name },
                        vpcId: net.vpc.id,
                        subnetIds: svc.taskSubnets === "public" ? net.publicSubnetIds : net.privateSubnetIds,
                        assignPublicIp: svc.taskSubnets === "public",
                        spot: svc.spot,
                        scheduleExpression: job.scheduleExpression,
                        timeoutMinutes: job.timeoutMinutes,
                        retries: job.retries,
                        alarmTopic: { arn: alarms.topic.arn, key: messages.key },
                        permissionsBoundary: settings.permissionsBoundaryArn,
                        tags,
                    },
                    opts,
                ),
            );
            continue;
        }
        const queue = messages.queues.get(svc.name);
        const backlog = svc.messaging.backlog;
        containers.set(
            svc.name,
            new ContainerService(
                `${prefix}-${svc.name}`,
                {
                    ...task,
                    vpcId: net.vpc.id,
                    subnetIds: svc.taskSubnets === "public" ? net.publicSubnetIds : net.privateSubnetIds,
                    assignPublicIp: svc.taskSubnets === "public",
                    loadBalancer: attachment,
                    serviceConnect:
                        cluster.namespace && (kind.discoverable || svc.calls.length > 0)
                            ? { namespaceArn: cluster.namespace.arn, discoveryName: kind.discoverable ? svc.name : undefined }
                            : undefined,
                    deployment: serviceBlueGreen
                        ? deploymentArgs(svc.deployment, svc.name === smoked?.name ? smokeTest?.function.arn : undefined)
                        : { strategy: "rolling" },
                    rollbackAlarms: { fiveXxPercent: deployment.rollbackOn5xxPercent, p99LatencyMs: deployment.rollbackOnP99LatencyMs },
                    alarmTopicArn: alarms.topic.arn,
                    minTasks: svc.minTasks,
                    maxTasks: svc.maxTasks,
                    cpuTargetPercent: svc.cpuTargetPercent,
                    memoryTargetPercent: svc.memoryTargetPercent,
                    spot: svc.spot,
                    healthCheckGracePeriodSeconds: svc.healthCheckGracePeriodSeconds,
                    backlog:
                        queue && backlog ? { queueName: queue.queue.name, messagesPerTask: backlog.messagesPerTask, idleMinutes: IDLE_MINUTES } : undefined,
                    stopTimeoutSeconds: svc.stopTimeoutSeconds,
                    steadyStateTimeoutMinutes: steadyStateTimeoutMinutes(rolloutPath({ ...settings, deployment: svc.deployment })),
                    tracing: settings.monitoring.tracing,
                    permissionsBoundary: settings.permissionsBoundaryArn,
                    tags,
                },
                { ...opts, dependsOn: lb ? [...lb.listenersFor(svc.name)] : [] },
            ),
        );
    }
    admitCallers(settings, discoverable, of);
    const groupOf = (name: string) => (containers.get(name) ?? jobOf(name)).securityGroup.id;

    // The database admits exactly the services that declare they use it.
    if (database) for (const svc of settings.services.filter((s) => s.uses.includes("database"))) database.component.allowFrom(svc.name, groupOf(svc.name));
    return { cluster, of, jobOf };
}

/** Minutes a worker's queue stays empty before a worker with minTasks 0 stops its last task: the scale-in cool-down. */
export const IDLE_MINUTES = 15;

/** A discoverable (internal) service admits exactly the services that declare they call it, on its port. */
function admitCallers(settings: Settings, callees: readonly ServiceSettings[], of: (name: string) => ContainerService): void {
    const prefix = `${settings.app}-${settings.env}`;
    for (const svc of callees) {
        const callee = of(svc.name);
        for (const caller of settings.services.filter((s) => s.calls.includes(svc.name))) {
            new aws.vpc.SecurityGroupIngressRule(
                `${prefix}-${svc.name}-from-${caller.name}`,
                {
                    securityGroupId: callee.securityGroup.id,
                    referencedSecurityGroupId: of(caller.name).securityGroup.id,
                    ipProtocol: "tcp",
                    fromPort: svc.containerPort,
                    toPort: svc.containerPort,
                    description: `${caller.name} calls ${svc.name} (Service Connect)`,
                    tags: settings.tags,
                },
                { parent: callee },
            );
        }
    }
}

/** The stack's deployment settings as one traffic-shifting service's ContainerService deployment. */
export function deploymentArgs(d: DeploymentSettings, smokeTestFunctionArn: pulumi.Input<string> | undefined): DeploymentArgs {
    const shared = {
        bakeTimeMinutes: d.bakeTimeMinutes,
        smokeTestFunctionArn,
        approvalTimeoutMinutes: d.approvalTimeoutMinutes > 0 ? d.approvalTimeoutMinutes : undefined,
    };
    if (d.strategy === "canary") return { strategy: "canary", canaryPercent: d.canaryPercent, intervalMinutes: d.shiftIntervalMinutes, ...shared };
    if (d.strategy === "linear") return { strategy: "linear", stepPercent: d.linearStepPercent, intervalMinutes: d.shiftIntervalMinutes, ...shared };
    return { strategy: "blueGreen", ...shared };
}
