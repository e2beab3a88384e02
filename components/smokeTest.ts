import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { physicalName } from "../stacks/validators";
import { functionCode, functionHandler } from "./functionCode";

export const SMOKE_TEST_TYPE = "shipyard:ecs:SmokeTest";

/** Seconds the hook may run; ECS calls it again after an IN_PROGRESS answer (see functions/README.md). */
export const SMOKE_TEST_TIMEOUT_SECONDS = 30;

export interface SmokeTestArgs {
    /** Parts of physical names, `[app, env, service]`. */
    readonly nameParts: readonly [string, string, string];
    /** The blue/green test listener, `http://<load balancer DNS name>:<port>`. */
    readonly baseUrl: pulumi.Input<string>;
    /** Port of the test listener: the only place the function may send traffic. */
    readonly testListenerPort: number;
    /** Path the smoke requests ask for, expecting 200. @default "/health" */
    readonly path?: string;
    readonly vpcId: pulumi.Input<string>;
    /**
     * Private subnets with a NAT route: the requests reach the internet-facing load balancer
     * from the NAT gateways' addresses, which the test listener admits.
     */
    readonly subnetIds: pulumi.Input<string>[];
    readonly logRetentionDays: number;
    /**
     * ARN of the permissions boundary every IAM role of this component carries (the bootstrap's
     * `<app>-<env>-boundary`): a deploy role may create roles only with it, so no role it creates
     * can hold more than the boundary allows. @default none
     */
    readonly permissionsBoundary?: pulumi.Input<string>;
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * The ECS blue/green lifecycle hook that smoke-tests the green revision through the test listener
 * before production traffic moves (`functions/smokeHook`): a Lambda function in the private
 * subnets, its log group, a security group that sends only to the test port, and a role that may
 * write its logs and manage its network interfaces, nothing else.
 */
export class SmokeTest extends pulumi.ComponentResource {
    readonly function: aws.lambda.Function;

    constructor(name: string, args: SmokeTestArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super(SMOKE_TEST_TYPE, name, {}, opts);
        const [app, env, svc] = args.nameParts;
        const { tags } = args;
        const child = { parent: this };
        const functionName = physicalName([app, env, svc, "smoke-test"], 64);

        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-logs`,
            { name: `/aws/lambda/${functionName}`, retentionInDays: args.logRetentionDays, tags },
            child,
        );
        const role = new aws.iam.Role(
            `${name}-role`,
            {
                name: physicalName([app, env, svc, "smoke-test"], 64),
                description: `Smoke test of ${svc} in ${env}: its logs and its network interfaces only`,
                permissionsBoundary: args.permissionsBoundary,
                assumeRolePolicy: JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
                }),
                tags,
            },
            child,
        );
        new aws.iam.RolePolicy(
            `${name}-role`,
            {
                role: role.id,
                policy: pulumi.jsonStringify({
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Sid: "WriteOwnLogs",
                            Effect: "Allow",
                            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                            Resource: pulumi.interpolate`${logGroup.arn}:*`,
                        },
                        {
                            // Lambda attaches the function to the VPC through ENIs; these actions have no resource-level permissions.
                            Sid: "VpcNetworkInterfaces",
                            Effect: "Allow",
                            Action: [
                                "ec2:CreateNetworkInterface",
                                "ec2:DescribeNetworkInterfaces",
                                "ec2:DeleteNetworkInterface",
                                "ec2:AssignPrivateIpAddresses",
                                "ec2:UnassignPrivateIpAddresses",
                            ],
                            Resource: "*",
                        },
                    ],
                }),
            },
            child,
        );
        const securityGroup = new aws.ec2.SecurityGroup(
            `${name}-sg`,
            {
                vpcId: args.vpcId,
                description: `${svc} smoke test: out only to the test listener's port`,
                egress: [
                    {
                        protocol: "tcp",
                        fromPort: args.testListenerPort,
                        toPort: args.testListenerPort,
                        // The load balancer's public addresses change; the test listener admits only the NAT addresses.
                        cidrBlocks: ["0.0.0.0/0"],
                        description: "Test listener of the load balancer, through NAT",
                    },
                ],
                tags: { ...tags, Name: physicalName([app, env, svc, "smoke-test"], 255) },
            },
            child,
        );
        this.function = new aws.lambda.Function(
            `${name}-function`,
            {
                name: functionName,
                description: `ECS blue/green hook: smoke-tests green ${svc} in ${env} through the test listener`,
                runtime: "nodejs22.x",
                architectures: ["arm64"],
                handler: functionHandler("smokeHook"),
                code: functionCode("smokeHook"),
                role: role.arn,
                timeout: SMOKE_TEST_TIMEOUT_SECONDS,
                memorySize: 256,
                loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
                vpcConfig: { subnetIds: args.subnetIds, securityGroupIds: [securityGroup.id] },
                environment: {
                    variables: {
                        SMOKE_BASE_URL: args.baseUrl,
                        SMOKE_CHECKS: JSON.stringify([{ path: args.path ?? "/health", expectStatus: 200 }]),
                    },
                },
                tags,
            },
            { ...child, dependsOn: [logGroup] },
        );
        this.registerOutputs({ functionArn: this.function.arn });
    }
}
