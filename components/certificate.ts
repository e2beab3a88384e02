import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { cloudflareValidationRecord } from "./cloudflareDns";
import { route53ValidationRecord } from "./route53Dns";

export const CERTIFICATE_TYPE = "shipyard:tls:DnsValidatedCertificate";

export interface DnsValidatedCertificateArgs {
    /** Names on the certificate; the first is its subject. Each must be inside the zone. */
    readonly domainNames: readonly string[];
    /** The zone that holds the validation records: a Cloudflare zone or a Route 53 hosted zone, by id. */
    readonly zone: { readonly provider: "cloudflare" | "route53"; readonly zoneId: string };
    /** Cloudflare shows it beside each record. */
    readonly comment: string;
    readonly tags: Readonly<Record<string, string>>;
}

/**
 * A public ACM certificate in the stack's region, validated by DNS records this component writes
 * to the environment's zone (DNS-only in Cloudflare), and the validation that waits until ACM has
 * issued it. `certificateArn` comes from the validation, so a listener given it waits too.
 * ACM renews the certificate by itself for as long as the records stay.
 */
export class DnsValidatedCertificate extends pulumi.ComponentResource {
    readonly certificate: aws.acm.Certificate;
    readonly validation: aws.acm.CertificateValidation;
    /** The certificate's ARN, known only once ACM has issued it. */
    readonly certificateArn: pulumi.Output<string>;

    constructor(name: string, args: DnsValidatedCertificateArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super(CERTIFICATE_TYPE, name, {}, opts);
        if (args.domainNames.length === 0) throw new Error("DnsValidatedCertificate: at least one domain name");
        const [subject, ...alternatives] = args.domainNames;
        const child = { parent: this };

        this.certificate = new aws.acm.Certificate(
            `${name}-cert`,
            {
                domainName: subject,
                subjectAlternativeNames: alternatives.length > 0 ? alternatives : undefined,
                validationMethod: "DNS",
                tags: args.tags,
            },
            // Replaced (new names), Pulumi's default order holds: the new one is issued and attached before the old one goes.
            child,
        );

        // One record per name, found by name rather than by position: ACM does not promise an order.
        // Named by position (0 is the subject), so the plans of two environments line up.
        const records = args.domainNames.map((domain, i) => {
            const option = this.certificate.domainValidationOptions.apply((options) => {
                const o = options.find((x) => x.domainName === domain);
                if (!o) throw new Error(`DnsValidatedCertificate: ACM gave no validation record for ${domain}`);
                return o;
            });
            const record = { name: option.resourceRecordName, type: option.resourceRecordType, value: option.resourceRecordValue };
            return args.zone.provider === "cloudflare"
                ? cloudflareValidationRecord(`${name}-validation-${i}`, args.zone.zoneId, record, args.comment, child).name
                : route53ValidationRecord(`${name}-validation-${i}`, args.zone.zoneId, record, child).fqdn;
        });

        this.validation = new aws.acm.CertificateValidation(
            `${name}-validation`,
            { certificateArn: this.certificate.arn, validationRecordFqdns: records },
            { ...child, customTimeouts: { create: "45m" } },
        );
        this.certificateArn = this.validation.certificateArn;
        this.registerOutputs({ certificateArn: this.certificateArn });
    }
}
