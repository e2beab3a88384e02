/**
 * The alarm notifier under a burst of 1,000 alarm notifications: the real handler, a Slack
 * stand-in on 127.0.0.1 that injects faults, and in-memory fakes for Secrets Manager and DynamoDB
 * (aws-sdk-client-mock), with real time (real backoff, real Retry-After waits).
 *
 * Two shapes of the same 1,000 messages:
 * - 10 events of 100 records: SNS hands Lambda one record per invocation in practice, so this is
 *   the stress case for one invocation: it exercises the bounded worker pool (CONCURRENCY at a
 *   time) and shows that memory does not grow with the batch.
 * - 1,000 events of 1 record, one after another: what one warm execution environment sees during
 *   an alarm storm, so it measures the per-invocation cost (dedupe claim and confirm, cached
 *   secret, one post).
 *
 * The stand-in answers about 10% of requests 500, 10% 429 with Retry-After: 0 and 1% 429 with
 * Retry-After: 1. An invocation that throws is invoked again with the same event, up to twice, as
 * Lambda does for asynchronous invocations. The stand-in counts what it accepted: the run fails
 * unless it accepted exactly 1,000 distinct messages, none twice, and no log line held the URL.
 *
 * Usage: npm run bench:notifier (runs node with --expose-gc, to measure the heap retained after a run)
 */

import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";

import {
    ConditionalCheckFailedException,
    DeleteItemCommand,
    DynamoDBClient,
    PutItemCommand,
    type DeleteItemCommandInput,
    type PutItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";

import { loadConfig } from "../functions/alarmNotifier/config";
import { createHandler, type Handler } from "../functions/alarmNotifier/notifier";

const MESSAGES = 1000;
const TOKEN = "BenchToken0123456789abcdef";
const FUNCTION_TIMEOUT_MS = 60_000;
/** Lambda retries a failed asynchronous invocation twice. */
const LAMBDA_RETRIES = 2;

/** The deployed defaults (timeout, attempts, CONCURRENCY 4), as the function loads them from its environment. */
const CONFIG = loadConfig({
    SLACK_WEBHOOK_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:demo-live-slack-webhook-AbCdEf",
    DEDUPE_TABLE: "demo-live-alarm-notifier",
    APP_NAME: "demo",
    ENVIRONMENT: "live",
    AWS_REGION: "eu-west-1",
});

/** Slack on 127.0.0.1, with faults by request number; remembers every alarm it accepted. */
class SlackStandIn {
    requests = 0;
    readonly accepted = new Map<string, number>();
    private readonly server = http.createServer((req, res) => this.answer(req, res));

    async start(): Promise<string> {
        await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
        return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    }

    stop(): Promise<void> {
        this.server.closeAllConnections();
        return new Promise((resolve) => this.server.close(() => resolve()));
    }

    private answer(req: http.IncomingMessage, res: http.ServerResponse): void {
        const n = this.requests++;
        let body = "";
        req.setEncoding("utf8");
        req.on("data", (chunk: string) => (body += chunk));
        req.on("end", () => {
            if (n % 97 === 50) return this.send(res, 429, "rate_limited", "1");
            if (n % 10 === 3) return this.send(res, 500, "rollup_error");
            if (n % 10 === 7) return this.send(res, 429, "rate_limited", "0");
            const name = /ALARM: (\S+)/.exec((JSON.parse(body) as { text: string }).text)?.[1] ?? "unreadable";
            this.accepted.set(name, (this.accepted.get(name) ?? 0) + 1);
            this.send(res, 200, "ok");
        });
    }

    private send(res: http.ServerResponse, status: number, text: string, retryAfter?: string): void {
        res.writeHead(status, { "content-type": "text/html", ...(retryAfter === undefined ? {} : { "retry-after": retryAfter }) });
        res.end(text);
    }
}

/** DynamoDB in memory: claims honour the lease condition the notifier sends. */
function fakeDedupeTable(dynamodb: ReturnType<typeof mockClient>): Map<string, number | "posted"> {
    const leases = new Map<string, number | "posted">();
    const conditionFailed = () => new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} });
    dynamodb.on(PutItemCommand).callsFake(({ Item, ConditionExpression, ExpressionAttributeValues }: PutItemCommandInput) => {
        const id = String(Item?.id?.S);
        const held = leases.get(id);
        const free = held === undefined || (held !== "posted" && held < Number(ExpressionAttributeValues?.[":now"]?.N));
        // Without a condition it is the confirmation after a post.
        if (ConditionExpression !== undefined && !free) throw conditionFailed();
        leases.set(id, ConditionExpression === undefined ? "posted" : Number(Item?.leaseUntil?.N));
        return {};
    });
    dynamodb.on(DeleteItemCommand).callsFake(({ Key }: DeleteItemCommandInput) => {
        leases.delete(String(Key?.id?.S));
        return {};
    });
    return leases;
}

function alarmMessage(i: number): string {
    return JSON.stringify({
        AlarmName: `demo-live-web-bench-${String(i).padStart(4, "0")}`,
        AlarmDescription: "web in live: over 5% of responses are 5xx",
        AWSAccountId: "123456789012",
        NewStateValue: "ALARM",
        NewStateReason: "Threshold Crossed: 2 out of the last 3 datapoints were greater than the threshold (5.0).",
        StateChangeTime: new Date().toISOString().replace("Z", "+0000"),
        Region: "EU (Ireland)",
        AlarmArn: `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:demo-live-web-bench-${i}`,
        OldStateValue: "OK",
        Trigger: {
            MetricName: "HTTPCode_Target_5XX_Count",
            Namespace: "AWS/ApplicationELB",
            Statistic: "SUM",
            Dimensions: [],
            Period: 60,
            EvaluationPeriods: 3,
        },
    });
}

function events(perEvent: number): unknown[] {
    return Array.from({ length: MESSAGES / perEvent }, (_, e) => ({
        Records: Array.from({ length: perEvent }, (_, r) => {
            const i = e * perEvent + r;
            return {
                EventSource: "aws:sns",
                Sns: { MessageId: `bench-${i}`, TopicArn: "arn:aws:sns:eu-west-1:123456789012:demo-live-alarms", Message: alarmMessage(i) },
            };
        }),
    }));
}

interface Outcome {
    readonly scenario: string;
    readonly accepted: number;
    readonly distinct: number;
    readonly duplicates: number;
    readonly failed: number;
    readonly retries: number;
    readonly lambdaRetries: number;
    readonly seconds: number;
    readonly peakRssMb: number;
    readonly peakHeapMb: number;
    /** Backoff and Retry-After waits, summed over the workers: most of `seconds` when little runs in parallel. */
    readonly waitedSeconds: number;
    /** Heap used after a full GC once the scenario is over (with --expose-gc; otherwise whatever garbage is left). */
    readonly retainedHeapMb: number;
    readonly leaks: number;
}

async function run(scenario: string, perEvent: number): Promise<Outcome> {
    const slack = new SlackStandIn();
    const origin = await slack.start();
    const secrets = mockClient(SecretsManagerClient);
    secrets.on(GetSecretValueCommand).resolves({ SecretString: `${origin}/services/T0BENCH01/B0BENCH02/${TOKEN}` });
    const dynamodb = mockClient(DynamoDBClient);
    fakeDedupeTable(dynamodb);
    const log = { leaks: 0, waitedMs: 0 };
    const handler: Handler = createHandler(CONFIG, {
        secretsManager: new SecretsManagerClient({ region: "eu-west-1" }),
        dynamodb: new DynamoDBClient({ region: "eu-west-1" }),
        logSink: {
            write: (line: string) => {
                if (line.includes(TOKEN)) log.leaks++;
                const { msg, waitMs } = JSON.parse(line) as { msg: string; waitMs?: number };
                if (msg === "slack post retry") log.waitedMs += waitMs ?? 0;
            },
        },
        webhookOrigin: origin,
    });

    const peak = { rss: 0, heap: 0 };
    const sample = () => {
        const m = process.memoryUsage();
        peak.rss = Math.max(peak.rss, m.rss);
        peak.heap = Math.max(peak.heap, m.heapUsed);
    };
    const sampler = setInterval(sample, 20);
    let retries = 0;
    let lambdaRetries = 0;
    let failed = 0;
    const started = performance.now();
    for (const event of events(perEvent)) {
        // The mocks record every call; forget them, so the harness's memory does not pile up in the figures.
        secrets.resetHistory();
        dynamodb.resetHistory();
        for (let attempt = 0; ; attempt++) {
            const deadline = Date.now() + FUNCTION_TIMEOUT_MS;
            try {
                retries += (await handler(event, { getRemainingTimeInMillis: () => deadline - Date.now() })).retries;
                break;
            } catch {
                if (attempt === LAMBDA_RETRIES) {
                    failed++;
                    break;
                }
                lambdaRetries++;
            }
        }
    }
    const seconds = (performance.now() - started) / 1000;
    sample();
    clearInterval(sampler);
    global.gc?.();
    const retainedHeap = process.memoryUsage().heapUsed;
    await slack.stop();
    secrets.restore();
    dynamodb.restore();

    const counts = [...slack.accepted.values()];
    return {
        scenario,
        accepted: counts.reduce((a, b) => a + b, 0),
        distinct: slack.accepted.size,
        duplicates: counts.reduce((a, b) => a + b - 1, 0),
        failed,
        retries,
        lambdaRetries,
        seconds,
        peakRssMb: peak.rss / 2 ** 20,
        peakHeapMb: peak.heap / 2 ** 20,
        waitedSeconds: log.waitedMs / 1000,
        retainedHeapMb: retainedHeap / 2 ** 20,
        leaks: log.leaks,
    };
}

async function main(): Promise<void> {
    // The SDK warns once that its 2027 releases need Node 22 (the Lambda runtime); the bench runs where it runs.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
    const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
    global.gc?.();
    const before = process.memoryUsage();
    const outcomes = [await run(`${MESSAGES / 100} events x 100 records`, 100), await run(`${MESSAGES} events x 1 record`, 1)];
    console.log(
        `node ${process.version}; ${MESSAGES} alarm messages per scenario; CONCURRENCY ${CONFIG.concurrency}; faults: ~10% 500, ~10% 429 Retry-After 0, ~1% 429 Retry-After 1`,
    );
    console.log(`before the first scenario (ts-node, the SDK and the handler loaded): RSS ${mib(before.rss)}, heap used ${mib(before.heapUsed)}`);
    console.log(
        "| scenario | accepted by Slack | distinct | duplicates | failed events | retries | Lambda retries | time | of which waiting | peak RSS | peak heap used | heap after GC |",
    );
    console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (const o of outcomes) {
        const cells = [
            o.scenario,
            o.accepted,
            o.distinct,
            o.duplicates,
            o.failed,
            o.retries,
            o.lambdaRetries,
            `${o.seconds.toFixed(1)} s`,
            `${o.waitedSeconds.toFixed(1)} s`,
        ];
        console.log(`| ${[...cells, ...[o.peakRssMb, o.peakHeapMb, o.retainedHeapMb].map((m) => `${m.toFixed(0)} MiB`)].join(" | ")} |`);
    }
    const wrong = outcomes.filter((o) => o.distinct !== MESSAGES || o.duplicates !== 0 || o.failed !== 0 || o.leaks !== 0);
    if (wrong.length > 0) throw new Error(`not every message was posted exactly once, or the URL leaked: ${wrong.map((o) => o.scenario).join(", ")}`);
}

main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
});
