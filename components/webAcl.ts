import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { WAF_RATE_LIMIT_RANGE, physicalName } from "../stacks/validators";

export const WEB_ACL_TYPE = "shipyard:waf:WebAcl";

/** AWS managed rule groups, in evaluation order: cheap reputation first, then the broad set. */
export const MANAGED_RULE_GROUPS = ["AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"] as const;

export interface WebAclArgs {
    /** Parts of physical names, `[app, env]`. */
    readonly nameParts: readonly [string, string];
    /** The application load balancer the web ACL protects. */
    readonly loadBalancerArn: pulumi.Input<string>;
    /** Requests one client address may send in 5 minutes before it is blocked. */
    readonly rateLimitPer5Minutes: number;
    /** Days the WAF log group keeps its logs. */
    readonly logRetentionDays: number;
    readonly tags: Readonly<Record<string, string>>;
}

export function validateWebAclArgs(args: WebAclArgs): void {
    const [low, high] = WAF_RATE_LIMIT_RANGE;
    if (!Number.isInteger(args.rateLimitPer5Minutes) || args.rateLimitPer5Minutes < low || args.rateLimitPer5Minutes > high)
        throw new Error(`WebAcl: rateLimitPer5Minutes must be ${low} to ${high}, got ${args.rateLimitPer5Minutes}`);
}

/**
 * A regional AWS WAF web ACL on the load balancer: the AWS managed IP reputation, common and
 * known-bad-inputs rule groups, a rate-based rule per client address, and its requests logged to
 * CloudWatch Logs with the Authorization and Cookie headers redacted.
 */
export class WebAcl extends pulumi.ComponentResource {
    readonly webAcl: aws.wafv2.WebAcl;

    constructor(name: string, args: WebAclArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super(WEB_ACL_TYPE, name, {}, opts);
        validateWebAclArgs(args);
        const [app, env] = args.nameParts;
        const child = { parent: this };
        const visibility = (metricName: string) => ({ cloudwatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true });

        this.webAcl = new aws.wafv2.WebAcl(
            `${name}-acl`,
            {
                name: physicalName([app, env], 128),
                description: `${app} ${env}: AWS managed rules and a rate limit per client address`,
                scope: "REGIONAL",
                defaultAction: { allow: {} },
                rules: [
                    ...MANAGED_RULE_GROUPS.map((group, priority) => ({
                        name: group,
                        priority,
                        overrideAction: { none: {} },
                        statement: {
                            managedRuleGroupStatement: {
                                vendorName: "AWS",
                                name: group,
                                // The common rule set blocks request bodies over 8 KB (SizeRestrictions_BODY):
                                // counted, not blocked, so uploads and large JSON bodies keep working;
                                // the other rules of the set still inspect the first 8 KB.
                                ruleActionOverrides:
                                    group === "AWSManagedRulesCommonRuleSet" ? [{ name: "SizeRestrictions_BODY", actionToUse: { count: {} } }] : undefined,
                            },
                        },
                        visibilityConfig: visibility(group),
                    })),
                    {
                        name: "rate-limit-per-ip",
                        priority: MANAGED_RULE_GROUPS.length,
                        action: { block: {} },
                        statement: { rateBasedStatement: { limit: args.rateLimitPer5Minutes, evaluationWindowSec: 300, aggregateKeyType: "IP" } },
                        visibilityConfig: visibility("rate-limit-per-ip"),
                    },
                ],
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
                // Credentials never reach the logs.
                redactedFields: [{ singleHeader: { name: "authorization" } }, { singleHeader: { name: "cookie" } }],
            },
            child,
        );
        this.registerOutputs({ webAclArn: this.webAcl.arn });
    }
}
