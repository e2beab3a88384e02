/**
 * Who the environment's resources belong to: the application's name (part of every physical name
 * and tag) and the permissions boundary of every IAM role the stack creates.
 */
import { partitionOf } from "../lib/aws";
import { stackNameProblem } from "./keys";
import { Fail } from "./problems";

const NAME = /^[a-z][a-z0-9-]{0,18}[a-z0-9]$/;
const POLICY_ARN = /^arn:aws[a-z-]*:iam::\d{12}:policy\/[\w+=,.@/-]{1,128}$/;

/** Reports an `appName` that cannot be part of AWS names. */
export function checkAppName(appName: string, fail: Fail): void {
    if (!NAME.test(appName) || appName.includes("--"))
        fail(
            "appName",
            appName,
            "must be 2-20 lowercase letters, digits or hyphens, starting with a letter, not ending with a hyphen and without two hyphens in a row (RDS identifiers refuse them)",
        );
    // Elastic Load Balancing refuses a load balancer name that begins with internal- (CreateLoadBalancer, Name).
    else if (appName === "internal" || appName.startsWith("internal-"))
        fail("appName", appName, "load balancer names <appName>-<env> may not begin with internal- (Elastic Load Balancing reserves it); choose another name");
}

/**
 * The bootstrap environment whose boundary, alarm key and origin parameters the stack uses: the
 * `bootstrapEnvironment` key, or the stack's own name when it is unset. It names AWS resources as
 * a stack name does, so it takes the same rule.
 */
export function parseBootstrapEnvironment(value: string, stack: string, fail: Fail): string {
    if (value === "") return stack;
    const problem = stackNameProblem(value);
    if (problem) fail("bootstrapEnvironment", value, `${problem}; unset, the stack's own name`);
    return value;
}

/**
 * The permissions boundary's ARN from `permissionsBoundary`: the bootstrap's
 * `<app>-<env>-boundary` policy in the stack's account, none (undefined), or the ARN given.
 */
export function parsePermissionsBoundary(
    value: string,
    target: { readonly app: string; readonly env: string; readonly region?: string; readonly accountId?: string },
    fail: Fail,
): string | undefined {
    if (!["bootstrap", "none"].includes(value) && !POLICY_ARN.test(value))
        fail("permissionsBoundary", value, "allowed: bootstrap, none, or an IAM policy ARN arn:aws:iam::<account>:policy/<name>");
    if (value === "none") return undefined;
    if (value === "bootstrap") return `arn:${partitionOf(target.region ?? "")}:iam::${target.accountId ?? ""}:policy/${target.app}-${target.env}-boundary`;
    return value;
}

/** The tags of every resource of the environment. */
export function tagsOf(app: string, env: string): Readonly<Record<string, string>> {
    return { app, environment: env, "managed-by": "pulumi" };
}
