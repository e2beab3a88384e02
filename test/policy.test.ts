/**
 * The policy rules (`policy/rules.ts`): each one fires on a minimal bad resource and stays quiet
 * on a good one, and the four committed stacks, run under the mock runtime, violate no mandatory
 * rule and raise exactly the advisory findings listed here; and each data rule (RDS, S3) catches
 * a bad input in their graphs, made by editing a copy of a recorded resource where no configuration
 * can make it. Never imports
 * `policy/index.ts`: constructing the PolicyPack would start its gRPC server.
 */
import * as assert from "assert/strict";
import * as fs from "fs";
import * as path from "path";
import { evaluate, Finding, PolicyResource, RECOMMENDED_TLS_POLICY, Rule, RULES, TYPES } from "../policy/rules";
import { runStack, StackRun } from "../offline/runStack";
import { stackServices } from "../offline/stackConfig";

const STACKS = ["alpha", "beta", "gamma", "live"] as const;
const AWS_DIR = path.dirname(require.resolve("@pulumi/aws/package.json"));

function res(type: string, name: string, inputs: Record<string, unknown>, more: Partial<PolicyResource> = {}): PolicyResource {
    return { type, name, inputs, ...more };
}

/** A container that passes every container rule; cases change one setting. */
const GOOD_CONTAINER = {
    name: "web",
    image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/demo-web@sha256:6b0c",
    user: "1000",
    readonlyRootFilesystem: true,
    environment: [{ name: "LOG_LEVEL", value: "info" }],
    secrets: [{ name: "DATABASE_URL", valueFrom: "arn:aws:ssm:eu-west-1:123456789012:parameter/demo/live/web/DATABASE_URL" }],
    logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "/ecs/demo/live/web" } },
};

function taskDef(containers: Record<string, unknown>[], inputs: Record<string, unknown> = {}, more: Partial<PolicyResource> = {}): PolicyResource {
    return res(
        TYPES.taskDefinition,
        "app-task",
        { networkMode: "awsvpc", containerDefinitions: JSON.stringify(containers.map((c) => ({ ...GOOD_CONTAINER, ...c }))), ...inputs },
        more,
    );
}

function service(inputs: Record<string, unknown> = {}): PolicyResource {
    return res(TYPES.service, "app-service", {
        launchType: "FARGATE",
        platformVersion: "LATEST",
        networkConfiguration: { subnets: ["subnet-a", "subnet-b"], securityGroups: ["sg-tasks"], assignPublicIp: false },
        deploymentCircuitBreaker: { enable: true, rollback: true },
        ...inputs,
    });
}

function loadBalancer(inputs: Record<string, unknown> = {}): PolicyResource {
    return res(TYPES.loadBalancer, "app-alb", {
        loadBalancerType: "application",
        subnets: ["subnet-a", "subnet-b"],
        securityGroups: ["sg-lb"],
        dropInvalidHeaderFields: true,
        enableDeletionProtection: true,
        accessLogs: { bucket: "logs", enabled: true },
        ...inputs,
    });
}

function rolePolicy(statements: Record<string, unknown>[]): PolicyResource {
    return res(TYPES.rolePolicy, "app-policy", { role: "app-role", policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }) });
}

const vpc = res(TYPES.vpc, "app-vpc", { cidrBlock: "10.0.0.0/16", id: "vpc-123" });
const repo = res(TYPES.ecrRepository, "app-repo", { name: "app", imageScanningConfiguration: { scanOnPush: true }, imageTagMutability: "IMMUTABLE" });
const webAcl = res(TYPES.webAcl, "app-acl", { scope: "REGIONAL", arn: "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/app/1" });

/** An RDS instance as the Database component declares it in live; cases change one setting. */
function dbInstance(inputs: Record<string, unknown> = {}, more: Partial<PolicyResource> = {}): PolicyResource {
    return res(
        TYPES.dbInstance,
        "app-db",
        {
            identifier: "app-db",
            engine: "postgres",
            instanceClass: "db.t4g.micro",
            allocatedStorage: 20,
            storageEncrypted: true,
            publiclyAccessible: false,
            username: "dbadmin",
            manageMasterUserPassword: true,
            backupRetentionPeriod: 14,
            multiAz: true,
            deletionProtection: true,
            skipFinalSnapshot: false,
            finalSnapshotIdentifier: "app-db-final",
            vpcSecurityGroupIds: ["sg-db"],
            ...inputs,
        },
        more,
    );
}

const bucket = res(TYPES.bucket, "app-bucket", { bucket: "app-assets" });
const ALL_PUBLIC_ACCESS_BLOCKED = { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true };

function bucketPolicy(statements: Record<string, unknown>[]): PolicyResource {
    return res(TYPES.bucketPolicy, "app-bucket-policy", { bucket: "app-assets", policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }) });
}
const DENY_PLAIN_HTTP = {
    Sid: "DenyPlainHttp",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: ["arn:aws:s3:::app-assets", "arn:aws:s3:::app-assets/*"],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
};
const PUBLIC_READ = { Sid: "PublicRead", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::app-assets/*" };

/**
 * One scenario for one rule: `given` describes the resource; `expect` is the exact number of
 * messages (0: the rule stays quiet); every message must name the resource and match `mentions`.
 */
interface Scenario {
    readonly rule: string;
    readonly given: string;
    readonly resource: PolicyResource;
    /** The rest of the stack. */
    readonly stack?: readonly PolicyResource[];
    readonly env?: string;
    readonly expect: number;
    readonly mentions?: RegExp;
}

const SCENARIOS: readonly Scenario[] = [
    {
        rule: "ecs-task-no-host-network",
        given: "a task definition with networkMode host",
        resource: taskDef([{}], { networkMode: "host" }),
        expect: 1,
        mentions: /networkMode is "host"/,
    },
    { rule: "ecs-task-no-host-network", given: "a task definition with networkMode awsvpc", resource: taskDef([{}]), expect: 0 },
    {
        rule: "ecs-task-no-host-pid",
        given: "a task definition with pidMode host",
        resource: taskDef([{}], { pidMode: "host" }),
        expect: 1,
        mentions: /pidMode is "host"/,
    },
    { rule: "ecs-task-no-host-pid", given: "a task definition with pidMode task", resource: taskDef([{}], { pidMode: "task" }), expect: 0 },
    {
        rule: "ecs-container-not-privileged",
        given: "a container with privileged true",
        resource: taskDef([{ privileged: true }]),
        expect: 1,
        mentions: /container "web" sets privileged: true/,
    },
    { rule: "ecs-container-not-privileged", given: "a container with privileged false", resource: taskDef([{ privileged: false }]), expect: 0 },
    {
        rule: "ecs-container-not-root",
        given: "a container with user 0:0",
        resource: taskDef([{ user: "0:0" }]),
        expect: 1,
        mentions: /container "web" sets user "0:0", which is root/,
    },
    { rule: "ecs-container-not-root", given: "a container with user 1000", resource: taskDef([{ user: "1000" }]), expect: 0 },
    {
        rule: "ecs-container-user-set",
        given: "a Linux container without user",
        resource: taskDef([{ user: undefined }]),
        expect: 1,
        mentions: /container "web" sets no user/,
    },
    { rule: "ecs-container-user-set", given: "a Linux container with user node", resource: taskDef([{ user: "node" }]), expect: 0 },
    {
        rule: "ecs-container-read-only-root",
        given: "two containers, one with readonlyRootFilesystem false and one without it",
        resource: taskDef([{ readonlyRootFilesystem: false }, { name: "sidecar", readonlyRootFilesystem: undefined }]),
        expect: 2,
        mentions: /container "(web|sidecar)" does not set readonlyRootFilesystem: true/,
    },
    { rule: "ecs-container-read-only-root", given: "a container with readonlyRootFilesystem true", resource: taskDef([{}]), expect: 0 },
    {
        rule: "ecs-no-aws-credentials-in-environment",
        given: "a container with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in environment",
        resource: taskDef([
            {
                environment: [
                    { name: "AWS_ACCESS_KEY_ID", value: "AKIAIOSFODNN7EXAMPLE" },
                    { name: "AWS_SECRET_ACCESS_KEY", value: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
                ],
            },
        ]),
        expect: 2,
        mentions: /sets AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY) in plain environment/,
    },
    {
        rule: "ecs-no-aws-credentials-in-environment",
        given: "a container with only AWS_REGION in environment",
        resource: taskDef([{ environment: [{ name: "AWS_REGION", value: "eu-west-1" }] }]),
        expect: 0,
    },
    {
        rule: "ecs-container-logging",
        given: "a container without logConfiguration",
        resource: taskDef([{ logConfiguration: undefined }]),
        expect: 1,
        mentions: /container "web" has no logConfiguration.logDriver/,
    },
    { rule: "ecs-container-logging", given: "a container logging with awslogs", resource: taskDef([{}]), expect: 0 },
    {
        rule: "ecs-no-secret-in-plain-environment",
        given: "a secret-named variable, a URL with a password, an access key id under a harmless name, and a Pulumi secret in containerDefinitions",
        resource: taskDef(
            [
                {
                    environment: [
                        { name: "DB_PASSWORD", value: "hunter2" },
                        { name: "DATABASE_URL", value: "postgres://app:pa55@db.internal:5432/app" },
                        { name: "UPSTREAM", value: "AKIAIOSFODNN7EXAMPLE" },
                        { name: "FEATURE_FLAGS", value: "dark-mode" },
                    ],
                },
            ],
            {},
            { secretPaths: ["containerDefinitions"] },
        ),
        expect: 4,
        mentions: /(sets (DB_PASSWORD|DATABASE_URL|UPSTREAM) in plain environment)|(containerDefinitions contains a Pulumi secret)/,
    },
    {
        rule: "ecs-no-secret-in-plain-environment",
        given: "plain feature flags and a credential-free URL, with the secret passed by valueFrom",
        resource: taskDef([
            {
                environment: [
                    { name: "FEATURE_FLAGS", value: "new-checkout" },
                    { name: "UPSTREAM_URL", value: "https://api.example.com/v1" },
                ],
            },
        ]),
        expect: 0,
    },
    {
        rule: "ecs-no-secret-in-plain-environment",
        given: "the ARN of the database's rotating secret under DATABASE_SECRET_ARN (found by the extreme-settings stack: rotation on)",
        resource: taskDef([
            {
                environment: [
                    { name: "DATABASE_SECRET_ARN", value: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0a1b2c3d-AbCdEf" },
                    { name: "API_TOKEN_PARAMETER", value: "arn:aws:ssm:eu-west-1:123456789012:parameter/demo/alpha/web/API_TOKEN" },
                ],
            },
        ]),
        expect: 0,
    },
    {
        rule: "ecs-no-secret-in-plain-environment",
        given: "a secret-named variable whose value only looks like an ARN of another service",
        resource: taskDef([{ environment: [{ name: "DB_PASSWORD", value: "arn:aws:s3:::not-a-secret-reference" }] }]),
        expect: 1,
        mentions: /sets DB_PASSWORD in plain environment and its name suggests a secret/,
    },
    {
        rule: "ecs-service-no-public-ip",
        given: "a service that assigns public IPs",
        resource: service({ networkConfiguration: { subnets: ["subnet-a"], securityGroups: ["sg-tasks"], assignPublicIp: true } }),
        expect: 1,
        mentions: /networkConfiguration.assignPublicIp is true/,
    },
    { rule: "ecs-service-no-public-ip", given: "a service that assigns no public IPs", resource: service(), expect: 0 },
    {
        rule: "no-public-ips-in-live",
        given: "a live service that assigns public IPs",
        resource: service({ networkConfiguration: { subnets: ["subnet-a"], securityGroups: ["sg-tasks"], assignPublicIp: true } }),
        env: "live",
        expect: 1,
        mentions: /assignPublicIp is true in live/,
    },
    {
        rule: "no-public-ips-in-live",
        given: "an alpha service that assigns public IPs",
        resource: service({ networkConfiguration: { subnets: ["subnet-a"], securityGroups: ["sg-tasks"], assignPublicIp: true } }),
        env: "alpha",
        expect: 0,
    },
    {
        rule: "ecs-service-circuit-breaker-rollback",
        given: "a service whose circuit breaker does not roll back",
        resource: service({ deploymentCircuitBreaker: { enable: true, rollback: false } }),
        expect: 1,
        mentions: /deploymentCircuitBreaker must be \{ enable: true, rollback: true \}/,
    },
    {
        rule: "ecs-service-circuit-breaker-rollback",
        given: "a service on the CODE_DEPLOY controller",
        resource: service({ deploymentController: { type: "CODE_DEPLOY" } }),
        expect: 1,
        mentions: /deploymentController.type is "CODE_DEPLOY"/,
    },
    { rule: "ecs-service-circuit-breaker-rollback", given: "a service with circuit breaker and rollback", resource: service(), expect: 0 },
    {
        rule: "ecs-service-circuit-breaker-rollback",
        given: "a blue/green service without deployment alarms",
        resource: service({ deploymentCircuitBreaker: undefined, deploymentConfiguration: { strategy: "BLUE_GREEN", bakeTimeInMinutes: "10" } }),
        expect: 1,
        mentions: /a BLUE_GREEN deployment has no circuit breaker, so it needs deployment alarms that roll back/,
    },
    {
        rule: "ecs-service-circuit-breaker-rollback",
        given: "a blue/green service whose alarms do not roll back",
        resource: service({
            deploymentCircuitBreaker: undefined,
            deploymentConfiguration: { strategy: "BLUE_GREEN" },
            alarms: { alarmNames: ["web-5xx"], enable: true, rollback: false },
        }),
        expect: 1,
        mentions: /got \{"alarmNames":\["web-5xx"\],"enable":true,"rollback":false\}/,
    },
    {
        rule: "ecs-service-circuit-breaker-rollback",
        given: "a blue/green service with deployment alarms that roll back",
        resource: service({
            deploymentCircuitBreaker: undefined,
            deploymentConfiguration: { strategy: "BLUE_GREEN" },
            alarms: { alarmNames: ["web-5xx", "web-p99"], enable: true, rollback: true },
        }),
        expect: 0,
    },
    {
        rule: "ecs-fargate-latest-platform",
        given: "a Fargate service pinned to platform 1.3.0",
        resource: service({ platformVersion: "1.3.0" }),
        expect: 1,
        mentions: /platformVersion is "1.3.0"/,
    },
    { rule: "ecs-fargate-latest-platform", given: "a Fargate service on LATEST", resource: service(), expect: 0 },
    {
        rule: "ecs-cluster-container-insights",
        given: "a cluster with containerInsights disabled",
        resource: res(TYPES.cluster, "app-cluster", { settings: [{ name: "containerInsights", value: "disabled" }] }),
        expect: 1,
        mentions: /settings containerInsights is "disabled"/,
    },
    {
        rule: "ecs-cluster-container-insights",
        given: "a cluster with containerInsights enhanced",
        resource: res(TYPES.cluster, "app-cluster", { settings: [{ name: "containerInsights", value: "enhanced" }] }),
        expect: 0,
    },
    {
        rule: "ecs-tasks-ingress-from-load-balancer-only",
        given: "an ingress rule admitting a VPC CIDR to the tasks' security group",
        resource: res(TYPES.ingressRule, "tasks-in", { securityGroupId: "sg-tasks", ipProtocol: "tcp", fromPort: 8080, toPort: 8080, cidrIpv4: "10.0.0.0/16" }),
        stack: [service(), loadBalancer()],
        expect: 1,
        mentions: /admits CIDR 10\.0\.0\.0\/16 to a task security group/,
    },
    {
        rule: "ecs-tasks-ingress-from-load-balancer-only",
        given: "an ingress rule admitting a security group other than the load balancer's",
        resource: res(TYPES.ingressRule, "tasks-in", {
            securityGroupId: "sg-tasks",
            ipProtocol: "tcp",
            fromPort: 8080,
            toPort: 8080,
            referencedSecurityGroupId: "sg-bastion",
        }),
        stack: [service(), loadBalancer()],
        expect: 1,
        mentions: /admits security group sg-bastion to a task security group/,
    },
    {
        rule: "ecs-tasks-ingress-from-load-balancer-only",
        given: "an ingress rule admitting the load balancer's security group",
        resource: res(TYPES.ingressRule, "tasks-in", {
            securityGroupId: "sg-tasks",
            ipProtocol: "tcp",
            fromPort: 8080,
            toPort: 8080,
            referencedSecurityGroupId: "sg-lb",
        }),
        stack: [service(), loadBalancer()],
        expect: 0,
    },
    {
        rule: "ecs-tasks-ingress-from-load-balancer-only",
        given: "an ingress rule admitting another service's tasks (a caller of an internal service)",
        resource: res(TYPES.ingressRule, "search-from-api", {
            securityGroupId: "sg-tasks",
            ipProtocol: "tcp",
            fromPort: 8080,
            toPort: 8080,
            referencedSecurityGroupId: "sg-api-tasks",
        }),
        stack: [
            service(),
            res(TYPES.service, "api-service", { networkConfiguration: { subnets: ["subnet-a"], securityGroups: ["sg-api-tasks"], assignPublicIp: false } }),
            loadBalancer(),
        ],
        expect: 0,
    },
    {
        rule: "elb-http-redirects-to-https",
        given: "an HTTP listener that forwards to the targets",
        resource: res(TYPES.listener, "app-http", { port: 80, protocol: "HTTP", defaultActions: [{ type: "forward", targetGroupArn: "arn:tg" }] }),
        expect: 1,
        mentions: /HTTP listener on port 80 has forward default actions/,
    },
    {
        rule: "elb-http-redirects-to-https",
        given: "an HTTP listener that redirects to HTTPS",
        resource: res(TYPES.listener, "app-http", {
            port: 80,
            protocol: "HTTP",
            defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
        }),
        expect: 0,
    },
    {
        rule: "elb-http-redirects-to-https",
        given: "a plain-HTTP test listener on 9080 open only to an office and the NAT addresses (Security Hub's ELB.1 fails it too)",
        resource: res(TYPES.listener, "app-test", { port: 9080, protocol: "HTTP", defaultActions: [{ type: "forward", targetGroupArn: "arn:tg" }] }),
        expect: 1,
        mentions: /app-test: HTTP listener on port 9080 has forward default actions/,
    },
    {
        rule: "elb-http-redirects-to-https",
        given: "an HTTPS test listener on 9080",
        resource: res(TYPES.listener, "app-test", {
            port: 9080,
            protocol: "HTTPS",
            certificateArn: "arn:cert",
            defaultActions: [{ type: "forward", targetGroupArn: "arn:tg" }],
        }),
        expect: 0,
    },
    {
        rule: "elb-drop-invalid-headers",
        given: "an application load balancer with dropInvalidHeaderFields false",
        resource: loadBalancer({ dropInvalidHeaderFields: false }),
        expect: 1,
        mentions: /dropInvalidHeaderFields is not true/,
    },
    { rule: "elb-drop-invalid-headers", given: "an application load balancer dropping invalid headers", resource: loadBalancer(), expect: 0 },
    {
        rule: "elb-access-logs",
        given: "an application load balancer without access logs",
        resource: loadBalancer({ accessLogs: undefined }),
        expect: 1,
        mentions: /accessLogs is not enabled/,
    },
    { rule: "elb-access-logs", given: "an application load balancer logging to a bucket", resource: loadBalancer(), expect: 0 },
    {
        rule: "elb-deletion-protection",
        given: "a load balancer without deletion protection",
        resource: loadBalancer({ enableDeletionProtection: false }),
        expect: 1,
        mentions: /enableDeletionProtection is not true/,
    },
    { rule: "elb-deletion-protection", given: "a load balancer with deletion protection", resource: loadBalancer(), expect: 0 },
    {
        rule: "elb-desync-mitigation",
        given: "an application load balancer in desync mode monitor",
        resource: loadBalancer({ desyncMitigationMode: "monitor" }),
        expect: 1,
        mentions: /desyncMitigationMode is "monitor"/,
    },
    {
        rule: "elb-desync-mitigation",
        given: "an application load balancer in desync mode strictest",
        resource: loadBalancer({ desyncMitigationMode: "strictest" }),
        expect: 0,
    },
    {
        rule: "elb-multi-az",
        given: "a load balancer in one subnet",
        resource: loadBalancer({ subnets: ["subnet-a"] }),
        expect: 1,
        mentions: /subnets name 1 subnet\(s\)/,
    },
    { rule: "elb-multi-az", given: "a load balancer in two subnets", resource: loadBalancer(), expect: 0 },
    {
        rule: "elb-recommended-tls-policy",
        given: "an HTTPS listener on ELBSecurityPolicy-2016-08",
        resource: res(TYPES.listener, "app-https", { port: 443, protocol: "HTTPS", sslPolicy: "ELBSecurityPolicy-2016-08" }),
        expect: 1,
        mentions: /HTTPS listener sslPolicy is "ELBSecurityPolicy-2016-08"/,
    },
    {
        rule: "elb-recommended-tls-policy",
        given: "an HTTPS listener without sslPolicy",
        resource: res(TYPES.albListener, "app-https", { port: 443, protocol: "HTTPS" }),
        expect: 1,
        mentions: /sslPolicy is not set/,
    },
    {
        rule: "elb-recommended-tls-policy",
        given: "an HTTPS listener on ELBSecurityPolicy-TLS13-1-2-2021-06",
        resource: res(TYPES.listener, "app-https", { port: 443, protocol: "HTTPS", sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06" }),
        expect: 0,
    },
    {
        rule: "vpc-default-sg-closed",
        given: "a VPC whose default security group the stack does not adopt",
        resource: vpc,
        expect: 1,
        mentions: /the VPC's default security group keeps AWS's rules/,
    },
    {
        rule: "vpc-default-sg-closed",
        given: "an adopted default security group that keeps an egress rule",
        resource: res(TYPES.defaultSecurityGroup, "app-default-sg", {
            vpcId: "vpc-123",
            egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
        }),
        stack: [vpc],
        expect: 1,
        mentions: /has 0 ingress and 1 egress rule\(s\)/,
    },
    {
        rule: "vpc-default-sg-closed",
        given: "a VPC whose default security group is adopted without rules",
        resource: vpc,
        stack: [res(TYPES.defaultSecurityGroup, "app-default-sg", { vpcId: "vpc-123" }, { dependsOn: ["app-vpc"] })],
        expect: 0,
    },
    {
        rule: "vpc-flow-logs",
        given: "a VPC whose stack has a flow log for another VPC only",
        resource: vpc,
        stack: [res(TYPES.flowLog, "other-flow-logs", { vpcId: "vpc-999", trafficType: "ALL" })],
        expect: 1,
        mentions: /the VPC has no flow log/,
    },
    {
        rule: "vpc-flow-logs",
        given: "a VPC with a flow log of all traffic naming its id",
        resource: vpc,
        stack: [res(TYPES.flowLog, "app-flow-logs", { vpcId: "vpc-123", trafficType: "ALL" })],
        expect: 0,
    },
    {
        rule: "vpc-flow-logs-in-live",
        given: "a live VPC without flow logs",
        resource: vpc,
        env: "live",
        expect: 1,
        mentions: /the live VPC has no flow log/,
    },
    { rule: "vpc-flow-logs-in-live", given: "a beta VPC without flow logs", resource: vpc, env: "beta", expect: 0 },
    {
        rule: "elb-access-logs-in-live",
        given: "a live application load balancer without access logs",
        resource: loadBalancer({ accessLogs: undefined }),
        env: "live",
        expect: 1,
        mentions: /accessLogs is not enabled.*\(live: set accessLogs: true\)/,
    },
    {
        rule: "elb-access-logs-in-live",
        given: "a live application load balancer logging to its bucket",
        resource: loadBalancer({ accessLogs: { bucket: "app-logs", prefix: "elb", enabled: true } }),
        env: "live",
        expect: 0,
    },
    {
        rule: "elb-access-logs-in-live",
        given: "a beta application load balancer without access logs",
        resource: loadBalancer({ accessLogs: undefined }),
        env: "beta",
        expect: 0,
    },
    {
        rule: "s3-server-access-logging-in-live",
        given: "a live bucket whose requests nobody logs (another bucket is logged)",
        resource: bucket,
        stack: [res(TYPES.bucketLogging, "other-logging", { bucket: "other-bucket-id", targetBucket: "app-logs", targetPrefix: "s3/" })],
        env: "live",
        expect: 1,
        mentions: /the bucket logs no requests/,
    },
    {
        rule: "s3-server-access-logging-in-live",
        given: "a live bucket with a BucketLogging that depends on it",
        resource: bucket,
        stack: [
            {
                ...res(TYPES.bucketLogging, "app-logging", { bucket: "app-bucket-id", targetBucket: "app-logs", targetPrefix: "s3/" }),
                dependsOn: ["app-bucket"],
            },
        ],
        env: "live",
        expect: 0,
    },
    {
        rule: "s3-server-access-logging-in-live",
        given: "the live log bucket itself, which other buckets log to",
        resource: res(TYPES.bucket, "app-logs-bucket", { bucket: "app-logs" }),
        stack: [res(TYPES.bucketLogging, "other-logging", { bucket: "other-bucket-id", targetBucket: "app-logs", targetPrefix: "s3/" })],
        env: "live",
        expect: 0,
    },
    { rule: "s3-server-access-logging-in-live", given: "a beta bucket whose requests nobody logs", resource: bucket, env: "beta", expect: 0 },
    {
        rule: "subnet-no-auto-public-ip",
        given: "a subnet mapping public IPs on launch",
        resource: res(TYPES.subnet, "app-public-0", { vpcId: "vpc-123", mapPublicIpOnLaunch: true }),
        expect: 1,
        mentions: /mapPublicIpOnLaunch is true/,
    },
    {
        rule: "subnet-no-auto-public-ip",
        given: "a subnet not mapping public IPs",
        resource: res(TYPES.subnet, "app-public-0", { vpcId: "vpc-123", mapPublicIpOnLaunch: false }),
        expect: 0,
    },
    {
        rule: "sg-open-ingress-web-ports-only",
        given: "a security group open to the internet on SSH and on everything over IPv6",
        resource: res(TYPES.securityGroup, "app-sg", {
            ingress: [
                { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] },
                { protocol: "-1", fromPort: 0, toPort: 0, ipv6CidrBlocks: ["::/0"] },
            ],
        }),
        expect: 2,
        mentions: /ingress\[[01]\] admits (tcp port 22|all protocols and ports) from (0\.0\.0\.0\/0|::\/0)/,
    },
    {
        rule: "sg-open-ingress-web-ports-only",
        given: "an ingress rule open to the internet on HTTPS",
        resource: res(TYPES.ingressRule, "lb-in-443", { securityGroupId: "sg-lb", ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0" }),
        expect: 0,
    },
    {
        rule: "log-group-retention-set",
        given: "a log group without retention",
        resource: res(TYPES.logGroup, "app-logs", { name: "/ecs/app" }),
        expect: 1,
        mentions: /retentionInDays is not set/,
    },
    { rule: "log-group-retention-set", given: "a log group keeping 30 days", resource: res(TYPES.logGroup, "app-logs", { retentionInDays: 30 }), expect: 0 },
    {
        rule: "iam-no-full-admin",
        given: 'a role policy allowing "*" on "*"',
        resource: rolePolicy([{ Sid: "Admin", Effect: "Allow", Action: "*", Resource: "*" }]),
        expect: 1,
        mentions: /policy statement "Admin" allows every action on every resource/,
    },
    {
        rule: "iam-no-full-admin",
        given: "a role policy allowing log writes on one log group",
        resource: rolePolicy([
            { Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: "arn:aws:logs:eu-west-1:1:log-group:/ecs/app:*" },
        ]),
        expect: 0,
    },
    {
        rule: "iam-no-wildcards",
        given: 'a role policy allowing s3:* on a bucket and ssm:GetParameters on "*"',
        resource: rolePolicy([
            { Sid: "Bucket", Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::app/*" },
            { Sid: "Params", Effect: "Allow", Action: ["ssm:GetParameters", "ecr:GetAuthorizationToken"], Resource: "*" },
        ]),
        expect: 2,
        mentions: /(statement "Bucket" allows wildcard action\(s\) s3:\*)|(statement "Params" allows ssm:GetParameters on Resource "\*")/,
    },
    {
        rule: "iam-no-wildcards",
        given: 'a role policy allowing ecr:GetAuthorizationToken on "*" and image pulls on one repository',
        resource: rolePolicy([
            { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
            { Sid: "Pull", Effect: "Allow", Action: ["ecr:BatchGetImage"], Resource: "arn:aws:ecr:eu-west-1:1:repository/app" },
        ]),
        expect: 0,
    },
    {
        rule: "ssm-secret-is-securestring",
        given: "a String parameter holding a Pulumi secret",
        resource: res(
            TYPES.parameter,
            "app-secret",
            { name: "/app/live/DATABASE_URL", type: "String", value: "postgres://db/app" },
            { secretPaths: ["value"] },
        ),
        expect: 1,
        mentions: /type is "String" but its value is a Pulumi secret/,
    },
    {
        rule: "ssm-secret-is-securestring",
        given: "a String parameter named like a secret",
        resource: res(TYPES.parameter, "app-token", { name: "/app/live/API_TOKEN", type: "String", value: "abc" }),
        expect: 1,
        mentions: /its name "\/app\/live\/API_TOKEN" suggests a secret/,
    },
    {
        rule: "ssm-secret-is-securestring",
        given: "a SecureString parameter holding a Pulumi secret",
        resource: res(
            TYPES.parameter,
            "app-secret",
            { name: "/app/live/DATABASE_URL", type: "SecureString", value: "postgres://db/app" },
            { secretPaths: ["value"] },
        ),
        expect: 0,
    },
    {
        rule: "ecr-scan-on-push",
        given: "a repository without scan on push and no registry scanning",
        resource: res(TYPES.ecrRepository, "app-repo", { name: "app", imageScanningConfiguration: { scanOnPush: false } }),
        expect: 1,
        mentions: /imageScanningConfiguration.scanOnPush is not true/,
    },
    { rule: "ecr-scan-on-push", given: "a repository scanning on push", resource: repo, expect: 0 },
    {
        rule: "ecr-scan-on-push",
        given: "a repository without scan on push in a registry with enhanced scanning",
        resource: res(TYPES.ecrRepository, "app-repo", { name: "app" }),
        stack: [res(TYPES.ecrRegistryScanning, "registry-scanning", { scanType: "ENHANCED" })],
        expect: 0,
    },
    {
        rule: "ecr-tag-immutability",
        given: "a repository with the default tag mutability",
        resource: res(TYPES.ecrRepository, "app-repo", { name: "app" }),
        expect: 1,
        mentions: /imageTagMutability is "MUTABLE"/,
    },
    { rule: "ecr-tag-immutability", given: "a repository with immutable tags", resource: repo, expect: 0 },
    {
        rule: "ecr-lifecycle-policy",
        given: "a repository without lifecycle policy",
        resource: repo,
        expect: 1,
        mentions: /the repository has no lifecycle policy/,
    },
    {
        rule: "ecr-lifecycle-policy",
        given: "a repository with a lifecycle policy naming it",
        resource: repo,
        stack: [res(TYPES.ecrLifecyclePolicy, "app-repo-lifecycle", { repository: "app", policy: "{}" })],
        expect: 0,
    },
    {
        rule: "sns-topic-kms-encrypted",
        given: "a topic without KMS key",
        resource: res(TYPES.topic, "alarms", { name: "alarms" }),
        expect: 1,
        mentions: /kmsMasterKeyId is not set/,
    },
    {
        rule: "sns-topic-kms-encrypted",
        given: "a topic encrypted with alias/aws/sns",
        resource: res(TYPES.topic, "alarms", { kmsMasterKeyId: "alias/aws/sns" }),
        expect: 0,
    },
    {
        rule: "sqs-queue-encrypted",
        given: "a queue encrypted by nobody",
        resource: res(TYPES.queue, "work", { name: "work" }),
        expect: 1,
        mentions: /neither sqsManagedSseEnabled: true nor kmsMasterKeyId is set/,
    },
    {
        rule: "sqs-queue-encrypted",
        given: "a queue with SSE-SQS",
        resource: res(TYPES.queue, "work", { name: "work", sqsManagedSseEnabled: true }),
        expect: 0,
    },
    {
        rule: "sqs-worker-queue-dead-letter",
        given: "a queue a topic delivers to, without a redrive policy",
        resource: res(TYPES.queue, "work", { name: "work", sqsManagedSseEnabled: true }),
        stack: [
            {
                ...res(TYPES.topicSubscription, "work-from-orders", { protocol: "sqs", endpoint: "arn:aws:sqs:eu-west-1:123456789012:work" }),
                dependsOn: ["work"],
            },
        ],
        expect: 1,
        mentions: /topics deliver to it but it has no redrivePolicy/,
    },
    {
        rule: "sqs-worker-queue-dead-letter",
        given: "a queue a topic delivers to, with a dead-letter queue after 5 receives",
        resource: res(TYPES.queue, "work", {
            name: "work",
            redrivePolicy: JSON.stringify({ deadLetterTargetArn: "arn:aws:sqs:eu-west-1:123456789012:work-dlq", maxReceiveCount: 5 }),
        }),
        stack: [
            {
                ...res(TYPES.topicSubscription, "work-from-orders", { protocol: "sqs", endpoint: "arn:aws:sqs:eu-west-1:123456789012:work" }),
                dependsOn: ["work"],
            },
        ],
        expect: 0,
    },
    {
        rule: "queue-topic-policy-no-open-principal",
        given: 'a queue policy letting principal "*" send without a source condition',
        resource: res(TYPES.queuePolicy, "work", {
            policy: JSON.stringify({ Statement: [{ Sid: "Anyone", Effect: "Allow", Principal: "*", Action: "sqs:SendMessage", Resource: "*" }] }),
        }),
        expect: 1,
        mentions: /statement "Anyone" allows a wildcard principal without a source condition/,
    },
    {
        rule: "queue-topic-policy-no-open-principal",
        given: "a queue policy letting SNS send from one topic",
        resource: res(TYPES.queuePolicy, "work", {
            policy: JSON.stringify({
                Statement: [
                    {
                        Effect: "Allow",
                        Principal: { Service: "sns.amazonaws.com" },
                        Action: "sqs:SendMessage",
                        Resource: "*",
                        Condition: { ArnEquals: { "aws:SourceArn": "arn:aws:sns:eu-west-1:123456789012:orders" } },
                    },
                ],
            }),
        }),
        expect: 0,
    },
    {
        rule: "lambda-no-public-access",
        given: 'a permission for principal "*" without source condition',
        resource: res(TYPES.lambdaPermission, "notifier-invoke", { action: "lambda:InvokeFunction", function: "notifier", principal: "*" }),
        expect: 1,
        mentions: /principal is "\*" without sourceArn/,
    },
    {
        rule: "lambda-no-public-access",
        given: "a permission for SNS limited to one topic",
        resource: res(TYPES.lambdaPermission, "notifier-invoke", {
            action: "lambda:InvokeFunction",
            function: "notifier",
            principal: "sns.amazonaws.com",
            sourceArn: "arn:aws:sns:eu-west-1:123456789012:alarms",
        }),
        expect: 0,
    },
    {
        rule: "lambda-supported-runtime",
        given: "a function on nodejs20.x",
        resource: res(TYPES.lambdaFunction, "notifier", { runtime: "nodejs20.x", handler: "index.handler", role: "arn:role" }),
        expect: 1,
        mentions: /runtime "nodejs20.x" is deprecated or unknown/,
    },
    {
        rule: "lambda-supported-runtime",
        given: "a function on nodejs22.x",
        resource: res(TYPES.lambdaFunction, "notifier", { runtime: "nodejs22.x", handler: "index.handler", role: "arn:role" }),
        expect: 0,
    },
    {
        rule: "waf-web-acl-has-rules",
        given: "a web ACL without rules",
        resource: webAcl,
        expect: 1,
        mentions: /the web ACL has no rules/,
    },
    {
        rule: "waf-web-acl-has-rules",
        given: "a web ACL with a managed rule group attached as a separate resource",
        resource: webAcl,
        stack: [res(TYPES.webAclRuleGroupAssociation, "app-acl-common", { ruleName: "common", priority: 1, webAclArn: "unknown" }, { dependsOn: ["app-acl"] })],
        expect: 0,
    },
    {
        rule: "waf-web-acl-logging",
        given: "a web ACL without logging configuration",
        resource: webAcl,
        expect: 1,
        mentions: /the web ACL has no logging configuration/,
    },
    {
        rule: "waf-web-acl-logging",
        given: "a web ACL with a logging configuration for its ARN",
        resource: webAcl,
        stack: [
            res(TYPES.webAclLogging, "app-acl-logs", {
                resourceArn: webAcl.inputs.arn,
                logDestinationConfigs: ["arn:aws:logs:eu-west-1:1:log-group:aws-waf-logs-app"],
            }),
        ],
        expect: 0,
    },
    {
        rule: "rds-storage-encrypted",
        given: "an instance without storageEncrypted",
        resource: dbInstance({ storageEncrypted: undefined }),
        expect: 1,
        mentions: /storageEncrypted is not set \(unencrypted\); set storageEncrypted: true/,
    },
    {
        rule: "rds-storage-encrypted",
        given: "an instance with storageEncrypted false",
        resource: dbInstance({ storageEncrypted: false }),
        expect: 1,
        mentions: /storageEncrypted is false; set storageEncrypted: true/,
    },
    { rule: "rds-storage-encrypted", given: "an instance with storageEncrypted true", resource: dbInstance(), expect: 0 },
    {
        rule: "rds-no-public-access",
        given: "a publicly accessible instance",
        resource: dbInstance({ publiclyAccessible: true }),
        expect: 1,
        mentions: /publiclyAccessible is true; set it to false/,
    },
    {
        rule: "rds-no-public-access",
        given: "an instance without publiclyAccessible (false)",
        resource: dbInstance({ publiclyAccessible: undefined }),
        expect: 0,
    },
    {
        rule: "rds-managed-master-password",
        given: "an instance with a master password in its inputs",
        resource: dbInstance({ password: "correct-horse-battery", manageMasterUserPassword: undefined }, { secretPaths: ["password"] }),
        expect: 1,
        // The message names the setting, never the password.
        mentions: /^(?!.*correct-horse).*: password is set, .* set manageMasterUserPassword: true/,
    },
    {
        rule: "rds-managed-master-password",
        given: "an instance with a write-only master password",
        resource: dbInstance({ passwordWo: "correct-horse-battery", passwordWoVersion: 1, manageMasterUserPassword: undefined }),
        expect: 1,
        mentions: /^(?!.*correct-horse).*: passwordWo is set, .* set manageMasterUserPassword: true/,
    },
    {
        rule: "rds-managed-master-password",
        given: "an instance with neither a password nor manageMasterUserPassword",
        resource: dbInstance({ manageMasterUserPassword: undefined }),
        expect: 1,
        mentions: /manageMasterUserPassword is not set \(false\); set it to true/,
    },
    { rule: "rds-managed-master-password", given: "an instance with manageMasterUserPassword true", resource: dbInstance(), expect: 0 },
    {
        rule: "rds-managed-master-password",
        given: "a read replica, which inherits its source's credentials",
        resource: dbInstance({ replicateSourceDb: "app-db", manageMasterUserPassword: undefined, username: undefined }),
        expect: 0,
    },
    {
        rule: "rds-automated-backups",
        given: "an instance with backupRetentionPeriod 0",
        resource: dbInstance({ backupRetentionPeriod: 0 }),
        expect: 1,
        mentions: /backupRetentionPeriod is 0, so RDS keeps no automated backups; set it to 1-35 days/,
    },
    {
        rule: "rds-automated-backups",
        given: "an instance without backupRetentionPeriod (0)",
        resource: dbInstance({ backupRetentionPeriod: undefined }),
        expect: 1,
        mentions: /backupRetentionPeriod is not set \(0\), so RDS keeps no automated backups/,
    },
    { rule: "rds-automated-backups", given: "an instance keeping 1 day of backups", resource: dbInstance({ backupRetentionPeriod: 1 }), expect: 0 },
    {
        rule: "rds-resilient-in-live",
        given: "a live instance that is single-AZ, unprotected, skips its final snapshot and keeps 1 day of backups",
        resource: dbInstance({ multiAz: false, deletionProtection: undefined, skipFinalSnapshot: true, backupRetentionPeriod: 1 }),
        env: "live",
        expect: 4,
        mentions:
            /(multiAz is false in live; set databaseMultiAz: true|deletionProtection is not set \(false\) in live; set it to true|skipFinalSnapshot is true in live, .* set it to false|backupRetentionPeriod is 1 in live; keep at least 7 days)/,
    },
    {
        rule: "rds-resilient-in-live",
        given: "the same instance in gamma",
        resource: dbInstance({ multiAz: false, deletionProtection: undefined, skipFinalSnapshot: true, backupRetentionPeriod: 1 }),
        env: "gamma",
        expect: 0,
    },
    { rule: "rds-resilient-in-live", given: "a live instance that is Multi-AZ and protected", resource: dbInstance(), env: "live", expect: 0 },
    {
        rule: "rds-resilient-in-live",
        given: "a live instance without automated backups (rds-automated-backups' finding, not this rule's)",
        resource: dbInstance({ backupRetentionPeriod: 0 }),
        env: "live",
        expect: 0,
    },
    {
        rule: "rds-ingress-from-security-groups-only",
        given: "an ingress rule admitting a VPC CIDR to the database's security group",
        resource: res(TYPES.ingressRule, "db-in", { securityGroupId: "sg-db", ipProtocol: "tcp", fromPort: 5432, toPort: 5432, cidrIpv4: "10.0.0.0/16" }),
        stack: [dbInstance()],
        expect: 1,
        mentions: /this rule admits CIDR 10\.0\.0\.0\/16 to a database security group; admit only the clients' security groups/,
    },
    {
        rule: "rds-ingress-from-security-groups-only",
        given: "an ec2 ingress rule admitting a prefix list to the database's security group",
        resource: res(TYPES.securityGroupRule, "db-in", {
            type: "ingress",
            securityGroupId: "sg-db",
            protocol: "tcp",
            fromPort: 5432,
            toPort: 5432,
            prefixListIds: ["pl-0123"],
        }),
        stack: [dbInstance()],
        expect: 1,
        mentions: /this rule admits prefix list pl-0123 to a database security group/,
    },
    {
        rule: "rds-ingress-from-security-groups-only",
        given: "the database's security group with an inline CIDR ingress block",
        resource: res(TYPES.securityGroup, "app-db-sg", { ingress: [{ protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["10.0.0.0/8"] }] }),
        stack: [res(TYPES.dbInstance, "app-db", { storageEncrypted: true }, { dependsOn: ["app-db-sg"] })],
        expect: 1,
        mentions: /ingress\[0\] admits CIDR 10\.0\.0\.0\/8 to a database security group/,
    },
    {
        rule: "rds-ingress-from-security-groups-only",
        given: "an ingress rule admitting a client's security group to the database's",
        resource: res(TYPES.ingressRule, "db-from-api", {
            securityGroupId: "sg-db",
            ipProtocol: "tcp",
            fromPort: 5432,
            toPort: 5432,
            referencedSecurityGroupId: "sg-tasks",
        }),
        stack: [dbInstance()],
        expect: 0,
    },
    {
        rule: "rds-ingress-from-security-groups-only",
        given: "an ingress rule admitting a CIDR to a security group that is not a database's",
        resource: res(TYPES.ingressRule, "lb-in", { securityGroupId: "sg-lb", ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0" }),
        stack: [dbInstance()],
        expect: 0,
    },
    {
        rule: "s3-bucket-public-access-block",
        given: "a bucket without a public access block",
        resource: bucket,
        expect: 1,
        mentions: /the bucket has no public access block; add an aws\.s3\.BucketPublicAccessBlock/,
    },
    {
        rule: "s3-bucket-public-access-block",
        given: "a bucket whose stack blocks public access of another bucket only",
        resource: bucket,
        stack: [res(TYPES.bucketPublicAccessBlock, "other-public-access", { bucket: "other-bucket", ...ALL_PUBLIC_ACCESS_BLOCKED })],
        expect: 1,
        mentions: /the bucket has no public access block/,
    },
    {
        rule: "s3-bucket-public-access-block",
        given: "a public access block that allows public policies",
        resource: res(TYPES.bucketPublicAccessBlock, "app-bucket-public-access", {
            bucket: "app-assets",
            blockPublicAcls: true,
            ignorePublicAcls: true,
            blockPublicPolicy: false,
        }),
        stack: [bucket],
        expect: 1,
        mentions:
            /blockPublicPolicy, restrictPublicBuckets are not true; set blockPublicAcls, ignorePublicAcls, blockPublicPolicy and restrictPublicBuckets all to true/,
    },
    {
        rule: "s3-bucket-public-access-block",
        given: "a bucket with a full public access block that depends on it",
        resource: bucket,
        stack: [
            res(TYPES.bucketPublicAccessBlock, "app-bucket-public-access", { bucket: "unknown", ...ALL_PUBLIC_ACCESS_BLOCKED }, { dependsOn: ["app-bucket"] }),
        ],
        expect: 0,
    },
    {
        rule: "s3-bucket-public-access-block",
        given: "a full public access block naming its bucket",
        resource: res(TYPES.bucketPublicAccessBlock, "app-bucket-public-access", { bucket: "app-assets", ...ALL_PUBLIC_ACCESS_BLOCKED }),
        stack: [bucket],
        expect: 0,
    },
    {
        rule: "s3-bucket-default-encryption",
        given: "a bucket without an encryption configuration",
        resource: bucket,
        expect: 1,
        mentions: /the bucket has no server-side encryption configuration; add an aws\.s3\.BucketServerSideEncryptionConfiguration/,
    },
    {
        rule: "s3-bucket-default-encryption",
        given: "a bucket whose encryption configuration sets no default algorithm",
        resource: bucket,
        stack: [res(TYPES.bucketEncryption, "app-bucket-encryption", { bucket: "app-assets", rules: [{ bucketKeyEnabled: true }] })],
        expect: 1,
        mentions: /the bucket has no server-side encryption configuration/,
    },
    {
        rule: "s3-bucket-default-encryption",
        given: "a bucket with an SSE-S3 configuration that depends on it",
        resource: bucket,
        stack: [
            res(
                TYPES.bucketEncryption,
                "app-bucket-encryption",
                { bucket: "unknown", rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }] },
                { dependsOn: ["app-bucket"] },
            ),
        ],
        expect: 0,
    },
    {
        rule: "s3-bucket-default-encryption",
        given: "a BucketV2 with an inline KMS encryption configuration",
        resource: res(TYPES.bucketV2, "app-bucket", {
            bucket: "app-assets",
            serverSideEncryptionConfiguration: { rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } } },
        }),
        expect: 0,
    },
    {
        rule: "s3-bucket-policy-no-public-allow",
        given: 'a bucket policy allowing s3:GetObject to Principal "*" without condition',
        resource: bucketPolicy([DENY_PLAIN_HTTP, PUBLIC_READ]),
        expect: 1,
        mentions: /policy statement "PublicRead" allows s3:GetObject to Principal "\*" without an aws:SourceIp condition/,
    },
    {
        rule: "s3-bucket-policy-no-public-allow",
        given: 'a bucket policy allowing { AWS: ["*"] } from 0.0.0.0/0',
        resource: bucketPolicy([{ ...PUBLIC_READ, Principal: { AWS: ["*"] }, Condition: { IpAddress: { "aws:SourceIp": ["0.0.0.0/0"] } } }]),
        expect: 1,
        mentions: /policy statement "PublicRead" allows s3:GetObject to Principal "\*" from aws:SourceIp 0\.0\.0\.0\/0, which is every address/,
    },
    {
        rule: "s3-bucket-policy-no-public-allow",
        given: 'a bucket policy allowing Principal "*" from every address but some (NotIpAddress)',
        resource: bucketPolicy([{ ...PUBLIC_READ, Condition: { NotIpAddress: { "aws:SourceIp": ["192.0.2.0/24"] } } }]),
        expect: 1,
        mentions: /without an aws:SourceIp condition/,
    },
    {
        rule: "s3-bucket-policy-no-public-allow",
        given: 'a bucket whose inline (deprecated) policy document allows Principal "*"',
        resource: res(TYPES.bucket, "app-bucket", { bucket: "app-assets", policy: { Version: "2012-10-17", Statement: [{ ...PUBLIC_READ, Sid: undefined }] } }),
        expect: 1,
        mentions: /policy statement #0 allows s3:GetObject to Principal "\*" without an aws:SourceIp condition/,
    },
    {
        rule: "s3-bucket-policy-no-public-allow",
        given: 'a bucket policy allowing Principal "*" only from named ranges (keys in any case), and denying plain HTTP to "*"',
        resource: bucketPolicy([DENY_PLAIN_HTTP, { ...PUBLIC_READ, Condition: { IpAddress: { "AWS:SourceIP": ["173.245.48.0/20", "2400:cb00::/32"] } } }]),
        expect: 0,
    },
    {
        rule: "s3-bucket-policy-no-public-allow",
        given: "a bucket policy allowing a named role",
        resource: bucketPolicy([{ ...PUBLIC_READ, Principal: { AWS: "arn:aws:iam::123456789012:role/app" } }]),
        expect: 0,
    },
];

function ruleNamed(name: string): Rule {
    const rule = RULES.find((r) => r.name === name);
    assert.ok(rule, `no rule named ${name}`);
    return rule;
}

describe("policy rules", () => {
    describe("each rule on minimal resources", () => {
        for (const s of SCENARIOS) {
            const then = s.expect === 0 ? "it reports nothing" : `it reports exactly ${s.expect} violation(s) naming the resource and the setting`;
            it(`GIVEN ${s.given} WHEN ${s.rule} checks it THEN ${then}`, () => {
                const rule = ruleNamed(s.rule);
                assert.ok(rule.resourceTypes.includes(s.resource.type), `${s.rule} does not check ${s.resource.type}`);
                const messages = rule.check(s.resource, { resources: [s.resource, ...(s.stack ?? [])], env: s.env });
                assert.equal(messages.length, s.expect, messages.join("\n"));
                for (const m of messages) {
                    assert.ok(m.startsWith(`${s.resource.name}: `), m);
                    assert.match(m, s.mentions ?? /(?!)/);
                }
            });
        }

        it("GIVEN the scenarios above WHEN matched to RULES THEN every rule has one that fires and one that stays quiet", () => {
            const missing = RULES.flatMap((r) => {
                const mine = SCENARIOS.filter((s) => s.rule === r.name);
                return [
                    ...(mine.some((s) => s.expect > 0) ? [] : [`${r.name}: no failing scenario`]),
                    ...(mine.some((s) => s.expect === 0) ? [] : [`${r.name}: no passing scenario`]),
                ];
            });
            assert.deepEqual(missing, []);
            assert.deepEqual(
                SCENARIOS.filter((s) => !RULES.some((r) => r.name === s.rule)).map((s) => s.rule),
                [],
            );
        });
    });

    describe("the rule set", () => {
        it("GIVEN RULES THEN every rule has a unique kebab-case name, a description, a level and at least one resource type", () => {
            const names = RULES.map((r) => r.name);
            assert.equal(new Set(names).size, names.length, `duplicate names: ${names.filter((n, i) => names.indexOf(n) !== i).join(", ")}`);
            for (const r of RULES) {
                assert.match(r.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
                assert.ok(r.description.length >= 20, `${r.name}: description too short`);
                assert.ok(r.enforcementLevel === "mandatory" || r.enforcementLevel === "advisory", r.name);
                assert.ok(r.resourceTypes.length >= 1, `${r.name}: no resource types`);
                if (r.control !== undefined) assert.match(r.control, /^[A-Za-z0-9]+\.\d+$/, r.name);
            }
        });

        it("GIVEN every rule's resource types THEN each is a type token of the installed @pulumi/aws", () => {
            const tokens = [...new Set([...RULES.flatMap((r) => r.resourceTypes), ...Object.values(TYPES)])];
            const bad = tokens.filter((token) => {
                const m = /^aws:([a-z0-9]+)\/([a-zA-Z0-9]+):([A-Z][A-Za-z0-9]*)$/.exec(token);
                if (!m) return true;
                const file = path.join(AWS_DIR, m[1], `${m[2]}.js`);
                return !fs.existsSync(file) || !fs.readFileSync(file, "utf8").includes(`__pulumiType = '${token}'`);
            });
            assert.deepEqual(bad, []);
        });

        it("GIVEN policy/README.md THEN its table documents every rule, and only those, with its control and level", () => {
            const rows = fs
                .readFileSync(path.join(__dirname, "..", "policy", "README.md"), "utf8")
                .split("\n")
                .filter((l) => l.startsWith("| `"))
                .map((l) => l.split("|").map((c) => c.trim()));
            assert.deepEqual(
                rows.map((c) => c[1]),
                RULES.map((r) => `\`${r.name}\``),
            );
            for (const r of RULES) {
                const [, , control, level] = rows.find((c) => c[1] === `\`${r.name}\``) ?? [];
                assert.ok(control?.startsWith(r.control ?? "own"), `${r.name}: control ${control}`);
                assert.equal(level, r.enforcementLevel, r.name);
            }
        });

        it("GIVEN TLS policy names THEN only TLS 1.3 policies with a TLS 1.2 or 1.3 minimum and no legacy ciphers count as recommended", () => {
            const accepted = [
                "ELBSecurityPolicy-TLS13-1-2-2021-06",
                "ELBSecurityPolicy-TLS13-1-3-2021-06",
                "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
                "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
            ];
            const rejected = [
                "ELBSecurityPolicy-2016-08",
                "ELBSecurityPolicy-TLS-1-2-2017-01",
                "ELBSecurityPolicy-TLS13-1-0-2021-06",
                "ELBSecurityPolicy-TLS13-1-1-2021-06",
                "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
                "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
            ];
            assert.deepEqual(
                accepted.filter((p) => !RECOMMENDED_TLS_POLICY.test(p)),
                [],
            );
            assert.deepEqual(
                rejected.filter((p) => RECOMMENDED_TLS_POLICY.test(p)),
                [],
            );
        });

        it("GIVEN a load balancer missing two settings WHEN evaluate runs THEN it returns one finding per rule with rule, control, resource, type and level", () => {
            const lb = loadBalancer({ dropInvalidHeaderFields: false, enableDeletionProtection: false });
            const findings = evaluate([lb], "beta").map(({ message: _message, ...rest }) => rest);
            assert.deepEqual(findings, [
                { rule: "elb-drop-invalid-headers", control: "ELB.4", resource: "app-alb", type: TYPES.loadBalancer, enforcementLevel: "mandatory" },
                { rule: "elb-deletion-protection", control: "ELB.6", resource: "app-alb", type: TYPES.loadBalancer, enforcementLevel: "advisory" },
            ]);
        });
    });

    describe("the fixture stacks under the mock runtime", function () {
        this.timeout(30_000);
        const runs = new Map<string, StackRun>();

        before(async () => {
            for (const stack of STACKS) {
                runs.set(stack, await runStack(stack, { overrides: { secret: { secrets: { web: { DATABASE_URL: "postgres://db/app" } } } } }));
            }
        });

        function findings(stack: string, env: string = stack): Finding[] {
            const run = runs.get(stack);
            assert.ok(run, `no run for ${stack}`);
            if (run.error) throw run.error;
            return evaluate(run.graph.all, env);
        }
        const brief = (found: Finding[]) => found.map((f) => `${f.rule} ${f.resource}`);

        /** Exactly what each stack is told, in rule order; a change to the program shows up here. */
        /**
         * The advisory findings the committed stacks accept, from their services: alpha's tasks have
         * public IPs (no NAT), and outside live (production tier) the ALB keeps no access logs, no
         * load balancer has deletion protection and the VPC no flow logs. Live's list is empty. (Every container names its user since ECS.20
         * became mandatory.)
         */
        const expectedAdvisory = (stack: (typeof STACKS)[number]): string[] => {
            const names = Object.keys(stackServices(stack));
            const live = stack === "live";
            return [
                ...(stack === "alpha" ? names.map((n) => `ecs-service-no-public-ip demo-${stack}-${n}-service`) : []),
                ...(live
                    ? []
                    : [
                          `elb-access-logs demo-${stack}-lb-alb`,
                          `elb-deletion-protection demo-${stack}-api-nlb-nlb`,
                          `elb-deletion-protection demo-${stack}-lb-alb`,
                          `vpc-flow-logs demo-${stack}-vpc`,
                      ]),
            ].sort();
        };

        for (const stack of STACKS) {
            it(`GIVEN the ${stack} stack WHEN every rule runs over its graph THEN the rules see its resources and nothing mandatory is violated`, () => {
                const run = runs.get(stack);
                assert.ok(run && !run.error, run?.error?.message);
                // The rules must have had something to check: each of these types is in the graph.
                const checked = new Set(run.graph.all.filter((r) => RULES.some((rule) => rule.resourceTypes.includes(r.type))).map((r) => r.type));
                for (const t of [
                    TYPES.taskDefinition,
                    TYPES.service,
                    TYPES.cluster,
                    TYPES.loadBalancer,
                    TYPES.listener,
                    TYPES.vpc,
                    TYPES.defaultSecurityGroup,
                    TYPES.subnet,
                    TYPES.securityGroup,
                    TYPES.ingressRule,
                    TYPES.logGroup,
                    TYPES.rolePolicy,
                    TYPES.parameter,
                    TYPES.dbInstance,
                    TYPES.bucket,
                    TYPES.bucketPublicAccessBlock,
                    TYPES.bucketPolicy,
                ]) {
                    assert.ok(checked.has(t), `${stack}: no ${t} in the graph`);
                }
                assert.deepEqual(
                    findings(stack)
                        .filter((f) => f.enforcementLevel === "mandatory")
                        .map((f) => f.message),
                    [],
                );
            });

            it(`GIVEN the ${stack} stack WHEN every rule runs over its graph THEN the advisory findings are exactly the expected ones`, () => {
                assert.deepEqual(brief(findings(stack).filter((f) => f.enforcementLevel === "advisory")).sort(), expectedAdvisory(stack));
            });
        }

        it("GIVEN alpha's graph WHEN evaluated as if it were live THEN the live-only rules reject its public task IPs, missing flow logs and single-AZ, unprotected database", () => {
            const mandatory = findings("alpha", "live").filter((f) => f.enforcementLevel === "mandatory");
            assert.deepEqual(
                brief(mandatory).sort(),
                [
                    "no-public-ips-in-live demo-alpha-api-service",
                    "no-public-ips-in-live demo-alpha-web-service",
                    ...Array<string>(4).fill("rds-resilient-in-live demo-alpha-db-instance"),
                    "vpc-flow-logs-in-live demo-alpha-vpc",
                    "elb-access-logs-in-live demo-alpha-lb-alb",
                    "s3-server-access-logging-in-live demo-alpha-assets-bucket",
                ].sort(),
            );
            const db = mandatory.filter((f) => f.rule === "rds-resilient-in-live").map((f) => f.message);
            [
                /^demo-alpha-db-instance: multiAz is false in live; set databaseMultiAz: true/,
                /^demo-alpha-db-instance: deletionProtection is false in live; set it to true \(protect: true in the stack file\)/,
                /^demo-alpha-db-instance: skipFinalSnapshot is true in live, so deleting the instance keeps no final snapshot; set it to false/,
                /^demo-alpha-db-instance: backupRetentionPeriod is 1 in live; keep at least 7 days \(databaseBackupRetentionDays: 7 or more\)/,
            ].forEach((re, i) => assert.match(db[i] ?? "", re));
        });

        it("GIVEN live's database without deletion protection and final snapshot (the settings refuse protect: false in live) WHEN every rule runs THEN exactly those two are rejected", () => {
            const mandatory = mandatoryAfter("live", "db-instance", (r) => ({
                ...r,
                inputs: { ...r.inputs, deletionProtection: false, skipFinalSnapshot: true },
            }));
            assert.deepEqual(brief(mandatory), ["rds-resilient-in-live demo-live-db-instance", "rds-resilient-in-live demo-live-db-instance"]);
            assert.match(
                mandatory[0].message,
                /^demo-live-db-instance: deletionProtection is false in live; set it to true \(protect: true in the stack file\)\.$/,
            );
            assert.match(
                mandatory[1].message,
                /^demo-live-db-instance: skipFinalSnapshot is true in live, so deleting the instance keeps no final snapshot; set it to false/,
            );
        });

        /**
         * The mandatory findings of `stack`'s graph once `edit` has replaced the resource named
         * `demo-<stack>-<suffix>` (or removed it, returning undefined): a bad input the program
         * cannot be configured into, made from what it does create. The recorded graph is not changed.
         */
        function mandatoryAfter(stack: string, suffix: string, edit: (r: PolicyResource) => PolicyResource | undefined, env: string = stack): Finding[] {
            const run = runs.get(stack);
            assert.ok(run && !run.error, run?.error?.message);
            const name = `demo-${stack}-${suffix}`;
            assert.equal(run.graph.all.filter((r) => r.name === name).length, 1, `${stack}: no single resource named ${name}`);
            const resources = run.graph.all.flatMap((r) => {
                if (r.name !== name) return [r];
                const changed = edit(r);
                return changed ? [changed] : [];
            });
            return evaluate(resources, env).filter((f) => f.enforcementLevel === "mandatory");
        }
        const patch =
            (inputs: Record<string, unknown>) =>
            (r: PolicyResource): PolicyResource => ({ ...r, inputs: { ...r.inputs, ...inputs } });
        const remove = (): undefined => undefined;
        /** Changes the statements of a bucket policy's JSON document. */
        const editPolicy =
            (change: (statements: Record<string, unknown>[]) => Record<string, unknown>[]) =>
            (r: PolicyResource): PolicyResource => {
                const doc = JSON.parse(String(r.inputs.policy)) as { Statement: Record<string, unknown>[] };
                return patch({ policy: JSON.stringify({ ...doc, Statement: change(doc.Statement) }) })(r);
            };

        interface DataCase {
            readonly given: string;
            readonly stacks: readonly (typeof STACKS)[number][];
            /** The edited resource: `demo-<stack>-<suffix>`. */
            readonly suffix: string;
            readonly edit: (r: PolicyResource) => PolicyResource | undefined;
            /** The one mandatory finding: its rule, the suffix of the resource it names, and its message's key parts. */
            readonly rule: string;
            readonly on: string;
            readonly message: RegExp;
            /** A value the message must not repeat (a password). */
            readonly hides?: string;
        }

        const DATA_CASES: readonly DataCase[] = [
            {
                given: "its database instance with storageEncrypted false",
                stacks: STACKS,
                suffix: "db-instance",
                edit: patch({ storageEncrypted: false }),
                rule: "rds-storage-encrypted",
                on: "db-instance",
                message: /: storageEncrypted is false; set storageEncrypted: true/,
            },
            {
                given: "its database instance publicly accessible",
                stacks: STACKS,
                suffix: "db-instance",
                edit: patch({ publiclyAccessible: true }),
                rule: "rds-no-public-access",
                on: "db-instance",
                message: /: publiclyAccessible is true; set it to false/,
            },
            {
                given: "its database instance with a master password instead of manageMasterUserPassword",
                stacks: STACKS,
                suffix: "db-instance",
                edit: patch({ manageMasterUserPassword: undefined, password: "correct-horse-battery" }),
                rule: "rds-managed-master-password",
                on: "db-instance",
                message:
                    /: password is set, so the master password is in the program's configuration and in Pulumi state; remove it and set manageMasterUserPassword: true/,
                hides: "correct-horse-battery",
            },
            {
                given: "its database instance with backupRetentionPeriod 0",
                stacks: STACKS,
                suffix: "db-instance",
                edit: patch({ backupRetentionPeriod: 0 }),
                rule: "rds-automated-backups",
                on: "db-instance",
                message: /: backupRetentionPeriod is 0, so RDS keeps no automated backups; set it to 1-35 days/,
            },
            {
                given: "live's database instance keeping 3 days of backups",
                stacks: ["live"],
                suffix: "db-instance",
                edit: patch({ backupRetentionPeriod: 3 }),
                rule: "rds-resilient-in-live",
                on: "db-instance",
                message: /: backupRetentionPeriod is 3 in live; keep at least 7 days/,
            },
            {
                given: "live's database instance single-AZ",
                stacks: ["live"],
                suffix: "db-instance",
                edit: patch({ multiAz: false }),
                rule: "rds-resilient-in-live",
                on: "db-instance",
                message: /: multiAz is false in live; set databaseMultiAz: true/,
            },
            {
                given: "the database's ingress from api admitting the VPC's CIDR instead of api's security group",
                stacks: STACKS,
                suffix: "db-from-api",
                edit: patch({ referencedSecurityGroupId: undefined, cidrIpv4: "10.0.0.0/16" }),
                rule: "rds-ingress-from-security-groups-only",
                on: "db-from-api",
                message:
                    /: this rule admits CIDR 10\.0\.0\.0\/16 to a database security group; admit only the clients' security groups with referencedSecurityGroupId/,
            },
            {
                given: "the database's security group with an inline ingress block from a CIDR",
                stacks: STACKS,
                suffix: "db-sg",
                edit: patch({ ingress: [{ protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["10.0.0.0/8"] }] }),
                rule: "rds-ingress-from-security-groups-only",
                on: "db-sg",
                message: /: ingress\[0\] admits CIDR 10\.0\.0\.0\/8 to a database security group/,
            },
            {
                given: "its assets bucket without its public access block",
                stacks: STACKS,
                suffix: "assets-public-access",
                edit: remove,
                rule: "s3-bucket-public-access-block",
                on: "assets-bucket",
                message: /: the bucket has no public access block; add an aws\.s3\.BucketPublicAccessBlock for it/,
            },
            {
                given: "its assets bucket's public access block with blockPublicAcls and restrictPublicBuckets false",
                stacks: STACKS,
                suffix: "assets-public-access",
                edit: patch({ blockPublicAcls: false, restrictPublicBuckets: false }),
                rule: "s3-bucket-public-access-block",
                on: "assets-public-access",
                message:
                    /: blockPublicAcls, restrictPublicBuckets are not true; set blockPublicAcls, ignorePublicAcls, blockPublicPolicy and restrictPublicBuckets all to true/,
            },
            {
                given: "its assets bucket without its encryption configuration",
                stacks: STACKS,
                suffix: "assets-encryption",
                edit: remove,
                rule: "s3-bucket-default-encryption",
                on: "assets-bucket",
                message: /: the bucket has no server-side encryption configuration; add an aws\.s3\.BucketServerSideEncryptionConfiguration/,
            },
            {
                given: 'its assets bucket policy with a statement allowing s3:GetObject to Principal "*"',
                stacks: STACKS,
                suffix: "assets-policy",
                edit: editPolicy((statements) => [
                    ...statements,
                    { Sid: "PublicRead", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::assets/*" },
                ]),
                rule: "s3-bucket-policy-no-public-allow",
                on: "assets-policy",
                message: /: policy statement "PublicRead" allows s3:GetObject to Principal "\*" without an aws:SourceIp condition/,
            },
            {
                given: "live's assets bucket policy with Cloudflare's read statement stripped of its aws:SourceIp condition",
                stacks: ["live"],
                suffix: "assets-policy",
                edit: editPolicy((statements) => {
                    assert.ok(
                        statements.some((s) => s.Sid === "CloudflareReadsObjects"),
                        "live's policy has no CloudflareReadsObjects statement",
                    );
                    return statements.map((s) => (s.Sid === "CloudflareReadsObjects" ? { ...s, Condition: undefined } : s));
                }),
                rule: "s3-bucket-policy-no-public-allow",
                on: "assets-policy",
                message: /: policy statement "CloudflareReadsObjects" allows s3:GetObject to Principal "\*" without an aws:SourceIp condition/,
            },
        ];

        for (const c of DATA_CASES) {
            for (const stack of c.stacks) {
                it(`GIVEN ${stack}'s graph with ${c.given} WHEN every rule runs over it THEN ${c.rule} reports exactly that, and nothing else is mandatory`, () => {
                    const mandatory = mandatoryAfter(stack, c.suffix, c.edit);
                    assert.deepEqual(brief(mandatory), [`${c.rule} demo-${stack}-${c.on}`]);
                    assert.match(mandatory[0].message, new RegExp(`^demo-${stack}-${c.on}${c.message.source}`));
                    if (c.hides) assert.ok(!mandatory[0].message.includes(c.hides), mandatory[0].message);
                });
            }
        }
    });
});
