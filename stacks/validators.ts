/**
 * Pure validators and helpers used by the settings loader. Each returns a problem description
 * (what is allowed) or undefined, so the loader can collect every problem of a stack at once.
 * They are exported so that tests can table-test them without a Pulumi runtime.
 */
import { isIPv6 } from "net";

/** Parsed IPv4 CIDR block. */
export interface Cidr {
    readonly text: string;
    /** First address as an unsigned 32-bit integer. */
    readonly start: number;
    readonly prefix: number;
}

/** Parses an IPv4 CIDR such as `10.0.0.0/16`; returns undefined when malformed or not aligned. */
export function parseCidr(text: string): Cidr | undefined {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
    if (!m) return undefined;
    const octets = m.slice(1, 5).map(Number);
    const prefix = Number(m[5]);
    if (octets.some((o) => o > 255) || prefix > 32) return undefined;
    const start = ((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3];
    const size = 2 ** (32 - prefix);
    // A CIDR whose address has host bits set (10.0.0.1/16) is almost always a typo.
    if (start % size !== 0) return undefined;
    return { text, start, prefix };
}

function cidrSize(c: Cidr): number {
    return 2 ** (32 - c.prefix);
}

function formatIp(n: number): string {
    return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** True when two CIDR blocks share at least one address. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
    return a.start < b.start + cidrSize(b) && b.start < a.start + cidrSize(a);
}

/** True when `inner` lies entirely inside `outer`. */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
    return inner.start >= outer.start && inner.start + cidrSize(inner) <= outer.start + cidrSize(outer);
}

/** The `index`-th block of `newPrefix` inside `parent` (like Terraform's cidrsubnet). */
export function subdivideCidr(parent: Cidr, newPrefix: number, index: number): string {
    if (newPrefix < parent.prefix || newPrefix > 32) {
        throw new Error(`cannot cut /${newPrefix} blocks out of ${parent.text}`);
    }
    const size = 2 ** (32 - newPrefix);
    if ((index + 1) * size > cidrSize(parent)) {
        throw new Error(`${parent.text} has no room for block ${index} of size /${newPrefix}`);
    }
    return `${formatIp(parent.start + index * size)}/${newPrefix}`;
}

/** A container image reference split into its parts. */
export interface ImageRef {
    readonly registry: string;
    readonly repository: string;
    readonly tag?: string;
    readonly digest?: string;
    /** Set when the registry is an Amazon ECR private registry. */
    readonly ecr?: { readonly accountId: string; readonly region: string };
}

/**
 * Parses a full image reference `registry/repository[:tag][@sha256:<64 hex>]`. The registry is
 * required: an image given without one would be pulled from Docker Hub, which is never what a
 * stack file means.
 */
export function parseImageRef(ref: string): ImageRef | undefined {
    const m =
        /^([a-z0-9.-]+(?::\d+)?)\/([a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)(?::([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$/.exec(
            ref,
        );
    if (!m || !m[1].includes(".")) return undefined;
    const ecr = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(m[1]);
    return {
        registry: m[1],
        repository: m[2],
        tag: m[3],
        digest: m[4],
        ecr: ecr ? { accountId: ecr[1], region: ecr[2] } : undefined,
    };
}

/**
 * Names that suggest a credential. A value under such a name in plain `environment` would be
 * stored unencrypted in the stack file, the state and the task definition.
 */
export const SECRET_LOOKING_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY|API_KEY|ACCESS_KEY|CREDENTIAL|DSN)/i;

const AWS_ACCESS_KEY_ID = /\b(AKIA|ASIA)[0-9A-Z]{16}\b/;

/** Values that are credentials whatever their name: AWS access keys, URLs with a password. */
export function secretLookingValue(value: string): boolean {
    return AWS_ACCESS_KEY_ID.test(value) || /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i.test(value);
}

/**
 * `text` (a log line, say) with what looks like a credential replaced by `[redacted]`: AWS access
 * key ids, URL passwords, and the values of secret-looking names, as JSON fields (`"apiToken": "..."`,
 * camelCase too) or `NAME=value`. For text the platform passes on (the release diagnosis quotes
 * the new tasks' last log lines to Slack); it cannot know every secret, only the obvious ones.
 */
export function redactSecretLooking(text: string): string {
    const secretName = (name: string) => SECRET_LOOKING_NAME.test(name.replace(/([a-z0-9])([A-Z])/g, "$1_$2"));
    return (
        text
            .replace(new RegExp(AWS_ACCESS_KEY_ID.source, "g"), "[redacted]")
            // A URL's password, up to its @; in running text a quote ends the URL too.
            .replace(/([a-z][a-z0-9+.-]*:\/\/[^/\s:@"]+:)[^/\s@"]+@/gi, "$1[redacted]@")
            .replace(/"([A-Za-z0-9_.-]+)"(\s*:\s*)"(?:[^"\\]|\\.)*"/g, (m, name: string, colon: string) =>
                secretName(name) ? `"${name}"${colon}"[redacted]"` : m,
            )
            .replace(/\b([A-Za-z0-9_]+)=([^\s&"]+)/g, (m, name: string) => (secretName(name) ? `${name}=[redacted]` : m))
    );
}

/** An IPv6 block such as ::/0 or 2001:db8::/32 (address and prefix length 0-128). */
export function isIpv6Cidr(text: string): boolean {
    const m = /^([0-9a-fA-F:]+)\/(\d{1,3})$/.exec(text);
    return m !== null && isIPv6(m[1]) && Number(m[2]) <= 128;
}
