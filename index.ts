/**
 * The program: settings for this stack -> the environment's components -> stack outputs.
 * Configuration is read and validated in `stacks/` before any resource is created.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { ContainerService } from "./components/containerService";
import { ServiceCluster } from "./components/cluster";
import { NetworkLoadBalancer } from "./components/networkLoadBalancer";
import { LoadBalancedApp, ServiceLoadBalancer } from "./components/loadBalancedApp";
import { AlarmTopic } from "./components/alarmTopic";
import { endpointName, Monitoring } from "./components/monitoring";
import { Network } from "./components/network";
import { rolloutPath, steadyStateTimeoutMinutes } from "./plan/rollout";
import { SmokeTest } from "./components/smokeTest";
import { WebAcl } from "./components/webAcl";
import { CloudflareDns } from "./components/cloudflareDns";
import { DnsValidatedCertificate } from "./components/certificate";
import { Route53Dns } from "./components/route53Dns";
import { Database } from "./components/database";
import { AssetsBucket } from "./components/assetsBucket";
import { BackupPlan } from "./components/backupPlan";
import { loadSettings, ServiceSettings, Settings } from "./stacks";
import { lookUp, Lookups } from "./stacks/lookups";
import { partitionOf } from "./lib/aws";

/** Creates one environment from its settings (and what was looked up for them) and returns the stack outputs. */
function environment(settings: Settings, found: Lookups) {
    const { app, env, network: net, dns, services, loadBalancer: lb, deployment, monitoring: mon, tags } = settings;
    const blueGreen = deployment.strategy === "blueGreen";
    const prefix = `${app}-${env}`;
    const of = (exposure: ServiceSettings["exposure"]) => services.filter((s) => s.exposure === exposure);
    const http = of("http");

    const network = new Network(
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
            tags,
        },
        { protect: settings.protect },
    );

    // Every alarm of the environment, deployment alarms included, notifies this topic.
    const alarms = new AlarmTopic(`${prefix}-alarms`, {
        nameParts: [app, env],
        region: settings.region,
        accountId: settings.accountId,
        kmsKeyAlias: mon.alarmTopicKeyAlias,
        tags,
    });

    // One certificate for all the environment's public names (the ALB's hosts, then the NLBs'),
    // validated by DNS records in its zone; listeners take its ARN from the validation, so they
    // wait until ACM has issued it.
    const comment = `${prefix}: managed by Pulumi (shipyard)`;
    const certificate =
        dns.hostNames.length > 0
            ? new DnsValidatedCertificate(`${prefix}-cert`, {
                  domainNames: dns.hostNames,
                  zone: { provider: dns.provider, zoneId: found.zoneId },
                  comment,
                  tags,
              })
            : undefined;

    // Through Cloudflare: only its ranges reach the ALB, and only requests with the environment's
    // origin header are served (by the listener rules, or by the web ACL under blue/green).
    const cf = found.cloudflare;
    const testListenerCidrs = [
        ...deployment.testListenerCidrs,
        // The smoke test reaches the test listener from the private subnets, through NAT.
        ...(deployment.smokeTest ? network.natPublicIps.map((ip) => pulumi.interpolate`${ip}/32`) : []),
    ];
    const healthCheck = (s: ServiceSettings) => ({ ...lb.healthCheck, path: s.healthCheckPath });
    const edge =
        http.length > 0 && certificate
            ? new LoadBalancedApp(`${prefix}-lb`, {
                  nameParts: [app, env],
                  vpcId: network.vpc.id,
                  subnetIds: network.publicSubnetIds,
                  certificateArn: certificate.certificateArn,
                  services: http.map((s) => ({
                      name: s.name,
                      targetPort: s.containerPort,
                      healthCheck: healthCheck(s),
                      hosts: s.hosts,
                      paths: s.paths,
                      priority: s.priority,
                  })),
                  ingressCidrs: cf ? cf.ipv4Cidrs : lb.ingressCidrs,
                  ingressIpv6Cidrs: cf ? cf.ipv6Cidrs : lb.ingressIpv6Cidrs,
                  originHeader: cf && !blueGreen ? cf.originHeader : undefined,
                  deregistrationDelaySeconds: lb.deregistrationDelaySeconds,
                  idleTimeoutSeconds: lb.idleTimeoutSeconds,
                  protect: settings.protect,
                  blueGreen: blueGreen ? { testListenerPort: deployment.testListenerPort, testListenerCidrs } : undefined,
                  tags,
              })
            : undefined;

    // Under blue/green the listener cannot check the origin header: a web ACL does, with or without waf's protections.
    if (edge && (lb.waf || (cf && blueGreen))) {
        new WebAcl(`${prefix}-waf`, {
            nameParts: [app, env],
            loadBalancerArn: edge.loadBalancer.arn,
            protections: lb.waf ? { rateLimitPer5Minutes: lb.wafRateLimit } : undefined,
            logRetentionDays: settings.logRetentionDays,
            // Behind Cloudflare every request comes from Cloudflare's addresses; the client's is in this header.
            clientIpHeader: cf ? "CF-Connecting-IP" : undefined,
            originHeader: cf && blueGreen ? { ...cf.originHeader, exemptCidrs: testListenerCidrs } : undefined,
            tags,
        });
    }

    // tcp services: a Network Load Balancer each, open to ingressCidrs (Cloudflare cannot proxy raw TCP).
    const nlbs = new Map(
        of("tcp").map((s) => [
            s.name,
            new NetworkLoadBalancer(`${prefix}-${s.name}-nlb`, {
                nameParts: [app, env, s.name],
                vpcId: network.vpc.id,
                subnetIds: network.publicSubnetIds,
                listeners: s.listeners,
                certificateArn: certificate?.certificateArn,
                targetPort: s.containerPort,
                healthCheck: {
                    intervalSeconds: lb.healthCheck.intervalSeconds,
                    healthyThreshold: lb.healthCheck.healthyThreshold,
                    unhealthyThreshold: lb.healthCheck.unhealthyThreshold,
                },
                ingressCidrs: lb.ingressCidrs,
                ingressIpv6Cidrs: lb.ingressIpv6Cidrs,
                deregistrationDelaySeconds: lb.deregistrationDelaySeconds,
                protect: settings.protect,
                tags,
            }),
        ]),
    );

    // The environment's state. The database admits its users once their security groups exist (below).
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
                      vpcId: network.vpc.id,
                      subnetIds: network.privateSubnetIds,
                      protect: settings.protect,
                      tags,
                  },
                  { protect: settings.protect },
              ),
          }
        : undefined;
    const assetsSettings = settings.assets;
    const assets = assetsSettings
        ? new AssetsBucket(
              `${prefix}-assets`,
              {
                  bucketName: assetsSettings.bucketName,
                  // Served through Cloudflare: Cloudflare's looked-up ranges may read; nobody else anonymously.
                  cdnCidrs: assetsSettings.host && cf ? [...cf.ipv4Cidrs, ...cf.ipv6Cidrs] : undefined,
                  protect: settings.protect,
                  tags,
              },
              { protect: settings.protect },
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
              { protect: settings.protect },
          )
        : undefined;

    // One record per public name: the ALB's (proxied unless dnsProxied is false) and each NLB's (DNS-only).
    const records = services.flatMap((s) => {
        // Settings give only http and tcp services hosts, and an http host means there is an ALB.
        const target = s.exposure === "http" ? edge?.loadBalancer : nlbs.get(s.name)?.loadBalancer;
        return target ? s.hosts.map((host) => ({ host, target, proxied: s.exposure === "http" && dns.proxied })) : [];
    });
    if (dns.provider === "cloudflare") {
        new CloudflareDns(`${prefix}-dns`, {
            zoneId: found.zoneId,
            records: [
                ...records.map((r) => ({ hostName: r.host, target: r.target.dnsName, proxied: r.proxied })),
                // S3 finds the bucket by the Host header, which is the bucket's name.
                ...(assets && assetsSettings?.host ? [{ hostName: assetsSettings.host, target: assets.bucket.bucketRegionalDomainName, proxied: true }] : []),
            ],
            comment,
        });
    } else {
        new Route53Dns(`${prefix}-dns`, {
            zoneId: found.zoneId,
            records: records.map((r) => ({ hostName: r.host, target: { dnsName: r.target.dnsName, zoneId: r.target.zoneId } })),
        });
    }

    // The blue/green lifecycle hook: smoke requests to the test listener before production moves.
    // Requests without a matching host reach the first http service (the test listener's default),
    // so the hook smoke-tests that service; the others' releases rely on their deployment alarms.
    const smoked = http[0];
    const smokeTest =
        edge && smoked && blueGreen && deployment.smokeTest
            ? new SmokeTest(`${prefix}-${smoked.name}-smoke`, {
                  nameParts: [app, env, smoked.name],
                  baseUrl: pulumi.interpolate`http://${edge.loadBalancer.dnsName}:${deployment.testListenerPort}`,
                  testListenerPort: deployment.testListenerPort,
                  path: lb.healthCheck.path,
                  vpcId: network.vpc.id,
                  subnetIds: network.privateSubnetIds,
                  logRetentionDays: settings.logRetentionDays,
                  permissionsBoundary: settings.permissionsBoundaryArn,
                  tags,
              })
            : undefined;

    const callers = (name: string) => services.filter((s) => s.calls.includes(name));
    const cluster = new ServiceCluster(`${prefix}-cluster`, { nameParts: [app, env], serviceConnect: of("internal").length > 0, tags });
    const partition = partitionOf(settings.region);
    const containers = new Map<string, ContainerService>();
    for (const svc of services) {
        const ecr = svc.imageRef.ecr;
        // The load balancer in front, if any: the ALB for http services, the service's own NLB for tcp ones.
        const lb: ServiceLoadBalancer | undefined = svc.exposure === "http" ? edge : nlbs.get(svc.name);
        const attachment = lb?.attachmentFor(svc.name);
        // Blue/green where ECS can shift traffic: the ALB's services. Others roll (README "Several services").
        const serviceBlueGreen = blueGreen && attachment?.blueGreen !== undefined;
        const internal = svc.exposure === "internal";
        // The database's credentials reach the container by valueFrom from RDS's own secret; where it is, in plain variables.
        const usesDatabase = database && svc.uses.includes("database");
        const rotating = usesDatabase && database.passwordRotationDays > 0;
        const usesAssets = assets && svc.uses.includes("assets");
        containers.set(
            svc.name,
            new ContainerService(
                `${prefix}-${svc.name}`,
                {
                    nameParts: [app, env, svc.name],
                    region: settings.region,
                    cluster: { arn: cluster.cluster.arn, name: cluster.cluster.name, ready: cluster.capacityProviders },
                    image: svc.image,
                    ecrRepositoryArn: ecr ? `arn:${partition}:ecr:${ecr.region}:${ecr.accountId}:repository/${svc.imageRef.repository}` : undefined,
                    cpu: svc.cpu,
                    memory: svc.memory,
                    cpuArchitecture: svc.cpuArchitecture,
                    containerPort: svc.containerPort,
                    environment: svc.environment,
                    secrets: svc.secrets,
                    secretReferences: usesDatabase
                        ? {
                              DATABASE_USER: { secretArn: database.component.secretArn, jsonKey: "username" },
                              DATABASE_PASSWORD: { secretArn: database.component.secretArn, jsonKey: "password" },
                          }
                        : undefined,
                    resolvedEnvironment: usesDatabase
                        ? {
                              DATABASE_ENGINE: database.engine,
                              DATABASE_HOST: database.component.instance.address,
                              DATABASE_PORT: String(database.port),
                              DATABASE_NAME: database.databaseName,
                              // With rotation on, the app re-reads the secret when a login fails.
                              ...(rotating ? { DATABASE_SECRET_ARN: database.component.secretArn } : {}),
                          }
                        : undefined,
                    taskPolicyStatements: [
                        ...(usesAssets ? assets.readStatements() : []),
                        ...(rotating
                            ? [{ Sid: "ReadDatabaseSecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: database.component.secretArn }]
                            : []),
                    ],
                    logRetentionDays: svc.logRetentionDays,
                    vpcId: network.vpc.id,
                    subnetIds: svc.taskSubnets === "public" ? network.publicSubnetIds : network.privateSubnetIds,
                    assignPublicIp: svc.taskSubnets === "public",
                    loadBalancer: attachment,
                    serviceConnect:
                        cluster.namespace && (internal || svc.calls.length > 0)
                            ? { namespaceArn: cluster.namespace.arn, discoveryName: internal ? svc.name : undefined }
                            : undefined,
                    deployment: serviceBlueGreen
                        ? {
                              strategy: "blueGreen",
                              bakeTimeMinutes: deployment.bakeTimeMinutes,
                              smokeTestFunctionArn: svc.name === smoked?.name ? smokeTest?.function.arn : undefined,
                          }
                        : { strategy: "rolling" },
                    rollbackAlarms: { fiveXxPercent: deployment.rollbackOn5xxPercent, p99LatencyMs: deployment.rollbackOnP99LatencyMs },
                    alarmTopicArn: alarms.topic.arn,
                    minTasks: svc.minTasks,
                    maxTasks: svc.maxTasks,
                    cpuTargetPercent: svc.cpuTargetPercent,
                    memoryTargetPercent: svc.memoryTargetPercent,
                    spot: svc.spot,
                    healthCheckGracePeriodSeconds: svc.healthCheckGracePeriodSeconds,
                    stopTimeoutSeconds: svc.stopTimeoutSeconds,
                    steadyStateTimeoutMinutes: steadyStateTimeoutMinutes(rolloutPath(settings)),
                    tracing: mon.tracing,
                    permissionsBoundary: settings.permissionsBoundaryArn,
                    tags,
                },
                { dependsOn: lb ? [...lb.listenersFor(svc.name)] : [] },
            ),
        );
    }
    // An internal service admits exactly the services that declare they call it, on its port.
    for (const svc of of("internal")) {
        const callee = containers.get(svc.name) as ContainerService;
        for (const caller of callers(svc.name)) {
            new aws.vpc.SecurityGroupIngressRule(
                `${prefix}-${svc.name}-from-${caller.name}`,
                {
                    securityGroupId: callee.securityGroup.id,
                    referencedSecurityGroupId: (containers.get(caller.name) as ContainerService).securityGroup.id,
                    ipProtocol: "tcp",
                    fromPort: svc.containerPort,
                    toPort: svc.containerPort,
                    description: `${caller.name} calls ${svc.name} (Service Connect)`,
                    tags,
                },
                { parent: callee },
            );
        }
    }

    // The database admits exactly the services that declare they use it.
    if (database)
        for (const svc of services.filter((s) => s.uses.includes("database")))
            database.component.allowFrom(svc.name, (containers.get(svc.name) as ContainerService).securityGroup.id);

    const container = (name: string) => containers.get(name) as ContainerService;
    const monitoring = new Monitoring(`${prefix}-monitoring`, {
        nameParts: [app, env],
        topic: alarms,
        region: settings.region,
        accountId: settings.accountId,
        services: services.map((s) => {
            const lb: ServiceLoadBalancer | undefined = s.exposure === "http" ? edge : nlbs.get(s.name);
            return { name: s.name, clusterName: cluster.cluster.name, serviceName: container(s.name).service.name, loadBalancer: lb?.metricsFor(s.name) };
        }),
        thresholds: {
            fiveXxPercent: mon.alarm5xxPercent,
            p99LatencyMs: mon.alarmP99LatencyMs,
            cpuPercent: mon.alarmCpuPercent,
            memoryPercent: mon.alarmMemoryPercent,
        },
        // Each public HTTP(S) name is checked from outside: http services' hosts, and tcp services'
        // hosts behind a TLS listener on 443 (an HTTP app behind TLS, such as the api's sockets).
        endpoints: services.flatMap((s) =>
            s.exposure === "http" || (s.exposure === "tcp" && s.listeners.some((l) => l.port === 443 && l.protocol === "TLS"))
                ? s.hosts.map((host, i) => ({ name: endpointName(s.name, host, i), url: `https://${host}${s.healthCheckPath}` }))
                : [],
        ),
        endpointCheckMinutes: mon.endpointCheckMinutes,
        slack: mon.slackWebhookUrl ? { webhookUrl: mon.slackWebhookUrl, reminderMinutes: mon.reminderMinutes } : undefined,
        logRetentionDays: settings.logRetentionDays,
        database: database ? { identifier: database.component.instance.identifier, storageGb: database.storageGb } : undefined,
        permissionsBoundary: settings.permissionsBoundaryArn,
        tags,
    });

    return {
        environment: env,
        region: settings.region,
        vpcId: network.vpc.id,
        urls: dns.hostNames.map((h) => `https://${h}`),
        loadBalancerDnsName: edge?.loadBalancer.dnsName,
        certificateArn: certificate?.certificateArn,
        clusterName: cluster.cluster.name,
        services: Object.fromEntries(
            services.map((s) => [
                s.name,
                { image: s.image, exposure: s.exposure, clusterName: cluster.cluster.name, serviceName: container(s.name).service.name },
            ]),
        ),
        alarmTopicArn: alarms.topic.arn,
        dashboardName: monitoring.dashboard.dashboardName,
        // Present only when the environment has them (an undefined output is a warning in every run).
        ...(database
            ? {
                  database: {
                      engine: database.engine,
                      address: database.component.instance.address,
                      port: database.port,
                      secretArn: database.component.secretArn,
                  },
              }
            : settings.database?.kind === "external"
              ? { database: { engine: "external" } }
              : {}),
        ...(assets ? { assetsBucket: assets.bucket.bucket } : {}),
        ...(assetsSettings?.host ? { assetsUrl: `https://${assetsSettings.host}` } : {}),
        ...(backup ? { backupVault: backup.vault.name } : {}),
    };
}

/**
 * Entry point. The Pulumi Node.js host calls an exported function inside the stack and uses its
 * result as the stack outputs; the test harness calls the same function under the mock runtime.
 * Settings are validated, then the few lookups made, before the first resource is registered.
 */
export = async () => {
    const settings = loadSettings();
    return environment(settings, await lookUp(settings));
};
