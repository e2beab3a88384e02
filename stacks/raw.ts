/**
 * Reads a stack's raw configuration: the tier, unknown keys, the AWS region and account, and every
 * key of `stacks/keys.ts` as a typed value with its tier's default, required keys and secrets
 * checked. Nothing here judges a value beyond its type; the modules of each concern do that.
 */
import { DEFAULT_TIERS, KEYS, KeyName, KeySpec, PROJECT, TIERS, Tier, defaultFor } from "./keys";
import { Fail, Problems, SettingsError, show } from "./problems";

/** Raw configuration as the Pulumi engine hands it to a program: every value a string. */
export interface RawConfig {
    /** `namespace:key` -> value (objects and arrays JSON-encoded). */
    readonly values: Readonly<Record<string, string>>;
    /** Keys set with `--secret`. */
    readonly secretKeys: readonly string[];
}

/** Every key's value, typed as `stacks/keys.ts` declares it; the structured maps are checked by their own modules. */
export type KeyValues = {
    [K in KeyName]: (typeof KEYS)[K]["type"] extends "integer"
        ? number
        : (typeof KEYS)[K]["type"] extends "boolean"
          ? boolean
          : (typeof KEYS)[K]["type"] extends "array"
            ? string[]
            : (typeof KEYS)[K]["type"] extends "object"
              ? Record<string, string>
              : string;
} & { services: unknown; secrets: Record<string, unknown> };

/** What the test harness passes for a `secure:` value it cannot decrypt. */
export const UNDECRYPTED = "[encrypted in stack file]";

const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;

/**
 * The stack's tier: its `tier` key, or the default environments' own. Throws
 * {@link SettingsError} for an unknown tier, or a stack of another name that does not set one.
 */
export function tierOf(stack: string, raw: RawConfig): Tier {
    const set = raw.values[`${PROJECT}:tier`];
    if (set !== undefined && set !== "") {
        if ((TIERS as readonly string[]).includes(set)) return set as Tier;
        throw new SettingsError(stack, [`key ${PROJECT}:tier = ${show(set)}: allowed: ${TIERS.join(", ")}`]);
    }
    const known = DEFAULT_TIERS[stack];
    if (known) return known;
    throw new SettingsError(stack, [
        `key ${PROJECT}:tier is missing: the stack "${stack}" is not one of the default environments (${Object.keys(DEFAULT_TIERS).join(", ")}), so it must say which defaults it takes; set it with pulumi config set tier <tier>, allowed: ${TIERS.join(", ")}`,
    ]);
}

/** True when the stack file sets `key`, for keys whose default follows other keys (`derived` in `stacks/keys.ts`). */
export function isSet(raw: RawConfig, key: KeyName): boolean {
    return raw.values[`${PROJECT}:${key}`] !== undefined;
}

/** Reports every key of our namespace that `stacks/keys.ts` does not know. */
export function checkUnknownKeys(raw: RawConfig, fail: Fail): void {
    for (const full of Object.keys(raw.values)) {
        const [ns, key] = splitKey(full);
        if (ns === PROJECT && !(key in KEYS)) {
            fail(full, raw.values[full], `unknown key; known keys are ${Object.keys(KEYS).join(", ")}`);
        }
    }
}

/** `aws:region` as set (also when malformed, which is reported), or undefined when missing. */
export function readRegion(raw: RawConfig, problems: Problems): string | undefined {
    const region = raw.values["aws:region"];
    if (region === undefined) {
        problems.report(`key aws:region is missing: set it with pulumi config set aws:region <region>, e.g. eu-west-1`);
    } else if (!REGION.test(region)) {
        problems.fail("aws:region", region, "must be an AWS region name such as eu-west-1");
    }
    return region;
}

/**
 * The one account the stack may deploy to, from `aws:allowedAccountIds`: the AWS provider refuses
 * credentials of any other, and ARNs in policies name it. Undefined (and reported) unless exactly one.
 */
export function readAccountId(raw: RawConfig, fail: Fail): string | undefined {
    let accounts: unknown;
    try {
        accounts = JSON.parse(raw.values["aws:allowedAccountIds"] ?? "null");
    } catch {
        accounts = raw.values["aws:allowedAccountIds"];
    }
    const accountId =
        Array.isArray(accounts) && accounts.length === 1 && typeof accounts[0] === "string" && /^\d{12}$/.test(accounts[0]) ? accounts[0] : undefined;
    if (!accountId) {
        fail(
            "aws:allowedAccountIds",
            accounts ?? "(missing)",
            'exactly one 12-digit account id as a quoted string, e.g. ["123456789012"]: the AWS provider then refuses credentials of any other account',
        );
    }
    return accountId;
}

/**
 * Every key's typed value, the tier's default where the stack file does not set it. Reports
 * required keys that are missing, values of the wrong type (which then take their default) and
 * secret keys set in plain text.
 */
export function readKeys(stack: string, raw: RawConfig, tier: Tier, problems: Problems): KeyValues {
    const values = {} as Record<KeyName, unknown>;
    for (const key of Object.keys(KEYS) as KeyName[]) {
        const full = `${PROJECT}:${key}`;
        const text = raw.values[full];
        const spec: KeySpec = KEYS[key];
        if (text === undefined) {
            const d = defaultFor(key, tier);
            if (d === undefined) {
                problems.report(`key ${full} is required in every stack and missing: ${spec.description}`);
            }
            values[key] = d;
            continue;
        }
        const typed = parseTyped(spec, text);
        if (typeof typed === "string") {
            problems.fail(full, spec.secret ? "[secret]" : text, typed);
            values[key] = defaultFor(key, tier);
        } else {
            values[key] = typed.value;
        }
        // An empty value is "not set" (Pulumi.yaml's default), not a secret in plain text.
        if (spec.secret && text !== "" && !raw.secretKeys.includes(full)) {
            problems.report(
                spec.type === "object"
                    ? `key ${full} holds plain-text values; secret values must be encrypted: remove them from Pulumi.${stack}.yaml and set each with pulumi config set --secret --path '${key}.<service>.NAME' VALUE`
                    : `key ${full} is in plain text; it must be encrypted: remove it from Pulumi.${stack}.yaml and set it with pulumi config set --secret ${key} VALUE`,
            );
        }
    }
    return values as KeyValues;
}

/** A key's value read as its declared type, or what is wrong with it. */
export function parseTyped(spec: KeySpec, text: string): { value: unknown } | string {
    switch (spec.type) {
        case "string":
            return { value: text };
        case "integer":
            return /^-?\d+$/.test(text.trim()) ? { value: Number(text) } : "wrong type: expected a whole number";
        case "boolean":
            return text === "true" || text === "false" ? { value: text === "true" } : "wrong type: expected true or false";
        case "array": {
            const parsed = tryJson(text);
            return Array.isArray(parsed) && parsed.every((e) => typeof e === "string") ? { value: parsed } : "wrong type: expected a list of strings";
        }
        case "object": {
            const parsed = tryJson(text);
            if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return "wrong type: expected a map of NAME: value";
            // Maps of maps (services, secrets by service) are checked by their own code.
            if (spec.structured) return { value: parsed };
            const out: Record<string, string> = {};
            for (const [k, val] of Object.entries(parsed)) {
                if (typeof val === "object" || val === null)
                    return `wrong type: ${k} must be a string, not ${val === null ? "null" : Array.isArray(val) ? "a list" : "a map"}`;
                out[k] = String(val);
            }
            return { value: out };
        }
    }
}

function tryJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return undefined;
    }
}

function splitKey(full: string): [string, string] {
    const i = full.indexOf(":");
    return i < 0 ? ["", full] : [full.slice(0, i), full.slice(i + 1)];
}
