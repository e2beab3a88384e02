import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { physicalName } from "../lib/aws";

export const SERVICE_CLUSTER_TYPE = "shipyard:ecs:ServiceCluster";

export interface ServiceClusterArgs {
    /** Parts of physical names, `[app, env]`. */
    readonly nameParts: readonly [string, string];
    /**
     * A Cloud Map namespace `<app>-<env>` in which ECS Service Connect gives internal services
     * their names (`http://search:8080` from a service that declares it calls `search`).
     * @default false
     */
    readonly serviceConnect?: boolean;
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * The environment's one ECS cluster (Container Insights on, Fargate and Fargate Spot capacity)
 * that all its services run in, and, when a service is internal, the Service Connect namespace.
 */
export class ServiceCluster extends pulumi.ComponentResource {
    readonly cluster: aws.ecs.Cluster;
    /** Services depend on it: a service using FARGATE_SPOT fails while the cluster lacks the provider. */
    readonly capacityProviders: aws.ecs.ClusterCapacityProviders;
    readonly namespace?: aws.servicediscovery.HttpNamespace;

    constructor(name: string, args: ServiceClusterArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super(SERVICE_CLUSTER_TYPE, name, {}, opts);
        const child = { parent: this };
        const [app, env] = args.nameParts;
        this.cluster = new aws.ecs.Cluster(
            `${name}-cluster`,
            { name: physicalName([app, env], 255), settings: [{ name: "containerInsights", value: "enabled" }], tags: args.tags },
            child,
        );
        this.capacityProviders = new aws.ecs.ClusterCapacityProviders(
            `${name}-capacity`,
            { clusterName: this.cluster.name, capacityProviders: ["FARGATE", "FARGATE_SPOT"] },
            child,
        );
        if (args.serviceConnect) {
            // An HTTP namespace: names resolve only through the Service Connect proxy of tasks that
            // join it, not in the VPC's DNS, so nothing but the declared callers finds them.
            this.namespace = new aws.servicediscovery.HttpNamespace(
                `${name}-namespace`,
                { name: physicalName([app, env], 1024), description: `Service Connect names of the ${app} ${env} services`, tags: args.tags },
                child,
            );
        }
        this.registerOutputs({ clusterName: this.cluster.name });
    }
}
