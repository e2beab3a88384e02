/**
 * Security Hub's controls the issue found failing (ECS.20, ELB.1, ELB.5, S3.9), on the suite's
 * fixture stacks: each test fails on the code before the fix.
 */
import * as assert from "assert/strict";
import * as fs from "fs";
import * as path from "path";
import { CONTAINER_USER } from "../components/fargateTask";
import { elbLogWriter } from "../components/logBucket";
import { buildSettings } from "../stacks";
import { stackConfig } from "../offline/stackConfig";
import { checkConformance } from "../offline/conformance";
import { Recorded } from "../offline/graph";
import { recorded } from "./harness/recorded";
import { runEachBefore, runStack } from "../offline/runStack";
import { BOOTSTRAP } from "../offline/stackConfig";

const STACKS = ["alpha", "beta", "gamma", "live"] as const;

describe("Security Hub controls on the fixture stacks", () => {
    const runs = runEachBefore(STACKS);

    it("ECS.20: GIVEN every fixture stack WHEN its task definitions are built THEN every container names a non-root user (app 1000, the collector 10001)", () => {
        for (const stack of STACKS) {
            const tasks = runs.graph(stack).find("aws:ecs/taskDefinition:TaskDefinition");
            assert.ok(tasks.length >= 2, `${stack}: ${tasks.length} task definitions`);
            for (const t of tasks) {
                const containers = JSON.parse(String(t.inputs.containerDefinitions)) as { name: string; user?: string }[];
                for (const c of containers) assert.equal(c.user, c.name === "otel-collector" ? "10001" : "1000", `${stack} ${t.name} ${c.name}`);
            }
        }
    });

    it("ECS.20: GIVEN the sample app's Dockerfile THEN its runtime stage runs as node, the uid 1000 the task definitions name", () => {
        const dockerfile = fs.readFileSync(path.join(__dirname, "..", "app", "Dockerfile"), "utf8");
        const runtime = dockerfile.slice(dockerfile.indexOf("AS runtime"));
        assert.deepEqual(runtime.match(/^USER .*$/gm), ["USER node"]);
        // The official node images create the user node with uid 1000.
        assert.equal(CONTAINER_USER, "1000");
    });

    it("ELB.1: GIVEN live (canary, blue/green's test listener) WHEN planned THEN no listener serves plain HTTP but the redirect on 80; the test listener is HTTPS with the certificate and TLS policy of the production one, and the smoke test names the host in the handshake", () => {
        const graph = runs.graph("live");
        const listeners = graph.find("aws:lb/listener:Listener").filter((l) => !String(l.inputs.loadBalancerArn).includes("/net/"));
        const http = listeners.filter((l) => l.inputs.protocol === "HTTP");
        assert.deepEqual(
            http.map((l) => [l.inputs.port, (l.inputs.defaultActions as { type: string }[]).map((a) => a.type)]),
            [[80, ["redirect"]]],
        );
        const production = graph.one("aws:lb/listener:Listener", { port: 443, protocol: "HTTPS" });
        const test = graph.one("aws:lb/listener:Listener", { port: 9080 });
        assert.deepEqual(
            [test.inputs.protocol, test.inputs.sslPolicy, test.inputs.certificateArn],
            ["HTTPS", production.inputs.sslPolicy, production.inputs.certificateArn],
        );
        const smoke = graph.find("aws:lambda/function:Function").filter((f) => String(f.inputs.name).endsWith("-smoke-test"));
        assert.equal(smoke.length, 1);
        const env = (smoke[0].inputs.environment as { variables: Record<string, string> }).variables;
        const lb = graph.one("aws:lb/loadBalancer:LoadBalancer", { name: "demo-live" });
        assert.deepEqual([env.SMOKE_BASE_URL, env.SMOKE_HOST], [`https://${String(lb.outputs.dnsName)}:9080`, "example.org"]);
    });

    it("ELB.5: GIVEN live (production tier) WHEN planned THEN its load balancer logs to the environment's bucket under elb/, which eu-west-1's ELB account may write", () => {
        const graph = runs.graph("live");
        const alb = graph.one("aws:lb/loadBalancer:LoadBalancer", { loadBalancerType: "application" });
        assert.deepEqual(alb.inputs.accessLogs, { bucket: "demo-live-logs-123456789012", prefix: "elb", enabled: true });
        const policy = JSON.parse(String(graph.one("aws:s3/bucketPolicy:BucketPolicy", { bucket: "demo-live-logs-bucket-id" }).inputs.policy));
        assert.deepEqual(
            policy.Statement.find((st: { Sid: string }) => st.Sid === "LoadBalancerAccessLogs"),
            {
                Sid: "LoadBalancerAccessLogs",
                Effect: "Allow",
                Principal: { AWS: "arn:aws:iam::156460612806:root" },
                Action: "s3:PutObject",
                Resource: "arn:aws:s3:::demo-live-logs-123456789012/elb/AWSLogs/123456789012/*",
            },
        );
        assert.ok(
            alb.dependsOn.some((urn) => urn.endsWith("demo-live-logs-policy")),
            "the load balancer waits for the policy",
        );
    });

    it("ELB.5: GIVEN live's log bucket THEN it is SSE-S3 (ELB logs support no KMS), private, and expires logs after the stack's log retention", () => {
        const graph = runs.graph("live");
        const bucket = "demo-live-logs-bucket-id";
        assert.deepEqual(graph.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", { bucket }).inputs.rules, [
            { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
        ]);
        assert.equal(graph.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", { bucket }).inputs.restrictPublicBuckets, true);
        const days = buildSettings("live", stackConfig("live")).logRetentionDays;
        const rules = graph.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", { bucket }).inputs.rules as {
            expiration: { days: number };
        }[];
        assert.equal(rules[0].expiration.days, days);
    });

    it("ELB.5: GIVEN alpha (development tier) THEN no access logs by default, and accessLogs: true turns them on", async () => {
        const alb = (stack: string) => runs.graph(stack).one("aws:lb/loadBalancer:LoadBalancer", { loadBalancerType: "application" });
        assert.equal(alb("alpha").inputs.accessLogs, undefined);
        const on = await runStack("alpha", { overrides: { set: { accessLogs: true } } });
        if (on.error) throw on.error;
        assert.deepEqual(on.graph.one("aws:lb/loadBalancer:LoadBalancer", { loadBalancerType: "application" }).inputs.accessLogs, {
            bucket: "demo-alpha-logs-123456789012",
            prefix: "elb",
            enabled: true,
        });
        assert.equal(on.graph.one("aws:s3/bucketLogging:BucketLogging").inputs.bucket, "demo-alpha-assets-bucket-id");
    });

    it("ELB.5: GIVEN a Region opened before August 2022 THEN its ELB account writes; GIVEN a newer one THEN the log delivery service principal does", () => {
        assert.deepEqual(elbLogWriter("us-east-1"), { AWS: "arn:aws:iam::127311923021:root" });
        assert.deepEqual(elbLogWriter("us-gov-west-1"), { AWS: "arn:aws-us-gov:iam::048591011584:root" });
        assert.deepEqual(elbLogWriter("ap-southeast-4"), { Service: "logdelivery.elasticloadbalancing.amazonaws.com" });
    });

    it("S3.9: GIVEN live (production tier) WHEN planned THEN its assets bucket logs its requests to the log bucket under s3/, which only S3's log delivery for that bucket and account may write", () => {
        const graph = runs.graph("live");
        assert.deepEqual(graph.one("aws:s3/bucketLogging:BucketLogging").inputs, {
            bucket: "demo-live-assets-bucket-id",
            targetBucket: "demo-live-logs-123456789012",
            targetPrefix: "s3/",
        });
        const policy = JSON.parse(String(graph.one("aws:s3/bucketPolicy:BucketPolicy", { bucket: "demo-live-logs-bucket-id" }).inputs.policy));
        assert.deepEqual(
            policy.Statement.find((st: { Sid: string }) => st.Sid === "S3ServerAccessLogs"),
            {
                Sid: "S3ServerAccessLogs",
                Effect: "Allow",
                Principal: { Service: "logging.s3.amazonaws.com" },
                Action: "s3:PutObject",
                Resource: "arn:aws:s3:::demo-live-logs-123456789012/s3/*",
                Condition: { ArnLike: { "aws:SourceArn": ["arn:aws:s3:::assets.example.org"] }, StringEquals: { "aws:SourceAccount": "123456789012" } },
            },
        );
    });

    it("S3.9: GIVEN beta (staging tier, accessLogs off by default) THEN its assets bucket has no access logging and there is no log bucket", () => {
        const graph = runs.graph("beta");
        graph.resourceCountIs("aws:s3/bucketLogging:BucketLogging", 0);
        assert.deepEqual(
            graph.ofType("aws:s3/bucket:Bucket").map((b) => b.name),
            ["demo-beta-assets-bucket"],
        );
    });
});

const made = (type: string, inputs: Record<string, unknown>): Recorded => recorded(type, inputs, "made");
const fields = (r: Recorded) => checkConformance([r]).map((v) => `${v.field}: ${v.rule}`);

describe("AWS conformance of the log bucket's types", () => {
    it("GIVEN an access log prefix with AWSLogs or a trailing slash THEN refused; GIVEN elb THEN accepted", () => {
        const lb = (prefix: string) =>
            made("aws:lb/loadBalancer:LoadBalancer", {
                loadBalancerType: "application",
                accessLogs: { bucket: "demo-live-logs-123456789012", prefix, enabled: true },
            });
        assert.deepEqual(fields(lb("elb/AWSLogs")), [
            "accessLogs.prefix: access log prefix: must not contain AWSLogs, nor start or end with a slash: contains AWSLogs or starts or ends with /",
        ]);
        assert.deepEqual(fields(lb("elb/")), [
            "accessLogs.prefix: access log prefix: must not contain AWSLogs, nor start or end with a slash: contains AWSLogs or starts or ends with /",
        ]);
        assert.deepEqual(fields(lb("elb")), []);
    });

    it("GIVEN a lifecycle expiring after 0 days THEN refused; GIVEN 1 THEN accepted", () => {
        const lifecycle = (days: number) =>
            made("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", {
                bucket: "b",
                rules: [{ id: "expire-logs", status: "Enabled", expiration: { days } }],
            });
        assert.deepEqual(fields(lifecycle(0)), ["rules[0].expiration.days: lifecycle expiration: a positive whole number of days: 0 is below 1"]);
        assert.deepEqual(fields(lifecycle(1)), []);
    });

    it("GIVEN a server access log prefix of 1025 characters THEN refused; GIVEN s3/ THEN accepted", () => {
        const logging = (targetPrefix: string) =>
            made("aws:s3/bucketLogging:BucketLogging", { bucket: "b", targetBucket: "demo-live-logs-123456789012", targetPrefix });
        assert.deepEqual(fields(logging("p".repeat(1025))), [
            "targetPrefix: server access log prefix: part of an object key, at most 1024 bytes: length 1025 is above 1024",
        ]);
        assert.deepEqual(fields(logging("s3/")), []);
    });
});

describe("Security Hub S3.9 on the bootstrap's state bucket", () => {
    it("GIVEN the fixture shared stack WHEN run THEN the state bucket logs its requests to <stateBucket>-logs, which only S3's log delivery for it may write, kept 365 days", async () => {
        const run = await runStack("shared", { project: BOOTSTRAP });
        if (run.error) throw run.error;
        const state = run.graph.byName("demo-state-bucket");
        const logging = run.graph.one("aws:s3/bucketLogging:BucketLogging");
        const target = String(state.inputs.bucket) + "-logs";
        assert.deepEqual(logging.inputs, { bucket: state.inputs.bucket, targetBucket: target, targetPrefix: "s3/" });
        const policy = JSON.parse(String(run.graph.one("aws:s3/bucketPolicy:BucketPolicy", { bucket: "demo-state-logs-bucket-id" }).inputs.policy));
        const allow = policy.Statement.filter((st: { Effect: string }) => st.Effect === "Allow");
        assert.deepEqual(
            allow.map((st: { Principal: unknown; Condition: unknown }) => [st.Principal, st.Condition]),
            [
                [
                    { Service: "logging.s3.amazonaws.com" },
                    { ArnLike: { "aws:SourceArn": [`arn:aws:s3:::${String(state.inputs.bucket)}`] }, StringEquals: { "aws:SourceAccount": "123456789012" } },
                ],
            ],
        );
        const rules = run.graph.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", { bucket: "demo-state-logs-bucket-id" }).inputs
            .rules as { expiration: { days: number } }[];
        assert.equal(rules[0].expiration.days, 365);
    });
});
