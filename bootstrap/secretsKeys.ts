import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Account, secretsKeyPolicy } from "./policies";

export const SECRETS_KEYS_TYPE = "shipyard-bootstrap:kms:SecretsKeys";

export interface SecretsKeysArgs {
    /** Aliases are `alias/<app>-pulumi-<env>`. */
    readonly app: string;
    /** One key each. */
    readonly environments: readonly string[];
    /** Partition and account of the key policies' administrator statement. */
    readonly account: Account;
    /** Each environment's deploy role: the only role that may encrypt with that environment's key. */
    readonly deployRoleArns: Readonly<Record<string, pulumi.Input<string>>>;
    /** Each environment's preview role: the only other role that may decrypt with its key (a preview decrypts the stack's secrets). */
    readonly previewRoleArns: Readonly<Record<string, pulumi.Input<string>>>;
    /** Tags on every key; its `environment` tag is replaced by the key's environment. */
    readonly tags: Readonly<Record<string, string>>;
}

/** The alias a stack's secrets provider names: `awskms://alias/<app>-pulumi-<env>?region=<region>`. */
export function secretsKeyAlias(app: string, env: string): string {
    return `alias/${app}-pulumi-${env}`;
}

/**
 * One KMS key per environment for Pulumi's `awskms` secrets provider, so that a role of one
 * environment cannot decrypt another's secrets. Rotated yearly; a deletion waits the longest
 * window KMS allows (30 days), during which it can be cancelled.
 *
 * Every key is protected, not only live's: a deleted key makes that stack's encrypted
 * configuration and state secrets unreadable for good, and alpha's stack file matters to the
 * team as much as live's. Removing an environment therefore needs an explicit
 * `pulumi state unprotect` first.
 */
export class SecretsKeys extends pulumi.ComponentResource {
    /** By environment. */
    readonly keys: Readonly<Record<string, aws.kms.Key>>;
    /** By environment. */
    readonly aliases: Readonly<Record<string, aws.kms.Alias>>;

    constructor(name: string, args: SecretsKeysArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super(SECRETS_KEYS_TYPE, name, {}, opts);
        for (const [kind, arns] of [
            ["deploy", args.deployRoleArns],
            ["preview", args.previewRoleArns],
        ] as const) {
            const missing = args.environments.filter((env) => arns[env] === undefined);
            if (missing.length > 0) throw new Error(`SecretsKeys: no ${kind} role for ${missing.join(", ")}`);
        }
        const keys: Record<string, aws.kms.Key> = {};
        const aliases: Record<string, aws.kms.Alias> = {};
        for (const env of args.environments) {
            keys[env] = new aws.kms.Key(
                `${name}-${env}`,
                {
                    description: `Pulumi secrets provider of the ${args.app} ${env} stack`,
                    enableKeyRotation: true,
                    deletionWindowInDays: 30,
                    policy: pulumi.jsonStringify(secretsKeyPolicy(args.account, args.deployRoleArns[env], args.previewRoleArns[env])),
                    tags: { ...args.tags, environment: env },
                },
                { parent: this, protect: true },
            );
            aliases[env] = new aws.kms.Alias(`${name}-${env}`, { name: secretsKeyAlias(args.app, env), targetKeyId: keys[env].keyId }, { parent: this });
        }
        this.keys = keys;
        this.aliases = aliases;
        this.registerOutputs({ aliases: Object.values(aliases).map((a) => a.name) });
    }
}
