import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { partitionOf, physicalName, stateMachineArn } from "../lib/aws";
import { FargateTask, FargateTaskArgs, taskSecurityGroup, validateFargateTaskArgs } from "./fargateTask";
import { TopicKey, topicKeyStatement } from "./messageTopic";

export const SCHEDULED_JOB_TYPE = "shipyard:jobs:ScheduledJob";

/** Seconds before a failed attempt is retried, doubled for each further one (the state machine's Retry). */
export const JOB_RETRY_INTERVAL_SECONDS = 60;
export const JOB_RETRY_BACKOFF = 2;
/** The Fail state's error for a run whose container exited with a code other than 0. */
export const NON_ZERO_EXIT = "Job.NonZeroExit";

export interface ScheduledJobArgs extends FargateTaskArgs {
    readonly accountId: string;
    /** The environment's cluster. */
    readonly cluster: { readonly arn: pulumi.Input<string>; readonly name: pulumi.Input<string> };
    readonly vpcId: pulumi.Input<string>;
    readonly subnetIds: pulumi.Input<string>[];
    readonly assignPublicIp: boolean;
    /** Run on Fargate Spot (an interrupted run fails and is retried). */
    readonly spot: boolean;
    /** EventBridge Scheduler's expression, `cron(...)` or `rate(...)`, in UTC. */
    readonly scheduleExpression: string;
    /** Minutes after which an attempt's task is stopped and the attempt fails. */
    readonly timeoutMinutes: number;
    /** Attempts after a failed one. */
    readonly retries: number;
    /** Where a failed run is reported, and the key it is encrypted with. */
    readonly alarmTopic: { readonly arn: pulumi.Input<string>; readonly key: TopicKey };
}

export function validateScheduledJobArgs(args: ScheduledJobArgs): void {
    validateFargateTaskArgs(args, "ScheduledJob");
    if (!/^(cron|rate)\(.+\)$/.test(args.scheduleExpression))
        throw new Error(`ScheduledJob: scheduleExpression must be cron(...) or rate(...), got ${args.scheduleExpression}`);
    if (!Number.isInteger(args.timeoutMinutes) || args.timeoutMinutes < 1)
        throw new Error(`ScheduledJob: timeoutMinutes must be a whole number of 1 or more, got ${args.timeoutMinutes}`);
    if (!Number.isInteger(args.retries) || args.retries < 0) throw new Error(`ScheduledJob: retries must be a whole number of 0 or more, got ${args.retries}`);
    if (args.tracing) throw new Error("ScheduledJob: no tracing sidecar: the run's result is its one container's exit code");
}

/**
 * The Amazon States Language definition of one job's runs: an attempt runs the task and waits for it
 * to stop (`ecs:runTask.sync`, which stops the task when the attempt's TimeoutSeconds pass), then
 * fails unless its container exited 0; failed attempts are retried `retries` times; a run that
 * still fails publishes an alarm-shaped notification (the alarm notifier posts it like any alarm)
 * with the job's name and the reason, and the execution fails (ExecutionsFailed on the dashboard).
 */
export function jobDefinition(p: {
    readonly job: string;
    readonly env: string;
    readonly alarmName: string;
    readonly region: string;
    readonly accountId: string;
    readonly clusterArn: string;
    readonly taskDefinitionArn: string;
    readonly subnetIds: readonly string[];
    readonly securityGroupId: string;
    readonly assignPublicIp: boolean;
    readonly spot: boolean;
    readonly timeoutMinutes: number;
    readonly retries: number;
    readonly alarmTopicArn: string;
}): Record<string, unknown> {
    return {
        Comment: `${p.job} in ${p.env}: one run, at most ${p.retries + 1} attempts of ${p.timeoutMinutes} minutes`,
        StartAt: "Attempt",
        States: {
            Attempt: {
                Type: "Parallel",
                Branches: [
                    {
                        StartAt: "RunTask",
                        States: {
                            RunTask: {
                                Type: "Task",
                                Resource: `arn:${partitionOf(p.region)}:states:::ecs:runTask.sync`,
                                Parameters: {
                                    Cluster: p.clusterArn,
                                    TaskDefinition: p.taskDefinitionArn,
                                    CapacityProviderStrategy: [{ CapacityProvider: p.spot ? "FARGATE_SPOT" : "FARGATE", Weight: 1 }],
                                    NetworkConfiguration: {
                                        AwsvpcConfiguration: {
                                            Subnets: [...p.subnetIds],
                                            SecurityGroups: [p.securityGroupId],
                                            AssignPublicIp: p.assignPublicIp ? "ENABLED" : "DISABLED",
                                        },
                                    },
                                    PropagateTags: "TASK_DEFINITION",
                                    "StartedBy.$": "States.Format('run {}', $$.Execution.Name)",
                                },
                                TimeoutSeconds: p.timeoutMinutes * 60,
                                Next: "ExitedZero",
                            },
                            ExitedZero: {
                                Type: "Choice",
                                Choices: [
                                    {
                                        And: [
                                            { Variable: "$.Containers[0].ExitCode", IsPresent: true },
                                            { Variable: "$.Containers[0].ExitCode", NumericEquals: 0 },
                                        ],
                                        Next: "Done",
                                    },
                                ],
                                Default: "ExitedNonZero",
                            },
                            ExitedNonZero: {
                                Type: "Fail",
                                Error: NON_ZERO_EXIT,
                                CausePath: "States.Format('the task stopped ({}): {}', $.StopCode, $.StoppedReason)",
                            },
                            Done: { Type: "Succeed" },
                        },
                    },
                ],
                Retry: [{ ErrorEquals: ["States.ALL"], IntervalSeconds: JOB_RETRY_INTERVAL_SECONDS, BackoffRate: JOB_RETRY_BACKOFF, MaxAttempts: p.retries }],
                Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Describe" }],
                End: true,
            },
            // The notification, in the shape of a CloudWatch alarm's, so the alarm notifier posts it like one.
            Describe: {
                Type: "Pass",
                Parameters: {
                    AlarmName: p.alarmName,
                    AlarmDescription: `${p.job} in ${p.env}: a scheduled run failed (non-zero exit, timeout or failing to start) after ${p.retries + 1} attempts`,
                    AWSAccountId: p.accountId,
                    AlarmArn: `arn:${partitionOf(p.region)}:cloudwatch:${p.region}:${p.accountId}:alarm:${p.alarmName}`,
                    NewStateValue: "ALARM",
                    OldStateValue: "OK",
                    "NewStateReason.$": "States.Format('{}: {} (execution {})', $.error.Error, $.error.Cause, $$.Execution.Name)",
                    "StateChangeTime.$": "$$.State.EnteredTime",
                },
                ResultPath: "$.notification",
                Next: "Notify",
            },
            Notify: {
                Type: "Task",
                Resource: `arn:${partitionOf(p.region)}:states:::sns:publish`,
                Parameters: {
                    TopicArn: p.alarmTopicArn,
                    "Message.$": "States.JsonToString($.notification)",
                },
                Next: "Failed",
            },
            Failed: { Type: "Fail", Error: "Job.Failed", Cause: `${p.job} failed after ${p.retries + 1} attempts; the alarm topic has the reason` },
        },
    };
}

/**
 * A service that runs on a schedule (`expose: job`): its task ({@link FargateTask}: same image,
 * variables and secrets as any service), a security group admitting nothing, a Step Functions
 * state machine that runs one attempt after another ({@link jobDefinition}), and the EventBridge
 * Scheduler schedule that starts it. Each of the two has a role of its own: the state machine's
 * may run exactly this task definition in the environment's cluster, pass exactly its two roles to
 * ECS tasks, and publish to the alarm topic; the schedule's may start exactly this state machine.
 */
export class ScheduledJob extends pulumi.ComponentResource {
    readonly logGroup: aws.cloudwatch.LogGroup;
    readonly executionRole: aws.iam.Role;
    readonly taskRole: aws.iam.Role;
    readonly taskDefinition: aws.ecs.TaskDefinition;
    readonly securityGroup: aws.ec2.SecurityGroup;
    readonly stateMachine: aws.sfn.StateMachine;
    /** The state machine's ARN, known before it exists (Step Functions' StateMachineArn dimension, `release run-job`). */
    readonly stateMachineArn: string;
    readonly schedule: aws.scheduler.Schedule;

    constructor(name: string, args: ScheduledJobArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super(SCHEDULED_JOB_TYPE, name, {}, opts);
        validateScheduledJobArgs(args);
        const [app, env, job] = args.nameParts;
        const child = { parent: this };
        const tags = args.tags;
        const partition = partitionOf(args.region);
        const { region, accountId } = args;

        const task = new FargateTask(name, { ...args, healthCheckCommand: null }, this, "ScheduledJob");
        this.logGroup = task.logGroup;
        this.executionRole = task.executionRole;
        this.taskRole = task.taskRole;
        this.taskDefinition = task.taskDefinition;

        this.securityGroup = taskSecurityGroup(name, args, `${job} job tasks: no inbound traffic`, this);

        const machineName = physicalName([app, env, job], 80);
        this.stateMachineArn = stateMachineArn(partition, region, accountId, machineName);
        const role = (suffix: string, service: string, description: string) =>
            new aws.iam.Role(
                `${name}-${suffix}`,
                {
                    name: physicalName([app, env, job, suffix], 64),
                    description,
                    permissionsBoundary: args.permissionsBoundary,
                    assumeRolePolicy: JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [
                            {
                                Effect: "Allow",
                                Principal: { Service: service },
                                Action: "sts:AssumeRole",
                                Condition: { StringEquals: { "aws:SourceAccount": accountId } },
                            },
                        ],
                    }),
                    tags,
                },
                child,
            );
        const runner = role("runner", "states.amazonaws.com", `Step Functions runs ${job} in ${env}: its task, its two roles, failures to the alarm topic`);
        const family = physicalName([app, env, job], 255);
        new aws.iam.RolePolicy(
            `${name}-runner`,
            {
                role: runner.id,
                policy: pulumi.jsonStringify({
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Sid: "RunOwnTask",
                            Effect: "Allow",
                            Action: "ecs:RunTask",
                            Resource: `arn:${partition}:ecs:${region}:${accountId}:task-definition/${family}:*`,
                            Condition: { ArnEquals: { "ecs:cluster": args.cluster.arn } },
                        },
                        {
                            // What runTask.sync does to wait for the task and to stop it at the timeout.
                            Sid: "WatchAndStopOwnTasks",
                            Effect: "Allow",
                            Action: ["ecs:DescribeTasks", "ecs:StopTask"],
                            Resource: pulumi.interpolate`arn:${partition}:ecs:${region}:${accountId}:task/${args.cluster.name}/*`,
                        },
                        {
                            Sid: "PassOwnTaskRoles",
                            Effect: "Allow",
                            Action: "iam:PassRole",
                            Resource: [this.executionRole.arn, this.taskRole.arn],
                            Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
                        },
                        {
                            // The managed rule through which Step Functions learns that an ECS task stopped.
                            Sid: "EcsTaskEvents",
                            Effect: "Allow",
                            Action: ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
                            Resource: `arn:${partition}:events:${region}:${accountId}:rule/StepFunctionsGetEventsForECSTaskRule`,
                        },
                        { Sid: "ReportFailedRuns", Effect: "Allow", Action: "sns:Publish", Resource: args.alarmTopic.arn },
                        topicKeyStatement(args.alarmTopic.key, [args.alarmTopic.arn], { region, accountId, partition }, "EncryptForAlarmTopic"),
                    ],
                }),
            },
            child,
        );

        const alarmName = physicalName([app, env, job, "run-failed"], 255);
        const definition = pulumi
            .all([args.cluster.arn, this.taskDefinition.arn, pulumi.all(args.subnetIds), this.securityGroup.id, pulumi.output(args.alarmTopic.arn)])
            .apply(([clusterArn, taskDefinitionArn, subnetIds, securityGroupId, alarmTopicArn]) => {
                const d = jobDefinition({
                    job,
                    env,
                    alarmName,
                    region,
                    accountId,
                    clusterArn,
                    taskDefinitionArn,
                    subnetIds,
                    securityGroupId,
                    assignPublicIp: args.assignPublicIp,
                    spot: args.spot,
                    timeoutMinutes: args.timeoutMinutes,
                    retries: args.retries,
                    alarmTopicArn,
                });
                return JSON.stringify(d);
            });
        this.stateMachine = new aws.sfn.StateMachine(
            `${name}-runs`,
            { name: machineName, type: "STANDARD", roleArn: runner.arn, definition, tags },
            { ...child, dependsOn: [runner] },
        );

        const starter = role("scheduler", "scheduler.amazonaws.com", `EventBridge Scheduler starts ${job}'s runs in ${env}`);
        new aws.iam.RolePolicy(
            `${name}-scheduler`,
            {
                role: starter.id,
                policy: pulumi.jsonStringify({
                    Version: "2012-10-17",
                    Statement: [{ Sid: "StartOwnRuns", Effect: "Allow", Action: "states:StartExecution", Resource: this.stateMachine.arn }],
                }),
            },
            child,
        );
        this.schedule = new aws.scheduler.Schedule(
            `${name}-schedule`,
            {
                name: physicalName([app, env, job], 64),
                groupName: "default",
                description: `Starts a run of ${job} in ${env}`,
                scheduleExpression: args.scheduleExpression,
                scheduleExpressionTimezone: "UTC",
                flexibleTimeWindow: { mode: "OFF" },
                state: "ENABLED",
                target: {
                    arn: this.stateMachine.arn,
                    roleArn: starter.arn,
                    input: "{}",
                    // Starting the execution failing (throttled, for instance): retried for an hour.
                    retryPolicy: { maximumRetryAttempts: 5, maximumEventAgeInSeconds: 3600 },
                },
            },
            child,
        );
        this.registerOutputs({ stateMachineArn: this.stateMachine.arn, scheduleName: this.schedule.name });
    }
}
