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
 */
export class Network extends pulumi.ComponentResource {
    readonly vpc: aws.ec2.Vpc;
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

        const publicSubnets = args.availabilityZones.map((az, i) => {
            const subnet = new aws.ec2.Subnet(
                `${name}-public-${i}`,
                {
                    vpcId: this.vpc.id,
                    availabilityZone: az,
                    cidrBlock: args.publicSubnetCidrs[i],
                    // Nothing launched here gets a public IP unless it asks for one explicitly.
                    mapPublicIpOnLaunch: false,
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

        this.publicSubnetIds = publicSubnets.map((s) => s.id);
        this.privateSubnetIds = privateSubnets.map((s) => s.id);
        this.natGatewayCount = natCount;
        this.natPublicIps = eips.map((e) => e.publicIp);
        this.registerOutputs({ vpcId: this.vpc.id, publicSubnetIds: this.publicSubnetIds, privateSubnetIds: this.privateSubnetIds });
    }
}
