/**
 * One Copilot workload (a service or a job) in one environment, as an entry of our
 * `shipyard:services` map: every field of Copilot's specification for the workload types is
 * either carried over, mapped to the nearest key we have, or reported with the reason it cannot
 * be. Field names and forms follow Copilot's manifest documentation (Load Balanced Web Service,
 * Backend Service, Worker Service, Scheduled Job, Request-Driven Web Service, Static Site); each
 * concern lives in its own module (routing, messaging, capacity, runtime).
 */
import { at, child, LNode, plain } from "./located";
import { Outcome } from "./report";
import { Service } from "./stack";
import { WorkloadContext } from "./context";
import { mapExposure } from "./routing";
import { mapJob, mapPublish, mapSubscribe } from "./messaging";
import { mapCount, mapSize } from "./capacity";
import { mapDeployment, mapImage, mapLogging, mapNetwork, mapSecrets, mapVariables } from "./runtime";

/** Fields every workload type may have that we have no equivalent for, with the reason. */
const NOT_CARRIED: Readonly<Record<string, string>> = {
    entrypoint: "the image's own ENTRYPOINT runs: put the override in the Dockerfile",
    command: "the image's own CMD runs: put the override in the Dockerfile",
    exec: "ECS Exec stays off in every stack (enableExecuteCommand: false): no shell into running tasks",
    "image.credentials": "private registry credentials: the execution role pulls from the service's ECR repository; push the image there",
    "image.labels": "Docker labels on the container: no key of ours",
    "image.docker_labels": "Docker labels on the container: no key of ours",
    "image.depends_on": "container start order: the task runs your container alone (plus the tracing collector)",
    "image.healthcheck": "container health check command: tasks are checked by the load balancer (http, tcp), the circuit breaker and the task alarms",
    "network.vpc.security_groups": "extra security groups: a service admits only what the stack declares (calls, uses, its load balancer)",
    "storage.ephemeral": "ephemeral storage above Fargate's 20 GiB: no key",
    "storage.volumes": "EFS and task volumes: no key; keep files in the assets bucket (assetsBucket, uses: [assets]) or the database",
    "logging.image": "FireLens log routing: containers log to CloudWatch Logs (awslogs), kept logRetentionDays",
    "logging.destination": "FireLens log routing: containers log to CloudWatch Logs (awslogs)",
    "logging.enableMetadata": "FireLens log routing: containers log to CloudWatch Logs (awslogs)",
    "logging.secretOptions": "FireLens log routing: containers log to CloudWatch Logs (awslogs)",
    "logging.configFilePath": "FireLens log routing: containers log to CloudWatch Logs (awslogs)",
    "logging.variables": "FireLens log routing: containers log to CloudWatch Logs (awslogs)",
    "logging.secrets": "FireLens log routing: containers log to CloudWatch Logs (awslogs)",
    "logging.env_file": "FireLens log routing: containers log to CloudWatch Logs (awslogs)",
    taskdef_overrides:
        "task definition overrides have no equivalent: the task definition is the ContainerService component's (components/); each rule's path is what to ask for",
    sidecars: "sidecar containers: the task runs your container and, with tracing, the OpenTelemetry collector only",
    tags: "tags: every resource carries app, environment and managed-by",
};

/** Maps one workload in one environment; undefined when it becomes no service of ours (a static site). */
export function mapWorkload(m: LNode, ctx: WorkloadContext): Service | undefined {
    const { findings, env, name } = ctx;
    const note = (node: LNode | undefined, outcome: Outcome, text: string) => findings.note(node, env, outcome, text);
    const key = (field: string) => `services.${name}.${field}`;
    const svc: Service = {};
    findings.note(
        child(m, "name"),
        env,
        "carried",
        ctx.type === "Static Site" ? `the static site ${name}: files in the assets bucket, no service` : `the service ${name} (shipyard:services.${name})`,
    );
    findings.read(child(m, "environments"));

    if (ctx.type === "Static Site") {
        mapStaticSite(m, ctx);
        return undefined;
    }

    mapImage(m, ctx, svc);
    const exposure = mapExposure(m, ctx, svc);
    if (ctx.type === "Worker Service") mapSubscribe(m, ctx, svc);
    note(
        child(m, "type"),
        exposure.approximate ? "approximate" : "carried",
        `${key("expose")}: ${exposure.expose}${exposure.approximate ? `: ${exposure.approximate}` : ""}`,
    );
    mapSize(m, ctx, svc);
    if (ctx.type === "Scheduled Job") mapJob(m, ctx, svc);
    else mapCount(m, ctx, svc);
    mapVariables(m, ctx, svc);
    mapSecrets(m, ctx);
    mapNetwork(m, ctx, svc);
    mapDeployment(m, ctx);
    mapPublish(m, ctx, svc);
    mapLogging(m, ctx);

    const readonlyFs = at(m, "storage", "readonly_fs");
    if (readonlyFs)
        note(
            readonlyFs,
            readonlyFs.kind === "scalar" && readonlyFs.value === true ? "carried" : "not carried",
            "every container has a read-only root file system (ECS.5); write to /tmp",
        );
    for (const [field, why] of Object.entries(NOT_CARRIED)) {
        const node = at(m, ...field.split("."));
        if (!node) continue;
        if (field === "taskdef_overrides" && node.kind === "seq") {
            for (const rule of node.items) note(rule, "not carried", `${why}: ${String(plain(child(rule, "path")))}`);
        } else if (field === "sidecars" && node.kind === "map") {
            for (const [sidecar, spec] of node.entries) note(spec, "not carried", `${why}; sidecar ${sidecar} not run`);
        } else note(node, "not carried", why);
    }
    findings.read(child(m, "storage"));
    findings.read(child(m, "logging"));
    findings.read(child(m, "image"));
    findings.read(child(m, "network"));
    return svc;
}

function mapStaticSite(m: LNode, ctx: WorkloadContext): void {
    const { findings, env, stack } = ctx;
    stack.set("assetsBucket", true);
    findings.note(
        child(m, "type"),
        env,
        "approximate",
        "shipyard:assetsBucket: true, the environment's private S3 bucket; CloudFront and the site's own bucket are not created, and the files are not uploaded",
    );
    findings.note(child(m, "files"), env, "not carried", "uploading files: after pulumi up, aws s3 sync <source> s3://<the stack's assetsBucket output>");
    findings.note(
        at(m, "http", "alias"),
        env,
        "not carried",
        "serving the bucket at a host name (assetsHost) needs dnsProvider cloudflare; the importer writes route53 stacks",
    );
    findings.note(at(m, "http", "certificate"), env, "not carried", "the bucket is served through Cloudflare's certificate when assetsHost is set");
    findings.read(child(m, "http"));
    ctx.todo.add(
        `Static Site ${ctx.name}: upload its files to the assets bucket (aws s3 sync) and, to serve them at a host name, see README "Data" (assetsHost, Cloudflare).`,
    );
}
