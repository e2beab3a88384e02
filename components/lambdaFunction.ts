import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { functionCode, functionHandler } from "./functionCode";

/**
 * What Lambda needs to attach a function to a VPC through network interfaces; none of these
 * actions has resource-level permissions (AWSLambdaVPCAccessExecutionRole grants them on * too).
 */
export const LAMBDA_VPC_ACTIONS = [
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
] as const;

export interface LambdaFunctionArgs {
    /** Physical name of the function; its log group is `/aws/lambda/<functionName>`. */
    readonly functionName: string;
    /** Physical name of its execution role. */
    readonly roleName: string;
    readonly description: string;
    readonly roleDescription: string;
    /** The folder under `functions/` its code comes from (see functionCode). */
    readonly code: string;
    readonly timeoutSeconds: number;
    readonly environment: Readonly<Record<string, pulumi.Input<string>>>;
    /** Runs it in these subnets with these security groups; the role then may manage its network interfaces. */
    readonly vpc?: { readonly subnetIds: pulumi.Input<string>[]; readonly securityGroupIds: pulumi.Input<string>[] };
    readonly deadLetterArn?: pulumi.Input<string>;
    readonly reservedConcurrency?: number;
    /** What the function may do besides writing its own logs (and its network interfaces with `vpc`). */
    readonly statements?: readonly Record<string, unknown>[];
    readonly permissionsBoundary?: pulumi.Input<string>;
    readonly logRetentionDays: number;
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * One of our functions (`functions/<code>`, packaged by the program) under `parent`: its log group
 * `<name>-logs`, and the role, role policy and function `<name>`. The role may write the function's
 * logs and do `statements`, nothing else.
 */
export function lambdaFunction(name: string, args: LambdaFunctionArgs, parent: pulumi.Resource): aws.lambda.Function {
    const child = { parent };
    const logGroup = new aws.cloudwatch.LogGroup(
        `${name}-logs`,
        { name: `/aws/lambda/${args.functionName}`, retentionInDays: args.logRetentionDays, tags: args.tags },
        child,
    );
    const role = new aws.iam.Role(
        name,
        {
            name: args.roleName,
            description: args.roleDescription,
            permissionsBoundary: args.permissionsBoundary,
            assumeRolePolicy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
            }),
            tags: args.tags,
        },
        child,
    );
    new aws.iam.RolePolicy(
        name,
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
                    ...(args.vpc ? [{ Sid: "VpcNetworkInterfaces", Effect: "Allow", Action: [...LAMBDA_VPC_ACTIONS], Resource: "*" }] : []),
                    ...(args.statements ?? []),
                ],
            }),
        },
        child,
    );
    return new aws.lambda.Function(
        name,
        {
            name: args.functionName,
            description: args.description,
            runtime: "nodejs22.x",
            architectures: ["arm64"],
            handler: functionHandler(args.code),
            code: functionCode(args.code),
            role: role.arn,
            timeout: args.timeoutSeconds,
            memorySize: 256,
            loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
            vpcConfig: args.vpc ? { subnetIds: args.vpc.subnetIds, securityGroupIds: args.vpc.securityGroupIds } : undefined,
            deadLetterConfig: args.deadLetterArn ? { targetArn: args.deadLetterArn } : undefined,
            reservedConcurrentExecutions: args.reservedConcurrency,
            environment: { variables: args.environment },
            tags: args.tags,
        },
        { ...child, dependsOn: [logGroup] },
    );
}
