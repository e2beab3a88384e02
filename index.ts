/**
 * The program: settings for this stack -> the environment's components -> stack outputs.
 * Configuration is read and validated in `stacks/` before any resource is created.
 */
import * as pulumi from "@pulumi/pulumi";
import { ContainerService } from "./components/containerService";
import { LoadBalancedApp } from "./components/loadBalancedApp";
import { AlarmTopic } from "./components/alarmTopic";
import { Monitoring } from "./components/monitoring";
import { Network } from "./components/network";
import { rolloutPath, steadyStateTimeoutMinutes } from "./plan/rollout";
import { SmokeTest } from "./components/smokeTest";
import { WebAcl } from "./components/webAcl";
import { CloudflareDns } from "./components/cloudflareDns";
import { DnsValidatedCertificate } from "./components/certificate";
import { Route53Dns } from "./components/route53Dns";
import { loadSettings, Settings } from "./stacks";
import { lookUp, Lookups } from "./stacks/lookups";
import { partitionOf } from "./stacks/validators";

/** Creates one environment from its settings (and what was looked up for them) and returns the stack outputs. */
function environment(settings: Settings, found: Lookups) {
    const { app, env, network: net, dns, service: svc, loadBalancer: lb, deployment, monitoring: mon, tags } = settings;
    const blueGreen = deployment.strategy === "blueGreen";
    const prefix = `${app}-${env}`;

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
            flowLogRetentionDays: svc.logRetentionDays,
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

    // The certificate for the environment's names, validated by DNS records in its zone; the HTTPS
    // listener takes its ARN from the validation, so it waits until ACM has issued it.
    const comment = `${prefix}: managed by Pulumi (shipyard)`;
    const certificate = new DnsValidatedCertificate(`${prefix}-cert`, {
        domainNames: dns.hostNames,
        zone: { provider: dns.provider, zoneId: found.zoneId },
        comment,
        tags,
    });

    // Through Cloudflare: only its ranges reach the load balancer, and only requests with the
    // environment's origin header are served (by the listener, or by the web ACL under blue/green).
    const cf = found.cloudflare;
    const testListenerCidrs = [
        ...deployment.testListenerCidrs,
        // The smoke test reaches the test listener from the private subnets, through NAT.
        ...(deployment.smokeTest ? network.natPublicIps.map((ip) => pulumi.interpolate`${ip}/32`) : []),
    ];
    const edge = new LoadBalancedApp(`${prefix}-lb`, {
        nameParts: [app, env, svc.name],
        vpcId: network.vpc.id,
        subnetIds: network.publicSubnetIds,
        certificateArn: certificate.certificateArn,
        targetPort: svc.containerPort,
        ingressCidrs: cf ? cf.ipv4Cidrs : lb.ingressCidrs,
        ingressIpv6Cidrs: cf ? cf.ipv6Cidrs : lb.ingressIpv6Cidrs,
        originHeader: cf && !blueGreen ? cf.originHeader : undefined,
        healthCheck: lb.healthCheck,
        deregistrationDelaySeconds: lb.deregistrationDelaySeconds,
        idleTimeoutSeconds: lb.idleTimeoutSeconds,
        protect: settings.protect,
        blueGreen: blueGreen ? { testListenerPort: deployment.testListenerPort, testListenerCidrs } : undefined,
        tags,
    });

    // Under blue/green the listener cannot check the origin header: a web ACL does, with or without waf's protections.
    if (lb.waf || (cf && blueGreen)) {
        new WebAcl(`${prefix}-waf`, {
            nameParts: [app, env],
            loadBalancerArn: edge.loadBalancer.arn,
            protections: lb.waf ? { rateLimitPer5Minutes: lb.wafRateLimit } : undefined,
            logRetentionDays: svc.logRetentionDays,
            // Behind Cloudflare every request comes from Cloudflare's addresses; the client's is in this header.
            clientIpHeader: cf ? "CF-Connecting-IP" : undefined,
            originHeader: cf && blueGreen ? { ...cf.originHeader, exemptCidrs: testListenerCidrs } : undefined,
            tags,
        });
    }

    if (dns.provider === "cloudflare") {
        new CloudflareDns(`${prefix}-dns`, {
            zoneId: found.zoneId,
            records: dns.hostNames.map((hostName) => ({ hostName, target: edge.loadBalancer.dnsName, proxied: dns.proxied })),
            comment,
        });
    } else {
        new Route53Dns(`${prefix}-dns`, {
            zoneId: found.zoneId,
            hostNames: dns.hostNames,
            target: { dnsName: edge.loadBalancer.dnsName, zoneId: edge.loadBalancer.zoneId },
        });
    }

    // The blue/green lifecycle hook: smoke requests to the test listener before production moves.
    const smokeTest =
        blueGreen && deployment.smokeTest
            ? new SmokeTest(`${prefix}-${svc.name}-smoke`, {
                  nameParts: [app, env, svc.name],
                  baseUrl: pulumi.interpolate`http://${edge.loadBalancer.dnsName}:${deployment.testListenerPort}`,
                  testListenerPort: deployment.testListenerPort,
                  path: lb.healthCheck.path,
                  vpcId: network.vpc.id,
                  subnetIds: network.privateSubnetIds,
                  logRetentionDays: svc.logRetentionDays,
                  permissionsBoundary: settings.permissionsBoundaryArn,
                  tags,
              })
            : undefined;

    const partition = partitionOf(settings.region);
    const ecr = svc.imageRef.ecr;
    const service = new ContainerService(
        `${prefix}-${svc.name}`,
        {
            nameParts: [app, env, svc.name],
            region: settings.region,
            image: svc.image,
            ecrRepositoryArn: ecr ? `arn:${partition}:ecr:${ecr.region}:${ecr.accountId}:repository/${svc.imageRef.repository}` : undefined,
            cpu: svc.cpu,
            memory: svc.memory,
            cpuArchitecture: svc.cpuArchitecture,
            containerPort: svc.containerPort,
            environment: svc.environment,
            secrets: svc.secrets,
            logRetentionDays: svc.logRetentionDays,
            vpcId: network.vpc.id,
            subnetIds: svc.taskSubnets === "public" ? network.publicSubnetIds : network.privateSubnetIds,
            assignPublicIp: svc.taskSubnets === "public",
            loadBalancer: {
                targetGroupArn: edge.targetGroup.arn,
                securityGroupId: edge.securityGroup.id,
                loadBalancerArnSuffix: edge.loadBalancer.arnSuffix,
                targetGroupArnSuffix: edge.targetGroup.arnSuffix,
                blueGreen:
                    edge.alternateTargetGroup && edge.productionRule && edge.testRule
                        ? {
                              alternateTargetGroupArn: edge.alternateTargetGroup.arn,
                              alternateTargetGroupArnSuffix: edge.alternateTargetGroup.arnSuffix,
                              productionListenerRuleArn: edge.productionRule.arn,
                              testListenerRuleArn: edge.testRule.arn,
                          }
                        : undefined,
            },
            deployment: blueGreen
                ? { strategy: "blueGreen", bakeTimeMinutes: deployment.bakeTimeMinutes, smokeTestFunctionArn: smokeTest?.function.arn }
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
        { dependsOn: [edge.httpsListener] },
    );

    const monitoring = new Monitoring(`${prefix}-monitoring`, {
        nameParts: [app, env],
        topic: alarms,
        region: settings.region,
        accountId: settings.accountId,
        services: [
            {
                name: svc.name,
                clusterName: service.cluster.name,
                serviceName: service.service.name,
                loadBalancerArnSuffix: edge.loadBalancer.arnSuffix,
                targetGroupArnSuffixes: [edge.targetGroup.arnSuffix, ...(edge.alternateTargetGroup ? [edge.alternateTargetGroup.arnSuffix] : [])],
            },
        ],
        thresholds: {
            fiveXxPercent: mon.alarm5xxPercent,
            p99LatencyMs: mon.alarmP99LatencyMs,
            cpuPercent: mon.alarmCpuPercent,
            memoryPercent: mon.alarmMemoryPercent,
        },
        endpoints: [{ name: svc.name, url: `https://${mon.hostName}${lb.healthCheck.path}` }],
        endpointCheckMinutes: mon.endpointCheckMinutes,
        slack: mon.slackWebhookUrl ? { webhookUrl: mon.slackWebhookUrl, reminderMinutes: mon.reminderMinutes } : undefined,
        logRetentionDays: svc.logRetentionDays,
        permissionsBoundary: settings.permissionsBoundaryArn,
        tags,
    });

    return {
        environment: env,
        region: settings.region,
        vpcId: network.vpc.id,
        url: `https://${dns.hostNames[0]}`,
        loadBalancerDnsName: edge.loadBalancer.dnsName,
        certificateArn: certificate.certificateArn,
        clusterName: service.cluster.name,
        serviceName: service.service.name,
        taskDefinitionArn: service.taskDefinition.arn,
        image: svc.image,
        alarmTopicArn: alarms.topic.arn,
        dashboardName: monitoring.dashboard.dashboardName,
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
