/**
 * The environment's log bucket: where the load balancer's access logs (Security Hub ELB.5) and the
 * assets bucket's server access logs (S3.9) go, when `accessLogs` is on and there is one of them.
 */
import * as pulumi from "@pulumi/pulumi";
import { LogBucket } from "../components/logBucket";
import { partitionOf } from "../lib/aws";
import type { Settings } from "../stacks";
import { SERVICE_KINDS } from "./serviceKinds";

export function logBucket(settings: Settings, opts: pulumi.ComponentResourceOptions): LogBucket | undefined {
    const { app, env } = settings;
    const alb = settings.services.some((s) => SERVICE_KINDS[s.exposure].loadBalancer === "application");
    const assets = settings.assets;
    if (!settings.loadBalancer.accessLogs || (!alb && !assets)) return undefined;
    return new LogBucket(
        `${app}-${env}-logs`,
        {
            bucketName: `${app}-${env}-logs-${settings.accountId}`,
            region: settings.region,
            accountId: settings.accountId,
            expireDays: settings.logRetentionDays,
            loadBalancerLogs: alb,
            serverAccessLogSources: assets ? [`arn:${partitionOf(settings.region)}:s3:::${assets.bucketName}`] : [],
            tags: settings.tags,
        },
        opts,
    );
}
