/**
 * The AWS conformance check (offline/conformance.ts): the suite's four fixture stacks and the
 * bootstrap, run under the mock runtime, raise exactly the findings listed here (real bugs, to be
 * fixed in their components); every kind of rule fails on a hand-made resource that breaks it and
 * passes one that keeps it; and the generated table says where each constraint came from.
 */
import * as assert from "assert/strict";
import { AUTONAME_SUFFIX, AWS_CONSTRAINTS, checkConformance, conformanceRules, modelPattern, UNKNOWN, valuesAt, Violation } from "../offline/conformance";
import { LAMBDA_RUNTIMES } from "../offline/conformanceRules";
import { Recorded } from "../offline/graph";
import { recorded } from "./harness/recorded";
import { FakeCloud, runStack, StackRun } from "../offline/runStack";
import { readOfflineAnswers } from "../offline/cloud";
import { BOOTSTRAP, stackServices } from "../offline/stackConfig";

const STACKS = ["alpha", "beta", "gamma", "live"] as const;

const resource = recorded;

/** The violations of one resource, as field, rule and source. */
function violations(r: Recorded | Recorded[]): Violation[] {
    return checkConformance(Array.isArray(r) ? r : [r]);
}

/** Asserts exactly one violation, on `field`, whose rule and source contain the given text. */
function assertOne(found: Violation[], field: string, rule: string, source: string): void {
    assert.equal(found.length, 1, `expected one violation, found ${found.length}: ${JSON.stringify(found, null, 1)}`);
    assert.equal(found[0].field, field);
    assert.ok(found[0].rule.includes(rule), `rule "${found[0].rule}" does not say "${rule}"`);
    assert.ok(found[0].source.includes(source), `source "${found[0].source}" does not name "${source}"`);
}

describe("AWS conformance of the fixture stacks and the bootstrap", () => {
    const runs = new Map<string, StackRun>();
    before(async () => {
        for (const stack of STACKS) runs.set(stack, await runStack(stack));
        runs.set("shared", await runStack("shared", { project: BOOTSTRAP }));
        for (const [stack, run] of runs) {
            if (run.error) throw run.error;
            assert.ok(run.graph.all.length > 50, `${stack} recorded ${run.graph.all.length} resources`);
        }
    });
    const checked = (stack: string) => checkConformance(runs.get(stack)!.graph.resources);

    for (const stack of ["alpha", "beta", "gamma", "live"]) {
        it(`GIVEN the ${stack} fixture stack WHEN checked THEN AWS would accept every input`, () => {
            assert.deepEqual(checked(stack), []);
        });
    }

    it("GIVEN live's smoke test WHEN its security group is described THEN the text uses only EC2's characters (it once had an apostrophe, which EC2 refuses)", () => {
        const sg = runs.get("live")!.graph.resources.find((r) => r.name === "demo-live-web-smoke-sg");
        assert.equal(sg?.inputs.description, "web smoke test: out only to the test listener port");
    });

    it("GIVEN alpha with ten public endpoints WHEN checked THEN the endpoint check's descriptions still fit Lambda's 256 and the schedule's 512 characters (they once listed every URL)", async () => {
        const hosts = [2, 3, 4, 5, 6, 7].map((i) => `h${i}-a-rather-long-name.alpha.example.org`);
        const services: Record<string, unknown> = { ...stackServices("alpha") };
        hosts.forEach((host, i) => {
            services[`s${i + 2}`] = { image: (services.web as { image: string }).image, expose: "http", priority: i + 2, hosts: [host] };
        });
        const answers = readOfflineAnswers();
        const bootstrapped = answers.bootstrapped.map((b) => (b.env === "alpha" ? { ...b, originHosts: [...b.originHosts, ...hosts] } : b));
        const run = await runStack("alpha", { overrides: { set: { services } }, cloud: new FakeCloud({ ...answers, bootstrapped }) });
        assert.equal(run.error, undefined);
        const check = run.graph.resources.find((r) => r.name === "demo-alpha-monitoring-endpoint-check" && r.type === "aws:lambda/function:Function");
        assert.equal(check?.inputs.description, "Checks the 8 public endpoints of demo alpha from outside the VPC");
        assert.deepEqual(checkConformance(run.graph.resources), []);
    });

    it("GIVEN the bootstrap's shared stack WHEN checked THEN AWS would accept every input", () => {
        assert.deepEqual(checked("shared"), []);
    });

    it("GIVEN every AWS type the stacks create THEN each has rules, but for the types whose inputs are only ids and switches", () => {
        const ruled = new Set(conformanceRules().map((r) => r.type));
        const types = new Set([...runs.values()].flatMap((run) => run.graph.all.filter((r) => r.custom && r.type.startsWith("aws:")).map((r) => r.type)));
        assert.deepEqual([...types].filter((t) => !ruled.has(t)).sort(), [
            "aws:acm/certificateValidation:CertificateValidation",
            "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
            "aws:ec2/internetGateway:InternetGateway",
            "aws:ec2/route:Route",
            "aws:ec2/routeTable:RouteTable",
            "aws:ec2/routeTableAssociation:RouteTableAssociation",
            "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
            "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
            "aws:s3/bucketPolicy:BucketPolicy",
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            "aws:s3/bucketVersioning:BucketVersioning",
            "aws:sns/topicPolicy:TopicPolicy",
            // A worker queue's subscription (topic and queue ARNs, protocol sqs) and its policy (queue URL, policy document).
            "aws:sns/topicSubscription:TopicSubscription",
            "aws:sqs/queuePolicy:QueuePolicy",
            "aws:wafv2/webAclAssociation:WebAclAssociation",
            "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
        ]);
    });
});

describe("AWS constraints table provenance", () => {
    it("names its generator, date and the botocore release of Debian's python3-botocore", () => {
        assert.equal(AWS_CONSTRAINTS.generator, "scripts/gen-aws-constraints.py");
        assert.match(AWS_CONSTRAINTS.generatedOn, /^\d{4}-\d\d-\d\d$/);
        assert.match(AWS_CONSTRAINTS.botocore.version, /^1\.29\.\d+$/);
    });

    it("gives every service's API version and model file", () => {
        const services = Object.entries(AWS_CONSTRAINTS.services);
        assert.ok(services.length >= 20, `${services.length} services`);
        for (const [name, s] of services) {
            assert.match(s.apiVersion, /^\d{4}-\d\d-\d\d$/, name);
            assert.equal(s.model, `botocore/data/${name}/${s.apiVersion}/service-2.json`);
        }
    });

    it("gives every field its service and origin operation.member -> shape", () => {
        let fields = 0;
        for (const [type, entries] of Object.entries(AWS_CONSTRAINTS.types)) {
            for (const [path, e] of Object.entries(entries)) {
                fields++;
                assert.ok(AWS_CONSTRAINTS.services[e.service], `${type} ${path}: unknown service ${e.service}`);
                assert.match(e.origin, /^[A-Za-z]+\.[A-Za-z0-9[\]{}.]+ -> [A-Za-z0-9]+$/, `${type} ${path}`);
            }
        }
        assert.ok(fields >= 300, `${fields} fields`);
    });

    it("reads every model pattern as a whole-value regular expression", () => {
        assert.doesNotThrow(() => conformanceRules());
        // IAM's role names: [\w+=,.@-]+ refuses a name with a space, though part of it matches.
        assert.equal(modelPattern("[\\w+=,.@-]+").test("my role"), false);
        assert.equal(modelPattern("[\\w+=,.@-]+").test("my-role"), true);
        // Java's \p{Print} (Application Auto Scaling policy names) is printable ASCII.
        assert.equal(modelPattern("\\p{Print}+").test("demo-live-web-cpu"), true);
        assert.equal(modelPattern("\\p{Print}+").test("a\nb"), false);
        // Unicode properties keep their meaning (CloudWatch Logs tag values).
        assert.equal(modelPattern("^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$").test("déjà vu"), true);
    });
});

describe("checkConformance", () => {
    describe("model constraints", () => {
        const cases: { name: string; r: Recorded; field: string; rule: string; source: string }[] = [
            {
                name: "a name longer than the model allows",
                r: resource("aws:iam/role:Role", { name: "r".repeat(65), assumeRolePolicy: "{}" }),
                field: "name",
                rule: "length 65 is above 64",
                source: "botocore 1.29.27 iam 2010-05-08: CreateRole.RoleName -> roleNameType",
            },
            {
                name: "a character outside the model's pattern",
                r: resource("aws:iam/role:Role", { name: "my role", assumeRolePolicy: "{}" }),
                field: "name",
                rule: "does not match",
                source: "CreateRole.RoleName -> roleNameType",
            },
            {
                name: "a number out of the model's range",
                r: resource("aws:lb/targetGroup:TargetGroup", { name: "web", healthCheck: { interval: 301 } }),
                field: "healthCheck.interval",
                rule: "301 is above 300",
                source: "elbv2 2015-12-01: CreateTargetGroup.HealthCheckIntervalSeconds -> HealthCheckIntervalSeconds",
            },
            {
                name: "a value outside the model's enum",
                r: resource("aws:cloudwatch/metricAlarm:MetricAlarm", { name: "a", comparisonOperator: "Bigger", evaluationPeriods: 1, period: 60 }),
                field: "comparisonOperator",
                rule: "not one of GreaterThanOrEqualToThreshold",
                source: "PutMetricAlarm.ComparisonOperator -> ComparisonOperator",
            },
            {
                name: "a list longer than the model allows",
                r: resource("aws:cloudwatch/metricAlarm:MetricAlarm", {
                    name: "a",
                    alarmActions: ["1", "2", "3", "4", "5", "6"],
                    evaluationPeriods: 1,
                    period: 60,
                }),
                field: "alarmActions",
                rule: "entries at most 5: length 6 is above 5",
                source: "PutMetricAlarm.AlarmActions -> ResourceList",
            },
            {
                name: "a container name inside a JSON string input",
                r: resource("aws:ecs/taskDefinition:TaskDefinition", {
                    family: "web",
                    containerDefinitions: JSON.stringify([{ name: "web" }, { name: "bad name" }]),
                }),
                field: "containerDefinitions[1].name",
                rule: "container name",
                source: "API_RegisterTaskDefinition.html",
            },
        ];
        for (const c of cases) {
            it(`refuses ${c.name}`, () => assertOne(violations(c.r), c.field, c.rule, c.source));
        }
    });

    describe("hand rules", () => {
        const cases: { name: string; r: Recorded | Recorded[]; field: string; rule: string; source: string }[] = [
            {
                name: "a load balancer name of 33 characters",
                r: resource("aws:lb/loadBalancer:LoadBalancer", { name: "a".repeat(33) }),
                field: "name",
                rule: "length 33 is above 32",
                source: "API_CreateLoadBalancer.html",
            },
            {
                name: 'a load balancer name beginning with "internal-"',
                r: resource("aws:lb/loadBalancer:LoadBalancer", { name: "internal-web" }),
                field: "name",
                rule: 'begins with "internal-"',
                source: "API_CreateLoadBalancer.html",
            },
            {
                name: "a target group name ending with a hyphen",
                r: resource("aws:lb/targetGroup:TargetGroup", { name: "web-" }),
                field: "name",
                rule: "begins or ends with a hyphen",
                source: "API_CreateTargetGroup.html",
            },
            {
                name: "an ALB health check code above 499",
                r: resource("aws:lb/targetGroup:TargetGroup", { name: "web", protocol: "HTTP", healthCheck: { matcher: "200-599" } }),
                field: "healthCheck.matcher",
                rule: "200-599 is outside 200-499",
                source: "API_Matcher.html",
            },
            {
                name: "a host header value over 128 characters",
                r: resource("aws:lb/listenerRule:ListenerRule", { priority: 1, conditions: [{ hostHeader: { values: [`${"a".repeat(125)}.org`] } }] }),
                field: "conditions[0].hostHeader.values[0]",
                rule: "length 129 is above 128",
                source: "rule-condition-types.html#host-conditions",
            },
            {
                name: "an apostrophe in a security group rule description",
                r: resource("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", { description: "the LB's port" }),
                field: "description",
                rule: "does not match",
                source: "API_IpRange.html",
            },
            {
                name: "a /29 VPC",
                r: resource("aws:ec2/vpc:Vpc", { cidrBlock: "10.0.0.0/29" }),
                field: "cidrBlock",
                rule: "between /16 and /28",
                source: "vpc-cidr-blocks.html",
            },
            {
                name: "an S3 bucket name with capitals",
                r: resource("aws:s3/bucket:Bucket", { bucket: "Demo-Assets" }),
                field: "bucket",
                rule: "does not match",
                source: "bucketnamingrules.html",
            },
            {
                name: "an S3 bucket name of 64 characters",
                r: resource("aws:s3/bucket:Bucket", { bucket: "a".repeat(64) }),
                field: "bucket",
                rule: "length 64 is above 63",
                source: "bucketnamingrules.html",
            },
            {
                name: "an RDS identifier with two hyphens in a row",
                r: resource("aws:rds/instance:Instance", { identifier: "demo--db" }),
                field: "identifier",
                rule: "two consecutive hyphens",
                source: "API_CreateDBInstance.html",
            },
            {
                name: "an RDS identifier starting with a digit",
                r: resource("aws:rds/instance:Instance", { identifier: "1db" }),
                field: "identifier",
                rule: "a letter first",
                source: "API_CreateDBInstance.html",
            },
            {
                name: "a backup retention of 36 days",
                r: resource("aws:rds/instance:Instance", { identifier: "db", backupRetentionPeriod: 36 }),
                field: "backupRetentionPeriod",
                rule: "36 is above 35",
                source: "API_CreateDBInstance.html",
            },
            {
                name: "a backup window inside the maintenance window",
                r: resource("aws:rds/instance:Instance", { identifier: "db", backupWindow: "04:00-05:00", maintenanceWindow: "sun:04:30-sun:05:30" }),
                field: "backupWindow",
                rule: "overlaps the maintenance window",
                source: "API_CreateDBInstance.html",
            },
            {
                name: "an ACM domain name of 65 octets",
                r: resource("aws:acm/certificate:Certificate", { domainName: `${"a".repeat(61)}.org` }),
                field: "domainName",
                rule: "65 bytes; at most 64",
                source: "API_RequestCertificate.html",
            },
            {
                name: "Lambda environment variables over 4 KB",
                r: resource("aws:lambda/function:Function", { name: "f", environment: { variables: { BIG: "x".repeat(4096) } } }),
                field: "environment.variables",
                rule: "at most 4 KB",
                source: "gettingstarted-limits.html",
            },
            {
                name: "a Lambda runtime Lambda no longer supports",
                r: resource("aws:lambda/function:Function", { name: "f", runtime: "nodejs16.x" }),
                field: "runtime",
                rule: "not one of nodejs24.x",
                source: "lambda-runtimes.html",
            },
            {
                name: "a Lambda timeout of 901 seconds",
                r: resource("aws:lambda/function:Function", { name: "f", timeout: 901 }),
                field: "timeout",
                rule: "901 is above 900",
                source: "API_CreateFunction.html",
            },
            {
                name: "a plural rate unit for 1",
                r: resource("aws:scheduler/schedule:Schedule", { name: "s", scheduleExpression: "rate(1 minutes)" }),
                field: "scheduleExpression",
                rule: "the unit must be singular",
                source: "schedule-types.html",
            },
            {
                name: "a five-field cron",
                r: resource("aws:cloudwatch/eventRule:EventRule", { name: "r", scheduleExpression: "cron(0 3 * * ?)" }),
                field: "scheduleExpression",
                rule: "has 6 fields",
                source: "eb-rate-expressions.html",
            },
            {
                name: "a log retention CloudWatch does not offer",
                r: resource("aws:cloudwatch/logGroup:LogGroup", { name: "/ecs/x", retentionInDays: 2 }),
                field: "retentionInDays",
                rule: "not one of 1, 3, 5",
                source: "API_PutRetentionPolicy.html",
            },
            {
                name: "an alarm period of 45 seconds",
                r: resource("aws:cloudwatch/metricAlarm:MetricAlarm", { name: "a", period: 45, evaluationPeriods: 1 }),
                field: "period",
                rule: "neither 10, 20, 30 nor a multiple of 60",
                source: "API_PutMetricAlarm.html",
            },
            {
                name: "an alarm evaluating over more than a day at one-minute periods",
                r: resource("aws:cloudwatch/metricAlarm:MetricAlarm", { name: "a", period: 60, evaluationPeriods: 1441 }),
                field: "evaluationPeriods",
                rule: "at most 86400 s",
                source: "API_PutMetricAlarm.html",
            },
            {
                name: "more datapoints than evaluation periods",
                r: resource("aws:cloudwatch/metricAlarm:MetricAlarm", { name: "a", period: 60, evaluationPeriods: 2, datapointsToAlarm: 3 }),
                field: "datapointsToAlarm",
                rule: "3 > evaluationPeriods 2",
                source: "alarm-evaluation.html",
            },
            {
                name: "an SSM parameter whose ARN exceeds 1011 characters",
                r: resource("aws:ssm/parameter:Parameter", { name: `/${"p".repeat(990)}`, type: "String" }, "p", {
                    arn: `arn:aws:ssm:eu-west-1:123456789012:parameter/${"p".repeat(990)}`,
                }),
                field: "name",
                rule: "at most 1011 characters",
                source: "API_PutParameter.html",
            },
            {
                name: 'an SNS topic name with a "."',
                r: resource("aws:sns/topic:Topic", { name: "demo.alarms" }),
                field: "name",
                rule: "only ASCII letters",
                source: "API_CreateTopic.html",
            },
            {
                name: "an ECS service name with a space",
                r: resource("aws:ecs/service:Service", { name: "web service" }),
                field: "name",
                rule: "does not match",
                source: "API_CreateService.html",
            },
            {
                name: "a Fargate memory size the CPU does not allow",
                r: resource("aws:ecs/taskDefinition:TaskDefinition", { family: "web", cpu: "256", memory: "4096", requiresCompatibilities: ["FARGATE"] }),
                field: "memory",
                rule: "4096 MiB is not allowed with cpu 256",
                source: "fargate-tasks-services.html",
            },
            {
                name: 'a KMS alias under "alias/aws/"',
                r: resource("aws:kms/alias:Alias", { name: "alias/aws/demo" }),
                field: "name",
                rule: "reserved",
                source: "API_CreateAlias.html",
            },
            {
                name: "a KMS deletion window of 5 days",
                r: resource("aws:kms/key:Key", { deletionWindowInDays: 5 }),
                field: "deletionWindowInDays",
                rule: "5 is below 7",
                source: "API_ScheduleKeyDeletion.html",
            },
            {
                name: "a WAF rate limit of 5",
                r: resource("aws:wafv2/webAcl:WebAcl", {
                    name: "acl",
                    rules: [{ name: "rate", priority: 0, statement: { rateBasedStatement: { limit: 5 } } }],
                }),
                field: "rules[0].statement.rateBasedStatement.limit",
                rule: "5 is below 10",
                source: "API_RateBasedStatement.html",
            },
            {
                name: "a backup deleted within 90 days of cold storage",
                r: resource("aws:backup/plan:Plan", { name: "daily", rules: [{ ruleName: "daily", lifecycle: { coldStorageAfter: 30, deleteAfter: 60 } }] }),
                field: "rules[0].lifecycle",
                rule: "deleteAfter 60 < coldStorageAfter 30 + 90",
                source: "API_Lifecycle.html",
            },
            {
                name: "a managed policy over 6,144 characters",
                r: resource("aws:iam/policy:Policy", {
                    name: "p",
                    policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "x".repeat(6200) }] }),
                }),
                field: "policy",
                rule: "a managed policy holds at most 6,144",
                source: "reference_iam-quotas.html",
            },
            {
                name: "a role's inline policies over 10,240 characters together",
                r: [1, 2].map((i) =>
                    resource(
                        "aws:iam/rolePolicy:RolePolicy",
                        { name: `p${i}`, role: "deploy", policy: JSON.stringify({ Resource: "x".repeat(6000) }) },
                        `deploy-p${i}`,
                    ),
                ),
                field: "policy",
                rule: "at most 10,240 characters together",
                source: "reference_iam-quotas.html",
            },
            {
                name: 'a tag key beginning with "aws:"',
                r: resource("aws:ec2/vpc:Vpc", { cidrBlock: "10.0.0.0/16", tags: { "aws:owner": "me" } }),
                field: "tags{aws:owner}",
                rule: 'begins with the reserved "aws:"',
                source: "tagging.html",
            },
        ];
        for (const c of cases) {
            it(`refuses ${c.name}`, () => assertOne(violations(c.r), c.field, c.rule, c.source));
        }

        it("holds a TCP target group's health check codes to 200-599, not the ALB's 200-499", () => {
            assert.deepEqual(
                violations(resource("aws:lb/targetGroup:TargetGroup", { name: "api", protocol: "TCP", healthCheck: { matcher: "200-599", protocol: "HTTP" } })),
                [],
            );
        });

        it("accepts the singular unit for 1 and the plural above, and a six-field cron", () => {
            for (const e of ["rate(1 minute)", "rate(5 minutes)", "cron(0 3 * * ? *)", "at(2027-01-01T00:00:00)"]) {
                assert.deepEqual(violations(resource("aws:scheduler/schedule:Schedule", { name: "s", scheduleExpression: e })), [], e);
            }
        });

        it("lists the runtime the endpoint check uses among Lambda's", () => {
            assert.ok(LAMBDA_RUNTIMES.includes("nodejs22.x"));
        });
    });

    describe("absent, unknown and generated values", () => {
        it("skips an input that is absent", () => {
            assert.deepEqual(violations(resource("aws:lb/targetGroup:TargetGroup", { name: "web" })), []);
        });

        it("refuses an input that is present but unknown offline, rather than passing it", () => {
            assertOne(
                violations(resource("aws:lb/targetGroup:TargetGroup", { name: "web", healthCheck: { path: UNKNOWN } })),
                "healthCheck.path",
                "unknown offline",
                "CreateTargetGroup.HealthCheckPath",
            );
        });

        it("refuses a present input whose value is undefined", () => {
            assertOne(
                violations(resource("aws:lb/targetGroup:TargetGroup", { name: "web", port: undefined })),
                "port",
                "unknown offline",
                "CreateTargetGroup.Port",
            );
        });

        it("refuses a JSON input that does not parse", () => {
            assertOne(
                violations(resource("aws:ecs/taskDefinition:TaskDefinition", { family: "web", containerDefinitions: "[{" })),
                "containerDefinitions",
                "not valid JSON",
                "RegisterTaskDefinition",
            );
        });

        it("checks the name Pulumi generates when none is given: the logical name, a hyphen and 7 characters", () => {
            const logical = "r".repeat(60);
            const found = violations(resource("aws:iam/role:Role", { assumeRolePolicy: "{}" }, logical));
            assertOne(found, "name (autonamed)", "length 68 is above 64", "CreateRole.RoleName");
            assert.equal(found[0].value, `${logical}${AUTONAME_SUFFIX}`);
        });

        it("reads paths through arrays, maps and map keys", () => {
            assert.deepEqual(
                valuesAt({ a: [{ b: { x: 1, y: 2 } }] }, "a[].b{}").map((f) => [f.field, f.value]),
                [
                    ["a[0].b.x", 1],
                    ["a[0].b.y", 2],
                ],
            );
            assert.deepEqual(
                valuesAt({ a: { k: 1 } }, "a{key}").map((f) => f.value),
                ["k"],
            );
            assert.deepEqual(valuesAt({}, "a.b"), []);
        });
    });
});
