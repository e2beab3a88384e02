import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { imageLifecyclePolicy } from "./policies";

export const IMAGE_REPOSITORIES_TYPE = "shipyard-bootstrap:ecr:ImageRepositories";

export interface ImageRepositoriesArgs {
    /** Repository names are `<app>-<service>`, the names the environments' images use. */
    readonly app: string;
    /** One repository each; names already checked by the settings. */
    readonly services: readonly string[];
    /** Newest release images (git-SHA tags) each repository keeps besides those of {@link keepDeployed}. */
    readonly keepReleaseImages: number;
    /**
     * The environments whose deployed images (tagged `<env>-<sha>`) a rule of their own keeps, the
     * newest `keep` of them, in priority order (`keptDeployedImages` in `./tiers`).
     */
    readonly keepDeployed: readonly { readonly env: string; readonly keep: number }[];
    /** Days an untagged image is kept. */
    readonly untaggedImageDays: number;
    /** Days a pull request's image (tagged `pr-<sha>`) is kept, when the account runs previews. @default undefined (no rule of their own) */
    readonly previewImageDays?: number;
    /** Tags on every repository. */
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * One private ECR repository per service: tags immutable (a git SHA always names the same
 * digest, so promoting a tag cannot promote different bytes), scanned on push, encrypted with
 * AES256, with a lifecycle policy. Deleting a repository that still holds images fails
 * (`forceDelete` off), so no release image is lost to a `pulumi destroy`.
 *
 * AES256 rather than KMS: images carry no secrets (they come from the stack, at run time), pull
 * access is already decided by ECR permissions, and a customer managed key would add a KMS call
 * per layer pulled and a key to pay for; ECR cannot change a repository's encryption later.
 */
export class ImageRepositories extends pulumi.ComponentResource {
    /** By service name. */
    readonly repositories: Readonly<Record<string, aws.ecr.Repository>>;

    constructor(name: string, args: ImageRepositoriesArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super(IMAGE_REPOSITORIES_TYPE, name, {}, opts);
        const child = { parent: this };
        const lifecycle = JSON.stringify(imageLifecyclePolicy(args.keepReleaseImages, args.untaggedImageDays, args.keepDeployed, args.previewImageDays));

        const repositories: Record<string, aws.ecr.Repository> = {};
        for (const service of args.services) {
            const repository = new aws.ecr.Repository(
                `${name}-${service}`,
                {
                    name: `${args.app}-${service}`,
                    imageTagMutability: "IMMUTABLE",
                    imageScanningConfiguration: { scanOnPush: true },
                    encryptionConfigurations: [{ encryptionType: "AES256" }],
                    forceDelete: false,
                    tags: args.tags,
                },
                child,
            );
            new aws.ecr.LifecyclePolicy(`${name}-${service}`, { repository: repository.name, policy: lifecycle }, child);
            repositories[service] = repository;
        }
        this.repositories = repositories;
        this.registerOutputs({ repositoryUrls: Object.values(repositories).map((r) => r.repositoryUrl) });
    }
}
