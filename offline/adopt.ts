/**
 * Edits a team makes when it adopts this repository, done to a copy of its configuration the way
 * the README tells a person to: add a service, add a host, rename the app, add a stack. The
 * adoption check (scripts/adoption-check.ts) and the tests apply them to prove that every valid
 * edit keeps the suite green and every stack planning. Comments in the files are kept.
 */
import * as fs from "fs";
import * as path from "path";
import { Document, parseDocument } from "yaml";
import { ENVIRONMENTS } from "../stacks/keys";

/** The configuration files of a copy: the environments' stack files, the bootstrap's, release/images.json. */
export class TeamFiles {
    constructor(readonly dir: string) {}

    stackFiles(): string[] {
        return fs.readdirSync(this.dir).filter((n) => /^Pulumi\.[a-z0-9-]+\.yaml$/.test(n));
    }

    bootstrapFiles(): string[] {
        return fs
            .readdirSync(path.join(this.dir, "bootstrap"))
            .filter((n) => /^Pulumi\.[a-z0-9-]+\.yaml$/.test(n))
            .map((n) => path.join("bootstrap", n));
    }

    edit(file: string, change: (doc: Document) => void): void {
        const full = path.join(this.dir, file);
        const doc = parseDocument(fs.readFileSync(full, "utf8"));
        change(doc);
        fs.writeFileSync(full, doc.toString());
    }

    read(file: string): Document {
        return parseDocument(fs.readFileSync(path.join(this.dir, file), "utf8"));
    }

    /** Edits every bootstrap stack file that sets up `stack` (all of them when they do not list environments). */
    editBootstrapOf(stack: string, change: (doc: Document) => void): void {
        for (const f of this.bootstrapFiles()) {
            const environments = list(this.read(f), "shipyard-bootstrap:environments");
            if (environments.length > 0 && !environments.includes(stack)) continue;
            this.edit(f, change);
        }
    }
}

function list(doc: Document, key: string): string[] {
    const node = doc.getIn(["config", key]) as { toJSON(): string[] } | undefined;
    return node?.toJSON() ?? [];
}

function value(doc: Document, ...keys: (string | number)[]): string {
    return String(doc.getIn(["config", ...keys]));
}

/**
 * README "Add a service": the bootstrap's `services` gets an ECR repository for it and its
 * `originHosts` the service's host; `release/images.json` its build context; the stack file the
 * service (image, exposure, host, its own rule priority) and an encrypted secret in the `secure:`
 * form that `pulumi config set --secret` writes.
 */
export function addHttpService(files: TeamFiles, stack: string, name: string, opts: { label: string; priority: number }): void {
    const file = `Pulumi.${stack}.yaml`;
    const doc = files.read(file);
    const zone = value(doc, "shipyard:dnsZone");
    const app = doc.getIn(["config", "shipyard:appName"]) === undefined ? "demo" : value(doc, "shipyard:appName");
    const host = `${opts.label}.${zone}`;
    files.edit(file, (d) => {
        d.setIn(["config", "shipyard:services", name], {
            image: `${value(d, "aws:allowedAccountIds", 0)}.dkr.ecr.${value(d, "aws:region")}.amazonaws.com/${app}-${name}@sha256:${"ab".repeat(32)}`,
            expose: "http",
            hosts: [host],
            priority: opts.priority,
        });
        d.setIn(["config", "shipyard:secrets", name, "ADMIN_API_KEY"], { secure: "v1:c2hpcHlhcmQ=:ZW5jcnlwdGVkIGJ5IHB1bHVtaQ==" });
    });
    files.editBootstrapOf(stack, (b) => {
        const services = list(b, "shipyard-bootstrap:services");
        if (!services.includes(name)) b.setIn(["config", "shipyard-bootstrap:services"], [...services, name]);
    });
    addOriginHost(files, stack, host);
    const images = path.join(files.dir, "release", "images.json");
    if (fs.existsSync(images)) {
        const contexts = JSON.parse(fs.readFileSync(images, "utf8")) as Record<string, string>;
        fs.writeFileSync(images, `${JSON.stringify({ ...contexts, [name]: "app" }, null, 2)}\n`);
    }
}

/** README "Point a domain at an environment": the bootstrap's Cloudflare rule covers the host. */
export function addOriginHost(files: TeamFiles, stack: string, host: string): void {
    files.editBootstrapOf(stack, (b) => {
        const hosts = (b.getIn(["config", "shipyard-bootstrap:originHosts", stack]) as { toJSON(): string[] } | undefined)?.toJSON() ?? [];
        if (!hosts.includes(host)) b.setIn(["config", "shipyard-bootstrap:originHosts", stack], [...hosts, host]);
    });
}

/** A second host name on a stack's first http service, and on the bootstrap's Cloudflare rule. */
export function addHostToFirstHttpService(files: TeamFiles, stack: string, label: string): string {
    const file = `Pulumi.${stack}.yaml`;
    const services = files.read(file).getIn(["config", "shipyard:services"]) as { toJSON(): Record<string, { expose: string; hosts?: string[] }> };
    const [name, svc] = Object.entries(services.toJSON()).find(([, s]) => s.expose === "http") ?? [];
    if (!name || !svc) throw new Error(`${file} has no http service`);
    const zone = value(files.read(file), "shipyard:dnsZone");
    const host = `${label}.${zone}`;
    files.edit(file, (d) => d.setIn(["config", "shipyard:services", name, "hosts"], [...(svc.hosts ?? []), host]));
    addOriginHost(files, stack, host);
    return host;
}

/** A new application name everywhere it is configured: stack files, their images' repositories, the bootstrap. */
export function renameApp(files: TeamFiles, from: string, to: string): void {
    for (const f of files.stackFiles()) {
        const text = fs.readFileSync(path.join(files.dir, f), "utf8").replace(new RegExp(`/${from}-`, "g"), `/${to}-`);
        fs.writeFileSync(path.join(files.dir, f), text);
        files.edit(f, (d) => d.setIn(["config", "shipyard:appName"], to));
    }
    for (const f of files.bootstrapFiles()) files.edit(f, (d) => d.setIn(["config", "shipyard-bootstrap:appName"], to));
}

/**
 * A new stack copied from another: its tier set, every host of the copied stack's own label
 * (`gamma.example.org`, `api.gamma.example.org`) moved to the new name's, its own VPC block, and the
 * bootstrap told of the environment and its hosts.
 */
export function addStack(files: TeamFiles, from: string, to: string, opts: { tier: string; vpcCidr: string }): void {
    const text = fs.readFileSync(path.join(files.dir, `Pulumi.${from}.yaml`), "utf8").replace(new RegExp(`\\b${from}\\.`, "g"), `${to}.`);
    const file = `Pulumi.${to}.yaml`;
    fs.writeFileSync(path.join(files.dir, file), text);
    files.edit(file, (d) => {
        d.setIn(["config", "shipyard:tier"], opts.tier);
        d.setIn(["config", "shipyard:vpcCidr"], opts.vpcCidr);
    });
    const services = files.read(file).getIn(["config", "shipyard:services"]) as { toJSON(): Record<string, { expose: string; hosts?: string[] }> };
    const proxied = Object.values(services.toJSON())
        .filter((s) => s.expose === "http")
        .flatMap((s) => s.hosts ?? []);
    for (const f of files.bootstrapFiles()) {
        const environments = list(files.read(f), "shipyard-bootstrap:environments");
        if (environments.length > 0 && !environments.includes(from)) continue;
        files.edit(f, (b) => {
            // Unset, the bootstrap sets up the default environments (bootstrap/Pulumi.yaml).
            b.setIn(["config", "shipyard-bootstrap:environments"], [...(environments.length > 0 ? environments : ENVIRONMENTS), to]);
            // The bootstrap keeps each environment's tier itself: it decides who may read its secrets.
            b.setIn(["config", "shipyard-bootstrap:tiers", to], opts.tier);
            b.setIn(["config", "shipyard-bootstrap:originHosts", to], proxied);
        });
    }
}
