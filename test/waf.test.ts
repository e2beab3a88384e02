/**
 * The web ACL (waf: on in live by default, a setting elsewhere) under the mock runtime.
 */
import * as assert from "assert/strict";
import { MANAGED_RULE_GROUPS } from "../components/webAcl";
import { runEachBefore, runStack } from "../offline/runStack";

const T = {
    acl: "aws:wafv2/webAcl:WebAcl",
    association: "aws:wafv2/webAclAssociation:WebAclAssociation",
    logging: "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    alb: "aws:lb/loadBalancer:LoadBalancer",
};

type Rule = {
    name: string;
    priority: number;
    action?: unknown;
    overrideAction?: unknown;
    statement: {
        managedRuleGroupStatement?: { vendorName: string; name: string; ruleActionOverrides?: { name: string; actionToUse: unknown }[] };
        rateBasedStatement?: { limit: number; evaluationWindowSec: number; aggregateKeyType: string; forwardedIpConfig?: unknown };
    };
};

describe("WAF on the load balancer", function () {
    this.timeout(30_000);
    const { graph: g } = runEachBefore(["alpha", "beta", "gamma", "live"]);

    it("live has one web ACL associated with its load balancer; alpha, beta and gamma have none by default", () => {
        const live = g("live");
        live.resourceCountIs(T.acl, 1);
        assert.deepEqual(live.one(T.association).inputs, { resourceArn: live.byName("demo-live-lb-alb").outputs.arn, webAclArn: live.one(T.acl).outputs.arn });
        for (const s of ["alpha", "beta", "gamma"]) assert.deepEqual([g(s).ofType(T.acl).length, g(s).ofType(T.association).length], [0, 0], s);
    });
    it("the web ACL runs the AWS managed IP reputation, common and known-bad-inputs groups, then a rate limit per client address", () => {
        const acl = g("live").one(T.acl).inputs;
        assert.deepEqual([acl.scope, acl.defaultAction], ["REGIONAL", { allow: {} }]);
        const rules = acl.rules as Rule[];
        assert.deepEqual(
            rules.map((r) => [r.priority, r.name, r.statement.managedRuleGroupStatement?.vendorName ?? "-", r.overrideAction ?? r.action]),
            [
                // live is blue/green behind Cloudflare: the web ACL checks the origin header first (test/edge.test.ts).
                [0, "origin-header", "-", { block: {} }],
                [1, "AWSManagedRulesAmazonIpReputationList", "AWS", { none: {} }],
                [2, "AWSManagedRulesCommonRuleSet", "AWS", { none: {} }],
                [3, "AWSManagedRulesKnownBadInputsRuleSet", "AWS", { none: {} }],
                [4, "rate-limit-per-ip", "-", { block: {} }],
            ],
        );
        assert.deepEqual(
            rules.slice(1, 4).map((r) => r.statement.managedRuleGroupStatement?.name),
            [...MANAGED_RULE_GROUPS],
        );
        // Bodies over 8 KB are counted, not blocked: uploads and large JSON keep working.
        assert.deepEqual(rules[2].statement.managedRuleGroupStatement?.ruleActionOverrides, [{ name: "SizeRestrictions_BODY", actionToUse: { count: {} } }]);
        // Behind Cloudflare every request comes from Cloudflare's addresses: the limit counts per CF-Connecting-IP,
        // and requests without that header (the smoke test's, straight to the test listener) are not counted.
        assert.deepEqual(rules[4].statement.rateBasedStatement, {
            limit: 2000,
            evaluationWindowSec: 300,
            aggregateKeyType: "FORWARDED_IP",
            forwardedIpConfig: { headerName: "CF-Connecting-IP", fallbackBehavior: "NO_MATCH" },
        });
    });
    it("the web ACL logs to a CloudWatch group WAF accepts (aws-waf-logs-*), with the stack's retention, and redacts credentials", () => {
        const live = g("live");
        const group = live.one(T.logGroup, { name: "aws-waf-logs-demo-live" });
        assert.equal(group.inputs.retentionInDays, 90);
        assert.deepEqual(live.one(T.logging).inputs, {
            resourceArn: live.one(T.acl).outputs.arn,
            logDestinationConfigs: [group.outputs.arn],
            // The origin secret is redacted too: anyone who reads the logs must not be able to bypass Cloudflare.
            redactedFields: [{ singleHeader: { name: "authorization" } }, { singleHeader: { name: "cookie" } }, { singleHeader: { name: "x-origin-verify" } }],
        });
    });
    it("turning waf on in beta, with its own rate limit, is two settings; beta's listener keeps checking the origin header", async () => {
        const run = await runStack("beta", { overrides: { set: { waf: true, wafRateLimit: 500 } } });
        assert.equal(run.error, undefined);
        const rules = run.graph.one(T.acl).inputs.rules as Rule[];
        assert.deepEqual(
            rules.map((r) => r.name),
            [...MANAGED_RULE_GROUPS, "rate-limit-per-ip"],
        );
        assert.equal(rules[3].statement.rateBasedStatement?.limit, 500);
        run.graph.resourceCountIs(T.association, 1);
    });
    it("without Cloudflare in front, the rate limit counts per source address and nothing is checked for an origin header", async () => {
        const run = await runStack("live", { overrides: { set: { dnsProvider: "route53", dnsProxied: false, assetsHost: "" } } });
        assert.equal(run.error, undefined);
        const rules = run.graph.one(T.acl).inputs.rules as Rule[];
        assert.deepEqual(
            rules.map((r) => r.name),
            [...MANAGED_RULE_GROUPS, "rate-limit-per-ip"],
        );
        assert.deepEqual(rules[3].statement.rateBasedStatement, { limit: 2000, evaluationWindowSec: 300, aggregateKeyType: "IP" });
        assert.deepEqual(run.graph.one(T.logging).inputs.redactedFields, [{ singleHeader: { name: "authorization" } }, { singleHeader: { name: "cookie" } }]);
    });
});
