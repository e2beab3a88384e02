/**
 * The shipyard policy pack: `pulumi preview --policy-pack policy`. Every rule lives in `./rules`,
 * which the tests and the offline plan run over recorded graphs; this file only adapts them to
 * Pulumi policies. Constructing the PolicyPack starts the analyzer's gRPC server, so nothing but
 * the Pulumi CLI may import this file.
 */
import * as pulumi from "@pulumi/pulumi";
import { PolicyPack, PolicyResource as PackResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { PolicyResource, Rule, RULES } from "./rules";

/**
 * The environment, from the stack the CLI runs the pack for (it passes the stack name as
 * PULUMI_NODEJS_STACK). Undefined when the pack runs without one, so environment-specific rules
 * (no-public-ips-in-live, vpc-flow-logs-in-live) stay quiet rather than guess.
 */
function currentEnv(): string | undefined {
    try {
        const stack = pulumi.getStack();
        // A fully qualified name (org/project/stack) ends with the stack's own name.
        return stack ? stack.slice(stack.lastIndexOf("/") + 1) : undefined;
    } catch {
        return undefined;
    }
}

const env = currentEnv();

function describe(rule: Rule): string {
    return rule.control ? `[${rule.control}] ${rule.description}` : rule.description;
}

/** A stack resource as the rules see it; under preview its unknown values throw when read. */
function fromStack(r: PackResource): PolicyResource {
    return { type: r.type, name: r.name, inputs: r.props, dependsOn: r.dependencies.map((d) => d.name) };
}

/** What every policy made from a rule shares, whether it checks one resource or the stack. */
function common(rule: Rule) {
    return { name: rule.name, description: describe(rule), enforcementLevel: rule.enforcementLevel, tags: rule.control ? [rule.control] : undefined };
}

function resourcePolicy(rule: Rule): ResourceValidationPolicy {
    return {
        ...common(rule),
        validateResource: (args, reportViolation) => {
            if (!rule.resourceTypes.includes(args.type)) return;
            const resource: PolicyResource = { type: args.type, name: args.name, inputs: args.props };
            for (const message of rule.check(resource, { resources: [resource], env })) reportViolation(message);
        },
    };
}

function stackPolicy(rule: Rule): StackValidationPolicy {
    return {
        ...common(rule),
        validateStack: (args, reportViolation) => {
            const resources = args.resources.map(fromStack);
            const view = { resources, env };
            args.resources.forEach((r, i) => {
                if (!rule.resourceTypes.includes(r.type)) return;
                for (const message of rule.check(resources[i], view)) reportViolation(message, r.urn);
            });
        },
    };
}

new PolicyPack("shipyard", {
    description: "Shipyard: AWS Foundational Security Best Practices for ECS Fargate behind an ALB, plus the platform's own rules.",
    policies: RULES.map((rule) => (rule.scope === "stack" ? stackPolicy(rule) : resourcePolicy(rule))),
});
