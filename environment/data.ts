/** The environment's state: its database, its assets bucket, and the backup plan over both. */
import { LogBucket, S3_LOG_PREFIX } from "../components/logBucket";
import * as pulumi from "@pulumi/pulumi";
import { AssetsBucket } from "../components/assetsBucket";
import { BackupPlan } from "../components/backupPlan";
import { Database } from "../components/database";
import { Network } from "../components/network";
import type { Settings } from "../stacks";
import type { Lookups } from "../stacks/lookups";

type ManagedDatabase = Extract<NonNullable<Settings["database"]>, { kind: "managed" }>;

export interface Data {
    /** The managed database's settings and component; absent with none or an external one. */
    readonly database?: ManagedDatabase & { readonly component: Database };
    readonly assets?: AssetsBucket;
    readonly backup?: BackupPlan;
}

/** The database admits its users once their security groups exist (see services). */
export function data(settings: Settings, found: Lookups, net: Network, logBucket: LogBucket | undefined, opts: pulumi.ComponentResourceOptions): Data {
    const { app, env, tags } = settings;
    const prefix = `${app}-${env}`;
    const protect = { ...opts, protect: settings.protect };
    const rds = settings.database?.kind === "managed" ? settings.database : undefined;
    const database = rds
        ? {
              ...rds,
              component: new Database(
                  `${prefix}-db`,
                  {
                      // Engine, version, size, Multi-AZ, backups, rotation, names: the settings' fields of the same names.
                      ...rds,
                      nameParts: [app, env],
                      vpcId: net.vpc.id,
                      subnetIds: net.privateSubnetIds,
                      protect: settings.protect,
                      tags,
                  },
                  protect,
              ),
          }
        : undefined;
    const cf = found.cloudflare;
    const assetsSettings = settings.assets;
    const assets = assetsSettings
        ? new AssetsBucket(
              `${prefix}-assets`,
              {
                  bucketName: assetsSettings.bucketName,
                  // Served through Cloudflare: Cloudflare's looked-up ranges may read; nobody else anonymously.
                  cdnCidrs: assetsSettings.host && cf ? [...cf.ipv4Cidrs, ...cf.ipv6Cidrs] : undefined,
                  protect: settings.protect,
                  // S3.9: its server access logs go to the environment's log bucket.
                  accessLogs: logBucket ? { bucket: logBucket.bucket.bucket, prefix: `${S3_LOG_PREFIX}/`, policy: logBucket.policy } : undefined,
                  tags,
              },
              protect,
          )
        : undefined;
    // Settings plan backups only when there is a database or bucket to back up.
    const backup = settings.backup
        ? new BackupPlan(
              `${prefix}-backup`,
              {
                  nameParts: [app, env],
                  region: settings.region,
                  resourceArns: [...(database ? [database.component.instance.arn] : []), ...(assets ? [assets.arn] : [])],
                  retentionDays: settings.backup.retentionDays,
                  protect: settings.protect,
                  permissionsBoundary: settings.permissionsBoundaryArn,
                  tags,
              },
              protect,
          )
        : undefined;
    return { database, assets, backup };
}
