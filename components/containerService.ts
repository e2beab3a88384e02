import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { fiveXxShare, p99LatencyMs } from "../lib/alarmMath";
import { ENV_NAME, FARGATE_SIZES, partitionOf, physicalName } from "../lib/aws";

export const CONTAINER_SERVICE_TYPE = "shipyard:ecs:ContainerService";

/** Docker label whose value changes whenever a secret's value changes (see below). */
export const SECRET_VERSIONS_LABEL = "shipyard.secret-versions";

/**
 * The OpenTelemetry collector of the tracing sidecar: AWS Distro for OpenTelemetry, pinned (bump it
 * deliberately), with its built-in X-Ray-only configuration (OTLP in on the default ports, traces
 * out to X-Ray, no metrics).
 */
export const OTEL_COLLECTOR_IMAGE = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3";
export const OTEL_COLLECTOR_CONFIG = "/etc/ecs/ecs-xray.yaml";

export interface ContainerServiceArgs {
    /** Parts of physical names, `[app, env, service]`. */
    readonly nameParts: readonly [string, string, string];
    /** The stack's region, for the log driver. */
    readonly region: string;
    /** The environment's cluster (`ServiceCluster`); the service waits for its capacity providers. */
    readonly cluster: { readonly arn: pulumi.Input<string>; readonly name: pulumi.Input<string>; readonly ready?: pulumi.Resource };
    /**
     * ECS Service Connect in the environment's namespace: every service that calls an internal one
     * joins as a client; an internal service also offers its port under `discoveryName`
     * (`http://<discoveryName>:<containerPort>`). @default none
     */
    readonly serviceConnect?: { readonly namespaceArn: pulumi.Input<string>; readonly discoveryName?: string };
    /** Full image reference, ideally pinned by digest. */
    readonly image: string;
    /**
     * ARN of the ECR repository the image comes from. When set, the execution role may pull
     * from exactly that repository; when absent (a public registry), it gets no ECR rights.
     */
    readonly ecrRepositoryArn?: string;
    /** Task CPU units and memory (MiB); a pair Fargate supports. */
    readonly cpu: number;
    readonly memory: number;
    readonly cpuArchitecture: "X86_64" | "ARM64";
    readonly containerPort: number;
    /** Plain environment variables, passed as they are. */
    readonly environment: Readonly<Record<string, string>>;
    /**
     * Secret environment variables. Each is stored as an SSM SecureString parameter and reaches
     * the container by `valueFrom`; the execution role may read exactly these parameters.
     * @default {}
     */
    readonly secrets?: Readonly<Record<string, pulumi.Input<string>>>;
    /**
     * Secret variables whose values live in Secrets Manager already (the database's master user
     * secret, kept by RDS): passed by `valueFrom` (`<arn>:<jsonKey>::`), and the execution role may
     * read exactly these secrets. @default {}
     * @example { DATABASE_PASSWORD: { secretArn: db.secretArn, jsonKey: "password" } }
     */
    readonly secretReferences?: Readonly<Record<string, SecretReference>>;
    /** Plain variables known only once other resources exist (a database's address). @default {} */
    readonly resolvedEnvironment?: Readonly<Record<string, pulumi.Input<string>>>;
    /**
     * What the application itself may do, as IAM statements of its task role (reading the assets
     * bucket). @default none
     */
    readonly taskPolicyStatements?: readonly pulumi.Input<Record<string, unknown>>[];
    /** Days the container log group keeps logs. */
    readonly logRetentionDays: number;
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
    /** Tasks kept running at least; the initial desired count. */
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
    /** Seconds between SIGTERM and SIGKILL. */
    readonly stopTimeoutSeconds: number;
    /**
     * The container's own health check command, run inside the container.
     * @default ["CMD", "node", "dist/healthcheck.js"] (the sample app's checker; no curl needed)
     */
    readonly healthCheckCommand?: readonly string[];
    /**
     * Tracing: an AWS Distro for OpenTelemetry collector beside the app, which receives OTLP on
     * localhost:4317/4318 and sends traces to AWS X-Ray; the app gets the standard OTEL_* variables
     * and the task role may write to X-Ray. The app must use an OpenTelemetry SDK to emit spans.
     */
    readonly tracing: boolean;
    /**
     * ARN of the permissions boundary every IAM role of this component carries (the bootstrap's
     * `<app>-<env>-boundary`): a deploy role may create roles only with it, so no role it creates
     * can hold more than the boundary allows. @default none
     */
    readonly permissionsBoundary?: pulumi.Input<string>;
    readonly tags: Readonly<Record<string, string>>;
}

/** A secret kept in Secrets Manager, or one key of its JSON value. */
export interface SecretReference {
    readonly secretArn: pulumi.Input<string>;
    /** @default the whole value */
    readonly jsonKey?: string;
}

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

export type DeploymentArgs =
    | { readonly strategy: "rolling" }
    | {
          readonly strategy: "blueGreen";
          /** Minutes blue stays ready for an instant rollback after the switch (0-1440). */
          readonly bakeTimeMinutes: number;
          /** Lambda run after test traffic reaches green and before production does; FAILED rolls back. */
          readonly smokeTestFunctionArn?: pulumi.Input<string>;
      };

export function validateContainerServiceArgs(args: ContainerServiceArgs): void {
    const allowed = FARGATE_SIZES[args.cpu];
    if (!allowed?.includes(args.memory)) throw new Error(`ContainerService: cpu ${args.cpu} with memory ${args.memory} is not a Fargate task size`);
    if (args.minTasks < 1 || args.maxTasks < args.minTasks)
        throw new Error(`ContainerService: need 1 <= minTasks (${args.minTasks}) <= maxTasks (${args.maxTasks})`);
    const names = [
        ...Object.keys(args.environment),
        ...Object.keys(args.secrets ?? {}),
        ...Object.keys(args.secretReferences ?? {}),
        ...Object.keys(args.resolvedEnvironment ?? {}),
    ];
    for (const n of names) if (!ENV_NAME.test(n)) throw new Error(`ContainerService: invalid environment variable name "${n}"`);
    if (args.deployment?.strategy === "blueGreen") {
        if (!args.loadBalancer?.blueGreen)
            throw new Error(
                "ContainerService: deployment blueGreen needs a load balancer with blue/green listeners (loadBalancer.blueGreen); a service without one can only roll",
            );
        const bake = args.deployment.bakeTimeMinutes;
        if (!Number.isInteger(bake) || bake < 0 || bake > 1440) throw new Error(`ContainerService: bakeTimeMinutes must be 0-1440, got ${bake}`);
    }
    const twice = names.filter((n, i) => names.indexOf(n) !== i);
    if (twice.length > 0) throw new Error(`ContainerService: ${twice.join(", ")} given twice (plain environment, secret or reference)`);
}

/**
 * One Fargate service in the environment's cluster, behind a load balancer or none: task
 * definition with separate execution and task roles, secrets by `valueFrom`, read-only root
 * filesystem, tasks without public IPs unless asked, rolling deploys (100%/200%) with the
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
        const secrets = args.secrets ?? {};
        const spot = args.spot;
        const healthCheckCommand = args.healthCheckCommand ?? ["CMD", "node", "dist/healthcheck.js"];
        const child = { parent: this };
        const tags = args.tags;

        this.logGroup = new aws.cloudwatch.LogGroup(
            `${name}-logs`,
            {
                name: `/ecs/${app}/${env}/${svc}`,
                retentionInDays: args.logRetentionDays,
                tags,
            },
            child,
        );

        const parameters = Object.keys(secrets)
            .sort()
            .map((envName) => ({
                envName,
                parameter: new aws.ssm.Parameter(
                    `${name}-secret-${envName}`,
                    {
                        name: `/${app}/${env}/${svc}/${envName}`,
                        type: "SecureString",
                        value: pulumi.secret(secrets[envName]),
                        description: `${envName} for ${svc} in ${env}; set with pulumi config set --secret`,
                        tags,
                    },
                    child,
                ),
            }));

        const assumeByEcsTasks = JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }],
        });
        this.executionRole = new aws.iam.Role(
            `${name}-execution`,
            {
                name: physicalName([app, env, svc, "execution"], 64),
                description: `ECS agent for ${svc} in ${env}: pull the image, write logs, read its secrets`,
                permissionsBoundary: args.permissionsBoundary,
                assumeRolePolicy: assumeByEcsTasks,
                tags,
            },
            child,
        );
        const statements: pulumi.Input<Record<string, unknown>>[] = [
            {
                Sid: "WriteOwnLogs",
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                Resource: pulumi.interpolate`${this.logGroup.arn}:log-stream:*`,
            },
        ];
        if (args.ecrRepositoryArn) {
            // GetAuthorizationToken has no resource-level permissions; it grants no image access by itself.
            statements.push({ Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" });
            statements.push({
                Sid: "PullOwnImage",
                Effect: "Allow",
                Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
                Resource: args.ecrRepositoryArn,
            });
        }
        const references = Object.keys(args.secretReferences ?? {})
            .sort()
            .map((envName) => ({ envName, ...(args.secretReferences ?? {})[envName] }));
        if (references.length > 0) {
            // Secrets under the AWS managed key aws/secretsmanager need no kms:Decrypt grant.
            statements.push({
                Sid: "ReadReferencedSecrets",
                Effect: "Allow",
                Action: "secretsmanager:GetSecretValue",
                Resource: pulumi.all(references.map((r) => r.secretArn)).apply((arns) => [...new Set(arns)].sort()),
            });
        }
        if (parameters.length > 0) {
            // SecureString parameters under the AWS managed key aws/ssm need no kms:Decrypt grant.
            statements.push({
                Sid: "ReadOwnSecrets",
                Effect: "Allow",
                Action: "ssm:GetParameters",
                Resource: parameters.map((p) => p.parameter.arn),
            });
        }
        new aws.iam.RolePolicy(
            `${name}-execution`,
            {
                role: this.executionRole.id,
                policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements }),
            },
            child,
        );

        // The application's own AWS permissions; none until a capability needs them.
        this.taskRole = new aws.iam.Role(
            `${name}-task`,
            {
                name: physicalName([app, env, svc, "task"], 64),
                description: `Application role of ${svc} in ${env}`,
                permissionsBoundary: args.permissionsBoundary,
                assumeRolePolicy: assumeByEcsTasks,
                tags,
            },
            child,
        );
        if (args.taskPolicyStatements && args.taskPolicyStatements.length > 0) {
            new aws.iam.RolePolicy(
                `${name}-task-access`,
                { role: this.taskRole.id, policy: pulumi.jsonStringify({ Version: "2012-10-17", Statement: args.taskPolicyStatements }) },
                child,
            );
        }
        if (args.tracing) {
            // What the collector needs to send traces and read sampling rules; none of these
            // X-Ray actions has resource-level permissions.
            new aws.iam.RolePolicy(
                `${name}-task-tracing`,
                {
                    role: this.taskRole.id,
                    policy: JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [
                            {
                                Sid: "SendTraces",
                                Effect: "Allow",
                                Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"],
                                Resource: "*",
                            },
                        ],
                    }),
                },
                child,
            );
        }

        // A secret's ARN does not change with its value, so a container definition that only names
        // the ARN would not change either and running tasks would keep the old value. Each
        // parameter's version (SSM increments it on every write) goes into a label, so a new value
        // yields a new task definition revision and a rolling restart, with no image rebuild.
        const secretVersions = pulumi.all(parameters.map((p) => pulumi.interpolate`${p.envName}=${p.parameter.version}`)).apply((pairs) => pairs.join(","));
        const tracing = args.tracing;
        const environment: Record<string, string> = {
            ...args.environment,
            ...(tracing
                ? {
                      OTEL_EXPORTER_OTLP_ENDPOINT: "http://localhost:4318",
                      OTEL_SERVICE_NAME: svc,
                      OTEL_RESOURCE_ATTRIBUTES: `deployment.environment=${env}`,
                      OTEL_PROPAGATORS: "tracecontext,xray",
                  }
                : {}),
        };
        const awslogs = (logGroupName: string, prefix: string) => ({
            logDriver: "awslogs",
            options: {
                "awslogs-group": logGroupName,
                "awslogs-region": args.region,
                "awslogs-stream-prefix": prefix,
                // A full log buffer drops lines instead of blocking the application.
                mode: "non-blocking",
                "max-buffer-size": "25m",
            },
        });
        const resolvedNames = Object.keys(args.resolvedEnvironment ?? {});
        const containerDefinitions = pulumi
            .all([
                this.logGroup.name,
                secretVersions,
                pulumi.all(parameters.map((p) => p.parameter.arn)),
                pulumi.all(references.map((r) => r.secretArn)),
                pulumi.all(resolvedNames.map((n) => (args.resolvedEnvironment ?? {})[n])),
            ])
            .apply(([logGroupName, versions, arns, referenceArns, resolvedValues]) => {
                const variables: Record<string, string> = { ...environment };
                resolvedNames.forEach((n, i) => (variables[n] = resolvedValues[i]));
                const secretEntries = [
                    ...parameters.map((p, i) => ({ name: p.envName, valueFrom: arns[i] })),
                    // <arn>:<json-key>:<version-stage>:<version-id>; empty stage and id: the current version.
                    ...references.map((r, i) => ({ name: r.envName, valueFrom: r.jsonKey ? `${referenceArns[i]}:${r.jsonKey}::` : referenceArns[i] })),
                ].sort((a, b) => a.name.localeCompare(b.name));
                return JSON.stringify([
                    {
                        name: svc,
                        image: args.image,
                        essential: true,
                        // Service Connect names the port it offers; appProtocol gives its proxy HTTP metrics and retries.
                        portMappings: [{ containerPort: args.containerPort, protocol: "tcp", name: "http", appProtocol: "http" }],
                        environment: Object.keys(variables)
                            .sort()
                            .map((n) => ({ name: n, value: variables[n] })),
                        secrets: secretEntries,
                        readonlyRootFilesystem: true,
                        // Writable scratch space on the task's ephemeral storage, since the root is read-only.
                        mountPoints: [{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }],
                        // tini as PID 1 reaps zombies and forwards SIGTERM to the app.
                        linuxParameters: { initProcessEnabled: true },
                        stopTimeout: args.stopTimeoutSeconds,
                        healthCheck: { command: [...healthCheckCommand], interval: 10, timeout: 5, retries: 3, startPeriod: 10 },
                        dockerLabels: parameters.length > 0 ? { [SECRET_VERSIONS_LABEL]: versions } : undefined,
                        logConfiguration: awslogs(logGroupName, svc),
                        dependsOn: tracing ? [{ containerName: "otel-collector", condition: "START" }] : undefined,
                    },
                    ...(tracing
                        ? [
                              {
                                  name: "otel-collector",
                                  image: OTEL_COLLECTOR_IMAGE,
                                  // Losing traces must not take the service down.
                                  essential: false,
                                  command: [`--config=${OTEL_COLLECTOR_CONFIG}`],
                                  readonlyRootFilesystem: true,
                                  logConfiguration: awslogs(logGroupName, "otel"),
                              },
                          ]
                        : []),
                ]);
            });

        this.taskDefinition = new aws.ecs.TaskDefinition(
            `${name}-task`,
            {
                family: physicalName([app, env, svc], 255),
                cpu: String(args.cpu),
                memory: String(args.memory),
                networkMode: "awsvpc",
                requiresCompatibilities: ["FARGATE"],
                runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: args.cpuArchitecture },
                executionRoleArn: this.executionRole.arn,
                taskRoleArn: this.taskRole.arn,
                volumes: [{ name: "tmp" }],
                containerDefinitions,
                tags,
            },
            child,
        );

        this.securityGroup = new aws.ec2.SecurityGroup(
            `${name}-sg`,
            {
                vpcId: args.vpcId,
                description: args.loadBalancer
                    ? `${svc} tasks: in only from the load balancer`
                    : args.serviceConnect?.discoveryName
                      ? `${svc} tasks: in only from the services that call it`
                      : `${svc} tasks: no inbound traffic`,
                // Tasks call out to AWS APIs, registries and the services they depend on.
                egress: [
                    { protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "Outbound to AWS APIs, registries and dependencies" },
                ],
                tags: { ...tags, Name: physicalName([app, env, svc, "tasks"], 255) },
            },
            child,
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
        const blueGreen = deployment.strategy === "blueGreen" ? { ...deployment, listeners: lb?.blueGreen } : undefined;
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
                    ? {
                          strategy: "BLUE_GREEN",
                          bakeTimeInMinutes: String(blueGreen.bakeTimeMinutes),
                          lifecycleHooks:
                              smokeTestArn && hookRole
                                  ? [{ hookTargetArn: smokeTestArn, roleArn: hookRole.arn, lifecycleStages: ["POST_TEST_TRAFFIC_SHIFT"] }]
                                  : undefined,
                      }
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

        this.registerOutputs({
            serviceName: this.service.name,
            taskDefinitionArn: this.taskDefinition.arn,
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
