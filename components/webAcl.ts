import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { WAF_RATE_LIMIT_RANGE, physicalName } from "../lib/aws";

export const WEB_ACL_TYPE = "shipyard:waf:WebAcl";

/** AWS managed rule groups, in evaluation order: cheap reputation first, then the broad set. */
export const MANAGED_RULE_GROUPS = ["AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"] as const;

export interface WebAclArgs {
    /** Parts of physical names, `[app, env]`. */
    readonly nameParts: readonly [string, string];
    /** The application load balancer the web ACL protects. */
    readonly loadBalancerArn: pulumi.Input<string>;
    /**
     * The AWS managed rule groups and a rate limit of this many requests per client address in
     * 5 minutes. Absent: the web ACL holds only the origin check (blue/green behind Cloudflare
     * with waf off, where the listener cannot check the header).
     */
    readonly protections?: { readonly rateLimitPer5Minutes: number };
    /** Days the WAF log group keeps its logs. */
    readonly logRetentionDays: number;
    /**
     * Behind a proxy (Cloudflare), the header holding the client's address (CF-Connecting-IP):
     * the rate limit counts per client, not per proxy address. Requests without it are not counted.
     * @default undefined: the rate limit counts per source address
     */
    readonly clientIpHeader?: string;
    /**
     * Block (403) every request that does not carry this header with this value, except from
     * `exemptCidrs` (the blue/green smoke test's NAT addresses and the test listener's networks,
     * which reach the test listener directly). The value is redacted from the logs.
     * @default undefined: no origin check
     */
    readonly originHeader?: { readonly name: string; readonly value: pulumi.Input<string>; readonly exemptCidrs: readonly pulumi.Input<string>[] };
    readonly tags: Readonly<Record<string, string>>;
}

export function validateWebAclArgs(args: WebAclArgs): void {
    const [low, high] = WAF_RATE_LIMIT_RANGE;
    const limit = args.protections?.rateLimitPer5Minutes;
    if (limit !== undefined && (!Number.isInteger(limit) || limit < low || limit > high))
        throw new Error(`WebAcl: protections.rateLimitPer5Minutes must be ${low} to ${high}, got ${limit}`);
    if (!args.protections && !args.originHeader) throw new Error("WebAcl: give protections, originHeader or both; a web ACL without rules only costs money");
}

/**
 * A regional AWS WAF web ACL on the load balancer: optionally a check of the origin header, the
 * AWS managed IP reputation, common and known-bad-inputs rule groups, a rate-based rule per client
 * address, and its requests logged to CloudWatch Logs with the Authorization, Cookie and origin
 * headers redacted. Behind Cloudflare, the IP reputation group sees Cloudflare's addresses, not
 * the clients'; Cloudflare's own reputation checks stand in for it.
 */
export class WebAcl extends pulumi.ComponentResource {
    readonly webAcl: aws.wafv2.WebAcl;

    constructor(name: string, args: WebAclArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super(WEB_ACL_TYPE, name, {}, opts);
        validateWebAclArgs(args);
        const [app, env] = args.nameParts;
        const child = { parent: this };
        const visibility = (metricName: string) => ({ cloudwatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true });

        const origin = args.originHeader;
        const exempt =
            origin && origin.exemptCidrs.length > 0
                ? new aws.wafv2.IpSet(
                      `${name}-origin-exempt`,
                      {
                          name: physicalName([app, env, "origin-exempt"], 128),
                          description: "Reach the test listener directly, without the origin header",
                          scope: "REGIONAL",
                          ipAddressVersion: "IPV4",
                          addresses: [...origin.exemptCidrs],
                          tags: args.tags,
                      },
                      child,
                  )
                : undefined;
        const missingHeader: aws.types.input.wafv2.WebAclRuleStatement | undefined = origin && {
            notStatement: {
                statement: {
                    byteMatchStatement: {
                        fieldToMatch: { singleHeader: { name: origin.name } },
                        positionalConstraint: "EXACTLY",
                        searchString: pulumi.secret(origin.value),
                        textTransformations: [{ priority: 0, type: "NONE" }],
                    },
                },
            },
        };
        // Rules in evaluation order: the origin check first (cheapest, and nothing else matters
        // for a request that did not come through Cloudflare), then the managed groups, then the rate limit.
        const rules: RuleWithoutPlace[] = [
            ...(origin
                ? [
                      {
                          name: "origin-header",
                          action: { block: {} },
                          statement: exempt
                              ? {
                                    andStatement: {
                                        statements: [
                                            missingHeader as aws.types.input.wafv2.WebAclRuleStatement,
                                            { notStatement: { statement: { ipSetReferenceStatement: { arn: exempt.arn } } } },
                                        ],
                                    },
                                }
                              : (missingHeader as aws.types.input.wafv2.WebAclRuleStatement),
                      },
                  ]
                : []),
            ...(args.protections ? managedRules(args.protections.rateLimitPer5Minutes, args.clientIpHeader) : []),
        ];

        this.webAcl = new aws.wafv2.WebAcl(
            `${name}-acl`,
            {
                name: physicalName([app, env], 128),
                description: `${app} ${env}: ${[origin ? "origin header check" : "", args.protections ? "AWS managed rules and a rate limit per client address" : ""].filter(Boolean).join(", ")}`,
                scope: "REGIONAL",
                defaultAction: { allow: {} },
                rules: rules.map((rule, priority) => ({ ...rule, priority, visibilityConfig: visibility(String(rule.name)) })),
                visibilityConfig: visibility(physicalName([app, env, "waf"], 128)),
                tags: args.tags,
            },
            child,
        );
        new aws.wafv2.WebAclAssociation(`${name}-alb`, { resourceArn: args.loadBalancerArn, webAclArn: this.webAcl.arn }, child);

        // WAF writes to CloudWatch Logs only into groups whose name starts with aws-waf-logs-.
        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-logs`,
            { name: `aws-waf-logs-${physicalName([app, env], 200)}`, retentionInDays: args.logRetentionDays, tags: args.tags },
            child,
        );
        new aws.wafv2.WebAclLoggingConfiguration(
            `${name}-logging`,
            {
                resourceArn: this.webAcl.arn,
                logDestinationConfigs: [logGroup.arn],
                // Credentials, and the origin secret, never reach the logs.
                redactedFields: ["authorization", "cookie", ...(origin ? [origin.name] : [])].map((header) => ({ singleHeader: { name: header } })),
            },
            child,
        );
        this.registerOutputs({ webAclArn: this.webAcl.arn });
    }
}

type RuleWithoutPlace = Omit<aws.types.input.wafv2.WebAclRule, "priority" | "visibilityConfig">;

/**
 * The AWS managed rule groups, then a rate limit per client address: per source address, or per
 * the address in `clientIpHeader` behind a proxy (requests without it are not counted).
 */
function managedRules(rateLimitPer5Minutes: number, clientIpHeader: string | undefined): RuleWithoutPlace[] {
    return [
        ...MANAGED_RULE_GROUPS.map((group) => ({
            name: group,
            overrideAction: { none: {} },
            statement: {
                managedRuleGroupStatement: {
                    vendorName: "AWS",
                    name: group,
                    // The common rule set blocks request bodies over 8 KB (SizeRestrictions_BODY):
                    // counted, not blocked, so uploads and large JSON bodies keep working;
                    // the other rules of the set still inspect the first 8 KB.
                    ruleActionOverrides: group === "AWSManagedRulesCommonRuleSet" ? [{ name: "SizeRestrictions_BODY", actionToUse: { count: {} } }] : undefined,
                },
            },
        })),
        {
            name: "rate-limit-per-ip",
            action: { block: {} },
            statement: {
                rateBasedStatement: {
                    limit: rateLimitPer5Minutes,
                    evaluationWindowSec: 300,
                    ...(clientIpHeader
                        ? { aggregateKeyType: "FORWARDED_IP", forwardedIpConfig: { headerName: clientIpHeader, fallbackBehavior: "NO_MATCH" } }
                        : { aggregateKeyType: "IP" }),
                },
            },
        },
    ];
}
