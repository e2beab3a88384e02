/**
 * What a task runs with: its image (built by the release flow, or a location), variables, an
 * env_file, secrets (as commands that copy them), network placement and Service Connect, the
 * deployment, logs and tracing.
 */
import * as fs from "fs";
import * as path from "path";
import { at, child, LNode, plain } from "./located";
import { Outcome } from "./report";
import { Service } from "./stack";
import { interpolate, PLACEHOLDER_DIGEST, shq, WorkloadContext } from "./context";
import { ENV_NAME, LOG_RETENTION_DAYS } from "../../lib/aws";
import { parseImageRef, SECRET_LOOKING_NAME, secretLookingValue } from "../../stacks/validators";
import { PLATFORM_VARS } from "../../stacks/variables";
import { CONTEXT } from "../../release/builds";

/** `location` as a full reference our validation takes; `build` as the release flow's image, its context noted. */
export function mapImage(m: LNode, ctx: WorkloadContext, svc: Service): void {
    const { findings, env, name } = ctx;
    const ecr = `${ctx.account}.dkr.ecr.${ctx.region}.amazonaws.com/${ctx.app}-${name}`;
    const location = at(m, "image", "location");
    const build = at(m, "image", "build");
    if (location && location.kind === "scalar" && typeof location.value === "string") {
        const { text, unresolved } = interpolate(location.value, ctx);
        let ref = text;
        // Docker Hub's short forms, as ECS reads them.
        const first = ref.split("/")[0];
        if (!ref.includes("/")) ref = `docker.io/library/${ref}`;
        else if (!first.includes(".") && !first.includes(":") && first !== "localhost") ref = `docker.io/${ref}`;
        const parsed = parseImageRef(ref);
        if (unresolved.length > 0 || !parsed) {
            svc.image = `${ecr}@${PLACEHOLDER_DIGEST}`;
            findings.note(
                location,
                env,
                "not carried",
                `${unresolved.length > 0 ? `${unresolved.join(", ")} is resolved by Copilot at deploy time` : "not an image reference"}; services.${name}.image is ${ecr} with a placeholder digest: push the image there`,
            );
            ctx.todo.add(`${name}: its image is a placeholder (${ecr}); push the image to that repository and set the digest.`);
        } else if (!parsed.digest && ctx.digestOnly) {
            svc.image = `${ref}@${PLACEHOLDER_DIGEST}`;
            findings.note(
                location,
                env,
                "approximate",
                `services.${name}.image: ${ref} with a placeholder digest: the ${ctx.production ? "production" : "staging"} tier takes only images pinned by digest`,
            );
            ctx.todo.add(`${name} in ${env}: pin ${ref} by its digest (docker buildx imagetools inspect ${ref}) in place of the placeholder.`);
        } else {
            svc.image = ref;
            findings.note(location, env, "carried", `services.${name}.image: ${ref}`);
        }
    } else if (build) {
        const spec = plain(build);
        const dockerfile =
            typeof spec === "string"
                ? spec
                : typeof (spec as Record<string, unknown>)?.dockerfile === "string"
                  ? String((spec as Record<string, unknown>).dockerfile)
                  : undefined;
        const given = typeof spec === "object" && spec !== null ? (spec as Record<string, unknown>).context : undefined;
        const context = path.posix.normalize(typeof given === "string" ? given : dockerfile ? path.posix.dirname(dockerfile) : ".").replace(/\/$/, "") || ".";
        const file = dockerfile ? path.posix.normalize(dockerfile) : path.posix.join(context, "Dockerfile");
        svc.image = `${ecr}@${PLACEHOLDER_DIGEST}`;
        const standard = path.posix.join(context, "Dockerfile") === file;
        // The build's own fields (dockerfile, context) or the string: each gets the row.
        const buildNodes = build.kind === "map" ? [child(build, "dockerfile"), child(build, "context")].filter((x): x is LNode => x !== undefined) : [build];
        const noteBuild = (outcome: Outcome, text: string) => {
            for (const n of buildNodes.length > 0 ? buildNodes : [build]) findings.note(n, env, outcome, text);
        };
        if (!CONTEXT.test(context)) {
            noteBuild(
                "not carried",
                `the release flow builds each image from a folder of the repository (release/images.json), not from ${context === "." ? "its root" : context}: move ${file} into a folder of its own (e.g. ${name}/Dockerfile) and add "${name}": "${name}" to release/images.json; until then ${ecr} holds a placeholder digest`,
            );
            ctx.todo.add(
                `${name}: its Dockerfile (${file}) is not in a folder the release flow builds from; move it, then add its folder to release/images.json.`,
            );
        } else {
            ctx.buildContexts.set(name, context);
            noteBuild(
                standard ? "carried" : "approximate",
                `built from ${file} by the release flow (release/images.json "${name}": "${context}") into ${ecr} (the digest is a placeholder every deploy replaces)${standard ? "" : `; it builds ${context}/Dockerfile, not ${file}: move the Dockerfile or make ${context} hold it`}`,
            );
        }
        if (build.kind === "map") {
            for (const extra of ["args", "target", "cache_from"]) {
                findings.note(
                    child(build, extra),
                    env,
                    "not carried",
                    `docker build --${extra.replace("_", "-")}: the release flow runs a plain docker build of the context`,
                );
            }
            findings.read(child(build, "context"));
            findings.read(child(build, "dockerfile"));
        }
    } else {
        svc.image = `${ecr}@${PLACEHOLDER_DIGEST}`;
        ctx.todo.add(`${name}: the manifest names no image; ${ecr} with a placeholder digest was written.`);
    }
    svc.expose = "";
    const port = at(m, "image", "port");
    if (port) {
        const p = Number(plain(port));
        if (ctx.type === "Worker Service" || ctx.type === "Scheduled Job") findings.note(port, env, "not carried", "a worker or job takes no traffic: no port");
        else if (!Number.isInteger(p) || p < 1 || p > 65535) findings.note(port, env, "not carried", `not a port: ${String(plain(port))}`);
        else if (p < 1024) {
            svc.containerPort = 8080;
            findings.note(
                port,
                env,
                "approximate",
                `services.${name}.containerPort: 8080: containers run as a non-root user, which cannot listen below 1024; make the app listen on $PORT (the platform sets it)`,
            );
            ctx.todo.add(`${name}: listened on port ${p}; it must listen on $PORT (8080) now.`);
        } else {
            svc.containerPort = p;
            findings.note(port, env, "carried", `services.${name}.containerPort: ${p}`);
        }
    }
}

export function mapVariables(m: LNode, ctx: WorkloadContext, svc: Service): void {
    const { findings, env, name, stack } = ctx;
    const environment: Record<string, string> = {};
    const put = (n: string, raw: unknown, node: LNode | undefined, from: string) => {
        if (!ENV_NAME.test(n)) {
            findings.note(node, env, "not carried", `${n} is not a variable name`);
            return;
        }
        if (typeof raw === "object" && raw !== null) {
            findings.note(node, env, "not carried", `${JSON.stringify(raw)}: CloudFormation exports (from_cfn) are not read; set the value itself`);
            return;
        }
        const { text, unresolved } = interpolate(String(raw), ctx);
        if (n === "LOG_LEVEL" && ["debug", "info", "warn", "error"].includes(text.toLowerCase())) {
            stack.stackKey("logLevel", text.toLowerCase(), node, name, "the platform sets LOG_LEVEL from logLevel");
            return;
        }
        if ((PLATFORM_VARS as readonly string[]).includes(n)) {
            findings.note(node, env, "not carried", `${n} is set by the platform (${PLATFORM_VARS.join(", ")})`);
            return;
        }
        if (SECRET_LOOKING_NAME.test(n) || secretLookingValue(text)) {
            findings.note(
                node,
                env,
                "not carried",
                `looks like a secret and would be stored in plain text: set it as the secret secrets.${name}.${n} (command under "Secrets to set")`,
            );
            ctx.stack.addSecret(name, n);
            ctx.secretCommands.push(`pulumi config set --secret --path ${shq(`secrets.${name}.${n}`)} '<the value of ${n} in ${from}>' --stack ${ctx.env}`);
            return;
        }
        if (unresolved.length > 0) {
            findings.note(node, env, "not carried", `${unresolved.join(", ")} is resolved by Copilot at deploy time; set the value itself`);
            return;
        }
        environment[n] = text;
        findings.note(node, env, "carried", `services.${name}.environment.${n}`);
    };
    const envFile = child(m, "env_file");
    if (envFile) {
        const file = String(plain(envFile));
        const full = path.join(ctx.root, file);
        if (!fs.existsSync(full))
            findings.note(envFile, env, "not carried", `${file} is not in the workspace; copy its variables into services.${name}.environment`);
        else {
            const names: string[] = [];
            for (const line of fs.readFileSync(full, "utf8").split(/\r?\n/)) {
                const kv = /^\s*(?:export\s+)?([^#=\s][^=\s]*)\s*=\s*(.*)$/.exec(line);
                if (!kv) continue;
                const value = kv[2].replace(/^(['"])(.*)\1$/, "$2");
                if (SECRET_LOOKING_NAME.test(kv[1]) || secretLookingValue(value)) {
                    ctx.stack.addSecret(name, kv[1]);
                    ctx.secretCommands.push(
                        `pulumi config set --secret --path ${shq(`secrets.${name}.${kv[1]}`)} '<the value of ${kv[1]} in ${file}>' --stack ${ctx.env}`,
                    );
                } else if (ENV_NAME.test(kv[1]) && !(PLATFORM_VARS as readonly string[]).includes(kv[1])) {
                    environment[kv[1]] = value;
                    names.push(kv[1]);
                }
            }
            findings.note(
                envFile,
                env,
                "approximate",
                `read now into services.${name}.environment (${names.join(", ") || "nothing"}): the stack file holds the values, not a file in S3; secret-looking names became secrets`,
            );
        }
    }
    const vars = child(m, "variables");
    for (const [n, node] of vars?.kind === "map" ? vars.entries : []) put(n, plain(node), node, `${node.origin.file} line ${node.origin.line}`);
    findings.read(vars);
    if (Object.keys(environment).length > 0) svc.environment = environment;
}

export function mapSecrets(m: LNode, ctx: WorkloadContext): void {
    const { findings, env, name } = ctx;
    const secrets = child(m, "secrets");
    for (const [n, node] of secrets?.kind === "map" ? secrets.entries : []) {
        if (!ENV_NAME.test(n)) {
            findings.note(node, env, "not carried", `${n} is not a variable name`);
            continue;
        }
        const target = shq(`secrets.${name}.${n}`);
        const v = plain(node);
        const reference =
            typeof v === "string"
                ? interpolate(v, ctx).text
                : typeof v === "object" && v !== null && typeof (v as Record<string, unknown>).secretsmanager === "string"
                  ? interpolate(String((v as Record<string, unknown>).secretsmanager), ctx).text
                  : undefined;
        let read: string | undefined;
        if (reference !== undefined && (typeof v !== "string" || reference.startsWith("arn:aws:secretsmanager:"))) {
            // secret-id[:json-key[:version-stage[:version-id]]], where the id may itself be an ARN (7 colon-separated parts).
            const parts = reference.startsWith("arn:") ? [reference.split(":").slice(0, 7).join(":"), ...reference.split(":").slice(7)] : reference.split(":");
            const [id, jsonKey] = parts;
            read = `aws secretsmanager get-secret-value --region ${ctx.region} --secret-id ${shq(id)} --query SecretString --output text${jsonKey ? ` | jq -r ${shq(`.${jsonKey}`)}` : ""}`;
        } else if (reference !== undefined) {
            // An SSM parameter, by name or ARN (get-parameter takes both).
            read = `aws ssm get-parameter --region ${ctx.region} --name ${shq(reference)} --with-decryption --query Parameter.Value --output text`;
        }
        if (!read) {
            findings.note(
                node,
                env,
                "not carried",
                `${JSON.stringify(v)}: only SSM parameter names and secretsmanager references can be copied; set the value with pulumi config set --secret`,
            );
            continue;
        }
        ctx.stack.addSecret(name, n);
        ctx.secretCommands.push(`pulumi config set --secret --path ${target} "$(${read})" --stack ${ctx.env}`);
        findings.note(
            node,
            env,
            "carried",
            `secrets.${name}.${n}: set by the command under "Secrets to set" (an SSM SecureString parameter, passed by valueFrom)`,
        );
        findings.read(node);
    }
    findings.read(secrets);
}

export function mapNetwork(m: LNode, ctx: WorkloadContext, svc: Service): void {
    const { findings, env, name, stack } = ctx;
    const connect = at(m, "network", "connect");
    if (connect) {
        const on = connect.kind === "map" || plain(connect) === true;
        if (on) ctx.clients.add(name);
        if (svc.expose === "internal")
            findings.note(connect, env, on ? "carried" : "approximate", `internal services are always in Service Connect at http://${name}:<containerPort>`);
        else if (on)
            findings.note(
                connect,
                env,
                "approximate",
                `services.${name}.calls: every internal service of the stack (Copilot lets any service reach any other): narrow it to what ${name} calls`,
            );
        else findings.note(connect, env, "carried", "no Service Connect calls");
        if (connect.kind === "map") findings.note(child(connect, "alias"), env, "not carried", `a Service Connect name is the service's name (${name})`);
        findings.read(connect);
    }
    const placement = at(m, "network", "vpc", "placement");
    if (placement) {
        const p = plain(placement);
        if (p === "private" || p === "public") {
            if (p === "public" && ctx.production)
                findings.note(placement, env, "approximate", "shipyard:taskSubnets stays private: the production tier runs tasks in private subnets only");
            else stack.stackKey("taskSubnets", p, placement, name);
        } else findings.note(placement, env, "not carried", "subnets by id: the stack creates its own VPC; taskSubnets is private or public");
        findings.read(at(m, "network", "vpc"));
    }
}

export function mapDeployment(m: LNode, ctx: WorkloadContext): void {
    const { findings, env } = ctx;
    const rolling = at(m, "deployment", "rolling");
    if (rolling) {
        if (plain(rolling) === "recreate")
            findings.note(rolling, env, "not carried", "recreate (stop all, then start): new tasks always start before old ones stop");
        else if (ctx.production)
            findings.note(
                rolling,
                env,
                "approximate",
                "shipyard:deployment stays blueGreen, the production tier's default; set deployment: rolling for Copilot's behaviour",
            );
        else findings.note(rolling, env, "carried", "shipyard:deployment rolling: new tasks beside the old (100%/200%), circuit breaker on");
    }
    const alarms = at(m, "deployment", "rollback_alarms");
    if (alarms)
        findings.note(
            alarms,
            env,
            "approximate",
            "deployments roll back on their own alarms: 5xx share (rollbackOn5xxPercent) and p99 latency (rollbackOnP99LatencyMs) for http services, the circuit breaker for all; CPU, memory, queue and named alarms do not roll back",
        );
    findings.read(child(m, "deployment"));
}

export function mapLogging(m: LNode, ctx: WorkloadContext): void {
    const { findings, env, name, stack } = ctx;
    const retention = at(m, "logging", "retention");
    if (retention) {
        const days = Number(plain(retention));
        const allowed = LOG_RETENTION_DAYS.find((d) => d >= days);
        if (allowed === undefined) findings.note(retention, env, "not carried", `not a retention CloudWatch allows: ${LOG_RETENTION_DAYS.join(", ")}`);
        else
            stack.stackKey(
                "logRetentionDays",
                allowed,
                retention,
                name,
                allowed !== days ? `${days} is not a CloudWatch retention; the next longer is ${allowed}` : "",
            );
    }
    const tracing = at(m, "observability", "tracing");
    if (tracing) {
        if (plain(tracing) === "awsxray") stack.stackKey("tracing", true, tracing, name);
        else findings.note(tracing, env, "not carried", `tracing ${String(plain(tracing))}: the collector sends to AWS X-Ray (awsxray) only`);
        findings.read(child(m, "observability"));
    }
}
