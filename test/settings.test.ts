import * as assert from "assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { buildSettings, KEYS, Settings } from "../stacks";
import { KeySpec } from "../stacks/keys";
import { ConfigOverrides, projectDeclarations, stackConfig } from "../offline/stackConfig";
import { problemsOf, servicesWith } from "./harness/settings";

const TAG_IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/demo-web:1.4.0";

function settingsOf(stack: string, overrides?: ConfigOverrides): Settings {
    return buildSettings(stack, stackConfig(stack, overrides));
}

describe("stacks/ settings", () => {
    describe("per-environment defaults", () => {
        it("GIVEN the fixture stack files WHEN loaded THEN NAT gateways are none, single, single, perAz", () => {
            assert.deepEqual(
                ["alpha", "beta", "gamma", "live"].map((s) => settingsOf(s).network.natGateways),
                ["none", "single", "single", "perAz"],
            );
        });
        it("GIVEN alpha WHEN loaded THEN it runs one Spot task in public subnets with debug logs", () => {
            const s = settingsOf("alpha");
            assert.deepEqual(
                s.services.map((x) => [x.name, x.minTasks, x.spot, x.taskSubnets, x.logLevel]),
                [
                    ["web", 1, true, "public", "debug"],
                    ["api", 1, true, "public", "debug"],
                ],
            );
        });
        it("GIVEN live WHEN loaded THEN it keeps the seed's health check, private subnets, flow logs and protection", () => {
            const s = settingsOf("live");
            // The deployment design: /health, healthy 3, unhealthy 2, timeout 5 s, interval 30 s, 200-299.
            assert.deepEqual(s.loadBalancer.healthCheck, {
                path: "/health",
                intervalSeconds: 30,
                timeoutSeconds: 5,
                healthyThreshold: 3,
                unhealthyThreshold: 2,
                matcher: "200-299",
            });
            assert.deepEqual(
                s.services.map((x) => [x.name, x.taskSubnets, x.spot, x.minTasks, x.maxTasks]),
                [
                    // web's 3 to 10 tasks are set in Pulumi.live.yaml; the others take live's defaults.
                    ["web", "private", false, 3, 10],
                    ["api", "private", false, 2, 6],
                    ["search", "private", false, 2, 6],
                    ["worker", "private", false, 2, 6],
                ],
            );
            assert.deepEqual([s.network.flowLogs, s.protect], [true, true]);
        });
        it("GIVEN non-production stacks WHEN loaded THEN health checks follow the AWS fast-deploy guidance (5 s interval, threshold 2)", () => {
            for (const stack of ["alpha", "beta", "gamma"]) {
                const hc = settingsOf(stack).loadBalancer.healthCheck;
                assert.deepEqual([hc.intervalSeconds, hc.healthyThreshold], [5, 2], stack);
            }
        });
        it("derives non-overlapping subnets inside the VPC block, one per AZ", () => {
            const n = settingsOf("live").network;
            assert.deepEqual(n.publicSubnetCidrs, ["10.40.0.0/24", "10.40.1.0/24", "10.40.2.0/24"]);
            assert.deepEqual(n.privateSubnetCidrs, ["10.40.16.0/20", "10.40.32.0/20", "10.40.48.0/20"]);
        });
        it("adds APP_ENV, LOG_LEVEL, PORT, SERVICE_NAME and SHUTDOWN_TIMEOUT_MS (2 s inside the stop timeout) to the stack's and the service's variables, sorted by name", () => {
            const s = settingsOf("beta", {
                set: { stopTimeoutSeconds: 20, services: servicesWith("beta", { worker: { containerPort: 9000, environment: { QUEUE: "jobs" } } }) },
            });
            const env = (name: string) => s.services.find((x) => x.name === name)?.environment;
            // web uses the assets bucket (test/data.test.ts), so it also learns the bucket's name.
            assert.deepEqual(env("web"), {
                APP_ENV: "beta",
                ASSETS_BUCKET: "demo-beta-assets-123456789012",
                FEATURE_FLAGS: "new-checkout",
                LOG_LEVEL: "info",
                PORT: "8080",
                SERVICE_NAME: "web",
                SHUTDOWN_TIMEOUT_MS: "18000",
            });
            assert.deepEqual(env("worker"), {
                APP_ENV: "beta",
                FEATURE_FLAGS: "new-checkout",
                LOG_LEVEL: "info",
                PORT: "9000",
                QUEUE: "jobs",
                SERVICE_NAME: "worker",
                SHUTDOWN_TIMEOUT_MS: "18000",
            });
            assert.deepEqual(Object.keys(env("worker") ?? {}), Object.keys(env("worker") ?? {}).sort());
        });
        it("reads each service's exposure, routes, listeners and calls from the stack file", () => {
            const s = settingsOf("gamma");
            assert.deepEqual(
                s.services.map((x) => [x.name, x.exposure, x.hosts, x.paths, x.priority, x.listeners, x.calls]),
                [
                    ["web", "http", ["gamma.example.org"], ["/*"], 50000, [], []],
                    ["api", "tcp", ["api.gamma.example.org"], [], 50000, [{ port: 443, protocol: "TLS" }], ["search"]],
                    ["search", "internal", [], [], 50000, [], []],
                    ["worker", "worker", [], [], 50000, [], ["search"]],
                ],
            );
            assert.deepEqual(s.dns.hostNames, ["gamma.example.org", "api.gamma.example.org"]);
            assert.deepEqual(s.dns.proxiedHostNames, ["gamma.example.org"]);
        });
        it("returns a deeply frozen object", () => {
            const s = settingsOf("gamma");
            assert.equal(Object.isFrozen(s), true);
            assert.equal(Object.isFrozen(s.network.availabilityZones), true);
            assert.throws(() => {
                (s.services[0] as { minTasks: number }).minTasks = 0;
            }, TypeError);
        });
        it("wraps secret values as secret Outputs", async () => {
            const s = settingsOf("beta", { secret: { secrets: { web: { DATABASE_URL: "postgres://db/app" } } } });
            const out = s.services[0].secrets.DATABASE_URL;
            assert.deepEqual(
                s.services.map((x) => Object.keys(x.secrets)),
                // beta's web, api, search, worker, mailer and nightly-report (a job takes secrets like any service).
                [["DATABASE_URL"], [], [], [], [], []],
            );
            assert.equal(await pulumi.isSecret(out), true);
            assert.equal(pulumi.Output.isInstance(out), true);
        });
    });

    describe("rejects bad input with the stack, key, value and what is allowed", () => {
        type Case = { name: string; stack: string; overrides: ConfigOverrides; expect: RegExp[] };
        const cases: Case[] = [
            {
                name: "an unknown key",
                stack: "beta",
                overrides: { set: { desiredTasks: 2 } },
                expect: [/key shipyard:desiredTasks = "2": unknown key; known keys are tier, appName/],
            },
            {
                name: "a wrong type",
                stack: "beta",
                overrides: { set: { minTasks: "two" } },
                expect: [/key shipyard:minTasks = "two": wrong type: expected a whole number/],
            },
            {
                name: "a boolean of the wrong type",
                stack: "alpha",
                overrides: { set: { spot: "yes" } },
                expect: [/key shipyard:spot = "yes": wrong type: expected true or false/],
            },
            {
                name: "an invalid Fargate CPU/memory pair",
                stack: "gamma",
                overrides: { set: { cpu: 256, memory: 4096 } },
                expect: [/key shipyard:cpu = "256 with memory 4096": not a Fargate task size: with cpu 256, memory must be 512, 1024, 2048/],
            },
            {
                name: "a port out of range",
                stack: "beta",
                overrides: { set: { containerPort: 70000 } },
                expect: [/key shipyard:containerPort = 70000: port out of range: allowed 1024 to 65535/],
            },
            {
                name: "a privileged port",
                stack: "beta",
                overrides: { set: { containerPort: 80 } },
                expect: [/key shipyard:containerPort = 80: port out of range/],
            },
            {
                name: "a host name with an underscore",
                stack: "beta",
                overrides: { set: { services: servicesWith("beta", { web: { hosts: ["beta_app.example.org"] } }) } },
                expect: [/key shipyard:services.web.hosts = "beta_app.example.org": must be a DNS host name such as api.example.org/],
            },
            {
                name: "an alarm threshold above 100 percent",
                stack: "live",
                overrides: { set: { alarm5xxPercent: 150, alarmCpuPercent: 0 } },
                expect: [/key shipyard:alarm5xxPercent = 150: allowed: 1 to 100 percent/, /key shipyard:alarmCpuPercent = 0: allowed: 1 to 100 percent/],
            },
            {
                name: "endpoint checks less often than every 5 minutes",
                stack: "gamma",
                overrides: { set: { endpointCheckMinutes: 10 } },
                expect: [/key shipyard:endpointCheckMinutes = 10: allowed: 1 to 5 minutes/],
            },
            {
                name: "reminders every minute",
                stack: "live",
                overrides: { set: { reminderMinutes: 1 } },
                expect: [/key shipyard:reminderMinutes = 1: allowed: 5 to 1440 minutes/],
            },
            {
                name: "a Slack webhook in plain text",
                stack: "beta",
                overrides: { set: { slackWebhookUrl: "https://hooks.slack.com/services/T000/B000/XXXX" } },
                expect: [
                    /key shipyard:slackWebhookUrl is in plain text; it must be encrypted: remove it from Pulumi.beta.yaml and set it with pulumi config set --secret slackWebhookUrl VALUE/,
                ],
            },
            {
                name: "a Slack webhook that is not Slack's",
                stack: "beta",
                overrides: { secret: { slackWebhookUrl: "https://evil.example.com/hook" } },
                expect: [/key shipyard:slackWebhookUrl = "\[secret\]": must be a Slack incoming webhook URL/],
            },
            {
                name: "two allowed accounts",
                stack: "beta",
                overrides: { set: { "aws:allowedAccountIds": ["123456789012", "210987654321"] } },
                expect: [/key aws:allowedAccountIds = \["123456789012","210987654321"\]: exactly one 12-digit account id/],
            },
            {
                name: "no allowed account",
                stack: "alpha",
                overrides: { remove: ["aws:allowedAccountIds"] },
                expect: [/key aws:allowedAccountIds = "\(missing\)": exactly one 12-digit account id as a quoted string/],
            },
            {
                name: "a WAF rate limit below AWS WAF's minimum",
                stack: "live",
                overrides: { set: { wafRateLimit: 5 } },
                expect: [/key shipyard:wafRateLimit = 5: allowed: 10 to 2000000000 requests per client address per 5 minutes/],
            },
            {
                name: "an unknown deployment strategy",
                stack: "gamma",
                overrides: { set: { deployment: "dark" } },
                expect: [/key shipyard:deployment = "dark": allowed: rolling, blueGreen, canary, linear/],
            },
            {
                name: "a canary of 0 percent",
                stack: "live",
                overrides: { set: { deployment: "canary", canaryPercent: 0 } },
                expect: [/key shipyard:canaryPercent = 0: allowed: 1 to 50 percent \(ECS accepts 0.1 to 100/],
            },
            {
                name: "a linear step below ECS's 3 percent",
                stack: "live",
                overrides: { set: { deployment: "linear", linearStepPercent: 2 } },
                expect: [/key shipyard:linearStepPercent = 2: allowed: 3 to 50 percent per step \(ECS accepts 3 to 100/],
            },
            {
                name: "a shift interval longer than a deploy may wait",
                stack: "live",
                overrides: { set: { deployment: "canary", shiftIntervalMinutes: 11 } },
                expect: [/key shipyard:shiftIntervalMinutes = 11: allowed: 0 to 10 minutes/],
            },
            {
                name: "linear steps that outlast the deploy job",
                stack: "live",
                overrides: { set: { deployment: "linear", linearStepPercent: 5, shiftIntervalMinutes: 10 } },
                expect: [/key shipyard:linearStepPercent = 5: 20 steps of 10 minutes plus bakeTimeMinutes 10 exceed the deploy job's 45 minutes/],
            },
            {
                name: "an approval pause over ECS's 20160 minutes",
                stack: "live",
                overrides: { set: { approvalTimeoutMinutes: 20161 } },
                expect: [/key shipyard:approvalTimeoutMinutes = 20161: allowed: 0 \(no pause\) or 1 to 20160 minutes/],
            },
            {
                name: "an approval pause under rolling",
                stack: "gamma",
                overrides: { set: { approvalTimeoutMinutes: 60 } },
                expect: [
                    /key shipyard:approvalTimeoutMinutes = 60: the approval pause holds after the test traffic shift, which rolling deployments do not have/,
                ],
            },
            {
                name: "a bake time longer than a deploy may wait",
                stack: "live",
                overrides: { set: { bakeTimeMinutes: 31 } },
                expect: [/key shipyard:bakeTimeMinutes = 31: allowed: 0 to 30 minutes: pulumi up and the deploy job wait through the bake time/],
            },
            {
                name: "a negative bake time",
                stack: "live",
                overrides: { set: { bakeTimeMinutes: -1 } },
                expect: [/key shipyard:bakeTimeMinutes = -1: allowed: 0 to 30 minutes/],
            },
            {
                name: "the test listener on the production HTTPS port",
                stack: "live",
                overrides: { set: { testListenerPort: 443 } },
                expect: [/key shipyard:testListenerPort = 443: allowed: 1 to 65535 except 80 and 443/],
            },
            {
                name: "the test listener open to the internet",
                stack: "live",
                overrides: { set: { testListenerCidrs: ["203.0.113.0/24", "0.0.0.0/0"] } },
                expect: [/key shipyard:testListenerCidrs = "0.0.0.0\/0": the test listener serves unreleased code/],
            },
            {
                name: "a smoke test without blue/green",
                stack: "gamma",
                overrides: { set: { smokeTest: true } },
                expect: [
                    /key shipyard:smokeTest = true: the smoke test requests the test listener, which only deployments blueGreen, canary and linear have \(deployment is rolling\)/,
                ],
            },
            {
                name: "a smoke test without a NAT gateway to reach the test listener",
                stack: "alpha",
                overrides: { set: { deployment: "blueGreen", smokeTest: true } },
                expect: [/key shipyard:smokeTest = true: the smoke test runs in the private subnets and reaches the test listener through a NAT gateway/],
            },
            {
                name: "a rollback threshold of 0 percent",
                stack: "beta",
                overrides: { set: { rollbackOn5xxPercent: 0 } },
                expect: [/key shipyard:rollbackOn5xxPercent = 0: allowed: 1 to 100 percent/],
            },
            {
                name: "a stop timeout shorter than the drain",
                stack: "live",
                overrides: { set: { stopTimeoutSeconds: 30 } },
                expect: [/key shipyard:stopTimeoutSeconds = 30: must be longer than deregistrationDelaySeconds \(30\)/],
            },
            {
                name: "a health-check timeout not below the interval",
                stack: "beta",
                overrides: { set: { healthCheckTimeoutSeconds: 5 } },
                expect: [/key shipyard:healthCheckTimeoutSeconds = 5: must be below healthCheckIntervalSeconds \(5\); allowed: 2 to 4/],
            },
            {
                name: "a healthy threshold above 10",
                stack: "live",
                overrides: { set: { healthyThreshold: 11 } },
                expect: [/key shipyard:healthyThreshold = 11: allowed: 2 to 10/],
            },
            {
                name: "an unhealthy threshold below 2",
                stack: "alpha",
                overrides: { set: { unhealthyThreshold: 1 } },
                expect: [/key shipyard:unhealthyThreshold = 1: allowed: 2 to 10/],
            },
            {
                name: "fewer than 2 tasks in live",
                stack: "live",
                overrides: { set: { minTasks: 1 } },
                expect: [/key shipyard:minTasks = 1: the production tier needs at least 2 tasks/],
            },
            {
                name: "fewer than 2 AZs in live",
                stack: "live",
                overrides: { set: { availabilityZones: ["eu-west-1a"] } },
                expect: [/key shipyard:availabilityZones = \["eu-west-1a"\]: the production tier needs at least 2 AZs/],
            },
            {
                name: "a mutable tag in gamma",
                stack: "gamma",
                overrides: { set: { services: servicesWith("gamma", { web: { image: TAG_IMAGE } }) } },
                expect: [
                    /key shipyard:services.web.image = ".*demo-web:1.4.0": gamma \(tier staging or production\) accepts only an immutable image pinned by digest/,
                ],
            },
            {
                name: "a mutable tag in live",
                stack: "live",
                overrides: { set: { services: servicesWith("live", { api: { image: TAG_IMAGE } }) } },
                expect: [
                    /stack "live".*\n.*key shipyard:services.api.image = .*live \(tier staging or production\) accepts only an immutable image pinned by digest/,
                ],
            },
            {
                name: "an image without a registry",
                stack: "alpha",
                overrides: { set: { services: servicesWith("alpha", { web: { image: "nginx:latest" } }) } },
                expect: [/key shipyard:services.web.image = "nginx:latest": a full image reference/],
            },
            {
                name: "secret values given in plain config",
                stack: "beta",
                overrides: { set: { secrets: { web: { DATABASE_URL: "postgres://db/app" } } } },
                expect: [/key shipyard:secrets holds plain-text values; .*pulumi config set --secret --path 'secrets.<service>.NAME' VALUE$/],
            },
            {
                name: "a secret-looking name in plain environment",
                stack: "beta",
                overrides: { set: { environment: { STRIPE_API_KEY: "sk_live_123" } } },
                expect: [
                    /key shipyard:environment.STRIPE_API_KEY = "\[redacted\]": looks like a secret and would be stored in plain text; move it to secrets with pulumi config set --secret --path 'secrets.<service>.STRIPE_API_KEY' VALUE \(one per service that needs it\)$/,
                ],
            },
            {
                name: "a credential-looking value in plain environment",
                stack: "beta",
                overrides: { set: { environment: { UPSTREAM: "https://bot:pa55@api.example.org" } } },
                expect: [/key shipyard:environment.UPSTREAM = "\[redacted\]": looks like a secret/],
            },
            {
                name: "an invalid env var name",
                stack: "alpha",
                overrides: { set: { environment: { "FEATURE-X": "1" } } },
                expect: [/key shipyard:environment.FEATURE-X = "FEATURE-X": invalid variable name/],
            },
            {
                name: "an invalid secret name",
                stack: "alpha",
                overrides: { secret: { secrets: { web: { "1TOKEN": "x" } } } },
                expect: [/key shipyard:secrets.web.1TOKEN = "\[secret\]": invalid variable name "1TOKEN"/],
            },
            {
                name: "a platform variable overridden",
                stack: "alpha",
                overrides: { set: { environment: { LOG_LEVEL: "trace" } } },
                expect: [/key shipyard:environment.LOG_LEVEL = "trace": LOG_LEVEL is set by the platform/],
            },
            {
                name: "overlapping subnet CIDRs",
                stack: "beta",
                overrides: { set: { publicSubnetCidrs: ["10.20.0.0/24", "10.20.1.0/24"], privateSubnetCidrs: ["10.20.0.0/20", "10.20.32.0/20"] } },
                expect: [/key shipyard:privateSubnetCidrs = "10.20.0.0\/20": overlaps 10.20.0.0\/24 \(publicSubnetCidrs\)/],
            },
            {
                name: "a subnet outside the VPC",
                stack: "beta",
                overrides: { set: { publicSubnetCidrs: ["10.20.0.0/24", "10.99.1.0/24"] } },
                expect: [/key shipyard:publicSubnetCidrs = "10.99.1.0\/24": must lie inside vpcCidr 10.20.0.0\/16/],
            },
            {
                name: "a malformed VPC CIDR",
                stack: "gamma",
                overrides: { set: { vpcCidr: "10.30.0.1/16" } },
                expect: [/key shipyard:vpcCidr = "10.30.0.1\/16": must be an IPv4 CIDR block/],
            },
            {
                name: "an AZ outside the region",
                stack: "beta",
                overrides: { set: { availabilityZones: ["eu-west-1a", "us-east-1b"] } },
                expect: [/key shipyard:availabilityZones = .*every zone must be in the stack's region eu-west-1/],
            },
            {
                name: "Spot in live",
                stack: "live",
                overrides: { set: { spot: true } },
                expect: [/key shipyard:spot = true: the production tier does not run on Fargate Spot/],
            },
            {
                name: "public task subnets in live",
                stack: "live",
                overrides: { set: { taskSubnets: "public" } },
                expect: [/key shipyard:taskSubnets = "public": the production tier's tasks always run in private subnets/],
            },
            {
                name: "private tasks without a NAT gateway",
                stack: "beta",
                overrides: { set: { natGateways: "none" } },
                expect: [/key shipyard:natGateways = "none": tasks in private subnets need a NAT gateway/],
            },
            {
                name: "an unknown NAT mode",
                stack: "beta",
                overrides: { set: { natGateways: "two" } },
                expect: [/key shipyard:natGateways = "two": allowed: none, single, perAz/],
            },
            {
                name: "a log retention CloudWatch does not offer",
                stack: "alpha",
                overrides: { set: { logRetentionDays: 10 } },
                expect: [/key shipyard:logRetentionDays = 10: allowed: 1, 3, 5, 7, 14/],
            },
            {
                name: "an unknown log level",
                stack: "alpha",
                overrides: { set: { logLevel: "verbose" } },
                expect: [/key shipyard:logLevel = "verbose": allowed: debug, info, warn, error/],
            },
            {
                name: "a host name outside the zone",
                stack: "beta",
                overrides: { set: { services: servicesWith("beta", { web: { hosts: ["beta.example.net"] } }) } },
                expect: [
                    /key shipyard:services.web.hosts = "beta\.example\.net": the host name is outside the zone example\.org \(dnsZone\); allowed: example\.org or a name ending in \.example\.org$/m,
                ],
            },
            {
                name: "a host name that only ends like the zone",
                stack: "alpha",
                overrides: { set: { services: servicesWith("alpha", { api: { hosts: ["alphaexample.org"] } }) } },
                expect: [/key shipyard:services.api.hosts = "alphaexample\.org": the host name is outside the zone example\.org/],
            },
            {
                name: "an empty zone",
                stack: "gamma",
                overrides: { set: { dnsZone: "" } },
                expect: [/key shipyard:dnsZone = "": the zone must be named, e\.g\. example\.org/],
            },
            {
                name: "an unknown DNS provider",
                stack: "alpha",
                overrides: { set: { dnsProvider: "godaddy" } },
                expect: [/key shipyard:dnsProvider = "godaddy": allowed: cloudflare, route53$/m],
            },
            {
                name: "proxying with Route 53, which cannot proxy",
                stack: "live",
                overrides: { set: { dnsProvider: "route53", dnsProxied: true } },
                expect: [
                    /key shipyard:dnsProxied = true: Route 53 answers with the load balancer's own addresses and cannot proxy; allowed with dnsProvider route53: false$/m,
                ],
            },
            {
                name: "a Cloudflare zone id that is not one",
                stack: "beta",
                overrides: { set: { dnsZoneId: "Z0EXAMPLE0ORG0ZONE0ID" } },
                expect: [/key shipyard:dnsZoneId = "Z0EXAMPLE0ORG0ZONE0ID": a Cloudflare zone id \(32 hex digits\), or empty/],
            },
            {
                name: "ingress blocks that proxying would ignore",
                stack: "beta",
                overrides: { set: { ingressCidrs: ["203.0.113.0/24"] } },
                expect: [
                    /key shipyard:ingressCidrs = \["203\.0\.113\.0\/24"\]: records are proxied .*Cloudflare's published ranges only; remove this key, or set dnsProxied: false$/m,
                ],
            },
            {
                name: "an IPv6 ingress block that is not one",
                stack: "beta",
                overrides: { set: { dnsProxied: false, ingressIpv6Cidrs: ["2001:db8::/129"] } },
                expect: [/key shipyard:ingressIpv6Cidrs = "2001:db8::\/129": must be an IPv6 CIDR block/],
            },
            {
                name: "maxTasks below minTasks",
                stack: "gamma",
                overrides: { set: { maxTasks: 1 } },
                expect: [/key shipyard:maxTasks = 1: allowed: minTasks \(2\) to 100/],
            },
            { name: "a missing region", stack: "alpha", overrides: { remove: ["aws:region"] }, expect: [/key aws:region is missing/] },
            {
                name: "two http services with the same host and path",
                stack: "beta",
                overrides: {
                    set: {
                        services: servicesWith("beta", {
                            web: { priority: 200 },
                            admin: { image: TAG_IMAGE, expose: "http", hosts: ["beta.example.org"], priority: 100 },
                        }),
                    },
                },
                expect: [
                    /key shipyard:services.admin.paths = "\/\*": host beta.example.org and path \/\* already route to web; a request must have one service$/m,
                ],
            },
            {
                name: "two http services on the default rule priority",
                stack: "beta",
                overrides: { set: { services: servicesWith("beta", { admin: { image: TAG_IMAGE, expose: "http", hosts: ["admin.beta.example.org"] } }) } },
                expect: [
                    /key shipyard:services.admin.priority = 50000: web has the same rule priority \(the default\); give each http service its own, lower for the more specific routes$/m,
                ],
            },
            {
                name: "two tcp services on one host and port",
                stack: "beta",
                overrides: {
                    set: {
                        services: servicesWith("beta", {
                            chat: { image: TAG_IMAGE, expose: "tcp", hosts: ["api.beta.example.org"], listeners: [{ port: 443, protocol: "TLS" }] },
                        }),
                    },
                },
                expect: [
                    /key shipyard:services.chat.hosts = "api.beta.example.org": api.beta.example.org already points at api's network load balancer \(api\); two services on one host and port would need one load balancer: give chat its own host name$/m,
                ],
            },
            {
                name: "two listeners on one port of a service's load balancer",
                stack: "beta",
                overrides: {
                    set: {
                        services: servicesWith("beta", {
                            api: {
                                listeners: [
                                    { port: 443, protocol: "TLS" },
                                    { port: 443, protocol: "TCP" },
                                ],
                            },
                        }),
                    },
                },
                expect: [/key shipyard:services.api.listeners = 443: two listeners on one port of the service's load balancer$/m],
            },
            {
                name: "a service calling an unknown service",
                stack: "gamma",
                overrides: { set: { services: servicesWith("gamma", { worker: { calls: ["search", "cache"] } }) } },
                expect: [/key shipyard:services.worker.calls = "cache": unknown service; the stack's services are web, api, search, worker$/m],
            },
            {
                name: "a service calling one that is not internal",
                stack: "gamma",
                overrides: { set: { services: servicesWith("gamma", { worker: { calls: ["api"] } }) } },
                expect: [
                    /key shipyard:services.worker.calls = "api": api is tcp: only internal services are called by name \(Service Connect\); call api by its public host$/m,
                ],
            },
            {
                name: "a service name that would exceed AWS name limits",
                stack: "alpha",
                overrides: { set: { services: servicesWith("alpha", { "notifications-dispatcher": { image: TAG_IMAGE, expose: "worker" } }) } },
                expect: [
                    /key shipyard:services.notifications-dispatcher = "notifications-dispatcher": a service name is 2-20 lowercase letters, digits or hyphens/,
                ],
            },
            {
                name: "a setting that does not belong to the exposure",
                stack: "alpha",
                overrides: { set: { services: servicesWith("alpha", { api: { paths: ["/ws"] } }) } },
                expect: [/key shipyard:services.api.paths = \["\/ws"\]: not a setting of tcp services; allowed: image, expose, hosts, listeners, calls/],
            },
            {
                name: "an unknown exposure",
                stack: "alpha",
                overrides: { set: { services: servicesWith("alpha", { api: { expose: "udp" } }) } },
                expect: [/key shipyard:services.api.expose = "udp": allowed: http, tcp, internal, worker, job$/m],
            },
            {
                name: "a TLS listener without a host for the certificate",
                stack: "alpha",
                overrides: { set: { services: servicesWith("alpha", { api: { hosts: [] } }) } },
                expect: [
                    /key shipyard:services.api.hosts = \[\]: a TLS listener presents the environment's certificate for the service's host name: name one host$/m,
                ],
            },
            {
                name: "a secret for a service the stack does not run",
                stack: "alpha",
                overrides: { secret: { secrets: { search: { TOKEN: "x" } } } },
                expect: [/key shipyard:secrets.search = "\[secret\]": not a service of this stack \(web, api\)/],
            },
            {
                name: "one service below live's two tasks",
                stack: "live",
                overrides: { set: { services: servicesWith("live", { worker: { minTasks: 1 } }) } },
                expect: [
                    /key shipyard:services.worker.minTasks = 1: the production tier needs at least 2 tasks of every service; allowed: 2 or more \(0 only for a worker with scaling\.backlog\)$/m,
                ],
            },
            {
                name: "a service size Fargate does not offer",
                stack: "beta",
                overrides: { set: { services: servicesWith("beta", { search: { cpu: 256, memory: 4096 } }) } },
                expect: [/key shipyard:services.search.cpu = "256 with memory 4096": not a Fargate task size/],
            },
            // What AWS itself would refuse at the first pulumi up (issue: checked against AWS's own rules).
            {
                name: "an appName that makes load balancer names begin with internal-",
                stack: "alpha",
                overrides: { set: { appName: "internal" } },
                expect: [/key shipyard:appName = "internal": load balancer names <appName>-<env> may not begin with internal-/],
            },
            {
                name: "an appName with two hyphens in a row, which RDS identifiers refuse",
                stack: "alpha",
                overrides: { set: { appName: "a--b" } },
                expect: [/key shipyard:appName = "a--b": must be 2-20 lowercase letters, .*without two hyphens in a row/],
            },
            {
                name: "a health check matcher beyond an ALB's 200-499",
                stack: "beta",
                overrides: { set: { healthCheckMatcher: "200-599" } },
                expect: [/key shipyard:healthCheckMatcher = "200-599": an application load balancer accepts codes from 200 to 499 only/],
            },
            {
                name: "a service's own health check path over the target group's 1024 characters",
                stack: "beta",
                overrides: { set: { services: servicesWith("beta", { web: { healthCheckPath: `/${"h".repeat(1024)}` } }) } },
                expect: [/key shipyard:services.web.healthCheckPath = "\/h{1024}": must start with \/ and hold no spaces \(at most 1024 characters/],
            },
            {
                name: "an http host over a listener rule's 128 characters",
                stack: "alpha",
                overrides: { set: { services: servicesWith("alpha", { web: { hosts: [`${"a".repeat(60)}.${"b".repeat(60)}.alpha.example.org`] } }) } },
                expect: [/key shipyard:services.web.hosts = "a{60}\.b{60}\.alpha\.example\.org": an http host name is at most 128 characters/],
            },
            {
                name: "host names of which none fits a certificate's 64-character subject",
                stack: "alpha",
                overrides: {
                    set: {
                        services: servicesWith("alpha", {
                            web: { hosts: [`${"a".repeat(50)}.alpha.example.org`] },
                            api: { hosts: [`api-${"c".repeat(50)}.alpha.example.org`] },
                        }),
                    },
                },
                expect: [/key shipyard:services.web.hosts = .*: the environment's certificate needs one host name of at most 64 characters/],
            },
            {
                name: "an assets host longer than an S3 bucket name may be",
                stack: "live",
                overrides: { set: { assetsHost: `${"a".repeat(52)}.example.org` } },
                expect: [/key shipyard:assetsHost = "a{52}\.example\.org": at most 63 characters: the assets bucket is named after it/],
            },
        ];
        for (const c of cases) {
            it(`rejects ${c.name} (${c.stack})`, () => {
                const message = problemsOf(c.stack, c.overrides);
                assert.match(message, new RegExp(`^stack "${c.stack}" has invalid configuration:`));
                for (const re of c.expect) assert.match(message, re);
            });
        }

        it("puts first the host name a certificate can have as its subject, when the first is over 64 characters", () => {
            // GIVEN alpha's web on a 70-character host and api on a short one
            const long = `${"a".repeat(52)}.alpha.example.org`;
            const s = buildSettings("alpha", stackConfig("alpha", { set: { services: servicesWith("alpha", { web: { hosts: [long] } }) } }));
            // THEN the certificate's names start with api's host, and keep web's
            assert.deepEqual(s.dns.hostNames, ["api.alpha.example.org", long]);
        });
        it("runs ARM64 tasks on Fargate Spot, which platform version 1.4.0 (LATEST) supports", () => {
            const s = buildSettings("alpha", stackConfig("alpha", { set: { cpuArchitecture: "ARM64" } }));
            assert.deepEqual(
                s.services.map((x) => [x.cpuArchitecture, x.spot]),
                s.services.map(() => ["ARM64", true]),
            );
        });

        it("reports every problem of a stack at once", () => {
            const message = problemsOf("live", { set: { minTasks: 1, spot: true, logLevel: "loud" } });
            assert.equal(message.split("\n").filter((l) => l.startsWith("  - ")).length, 3);
        });
        it("never prints a secret value, even when its type is wrong", () => {
            const message = problemsOf("beta", { secret: { secrets: ["hunter2-very-secret"] } });
            assert.doesNotMatch(message, /hunter2/);
            assert.match(message, /key shipyard:secrets = "\[secret\]": wrong type/);
        });
        it("requires a tier of a stack that is not one of the default environments, naming the key and the tiers", () => {
            assert.throws(
                () => buildSettings("prod", stackConfig("live")),
                /stack "prod" has invalid configuration:\n {2}- key shipyard:tier is missing: the stack "prod" is not one of the default environments \(alpha, beta, gamma, live\).*allowed: production, staging, development, preview$/,
            );
        });
        it("rejects an unknown tier, naming the key, the value and the tiers", () => {
            const raw = stackConfig("live", { set: { tier: "prod" } });
            assert.throws(
                () => buildSettings("live", raw),
                /^SettingsError: stack "live" has invalid configuration:\n {2}- key shipyard:tier = "prod": allowed: production, staging, development, preview$/,
            );
        });
        for (const name of ["Prod", "p", "staging-", "pr--42", "a-very-long-stack-name", "9lives", "pr_42"]) {
            it(`rejects the stack name ${JSON.stringify(name)}, which AWS names cannot carry`, () => {
                assert.throws(
                    () => buildSettings(name, stackConfig("live", { set: { tier: "production" } })),
                    (e: Error) =>
                        e.message.startsWith(
                            `stack "${name}" has invalid configuration:\n  - the stack name "${name}" cannot be used: a stack name is 2 to 16 lowercase letters`,
                        ),
                );
            });
        }
        for (const [name, tier] of [
            ["staging2", "staging"],
            ["pr-42", "preview"],
            ["prod", "production"],
        ] as const) {
            it(`takes any valid stack name with a tier: ${name} (${tier})`, () => {
                const s = buildSettings(name, stackConfig("live", { set: { tier } }));
                assert.equal(s.env, name);
                assert.equal(s.tier, tier);
                assert.equal(s.tags.environment, name);
            });
        }
        it("gives a stack its tier's defaults, not its name's: live set to the development tier takes development's", () => {
            // GIVEN live's stack file WHEN it says tier: development
            const s = buildSettings("live", stackConfig("live", { set: { tier: "development" } }));
            // THEN it has no NAT gateway, public task subnets, rolling deploys, Spot, and no protection
            assert.equal(s.tier, "development");
            assert.equal(s.network.natGateways, "none");
            assert.equal(s.services[0].taskSubnets, "public");
            assert.equal(s.deployment.strategy, "rolling");
            assert.equal(s.services[1].spot, true);
            assert.equal(s.protect, false);
        });
    });

    describe("Pulumi.yaml declarations", () => {
        const declared = projectDeclarations();
        it("declare every key whose default is the same in all environments, with its type and default", () => {
            for (const [key, spec] of Object.entries(KEYS) as [string, KeySpec][]) {
                const perTier = typeof spec.default === "object" && spec.default !== null && !Array.isArray(spec.default) && "perTier" in spec.default;
                if (spec.type === "object" || perTier || spec.derived) {
                    assert.equal(declared[key], undefined, `${key} must not be declared: the CLI would pass its default to every stack`);
                    continue;
                }
                assert.ok(declared[key], `${key} is not declared in Pulumi.yaml`);
                assert.equal(declared[key].type, spec.type, key);
                assert.deepEqual(declared[key].default, spec.default, key);
            }
        });
        it("declare no key the program does not know", () => {
            for (const key of Object.keys(declared)) assert.ok(key in KEYS, `Pulumi.yaml declares unknown key ${key}`);
        });
    });
});
