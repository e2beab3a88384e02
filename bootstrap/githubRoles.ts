import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
    Account,
    GITHUB_OIDC_AUDIENCE,
    GITHUB_OIDC_HOST,
    PREVIEW_PRODUCTION_ENVIRONMENT,
    PolicyDocument,
    StateAccess,
    buildPolicy,
    deployDataPolicy,
    deployNetworkPolicy,
    deployServicesPolicy,
    deployPolicy,
    githubSubject,
    githubTrustPolicy,
    previewPolicy,
} from "./policies";
import { Tier } from "../stacks/keys";
import { previewGroups } from "./tiers";

export const GITHUB_ROLES_TYPE = "shipyard-bootstrap:iam:GithubRoles";

export interface GithubRolesArgs {
    /**
     * Role names are `<app>-github-build`, `<app>-github-preview`, `<app>-github-preview-production`
     * and `<app>-github-deploy-<env>`.
     */
    readonly app: string;
    /** `owner/name`: only this repository's workflows can assume the roles. */
    readonly repository: string;
    /**
     * The account's GitHub OIDC provider, when it exists already (an account holds one per URL).
     * @default undefined: the component creates it
     */
    readonly existingProviderArn?: string;
    /** One deploy role each, in promotion order. */
    readonly environments: readonly string[];
    /** Each environment's tier, which decides the preview role that may read it (`previewGroups` in `./tiers`). */
    readonly tiers: Readonly<Record<string, Tier>>;
    /** The environments' Pulumi project, whose stack state the deploy roles write. */
    readonly project: string;
    /** Partition, region and account of the ARNs in the permissions. */
    readonly account: Account;
    /** The state bucket and its key: deploy roles write their stack's objects, the preview roles read. */
    readonly state: StateAccess;
    /** The service repositories: build pushes to them, deploy reads digests from them. */
    readonly repositoryArns: pulumi.Input<string>[];
    /**
     * By environment, the host that serves its assets and names its assets bucket, which its
     * deploy role may manage and its preview role read. @default {} (only `<app>-<env>-assets-*` buckets)
     */
    readonly assetsHosts?: Readonly<Partial<Record<string, string>>>;
    /** Route 53 host names by environment (route53Hosts). @default {} */
    readonly route53Hosts?: Readonly<Partial<Record<string, readonly string[]>>>;
    /** Tags on the provider and the roles; a deploy role's `environment` tag is its environment. */
    readonly tags: Readonly<Record<string, string>>;
}

/** Longest a GitHub job may hold a role's credentials: one hour, the IAM minimum. */
export const MAX_SESSION_SECONDS = 3600;

/**
 * The IAM roles GitHub Actions workflows of one repository assume through OIDC, with no stored
 * AWS keys: build (push images, from main only), two read-only preview roles and one deploy role
 * per environment (from jobs running in the GitHub environment of the same name). Previews are
 * split because a pull request runs its own code with the role: `preview` (any pull request of a
 * branch of the repository) reads only the stacks outside the staging and production tiers;
 * `preview-production` reads only those, and only jobs in the GitHub environment
 * `preview-production`, whose reviewers approve each job, can assume it.
 */
export class GithubRoles extends pulumi.ComponentResource {
    readonly providerArn: pulumi.Output<string>;
    readonly buildRole: aws.iam.Role;
    /** Previews of the non-production stacks; undefined when the account runs none. */
    readonly previewRole?: aws.iam.Role;
    /** Previews of the production stacks; undefined when the account runs none. */
    readonly previewProductionRole?: aws.iam.Role;
    /** By environment: the one preview role that may read it and decrypt its secrets. */
    readonly previewRoles: Readonly<Record<string, aws.iam.Role>>;
    /** By environment. */
    readonly deployRoles: Readonly<Record<string, aws.iam.Role>>;
    /** By environment: the deploy role's permissions for the environment's data, attached to it. */
    readonly deployDataPolicies: Readonly<Record<string, aws.iam.Policy>>;

    constructor(name: string, args: GithubRolesArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super(GITHUB_ROLES_TYPE, name, {}, opts);
        const child = { parent: this };

        // Since 2023 IAM verifies GitHub's certificate against its own trusted CAs and ignores
        // thumbprints (IAM API reference, UpdateOpenIDConnectProviderThumbprint), so none is given.
        this.providerArn = args.existingProviderArn
            ? pulumi.output(args.existingProviderArn)
            : new aws.iam.OpenIdConnectProvider(
                  `${name}-oidc`,
                  { url: `https://${GITHUB_OIDC_HOST}`, clientIdLists: [GITHUB_OIDC_AUDIENCE], tags: args.tags },
                  child,
              ).arn;

        const role = (suffix: string, description: string, subject: string, permissions: PolicyDocument, tags = args.tags) => {
            const r = new aws.iam.Role(
                `${name}-${suffix}`,
                {
                    name: `${args.app}-github-${suffix}`,
                    description,
                    assumeRolePolicy: pulumi.jsonStringify(githubTrustPolicy(this.providerArn, subject)),
                    maxSessionDuration: MAX_SESSION_SECONDS,
                    tags,
                },
                child,
            );
            new aws.iam.RolePolicy(`${name}-${suffix}`, { role: r.id, policy: pulumi.jsonStringify(permissions) }, child);
            return r;
        };

        this.buildRole = role(
            "build",
            `GitHub Actions of ${args.repository} on main: push service images`,
            githubSubject.main(args.repository),
            buildPolicy(args.repositoryArns),
        );
        const groups = previewGroups(args.environments, args.tiers);
        const preview = (suffix: string, description: string, subject: string, environments: readonly string[]) =>
            environments.length === 0
                ? undefined
                : role(
                      suffix,
                      `GitHub Actions of ${args.repository} ${description}: read-only pulumi preview of ${environments.join(", ")}`,
                      subject,
                      previewPolicy({
                          account: args.account,
                          app: args.app,
                          environments,
                          project: args.project,
                          state: args.state,
                          assetsHosts: args.assetsHosts,
                      }),
                  );
        this.previewRole = preview("preview", "on pull requests", githubSubject.pullRequest(args.repository), groups.preview);
        this.previewProductionRole = preview(
            "preview-production",
            `in the GitHub environment ${PREVIEW_PRODUCTION_ENVIRONMENT}`,
            githubSubject.environment(args.repository, PREVIEW_PRODUCTION_ENVIRONMENT),
            groups.previewProduction,
        );
        const previewRoles: Record<string, aws.iam.Role> = {};
        for (const [previewer, environments] of [
            [this.previewRole, groups.preview],
            [this.previewProductionRole, groups.previewProduction],
        ] as const) {
            for (const env of environments) if (previewer) previewRoles[env] = previewer;
        }
        this.previewRoles = previewRoles;
        const deployRoles: Record<string, aws.iam.Role> = {};
        const deployDataPolicies: Record<string, aws.iam.Policy> = {};
        for (const env of args.environments) {
            const permissions = {
                account: args.account,
                app: args.app,
                env,
                project: args.project,
                state: args.state,
                repositoryArns: args.repositoryArns,
                assetsHost: args.assetsHosts?.[env],
                route53Hosts: args.route53Hosts?.[env],
            };
            const tags = { ...args.tags, environment: env };
            const deploy = role(
                `deploy-${env}`,
                `GitHub Actions of ${args.repository} in the GitHub environment ${env}: pulumi up of the ${env} stack`,
                githubSubject.environment(args.repository, env),
                deployPolicy(permissions),
                tags,
            );
            // Managed policies of their own, attached to this role only: with the inline policy they
            // would exceed IAM's size limits for a role's inline policies and for one managed policy.
            const managed = (part: string, what: string, document: PolicyDocument) =>
                attachedPolicy(
                    `${name}-deploy-${part}-${env}`,
                    deploy,
                    {
                        name: `${args.app}-github-deploy-${env}-${part}`,
                        description: `pulumi up of the ${args.app} ${env} stack: ${what} (attached to ${args.app}-github-deploy-${env})`,
                        document,
                        tags,
                    },
                    child,
                );
            deployDataPolicies[env] = managed("data", "its database, assets buckets and backups", deployDataPolicy(permissions));
            managed("network", "its network", deployNetworkPolicy(permissions));
            managed("services", "its containers, load balancers, scaling, alarms and logs", deployServicesPolicy(permissions));
            deployRoles[env] = deploy;
        }
        this.deployRoles = deployRoles;
        this.deployDataPolicies = deployDataPolicies;

        this.registerOutputs({
            providerArn: this.providerArn,
            buildRoleArn: this.buildRole.arn,
            previewRoleArn: this.previewRole?.arn,
            previewProductionRoleArn: this.previewProductionRole?.arn,
        });
    }
}

/**
 * A customer managed policy attached to one role (the logical names of both are `logicalName`):
 * how a deploy role gets the statements its inline policy has no room for.
 */
export function attachedPolicy(
    logicalName: string,
    role: aws.iam.Role,
    args: { readonly name: string; readonly description: string; readonly document: PolicyDocument; readonly tags: Record<string, string> },
    opts: pulumi.CustomResourceOptions,
): aws.iam.Policy {
    const policy = new aws.iam.Policy(
        logicalName,
        { name: args.name, path: "/", description: args.description, policy: pulumi.jsonStringify(args.document), tags: args.tags },
        opts,
    );
    new aws.iam.RolePolicyAttachment(logicalName, { role: role.name, policyArn: policy.arn }, opts);
    return policy;
}
