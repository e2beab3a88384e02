import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export const NETWORK_TYPE = "shipyard:network:Network";

export interface NetworkArgs {
    /** Prefix for physical names, `<app>-<env>`. */
    readonly namePrefix: string;
    /** The VPC's IPv4 block. */
    readonly cidrBlock: string;
    /** Two or three availability zones; one public and one private subnet in each. */
    readonly availabilityZones: readonly string[];
    /** One block per AZ, in the order of `availabilityZones`. */
    readonly publicSubnetCidrs: readonly string[];
    /** One block per AZ, in the order of `availabilityZones`. */
    readonly privateSubnetCidrs: readonly string[];
    /**
     * NAT gateways for outbound traffic from the private subnets. `none`: private subnets have
     * no route out (tasks there cannot pull images); `single`: one gateway, a single point of
     * failure for outbound traffic but a third of the cost of three; `perAz`: one per AZ.
     * @default "none"
     */
    readonly natGateways?: "none" | "single" | "perAz";
    /**
     * Record all VPC traffic to a CloudWatch log group.
     * @default false
     */
    readonly flowLogs?: boolean;
    /** Days flow logs are kept. @default 30 */
    readonly flowLogRetentionDays?: number;
    /** Tags on every resource. */
    /**
     * ARN of the permissions boundary every IAM role of this component carries (the bootstrap's
     * `<app>-<env>-boundary`): a deploy role may create roles only with it, so no role it creates
     * can hold more than the boundary allows. @default none
     */
    readonly permissionsBoundary?: pulumi.Input<string>;
    readonly tags: Readonly<Record<string, string>>;
}

/** Amazon gives a VPC that asks for IPv6 a /56 of its own; we neither choose nor size it. */
const VPC_IPV6_PREFIX = 56;
const SUBNET_IPV6_PREFIX = 64;

/**
 * The `index`-th /64 of a VPC's /56, in the compressed form AWS reports (RFC 5952: lower case, no
 * leading zeros, the longest run of zero groups as `::`), so the provider sees no difference
 * between what we ask for and what AWS answers. A /56 holds 256 /64s: the low byte of the fourth
 * group numbers them.
 * @example ipv6Subnet64("2600:1f18:abcd:ef00::/56", 5) === "2600:1f18:abcd:ef05::/64"
 */
export function ipv6Subnet64(vpcBlock: string, index: number): string {
    const [address, prefix, ...rest] = vpcBlock.split("/");
    if (prefix === undefined || rest.length > 0 || !/^\d{1,3}$/.test(prefix)) {
        throw new Error(`ipv6Subnet64: "${vpcBlock}" is not a CIDR block; pass the VPC's ipv6CidrBlock, such as "2600:1f18:abcd:ef00::/56"`);
    }
    const groups = parseIpv6(address, vpcBlock);
    if (Number(prefix) !== VPC_IPV6_PREFIX) {
        throw new Error(
            `ipv6Subnet64: "${vpcBlock}" is a /${Number(prefix)}; expected the /${VPC_IPV6_PREFIX} Amazon assigns a VPC (assignGeneratedIpv6CidrBlock), which holds 256 /64 subnets`,
        );
    }
    if ((groups[3] & 0xff) !== 0 || groups.slice(4).some((g) => g !== 0)) {
        const network = formatIpv6([...groups.slice(0, 3), groups[3] & 0xff00, 0, 0, 0, 0]);
        throw new Error(
            `ipv6Subnet64: "${vpcBlock}" has bits set after its first ${VPC_IPV6_PREFIX}; the /${VPC_IPV6_PREFIX} that holds it is "${network}/${VPC_IPV6_PREFIX}"`,
        );
    }
    if (!Number.isInteger(index) || index < 0 || index > 255) {
        throw new Error(
            `ipv6Subnet64: index ${index} is not a whole number from 0 to 255; a /${VPC_IPV6_PREFIX} holds 256 /${SUBNET_IPV6_PREFIX} subnets, numbered 0 to 255`,
        );
    }
    groups[3] |= index;
    return `${formatIpv6(groups)}/${SUBNET_IPV6_PREFIX}`;
}

/** Eight 16-bit groups from a full or `::`-compressed IPv6 address (no embedded IPv4, no zone). */
function parseIpv6(address: string, block: string): number[] {
    const invalid = (why: string) =>
        new Error(`ipv6Subnet64: "${block}" is not an IPv6 block (${why}); pass the VPC's ipv6CidrBlock, such as "2600:1f18:abcd:ef00::/56"`);
    const halves = address.split("::");
    if (halves.length > 2) throw invalid(`"::" appears more than once`);
    const [head, tail] = halves.map((h) => (h === "" ? [] : h.split(":")));
    for (const g of [...head, ...(tail ?? [])]) {
        if (!/^[0-9a-f]{1,4}$/i.test(g)) throw invalid(`"${g}" is not a group of 1 to 4 hex digits`);
    }
    const given = head.length + (tail?.length ?? 0);
    if (tail === undefined ? given !== 8 : given > 7) throw invalid(`${given} groups; an address has 8, or fewer with "::"`);
    const zeros = tail === undefined ? [] : Array.from({ length: 8 - given }, () => "0");
    return [...head, ...zeros, ...(tail ?? [])].map((g) => parseInt(g, 16));
}

/** RFC 5952 text of eight 16-bit groups. */
function formatIpv6(groups: readonly number[]): string {
    // The longest run of two or more zero groups (the first, on a tie) becomes "::".
    let best = { at: -1, length: 1 };
    for (let i = 0; i < groups.length;) {
        let j = i;
        while (j < groups.length && groups[j] === 0) j++;
        if (j - i > best.length) best = { at: i, length: j - i };
        i = j === i ? i + 1 : j;
    }
    const hex = groups.map((g) => g.toString(16));
    if (best.at < 0) return hex.join(":");
    return `${hex.slice(0, best.at).join(":")}::${hex.slice(best.at + best.length).join(":")}`;
}

export function validateNetworkArgs(args: NetworkArgs): void {
    const n = args.availabilityZones.length;
    if (n < 2 || n > 3) throw new Error(`Network: availabilityZones must list 2 or 3 zones, got ${n}`);
    if (args.publicSubnetCidrs.length !== n || args.privateSubnetCidrs.length !== n) {
        throw new Error(
            `Network: publicSubnetCidrs and privateSubnetCidrs must have one block per zone (${n}); got ${args.publicSubnetCidrs.length} and ${args.privateSubnetCidrs.length}`,
        );
    }
}

/**
 * A VPC over two or three AZs: public subnets routed to an internet gateway, private subnets
 * routed through NAT gateways (by setting), the default security group emptied, and optional
 * flow logs. Nothing in it admits inbound traffic; that is for the security groups of what runs
 * inside.
 *
 * Dual stack at the edge only, so the load balancer can be `ipAddressType: "dualstack"`: the VPC
 * takes the /56 Amazon provides (free), public subnet i takes its i-th /64 ({@link ipv6Subnet64}),
 * and the public route table sends `::/0` to the internet gateway. Private subnets stay IPv4-only:
 * tasks there reach the internet through NAT over IPv4, and no IPv6 route or egress-only gateway
 * exists for them. What admits IPv6 traffic to the load balancer is its own security group, not
 * this component.
 */
export class Network extends pulumi.ComponentResource {
    readonly vpc: aws.ec2.Vpc;
    /** The VPC's Amazon-provided /56, e.g. `2600:1f18:abcd:ef00::/56`; the public subnets' /64s come from it. */
    readonly ipv6CidrBlock: pulumi.Output<string>;
    readonly publicSubnetIds: pulumi.Output<string>[];
    readonly privateSubnetIds: pulumi.Output<string>[];
    readonly natGatewayCount: number;
    /** The NAT gateways' public addresses: where traffic from the private subnets comes from. */
    readonly natPublicIps: pulumi.Output<string>[];

    constructor(name: string, args: NetworkArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super(NETWORK_TYPE, name, {}, opts);
        validateNetworkArgs(args);
        const natGateways = args.natGateways ?? "none";
        const flowLogs = args.flowLogs ?? false;
        const tagged = (role: string) => ({ ...args.tags, Name: `${args.namePrefix}-${role}` });
        const child = { parent: this };

        this.vpc = new aws.ec2.Vpc(
            `${name}-vpc`,
            {
                cidrBlock: args.cidrBlock,
                // A dual-stack load balancer needs an IPv6 block on the VPC and on each of its
                // subnets. Added to an existing VPC in place (an association, not a new VPC).
                assignGeneratedIpv6CidrBlock: true,
                enableDnsHostnames: true,
                enableDnsSupport: true,
                tags: tagged("vpc"),
            },
            { ...child, protect: opts.protect },
        );

        // The default security group admits all traffic between its members; with no rules it
        // admits nothing, so a resource that falls back to it by mistake is isolated.
        new aws.ec2.DefaultSecurityGroup(
            `${name}-default-sg`,
            {
                vpcId: this.vpc.id,
                tags: tagged("default-sg-empty"),
            },
            child,
        );

        const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: this.vpc.id, tags: tagged("igw") }, child);
        const publicRoutes = new aws.ec2.RouteTable(`${name}-public-rt`, { vpcId: this.vpc.id, tags: tagged("public") }, child);
        new aws.ec2.Route(
            `${name}-public-default`,
            {
                routeTableId: publicRoutes.id,
                destinationCidrBlock: "0.0.0.0/0",
                gatewayId: igw.id,
            },
            child,
        );
        // ELB's dual-stack requirements: the load balancer's subnets route IPv6 traffic. The
        // default network ACL, which we leave unmodified, gains allow-all IPv6 rules when the VPC
        // gets its block, as the other requirement (network ACLs allow IPv6) asks.
        new aws.ec2.Route(
            `${name}-public-default-ipv6`,
            {
                routeTableId: publicRoutes.id,
                destinationIpv6CidrBlock: "::/0",
                gatewayId: igw.id,
            },
            child,
        );

        const publicSubnets = args.availabilityZones.map((az, i) => {
            const subnet = new aws.ec2.Subnet(
                `${name}-public-${i}`,
                {
                    vpcId: this.vpc.id,
                    availabilityZone: az,
                    cidrBlock: args.publicSubnetCidrs[i],
                    // Nothing launched here gets a public IP unless it asks for one explicitly.
                    mapPublicIpOnLaunch: false,
                    ipv6CidrBlock: this.vpc.ipv6CidrBlock.apply((block) => ipv6Subnet64(block, i)),
                    // ELB's dual-stack requirements (IPv6 blocks on the VPC and subnets, IPv6
                    // routes, security group and network ACL rules) do not include this: the load
                    // balancer takes its own addresses from the /64. Left false, the /64 can also
                    // change in place (the provider replaces a subnet created with it true). It
                    // does not keep tasks here IPv4-only: ECS's Fargate networking docs say a task
                    // in a subnet with an IPv6 block gets an IPv6 address too. Their security group
                    // admits only the load balancer and sends out over IPv4 only.
                    assignIpv6AddressOnCreation: false,
                    tags: { ...tagged(`public-${az}`), tier: "public" },
                },
                child,
            );
            new aws.ec2.RouteTableAssociation(`${name}-public-${i}`, { subnetId: subnet.id, routeTableId: publicRoutes.id }, child);
            return subnet;
        });

        const natCount = natGateways === "none" ? 0 : natGateways === "single" ? 1 : args.availabilityZones.length;
        const eips: aws.ec2.Eip[] = [];
        const nats = Array.from({ length: natCount }, (_, i) => {
            const eip = new aws.ec2.Eip(`${name}-nat-${i}`, { domain: "vpc", tags: tagged(`nat-${i}`) }, child);
            eips.push(eip);
            return new aws.ec2.NatGateway(
                `${name}-nat-${i}`,
                {
                    allocationId: eip.id,
                    subnetId: publicSubnets[i].id,
                    connectivityType: "public",
                    tags: tagged(`nat-${i}`),
                },
                { ...child, dependsOn: [igw] },
            );
        });

        // One route table per private subnet, so that moving from a single NAT gateway to one
        // per AZ changes routes only, never subnets.
        const privateSubnets = args.availabilityZones.map((az, i) => {
            const subnet = new aws.ec2.Subnet(
                `${name}-private-${i}`,
                {
                    vpcId: this.vpc.id,
                    availabilityZone: az,
                    cidrBlock: args.privateSubnetCidrs[i],
                    mapPublicIpOnLaunch: false,
                    tags: { ...tagged(`private-${az}`), tier: "private" },
                },
                child,
            );
            const table = new aws.ec2.RouteTable(`${name}-private-rt-${i}`, { vpcId: this.vpc.id, tags: tagged(`private-${az}`) }, child);
            new aws.ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: subnet.id, routeTableId: table.id }, child);
            if (nats.length > 0) {
                new aws.ec2.Route(
                    `${name}-private-default-${i}`,
                    {
                        routeTableId: table.id,
                        destinationCidrBlock: "0.0.0.0/0",
                        natGatewayId: nats[Math.min(i, nats.length - 1)].id,
                    },
                    child,
                );
            }
            return subnet;
        });

        if (flowLogs) {
            const logGroup = new aws.cloudwatch.LogGroup(
                `${name}-flow-logs`,
                {
                    name: `/vpc/${args.namePrefix}/flow-logs`,
                    retentionInDays: args.flowLogRetentionDays ?? 30,
                    tags: args.tags,
                },
                child,
            );
            const role = new aws.iam.Role(
                `${name}-flow-logs`,
                {
                    permissionsBoundary: args.permissionsBoundary,
                    assumeRolePolicy: JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [{ Effect: "Allow", Principal: { Service: "vpc-flow-logs.amazonaws.com" }, Action: "sts:AssumeRole" }],
                    }),
                    tags: args.tags,
                },
                child,
            );
            new aws.iam.RolePolicy(
                `${name}-flow-logs`,
                {
                    role: role.id,
                    policy: pulumi.jsonStringify({
                        Version: "2012-10-17",
                        Statement: [
                            {
                                Effect: "Allow",
                                Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                                Resource: [logGroup.arn, pulumi.interpolate`${logGroup.arn}:*`],
                            },
                        ],
                    }),
                },
                child,
            );
            new aws.ec2.FlowLog(
                `${name}-flow-logs`,
                {
                    vpcId: this.vpc.id,
                    trafficType: "ALL",
                    logDestinationType: "cloud-watch-logs",
                    logDestination: logGroup.arn,
                    iamRoleArn: role.arn,
                    maxAggregationInterval: 60,
                    tags: args.tags,
                },
                child,
            );
        }

        this.ipv6CidrBlock = this.vpc.ipv6CidrBlock;
        this.publicSubnetIds = publicSubnets.map((s) => s.id);
        this.privateSubnetIds = privateSubnets.map((s) => s.id);
        this.natGatewayCount = natCount;
        this.natPublicIps = eips.map((e) => e.publicIp);
        this.registerOutputs({ vpcId: this.vpc.id, publicSubnetIds: this.publicSubnetIds, privateSubnetIds: this.privateSubnetIds });
    }
}
