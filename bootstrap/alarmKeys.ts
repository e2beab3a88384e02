import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { alarmKeyPolicy } from "../components/alarmTopic";
import { Account } from "./policies";

export const ALARM_KEYS_TYPE = "shipyard-bootstrap:kms:AlarmKeys";

export interface AlarmKeysArgs {
    /** Aliases are `alias/<app>-<env>-alarms`. */
    readonly app: string;
    /** One key each. */
    readonly environments: readonly string[];
    /** Partition and account of the key policies. */
    readonly account: Account;
    /** Tags on every key; its `environment` tag is replaced by the key's environment. */
    readonly tags: Readonly<Record<string, string>>;
}

/** The alias an environment's alarm topic names as its key (`alarmTopicKey: bootstrap`). */
export function alarmKeyAlias(app: string, env: string): string {
    return `alias/${app}-${env}-alarms`;
}

/**
 * One KMS key per environment for its alarm topic. They live here, not in the environment's
 * program, because a key policy decides who may use the key: the deploy roles may read keys but
 * not create or change them (alpha's role could otherwise rewrite live's keys). Unprotected: the
 * topic holds messages for seconds, so losing the key loses nothing but the topic's ability to
 * receive alarms until a new one is set.
 */
export class AlarmKeys extends pulumi.ComponentResource {
    /** By environment. */
    readonly aliases: Readonly<Record<string, aws.kms.Alias>>;

    constructor(name: string, args: AlarmKeysArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super(ALARM_KEYS_TYPE, name, {}, opts);
        const aliases: Record<string, aws.kms.Alias> = {};
        for (const env of args.environments) {
            const key = new aws.kms.Key(
                `${name}-${env}`,
                {
                    description: `Alarm topic of the ${args.app} ${env} stack`,
                    enableKeyRotation: true,
                    deletionWindowInDays: 7,
                    policy: JSON.stringify(alarmKeyPolicy(args.account.partition, args.account.accountId)),
                    tags: { ...args.tags, environment: env },
                },
                { parent: this },
            );
            aliases[env] = new aws.kms.Alias(`${name}-${env}`, { name: alarmKeyAlias(args.app, env), targetKeyId: key.keyId }, { parent: this });
        }
        this.aliases = aliases;
        this.registerOutputs({ aliases: Object.values(aliases).map((a) => a.name) });
    }
}
