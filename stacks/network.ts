/**
 * The environment's VPC: its block and subnets, its availability zones, its NAT gateways, and
 * whether tasks run in the private or the public subnets.
 */
import { Fail } from "./problems";
import { KeyValues } from "./raw";
import { Cidr, cidrContains, cidrsOverlap, parseCidr, subdivideCidr } from "./validators";

export const NAT_GATEWAYS = ["none", "single", "perAz"] as const;
export type NatGateways = (typeof NAT_GATEWAYS)[number];
export const TASK_SUBNETS = ["private", "public"] as const;
export type TaskSubnets = (typeof TASK_SUBNETS)[number];

/** Network settings; see `stacks/keys.ts` for each key's description. */
export interface NetworkSettings {
    /** VPC IPv4 block. @default 10.40.0.0/16 in the production tier, 10.30.0.0/16 in staging, 10.10.0.0/16 in development, 10.50.0.0/16 in preview */
    readonly cidr: string;
    /** Two or three AZ names. Required. */
    readonly availabilityZones: readonly string[];
    /** One public subnet block per AZ. @default /(VPC prefix + 8) blocks cut from the start of the VPC block */
    readonly publicSubnetCidrs: readonly string[];
    /** One private subnet block per AZ. @default /(VPC prefix + 4) blocks cut after the public blocks */
    readonly privateSubnetCidrs: readonly string[];
    /** @default perAz in the production tier, single in staging, none in development and preview */
    readonly natGateways: NatGateways;
    /** VPC flow logs to CloudWatch. @default on in the production tier only */
    readonly flowLogs: boolean;
}

/** Where a service's tasks run; part of each service's settings. */
export interface TaskNetworkSettings {
    /**
     * private: behind NAT, no public IP; public: a public IP, for stacks without NAT (the service's
     * security group still admits only the load balancer). @default private in the production and
     * staging tiers, public in development and preview
     */
    readonly taskSubnets: TaskSubnets;
}

type NetworkKeys = Pick<KeyValues, "natGateways" | "taskSubnets" | "availabilityZones" | "vpcCidr" | "publicSubnetCidrs" | "privateSubnetCidrs" | "flowLogs">;

/**
 * Checks the network keys against each other and the stack's region (which may be missing or
 * malformed: that is reported elsewhere). The production tier's tasks are always private.
 */
export function parseNetwork(
    v: NetworkKeys,
    region: string | undefined,
    production: boolean,
    fail: Fail,
): { readonly network: NetworkSettings; readonly tasks: TaskNetworkSettings } {
    if (!(NAT_GATEWAYS as readonly string[]).includes(v.natGateways)) fail("natGateways", v.natGateways, `allowed: ${NAT_GATEWAYS.join(", ")}`);
    if (!(TASK_SUBNETS as readonly string[]).includes(v.taskSubnets)) fail("taskSubnets", v.taskSubnets, `allowed: ${TASK_SUBNETS.join(", ")}`);
    if (production && v.taskSubnets !== "private")
        fail(
            "taskSubnets",
            v.taskSubnets,
            "the production tier's tasks always run in private subnets without public IPs; allowed in the production tier: private",
        );
    if (v.taskSubnets === "private" && v.natGateways === "none") {
        fail(
            "natGateways",
            v.natGateways,
            "tasks in private subnets need a NAT gateway to pull images and read secrets; allowed: single or perAz, or set taskSubnets to public (not in the production tier)",
        );
    }
    const azs = v.availabilityZones;
    if (azs.length < 2 || azs.length > 3) {
        fail(
            "availabilityZones",
            azs,
            production
                ? "the production tier needs at least 2 AZs (and at most 3); allowed: 2 or 3 zone names"
                : "allowed: 2 or 3 zone names (a load balancer needs two)",
        );
    }
    if (region && azs.some((az) => !az.startsWith(region) || !/^[a-z]$/.test(az.slice(region.length)))) {
        fail("availabilityZones", azs, `every zone must be in the stack's region ${region}, e.g. ${region}a`);
    }
    if (new Set(azs).size !== azs.length) fail("availabilityZones", azs, "zones must be distinct");
    const subnets = subnetBlocks(v.vpcCidr, v.publicSubnetCidrs, v.privateSubnetCidrs, azs.length, fail);
    return {
        network: {
            cidr: v.vpcCidr,
            availabilityZones: [...azs],
            publicSubnetCidrs: subnets.publicCidrs,
            privateSubnetCidrs: subnets.privateCidrs,
            natGateways: v.natGateways as NatGateways,
            flowLogs: v.flowLogs,
        },
        tasks: { taskSubnets: v.taskSubnets as TaskSubnets },
    };
}

/**
 * The subnet blocks, as given (one per AZ) or, when a list is empty, cut from the VPC block: the
 * public ones from its start, the private ones after them. Reports a VPC block that is not /16 to
 * /20, and subnet blocks that are malformed, too small, outside the VPC or overlapping.
 */
export function subnetBlocks(
    vpcText: string,
    publicTexts: readonly string[],
    privateTexts: readonly string[],
    azCount: number,
    fail: Fail,
): { publicCidrs: string[]; privateCidrs: string[] } {
    const empty = { publicCidrs: [], privateCidrs: [] };
    const vpc = parseCidr(vpcText);
    if (!vpc) {
        fail("vpcCidr", vpcText, "must be an IPv4 CIDR block with no host bits set, e.g. 10.10.0.0/16");
        return empty;
    }
    if (vpc.prefix < 16 || vpc.prefix > 20) {
        fail("vpcCidr", vpcText, "allowed prefix lengths: /16 to /20");
        return empty;
    }
    const explicitOrDerived = (key: "publicSubnetCidrs" | "privateSubnetCidrs", texts: readonly string[], derive: (i: number) => string) => {
        if (texts.length === 0) return Array.from({ length: Math.min(azCount, 3) }, (_, i) => derive(i));
        if (texts.length !== azCount) fail(key, texts, `one block per availability zone: ${azCount} expected`);
        return [...texts];
    };
    const publicCidrs = explicitOrDerived("publicSubnetCidrs", publicTexts, (i) => subdivideCidr(vpc, vpc.prefix + 8, i));
    const privateCidrs = explicitOrDerived("privateSubnetCidrs", privateTexts, (i) => subdivideCidr(vpc, vpc.prefix + 4, i + 1));
    const seen: { key: string; cidr: Cidr }[] = [];
    for (const [key, list] of [
        ["publicSubnetCidrs", publicCidrs],
        ["privateSubnetCidrs", privateCidrs],
    ] as const) {
        for (const text of list) {
            const c = parseCidr(text);
            if (!c) {
                fail(key, text, "must be an IPv4 CIDR block with no host bits set, e.g. 10.10.0.0/24");
                continue;
            }
            if (c.prefix > 28) fail(key, text, "subnets must be /28 or larger");
            if (!cidrContains(vpc, c)) fail(key, text, `must lie inside vpcCidr ${vpcText}`);
            const clash = seen.find((s) => cidrsOverlap(s.cidr, c));
            if (clash) fail(key, text, `overlaps ${clash.cidr.text} (${clash.key}); subnet blocks must not overlap`);
            seen.push({ key, cidr: c });
        }
    }
    return { publicCidrs, privateCidrs };
}
