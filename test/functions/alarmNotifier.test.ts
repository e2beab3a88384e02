/**
 * The alarm notifier, for real against an HTTP server on 127.0.0.1 that stands in for Slack's
 * incoming webhook (ephemeral port, closed after each test), with the AWS SDK clients mocked by
 * aws-sdk-client-mock and time injected: `now` and `sleep` are a fake clock, so retries and
 * reminders are asserted to the millisecond without waiting for them.
 *
 * Payloads are the ones AWS publishes:
 * - the Lambda SNS event: "Using AWS Lambda with Amazon SNS", example Amazon SNS message event
 *   (https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html);
 * - the CloudWatch alarm notification in its `Message`: AWS's own fixtures in aws/aws-lambda-go,
 *   events/testdata/cloudwatch-alarm-sns-payload-single-metric.json and
 *   cloudwatch-alarm-sns-payload-multiple-metrics.json (a metric-math alarm), used verbatim, and the
 *   same documents with this project's names, ARNs and the "EU (Ireland)" region display name.
 *
 * Every test also checks (afterEach) that no log line holds the webhook URL or any of its secret parts.
 */

import * as assert from "node:assert/strict";
import type * as http from "node:http";

import { CloudWatchClient, DescribeAlarmsCommand, type MetricAlarm } from "@aws-sdk/client-cloudwatch";
import {
    ConditionalCheckFailedException,
    DeleteItemCommand,
    DynamoDBClient,
    PutItemCommand,
    type AttributeValue,
    type PutItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";

import type { NotifierConfig } from "../../functions/alarmNotifier/config";
import { CLAIM_CONDITION, DEDUPE_TTL_SECONDS } from "../../functions/alarmNotifier/dedupe";
import { BUDGET_RESERVE_MS, createHandler, DeliveryError, type InvocationResult, type LambdaContext } from "../../functions/alarmNotifier/notifier";
import { coldStart } from "./coldStart";
import { closeServers, later, reply, serve } from "./httpServers";

const NOW = Date.parse("2026-11-23T16:07:12.000Z");
const REMAINING_MS = 60_000;
const CONTEXT: LambdaContext = { getRemainingTimeInMillis: () => REMAINING_MS };
const TOKEN = "Xq7vTk2LmN9pRs4WzY8bC3dE";
const WEBHOOK_PATH = `/services/T0ALARMS1/B0NOTIFY2/${TOKEN}`;

const CONFIG: NotifierConfig = Object.freeze({
    webhookSecretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:demo-live-slack-webhook-AbCdEf",
    dedupeTable: "demo-live-alarm-notifier",
    appName: "demo",
    environment: "live",
    alarmNamePrefix: "demo-live-",
    serviceNames: [],
    reminderMinutes: 30,
    requestTimeoutMs: 500,
    maxAttempts: 4,
    concurrency: 4,
    webhookCacheSeconds: 300,
    region: "eu-west-1",
});

/** aws/aws-lambda-go events/testdata/cloudwatch-alarm-sns-payload-single-metric.json, the `Message`, verbatim. */
const AWS_SINGLE_METRIC_MESSAGE =
    '{"AlarmName": "EXAMPLE","AlarmDescription": "EXAMPLE","AWSAccountId": "123456789012","NewStateValue": "ALARM","NewStateReason": "Threshold Crossed: 1 out of the last 1 datapoints [1234.0 (06/03/15 17:43:27)] was greater than the threshold (0.0) (minimum 1 datapoint for OK -> ALARM transition).","StateChangeTime": "2015-06-03T17:43:27.123+0000","Region": "EXAMPLE","AlarmArn": "arn:aws:cloudwatch:REGION:ACCOUNT_NUMBER:alarm:EXAMPLE","OldStateValue": "INSUFFICIENT_DATA","Trigger": {"MetricName": "NetworkOut","Namespace": "AWS/EC2","StatisticType": "Statistic","Statistic": "AVERAGE","Unit": "Bytes","Dimensions": [{"value": "TestInstance","name": "InstanceId"}],"Period": 60,"EvaluationPeriods": 1,"ComparisonOperator": "GreaterThanThreshold","Threshold": 0.0,"TreatMissingData": "- TreatMissingData:                    missing","EvaluateLowSampleCountPercentile": ""}}';

/** aws/aws-lambda-go events/testdata/cloudwatch-alarm-sns-payload-multiple-metrics.json, the `Message`, verbatim (a metric-math alarm). */
const AWS_METRIC_MATH_MESSAGE =
    '{"AlarmName":"EXAMPLE","AlarmDescription":"EXAMPLE","AWSAccountId":"EXAMPLE","NewStateValue":"ALARM","NewStateReason":"Threshold Crossed: 1 out of the last 1 datapoints [1234.0 (06/03/15 17:43:27)] was greater than the threshold (0.0) (minimum 1 datapoint for OK -> ALARM transition).","StateChangeTime":"2015-06-03T17:43:27.123+0000","Region":"EXAMPLE","AlarmArn":"arn:aws:cloudwatch:REGION:ACCOUNT_NUMBER:alarm:EXAMPLE","OldStateValue":"INSUFFICIENT_DATA","Trigger":{"Period":60,"EvaluationPeriods":1,"ComparisonOperator":"GreaterThanThreshold","Threshold":0.0,"TreatMissingData":"- TreatMissingData:                    missing","EvaluateLowSampleCountPercentile":"","Metrics":[{"Expression":"m1*1","Id":"e1","Label":"Expression1","ReturnData":true},{"Id":"m1","MetricStat":{"Metric":{"Dimensions":[{"value":"TestInstance","name":"InstanceId"}],"MetricName":"NetworkOut","Namespace":"AWS/EC2"},"Period":60,"Stat":"Average"},"ReturnData":false}]}}';

/** The single-metric document with this project's names: the ALB 5xx alarm of the web service in live, eu-west-1. */
function webAlarm(overrides: Record<string, unknown> = {}): string {
    return JSON.stringify({
        ...JSON.parse(AWS_SINGLE_METRIC_MESSAGE),
        AlarmName: "demo-live-web-deploy-5xx",
        AlarmDescription: "web in live: over 5% of responses are 5xx; rolls a deployment back",
        NewStateReason:
            "Threshold Crossed: 2 out of the last 3 datapoints [7.5 (23/11/26 16:03:00), 6.1 (23/11/26 16:02:00)] was greater than the threshold (5.0) (minimum 2 datapoints for OK -> ALARM transition).",
        StateChangeTime: "2026-11-23T16:04:27.123+0000",
        Region: "EU (Ireland)",
        AlarmArn: "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:demo-live-web-deploy-5xx",
        OldStateValue: "OK",
        Trigger: {
            MetricName: "HTTPCode_Target_5XX_Count",
            Namespace: "AWS/ApplicationELB",
            StatisticType: "Statistic",
            Statistic: "SUM",
            Unit: null,
            Dimensions: [{ value: "app/demo-live/0123456789abcdef", name: "LoadBalancer" }],
            Period: 60,
            EvaluationPeriods: 3,
            ComparisonOperator: "GreaterThanThreshold",
            Threshold: 5.0,
            TreatMissingData: "- TreatMissingData:                    notBreaching",
            EvaluateLowSampleCountPercentile: "",
        },
        ...overrides,
    });
}

/** One SNS record as Lambda delivers it (with-sns.html), carrying `message`. */
function snsRecord(message: string, messageId = "95df01b4-ee98-5cb9-9903-4c221d41eb5e") {
    return {
        EventVersion: "1.0",
        EventSubscriptionArn: "arn:aws:sns:eu-west-1:123456789012:demo-live-alarms:21be56ed-a058-49f5-8c98-aedd2564c486",
        EventSource: "aws:sns",
        Sns: {
            SignatureVersion: "1",
            Timestamp: "2026-11-23T16:04:28.000Z",
            Signature: "tcc6faL2yUC6dgZdmrwh1Y4cGa/ebXEkAi6RibDsvpi+tE/1+82j...65r==",
            SigningCertUrl: "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-ac565b8b1a6c5d002d285f9598aa1d9b.pem",
            MessageId: messageId,
            Message: message,
            MessageAttributes: {},
            Type: "Notification",
            UnsubscribeUrl: "https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe",
            TopicArn: "arn:aws:sns:eu-west-1:123456789012:demo-live-alarms",
            Subject: 'ALARM: "demo-live-web-deploy-5xx" in EU (Ireland)',
        },
    };
}

const snsEvent = (...records: unknown[]) => ({ Records: records });

// --- Slack stand-in -------------------------------------------------------------------------

interface SlackRequest {
    readonly method: string;
    readonly path: string;
    readonly contentType: string | undefined;
    readonly body: unknown;
}

/** Answers request number `n` (0-based). */
type Responder = (res: http.ServerResponse, n: number) => void;

const ok: Responder = (res) => reply(res, 200, "ok");

/** Slack's webhook on 127.0.0.1: records each request with its JSON body, and the most requests open at once. */
async function slack(respond: Responder = ok): Promise<{ origin: string; url: string; requests: SlackRequest[]; inFlight: { max: number } }> {
    const requests: SlackRequest[] = [];
    const inFlight = { now: 0, max: 0 };
    const server = await serve((req, res, n) => {
        inFlight.max = Math.max(inFlight.max, ++inFlight.now);
        res.on("close", () => inFlight.now--);
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            const body: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
            requests.push({ method: req.method ?? "", path: req.url ?? "", contentType: req.headers["content-type"], body });
            respond(res, n);
        });
    });
    return { origin: server.baseUrl, url: `${server.baseUrl}${WEBHOOK_PATH}`, requests, inFlight };
}

// --- AWS mocks, clock, logs -------------------------------------------------------------------

// Created in before() and restored in after(), so the SDK clients are mocked only while these tests run.
let secrets: AwsClientStub<SecretsManagerClient>;
let dynamodb: AwsClientStub<DynamoDBClient>;
let cloudwatch: AwsClientStub<CloudWatchClient>;

/** A dedupe table in memory that applies the claim condition as DynamoDB would. */
function memoryTable(): Map<string, Record<string, AttributeValue>> {
    const items = new Map<string, Record<string, AttributeValue>>();
    dynamodb.on(PutItemCommand).callsFake((input: PutItemCommandInput) => {
        const item = input.Item ?? {};
        const id = String(item.id?.S);
        const held = items.get(id);
        const leaseOver = held?.leaseUntil?.N !== undefined && Number(held.leaseUntil.N) < Number(input.ExpressionAttributeValues?.[":now"]?.N);
        if (input.ConditionExpression !== undefined && held !== undefined && !leaseOver)
            throw new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} });
        items.set(id, item);
        return {};
    });
    dynamodb.on(DeleteItemCommand).callsFake((input: { Key?: Record<string, AttributeValue> }) => {
        items.delete(String(input.Key?.id?.S));
        return {};
    });
    return items;
}

let logText = "";

function harness(options: { config?: Partial<NotifierConfig>; origin?: string; random?: number } = {}) {
    const clock = { now: NOW, sleeps: [] as number[] };
    let text = "";
    const handler = createHandler(
        { ...CONFIG, ...options.config },
        {
            secretsManager: new SecretsManagerClient({ region: "eu-west-1" }),
            dynamodb: new DynamoDBClient({ region: "eu-west-1" }),
            cloudwatch: new CloudWatchClient({ region: "eu-west-1" }),
            logSink: {
                write: (chunk: string) => {
                    text += chunk;
                    logText += chunk;
                },
            },
            now: () => clock.now,
            sleep: async (ms) => {
                clock.sleeps.push(ms);
                clock.now += ms;
            },
            random: () => options.random ?? 0.5,
            ...(options.origin === undefined ? {} : { webhookOrigin: options.origin }),
        },
    );
    const lines = () =>
        text
            .split("\n")
            .filter((l) => l !== "")
            .map((l) => JSON.parse(l) as Record<string, unknown>);
    return { handler, clock, lines, logged: (msg: string) => lines().filter((l) => l.msg === msg) };
}

function claims(): PutItemCommandInput[] {
    return dynamodb
        .commandCalls(PutItemCommand)
        .map((c) => c.args[0].input)
        .filter((i) => i.ConditionExpression !== undefined);
}

function releases(): unknown[] {
    return dynamodb.commandCalls(DeleteItemCommand).map((c) => c.args[0].input);
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
    try {
        await promise;
    } catch (err) {
        assert.ok(err instanceof Error);
        return err;
    }
    throw new Error("expected the invocation to fail");
}

describe("alarm notifier (functions/alarmNotifier) against a Slack stand-in on 127.0.0.1", () => {
    before(() => {
        secrets = mockClient(SecretsManagerClient);
        dynamodb = mockClient(DynamoDBClient);
        cloudwatch = mockClient(CloudWatchClient);
    });

    beforeEach(() => {
        secrets.reset();
        dynamodb.reset();
        cloudwatch.reset();
        dynamodb.on(PutItemCommand).resolves({});
        dynamodb.on(DeleteItemCommand).resolves({});
    });

    afterEach(async () => {
        assert.ok(!logText.includes(TOKEN) && !logText.includes(WEBHOOK_PATH), `the webhook URL leaked into the log:\n${logText}`);
        logText = "";
        await closeServers();
    });

    after(() => {
        secrets.restore();
        dynamodb.restore();
        cloudwatch.restore();
    });

    function useWebhook(url: string): void {
        secrets.on(GetSecretValueCommand).resolves({ SecretString: url });
    }

    describe("state changes from SNS", () => {
        it("GIVEN the web service's 5xx alarm going OK -> ALARM WHEN invoked THEN it posts exactly this Block Kit message once, claimed and then confirmed in DynamoDB", async () => {
            const stub = await slack();
            useWebhook(stub.url);
            const { handler } = harness({ origin: stub.origin });

            const result = await handler(snsEvent(snsRecord(webAlarm())), CONTEXT);

            assert.deepEqual(result, {
                trigger: "sns",
                received: 1,
                posted: 1,
                skipped: 0,
                duplicates: 0,
                dropped: 0,
                failed: 0,
                retries: 0,
            } satisfies InvocationResult);
            assert.equal(stub.requests.length, 1);
            assert.equal(stub.requests[0].method, "POST");
            assert.equal(stub.requests[0].path, WEBHOOK_PATH);
            assert.equal(stub.requests[0].contentType, "application/json; charset=utf-8");
            assert.deepEqual(stub.requests[0].body, {
                text: ":red_circle: ALARM: demo-live-web-deploy-5xx (live / web)",
                blocks: [
                    { type: "header", text: { type: "plain_text", text: ":red_circle: ALARM: demo-live-web-deploy-5xx", emoji: true } },
                    {
                        type: "section",
                        text: {
                            type: "mrkdwn",
                            text: "*demo-live-web-deploy-5xx* changed from OK to ALARM at 2026-11-23 16:04 UTC (2 minutes ago).\n_web in live: over 5% of responses are 5xx; rolls a deployment back_",
                        },
                    },
                    {
                        type: "section",
                        fields: [
                            { type: "mrkdwn", text: "*Environment*\nlive" },
                            { type: "mrkdwn", text: "*Service*\nweb" },
                            {
                                type: "mrkdwn",
                                text: "*Metric*\nAWS/ApplicationELB HTTPCode_Target_5XX_Count (LoadBalancer=app/demo-live/0123456789abcdef): Sum &gt; 5, over 3 periods of 60 s",
                            },
                            { type: "mrkdwn", text: "*Region*\neu-west-1" },
                        ],
                    },
                    {
                        type: "section",
                        text: {
                            type: "mrkdwn",
                            text: "*Reason*\nThreshold Crossed: 2 out of the last 3 datapoints [7.5 (23/11/26 16:03:00), 6.1 (23/11/26 16:02:00)] was greater than the threshold (5.0) (minimum 2 datapoints for OK -&gt; ALARM transition).",
                        },
                    },
                    {
                        type: "context",
                        elements: [
                            {
                                type: "mrkdwn",
                                text: "<https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/demo-live-web-deploy-5xx|Open the alarm in the CloudWatch console> · account 123456789012",
                            },
                        ],
                    },
                ],
            });
            assert.deepEqual(
                dynamodb.commandCalls(PutItemCommand).map((c) => c.args[0].input),
                [
                    {
                        TableName: "demo-live-alarm-notifier",
                        Item: {
                            id: { S: "sns:95df01b4-ee98-5cb9-9903-4c221d41eb5e" },
                            expiresAt: { N: String(NOW / 1000 + DEDUPE_TTL_SECONDS) },
                            leaseUntil: { N: String(NOW + REMAINING_MS) },
                        },
                        ConditionExpression: "attribute_not_exists(id) OR leaseUntil < :now",
                        ExpressionAttributeValues: { ":now": { N: String(NOW) } },
                    },
                    {
                        TableName: "demo-live-alarm-notifier",
                        Item: {
                            id: { S: "sns:95df01b4-ee98-5cb9-9903-4c221d41eb5e" },
                            expiresAt: { N: String(NOW / 1000 + DEDUPE_TTL_SECONDS) },
                            postedAt: { N: String(NOW) },
                        },
                    },
                ],
            );
            assert.equal(CLAIM_CONDITION, "attribute_not_exists(id) OR leaseUntil < :now");
            assert.deepEqual(releases(), []);
        });

        it("GIVEN AWS's metric-math alarm notification, verbatim WHEN invoked THEN the metric field names the expression, its label and its input metric, and the link falls back to AWS_REGION", async () => {
            const stub = await slack();
            useWebhook(stub.url);
            const { handler } = harness({ origin: stub.origin, config: { region: "us-east-2" } });

            const record = snsRecord(AWS_METRIC_MATH_MESSAGE);
            await handler(snsEvent({ ...record, Sns: { ...record.Sns, TopicArn: "arn:aws:sns:EXAMPLE" } }), CONTEXT);

            assert.equal(stub.requests.length, 1);
            const { blocks } = stub.requests[0].body as { blocks: Array<{ fields?: Array<{ text: string }>; elements?: Array<{ text: string }> }> };
            assert.deepEqual(
                blocks[2].fields?.map((f) => f.text),
                [
                    "*Environment*\nlive",
                    "*Service*\nunknown (alarm name is not &lt;app&gt;-&lt;env&gt;-&lt;service&gt;-&lt;what&gt;)",
                    "*Metric*\nExpression1 = m1*1 &gt; 0, over 1 period of 60 s (from AWS/EC2 NetworkOut)",
                    "*Region*\nus-east-2",
                ],
            );
            assert.equal(
                blocks[4].elements?.[0].text,
                "<https://us-east-2.console.aws.amazon.com/cloudwatch/home?region=us-east-2#alarmsV2:alarm/EXAMPLE|Open the alarm in the CloudWatch console>",
            );
        });

        it("GIVEN AWS's single-metric notification, verbatim, for an alarm named outside <app>-<env>-<service>-<what> WHEN invoked THEN it still posts, under the raw name", async () => {
            const stub = await slack();
            useWebhook(stub.url);
            const { handler } = harness({ origin: stub.origin });

            await handler(snsEvent(snsRecord(AWS_SINGLE_METRIC_MESSAGE)), CONTEXT);

            assert.equal(stub.requests.length, 1);
            const body = stub.requests[0].body as { text: string; blocks: Array<{ fields?: Array<{ text: string }> }> };
            assert.equal(body.text, ":red_circle: ALARM: EXAMPLE (live)");
            assert.equal(body.blocks[2].fields?.[2].text, "*Metric*\nAWS/EC2 NetworkOut (InstanceId=TestInstance): Average &gt; 0, over 1 period of 60 s");
        });

        it("GIVEN the alarm going back ALARM -> OK WHEN invoked THEN it posts the recovery", async () => {
            const stub = await slack();
            useWebhook(stub.url);
            const { handler } = harness({ origin: stub.origin });

            await handler(snsEvent(snsRecord(webAlarm({ NewStateValue: "OK", OldStateValue: "ALARM" }))), CONTEXT);

            assert.equal(stub.requests.length, 1);
            assert.equal((stub.requests[0].body as { text: string }).text, ":large_green_circle: OK: demo-live-web-deploy-5xx (live / web)");
        });

        it("GIVEN a new alarm going INSUFFICIENT_DATA -> OK, as every alarm does after it is created WHEN invoked THEN nothing is claimed or posted, and one line says why", async () => {
            const stub = await slack();
            useWebhook(stub.url);
            const { handler, logged } = harness({ origin: stub.origin });

            const result = await handler(snsEvent(snsRecord(webAlarm({ NewStateValue: "OK", OldStateValue: "INSUFFICIENT_DATA" }))), CONTEXT);

            assert.equal(result.skipped, 1);
            assert.equal(stub.requests.length, 0);
            assert.deepEqual(claims(), []);
            assert.deepEqual(
                logged("notification skipped").map((l) => l.reason),
                ["INSUFFICIENT_DATA -> OK is not a change out of ALARM"],
            );
        });

        it("GIVEN 3 records: not JSON, JSON that is not an alarm, and an alarm WHEN invoked THEN the alarm is posted and each bad one is dropped with one log line, without failing the invocation", async () => {
            const stub = await slack();
            useWebhook(stub.url);
            const { handler, logged } = harness({ origin: stub.origin });

            const result = await handler(
                snsEvent(snsRecord("ALARM: {not json", "m-1"), snsRecord('{"hello":"world"}', "m-2"), snsRecord(webAlarm(), "m-3")),
                CONTEXT,
            );

            assert.deepEqual(result, { trigger: "sns", received: 3, posted: 1, skipped: 0, duplicates: 0, dropped: 2, failed: 0, retries: 0 });
            assert.equal(stub.requests.length, 1);
            assert.deepEqual(
                logged("message dropped").map((l) => [l.level, l.messageId, l.reason]),
                [
                    ["warn", "m-1", "message is not JSON"],
                    ["warn", "m-2", "not a CloudWatch alarm notification: no AlarmName"],
                ],
            );
        });

        it("GIVEN 20 records and Slack answering each after 50 ms WHEN invoked with CONCURRENCY 4 THEN all 20 are posted and never more than 4 requests are open at once", async () => {
            const stub = await slack((res) => later(50, () => reply(res, 200, "ok")));
            useWebhook(stub.url);
            const { handler } = harness({ origin: stub.origin });

            const records = Array.from({ length: 20 }, (_, i) => snsRecord(webAlarm(), `m-${i}`));
            const result = await handler(snsEvent(...records), CONTEXT);

            assert.equal(result.posted, 20);
            assert.equal(stub.requests.length, 20);
            assert.equal(stub.inFlight.max, 4);
        });
    });

    describe("a failed rollout's diagnosis (release verify-rollout publishes it to the same topic)", () => {
        const diagnosis = {
            kind: "shipyard.deployment-diagnosis",
            environment: "live",
            service: "web",
            ecsService: "demo-live-web",
            state: "rolled-back",
            headline:
                "container web ran out of memory and was killed (exit code 137, OutOfMemoryError; the task has 512 MiB) (3 of 3 stopped tasks of the release)",
            causes: ["container-exited"],
            text:
                "web: diagnosis: container web ran out of memory and was killed (exit code 137, OutOfMemoryError; the task has 512 MiB) (3 of 3 stopped tasks of the release)\n" +
                "  evidence for container-exited:\n" +
                "    last lines of web/web/c0ffee1234567890abcdef1234567890:\n" +
                '        {"msg":"product cache above 400 MiB","heapUsedMiB":431} <b>\n',
        };

        it("GIVEN a diagnosis WHEN invoked THEN it posts the cause as the summary and the evidence, escaped, as preformatted text", async () => {
            const stub = await slack();
            useWebhook(stub.url);
            const { handler } = harness({ origin: stub.origin });

            const result = await handler(snsEvent(snsRecord(JSON.stringify(diagnosis))), CONTEXT);

            assert.deepEqual(result, { trigger: "sns", received: 1, posted: 1, skipped: 0, duplicates: 0, dropped: 0, failed: 0, retries: 0 });
            assert.deepEqual(stub.requests[0].body, {
                text: ":rotating_light: Deployment rolled-back: live / web: container web ran out of memory and was killed (exit code 137, OutOfMemoryError; the task has 512 MiB) (3 of 3 stopped tasks of the release)",
                blocks: [
                    { type: "header", text: { type: "plain_text", text: ":rotating_light: Deployment rolled-back: live / web", emoji: true } },
                    {
                        type: "section",
                        text: {
                            type: "mrkdwn",
                            text: "*Cause*\ncontainer web ran out of memory and was killed (exit code 137, OutOfMemoryError; the task has 512 MiB) (3 of 3 stopped tasks of the release)",
                        },
                    },
                    {
                        type: "section",
                        fields: [
                            { type: "mrkdwn", text: "*Environment*\nlive" },
                            { type: "mrkdwn", text: "*Service*\nweb (ECS service demo-live-web)" },
                        ],
                    },
                    {
                        type: "section",
                        text: {
                            type: "mrkdwn",
                            text:
                                "*Evidence*\n```  evidence for container-exited:\n    last lines of web/web/c0ffee1234567890abcdef1234567890:\n" +
                                '        {"msg":"product cache above 400 MiB","heapUsedMiB":431} &lt;b&gt;```',
                        },
                    },
                ],
            });
        });

        it("GIVEN a diagnosis without its headline WHEN invoked THEN it is dropped with one log line naming what is missing", async () => {
            const stub = await slack();
            useWebhook(stub.url);
            const { handler, logged } = harness({ origin: stub.origin });

            const result = await handler(snsEvent(snsRecord(JSON.stringify({ ...diagnosis, headline: undefined }), "m-9")), CONTEXT);

            assert.deepEqual(result, { trigger: "sns", received: 1, posted: 0, skipped: 0, duplicates: 0, dropped: 1, failed: 0, retries: 0 });
            assert.equal(stub.requests.length, 0);
            assert.deepEqual(
                logged("message dropped").map((l) => [l.messageId, l.reason]),
                [["m-9", "deployment diagnosis without headline"]],
            );
        });
    });

    describe("retries", () => {
        it("GIVEN Slack answers 500 once, then 200 WHEN invoked THEN it retries after a jittered backoff: exactly 2 requests, one retry logged", async () => {
            const stub = await slack((res, n) => (n === 0 ? reply(res, 500, "rollup_error") : reply(res, 200, "ok")));
            useWebhook(stub.url);
            const { handler, clock, logged } = harness({ origin: stub.origin, random: 0.5 });

            const result = await handler(snsEvent(snsRecord(webAlarm())), CONTEXT);

            assert.equal(result.posted, 1);
            assert.equal(result.retries, 1);
            assert.equal(stub.requests.length, 2);
            assert.deepEqual(stub.requests[1].body, stub.requests[0].body);
            // Backoff before retry 1: random (0.5) x 250 ms.
            assert.deepEqual(clock.sleeps, [125]);
            assert.deepEqual(
                logged("slack post retry").map((l) => [l.attempt, l.reason, l.waitMs]),
                [[1, "status 500 rollup_error", 125]],
            );
        });

        it("GIVEN Slack answers 429 with Retry-After: 1, then 200 WHEN invoked THEN it waits exactly 1000 ms (not its own backoff) before the second and last request", async () => {
            const stub = await slack((res, n) => (n === 0 ? reply(res, 429, "rate_limited", { "retry-after": "1" }) : reply(res, 200, "ok")));
            useWebhook(stub.url);
            const { handler, clock } = harness({ origin: stub.origin });

            const result = await handler(snsEvent(snsRecord(webAlarm())), CONTEXT);

            assert.equal(result.posted, 1);
            assert.equal(stub.requests.length, 2);
            assert.deepEqual(clock.sleeps, [1000]);
        });

        it("GIVEN Slack takes longer than SLACK_TIMEOUT_MS to answer the first request WHEN invoked THEN that request is abandoned at the timeout and the retry posts", async () => {
            const stub = await slack((res, n) => (n === 0 ? later(2000, () => reply(res, 200, "ok")) : reply(res, 200, "ok")));
            useWebhook(stub.url);
            const { handler, logged } = harness({ origin: stub.origin, config: { requestTimeoutMs: 150 } });

            const started = Date.now();
            const result = await handler(snsEvent(snsRecord(webAlarm())), CONTEXT);
            const elapsed = Date.now() - started;

            assert.equal(result.posted, 1);
            assert.equal(stub.requests.length, 2);
            assert.ok(elapsed >= 150 && elapsed < 1000, `took ${elapsed} ms`);
            assert.deepEqual(
                logged("slack post retry").map((l) => l.reason),
                ["timeout after 150 ms"],
            );
        });

        it("GIVEN Slack answers 404 no_service (the webhook was removed) WHEN invoked THEN it does not retry, logs the dead webhook and how to fix it, releases the claim and fails the invocation", async () => {
            const stub = await slack((res) => reply(res, 404, "no_service"));
            useWebhook(stub.url);
            const { handler, logged } = harness({ origin: stub.origin });

            const err = await rejection(handler(snsEvent(snsRecord(webAlarm())), CONTEXT));

            assert.ok(err instanceof DeliveryError);
            assert.match(err.message, /^1 of 1 notifications could not be delivered/);
            assert.equal(stub.requests.length, 1);
            const [dead] = logged("slack webhook is dead");
            assert.deepEqual([dead.level, dead.status, dead.reason], ["error", 404, "status 404 no_service"]);
            assert.match(
                String(dead.fix),
                /store its URL as the SecretString of arn:aws:secretsmanager:eu-west-1:123456789012:secret:demo-live-slack-webhook-AbCdEf$/,
            );
            assert.deepEqual(releases(), [{ TableName: "demo-live-alarm-notifier", Key: { id: { S: "sns:95df01b4-ee98-5cb9-9903-4c221d41eb5e" } } }]);
            assert.deepEqual(logged("invocation result")[0].failed, 1);
        });

        it("GIVEN Slack answers 400 invalid_payload WHEN invoked THEN the message is not retried but counted as failed", async () => {
            const stub = await slack((res) => reply(res, 400, "invalid_payload"));
            useWebhook(stub.url);
            const { handler, logged } = harness({ origin: stub.origin });

            await rejection(handler(snsEvent(snsRecord(webAlarm())), CONTEXT));

            assert.equal(stub.requests.length, 1);
            assert.deepEqual(
                logged("notification failed").map((l) => [l.status, l.reason]),
                [[400, "status 400 invalid_payload"]],
            );
            assert.equal(logged("slack webhook is dead").length, 0);
        });

        it("GIVEN Slack answers 503 every time and 2 s of budget WHEN invoked THEN it stops when the next retry would end after the deadline, releases the claim and fails", async () => {
            const stub = await slack((res) => reply(res, 503, "service unavailable"));
            useWebhook(stub.url);
            // Backoffs: 249, 499, then 999 ms; with 500 ms per request, a third retry at t = 748 + 999 would end at 2247 > 2000.
            const { handler, clock, logged } = harness({ origin: stub.origin, random: 0.999, config: { maxAttempts: 10 } });
            const context: LambdaContext = { getRemainingTimeInMillis: () => BUDGET_RESERVE_MS + 2000 };

            const err = await rejection(handler(snsEvent(snsRecord(webAlarm())), context));

            assert.ok(err instanceof DeliveryError);
            assert.equal(stub.requests.length, 3);
            assert.deepEqual(clock.sleeps, [249, 499]);
            assert.deepEqual(
                logged("notification failed").map((l) => l.reason),
                ["status 503 service unavailable; time budget exhausted: a retry in 999 ms would end after the deadline"],
            );
            assert.equal(releases().length, 1);
        });

        it("GIVEN less time left than one request timeout WHEN invoked THEN no request is sent, the claim is released and the invocation fails", async () => {
            const stub = await slack();
            useWebhook(stub.url);
            const { handler, logged } = harness({ origin: stub.origin });

            await rejection(handler(snsEvent(snsRecord(webAlarm())), { getRemainingTimeInMillis: () => BUDGET_RESERVE_MS + 499 }));

            assert.equal(stub.requests.length, 0);
            assert.deepEqual(
                logged("notification failed").map((l) => l.reason),
                ["time budget exhausted before attempt 1"],
            );
            assert.equal(releases().length, 1);
        });
    });

    describe("deduplication", () => {
        it("GIVEN SNS delivers the same MessageId twice WHEN both invocations run THEN only the first posts; the second logs the duplicate", async () => {
            const stub = await slack();
            useWebhook(stub.url);
            memoryTable();
            const { handler, logged } = harness({ origin: stub.origin });

            const first = await handler(snsEvent(snsRecord(webAlarm())), CONTEXT);
            const second = await handler(snsEvent(snsRecord(webAlarm())), CONTEXT);

            assert.equal(first.posted, 1);
            assert.deepEqual(second, { trigger: "sns", received: 1, posted: 0, skipped: 0, duplicates: 1, dropped: 0, failed: 0, retries: 0 });
            assert.equal(stub.requests.length, 1);
            assert.deepEqual(
                logged("notification skipped: already posted").map((l) => l.dedupeId),
                ["sns:95df01b4-ee98-5cb9-9903-4c221d41eb5e"],
            );
        });

        it("GIVEN a first delivery that failed (claim released) WHEN Lambda retries the event THEN the retry posts it", async () => {
            const stub = await slack((res, n) => (n === 0 ? reply(res, 404, "channel_not_found") : reply(res, 200, "ok")));
            useWebhook(stub.url);
            memoryTable();
            const { handler } = harness({ origin: stub.origin });

            await rejection(handler(snsEvent(snsRecord(webAlarm())), CONTEXT));
            const retry = await handler(snsEvent(snsRecord(webAlarm())), CONTEXT);

            assert.equal(retry.posted, 1);
            assert.equal(stub.requests.length, 2);
        });

        it("GIVEN a claim left by an invocation that died before posting WHEN SNS redelivers after that invocation's lease ran out THEN the message is posted, not lost", async () => {
            const stub = await slack();
            useWebhook(stub.url);
            const table = memoryTable();
            table.set("sns:95df01b4-ee98-5cb9-9903-4c221d41eb5e", {
                id: { S: "sns:95df01b4-ee98-5cb9-9903-4c221d41eb5e" },
                expiresAt: { N: String(NOW / 1000 + 3600) },
                leaseUntil: { N: String(NOW - 1) },
            });
            const { handler } = harness({ origin: stub.origin });

            const result = await handler(snsEvent(snsRecord(webAlarm())), CONTEXT);

            assert.equal(result.posted, 1);
            assert.equal(stub.requests.length, 1);
        });
    });

    describe("the webhook secret", () => {
        it("GIVEN two invocations within 5 minutes, then one after WHEN they run THEN GetSecretValue is called once for the first two and again for the third (a rotated webhook is picked up)", async () => {
            const stub = await slack();
            useWebhook(stub.url);
            const { handler, clock } = harness({ origin: stub.origin });

            await handler(snsEvent(snsRecord(webAlarm(), "m-1")), CONTEXT);
            clock.now += 299_000;
            await handler(snsEvent(snsRecord(webAlarm(), "m-2")), CONTEXT);
            assert.deepEqual(
                secrets.commandCalls(GetSecretValueCommand).map((c) => c.args[0].input),
                [{ SecretId: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:demo-live-slack-webhook-AbCdEf" }],
            );

            clock.now += 2000;
            await handler(snsEvent(snsRecord(webAlarm(), "m-3")), CONTEXT);
            assert.equal(secrets.commandCalls(GetSecretValueCommand).length, 2);
            assert.equal(stub.requests.length, 3);
        });

        it("GIVEN 8 records at a cold start WHEN the 4 workers all need the webhook at once THEN the secret is read once", async () => {
            const stub = await slack();
            useWebhook(stub.url);
            const { handler } = harness({ origin: stub.origin });

            await handler(snsEvent(...Array.from({ length: 8 }, (_, i) => snsRecord(webAlarm(), `m-${i}`))), CONTEXT);

            assert.equal(secrets.commandCalls(GetSecretValueCommand).length, 1);
        });

        it("GIVEN the production origin and a secret holding a URL on another host WHEN invoked THEN nothing is sent, the failure names the allowed origin but not the URL, and the invocation fails", async () => {
            const stub = await slack();
            useWebhook(`${stub.origin}${WEBHOOK_PATH}`);
            const { handler, logged } = harness();

            await rejection(handler(snsEvent(snsRecord(webAlarm())), CONTEXT));

            assert.equal(stub.requests.length, 0);
            assert.deepEqual(
                logged("notification failed").map((l) => l.reason),
                ["WebhookSecretError: the secret's URL is not on https://hooks.slack.com: only Slack incoming webhooks are allowed"],
            );
        });

        it("GIVEN Secrets Manager refuses access WHEN invoked THEN the message fails with the SDK's error, the claim is released and the invocation fails", async () => {
            secrets
                .on(GetSecretValueCommand)
                .rejects(Object.assign(new Error("User is not authorized to perform: secretsmanager:GetSecretValue"), { name: "AccessDeniedException" }));
            const { handler, logged } = harness();

            await rejection(handler(snsEvent(snsRecord(webAlarm())), CONTEXT));

            assert.deepEqual(
                logged("notification failed").map((l) => l.reason),
                ["AccessDeniedException: User is not authorized to perform: secretsmanager:GetSecretValue"],
            );
            assert.equal(releases().length, 1);
        });
    });

    describe('reminders (EventBridge Scheduler input {"action":"remind"})', () => {
        const minutesAgo = (m: number) => new Date(NOW - m * 60_000);
        const alarm = (name: string, firingMinutes: number): MetricAlarm => ({
            AlarmName: name,
            AlarmArn: `arn:aws:cloudwatch:eu-west-1:123456789012:alarm:${name}`,
            AlarmDescription: "",
            StateValue: "ALARM",
            StateReason: "Threshold Crossed: 3 datapoints were greater than the threshold (5.0).",
            StateTransitionedTimestamp: minutesAgo(firingMinutes),
            StateUpdatedTimestamp: minutesAgo(1),
            Namespace: "AWS/ApplicationELB",
            MetricName: "HTTPCode_Target_5XX_Count",
            Statistic: "Sum",
            Dimensions: [{ Name: "LoadBalancer", Value: "app/demo-live/0123456789abcdef" }],
            Period: 60,
            EvaluationPeriods: 3,
            DatapointsToAlarm: 2,
            ComparisonOperator: "GreaterThanThreshold",
            Threshold: 5,
        });

        function twoPages(): void {
            cloudwatch
                .on(DescribeAlarmsCommand)
                .callsFake((input: { NextToken?: string }) =>
                    input.NextToken === undefined
                        ? { MetricAlarms: [alarm("demo-live-web-5xx", 47 + 1 / 6), alarm("demo-live-web-p99", 3)], NextToken: "page-2" }
                        : { MetricAlarms: [alarm("demo-live-worker-errors", 125)] },
                );
        }

        it("GIVEN two pages of alarms in ALARM, one of them for less than REMINDER_MINUTES WHEN reminded THEN both pages are read and the two overdue alarms are posted, saying for how long", async () => {
            const stub = await slack();
            useWebhook(stub.url);
            twoPages();
            const { handler } = harness({ origin: stub.origin });

            const result = await handler({ action: "remind" }, CONTEXT);

            assert.deepEqual(result, { trigger: "remind", received: 3, posted: 2, skipped: 1, duplicates: 0, dropped: 0, failed: 0, retries: 0 });
            const request = { StateValue: "ALARM", AlarmNamePrefix: "demo-live-", AlarmTypes: ["MetricAlarm"], MaxRecords: 100 };
            assert.deepEqual(
                cloudwatch.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input),
                [
                    { ...request, NextToken: undefined },
                    { ...request, NextToken: "page-2" },
                ],
            );
            const bodies = stub.requests.map((r) => r.body as { text: string; blocks: Array<{ text?: { text: string }; fields?: Array<{ text: string }> }> });
            bodies.sort((a, b) => a.text.localeCompare(b.text));
            assert.deepEqual(
                bodies.map((b) => [b.text, b.blocks[0].text?.text, b.blocks[1].text?.text]),
                [
                    [
                        ":alarm_clock: Still in ALARM for 2 hours 5 minutes: demo-live-worker-errors (live / worker)",
                        ":alarm_clock: Still in ALARM: demo-live-worker-errors",
                        "*demo-live-worker-errors* has been firing for 2 hours 5 minutes (since 2026-11-23 14:02 UTC).",
                    ],
                    [
                        ":alarm_clock: Still in ALARM for 47 minutes: demo-live-web-5xx (live / web)",
                        ":alarm_clock: Still in ALARM: demo-live-web-5xx",
                        "*demo-live-web-5xx* has been firing for 47 minutes (since 2026-11-23 15:20 UTC).",
                    ],
                ],
            );
            assert.equal(
                bodies[1].blocks[2].fields?.[2].text,
                "*Metric*\nAWS/ApplicationELB HTTPCode_Target_5XX_Count (LoadBalancer=app/demo-live/0123456789abcdef): Sum &gt; 5, 2 of 3 periods of 60 s",
            );
        });

        it("GIVEN the schedule invokes twice in the same REMINDER_MINUTES window WHEN both run THEN each alarm is reminded of once, keyed by name, time entered ALARM and window", async () => {
            const stub = await slack();
            useWebhook(stub.url);
            memoryTable();
            const { handler, clock } = harness({ origin: stub.origin });

            twoPages();
            await handler({ action: "remind" }, CONTEXT);
            clock.now += 60_000;
            const second = await handler({ action: "remind" }, CONTEXT);

            assert.equal(stub.requests.length, 2);
            assert.equal(second.duplicates, 2);
            const window = Math.floor(NOW / (30 * 60_000));
            assert.deepEqual(
                claims()
                    .slice(0, 2)
                    .map((c) => c.Item?.id?.S)
                    .sort(),
                [`remind:demo-live-web-5xx:${NOW - (47 * 60_000 + 10_000)}:${window}`, `remind:demo-live-worker-errors:${NOW - 125 * 60_000}:${window}`],
            );
        });

        it("GIVEN DescribeAlarms fails WHEN reminded THEN the invocation fails with that error", async () => {
            cloudwatch.on(DescribeAlarmsCommand).rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
            const { handler, logged } = harness();

            const err = await rejection(handler({ action: "remind" }, CONTEXT));

            assert.equal(err.name, "ThrottlingException");
            assert.equal(logged("invocation result")[0].reason, "DescribeAlarms failed: ThrottlingException: Rate exceeded");
        });
    });

    it("GIVEN an event that is neither SNS nor a reminder WHEN invoked THEN it fails, so the event reaches the dead-letter queue", async () => {
        const { handler } = harness();
        const err = await rejection(handler({ source: "aws.events" }, CONTEXT));
        assert.match(err.message, /^unrecognised event/);
    });
});

describe("alarm notifier Lambda entry module (functions/alarmNotifier/handler.ts)", () => {
    const ENV = {
        SLACK_WEBHOOK_SECRET_ARN: CONFIG.webhookSecretArn,
        DEDUPE_TABLE: CONFIG.dedupeTable,
        APP_NAME: "demo",
        ENVIRONMENT: "live",
    };

    it("GIVEN SLACK_WEBHOOK_SECRET_ARN unset WHEN the module loads (cold start) THEN it throws the ConfigError naming the variable", () => {
        assert.throws(() => coldStart("alarmNotifier/handler.ts", { ...ENV, SLACK_WEBHOOK_SECRET_ARN: undefined }), {
            name: "ConfigError",
            message: /^SLACK_WEBHOOK_SECRET_ARN is not set/,
        });
    });

    it("GIVEN a valid environment WHEN the module loads THEN it exports the Lambda handler", () => {
        assert.equal(typeof coldStart("alarmNotifier/handler.ts", ENV).handler, "function");
    });
});
