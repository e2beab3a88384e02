/**
 * The services the stacks run, as the release commands need them: each one's name and the ECR
 * repository its image lives in, read from the stack files' `shipyard:services` maps. Every
 * service has an image of its own, built once per commit into its own repository and promoted by
 * digest, so two services never share a repository and every stack names the same repository for
 * a service.
 */
import { ReleaseError, UsageError } from "./errors";
import { EcrImageRef, imageRepository, stackEcrImage } from "./image";

/** The stack file key that maps each service's name to its settings (`image`, `expose`, ...). */
export const SERVICES_KEY = "shipyard:services";

/**
 * A service name the release accepts: lowercase letters, digits and single hyphens, starting with
 * a letter, 2 to 20 characters, as the bootstrap's `services` (which creates the repository
 * `<appName>-<service>`). The workflows loop over the names in bash and put them in `pulumi config
 * set --path` paths, so nothing else may get through.
 */
export const SERVICE_NAME = /^[a-z](?:[a-z0-9]|-(?=[a-z0-9])){0,18}[a-z0-9]$/;
const SERVICE_NAME_RULE = "lowercase letters, digits and single hyphens, starting with a letter, 2 to 20 characters";

/** One service of a stack. */
export interface ReleaseService {
    readonly name: string;
    /** The service's image as the stack file names it; its repository is where the build pushes. */
    readonly image: EcrImageRef;
}

/** The JSON of a map (not a list, not null), or undefined. */
function parseMap(value: string): Record<string, unknown> | undefined {
    try {
        const parsed: unknown = JSON.parse(value);
        return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
    } catch {
        return undefined;
    }
}

/**
 * The services of `stack`, in the order of its stack file, from the value of `shipyard:services`
 * as the Pulumi CLI passes it (a map, JSON-encoded). Errors name the stack, the key, the value and
 * what is allowed.
 */
export function stackServices(stack: string, value: string | undefined): readonly ReleaseService[] {
    const example = "e.g. web: { image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/demo-web@sha256:..., expose: http }";
    if (value === undefined || value === "") {
        throw new ReleaseError(`stack "${stack}": key ${SERVICES_KEY} is not set; it must map each service's name to its settings, ${example}`);
    }
    const map = parseMap(value);
    if (!map) throw new ReleaseError(`stack "${stack}": key ${SERVICES_KEY} = ${value} is not a map of service name to settings, ${example}`);
    if (Object.keys(map).length === 0) throw new ReleaseError(`stack "${stack}": key ${SERVICES_KEY} names no service; list at least one, ${example}`);
    const services = Object.entries(map).map(([name, settings]): ReleaseService => {
        if (!SERVICE_NAME.test(name)) {
            throw new ReleaseError(`stack "${stack}": key ${SERVICES_KEY} has a service named ${JSON.stringify(name)}; service names are ${SERVICE_NAME_RULE}`);
        }
        const key = `${SERVICES_KEY}.${name}`;
        if (typeof settings !== "object" || settings === null || Array.isArray(settings)) {
            throw new ReleaseError(`stack "${stack}": key ${key} = ${JSON.stringify(settings)} is not a map of settings with an image, ${example}`);
        }
        return { name, image: stackEcrImage(stack, `${key}.image`, (settings as Record<string, unknown>).image) };
    });
    checkOwnRepositories(services, `stack "${stack}"`);
    return services;
}

/** Fails when two services name one repository: the second push of `<repository>:<sha>` would be refused, or taken for the first. */
function checkOwnRepositories(services: readonly ReleaseService[], where: string): void {
    const byRepository = new Map<string, string>();
    for (const s of services) {
        const repository = imageRepository(s.image);
        const other = byRepository.get(repository);
        if (other !== undefined && other !== s.name) {
            throw new ReleaseError(
                `${where}: services ${other} and ${s.name} both name the image repository ${repository}; each service needs its own (<appName>-<service>), because every image is tagged with its commit's SHA and ECR's tags are immutable`,
            );
        }
        byRepository.set(repository, s.name);
    }
}

/** The service `name` of `stack`; an unknown name is a usage error that lists the stack's services. */
export function serviceOf(stack: string, services: readonly ReleaseService[], name: string): ReleaseService {
    const found = services.find((s) => s.name === name);
    if (!found) {
        throw new UsageError(`unknown service "${name}" for stack "${stack}": Pulumi.${stack}.yaml runs ${services.map((s) => s.name).join(", ")}`);
    }
    return found;
}

/**
 * Every service some stack runs, each once, in the order the stacks (as given) first name them,
 * with the repository they all name for it. One image per service and commit is built and
 * promoted to every stack, so a stack that names another repository (or a repository of another
 * service) fails here, before anything is built.
 */
export function projectServices(byStack: Readonly<Record<string, readonly ReleaseService[]>>): readonly ReleaseService[] {
    const seen = new Map<string, { readonly service: ReleaseService; readonly stack: string }>();
    for (const [stack, services] of Object.entries(byStack)) {
        for (const s of services) {
            const first = seen.get(s.name);
            if (!first) {
                seen.set(s.name, { service: s, stack });
            } else if (imageRepository(first.service.image) !== imageRepository(s.image)) {
                throw new ReleaseError(
                    `service ${s.name}'s image is in ${imageRepository(first.service.image)} in stack "${first.stack}" but in ${imageRepository(s.image)} in stack "${stack}": every stack must name the same repository, so that the image built once per commit can be promoted to all of them`,
                );
            }
        }
    }
    const services = [...seen.values()].map((v) => v.service);
    if (services.length === 0) throw new ReleaseError("no stack files: there is no service to release");
    checkOwnRepositories(services, "the stack files");
    return services;
}

/** The service `name` among every stack's; an unknown name is a usage error that lists them. */
export function projectServiceOf(services: readonly ReleaseService[], name: string): ReleaseService {
    const found = services.find((s) => s.name === name);
    if (!found) throw new UsageError(`unknown service "${name}": no stack file runs it; the stack files run ${services.map((s) => s.name).join(", ")}`);
    return found;
}
