/**
 * The edge (issue 7) under the mock runtime: the environment's DNS record, its DNS-validated
 * certificate, and a load balancer reachable only through Cloudflare; Route 53 and unproxied
 * Cloudflare by configuration override; and the lookups' failures, which stop a run before
 * anything is created.
 */
import * as assert from "assert/strict";

import { Graph, Recorded } from "../offline/graph";
import { FakeCloud, ORIGIN_SECRET, runEachBefore, runStack, StackRun } from "../offline/runStack";
import { FIXTURE_CLOUD } from "./setup";
import { stackFile, stackServices } from "../offline/stackConfig";
import { parse } from "yaml";
import * as fs from "fs";

const STACKS = ["alpha", "beta", "gamma", "live"];
const T = {
    cfRecord: "cloudflare:index/dnsRecord:DnsRecord",
    r53Record: "aws:route53/record:Record",
    cert: "aws:acm/certificate:Certificate",
    validation: "aws:acm/certificateValidation:CertificateValidation",
    listener: "aws:lb/listener:Listener",
    listenerRule: "aws:lb/listenerRule:ListenerRule",
    alb: "aws:lb/loadBalancer:LoadBalancer",
    ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    subnet: "aws:ec2/subnet:Subnet",
    acl: "aws:wafv2/webAcl:WebAcl",
    ipSet: "aws:wafv2/ipSet:IpSet",
    eip: "aws:ec2/eip:Eip",
};
const CF_ZONE_ID = "023e105f4ecef8ad9ca31a8372d0c353";
const R53_ZONE_ID = "Z0EXAMPLE0ORG0ZONE0ID";
const OPEN = ["0.0.0.0/0", "::/0"];

type ValidationOption = { domainName: string; resourceRecordName: string; resourceRecordType: string; resourceRecordValue: string };

/** The stack file's public names: http services' (behind the ALB) and tcp services' (each behind its NLB). */
function hostsOf(stack: string, expose: "http" | "tcp"): string[] {
    return Object.values(stackServices(stack))
        .filter((s) => s.expose === expose)
        .flatMap((s) => [...(s.hosts ?? [])]);
}

function ok(run: StackRun): Graph {
    if (run.error) throw run.error;
    return run.graph;
}

/** The stack file's services with some services' hosts replaced. */
function withHosts(stack: string, hosts: Record<string, string[]>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(stackServices(stack)).map(([name, svc]) => [name, hosts[name] ? { ...svc, hosts: hosts[name] } : svc]));
}

/** The application load balancer's ingress rules on 80 and 443, as [port, block]. */
function publicIngress(graph: Graph): [unknown, unknown][] {
    const albSg = `${String(graph.one(T.alb, { loadBalancerType: "application" }).parent)}-sg-id`;
    return graph
        .ofType(T.ingress)
        .filter((r) => r.inputs.securityGroupId === albSg && (r.inputs.fromPort === 80 || r.inputs.fromPort === 443))
        .map((r) => [r.inputs.fromPort, r.inputs.cidrIpv4 ?? r.inputs.cidrIpv6]);
}

/** Every recorded resource whose inputs hold `text` anywhere, with the paths that were secret. */
function holding(graph: Graph, text: string): [string, readonly string[]][] {
    return graph.all.filter((r) => JSON.stringify(r.inputs).includes(text)).map((r: Recorded) => [r.name, r.secretPaths]);
}

describe("the edge: DNS, certificates, only through Cloudflare", function () {
    this.timeout(30_000);
    const { run, graph: g } = runEachBefore(STACKS);

    for (const stack of STACKS) {
        describe(stack, () => {
            it("has one record per public service: the http host proxied to the ALB, the tcp host DNS-only to its NLB", () => {
                const graph = g(stack);
                const hostRecords = graph.ofType(T.cfRecord).filter((r) => r.parent === `demo-${stack}-dns`);
                // A stack file's assetsHost is served from the bucket through Cloudflare (test/data.test.ts).
                const assetsHost = (parse(fs.readFileSync(stackFile(stack), "utf8")) as { config: Record<string, unknown> }).config["shipyard:assetsHost"] as
                    string | undefined;
                const record = (name: string, lb: string, proxied: boolean) => ({
                    zoneId: CF_ZONE_ID,
                    name,
                    type: "CNAME",
                    content: graph.byName(lb).outputs.dnsName,
                    proxied,
                    ttl: 1,
                    comment: `demo-${stack}: managed by Pulumi (shipyard)`,
                });
                assert.deepEqual([hostsOf(stack, "http").length, hostsOf(stack, "tcp").length], [1, 1]);
                const byName = (a: Record<string, unknown>, b: Record<string, unknown>) => String(a.name).localeCompare(String(b.name));
                assert.deepEqual(
                    hostRecords.map((r) => r.inputs).sort(byName),
                    [
                        ...hostsOf(stack, "http").map((h) => record(h, `demo-${stack}-lb-alb`, true)),
                        // Cloudflare cannot proxy raw TCP (without Spectrum): the socket endpoint's name is DNS-only.
                        ...hostsOf(stack, "tcp").map((h) => record(h, `demo-${stack}-api-nlb-nlb`, false)),
                        ...(assetsHost
                            ? [
                                  {
                                      ...record(assetsHost, `demo-${stack}-lb-alb`, true),
                                      content: graph.byName(`demo-${stack}-assets-bucket`).outputs.bucketRegionalDomainName,
                                  },
                              ]
                            : []),
                    ].sort(byName),
                );
                graph.resourceCountIs(T.r53Record, 0);
            });
            it("validates one certificate for every public name with DNS-only records that are exactly what ACM asked for", () => {
                const graph = g(stack);
                const cert = graph.one(T.cert);
                assert.deepEqual(
                    [cert.inputs.domainName, cert.inputs.subjectAlternativeNames, cert.inputs.validationMethod],
                    [hostsOf(stack, "http")[0], hostsOf(stack, "tcp"), "DNS"],
                );
                const asked = cert.outputs.domainValidationOptions as ValidationOption[];
                assert.equal(asked.length, 2);
                const validationRecords = graph.ofType(T.cfRecord).filter((r) => r.parent === `demo-${stack}-cert`);
                assert.deepEqual(
                    validationRecords.map((r) => r.inputs),
                    asked.map((o) => ({
                        zoneId: CF_ZONE_ID,
                        // Cloudflare stores names without ACM's final dot.
                        name: o.resourceRecordName.replace(/\.$/, ""),
                        type: "CNAME",
                        content: o.resourceRecordValue.replace(/\.$/, ""),
                        proxied: false,
                        ttl: 1,
                        comment: `demo-${stack}: managed by Pulumi (shipyard)`,
                    })),
                );
                for (const r of validationRecords) assert.match(String(r.inputs.content), /\.acm-validations\.aws$/);
                // Every validation record of every stack is DNS-only: a proxied one would be refused by Cloudflare.
                assert.deepEqual(
                    graph
                        .ofType(T.cfRecord)
                        .filter((r) => String(r.inputs.content).endsWith("acm-validations.aws"))
                        .map((r) => r.inputs.proxied),
                    [false, false],
                );
                assert.deepEqual(graph.one(T.validation).inputs, {
                    certificateArn: cert.outputs.arn,
                    validationRecordFqdns: validationRecords.map((r) => r.outputs.name),
                });
            });
            it("gives the ALB's HTTPS and the NLB's TLS listener the certificate only through its validation, so they wait for ACM", () => {
                const graph = g(stack);
                const validation = graph.one(T.validation);
                const tls = graph.ofType(T.listener).filter((l) => l.inputs.port === 443);
                assert.deepEqual(tls.map((l) => [l.name, l.inputs.protocol]).sort(), [
                    [`demo-${stack}-api-nlb-443`, "TLS"],
                    [`demo-${stack}-lb-https`, "HTTPS"],
                ]);
                for (const l of tls) {
                    assert.equal(l.inputs.certificateArn, validation.outputs.certificateArn, l.name);
                    assert.ok(l.dependsOn.includes(validation.name), `${l.name} depends on ${l.dependsOn.join(", ")}`);
                    assert.equal(l.dependsOn.includes(graph.one(T.cert).name), false);
                }
            });
            it("admits 80 and 443 of the ALB only from Cloudflare's ranges, as looked up; only the unproxied tcp endpoint is open to 0.0.0.0/0 and ::/0", () => {
                const graph = g(stack);
                const cloudflare = [...FIXTURE_CLOUD.cloudflareRanges.ipv4Cidrs, ...FIXTURE_CLOUD.cloudflareRanges.ipv6Cidrs];
                assert.deepEqual(publicIngress(graph), [...cloudflare.map((c) => [80, c]), ...cloudflare.map((c) => [443, c])]);
                const open = graph.ofType(T.ingress).filter((r) => OPEN.includes(String(r.inputs.cidrIpv4)) || OPEN.includes(String(r.inputs.cidrIpv6)));
                // The socket endpoint's NLB, on its one listener port: Cloudflare does not proxy raw TCP, so clients connect directly.
                assert.deepEqual(
                    open.map((r) => [r.inputs.securityGroupId, r.inputs.fromPort, r.inputs.cidrIpv4 ?? r.inputs.cidrIpv6]),
                    [
                        [`demo-${stack}-api-nlb-sg-id`, 443, "0.0.0.0/0"],
                        [`demo-${stack}-api-nlb-sg-id`, 443, "::/0"],
                    ],
                );
            });
            it("runs dual-stack load balancers, in public subnets that all have an IPv6 block", () => {
                const graph = g(stack);
                assert.equal(graph.ofType(T.alb).length, 2);
                for (const lb of graph.ofType(T.alb)) {
                    assert.equal(lb.inputs.ipAddressType, "dualstack", lb.name);
                    const subnets = (lb.inputs.subnets as string[]).map((id) => graph.ofType(T.subnet).find((x) => `${x.name}-id` === id));
                    assert.equal(subnets.length, stack === "live" ? 3 : 2);
                    for (const x of subnets) assert.match(String(x?.inputs.ipv6CidrBlock), /^2001:db8:1234:56[0-9a-f]{2}::\/64$/);
                }
            });
            it("keeps the origin secret out of everything but one secret input (the SDK marks the whole property), and out of the outputs", () => {
                const graph = g(stack);
                const expected = stack === "live" ? [["demo-live-waf-acl", ["rules"]]] : [[`demo-${stack}-lb-web-rule`, ["conditions"]]];
                assert.deepEqual(holding(graph, ORIGIN_SECRET), expected);
                assert.equal(JSON.stringify(run(stack).outputs).includes(ORIGIN_SECRET), false);
            });
        });
    }

    describe("the origin header, which Cloudflare adds and nobody else knows", () => {
        it("alpha, beta and gamma (rolling): the HTTPS listener answers 403 unless the header carries the environment's secret", () => {
            for (const stack of ["alpha", "beta", "gamma"]) {
                const graph = g(stack);
                const https = graph.one(T.listener, { port: 443, protocol: "HTTPS" });
                assert.deepEqual(
                    https.inputs.defaultActions,
                    [{ type: "fixed-response", fixedResponse: { statusCode: "403", contentType: "text/plain", messageBody: "Forbidden" } }],
                    stack,
                );
                assert.deepEqual(graph.one(T.listenerRule).inputs, {
                    listenerArn: https.outputs.arn,
                    priority: 50000,
                    conditions: [
                        { hostHeader: { values: hostsOf(stack, "http") } },
                        { pathPattern: { values: ["/*"] } },
                        { httpHeader: { httpHeaderName: "x-origin-verify", values: [ORIGIN_SECRET] } },
                    ],
                    actions: [{ type: "forward", targetGroupArn: graph.byName(`demo-${stack}-lb-web-tg`).outputs.arn }],
                    tags: graph.one(T.listenerRule).inputs.tags,
                });
            }
        });
        it("live (blue/green, whose listeners hold forward actions only): the web ACL blocks requests without it, except from the test listener's sources", () => {
            const graph = g("live");
            for (const l of graph.ofType(T.listener).filter((x) => x.inputs.port !== 80)) {
                assert.deepEqual(
                    (l.inputs.defaultActions as { type: string }[]).map((a) => a.type),
                    ["forward"],
                    l.name,
                );
            }
            const rule = (graph.one(T.acl).inputs.rules as { name: string; priority: number; action: unknown; statement: unknown }[])[0];
            const exempt = graph.one(T.ipSet);
            assert.deepEqual(rule, {
                name: "origin-header",
                priority: 0,
                action: { block: {} },
                statement: {
                    andStatement: {
                        statements: [
                            {
                                notStatement: {
                                    statement: {
                                        byteMatchStatement: {
                                            fieldToMatch: { singleHeader: { name: "x-origin-verify" } },
                                            positionalConstraint: "EXACTLY",
                                            searchString: ORIGIN_SECRET,
                                            textTransformations: [{ priority: 0, type: "NONE" }],
                                        },
                                    },
                                },
                            },
                            { notStatement: { statement: { ipSetReferenceStatement: { arn: exempt.outputs.arn } } } },
                        ],
                    },
                },
                visibilityConfig: { cloudwatchMetricsEnabled: true, metricName: "origin-header", sampledRequestsEnabled: true },
            });
            // The exempt sources are exactly the smoke test's NAT addresses, which reach the test listener directly.
            assert.deepEqual(
                exempt.inputs.addresses,
                graph.ofType(T.eip).map((e) => `${String(e.outputs.publicIp)}/32`),
            );
            assert.deepEqual([exempt.inputs.scope, exempt.inputs.ipAddressVersion], ["REGIONAL", "IPV4"]);
        });
    });

    describe("when Cloudflare's ranges change", () => {
        it("only the rules of the added range are new; every other rule keeps its name", async () => {
            const cloud = new FakeCloud();
            cloud.ipRanges = {
                ipv4Cidrs: [...FIXTURE_CLOUD.cloudflareRanges.ipv4Cidrs, "131.0.72.0/22"],
                ipv6Cidrs: FIXTURE_CLOUD.cloudflareRanges.ipv6Cidrs.slice(1),
            };
            const after = ok(await runStack("beta", { cloud }));
            const names = (graph: Graph) => new Set(graph.ofType(T.ingress).map((r) => r.name));
            const before = names(g("beta"));
            const now = names(after);
            assert.deepEqual(
                [...now].filter((n) => !before.has(n)),
                ["demo-beta-lb-in-80-131.0.72.0-22", "demo-beta-lb-in-443-131.0.72.0-22"],
            );
            assert.deepEqual(
                [...before].filter((n) => !now.has(n)),
                ["demo-beta-lb-in-80-2400-cb00---32", "demo-beta-lb-in-443-2400-cb00---32"],
            );
        });
    });

    describe("Route 53 instead of Cloudflare (dnsProvider: route53)", () => {
        let run: StackRun;
        before(async () => {
            run = await runStack("live", { overrides: { set: { dnsProvider: "route53", dnsProxied: false, assetsHost: "" } } });
        });
        it("creates alias A and AAAA records to each name's load balancer in the hosted zone, and no Cloudflare record", () => {
            const graph = ok(run);
            const aliases = graph.ofType(T.r53Record).filter((r) => r.parent === "demo-live-dns");
            const alias = (name: string, lbName: string) => {
                const lb = graph.byName(lbName);
                return ["A", "AAAA"].map((type) => ({
                    zoneId: R53_ZONE_ID,
                    name,
                    type,
                    aliases: [{ name: lb.outputs.dnsName, zoneId: lb.outputs.zoneId, evaluateTargetHealth: true }],
                }));
            };
            const key = (r: Record<string, unknown>) => `${String(r.name)} ${String(r.type)}`;
            assert.deepEqual(
                aliases.map((r) => r.inputs).sort((a, b) => key(a).localeCompare(key(b))),
                [...alias("api.example.org", "demo-live-api-nlb-nlb"), ...alias("example.org", "demo-live-lb-alb")],
            );
            graph.resourceCountIs(T.cfRecord, 0);
        });
        it("validates the certificate with the CNAME ACM asked for, in the hosted zone", () => {
            const graph = ok(run);
            const asked = graph.one(T.cert).outputs.domainValidationOptions as ValidationOption[];
            const records = graph.ofType(T.r53Record).filter((r) => r.parent === "demo-live-cert");
            assert.deepEqual(
                records.map((r) => r.inputs),
                asked.map((o) => ({ zoneId: R53_ZONE_ID, name: o.resourceRecordName, type: "CNAME", records: [o.resourceRecordValue], ttl: 300 })),
            );
            assert.deepEqual(
                graph.one(T.validation).inputs.validationRecordFqdns,
                asked.map((o) => o.resourceRecordName.replace(/\.$/, "")),
            );
        });
        it("opens 80 and 443 to the internet (nothing proxies), checks no origin header and reads no bootstrap parameter", () => {
            const graph = ok(run);
            assert.deepEqual(publicIngress(graph), [
                [80, "0.0.0.0/0"],
                [80, "::/0"],
                [443, "0.0.0.0/0"],
                [443, "::/0"],
            ]);
            assert.deepEqual(
                (graph.one(T.acl).inputs.rules as { name: string }[]).some((r) => r.name === "origin-header"),
                false,
            );
            graph.resourceCountIs(T.ipSet, 0);
            assert.deepEqual(
                run.invokes.map((i) => [i.token, i.args]),
                [["aws:route53/getZone:getZone", { name: "example.org", privateZone: false }]],
            );
        });
        it("finds the zone by id when given, and refuses an id of another zone", async () => {
            const byId = await runStack("beta", { overrides: { set: { dnsProvider: "route53", dnsProxied: false, dnsZoneId: R53_ZONE_ID } } });
            assert.deepEqual(
                byId.invokes.map((i) => i.args),
                [{ zoneId: R53_ZONE_ID }],
            );
            assert.deepEqual(
                ok(byId)
                    .ofType(T.r53Record)
                    .map((r) => r.inputs.zoneId),
                Array(6).fill(R53_ZONE_ID),
            );
            const cloud = new FakeCloud();
            cloud.hostedZones.set("example.net", "Z0OTHER0ZONE");
            const wrong = await runStack("beta", { cloud, overrides: { set: { dnsProvider: "route53", dnsProxied: false, dnsZoneId: "Z0OTHER0ZONE" } } });
            assert.equal(
                wrong.error?.message,
                'stack "beta" has invalid configuration:\n  - key shipyard:dnsZoneId = Z0OTHER0ZONE: is the hosted zone example.net, not dnsZone example.org',
            );
            assert.equal(wrong.graph.all.length, 0);
        });
    });

    describe("Cloudflare without the proxy (dnsProxied: false)", () => {
        it("makes the record DNS-only, opens the load balancer as ingressCidrs say, and checks no origin header", async () => {
            const run = await runStack("gamma", { overrides: { set: { dnsProxied: false, ingressCidrs: ["203.0.113.0/24"], ingressIpv6Cidrs: [] } } });
            const graph = ok(run);
            assert.deepEqual(
                graph
                    .ofType(T.cfRecord)
                    .map((r) => r.inputs.proxied)
                    .sort(),
                [false, false, false, false],
            );
            assert.deepEqual(publicIngress(graph), [
                [80, "203.0.113.0/24"],
                [443, "203.0.113.0/24"],
            ]);
            // The service's rule routes by host and path only; anything else gets 404, not 403.
            assert.deepEqual(graph.one(T.listenerRule).inputs.conditions, [
                { hostHeader: { values: ["gamma.example.org"] } },
                { pathPattern: { values: ["/*"] } },
            ]);
            assert.deepEqual(graph.one(T.listener, { port: 443, protocol: "HTTPS" }).inputs.defaultActions, [
                { type: "fixed-response", fixedResponse: { statusCode: "404", contentType: "text/plain", messageBody: "Not found" } },
            ]);
            assert.deepEqual(
                run.invokes.map((i) => i.token),
                ["cloudflare:index/getZone:getZone"],
            );
        });
    });

    describe("lookups that fail stop the run before any resource exists", () => {
        const cases: { name: string; stack: string; cloud: () => FakeCloud; overrides?: Record<string, unknown>; message: string }[] = [
            {
                name: "a zone the Cloudflare account does not have",
                stack: "alpha",
                cloud: () => Object.assign(new FakeCloud(), { deriveUnknownZones: false }),
                overrides: { dnsZone: "example.net", services: withHosts("alpha", { web: ["alpha.example.net"], api: ["api.alpha.example.net"] }) },
                message:
                    "key shipyard:dnsZone = example.net: no such zone in the Cloudflare account of CLOUDFLARE_API_TOKEN (Cloudflare: zone example.net not found)",
            },
            {
                name: "a Cloudflare zone id of another zone",
                stack: "alpha",
                cloud: () => {
                    const c = new FakeCloud();
                    c.cloudflareZones.set("example.net", "99999999999999999999999999999999");
                    return c;
                },
                overrides: { dnsZoneId: "99999999999999999999999999999999" },
                message: "key shipyard:dnsZoneId = 99999999999999999999999999999999: is the Cloudflare zone example.net, not dnsZone example.org",
            },
            {
                name: "an environment the bootstrap has not given an origin secret",
                stack: "gamma",
                cloud: () => new FakeCloud({ ...FIXTURE_CLOUD, bootstrapped: FIXTURE_CLOUD.bootstrapped.filter((b) => b.env === "alpha") }),
                message:
                    "key shipyard:dnsProxied = true: the origin header needs the bootstrap's parameter /demo/gamma/edge/origin-hosts, which cannot be read (reading SSM Parameter (/demo/gamma/edge/origin-hosts): ParameterNotFound); in bootstrap/Pulumi.<bootstrap stack>.yaml (bootstrap/Pulumi.shared.yaml by default) set shipyard-bootstrap:appName to demo, list gamma in shipyard-bootstrap:environments and gamma.example.org in shipyard-bootstrap:originHosts.gamma, then run pulumi up in bootstrap/",
            },
            {
                name: "a host name the bootstrap's Cloudflare rule does not cover",
                stack: "beta",
                cloud: () => new FakeCloud(),
                overrides: { services: withHosts("beta", { web: ["www.beta.example.org"] }) },
                message:
                    "key shipyard:services.web.hosts = www.beta.example.org: the bootstrap's Cloudflare rule adds beta's origin header only for beta.example.org; add www.beta.example.org to shipyard-bootstrap:originHosts.beta in bootstrap/Pulumi.<bootstrap stack>.yaml (bootstrap/Pulumi.shared.yaml by default) (its cloudflareZone must be example.org), then run pulumi up in bootstrap/",
            },
        ];
        for (const c of cases) {
            it(`${c.name} (${c.stack})`, async () => {
                const run = await runStack(c.stack, { cloud: c.cloud(), overrides: c.overrides ? { set: c.overrides } : undefined });
                assert.equal(run.error?.message, `stack "${c.stack}" has invalid configuration:\n  - ${c.message}`);
                assert.equal(run.graph.all.length, 0);
            });
        }
    });
});
