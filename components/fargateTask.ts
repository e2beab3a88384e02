import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ENV_NAME, FARGATE_SIZES, physicalName, secretParameter } from "../lib/aws";

/** Docker label whose value changes whenever a secret's value changes (see below). */
export const SECRET_VERSIONS_LABEL = "shipyard.secret-versions";

/**
 * The OpenTelemetry collector of the tracing sidecar: AWS Distro for OpenTelemetry, pinned (bump it
 * deliberately), with its built-in X-Ray-only configuration (OTLP in on the default ports, traces
 * out to X-Ray, no metrics).
 */
/**
 * The user every service container runs as (Security Hub ECS.20: the task definition names a
 * non-root user). The sample app's image (app/Dockerfile) runs as the node images' `node` user,
 * uid 1000; a team image must run as uid 1000 too (README "Security Hub").
 */
export const CONTAINER_USER = "1000";
/** The ADOT collector image's own non-root user (`aoc`, uid 10001). */
export const OTEL_COLLECTOR_USER = "10001";
export const OTEL_COLLECTOR_IMAGE = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3";
export const OTEL_COLLECTOR_CONFIG = "/etc/ecs/ecs-xray.yaml";

export interface FargateTaskArgs {
    /** Parts of physical names, `[app, env, service]`. */
    readonly nameParts: readonly [string, string, string];
    /** The stack's region, for the log driver. */
    readonly region: string;
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
    /** The container's command, instead of the image's CMD (a job's entry point). @default the image's */
    readonly command?: readonly string[];
    /** Days the container log group keeps logs. */
    readonly logRetentionDays: number;
    /** Seconds between SIGTERM and SIGKILL. */
    readonly stopTimeoutSeconds: number;
    /**
     * The container's own health check command, run inside the container; null: none (a job's
     * container serves nothing to check, and ECS acts on no health status of a task outside a service).
     * @default ["CMD", "node", "dist/healthcheck.js"] (the sample app's checker; no curl needed)
     */
    readonly healthCheckCommand?: readonly string[] | null;
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

/**
 * The security group a task runs in, `${name}-sg` (Name tag `<app>-<env>-<service>-tasks`): out to
 * anywhere (AWS APIs, registries and the services it depends on), in from nothing until its
 * component adds what it admits (a load balancer, the services that call it).
 */
export function taskSecurityGroup(
    name: string,
    args: Pick<FargateTaskArgs, "nameParts" | "tags"> & { readonly vpcId: pulumi.Input<string> },
    description: string,
    parent: pulumi.Resource,
): aws.ec2.SecurityGroup {
    const [app, env, svc] = args.nameParts;
    return new aws.ec2.SecurityGroup(
        `${name}-sg`,
        {
            vpcId: args.vpcId,
            description,
            egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "Outbound to AWS APIs, registries and dependencies" }],
            tags: { ...args.tags, Name: physicalName([app, env, svc, "tasks"], 255) },
        },
        { parent },
    );
}

/** A secret kept in Secrets Manager, or one key of its JSON value. */
export interface SecretReference {
    readonly secretArn: pulumi.Input<string>;
    /** @default the whole value */
    readonly jsonKey?: string;
}

/** Refuses what no Fargate task could run with; `who` names the component in the message. */
export function validateFargateTaskArgs(args: FargateTaskArgs, who = "FargateTask"): void {
    const allowed = FARGATE_SIZES[args.cpu];
    if (!allowed?.includes(args.memory)) throw new Error(`${who}: cpu ${args.cpu} with memory ${args.memory} is not a Fargate task size`);
    const names = [
        ...Object.keys(args.environment),
        ...Object.keys(args.secrets ?? {}),
        ...Object.keys(args.secretReferences ?? {}),
        ...Object.keys(args.resolvedEnvironment ?? {}),
    ];
    for (const n of names) if (!ENV_NAME.test(n)) throw new Error(`${who}: invalid environment variable name "${n}"`);
    const twice = names.filter((n, i) => names.indexOf(n) !== i);
    if (twice.length > 0) throw new Error(`${who}: ${twice.join(", ")} given twice (plain environment, secret or reference)`);
}

/**
 * What one Fargate task needs, whether it runs as a long-running service or as a one-off or
 * scheduled run: its log group, an execution role (pull its own image, write its own logs, read
 * exactly its secrets) and a task role (what the application itself may do), its secrets as SSM
 * SecureString parameters passed by `valueFrom`, and the task definition (read-only root
 * filesystem, tini as PID 1, the container's own health check, an optional tracing sidecar).
 *
 * Not a component of its own: its resources are children of the component that runs the task,
 * so a service's resources keep the names and URNs they always had.
 */
export class FargateTask {
    readonly logGroup: aws.cloudwatch.LogGroup;
    readonly executionRole: aws.iam.Role;
    readonly taskRole: aws.iam.Role;
    readonly taskDefinition: aws.ecs.TaskDefinition;

    constructor(name: string, args: FargateTaskArgs, parent: pulumi.Resource, who = "FargateTask") {
        validateFargateTaskArgs(args, who);
        const [app, env, svc] = args.nameParts;
        const secrets = args.secrets ?? {};
        const healthCheckCommand = args.healthCheckCommand === null ? undefined : (args.healthCheckCommand ?? ["CMD", "node", "dist/healthcheck.js"]);
        const child = { parent };
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
                        ...secretParameter(app, env, svc, envName),
                        type: "SecureString",
                        value: pulumi.secret(secrets[envName]),
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
                        command: args.command ? [...args.command] : undefined,
                        essential: true,
                        // Service Connect names the port it offers; appProtocol gives its proxy HTTP metrics and retries.
                        portMappings: [{ containerPort: args.containerPort, protocol: "tcp", name: "http", appProtocol: "http" }],
                        environment: Object.keys(variables)
                            .sort()
                            .map((n) => ({ name: n, value: variables[n] })),
                        secrets: secretEntries,
                        user: CONTAINER_USER,
                        readonlyRootFilesystem: true,
                        // Writable scratch space on the task's ephemeral storage, since the root is read-only.
                        mountPoints: [{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }],
                        // tini as PID 1 reaps zombies and forwards SIGTERM to the app.
                        linuxParameters: { initProcessEnabled: true },
                        stopTimeout: args.stopTimeoutSeconds,
                        healthCheck: healthCheckCommand
                            ? { command: [...healthCheckCommand], interval: 10, timeout: 5, retries: 3, startPeriod: 10 }
                            : undefined,
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
                                  user: OTEL_COLLECTOR_USER,
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
    }
}
