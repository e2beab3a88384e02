/**
 * Turns one stack's configuration into a frozen, fully typed settings object. `buildSettings` is
 * the outline; each concern reads and checks its own keys in its own module, reporting problems
 * to one collector so that a stack's problems are all reported together. Components receive plain
 * typed arguments and never see configuration.
 *
 * Where a setting comes from: `keys.ts` (every key, its type and its default per tier), `raw.ts`
 * (the tier, unknown keys, region, account, typed values, required and secret keys),
 * `identity.ts` (appName, permissionsBoundary, tags), `tasks.ts` (size, port, scaling),
 * `network.ts`, `health.ts` (health checks and timings), `logs.ts`, `services.ts`, `edge.ts`
 * (DNS and who reaches the load balancer), `deployment.ts`, `data.ts`, `monitoring.ts`,
 * `variables.ts` (environment and secrets), `problems.ts` (the error and its collector).
 */
import * as pulumi from "@pulumi/pulumi";
import { Tier, stackNameProblem } from "./keys";
import { SettingsError, problemsOf } from "./problems";
import { RawConfig, UNDECRYPTED, checkUnknownKeys, isSet, readAccountId, readKeys, readRegion, tierOf } from "./raw";
import { checkAppName, parseBootstrapEnvironment, parsePermissionsBoundary, tagsOf } from "./identity";
import { TaskSettings, parseTasks } from "./tasks";
import { NetworkSettings, TaskNetworkSettings, parseNetwork } from "./network";
import { TaskTimings, parseHealth } from "./health";
import { LogSettings, parseLogs } from "./logs";
import { DeclaredService, parseServices } from "./services";
import { DnsSettings, LoadBalancerSettings, parseEdge } from "./edge";
import { DeploymentSettings, parseDeployments } from "./deployment";
import { AssetsSettings, BackupSettings, DatabaseSettings, parseData } from "./data";
import { MonitoringSettings, parseMonitoring } from "./monitoring";
import { ContainerVariables, PLATFORM_VARS, containerVariables, parseVariables } from "./variables";

export { SettingsError } from "./problems";
export { RawConfig, tierOf } from "./raw";
export { NatGateways, NetworkSettings, TaskSubnets } from "./network";
export { LogLevel } from "./logs";
export { CpuArchitecture } from "./tasks";
export { HealthCheckSettings } from "./health";
export { DNS_PROVIDERS, DnsProvider, DnsSettings, LoadBalancerSettings } from "./edge";
export { DEPLOYMENT_STRATEGIES, DeploymentSettings, DeploymentStrategy } from "./deployment";
export { MonitoringSettings } from "./monitoring";

/** One service of the environment: as declared (`stacks/services.ts`) plus the stack-wide settings it runs with. */
export interface ServiceSettings extends DeclaredService, TaskSettings, TaskNetworkSettings, LogSettings, TaskTimings, ContainerVariables {
    /** How its releases replace its tasks: the stack's `deployment`, or an http service's own keys over it. @default the stack's */
    readonly deployment: DeploymentSettings;
}

export interface Settings {
    readonly app: string;
    /** The one account the stack may deploy to (`aws:allowedAccountIds`). */
    readonly accountId: string;
    /** Permissions boundary of every IAM role; absent with permissionsBoundary none. @default the bootstrap's `<app>-<env>-boundary` */
    readonly permissionsBoundaryArn?: string;
    /** The stack's name: `alpha`, `live`, `staging2`, `pr-42`... */
    readonly env: string;
    /**
     * The bootstrap environment whose boundary, alarm key and origin parameters the stack uses.
     * @default the stack's own name; `preview` for pull-request previews (key bootstrapEnvironment)
     */
    readonly bootstrapEnv: string;
    /** What kind of environment it is; every default follows it. @default development for alpha and beta, staging for gamma, production for live; other stacks must set it */
    readonly tier: Tier;
    readonly region: string;
    /** Tags on every resource: app, environment, managed-by. */
    readonly tags: Readonly<Record<string, string>>;
    /** @default true in the production tier only */
    readonly protect: boolean;
    /** Days CloudWatch keeps the environment's logs (containers, flow logs, functions, WAF). @default 90 in the production tier, 30 in staging, 7 in development, 3 in preview */
    readonly logRetentionDays: number;
    readonly network: NetworkSettings;
    readonly dns: DnsSettings;
    /** In the stack file's order. */
    readonly services: readonly ServiceSettings[];
    readonly loadBalancer: LoadBalancerSettings;
    readonly deployment: DeploymentSettings;
    readonly monitoring: MonitoringSettings;
    /** The database, when `database` is not none; see `stacks/data.ts`. */
    readonly database?: DatabaseSettings;
    /** The assets bucket, when `assetsBucket` is on. */
    readonly assets?: AssetsSettings;
    /** The AWS Backup plan, when `backupPlan` is on and there is a database or bucket to back up. */
    readonly backup?: BackupSettings;
}

/**
 * Builds the settings of `stack` from raw configuration. Pure: reads nothing but its arguments,
 * so tests can try every bad input without a Pulumi runtime. Throws {@link SettingsError}.
 */
export function buildSettings(stack: string, raw: RawConfig): Settings {
    const nameProblem = stackNameProblem(stack);
    if (nameProblem) throw new SettingsError(stack, [`the stack name "${stack}" cannot be used: ${nameProblem}`]);
    const env = stack;
    const tier = tierOf(stack, raw);
    const production = tier === "production";
    const problems = problemsOf(stack);
    const { fail } = problems;

    // Unknown keys, the AWS region and account, then every key's typed value; a wrong type stops here.
    checkUnknownKeys(raw, fail);
    const region = readRegion(raw, problems);
    const accountId = readAccountId(raw, fail);
    const v = readKeys(stack, raw, tier, problems);
    problems.throwIfAny();

    // Each concern checks its keys, in the order their problems are reported.
    checkAppName(v.appName, fail);
    const bootstrapEnv = parseBootstrapEnvironment(v.bootstrapEnvironment, env, fail);
    const { defaults, tasks } = parseTasks(v, production, fail);
    const network = parseNetwork(v, region, production, fail);
    const health = parseHealth(v, fail);
    const logs = parseLogs(v, fail);
    const declared = parseServices(
        v.services,
        { ...defaults, healthCheckPath: v.healthCheckPath },
        { production, digestOnly: tier === "staging" || production, platformVars: PLATFORM_VARS, env },
        fail,
    );
    const edge = parseEdge(v, declared, isSet(raw, "dnsProxied"), fail);
    const { deployment, byService } = parseDeployments(v, isSet(raw, "smokeTest"), declared, fail);
    const data = parseData(
        v,
        declared,
        {
            app: v.appName,
            env,
            accountId: accountId ?? "",
            production,
            protect: v.protect,
            dns: { zone: v.dnsZone, provider: edge.dns.provider, proxied: edge.dns.proxied },
            environment: v.environment,
            undecrypted: UNDECRYPTED,
        },
        fail,
    );
    const permissionsBoundaryArn = parsePermissionsBoundary(v.permissionsBoundary, { app: v.appName, env: bootstrapEnv, region, accountId }, fail);
    const monitoring = parseMonitoring(v, { app: v.appName, env: bootstrapEnv }, fail);
    const secrets = parseVariables(v, declared, { app: v.appName, env, region: region ?? "" }, fail);
    problems.throwIfAny();

    const stackVariables = {
        env,
        logLevel: logs.logLevel,
        stopTimeoutSeconds: health.tasks.stopTimeoutSeconds,
        environment: v.environment,
        secrets,
        databaseUrl: v.databaseUrl,
        data,
    };
    return deepFreeze({
        app: v.appName,
        accountId: accountId as string,
        permissionsBoundaryArn,
        env,
        bootstrapEnv,
        tier,
        region: region as string,
        tags: tagsOf(v.appName, env),
        protect: v.protect,
        logRetentionDays: logs.logRetentionDays,
        network: network.network,
        services: declared.map((d) => ({
            ...d,
            ...tasks,
            ...network.tasks,
            ...logs,
            ...health.tasks,
            ...containerVariables(d, stackVariables),
            deployment: byService[d.name] ?? deployment,
        })),
        dns: edge.dns,
        loadBalancer: { ...edge.access, ...health.loadBalancer, healthCheck: health.healthCheck },
        monitoring,
        deployment,
        database: data.database,
        assets: data.assets,
        backup: data.backup,
    });
}

/**
 * The settings of the stack being deployed, read from the Pulumi engine's configuration.
 * Called once by `index.ts` before any resource exists.
 */
export function loadSettings(): Settings {
    const values = pulumi.runtime.allConfig();
    // isConfigSecret is exported by the SDK's runtime module but missing from its type declarations.
    const runtime = pulumi.runtime as unknown as { isConfigSecret(key: string): boolean };
    const secretKeys = Object.keys(values).filter((k) => runtime.isConfigSecret(k));
    return buildSettings(pulumi.getStack(), { values, secretKeys });
}

function deepFreeze<T>(o: T): T {
    if (typeof o === "object" && o !== null && !pulumi.Output.isInstance(o) && !Object.isFrozen(o)) {
        for (const value of Object.values(o)) deepFreeze(value);
        Object.freeze(o);
    }
    return o;
}
