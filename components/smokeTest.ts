import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { physicalName } from "../lib/aws";
import { lambdaFunction } from "./lambdaFunction";

export const SMOKE_TEST_TYPE = "shipyard:ecs:SmokeTest";

/** Seconds the hook may run; ECS calls it again after an IN_PROGRESS answer (see functions/README.md). */
export const SMOKE_TEST_TIMEOUT_SECONDS = 30;

export interface SmokeTestArgs {
    /** Parts of physical names, `[app, env, service]`. */
    readonly nameParts: readonly [string, string, string];
    /** The blue/green test listener, `http://<load balancer DNS name>:<port>`. */
    readonly baseUrl: pulumi.Input<string>;
    /** The host name the test listener's certificate is for: sent in the TLS handshake and as Host (SMOKE_HOST). */
    readonly host?: pulumi.Input<string>;
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

        const securityGroup = new aws.ec2.SecurityGroup(
            `${name}-sg`,
            {
                vpcId: args.vpcId,
                description: `${svc} smoke test: out only to the test listener port`,
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
        this.function = lambdaFunction(
            `${name}-function`,
            {
                functionName,
                roleName: physicalName([app, env, svc, "smoke-test"], 64),
                description: `ECS blue/green hook: smoke-tests green ${svc} in ${env} through the test listener`,
                roleDescription: `Smoke test of ${svc} in ${env}: its logs and its network interfaces only`,
                code: "smokeHook",
                timeoutSeconds: SMOKE_TEST_TIMEOUT_SECONDS,
                vpc: { subnetIds: args.subnetIds, securityGroupIds: [securityGroup.id] },
                environment: {
                    SMOKE_BASE_URL: args.baseUrl,
                    ...(args.host === undefined ? {} : { SMOKE_HOST: args.host }),
                    SMOKE_CHECKS: JSON.stringify([{ path: args.path ?? "/health", expectStatus: 200 }]),
                },
                permissionsBoundary: args.permissionsBoundary,
                logRetentionDays: args.logRetentionDays,
                tags,
            },
            this,
        );
        this.registerOutputs({ functionArn: this.function.arn });
    }
}
