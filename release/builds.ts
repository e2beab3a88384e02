/**
 * What main.yml builds for a commit: one image per service that some stack runs, each from its
 * build context, pushed to the service's own repository. The contexts are written down in one
 * place, `release/images.json` (service name -> folder with the Dockerfile, relative to the
 * repository root); the repositories come from the stack files.
 */
import { ReleaseError } from "./errors";
import { imageRepository } from "./image";
import { ReleaseService } from "./services";

/** The file that maps each service to its docker build context. */
export const BUILD_CONTEXTS_FILE = "release/images.json";

/** A folder of this repository: relative, no `..`, no backslashes, characters that need no quoting. */
export const CONTEXT = /^(?!\/)(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;

/** Parses release/images.json; errors name the file, the service and what is allowed. */
export function parseBuildContexts(text: string): Readonly<Record<string, string>> {
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch (e) {
        throw new ReleaseError(`${BUILD_CONTEXTS_FILE} is not JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw new ReleaseError(`${BUILD_CONTEXTS_FILE} must map each service to its build context, e.g. { "web": "app" }`);
    }
    for (const [service, context] of Object.entries(parsed)) {
        if (typeof context !== "string" || !CONTEXT.test(context)) {
            throw new ReleaseError(
                `${BUILD_CONTEXTS_FILE}: service ${service} has the build context ${JSON.stringify(context)}; it must be a folder of this repository, relative to its root (e.g. app), without .. or a leading /`,
            );
        }
    }
    return parsed as Record<string, string>;
}

/** One image main.yml builds: a leg of its build matrix. */
export interface ImageBuild {
    readonly service: string;
    /** `registry/repository`: main.yml pushes `<repository>:<full commit SHA>`. */
    readonly repository: string;
    /** Folder with the Dockerfile, relative to the repository root. */
    readonly context: string;
}

/**
 * The images to build, in the order of `services` (every service some stack runs). Every service
 * needs a build context, and every context a service: an entry that no stack runs would be built
 * and pushed for nothing, or name a service that was renamed.
 */
export function imageBuilds(services: readonly ReleaseService[], contexts: Readonly<Record<string, string>>): readonly ImageBuild[] {
    const names = services.map((s) => s.name);
    const unused = Object.keys(contexts).filter((service) => !names.includes(service));
    if (unused.length > 0) {
        throw new ReleaseError(
            `${BUILD_CONTEXTS_FILE} names ${unused.join(", ")}, which no stack file runs (they run ${names.join(", ")}): remove the entry, or add the service to a stack file`,
        );
    }
    const missing = names.filter((service) => contexts[service] === undefined);
    if (missing.length > 0) {
        throw new ReleaseError(
            `${BUILD_CONTEXTS_FILE} has no build context for ${missing.join(", ")}: add "<service>": "<folder with its Dockerfile>" for each, so that main.yml builds its image`,
        );
    }
    return services.map((s) => ({ service: s.name, repository: imageRepository(s.image), context: contexts[s.name] }));
}
