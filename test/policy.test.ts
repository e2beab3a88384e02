/**
 * The policy rules (`policy/rules.ts`): each one fires on a minimal bad resource and stays quiet
 * on a good one, and the four committed stacks, run under the mock runtime, violate no mandatory
 * rule and raise exactly the advisory findings listed here. Never imports `policy/index.ts`:
 * constructing the PolicyPack would start its gRPC server.
 */
import * as assert from "assert/strict";
import * as fs from "fs";
import * as path from "path";
import { evaluate, Finding, PolicyResource, RECOMMENDED_TLS_POLICY, Rule, RULES, TYPES } from "../policy/rules";
import { runStack, StackRun } from "./harness/runStack";
import { stackServices } from "./harness/stackConfig";

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
        given: "a plain-HTTP test listener on 9080 that an ingress rule opens to the internet",
        resource: res(TYPES.listener, "app-test", { port: 9080, protocol: "HTTP", defaultActions: [{ type: "forward", targetGroupArn: "arn:tg" }] }),
        stack: [res(TYPES.ingressRule, "test-in", { securityGroupId: "sg-lb", ipProtocol: "tcp", fromPort: 9080, toPort: 9080, cidrIpv4: "0.0.0.0/0" })],
        expect: 1,
        mentions: /plain-HTTP listener on port 9080 is open to 0\.0\.0\.0\/0/,
    },
    {
        rule: "elb-http-redirects-to-https",
        given: "a plain-HTTP test listener on 9080 open only to an office and the NAT addresses",
        resource: res(TYPES.listener, "app-test", { port: 9080, protocol: "HTTP", defaultActions: [{ type: "forward", targetGroupArn: "arn:tg" }] }),
        stack: [
            res(TYPES.ingressRule, "test-in-0", { securityGroupId: "sg-lb", ipProtocol: "tcp", fromPort: 9080, toPort: 9080, cidrIpv4: "203.0.113.0/24" }),
            res(TYPES.ingressRule, "https-in", { securityGroupId: "sg-lb", ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0" }),
        ],
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

    describe("the committed stacks under the mock runtime", function () {
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
         * The advisory findings the committed stacks accept, from their services: no task names its
         * user (in live the tracing collector neither), alpha's tasks have public IPs (no NAT), the
         * ALB keeps no access logs, and outside live no load balancer has deletion protection and
         * the VPC no flow logs.
         */
        const expectedAdvisory = (stack: (typeof STACKS)[number]): string[] => {
            const names = Object.keys(stackServices(stack));
            const live = stack === "live";
            return [
                ...names.flatMap((n) => Array<string>(live ? 2 : 1).fill(`ecs-container-user-set demo-${stack}-${n}-task`)),
                ...(stack === "alpha" ? names.map((n) => `ecs-service-no-public-ip demo-${stack}-${n}-service`) : []),
                `elb-access-logs demo-${stack}-lb-alb`,
                ...(live
                    ? []
                    : [`elb-deletion-protection demo-${stack}-api-nlb-nlb`, `elb-deletion-protection demo-${stack}-lb-alb`, `vpc-flow-logs demo-${stack}-vpc`]),
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

        it("GIVEN alpha's graph WHEN evaluated as if it were live THEN the live-only rules reject its public task IPs and missing flow logs", () => {
            assert.deepEqual(brief(findings("alpha", "live").filter((f) => f.enforcementLevel === "mandatory")).sort(), [
                "no-public-ips-in-live demo-alpha-api-service",
                "no-public-ips-in-live demo-alpha-web-service",
                "vpc-flow-logs-in-live demo-alpha-vpc",
            ]);
        });
    });
});
