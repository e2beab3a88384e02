/**
 * The bootstrap program, run once per AWS account: what the environments' stacks share and need
 * before their first deploy. Settings for this stack -> state backend, image repositories,
 * permissions boundaries, GitHub roles, secrets keys, the Cloudflare edge -> the outputs the README
 * turns into GitHub variables.
 */
import * as pulumi from "@pulumi/pulumi";
import { AlarmKeys } from "./alarmKeys";
import { CloudflareEdge } from "./cloudflareEdge";
import { GithubRoles } from "./githubRoles";
import { ImageRepositories } from "./imageRepositories";
import { PermissionsBoundaries } from "./permissionsBoundaries";
import { PREVIEW_BOOTSTRAP_ENV, previewHostPattern } from "./policies";
import { PREVIEW_IMAGE_DAYS } from "./previews";
import { PreviewDeployRole } from "./previewDeployRole";
import { SecretsKeys } from "./secretsKeys";
import { BootstrapSettings, loadBootstrapSettings } from "./settings";
import { StateBackend } from "./stateBackend";
import { keptDeployedImages } from "./tiers";

/** Creates the account's shared resources from the settings and returns the stack outputs. */
function bootstrap(s: BootstrapSettings) {
    const account = { partition: s.partition, region: s.region, accountId: s.accountId };
    // Buckets named after their hosts: the roles of each environment may manage or read its own.
    const assetsHosts = s.cloudflare?.assetsHosts ?? {};

    const state = new StateBackend(`${s.app}-state`, {
        bucketName: s.stateBucket,
        keyAlias: `alias/${s.app}-pulumi-state`,
        account,
        noncurrentVersionDays: s.noncurrentVersionDays,
        tags: s.tags,
    });

    const images = new ImageRepositories(`${s.app}-images`, {
        app: s.app,
        services: s.services,
        keepReleaseImages: s.keepReleaseImages,
        keepDeployed: keptDeployedImages(s.environments, s.tiers),
        untaggedImageDays: s.untaggedImageDays,
        ...(s.previews ? { previewImageDays: PREVIEW_IMAGE_DAYS } : {}),
        tags: s.tags,
    });
    const repositories = s.services.map((service) => images.repositories[service]);

    const boundaries = new PermissionsBoundaries(`${s.app}-boundaries`, {
        app: s.app,
        environments: s.environments,
        account,
        repositoryArns: repositories.map((r) => r.arn),
        assetsHosts,
        tags: s.tags,
    });

    const github = new GithubRoles(
        `${s.app}-github`,
        {
            app: s.app,
            repository: s.githubRepository,
            existingProviderArn: s.githubOidcProviderArn,
            environments: s.environments,
            tiers: s.tiers,
            project: s.environmentsProject,
            account,
            state: { bucketArn: state.bucket.arn, keyArn: state.key.arn },
            repositoryArns: repositories.map((r) => r.arn),
            assetsHosts,
            route53Hosts: s.route53Hosts,
            tags: s.tags,
        },
        { dependsOn: Object.values(boundaries.policies) },
    );

    const byEnv = <T>(f: (env: string) => T) => Object.fromEntries(s.environments.map((env) => [env, f(env)]));
    const secrets = new SecretsKeys(`${s.app}-secrets`, {
        app: s.app,
        environments: s.environments,
        account,
        deployRoleArns: byEnv((env) => github.deployRoles[env].arn),
        previewRoleArns: byEnv((env) => github.previewRoles[env].arn),
        tags: s.tags,
    });

    const alarmKeys = new AlarmKeys(`${s.app}-alarm-keys`, { app: s.app, environments: s.environments, account, tags: s.tags });

    // Pull-request previews: one deploy role, boundary, secrets key, alarm key and origin rule for every pr-<number> stack.
    const previews = s.previews
        ? previewResources(
              s,
              account,
              { bucketArn: state.bucket.arn, keyArn: state.key.arn },
              github.providerArn,
              repositories.map((r) => r.arn),
          )
        : undefined;

    const edge = s.cloudflare
        ? new CloudflareEdge(`${s.app}-edge`, {
              app: s.app,
              zone: s.cloudflare.zone,
              zoneId: s.cloudflare.zoneId,
              originHosts: s.previews
                  ? { ...s.cloudflare.originHosts, [PREVIEW_BOOTSTRAP_ENV]: [previewHostPattern(s.cloudflare.zone)] }
                  : s.cloudflare.originHosts,
              assetsHosts: s.cloudflare.assetsHosts,
              tags: s.tags,
          })
        : undefined;

    return {
        stateBucket: state.bucket.bucket,
        alarmTopicKeys: byEnv((env) => alarmKeys.aliases[env].name),
        backendUrl: pulumi.interpolate`s3://${state.bucket.bucket}?region=${s.region}`,
        secretsProviders: byEnv((env) => pulumi.interpolate`awskms://${secrets.aliases[env].name}?region=${s.region}`),
        repositoryUrls: Object.fromEntries(s.services.map((service, i) => [service, repositories[i].repositoryUrl])),
        buildRoleArn: github.buildRole.arn,
        // A preview role exists only when the account runs environments it previews.
        ...(github.previewRole ? { previewRoleArn: github.previewRole.arn } : {}),
        ...(github.previewProductionRole ? { previewProductionRoleArn: github.previewProductionRole.arn } : {}),
        deployRoleArns: byEnv((env) => github.deployRoles[env].arn),
        permissionsBoundaryArns: byEnv((env) => boundaries.arns[env]),
        ...(edge ? { cloudflareZoneId: edge.zoneId } : {}),
        ...(previews ? { prDeployRoleArn: previews.role.role.arn, previewSecretsProvider: previews.secretsProvider } : {}),
    };
}

function previewResources(
    s: BootstrapSettings,
    account: { partition: string; region: string; accountId: string },
    state: { bucketArn: pulumi.Output<string>; keyArn: pulumi.Output<string> },
    providerArn: pulumi.Output<string>,
    repositoryArns: pulumi.Output<string>[],
) {
    const role = new PreviewDeployRole(`${s.app}-pr-deploy`, {
        app: s.app,
        repository: s.githubRepository,
        providerArn,
        project: s.environmentsProject,
        account,
        state,
        repositoryArns,
        tags: s.tags,
    });
    // The previews' Pulumi secrets provider: only their deploy role encrypts and decrypts.
    const keys = new SecretsKeys(`${s.app}-preview-secrets`, {
        app: s.app,
        environments: [PREVIEW_BOOTSTRAP_ENV],
        account,
        deployRoleArns: { [PREVIEW_BOOTSTRAP_ENV]: role.role.arn },
        previewRoleArns: { [PREVIEW_BOOTSTRAP_ENV]: role.role.arn },
        tags: s.tags,
    });
    new AlarmKeys(`${s.app}-preview-alarm-keys`, { app: s.app, environments: [PREVIEW_BOOTSTRAP_ENV], account, tags: s.tags });
    return { role, secretsProvider: pulumi.interpolate`awskms://${keys.aliases[PREVIEW_BOOTSTRAP_ENV].name}?region=${s.region}` };
}

/**
 * Entry point. The Pulumi Node.js host calls the exported function inside the stack and uses its
 * result as the stack outputs; the test harness calls the same function under the mock runtime.
 */
export = () => bootstrap(loadBootstrapSettings());
