import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { attachedPolicy, MAX_SESSION_SECONDS } from "./githubRoles";
import {
    Account,
    PREVIEW_BOOTSTRAP_ENV,
    PREVIEW_GITHUB_ENVIRONMENT,
    PREVIEW_STACKS,
    PolicyDocument,
    StateAccess,
    boundaryPolicyName,
    githubSubject,
    githubTrustPolicy,
    previewBoundaryPolicy,
    previewDeployDataPolicy,
    previewDeployNetworkPolicy,
    previewDeployPolicy,
    previewDeployServicesPolicy,
} from "./policies";

export const PREVIEW_DEPLOY_ROLE_TYPE = "shipyard-bootstrap:iam:PreviewDeployRole";

export interface PreviewDeployRoleArgs {
    /** The role is `<app>-github-pr-deploy`, the boundary `<app>-preview-boundary`. */
    readonly app: string;
    /** `owner/name`: only this repository's jobs in the GitHub environment `preview` may assume the role. */
    readonly repository: string;
    /** The account's GitHub OIDC provider (GithubRoles creates or is given it). */
    readonly providerArn: pulumi.Input<string>;
    /** The environments' Pulumi project, whose `pr-*` stack state the role writes. */
    readonly project: string;
    readonly account: Account;
    readonly state: StateAccess;
    /** The service repositories: the role pushes the pull request's images and reads digests. */
    readonly repositoryArns: pulumi.Input<string>[];
    /** Tags on the role and policies; their `environment` tag is `preview`. */
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * The deploy role of pull-request previews (issue 21): one role for every stack `pr-<number>`,
 * because the bootstrap cannot list pull requests. Only jobs in the GitHub environment `preview` may
 * assume it (the preview workflow runs there and never for forks); it may create, change and delete
 * only resources named `<app>-pr-*` or tagged `environment: pr-*`, write only the state of `pr-*`
 * stacks, and must give every role it creates the previews' boundary `<app>-preview-boundary`
 * (also created here), which allows only `pr-*` resources. Nothing of alpha, beta, gamma or live
 * matches those names or tags.
 */
export class PreviewDeployRole extends pulumi.ComponentResource {
    readonly role: aws.iam.Role;
    readonly boundary: aws.iam.Policy;
    readonly dataPolicy: aws.iam.Policy;
    readonly networkPolicy: aws.iam.Policy;
    readonly servicesPolicy: aws.iam.Policy;

    constructor(name: string, args: PreviewDeployRoleArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super(PREVIEW_DEPLOY_ROLE_TYPE, name, {}, opts);
        const child = { parent: this };
        const tags = { ...args.tags, environment: PREVIEW_BOOTSTRAP_ENV };
        const permissions = { account: args.account, app: args.app, project: args.project, state: args.state, repositoryArns: args.repositoryArns };

        this.boundary = new aws.iam.Policy(
            `${name}-boundary`,
            {
                name: boundaryPolicyName(args.app, PREVIEW_BOOTSTRAP_ENV),
                path: "/",
                description: `Permissions boundary of every IAM role of the ${args.app} pull-request preview stacks (${PREVIEW_STACKS}): the most any of them may do`,
                policy: pulumi.jsonStringify(previewBoundaryPolicy({ account: args.account, app: args.app, repositoryArns: args.repositoryArns })),
                tags,
            },
            child,
        );
        this.role = new aws.iam.Role(
            `${name}-role`,
            {
                name: `${args.app}-github-pr-deploy`,
                description: `GitHub Actions of ${args.repository} in the GitHub environment ${PREVIEW_GITHUB_ENVIRONMENT}: pulumi up and destroy of the ${PREVIEW_STACKS} preview stacks`,
                assumeRolePolicy: pulumi.jsonStringify(
                    githubTrustPolicy(args.providerArn, githubSubject.environment(args.repository, PREVIEW_GITHUB_ENVIRONMENT)),
                ),
                maxSessionDuration: MAX_SESSION_SECONDS,
                tags,
            },
            { ...child, dependsOn: [this.boundary] },
        );
        new aws.iam.RolePolicy(`${name}-role`, { role: this.role.id, policy: pulumi.jsonStringify(previewDeployPolicy(permissions)) }, child);
        // Managed policies of their own, as the environments' deploy roles have (IAM's size quotas).
        const managed = (suffix: string, what: string, document: PolicyDocument) =>
            attachedPolicy(
                `${name}-${suffix}`,
                this.role,
                {
                    name: `${args.app}-github-pr-deploy-${suffix}`,
                    description: `pulumi up of the ${args.app} preview stacks (${PREVIEW_STACKS}): ${what} (attached to ${args.app}-github-pr-deploy)`,
                    document,
                    tags,
                },
                child,
            );
        this.dataPolicy = managed("data", "their databases, assets buckets and backups", previewDeployDataPolicy(permissions));
        this.networkPolicy = managed("network", "their network", previewDeployNetworkPolicy(permissions));
        this.servicesPolicy = managed(
            "services",
            "their containers, load balancers, scaling, alarms and logs; their images",
            previewDeployServicesPolicy(permissions),
        );
        this.registerOutputs({ roleArn: this.role.arn, boundaryArn: this.boundary.arn });
    }
}
