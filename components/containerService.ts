import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BACKLOG_PER_TASK, backlogAlarmQueries, backlogMetrics, fiveXxShare, p99LatencyMs, QUEUED_MESSAGES, WAITING_WITH_NO_TASK } from "../lib/alarmMath";
import { partitionOf, physicalName } from "../lib/aws";
import { FargateTask, FargateTaskArgs, taskSecurityGroup, validateFargateTaskArgs } from "./fargateTask";

export const CONTAINER_SERVICE_TYPE = "shipyard:ecs:ContainerService";

export interface ContainerServiceArgs extends FargateTaskArgs {
    /** The environment's cluster (`ServiceCluster`); the service waits for its capacity providers. */
    readonly cluster: { readonly arn: pulumi.Input<string>; readonly name: pulumi.Input<string>; readonly ready?: pulumi.Resource };
    /**
     * ECS Service Connect in the environment's namespace: every service that calls an internal one
     * joins as a client; an internal service also offers its port under `discoveryName`
     * (`http://<discoveryName>:<containerPort>`). @default none
     */
    readonly serviceConnect?: { readonly namespaceArn: pulumi.Input<string>; readonly discoveryName?: string };
    readonly vpcId: pulumi.Input<string>;
    /** Subnets the tasks run in. */
    readonly subnetIds: pulumi.Input<string>[];
    /**
     * Give each task a public IP. Only for subnets without a NAT route; the security group still
     * admits only the load balancer.
     */
    readonly assignPublicIp: boolean;
    /**
     * The load balancer in front: tasks register in its target group and admit only its security
     * group. Absent: no load balancer (an internal service admits its callers, added by the
     * program; a worker admits nothing).
     */
    readonly loadBalancer?: LoadBalancerAttachment;
    /** How releases replace tasks: rolling (100%/200%, circuit breaker with rollback) or blue/green. */
    readonly deployment: DeploymentArgs;
    /**
     * Deployment alarms (5xx share and p99 response time of the service's target groups): ECS
     * fails and rolls back a deploy during which one fires. Created with an application load balancer only.
     */
    readonly rollbackAlarms: { readonly fiveXxPercent: number; readonly p99LatencyMs: number };
    /**
     * Minutes `pulumi up` waits for the service to become stable after a change (a deploy): the
     * rollout's worst case plus margin, bake time included, so a long bake does not fail the update
     * (the provider's own 20 minutes would).
     */
    readonly steadyStateTimeoutMinutes: number;
    /** The topic the deployment alarms notify (ALARM and OK), so a rollback reaches the team too. @default none */
    readonly alarmTopicArn?: pulumi.Input<string>;
    /** Tasks kept running at least; the initial desired count. 0 only with `backlog`. */
    readonly minTasks: number;
    /** Upper bound for autoscaling. */
    readonly maxTasks: number;
    /** Average CPU percentage target tracking keeps. */
    readonly cpuTargetPercent: number;
    /** Average memory percentage target tracking keeps. */
    readonly memoryTargetPercent: number;
    /** Run on Fargate Spot instead of on-demand Fargate. */
    readonly spot: boolean;
    /** Seconds failing load balancer health checks are ignored after a task starts (with a load balancer only). */
    readonly healthCheckGracePeriodSeconds: number;
    /**
     * A queue worker scales on its queue's backlog instead of CPU and memory: target tracking on
     * messages per task, a step policy that starts tasks when messages wait and none runs (target
     * tracking cannot scale from zero), and, with minTasks 0, a step policy that stops every task
     * after `idleMinutes` of an empty queue. @default CPU and memory target tracking
     */
    readonly backlog?: BacklogScalingArgs;
}

export interface BacklogScalingArgs {
    /** The SQS queue's name (CloudWatch's QueueName dimension). */
    readonly queueName: pulumi.Input<string>;
    /** Messages one task should have at most: acceptable latency / seconds per message. */
    readonly messagesPerTask: number;
    /** Minutes the queue must stay empty before the worker scales in to minTasks 0; the cool-down. */
    readonly idleMinutes: number;
}

/**
 * A scaling alarm's name, `<app>-<env>-<service>-scale-<role>`: under the environment's prefix, where
 * its deploy role may manage alarms. It acts on its scaling policy only; the alarm notifier's
 * reminders leave such alarms out (functions/alarmNotifier/reminders.ts, isScalingTrigger).
 */
export function scalingAlarmName(parts: readonly string[]): string {
    const [app, env, svc, role] = parts;
    return physicalName([app, env, svc, "scale", role], 255);
}

/** Steps of the wake-up policy at most: one task per `messagesPerTask` waiting, up to this many tasks at once. */
export const WAKE_STEPS = 10;

export interface LoadBalancerAttachment {
    /**
     * application: HTTP metrics exist, so the deployment alarms (5xx share, p99) watch the service.
     * network: no HTTP metrics; the circuit breaker (failing health checks) rolls deploys back.
     */
    readonly kind: "application" | "network";
    readonly targetGroupArn: pulumi.Input<string>;
    readonly securityGroupId: pulumi.Input<string>;
    /** CloudWatch dimension values (`app/...`, `targetgroup/...`) for the deployment alarms. */
    readonly loadBalancerArnSuffix: pulumi.Input<string>;
    readonly targetGroupArnSuffix: pulumi.Input<string>;
    /** blueGreen: the listener resources ECS shifts; see LoadBalancedApp's `blueGreen`. */
    readonly blueGreen?: {
        readonly alternateTargetGroupArn: pulumi.Input<string>;
        readonly alternateTargetGroupArnSuffix: pulumi.Input<string>;
        readonly productionListenerRuleArn: pulumi.Input<string>;
        readonly testListenerRuleArn: pulumi.Input<string>;
    };
}

/** What blue/green, canary and linear share: the alternate target group, listener rules, hooks and bake time. */
interface TrafficShiftArgs {
    /** Minutes blue stays ready for an instant rollback after the switch (0-1440). */
    readonly bakeTimeMinutes: number;
    /** Lambda run after test traffic reaches green and before production does; FAILED rolls back. */
    readonly smokeTestFunctionArn?: pulumi.Input<string>;
    /** An ECS PAUSE hook after the test traffic shift: the deployment waits for a person (`release approve`), rolling back after this many minutes (1-20160). */
    readonly approvalTimeoutMinutes?: number;
}

export type DeploymentArgs =
    | { readonly strategy: "rolling" }
    | ({ readonly strategy: "blueGreen" } & TrafficShiftArgs)
    | ({
          readonly strategy: "canary";
          /** Percent of production traffic the canary takes first (ECS: 0.1-100). */
          readonly canaryPercent: number;
          /** Minutes before the rest moves (ECS: 0-1440). */
          readonly intervalMinutes: number;
      } & TrafficShiftArgs)
    | ({
          readonly strategy: "linear";
          /** Percent of production traffic per step (ECS: 3-100). */
          readonly stepPercent: number;
          /** Minutes between steps (ECS: 0-1440). */
          readonly intervalMinutes: number;
      } & TrafficShiftArgs);

const inside = (n: number, lo: number, hi: number) => Number.isFinite(n) && n >= lo && n <= hi;

export function validateContainerServiceArgs(args: ContainerServiceArgs): void {
    validateFargateTaskArgs(args, "ContainerService");
    const floor = args.backlog ? 0 : 1;
    if (args.minTasks < floor || args.maxTasks < Math.max(1, args.minTasks))
        throw new Error(
            `ContainerService: need ${floor} <= minTasks (${args.minTasks}) <= maxTasks (${args.maxTasks}), maxTasks at least 1 (minTasks 0 only with backlog scaling)`,
        );
    if (args.backlog && (!Number.isInteger(args.backlog.messagesPerTask) || args.backlog.messagesPerTask < 1))
        throw new Error(`ContainerService: backlog.messagesPerTask must be a whole number of 1 or more, got ${args.backlog.messagesPerTask}`);
    if (args.backlog && (!Number.isInteger(args.backlog.idleMinutes) || args.backlog.idleMinutes < 1 || args.backlog.idleMinutes > 1440))
        throw new Error(`ContainerService: backlog.idleMinutes must be 1-1440, got ${args.backlog.idleMinutes}`);
    const d = args.deployment;
    if (d && d.strategy !== "rolling") {
        if (!args.loadBalancer?.blueGreen)
            throw new Error(
                `ContainerService: deployment ${d.strategy} needs a load balancer with blue/green listeners (loadBalancer.blueGreen); a service without one can only roll`,
            );
        const bake = d.bakeTimeMinutes;
        if (!Number.isInteger(bake) || bake < 0 || bake > 1440) throw new Error(`ContainerService: bakeTimeMinutes must be 0-1440, got ${bake}`);
        if (d.strategy === "canary" && !inside(d.canaryPercent, 0.1, 100))
            throw new Error(`ContainerService: canaryPercent must be 0.1-100, got ${d.canaryPercent}`);
        if (d.strategy === "linear" && !inside(d.stepPercent, 3, 100)) throw new Error(`ContainerService: stepPercent must be 3-100, got ${d.stepPercent}`);
        if (d.strategy !== "blueGreen" && (!Number.isInteger(d.intervalMinutes) || !inside(d.intervalMinutes, 0, 1440)))
            throw new Error(`ContainerService: intervalMinutes must be 0-1440, got ${d.intervalMinutes}`);
        const pause = d.approvalTimeoutMinutes;
        if (pause !== undefined && (!Number.isInteger(pause) || !inside(pause, 1, 20160)))
            throw new Error(`ContainerService: approvalTimeoutMinutes must be 1-20160, got ${pause}`);
    }
}

/**
 * One Fargate service in the environment's cluster, behind a load balancer or none: its task
 * ({@link FargateTask}: log group, execution and task roles, secrets by `valueFrom`, read-only root
 * filesystem), its security group, tasks without public IPs unless asked, rolling deploys (100%/200%) with the
 * circuit breaker rolling back, or blue/green, Service Connect when it calls or is an internal
 * service, and target-tracking autoscaling on CPU and memory.
 */
export class ContainerService extends pulumi.ComponentResource {
    readonly logGroup: aws.cloudwatch.LogGroup;
    readonly executionRole: aws.iam.Role;
    readonly taskRole: aws.iam.Role;
    readonly taskDefinition: aws.ecs.TaskDefinition;
    readonly securityGroup: aws.ec2.SecurityGroup;
    readonly service: aws.ecs.Service;

    constructor(name: string, args: ContainerServiceArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super(CONTAINER_SERVICE_TYPE, name, {}, opts);
        validateContainerServiceArgs(args);
        const [app, env, svc] = args.nameParts;
        const spot = args.spot;
        const child = { parent: this };
        const tags = args.tags;

        // The task's own resources are this component's children, under the names they always had.
        const task = new FargateTask(name, args, this, "ContainerService");
        this.logGroup = task.logGroup;
        this.executionRole = task.executionRole;
        this.taskRole = task.taskRole;
        this.taskDefinition = task.taskDefinition;

        this.securityGroup = taskSecurityGroup(
            name,
            args,
            args.loadBalancer
                ? `${svc} tasks: in only from the load balancer`
                : args.serviceConnect?.discoveryName
                  ? `${svc} tasks: in only from the services that call it`
                  : `${svc} tasks: no inbound traffic`,
            this,
        );
        const lb = args.loadBalancer;
        if (lb) {
            new aws.vpc.SecurityGroupIngressRule(
                `${name}-from-lb`,
                {
                    securityGroupId: this.securityGroup.id,
                    referencedSecurityGroupId: lb.securityGroupId,
                    ipProtocol: "tcp",
                    fromPort: args.containerPort,
                    toPort: args.containerPort,
                    description: "Traffic and health checks from the load balancer",
                    tags,
                },
                child,
            );
            new aws.vpc.SecurityGroupEgressRule(
                `${name}-lb-to-tasks`,
                {
                    securityGroupId: lb.securityGroupId,
                    referencedSecurityGroupId: this.securityGroup.id,
                    ipProtocol: "tcp",
                    fromPort: args.containerPort,
                    toPort: args.containerPort,
                    description: `Load balancer to ${svc} tasks`,
                    tags,
                },
                child,
            );
        }

        const alarmNames = lb?.kind === "application" ? this.rollbackAlarms(name, lb, args, child) : [];
        const deployment = args.deployment;
        const blueGreen = deployment.strategy !== "rolling" ? { ...deployment, listeners: lb?.blueGreen } : undefined;
        const ecsRole = (role: string, description: string, policy: { managed?: string; inline?: pulumi.Input<string> }) => {
            const r = new aws.iam.Role(
                `${name}-${role}`,
                {
                    name: physicalName([app, env, svc, role], 64),
                    description,
                    permissionsBoundary: args.permissionsBoundary,
                    assumeRolePolicy: JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [{ Effect: "Allow", Principal: { Service: "ecs.amazonaws.com" }, Action: "sts:AssumeRole" }],
                    }),
                    tags,
                },
                child,
            );
            if (policy.managed) new aws.iam.RolePolicyAttachment(`${name}-${role}`, { role: r.name, policyArn: policy.managed }, child);
            if (policy.inline) new aws.iam.RolePolicy(`${name}-${role}`, { role: r.id, policy: policy.inline }, child);
            return r;
        };
        // The role ECS uses to move listener rules and (de)register targets during blue/green.
        const infrastructureRole = blueGreen
            ? ecsRole("ecs-lb", `ECS shifts ${svc}'s listener rules in ${env} during blue/green deployments`, {
                  managed: `arn:${partitionOf(args.region)}:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers`,
              })
            : undefined;
        // The role ECS uses to invoke the smoke test at its lifecycle stage; nothing else.
        const smokeTestArn = blueGreen?.smokeTestFunctionArn;
        const hookRole = smokeTestArn
            ? ecsRole("ecs-hook", `ECS invokes ${svc}'s smoke test in ${env} during blue/green deployments`, {
                  inline: pulumi.jsonStringify({
                      Version: "2012-10-17",
                      Statement: [{ Sid: "InvokeSmokeTest", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: smokeTestArn }],
                  }),
              })
            : undefined;
        this.service = new aws.ecs.Service(
            `${name}-service`,
            {
                name: physicalName([app, env, svc], 255),
                cluster: args.cluster.arn,
                taskDefinition: this.taskDefinition.arn,
                desiredCount: args.minTasks,
                capacityProviderStrategies: [{ capacityProvider: spot ? "FARGATE_SPOT" : "FARGATE", weight: 1, base: 0 }],
                platformVersion: "LATEST",
                networkConfiguration: {
                    subnets: args.subnetIds,
                    securityGroups: [this.securityGroup.id],
                    assignPublicIp: args.assignPublicIp,
                },
                loadBalancers: lb
                    ? [
                          {
                              targetGroupArn: lb.targetGroupArn,
                              containerName: svc,
                              containerPort: args.containerPort,
                              advancedConfiguration:
                                  blueGreen && lb.blueGreen && infrastructureRole
                                      ? {
                                            alternateTargetGroupArn: lb.blueGreen.alternateTargetGroupArn,
                                            productionListenerRule: lb.blueGreen.productionListenerRuleArn,
                                            testListenerRule: lb.blueGreen.testListenerRuleArn,
                                            roleArn: infrastructureRole.arn,
                                        }
                                      : undefined,
                          },
                      ]
                    : undefined,
                healthCheckGracePeriodSeconds: lb ? args.healthCheckGracePeriodSeconds : undefined,
                serviceConnectConfiguration: args.serviceConnect
                    ? {
                          enabled: true,
                          namespace: args.serviceConnect.namespaceArn,
                          services: args.serviceConnect.discoveryName
                              ? [
                                    {
                                        portName: "http",
                                        discoveryName: args.serviceConnect.discoveryName,
                                        clientAlias: [{ port: args.containerPort, dnsName: args.serviceConnect.discoveryName }],
                                    },
                                ]
                              : undefined,
                      }
                    : undefined,
                deploymentMinimumHealthyPercent: 100,
                deploymentMaximumPercent: 200,
                // The circuit breaker exists for rolling deployments only; blue/green relies on the
                // alarms, the lifecycle hook and the bake time.
                deploymentCircuitBreaker: blueGreen ? undefined : { enable: true, rollback: true },
                deploymentConfiguration: blueGreen
                    ? shiftConfiguration(blueGreen, smokeTestArn && hookRole ? { arn: smokeTestArn, roleArn: hookRole.arn } : undefined)
                    : { strategy: "ROLLING" },
                alarms: alarmNames.length > 0 ? { alarmNames, enable: true, rollback: true } : undefined,
                availabilityZoneRebalancing: "ENABLED",
                enableExecuteCommand: false,
                propagateTags: "SERVICE",
                enableEcsManagedTags: true,
                waitForSteadyState: true,
                tags,
            },
            {
                ...child,
                dependsOn: args.cluster.ready ? [args.cluster.ready] : [],
                // Autoscaling owns the running count after the first deploy.
                ignoreChanges: ["desiredCount"],
                customTimeouts: { create: `${args.steadyStateTimeoutMinutes}m`, update: `${args.steadyStateTimeoutMinutes}m` },
            },
        );

        const target = new aws.appautoscaling.Target(
            `${name}-scaling`,
            {
                serviceNamespace: "ecs",
                scalableDimension: "ecs:service:DesiredCount",
                resourceId: pulumi.interpolate`service/${args.cluster.name}/${this.service.name}`,
                minCapacity: args.minTasks,
                maxCapacity: args.maxTasks,
                tags,
            },
            child,
        );
        if (args.backlog) this.backlogScaling(name, target, args.backlog, args, child);
        else this.utilisationScaling(name, target, args, child);

        this.registerOutputs({
            serviceName: this.service.name,
            taskDefinitionArn: this.taskDefinition.arn,
        });
    }

    /** Target tracking on average CPU and memory. */
    private utilisationScaling(name: string, target: aws.appautoscaling.Target, args: ContainerServiceArgs, child: pulumi.CustomResourceOptions): void {
        const [app, env, svc] = args.nameParts;
        const trackers: [string, string, number][] = [
            ["cpu", "ECSServiceAverageCPUUtilization", args.cpuTargetPercent],
            ["memory", "ECSServiceAverageMemoryUtilization", args.memoryTargetPercent],
        ];
        for (const [role, metric, targetValue] of trackers) {
            new aws.appautoscaling.Policy(
                `${name}-scale-${role}`,
                {
                    name: physicalName([app, env, svc, role], 255),
                    policyType: "TargetTrackingScaling",
                    serviceNamespace: target.serviceNamespace,
                    scalableDimension: target.scalableDimension,
                    resourceId: target.resourceId,
                    targetTrackingScalingPolicyConfiguration: {
                        predefinedMetricSpecification: { predefinedMetricType: metric },
                        targetValue,
                        // Scale out within a minute of load, scale in slowly to avoid flapping.
                        scaleOutCooldown: 60,
                        scaleInCooldown: 300,
                    },
                },
                child,
            );
        }
    }

    /**
     * Scaling on the queue's backlog (README "Queue workers"): target tracking keeps the backlog per
     * task at messagesPerTask; a step policy wakes a worker at zero tasks (one task per
     * messagesPerTask waiting, from the first message); with minTasks 0, another stops every task
     * once the queue was empty for idleMinutes. CPU and memory do not scale a queue worker: a scale
     * in needs every policy to agree, and an idle CPU would not say when messages wait.
     */
    private backlogScaling(
        name: string,
        target: aws.appautoscaling.Target,
        backlog: BacklogScalingArgs,
        args: ContainerServiceArgs,
        child: pulumi.CustomResourceOptions,
    ): void {
        const [app, env, svc] = args.nameParts;
        const source = { queueName: backlog.queueName, clusterName: args.cluster.name, serviceName: this.service.name };
        const scalable = { serviceNamespace: target.serviceNamespace, scalableDimension: target.scalableDimension, resourceId: target.resourceId };
        new aws.appautoscaling.Policy(
            `${name}-scale-backlog`,
            {
                name: physicalName([app, env, svc, "backlog"], 255),
                policyType: "TargetTrackingScaling",
                ...scalable,
                targetTrackingScalingPolicyConfiguration: {
                    customizedMetricSpecification: {
                        metrics: [
                            ...backlogMetrics(source).map((m) => ({
                                id: m.id,
                                returnData: false,
                                metricStat: {
                                    stat: m.stat,
                                    metric: {
                                        namespace: m.namespace,
                                        metricName: m.metricName,
                                        dimensions: Object.entries(m.dimensions).map(([n, value]) => ({ name: n, value })),
                                    },
                                },
                            })),
                            { id: "backlog", label: "messages per running task", returnData: true, expression: BACKLOG_PER_TASK },
                        ],
                    },
                    targetValue: backlog.messagesPerTask,
                    scaleOutCooldown: 60,
                    scaleInCooldown: 300,
                },
            },
            child,
        );
        // A step policy setting an exact count, and the alarm that triggers it: named outside the
        // alarm topic's prefix, acting on the policy only (scalingAlarmName).
        const trigger = (
            role: string,
            stepAdjustments: aws.types.input.appautoscaling.PolicyStepScalingPolicyConfigurationStepAdjustment[],
            alarm: {
                description: string;
                comparison: string;
                threshold: number;
                minutes: number;
                missing: string;
                queries: ReturnType<typeof backlogAlarmQueries>;
            },
        ) => {
            const policy = new aws.appautoscaling.Policy(
                `${name}-scale-${role}`,
                {
                    name: physicalName([app, env, svc, role], 255),
                    policyType: "StepScaling",
                    ...scalable,
                    stepScalingPolicyConfiguration: { adjustmentType: "ExactCapacity", cooldown: 60, metricAggregationType: "Maximum", stepAdjustments },
                },
                child,
            );
            new aws.cloudwatch.MetricAlarm(
                `${name}-${role}`,
                {
                    name: scalingAlarmName([app, env, svc, role]),
                    alarmDescription: alarm.description,
                    comparisonOperator: alarm.comparison,
                    threshold: alarm.threshold,
                    evaluationPeriods: alarm.minutes,
                    datapointsToAlarm: alarm.minutes,
                    treatMissingData: alarm.missing,
                    metricQueries: alarm.queries,
                    alarmActions: [policy.arn],
                    tags: args.tags,
                },
                child,
            );
        };
        // From zero: ExactCapacity k while k-1 to k times messagesPerTask messages wait (AWS: a
        // step's lower bound is inclusive, its upper bound exclusive, both relative to the threshold 0).
        const steps = Math.min(args.maxTasks, WAKE_STEPS);
        trigger(
            "wake",
            Array.from({ length: steps }, (_, i) => ({
                metricIntervalLowerBound: String(i * backlog.messagesPerTask),
                metricIntervalUpperBound: i === steps - 1 ? undefined : String((i + 1) * backlog.messagesPerTask),
                scalingAdjustment: i + 1,
            })),
            {
                description: `${svc} in ${env}: messages wait and no task runs; starts tasks (scaling, not a problem)`,
                comparison: "GreaterThanThreshold",
                threshold: 0,
                minutes: 1,
                // An idle queue sends no metrics: the first message's datapoint is what wakes the worker.
                missing: "notBreaching",
                queries: backlogAlarmQueries(source, "waiting", "messages waiting with no task running", WAITING_WITH_NO_TASK),
            },
        );
        if (args.minTasks > 0) return;
        // Below the threshold 1 (the queue is empty) for idleMinutes: no task.
        trigger("idle", [{ metricIntervalUpperBound: "0", scalingAdjustment: 0 }], {
            description: `${svc} in ${env}: the queue was empty for ${backlog.idleMinutes} minutes; stops every task (scaling, not a problem)`,
            comparison: "LessThanThreshold",
            threshold: 1,
            minutes: backlog.idleMinutes,
            // An inactive queue sends no metrics: that is an empty queue.
            missing: "breaching",
            queries: backlogAlarmQueries(source, "queued", "messages in the queue", QUEUED_MESSAGES),
        });
    }

    /**
     * The alarms ECS watches during a deployment (and its bake time): the share of 5xx responses
     * and the p99 response time across the service's target groups (both of them under
     * blue/green, so whichever holds green is watched). Returns their names.
     */
    private rollbackAlarms(name: string, lb: LoadBalancerAttachment, args: ContainerServiceArgs, child: pulumi.CustomResourceOptions): string[] {
        const [app, env, svc] = args.nameParts;
        const limits = args.rollbackAlarms;
        const targets = {
            loadBalancer: lb.loadBalancerArnSuffix,
            targetGroups: [lb.targetGroupArnSuffix, ...(lb.blueGreen ? [lb.blueGreen.alternateTargetGroupArnSuffix] : [])],
        };
        const actions = args.alarmTopicArn ? [args.alarmTopicArn] : [];
        const common = {
            alarmActions: actions,
            okActions: actions,
            comparisonOperator: "GreaterThanThreshold",
            evaluationPeriods: 3,
            datapointsToAlarm: 2,
            // No traffic is not a failure: a quiet service must still be deployable.
            treatMissingData: "notBreaching",
            tags: args.tags,
        };
        const fiveXx = physicalName([app, env, svc, "deploy-5xx"], 255);
        new aws.cloudwatch.MetricAlarm(
            `${name}-deploy-5xx`,
            {
                ...common,
                name: fiveXx,
                alarmDescription: `${svc} in ${env}: over ${limits.fiveXxPercent}% of responses are 5xx; rolls a deployment back`,
                threshold: limits.fiveXxPercent,
                // What the deployment changed: the targets' own 5xx, not the load balancer's.
                metricQueries: fiveXxShare(targets, "targets"),
            },
            child,
        );
        const latency = physicalName([app, env, svc, "deploy-p99"], 255);
        new aws.cloudwatch.MetricAlarm(
            `${name}-deploy-p99`,
            {
                ...common,
                name: latency,
                alarmDescription: `${svc} in ${env}: p99 response time over ${limits.p99LatencyMs} ms; rolls a deployment back`,
                threshold: limits.p99LatencyMs,
                metricQueries: p99LatencyMs(targets),
            },
            child,
        );
        return [fiveXx, latency];
    }
}

/**
 * ECS's deploymentConfiguration for blue/green, canary and linear: the strategy, its traffic steps,
 * the bake time, and the hooks after the test traffic shift: the smoke test (a Lambda), then the
 * approval pause (an ECS PAUSE hook, resumed by `release approve`, rolled back at its timeout).
 */
export function shiftConfiguration(
    d: Exclude<DeploymentArgs, { strategy: "rolling" }>,
    smokeTest: { arn: pulumi.Input<string>; roleArn: pulumi.Input<string> } | undefined,
): aws.types.input.ecs.ServiceDeploymentConfiguration {
    const hooks: aws.types.input.ecs.ServiceDeploymentConfigurationLifecycleHook[] = [];
    if (smokeTest) hooks.push({ hookTargetArn: smokeTest.arn, roleArn: smokeTest.roleArn, lifecycleStages: ["POST_TEST_TRAFFIC_SHIFT"] });
    if (d.approvalTimeoutMinutes !== undefined)
        hooks.push({
            targetType: "PAUSE",
            lifecycleStages: ["POST_TEST_TRAFFIC_SHIFT"],
            timeoutConfiguration: { action: "ROLLBACK", timeoutInMinutes: String(d.approvalTimeoutMinutes) },
        });
    return {
        strategy: d.strategy === "blueGreen" ? "BLUE_GREEN" : d.strategy === "canary" ? "CANARY" : "LINEAR",
        bakeTimeInMinutes: String(d.bakeTimeMinutes),
        canaryConfiguration: d.strategy === "canary" ? { canaryPercent: d.canaryPercent, canaryBakeTimeInMinutes: String(d.intervalMinutes) } : undefined,
        linearConfiguration: d.strategy === "linear" ? { stepPercent: d.stepPercent, stepBakeTimeInMinutes: String(d.intervalMinutes) } : undefined,
        lifecycleHooks: hooks.length > 0 ? hooks : undefined,
    };
}
