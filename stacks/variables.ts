/**
 * What each service's container is given: plain variables (the stack's, the service's own and the
 * platform's) and secrets (by service, and the external database's connection string). A variable
 * is either plain or secret, and plain ones that look like secrets are refused.
 */
import * as pulumi from "@pulumi/pulumi";
import { ENV_NAME, partitionOf, secretParameter, SSM_DESCRIPTION_MAX, SSM_PARAMETER_ARN_MAX } from "../lib/aws";
import { DATA_VARS, DataSettings } from "./data";
import { Fail } from "./problems";
import { KeyValues } from "./raw";
import { messagingVariables } from "./messaging";
import { DeclaredService } from "./services";
import { SECRET_LOOKING_NAME, secretLookingValue } from "./validators";

/** Variables the platform sets from the stack; neither the stack nor a service may set them. */
export const PLATFORM_VARS: readonly string[] = ["APP_ENV", "LOG_LEVEL", "PORT", "SERVICE_NAME", "SHUTDOWN_TIMEOUT_MS"];
/** Seconds the app's graceful shutdown leaves before the stop timeout's SIGKILL, for its last log lines. */
export const SHUTDOWN_MARGIN_SECONDS = 2;

/** A container's variables; part of each service's settings. */
export interface ContainerVariables {
    /** Plain variables: the stack's, the service's own, and the platform's APP_ENV, LOG_LEVEL, PORT, SERVICE_NAME, SHUTDOWN_TIMEOUT_MS; sorted by name. */
    readonly environment: Readonly<Record<string, string>>;
    /** Secret variables, each an Output marked secret. */
    readonly secrets: Readonly<Record<string, pulumi.Output<string>>>;
}

/** Secret values by service, then by variable name. */
export type SecretsByService = Readonly<Record<string, Readonly<Record<string, string>>>>;

/**
 * Checks the stack-wide `environment` and the `secrets` map (secrets.<service>.<NAME>) and returns
 * the secrets by service. Secret values are never quoted in a problem.
 */
export function parseVariables(
    v: Pick<KeyValues, "environment" | "secrets">,
    services: readonly DeclaredService[],
    where: { readonly app: string; readonly env: string; readonly region: string },
    fail: Fail,
): SecretsByService {
    for (const [name, value] of Object.entries(v.environment)) {
        const key = `environment.${name}`;
        if (!ENV_NAME.test(name)) fail(key, name, "invalid variable name: letters, digits and underscores, not starting with a digit");
        else if (PLATFORM_VARS.includes(name))
            fail(key, value, `${name} is set by the platform from the stack (${PLATFORM_VARS.join(", ")}); use the logLevel or containerPort keys`);
        else if (services.some((s) => messagingVariables(s.messaging).includes(name)))
            fail(
                key,
                value,
                `${name} is set by the platform for ${services
                    .filter((s) => messagingVariables(s.messaging).includes(name))
                    .map((s) => s.name)
                    .join(", ")} (publish and subscribe); use another name`,
            );
        else if (SECRET_LOOKING_NAME.test(name) || secretLookingValue(value)) {
            fail(
                key,
                "[redacted]",
                `looks like a secret and would be stored in plain text; move it to secrets with pulumi config set --secret --path 'secrets.<service>.${name}' VALUE (one per service that needs it)`,
            );
        }
    }
    const secretsOf: Record<string, Record<string, string>> = {};
    for (const [svc, names] of Object.entries(v.secrets)) {
        const service = services.find((x) => x.name === svc);
        if (!service) {
            fail(
                `secrets.${svc}`,
                "[secret]",
                `not a service of this stack (${services.map((x) => x.name).join(", ")}); set each secret with pulumi config set --secret --path 'secrets.<service>.NAME' VALUE`,
            );
            continue;
        }
        if (typeof names !== "object" || names === null || Array.isArray(names)) {
            fail(
                `secrets.${svc}`,
                "[secret]",
                `wrong type: expected a map of NAME: value, set with pulumi config set --secret --path 'secrets.${svc}.NAME' VALUE`,
            );
            continue;
        }
        secretsOf[svc] = {};
        for (const [name, value] of Object.entries(names as Record<string, unknown>)) {
            const key = `secrets.${svc}.${name}`;
            if (typeof value === "object" || value === undefined) fail(key, "[secret]", "wrong type: expected a string");
            else if (!ENV_NAME.test(name)) fail(key, "[secret]", `invalid variable name "${name}": letters, digits and underscores, not starting with a digit`);
            else if (PLATFORM_VARS.includes(name)) fail(key, "[secret]", `${name} is set by the platform and cannot be a secret`);
            else if (messagingVariables(service.messaging).includes(name))
                fail(key, "[secret]", `${name} is set by the platform from publish and subscribe; remove it`);
            else if (name in v.environment || name in service.environment)
                fail(key, "[secret]", `${name} is also set in environment; a variable is either plain or secret`);
            else if (service.uses.some((u) => DATA_VARS[u].includes(name)))
                fail(key, "[secret]", `${name} is set by the platform for services that use ${service.uses.join(" and ")}; remove it`);
            else {
                const problem = secretParameterProblem(where, svc, name);
                if (problem) fail(key, "[secret]", problem);
                else secretsOf[svc][name] = String(value);
            }
        }
    }
    return secretsOf;
}

/** What the stack gives every container, besides a service's own declaration. */
export interface StackVariables {
    readonly env: string;
    readonly logLevel: string;
    readonly stopTimeoutSeconds: number;
    /** The stack-wide plain variables. */
    readonly environment: Readonly<Record<string, string>>;
    readonly secrets: SecretsByService;
    /** The external database's connection string. */
    readonly databaseUrl: string;
    readonly data: DataSettings;
}

/** The variables of one service's container, each list sorted by name. */
export function containerVariables(service: DeclaredService, stack: StackVariables): ContainerVariables {
    const merged: Record<string, string> = {
        ...stack.environment,
        ...service.environment,
        APP_ENV: stack.env,
        LOG_LEVEL: stack.logLevel,
        PORT: String(service.containerPort),
        SERVICE_NAME: service.name,
        // The app finishes its requests and exits before ECS's SIGKILL at the stop timeout.
        SHUTDOWN_TIMEOUT_MS: String(Math.max(1, stack.stopTimeoutSeconds - SHUTDOWN_MARGIN_SECONDS) * 1000),
    };
    // Where the assets are; reading them is the task role's grant.
    const assets = stack.data.assets;
    if (assets && service.uses.includes("assets")) {
        merged.ASSETS_BUCKET = assets.bucketName;
        if (assets.host) merged.ASSETS_URL = `https://${assets.host}`;
    }
    const environment: Record<string, string> = {};
    for (const name of Object.keys(merged).sort()) environment[name] = merged[name];
    const own: Record<string, string> = { ...(stack.secrets[service.name] ?? {}) };
    // The external database's connection string reaches its users like any other secret.
    if (stack.data.database?.kind === "external" && service.uses.includes("database")) own.DATABASE_URL = stack.databaseUrl;
    const secrets: Record<string, pulumi.Output<string>> = {};
    for (const name of Object.keys(own).sort()) secrets[name] = pulumi.secret(own[name]);
    return { environment, secrets };
}

/**
 * Why a secret's SSM parameter would be refused (its ARN over 1011 characters or its description
 * over 1024), or undefined. Sources: AWS Systems Manager API Reference, PutParameter (Name: "the
 * maximum length constraint of 1011 characters includes the full ARN"; Description: 0-1024).
 */
export function secretParameterProblem(
    where: { readonly app: string; readonly env: string; readonly region: string },
    svc: string,
    name: string,
): string | undefined {
    const p = secretParameter(where.app, where.env, svc, name);
    const arn = `arn:${partitionOf(where.region)}:ssm:${where.region}:123456789012:parameter${p.name}`;
    if (arn.length > SSM_PARAMETER_ARN_MAX)
        return `a variable name of ${name.length} characters makes its SSM parameter's ARN ${arn.length} characters long; allowed: at most ${SSM_PARAMETER_ARN_MAX}, so at most ${name.length - (arn.length - SSM_PARAMETER_ARN_MAX)} characters here`;
    if (p.description.length > SSM_DESCRIPTION_MAX)
        return `a variable name of ${name.length} characters makes its SSM parameter's description ${p.description.length} characters long; allowed: at most ${SSM_DESCRIPTION_MAX}`;
    return undefined;
}
