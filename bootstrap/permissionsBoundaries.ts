import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Account, boundaryArn, boundaryPolicy, boundaryPolicyName } from "./policies";

export const PERMISSIONS_BOUNDARIES_TYPE = "shipyard-bootstrap:iam:PermissionsBoundaries";

export interface PermissionsBoundariesArgs {
    /** Policy names are `<app>-<env>-boundary`, the names the environments' program sets on its roles. */
    readonly app: string;
    /** One boundary each. */
    readonly environments: readonly string[];
    /** Partition, region and account of the ARNs in the boundaries. */
    readonly account: Account;
    /** The service repositories, from which the environments' execution roles pull. */
    readonly repositoryArns: pulumi.Input<string>[];
    /**
     * By environment, the host that serves its assets and names its assets bucket, which the
     * environment's task and backup roles may read. @default {} (only `<app>-<env>-assets-*` buckets)
     */
    readonly assetsHosts?: Readonly<Partial<Record<string, string>>>;
    /** Tags on every policy; its `environment` tag is replaced by the policy's environment. */
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * One customer managed policy per environment, `<app>-<env>-boundary` at path `/`: the permissions
 * boundary that every role of that environment's program carries, and that the environment's deploy
 * role must set on every role it creates or gives permissions (bootstrap/policies.ts,
 * `boundaryPolicy` and `deployPolicy`). The deploy roles cannot change these policies.
 */
export class PermissionsBoundaries extends pulumi.ComponentResource {
    /** By environment: the ARN, built from the name (the deploy roles' conditions compare strings). */
    readonly arns: Readonly<Record<string, string>>;
    /** By environment. */
    readonly policies: Readonly<Record<string, aws.iam.Policy>>;

    constructor(name: string, args: PermissionsBoundariesArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super(PERMISSIONS_BOUNDARIES_TYPE, name, {}, opts);
        const arns: Record<string, string> = {};
        const policies: Record<string, aws.iam.Policy> = {};
        for (const env of args.environments) {
            policies[env] = new aws.iam.Policy(
                `${name}-${env}`,
                {
                    name: boundaryPolicyName(args.app, env),
                    path: "/",
                    description: `Permissions boundary of every IAM role of the ${args.app} ${env} stack: the most any of them may do`,
                    policy: pulumi.jsonStringify(
                        boundaryPolicy({ account: args.account, app: args.app, env, repositoryArns: args.repositoryArns, assetsHost: args.assetsHosts?.[env] }),
                    ),
                    tags: { ...args.tags, environment: env },
                },
                { parent: this },
            );
            arns[env] = boundaryArn(args.account, args.app, env);
        }
        this.arns = arns;
        this.policies = policies;
        this.registerOutputs({ arns });
    }
}
