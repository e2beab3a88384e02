/** The environment's network: VPC, subnets, NAT, flow logs (components/network.ts). */
import * as pulumi from "@pulumi/pulumi";
import { Network } from "../components/network";
import type { Settings } from "../stacks";

export function network(settings: Settings, opts: pulumi.ComponentResourceOptions): Network {
    const { app, env, network: net } = settings;
    const prefix = `${app}-${env}`;
    return new Network(
        prefix,
        {
            namePrefix: prefix,
            cidrBlock: net.cidr,
            availabilityZones: net.availabilityZones,
            publicSubnetCidrs: net.publicSubnetCidrs,
            privateSubnetCidrs: net.privateSubnetCidrs,
            natGateways: net.natGateways,
            flowLogs: net.flowLogs,
            flowLogRetentionDays: settings.logRetentionDays,
            permissionsBoundary: settings.permissionsBoundaryArn,
            tags: settings.tags,
        },
        { ...opts, protect: settings.protect },
    );
}
